import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import { build } from '../../src/app.ts';
import { createMessengerSender } from '../../src/bots/messenger/send-api.ts';
import { startSlack, type SlackService } from '../../src/bots/slack/app.ts';
import { createHandoffDesk } from '../../src/bots/slack/handoff.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { HandoffDesk } from '../../src/domain/messenger/contracts.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { startFakeGraph, type FakeGraph } from './fake-graph.ts';
import { startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './response-url.ts';
import { startTestQueue } from './root.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, slackClock } from './slack-harness.ts';

// The Slack side of the handoff desk as the service composes it, without Messenger's workers:
// Slack with a Send API sender on the fake Graph API, the desk on Slack's client, one HTTP app.
// For the tests that press the desk's buttons and type its commands.

export interface DeskHarnessOptions {
  /** the test database's name prefix */
  name: string;
  /** HANDOFF_CHANNEL */
  channel: string;
  page: string;
  pageToken: string;
  /** Slack users stored with their roles: [external id, name, role] */
  users: [string, string, string][];
  /** the sender's clock (the 24 h window); default its own */
  senderNow?: () => Date;
  /** the desk's clock; default its own */
  deskNow?: () => Date;
  /** Slack's "seen" poller interval; 0 = off */
  seenPollMs?: number;
}

export interface DeskHarness {
  db: TestDatabase;
  fake: FakeSlack;
  graph: FakeGraph;
  responses: ResponseRecorder;
  config: Config;
  slack: SlackService;
  fastify: FastifyInstance;
  desk: HandoffDesk;
  /** forgets the fakes' calls and the recorded responses (between tests) */
  reset(): void;
  close(): Promise<void>;
}

export async function startDeskHarness(o: DeskHarnessOptions): Promise<DeskHarness> {
  const db = await createTestDatabase(o.name);
  for (const [id, name, role] of o.users) {
    await db.pool.query(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, $2, $3::"UserRole", now())`, [id, name, role]);
  }
  const fake = await startFakeSlack({ token: BOT_TOKEN });
  const graph = await startFakeGraph({ tokens: [o.pageToken] });
  const responses = await startResponseRecorder();
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, HANDOFF_CHANNEL: o.channel,
    MESSENGER_PAGE_TOKENS: `${o.page}:${o.pageToken}`, MESSENGER_API_URL: graph.apiUrl, BUSINESS_TIMEZONE: 'UTC',
  });
  const { logger } = capturingLogger();
  const sender = createMessengerSender({ pool: db.pool, config, logger, sleep: () => Promise.resolve(), ...(o.senderNow ? { now: o.senderNow } : {}) });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('the desk never asks the assistant')) };
  const boss: PgBoss = await startTestQueue(db.url);
  const slack = await startSlack({
    config, boss, pool: db.pool, assistant, logger, concurrency: 1, messenger: sender, now: slackClock,
    ...(o.seenPollMs !== undefined ? { seenPollMs: o.seenPollMs } : {}),
  });
  const fastify = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: slack.plugin ? [slack.plugin] : [] });
  const desk = createHandoffDesk({ pool: db.pool, slack: slack.app.client, channel: o.channel, logger, ...(o.deskNow ? { now: o.deskNow } : {}) });
  return {
    db, fake, graph, responses, config, slack, fastify, desk,
    reset() {
      fake.reset();
      responses.responses.length = 0;
    },
    async close() {
      await fastify.close();
      await slack.stop();
      await graph.close();
      await responses.close();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await fake.close();
      await db.drop();
    },
  };
}
