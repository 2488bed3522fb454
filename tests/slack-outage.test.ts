import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { build } from '../src/app.ts';
import { startSlack } from '../src/bots/slack/app.ts';
import { WORKING_TEXT } from '../src/bots/slack/ask-worker.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import { loadConfig } from '../src/config.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startFakeSocketMode } from './helpers/fake-socket-mode.ts';
import { freePort } from './helpers/net.ts';
import { killAllServices, startService, type RunningService } from './helpers/service.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, eventBody, eventually, signed, slackClock } from './helpers/slack-harness.ts';
import { startTestQueue } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// Slack down or the bot token refused at start-up: the service still starts and serves
// everything else, /readyz names Slack as unavailable (without turning 503), the check is
// retried in the background, and Slack works once auth.test passes. Before, Bolt's unobserved
// auth.test rejection ended the process.

const PAGE = '5090000000077';
const PAGE_TOKEN = 'EAAG-outage';
const APP_SECRET = 'outage-app-secret';

let db: TestDatabase;
let graph: FakeGraph;
const fakes: FakeSlack[] = [];

beforeAll(async () => {
  db = await createTestDatabase('slack_outage');
  graph = await startFakeGraph({ tokens: [PAGE_TOKEN] });
});

afterAll(async () => {
  killAllServices();
  for (const f of fakes) await f.close();
  await graph?.close();
  await db?.drop();
});

async function fakeSlack(opts: Parameters<typeof startFakeSlack>[0] = {}): Promise<FakeSlack> {
  const f = await startFakeSlack({ token: BOT_TOKEN, ...opts });
  fakes.push(f);
  return f;
}

const readyz = async (svc: RunningService) => (await (await svc.get('/readyz')).json()) as { status: string; checks: Record<string, string> };

describe('the service while Slack refuses the bot token', () => {
  it('becomes ready, keeps Messenger and the REST API working, shows slack unavailable, and recovers when the token is accepted again', async () => {
    const fake = await fakeSlack();
    fake.setTokenRevoked(true);
    const env = {
      DATABASE_URL: db.url, DEMO_DATA: 'false', SCHEDULER_ENABLED: 'false',
      SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, SLACK_AUTH_RETRY_MAX_SECONDS: '1',
      MESSENGER_APP_SECRET: APP_SECRET, MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${PAGE_TOKEN}`,
    };
    const svc = startService(env, await freePort());
    await svc.waitReady();
    const ready = await readyz(svc);
    expect(ready.status).toBe('ready');
    expect(ready.checks.slack).toMatch(/^unavailable: token refused \(invalid_auth\)/);
    expect(svc.output()).toMatch(/slack: token refused \(invalid_auth\); Slack is unavailable/);

    // Slack's own requests: 503 with a code, so Slack retries them later
    const { body, ts } = eventBody({ text: 'How many sessions are waiting for QA?' });
    const postSlack = () => {
      // the spawned service runs on the system clock
      const req = signed(body, { at: new Date() });
      return fetch(`http://127.0.0.1:${svc.port}/slack/events`, { method: 'POST', body: req.payload, headers: req.headers });
    };
    const refused = await postSlack();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toBe('SLACK_UNAVAILABLE');

    // Messenger intake: a customer's message is taken and stored
    const mid = `m_outage_${ts}`;
    const raw = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: 'PSIDOUTAGE1' }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid, text: 'Hello, is my order shipped?' } }] }] });
    const hook = await fetch(`http://127.0.0.1:${svc.port}/webhooks/messenger`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(APP_SECRET, raw) } });
    expect(hook.status).toBe(200);
    await eventually(async () => (await db.pool.query('SELECT 1 FROM messages WHERE mid = $1', [mid])).rowCount === 1, 'the Messenger message stored');

    // the REST API
    const { token } = await createApiToken(db.pool, { user: { kind: 'slack', externalId: 'UOUTAGE' }, role: 'admin' });
    const sessions = await fetch(`http://127.0.0.1:${svc.port}/api/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(sessions.status).toBe(200);

    // The token is accepted again: the background retry connects, and Slack works
    fake.setTokenRevoked(false);
    await eventually(async () => (await readyz(svc)).checks.slack === 'ok', '/readyz slack ok');
    // the log line may follow the status flip by a moment
    await eventually(async () => /slack: connected as/.test(svc.output()), 'the connected log line');
    expect((await postSlack()).status).toBe(200);
    await fake.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT && c.args.thread_ts === ts);

    expect(svc.proc.exitCode).toBeNull();
    expect(svc.output()).not.toMatch(/Unhandled|unhandledRejection/i);
    svc.proc.kill('SIGTERM');
    await svc.waitExit();
    expect(svc.output()).toMatch(/"msg":"stopped"/);
  });
});

describe('startSlack while SLACK_API_URL is unreachable', () => {
  let opened: OpenAssistant;
  let boss: PgBoss | undefined;
  afterAll(async () => {
    await opened?.close();
    await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  });

  it('returns, reports why in status() and /readyz (still 200), answers Slack 503, then connects when Slack is back', async () => {
    const fake = await fakeSlack();
    fake.setDown(true);
    const config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl });
    opened = await openAssistant(config, db.url, { pool: db.pool });
    const { logger, lines } = capturingLogger();
    const slack = await startSlack({ config, boss: (boss ??= await startTestQueue(db.url)), pool: db.pool, assistant: opened.assistant, logger, concurrency: 1, authRetry: { minMs: 50, maxMs: 200 }, now: slackClock });
    const fastify = await build({ prisma: db.prisma, logger, pool: db.pool, channelChecks: () => ({ slack: slack.status() }), plugins: [slack.plugin!] });
    try {
      expect(slack.status()).toMatch(/^unavailable: unreachable \(/);
      const ready = await fastify.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.slack).toMatch(/^unavailable: unreachable/);
      expect(lines.some((l) => l.component === 'slack' && l.level === 50 && /Slack is unavailable/.test(String(l.msg)))).toBe(true);

      const { body, ts } = eventBody({ text: 'What was the CSI last week?' });
      const inject = () => {
        const req = signed(body);
        return fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
      };
      const refused = await inject();
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error).toBe('SLACK_UNAVAILABLE');

      fake.setDown(false);
      await eventually(async () => slack.status() === 'ok', 'slack connected');
      expect((await fastify.inject('/readyz')).json().checks.slack).toBe('ok');
      expect((await inject()).statusCode).toBe(200);
      await fake.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT && c.args.thread_ts === ts);
    } finally {
      await fastify.close();
      await slack.stop();
    }
  });

  it('in Socket Mode: connects the socket only once auth.test passes, after the token was refused', async () => {
    const ws = await startFakeSocketMode();
    const appToken = 'xapp-1-A0FAKE-outage';
    const fake = await fakeSlack({ appToken, socketModeUrl: ws.url });
    fake.setTokenRevoked(true);
    const config = loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: appToken, SLACK_API_URL: fake.apiUrl });
    opened ??= await openAssistant(config, db.url, { pool: db.pool });
    const slack = await startSlack({ config, boss: (boss ??= await startTestQueue(db.url)), pool: db.pool, assistant: opened.assistant, logger: capturingLogger().logger, authRetry: { minMs: 50, maxMs: 200 }, now: slackClock });
    try {
      expect(slack.status()).toMatch(/^unavailable: token refused \(invalid_auth\)/);
      expect(fake.callsTo('apps.connections.open')).toHaveLength(0);
      fake.setTokenRevoked(false);
      await ws.connected();
      expect(slack.status()).toBe('ok');
    } finally {
      await slack.stop();
      await ws.close();
    }
  });
});
