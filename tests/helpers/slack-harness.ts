// The Slack channel as the service runs it (src/app.ts build() with the Slack plugin, the
// durable ask queue and its worker) against a fake Slack Web API, driven by signed requests.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Assistant } from '../../src/agents/assistant/assistant.ts';
import { build } from '../../src/app.ts';
import { startSlack, type SlackService } from '../../src/bots/slack/app.ts';
import { slackSignatureHeaders } from '../../src/bots/slack/signature.ts';
import type { Config } from '../../src/config.ts';
import type { Db } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { testClock } from './clock.ts';
import { BOT } from './fake-slack.ts';
import { waitFor } from './wait.ts';
import { startTestQueue } from './root.ts';

export const SIGNING_SECRET = 'test-signing-secret-8f1d2c';
export const BOT_TOKEN = 'xoxb-test-token';

/** A logger whose JSON lines are kept for assertions. */
export function capturingLogger(level = 'info'): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, stream), lines };
}

export interface SignedRequest {
  payload: string;
  headers: Record<string, string>;
}

/**
 * The clock of every Slack service these helpers build (its replay window, periods, QA times):
 * pinned to TEST_NOW, so requests are signed on the same clock the receiver checks.
 */
export const slackClock = testClock();

/** A request as Slack would send it: signed over exactly these bytes, at `at` (default slackClock's now). */
export function signed(body: string, opts: { contentType?: string; at?: Date; secret?: string; headers?: Record<string, string> } = {}): SignedRequest {
  const timestamp = Math.floor((opts.at ?? slackClock()).getTime() / 1000);
  return {
    payload: body,
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      ...slackSignatureHeaders({ signingSecret: opts.secret ?? SIGNING_SECRET, timestamp, rawBody: body }),
      ...opts.headers,
    },
  };
}

let seq = 0;
/** A distinct message ts, as Slack writes them. */
export const nextTs = (): string => `${1764500000 + ++seq}.${String(seq).padStart(6, '0')}`;

export interface MentionOptions {
  eventId?: string;
  user?: string;
  channel?: string;
  text: string;
  ts?: string;
  threadTs?: string;
  /** an event of type message in a DM (message.im) instead of app_mention */
  dm?: boolean;
  extra?: Record<string, unknown>;
}

/** An Events API envelope for a mention (or a DM), as JSON text. */
export function eventBody(o: MentionOptions): { body: string; eventId: string; ts: string } {
  const eventId = o.eventId ?? `Ev${String(++seq).padStart(10, '0')}`;
  const ts = o.ts ?? nextTs();
  const event = o.dm
    ? { type: 'message', channel_type: 'im', user: o.user ?? 'U0LEAD', text: o.text, ts, channel: o.channel ?? 'D0DIRECT1', event_ts: ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), ...o.extra }
    : { type: 'app_mention', user: o.user ?? 'U0LEAD', text: `<@${BOT.userId}> ${o.text}`, ts, channel: o.channel ?? 'C0ANALYTICS', event_ts: ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), ...o.extra };
  const body = {
    token: 'legacy-verification-token',
    team_id: BOT.teamId,
    api_app_id: 'A0FAKE',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(slackClock().getTime() / 1000),
    authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    event,
  };
  return { body: JSON.stringify(body), eventId, ts };
}

export interface Harness {
  fastify: FastifyInstance;
  slack: SlackService;
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** build() with the Slack plugin, as server.ts composes it. */
export async function startHarness(opts: { config: Config; databaseUrl: string; pool: pg.Pool; prisma: Db; assistant: Assistant; concurrency?: number }): Promise<Harness> {
  const { logger, lines } = capturingLogger();
  // the one pg-boss service.ts would pass in
  const boss = await startTestQueue(opts.databaseUrl);
  const slack = await startSlack({
    config: opts.config, boss, pool: opts.pool, assistant: opts.assistant, logger, concurrency: opts.concurrency ?? 2, now: slackClock,
  });
  const fastify = await build({ prisma: opts.prisma, logger, pool: opts.pool, plugins: slack.plugin ? [slack.plugin] : [] });
  return {
    fastify,
    slack,
    lines,
    close: async () => {
      await fastify.close();
      await slack.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/** Requests the receiver answered itself because no listener acked within its timeout (it logs each). */
export const unacked = (lines: Record<string, unknown>[]): Record<string, unknown>[] =>
  lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('slack: no ack within'));

/** Polls `fn` until it returns a value that is not undefined/false (see waitFor in wait.ts). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, what = 'condition'): Promise<T> {
  return (await waitFor(fn, { what })) as T;
}
