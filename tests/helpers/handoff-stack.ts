import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import { expect } from 'vitest';
import { createCustomerAgent } from '../../src/agents/customer/agent.ts';
import { build } from '../../src/app.ts';
import { startMessenger, type MessengerService } from '../../src/bots/messenger/index.ts';
import { createMessengerSender } from '../../src/bots/messenger/send-api.ts';
import { signatureOf } from '../../src/bots/messenger/signature.ts';
import { startSlack, type SlackService } from '../../src/bots/slack/app.ts';
import { createHandoffDesk } from '../../src/bots/slack/handoff.ts';
import { loadConfig } from '../../src/config.ts';
import type { HandoffDesk, MessengerSender } from '../../src/domain/messenger/contracts.ts';
import { seedCatalogue } from '../../src/db/seed/catalogue.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { startFakeGraph, type FakeGraph } from './fake-graph.ts';
import { startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './response-url.ts';
import { startTestQueue, messengerPools, type TestMessengerPools } from './root.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, signed, slackClock } from './slack-harness.ts';

// The Messenger desk composed as the service composes it (server.ts): one Send API sender, Slack
// with it, the handoff desk on Slack's client, Messenger with both, one HTTP app. For the tests
// that drive a handoff end to end through signed webhooks and signed Slack requests.

export interface HandoffStackOptions {
  /** the test database's name prefix */
  name: string;
  appSecret: string;
  page: string;
  pageToken: string;
  channel: string;
  /** a Slack user stored as an agent */
  agent: string;
  /** more configuration (e.g. SLACK_FILE_MAX_MB) */
  env?: Record<string, string>;
  /** the desk moves files (attachments both ways), as service.ts composes it */
  files?: boolean;
  /** the sender never waits (for the rate limit's tokens, a retry's backoff) */
  noWaits?: boolean;
}

export interface HandoffStack {
  db: TestDatabase;
  graph: FakeGraph;
  fake: FakeSlack;
  responses: ResponseRecorder;
  slack: SlackService;
  messenger: MessengerService;
  desk: HandoffDesk;
  sender: MessengerSender;
  app: FastifyInstance;
  q<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** a signed webhook delivery of `raw` (an entry's JSON); expects the 200 */
  deliver(raw: string): Promise<void>;
  /** one customer message through the signed webhook */
  customerMessage(psid: string, message: Record<string, unknown>): Promise<void>;
  /** a signed request to /slack/events; its status */
  slackPost(body: string, contentType: string): Promise<number>;
  /** the texts the fake Graph API was asked to send to this customer, in order */
  textsTo(psid: string): string[];
  /** the customer's conversation: its id, handoff state and Slack thread */
  conversationOf(psid: string): Promise<{ id: number; state: string; thread: string | null } | undefined>;
  /** the texts posted in a thread of the handoff channel */
  threadTexts(ts: string): string[];
  close(): Promise<void>;
}

let mids = 0;

export async function startHandoffStack(o: HandoffStackOptions): Promise<HandoffStack> {
  const db = await createTestDatabase(o.name);
  const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
  await seedCatalogue(db.pool);
  await q(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, 'Noah Agent', 'agent', now())`, [o.agent]);
  const graph = await startFakeGraph({ tokens: [o.pageToken] });
  const fake = await startFakeSlack({ token: BOT_TOKEN });
  const responses = await startResponseRecorder();
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, HANDOFF_CHANNEL: o.channel,
    MESSENGER_APP_SECRET: o.appSecret, MESSENGER_VERIFY_TOKEN: `verify-${o.name}`, MESSENGER_API_URL: graph.apiUrl,
    MESSENGER_PAGE_TOKENS: `${o.page}:${o.pageToken}`, LOG_LEVEL: 'warn', ...o.env,
  });
  const { logger } = capturingLogger('warn');
  const sender = createMessengerSender({ pool: db.pool, config, logger, ...(o.noWaits ? { sleep: async () => {} } : {}) });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('not asked')) };
  const boss: PgBoss = await startTestQueue(db.url);
  const slack = await startSlack({ config, boss, pool: db.pool, assistant, logger, concurrency: 1, messenger: sender, now: slackClock });
  const desk = createHandoffDesk({
    pool: db.pool, slack: slack.app.client, channel: o.channel, logger, timeZone: config.businessTimezone,
    // as service.ts composes it: SLACK_FILE_MAX_MB, MESSENGER_API_URL's origin trusted like Meta's CDN
    ...(o.files ? { files: { maxBytes: config.handoffFiles.slackMaxBytes, trustedOrigins: [config.messenger.apiUrl] } } : {}),
  });
  const agent = createCustomerAgent({ pool: db.pool, config, logger });
  const mpools: TestMessengerPools = messengerPools(db.url, 1);
  const messenger = await startMessenger({ config, pool: db.pool, pools: mpools, materializerDatabaseUrl: db.url, logger, agent, desk, sender, concurrency: 1 });
  const app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin, ...(slack.plugin ? [slack.plugin] : [])] });

  const deliver = async (raw: string) => {
    const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(o.appSecret, raw) } });
    expect(res.statusCode).toBe(200);
  };
  return {
    db, graph, fake, responses, slack, messenger, desk, sender, app, q, deliver,
    customerMessage: (psid, message) =>
      deliver(JSON.stringify({
        object: 'page',
        entry: [{ id: o.page, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: o.page }, timestamp: Date.now(), message: { mid: `m_${o.name}_${++mids}_${Date.now()}`, ...message } }] }],
      })),
    async slackPost(body, contentType) {
      const req = signed(body, { contentType });
      return (await app.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode;
    },
    textsTo: (psid) =>
      graph.messages().filter((c) => (c.body.recipient as { id: string }).id === psid).map((c) => (c.body.message as { text: string }).text),
    conversationOf: async (psid) =>
      (await q<{ id: number; state: string; thread: string | null }>(
        `SELECT c.id, c.handoff_state::text AS state, c.handoff_thread_ts AS thread FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE cu.psid = $1`, [psid]))[0],
    threadTexts: (ts) => fake.messages.filter((m) => m.channel === o.channel && m.thread_ts === ts).map((m) => m.text ?? ''),
    async close() {
      await app.close();
      await messenger.stop();
      await slack.stop();
      await responses.close();
      await mpools.end();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await fake.close();
      await graph.close();
      await db.drop();
    },
  };
}
