import { App } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boltLogger, createSlackApp } from '../src/bots/slack/app.ts';
import type { AskRequest, SlackDeps } from '../src/bots/slack/deps.ts';
import { FastifyReceiver } from '../src/bots/slack/receiver.ts';
import { build } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Db } from '../src/db/client.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, eventBody, signed, slackClock } from './helpers/slack-harness.ts';
import { WAIT_MS, gate, waitFor } from './helpers/wait.ts';

// The Fastify receiver on its own: a Bolt App with test listeners behind it, no database.
// (build() only needs a Prisma client for /readyz, which these tests never call.)

let fake: FakeSlack;
let fastify: FastifyInstance;
const seen: { retryNum?: number; retryReason?: string; text?: string }[] = [];
// The /slow listener acks, then holds until the test releases it.
let slowWork = gate();
let slowListenerDone = false;

beforeAll(async () => {
  fake = await startFakeSlack({ token: BOT_TOKEN });
  const captured = capturingLogger();
  // A failing test's deadline, not a real one: an event is answered when its listener is done,
  // and on a loaded machine that can take longer than Slack's 3 s (the /never test has its own).
  const receiver = new FastifyReceiver({ signingSecret: SIGNING_SECRET, ackTimeoutMs: WAIT_MS, now: slackClock });
  const app = new App({ token: BOT_TOKEN, receiver, logger: boltLogger(captured.logger), clientOptions: { slackApiUrl: fake.apiUrl } });
  app.command('/slow', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'on it' });
    await slowWork.promise;
    slowListenerDone = true;
  });
  app.event('app_mention', async ({ event, context }) => {
    // slow storage: without waiting for the listener the receiver would answer before the push below
    if (event.text.includes('store slowly')) await new Promise((r) => setTimeout(r, 200));
    if (event.text.includes('storing fails')) throw new Error('database unavailable');
    seen.push({ retryNum: context.retryNum, retryReason: context.retryReason, text: event.text });
  });
  // another POST route that relies on Fastify's own JSON parser, registered beside Slack's
  const echo = async (f: FastifyInstance) => {
    f.post('/echo', async (req) => ({ got: req.body }));
  };
  fastify = await build({ prisma: {} as Db, logger: captured.logger, plugins: [receiver.plugin, echo] });
});

afterAll(async () => {
  await fastify?.close();
  await fake?.close();
});

const slashForm = (command: string) =>
  new URLSearchParams({
    token: 'legacy', team_id: 'T0FAKE', team_domain: 'fake', channel_id: 'C0ANALYTICS', channel_name: 'analytics', user_id: 'U0LEAD',
    user_name: 'lead', command, text: '', api_app_id: 'A0FAKE', response_url: 'http://127.0.0.1:9/respond', trigger_id: '13345.1',
  }).toString();

async function send(body: string, opts: Parameters<typeof signed>[1] = {}) {
  const req = signed(body, opts);
  return fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
}

