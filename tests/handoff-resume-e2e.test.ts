import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { createMessengerSender } from '../src/bots/messenger/send-api.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import { startSlack, type SlackService } from '../src/bots/slack/app.ts';
import { createHandoffDesk } from '../src/bots/slack/handoff.ts';
import { HANDOFF_ACTION, actionsBlockId } from '../src/bots/slack/handoff-blocks.ts';
import { loadConfig } from '../src/config.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './helpers/response-url.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, eventually, signed, slackClock } from './helpers/slack-harness.ts';
import { startTestQueue, messengerPools, type TestMessengerPools } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// Issue 19 (the desk): Resume bot in Slack also ends the pause a reply from another inbox (Meta
// Business Suite) started, with every real part composed as the service does: signed Messenger
// webhook posts → the reply worker and the offline customer agent → the handoff desk on the fake
// Slack; the Resume bot button → the bot answers the customer's next message on the fake Graph API.

const SECRET = 'e2e-app-secret-91f';
const VERIFY = 'e2e-verify-22';
const PAGE = '1090000000888';
const PAGE_TOKEN = 'EAAG-page-777';
const CHANNEL = 'C0HANDOFF';
const AGENT = 'U0AGENTE2E';
const CUSTOMER = 'PSIDRES0001';

let db: TestDatabase;
let graph: FakeGraph;
let fake: FakeSlack;
let responses: ResponseRecorder;
let slack: SlackService;
let messenger: MessengerService;
let app: FastifyInstance;
let n = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

async function customerWrites(text: string): Promise<void> {
  const raw = JSON.stringify({
    object: 'page',
    entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: CUSTOMER }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: `m_e2e_${++n}_${Date.now()}`, text } }] }],
  });
  const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(SECRET, raw) } });
  expect(res.statusCode).toBe(200);
}

async function slackPost(body: string, contentType: string) {
  const req = signed(body, { contentType });
  return (await app.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode;
}

const toCustomer = () => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === CUSTOMER).map((c) => (c.body.message as { text: string }).text);
const conversation = async () =>
  (await q<{ id: number; state: string; thread: string | null }>(
    `SELECT c.id, c.handoff_state::text AS state, c.handoff_thread_ts AS thread FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE cu.psid = $1`, [CUSTOMER]))[0];
const thread = (ts: string) => fake.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === ts).map((m) => m.text ?? '');

let boss: PgBoss | undefined;
let mpools: TestMessengerPools | undefined;
beforeAll(async () => {
  db = await createTestDatabase('resume_e2e');
  await seedCatalogue(db.pool);
  await q(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, 'Noah Agent', 'agent', now())`, [AGENT]);
  graph = await startFakeGraph({ tokens: [PAGE_TOKEN] });
  fake = await startFakeSlack({ token: BOT_TOKEN });
  responses = await startResponseRecorder();
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, HANDOFF_CHANNEL: CHANNEL,
    MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: VERIFY, MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${PAGE_TOKEN}`, LOG_LEVEL: 'warn',
  });
  const { logger } = capturingLogger('warn');
  // the composition the lead wires in server.ts: one sender, Slack with it, the desk on Slack's client, Messenger with both
  const sender = createMessengerSender({ pool: db.pool, config, logger });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('not asked')) };
  slack = await startSlack({ config, boss: (boss ??= await startTestQueue(db.url)), pool: db.pool, assistant, logger, concurrency: 1, messenger: sender, now: slackClock });
  const desk = createHandoffDesk({ pool: db.pool, slack: slack.app.client, channel: CHANNEL, logger, timeZone: config.businessTimezone });
  const agent = createCustomerAgent({ pool: db.pool, config, logger });
  messenger = await startMessenger({ config, pool: db.pool, pools: (mpools = messengerPools(db.url, 1)), materializerDatabaseUrl: db.url, logger, agent, desk, sender, concurrency: 1 });
  app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin, ...(slack.plugin ? [slack.plugin] : [])] });
});

afterAll(async () => {
  await app?.close();
  await messenger?.stop();
  await slack?.stop();
  await responses?.close();
  await mpools?.end();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await fake?.close();
  await graph?.close();
  await db?.drop();
});

const entryOf = (items: unknown[]) => JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: items }] });

/** A reply typed in Meta Business Suite: an echo from another app (Page Inbox), no metadata of ours. */
async function suiteReplies(text: string): Promise<void> {
  const raw = entryOf([{ sender: { id: PAGE }, recipient: { id: CUSTOMER }, timestamp: Date.now(), message: { mid: `m_suite_${++n}`, is_echo: true, app_id: 263902037430900, text } }]);
  const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(SECRET, raw) } });
  expect(res.statusCode).toBe(200);
}

const everyEventHandled = () => eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state <> 'done'`, [CUSTOMER])).length === 0, 'every event handled');

async function pressResume(conversationId: number, parentTs: string): Promise<void> {
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: AGENT, username: 'noah', team_id: BOT.teamId }, api_app_id: 'A0FAKE', token: 'legacy',
    trigger_id: `${++n}.1764500000.res`, channel: { id: CHANNEL, name: 'handoff' }, container: { type: 'message', message_ts: parentTs, channel_id: CHANNEL, is_ephemeral: false },
    message: { type: 'message', ts: parentTs, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] }, response_url: `${responses.base}/actions/res${n}`,
    actions: [{ type: 'button', action_id: HANDOFF_ACTION.resume, block_id: actionsBlockId(conversationId), value: String(conversationId), text: { type: 'plain_text', text: 'Resume bot' }, action_ts: `1764500000.${n}` }],
  };
  expect(await slackPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded')).toBe(200);
}

describe('Resume bot and a reply from another inbox', () => {
  it('a Business Suite reply pauses the bot; Resume bot ends the pause; a new Business Suite reply pauses it again', async () => {
    await customerWrites('can I talk to a person?');
    const opened = await eventually(async () => {
      const c = await conversation();
      return c?.thread && c.state === 'waiting' ? c : undefined;
    }, 'the handoff thread recorded');
    expect(toCustomer()).toHaveLength(1); // the bot's "a person will answer"

    await suiteReplies('Hi, Lena from the shop here');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('Lena from the shop here')), 'the Business Suite reply in the thread');

    await pressResume(opened.id, opened.thread!);
    await eventually(async () => (await conversation())!.state === 'bot', 'resume');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('gave this conversation back to the bot')), 'the resume note');

    // within MESSENGER_HUMAN_PAUSE_MINUTES of Lena's reply, yet the bot answers: Resume bot ended the pause
    await customerWrites('do you ship to Austria?');
    await eventually(async () => toCustomer().length === 2, 'the bot answering again');

    // Lena writes again from the Suite: the bot is quiet once more
    await suiteReplies('I will take this one, one moment');
    await everyEventHandled();
    await customerWrites('and to Switzerland?');
    await everyEventHandled();
    expect(toCustomer()).toHaveLength(2);
  });
});
