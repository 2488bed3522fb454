import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKING_TEXT } from '../src/bots/slack/ask-worker.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { freePort } from './helpers/net.ts';
import { killAllServices, startService, type RunningService } from './helpers/service.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventBody, signed } from './helpers/slack-harness.ts';

// The real process (npm start's src/server.ts) with Slack configured: signed requests to the
// listening server, the fake Slack as SLACK_API_URL, a restart in between, SIGTERM at the end.

let db: TestDatabase;
let fake: FakeSlack;

beforeAll(async () => {
  db = await createTestDatabase('slacksvc');
  fake = await startFakeSlack({ token: BOT_TOKEN });
});

afterAll(async () => {
  killAllServices();
  await fake?.close();
  await db?.drop();
});

const env = () => ({ DATABASE_URL: db.url, DEMO_DATA: 'false', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl });

async function post(svc: RunningService, body: string, headers: Record<string, string> = {}): Promise<Response> {
  // the spawned service runs on the system clock, which only its replay window reads here
  const req = signed(body, { headers, at: new Date() });
  return fetch(`http://127.0.0.1:${svc.port}/slack/events`, { method: 'POST', body: req.payload, headers: req.headers });
}

async function stop(svc: RunningService): Promise<void> {
  svc.proc.kill('SIGTERM');
  await svc.waitExit();
  expect(svc.output()).toMatch(/"msg":"stopped"/);
}

describe('the service with Slack configured', () => {
  it('serves /slack/events, answers a mention once across a restart, and shuts down cleanly', async () => {
    const first = startService(env(), await freePort());
    await first.waitReady();
    expect(first.output()).toMatch(/slack: enabled \(HTTP mode at \/slack\/events\)/);

    const challenge = await post(first, JSON.stringify({ token: 't', challenge: 'svc-challenge', type: 'url_verification' }));
    expect(await challenge.json()).toEqual({ challenge: 'svc-challenge' });

    const { body, ts } = eventBody({ text: 'How many sessions are waiting for QA?' });
    const res = await post(first, body);
    expect(res.status).toBe(200);
    // answered by the listener that stored it, not by the receiver's fallback after its timeout
    expect(first.output()).not.toMatch(/slack: no ack within/);
    const working = await fake.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT && c.args.thread_ts === ts);
    const workingTs = (working.response as { ts: string }).ts;
    await fake.waitFor('chat.update', (c) => c.ok && c.args.ts === workingTs);
    await stop(first);

    const second = startService(env(), await freePort());
    await second.waitReady();
    expect((await post(second, body, { 'x-slack-retry-num': '3', 'x-slack-retry-reason': 'http_error' })).status).toBe(200);
    // A new mention after the repeat is answered by the restarted service; the repeat was
    // recognised when it arrived (no job is enqueued for it), so nothing more comes for it.
    const later = eventBody({ text: 'What was the CSI last week?' });
    expect((await post(second, later.body)).status).toBe(200);
    const laterWorking = await fake.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT && c.args.thread_ts === later.ts);
    await fake.waitFor('chat.update', (c) => c.ok && c.args.ts === (laterWorking.response as { ts: string }).ts);
    expect(second.output()).toMatch(/slack: retried delivery/);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === ts)).toHaveLength(1);
    expect(fake.callsTo('chat.update').filter((c) => c.ok && c.args.ts === workingTs)).toHaveLength(1);
    await stop(second);
  });

  it('has no /slack/events when Slack is not configured', async () => {
    const svc = startService({ DATABASE_URL: db.url, DEMO_DATA: 'false' }, await freePort());
    await svc.waitReady();
    expect(svc.output()).toMatch(/slack: disabled \(missing SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN\)/);
    const res = await post(svc, JSON.stringify({ type: 'url_verification', challenge: 'x' }));
    expect(res.status).toBe(404);
    await stop(svc);
  });
});