describe('FastifyReceiver', () => {
  it('answers url_verification with the challenge, signed', async () => {
    const res = await send(JSON.stringify({ token: 't', challenge: 'c-3f9a', type: 'url_verification' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'c-3f9a' });
    const unsigned = await fastify.inject({ method: 'POST', url: '/slack/events', payload: JSON.stringify({ challenge: 'x', type: 'url_verification' }), headers: { 'content-type': 'application/json' } });
    expect(unsigned.statusCode).toBe(401);
  });

  it('answers ssl_check with 200 and an empty body', async () => {
    const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: 'ssl_check=1&token=legacy', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('keeps Fastify’s JSON parser for every other POST route', async () => {
    const res = await fastify.inject({ method: 'POST', url: '/echo', payload: { a: 1, b: ['x'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ got: { a: 1, b: ['x'] } });
  });

  it('answers the HTTP request when ack() is called, while the listener keeps running', async () => {
    slowWork = gate();
    slowListenerDone = false;
    // The listener cannot finish before the release below, so this answer came from ack().
    const res = await send(slashForm('/slow'), { contentType: 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ response_type: 'ephemeral', text: 'on it' });
    expect(slowListenerDone).toBe(false);
    slowWork.release();
    await waitFor(() => slowListenerDone, { what: 'the /slow listener to finish after its ack' });
  });

  it('answers 200 when no listener acks within the timeout, and logs it', async () => {
    const captured = capturingLogger();
    const receiver = new FastifyReceiver({ signingSecret: SIGNING_SECRET, ackTimeoutMs: 100, now: slackClock });
    const app = new App({ token: BOT_TOKEN, receiver, logger: boltLogger(captured.logger), clientOptions: { slackApiUrl: fake.apiUrl } });
    const never = gate();
    app.command('/never', async () => {
      await never.promise; // never acks: the receiver must answer Slack anyway
    });
    const f = await build({ prisma: {} as Db, logger: captured.logger, plugins: [receiver.plugin] });
    try {
      const req = signed(slashForm('/never'), { contentType: 'application/x-www-form-urlencoded' });
      const res = await f.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      // the answer came from the timer (the listener is still held), which says so
      expect(never.released).toBe(false);
      expect(captured.lines.some((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('slack: no ack within 100 ms'))).toBe(true);
    } finally {
      never.release();
      await f.close();
    }
  });

  it('passes X-Slack-Retry-Num and X-Slack-Retry-Reason to Bolt', async () => {
    const e = eventBody({ text: 'retry me' });
    const res = await send(e.body, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } });
    expect(res.statusCode).toBe(200);
    // events are answered once their listener has run (next test), so it has been seen by now
    expect(seen.at(-1)).toMatchObject({ retryNum: 2, retryReason: 'http_timeout', text: expect.stringContaining('retry me') });
  });

  it('answers an event only after its listener has stored it, and 500 when storing failed (so Slack retries)', async () => {
    const stored = eventBody({ text: 'store slowly' });
    const res = await send(stored.body);
    expect(res.statusCode).toBe(200);
    expect(seen.at(-1)?.text).toContain('store slowly');
    const failed = await send(eventBody({ text: 'storing fails' }).body);
    expect(failed.statusCode).toBe(500);
  });

  it('refuses a signature made for other bytes (the raw body is what is signed, not a re-serialisation)', async () => {
    const e = eventBody({ text: 'spacing matters' });
    const pretty = JSON.stringify(JSON.parse(e.body), null, 2);
    const req = signed(e.body);
    const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: pretty, headers: req.headers });
    expect(res.statusCode).toBe(401);
    const ok = await send(pretty);
    expect(ok.statusCode).toBe(200);
  });

  it('answers a signed body that is not a JSON object (null, an array, a string, a form payload of null) with 400, handing Bolt nothing', async () => {
    const before = seen.length;
    for (const [body, contentType] of [['null', 'application/json'], ['[]', 'application/json'], ['"x"', 'application/json'], ['payload=null', 'application/x-www-form-urlencoded'], ['payload=%5B%5D', 'application/x-www-form-urlencoded']] as const) {
      const res = await send(body, { contentType });
      expect(res.statusCode, body).toBe(400);
      expect(res.json(), body).toMatchObject({ error: 'BAD_REQUEST', message: 'unreadable Slack body' });
    }
    expect(seen.length).toBe(before);
  });
});

describe('Socket Mode', () => {
  it('is chosen when SLACK_APP_TOKEN is set, and its events reach the same listeners as HTTP', async () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-1-test', SLACK_API_URL: fake.apiUrl });
    const asked: AskRequest[] = [];
    const { logger } = capturingLogger();
    const deps: SlackDeps = {
      pool: {} as SlackDeps['pool'], assistant: {} as SlackDeps['assistant'], config, logger, now: slackClock,
      callerOf: async () => ({ role: 'lead' }),
      ask: async (r) => {
        asked.push(r);
        return 'queued';
      },
    };
    const { app, socketMode } = createSlackApp({ config, deps });
    expect(socketMode).toBeDefined();
    await app.init(); // the App is deferred: startSlack's connection runs this once auth.test passes
    // what the SocketModeClient emits for an events_api envelope (it is an EventEmitter)
    const e = eventBody({ text: 'What was the CSI last week?', eventId: 'EvSOCKET1' });
    let acked = false;
    socketMode!.client.emit('slack_event', { body: JSON.parse(e.body), ack: async () => void (acked = true), retry_num: 1, retry_reason: 'timeout' });
    await waitFor(() => asked.length > 0, { what: 'the Socket Mode event to reach ask' });
    expect(acked).toBe(true);
    expect(asked).toEqual([{ key: 'EvSOCKET1', team: 'T0FAKE', channel: 'C0ANALYTICS', ts: e.ts, user: 'U0LEAD', text: 'What was the CSI last week?' }]);
    // Web API calls of the app and the socket's apps.connections.open both go to SLACK_API_URL
    expect(app.client.slackApiUrl).toBe(fake.apiUrl);
    // webClientOptions is private in @slack/socket-mode's typings; read it to check what the receiver passed
    expect((socketMode!.client as unknown as { webClientOptions: { slackApiUrl?: string } }).webClientOptions.slackApiUrl).toBe(fake.apiUrl);
  });
});
