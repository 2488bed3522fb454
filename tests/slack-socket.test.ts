import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { startSlack, type SlackService } from '../src/bots/slack/app.ts';
import { WORKING_TEXT } from '../src/bots/slack/ask-worker.ts';
import { loadConfig } from '../src/config.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startFakeSocketMode, type FakeSocketMode } from './helpers/fake-socket-mode.ts';
import { BOT_TOKEN, capturingLogger, eventBody, eventually } from './helpers/slack-harness.ts';
import { startTestQueue } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// Socket Mode end to end without Slack: SLACK_APP_TOKEN set, apps.connections.open on the fake
// Web API hands out a local WebSocket, whose envelopes reach the same listeners, queue and worker
// as HTTP requests do; the answer goes to the fake Web API.

const APP_TOKEN = 'xapp-1-A0FAKE-test';

let db: TestDatabase;
let ws: FakeSocketMode;
let fake: FakeSlack;
let opened: OpenAssistant;
let slack: SlackService;

let boss: PgBoss | undefined;
beforeAll(async () => {
  db = await createTestDatabase('slacksock');
  ws = await startFakeSocketMode();
  fake = await startFakeSlack({ token: BOT_TOKEN, appToken: APP_TOKEN, socketModeUrl: ws.url });
  const config = loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl });
  opened = await openAssistant(config, db.url, { pool: db.pool });
  slack = await startSlack({ config, boss: (boss ??= await startTestQueue(db.url)), pool: db.pool, assistant: opened.assistant, logger: capturingLogger().logger });
});

afterAll(async () => {
  await slack?.stop();
  await opened?.close();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await fake?.close();
  await ws?.close();
  await db?.drop();
});

describe('Socket Mode', () => {
  it('connects with the app token through SLACK_API_URL, acks envelopes, answers a mention once across a redelivery', async () => {
    expect(slack.mode).toBe('socket');
    expect(slack.plugin).toBeUndefined(); // no /slack/events in Socket Mode
    await ws.connected();
    const open = await fake.waitFor('apps.connections.open', (c) => c.ok);
    expect(open.token).toBe(APP_TOKEN);

    const { body, eventId, ts } = eventBody({ text: 'How many sessions are waiting for QA?' });
    ws.send({ envelope_id: 'env-1', type: 'events_api', payload: JSON.parse(body), accepts_response_payload: false, retry_attempt: 0, retry_reason: '' });
    await eventually(async () => ws.acks.some((a) => a.envelope_id === 'env-1'), 'the ack of env-1');
    const working = await fake.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT);
    expect(working.args).toMatchObject({ channel: 'C0ANALYTICS', thread_ts: ts });
    const workingTs = (working.response as { ts: string }).ts;
    await fake.waitFor('chat.update', (c) => c.ok && c.args.ts === workingTs);

    // Slack redelivers an envelope it got no ack for under a new envelope id, same event_id
    ws.send({ envelope_id: 'env-2', type: 'events_api', payload: JSON.parse(body), accepts_response_payload: false, retry_attempt: 1, retry_reason: 'timeout' });
    await eventually(async () => ws.acks.some((a) => a.envelope_id === 'env-2'), 'the ack of env-2');
    // A new mention after the redelivery is answered; the redelivery was recognised when it was
    // stored (no job for it, see repeats below), so nothing more can come for it.
    const later = eventBody({ text: 'What was the CSI last week?' });
    ws.send({ envelope_id: 'env-3', type: 'events_api', payload: JSON.parse(later.body), accepts_response_payload: false, retry_attempt: 0, retry_reason: '' });
    const laterWorking = await fake.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT && c.args.thread_ts === later.ts);
    await fake.waitFor('chat.update', (c) => c.ok && c.args.ts === (laterWorking.response as { ts: string }).ts);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.ok && c.args.thread_ts === ts)).toHaveLength(1);
    expect(fake.callsTo('chat.update').filter((c) => c.ok && c.args.ts === workingTs)).toHaveLength(1);
    const rows = (await db.pool.query<{ state: string; repeats: number }>('SELECT state::text, repeats FROM slack_deliveries WHERE key = $1', [eventId])).rows;
    expect(rows).toEqual([{ state: 'answered', repeats: 1 }]);
  });
});
