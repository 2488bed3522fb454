// Bolt on Fastify: a Bolt `Receiver` (init/start/stop) whose Fastify plugin mounts
// POST /slack/events for events, slash commands, interactions and options. Each request is
// verified over its raw bytes, parsed, and handed to `app.processEvent` with an `ack` that
// answers the HTTP request the moment it is called; listeners keep running after that.
//
// The plugin replaces Fastify's body parsers with raw-Buffer ones for JSON and form bodies.
// It must be registered as an ordinary (encapsulated) plugin, never with fastify-plugin's
// skip-override: the replacement then applies to this route only and every other POST route
// keeps Fastify's own parsers.

import { parse as parseQuery } from 'node:querystring';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../routes/send-error.ts';
import { verifySlackSignature } from './signature.ts';

export const SLACK_EVENTS_PATH = '/slack/events';
/** Slack waits 3 s; answering a little earlier leaves room for the network. */
export const DEFAULT_ACK_TIMEOUT_MS = 2500;
const BODY_LIMIT = 4 * 1024 * 1024; // Bolt's own limit for Slack request bodies

export interface FastifyReceiverOptions {
  signingSecret: string;
  /** the clock for the replay window (tests) */
  now?: () => Date;
  path?: string;
  /** answer 200 after this long when no listener acked */
  ackTimeoutMs?: number;
  /** why requests cannot be handled now (Slack's auth.test has not passed yet), or undefined */
  unavailable?: () => string | undefined;
}

type Body = Record<string, unknown>;
type AckBody = string | Record<string, unknown> | undefined;

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};

const isBody = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack bodies: a JSON object (Events API), or a form whose `payload` field is one (interactions); throws for anything else. */
export function parseSlackBody(raw: Buffer, contentType: string): Body {
  const text = raw.toString('utf8');
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parseQuery(text);
    if (typeof form.payload !== 'string') return form as Body;
    const payload: unknown = JSON.parse(form.payload);
    if (!isBody(payload)) throw new Error('the payload field is not a JSON object');
    return payload;
  }
  const body: unknown = JSON.parse(text);
  if (!isBody(body)) throw new Error('the body is not a JSON object');
  return body;
}

export class FastifyReceiver implements Receiver {
  private app: App | undefined;
  private readonly now: () => Date;
  private readonly path: string;
  private readonly ackTimeoutMs: number;

  constructor(private readonly opts: FastifyReceiverOptions) {
    this.now = opts.now ?? (() => new Date());
    this.path = opts.path ?? SLACK_EVENTS_PATH;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  }

  init(app: App): void {
    this.app = app;
  }

  /** The Fastify server listens; there is nothing of our own to start or stop. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Register with `fastify.register(receiver.plugin)` (encapsulated: see the file comment). */
  readonly plugin: FastifyPluginAsync = async (fastify) => {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    fastify.post(this.path, (req, reply) => this.handle(req, reply));
  };

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const contentType = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();

    // Slack's ssl_check is not signed and carries nothing to act on (Bolt answers it the same way).
    if (contentType === 'application/x-www-form-urlencoded' && parseQuery(raw.toString('utf8')).ssl_check === '1') {
      return reply.code(200).send('');
    }

    const check = verifySlackSignature({
      signingSecret: this.opts.signingSecret,
      timestamp: req.headers['x-slack-request-timestamp'],
      signature: req.headers['x-slack-signature'],
      rawBody: raw,
      nowSeconds: Math.floor(this.now().getTime() / 1000),
    });
    if (!check.ok) {
      // Same opaque answer for every failure; the reason is for our logs only.
      req.log.warn({ reason: check.reason, component: 'slack' }, `slack: request refused (${check.reason})`);
      return sendError(req, reply, 'UNAUTHORIZED', 'invalid Slack signature');
    }

    let body: Body;
    try {
      body = parseSlackBody(raw, contentType);
    } catch {
      return sendError(req, reply, 'BAD_REQUEST', 'unreadable Slack body');
    }
    if (body.type === 'url_verification') return reply.code(200).send({ challenge: body.challenge });
    if (!this.app) throw new Error('slack receiver: init(app) was not called');
    // Before the bot token is verified Bolt cannot authorize a request: 503, and Slack retries it.
    const down = this.opts.unavailable?.();
    if (down) return sendError(req, reply, 'SLACK_UNAVAILABLE', down);

    const retryNum = Number(header(req, 'x-slack-retry-num'));
    const retryReason = header(req, 'x-slack-retry-reason');
    if (Number.isFinite(retryNum) && retryNum > 0) {
      req.log.info({ component: 'slack', retryNum, retryReason, eventId: body.event_id }, 'slack: retried delivery');
    }
    const answer = await this.dispatch(this.app, body, {
      ...(Number.isFinite(retryNum) ? { retryNum } : {}),
      ...(retryReason ? { retryReason } : {}),
    }, req);
    if (answer.status !== 200) return sendError(req, reply, 'SLACK_HANDLER_FAILED', 'the request could not be handled', {}, answer.status);
    if (answer.body === undefined || answer.body === '') return reply.code(200).send('');
    if (typeof answer.body === 'string') return reply.code(200).type('text/plain; charset=utf-8').send(answer.body);
    return reply.code(200).send(answer.body);
  }

  /**
   * Runs Bolt on the request and resolves with what to answer: the ack's body as soon as ack()
   * is called, 200 after `ackTimeoutMs` without one, 500 when processing failed before an ack
   * (Slack then retries, which the durable dedupe makes harmless).
   *
   * Events are the exception to "answer at ack": Bolt acks them itself before any listener
   * runs, so answering then would tell Slack an event was taken before our listener stored it
   * (a crash in between would lose it, and Slack does not resend an acknowledged event). Their
   * listeners only store and enqueue, so the answer waits for them to finish, still bounded by
   * `ackTimeoutMs`; a listener that fails makes it a 500, and Slack retries.
   */
  private dispatch(app: App, body: Body, retry: Pick<ReceiverEvent, 'retryNum' | 'retryReason'>, req: FastifyRequest): Promise<{ status: number; body?: AckBody }> {
    return new Promise((resolve) => {
      let answered = false;
      const settle = (status: number, ackBody?: AckBody) => {
        if (answered) return false;
        answered = true;
        clearTimeout(timer);
        resolve({ status, body: ackBody });
        return true;
      };
      const timer = setTimeout(() => {
        if (settle(200)) req.log.warn({ component: 'slack', type: body.type }, `slack: no ack within ${this.ackTimeoutMs} ms, answered 200`);
      }, this.ackTimeoutMs);
      let acked = false;
      let ackBody: AckBody | undefined;
      const afterListeners = body.type === 'event_callback';
      const event: ReceiverEvent = {
        body,
        ...retry,
        ack: async (response?: AckBody) => {
          if (acked) throw new Error('slack: ack() called twice for one request');
          acked = true;
          ackBody = response;
          if (afterListeners) return;
          if (!settle(200, response)) req.log.warn({ component: 'slack' }, 'slack: ack() after the request was already answered');
        },
      };
      app.processEvent(event).then(
        () => {
          if (afterListeners) settle(200, ackBody);
        },
        (err: unknown) => {
          req.log.error({ err, component: 'slack', type: body.type }, 'slack: handling a request failed');
          settle(500);
        },
      );
    });
  }
}
