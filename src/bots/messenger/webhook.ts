import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseWebhookBody, type MessengerEvent } from '../../domain/messenger/events.ts';
import type { StoreResult } from '../../db/messenger-repo.ts';
import { sendError } from '../../routes/send-error.ts';
import { sameToken, verifySignature } from './signature.ts';

// GET /webhooks/messenger: Meta's subscription check. POST: page events, verified over the
// raw bytes, stored durably, then 200. Nothing is answered 200 before it is stored: when the
// database is unreachable the answer is 503 and Meta delivers the batch again.
//
// The plugin swaps Fastify's JSON parser for a raw-Buffer one; register it encapsulated
// (never with fastify-plugin), so every other route keeps its own parsers.

export const MESSENGER_WEBHOOK_PATH = '/webhooks/messenger';
const BODY_LIMIT = 1024 * 1024;

export interface WebhookOptions {
  appSecret: string;
  verifyToken: string;
  store: { save(events: MessengerEvent[]): Promise<StoreResult> };
  /** after a successful store (wakes the reply worker in this process) */
  onStored?: () => void;
}

export function messengerWebhook(opts: WebhookOptions): FastifyPluginAsync {
  return async (fastify) => {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

    fastify.get(MESSENGER_WEBHOOK_PATH, async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      if (q['hub.mode'] === 'subscribe' && sameToken(opts.verifyToken, q['hub.verify_token']) && typeof q['hub.challenge'] === 'string') {
        return reply.code(200).type('text/plain; charset=utf-8').send(q['hub.challenge']);
      }
      req.log.warn({ component: 'messenger', mode: q['hub.mode'] }, 'messenger: webhook verification refused');
      return sendError(req, reply, 'FORBIDDEN', 'verification token mismatch');
    });

    // No browser security headers on the POST: its caller is Meta's servers and its body a fixed
    // "EVENT_RECEIVED" (the GET keeps them: it echoes hub.challenge). Helmet builds its CSP per
    // request, ~3% of the webhook thread's time at 1,000 deliveries/s.
    fastify.post(MESSENGER_WEBHOOK_PATH, { helmet: false }, (req, reply) => handlePost(opts, req, reply));
  };
}

async function handlePost(opts: WebhookOptions, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const check = verifySignature(opts.appSecret, raw, req.headers['x-hub-signature-256']);
  if (!check.ok) {
    req.log.warn({ component: 'messenger', reason: check.reason }, `messenger: request refused (${check.reason} signature)`);
    return sendError(req, reply, check.reason === 'missing' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'invalid X-Hub-Signature-256');
  }
  let parsed;
  try {
    parsed = parseWebhookBody(JSON.parse(raw.toString('utf8')));
  } catch (err) {
    return sendError(req, reply, 'BAD_REQUEST', `not a Messenger page webhook: ${(err as Error).message}`);
  }
  for (const i of parsed.ignored) req.log.debug({ component: 'messenger', reason: i.reason }, 'messenger: event ignored');
  try {
    await opts.store.save(parsed.events);
  } catch (err) {
    req.log.error({ err, component: 'messenger' }, 'messenger: storing events failed; answering 503 so Meta resends');
    return sendError(req, reply, 'UNAVAILABLE', 'events could not be stored, retry later');
  }
  if (parsed.events.length > 0) opts.onStored?.();
  return reply.code(200).type('text/plain; charset=utf-8').send('EVENT_RECEIVED');
}
