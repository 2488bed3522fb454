import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeEmail, type FakeEmailServer } from './helpers/fake-email.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { freePort } from './helpers/net.ts';
import { killAllServices, startService, type RunningService } from './helpers/service.ts';
import { BOT_TOKEN, SIGNING_SECRET } from './helpers/slack-harness.ts';
import { waitFor } from './helpers/wait.ts';

// Issue 18, "one composition root": with every channel on (Slack, Messenger, Bot Framework,
// email) the started service holds at most 15 PostgreSQL connections, each named for the pool
// that holds it, and `pulse db status` says who holds what.

const IDLE_LIMIT = 15;
const root = path.resolve(import.meta.dirname, '..');

let db: TestDatabase;
let slack: FakeSlack;
let graph: FakeGraph;
let email: FakeEmailServer;
let svc: RunningService;

beforeAll(async () => {
  db = await createTestDatabase('connections');
  // through the seeder's own connections: this file's pool stays empty, so every connection
  // to the database below is the service's
  await seedDemoData(db.url, { conversations: 30, now: new Date('2026-11-25T14:30:00Z'), timezone: 'UTC' });
  [slack, graph, email] = await Promise.all([startFakeSlack({ token: BOT_TOKEN }), startFakeGraph({ tokens: ['page-token'] }), startFakeEmail({ apiKey: 'mail-key' })]);
  svc = startService(
    {
      DATABASE_URL: db.url, DEMO_DATA: 'false',
      SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl,
      MESSENGER_APP_SECRET: 'meta-secret', MESSENGER_VERIFY_TOKEN: 'verify', MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: 'p1:page-token',
      EMAIL_API_URL: email.url, EMAIL_API_KEY: 'mail-key', EMAIL_FROM: 'pulse@example.com',
      QA_CHANNEL: 'C0QA', HANDOFF_CHANNEL: 'C0HANDOFF', ALERTS_CHANNEL: 'C0ALERTS',
    },
    await freePort(),
  );
  await svc.waitReady();
  // the last step of start-up (after ready): from here on the service only waits for work
  await waitFor(() => /"msg":"scheduler started"/.test(svc.output()), { what: 'the scheduler to start' });
}, 120_000);

afterAll(async () => {
  killAllServices();
  await Promise.all([slack?.close(), graph?.close(), email?.close()]);
  await db?.drop();
});

async function connections(): Promise<{ application: string; n: number }[]> {
  const c = new pg.Client({ connectionString: db.url, application_name: 'connections-test' });
  await c.connect();
  try {
    const { rows } = await c.query<{ application: string; n: number }>(
      `SELECT application_name AS application, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        GROUP BY 1 ORDER BY 1`,
    );
    return rows;
  } finally {
    await c.end();
  }
}

function pulse(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['bin/pulse.js', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', DATABASE_URL: db.url } });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the started service with every channel on', () => {
  it(`holds at most ${IDLE_LIMIT} connections, each named for its pool`, async () => {
    expect(svc.output()).toMatch(/slack: enabled/);
    expect(svc.output()).toMatch(/messenger: enabled/);
    expect(svc.output()).toMatch(/botframework: enabled/);
    expect(svc.output()).toMatch(/email: enabled/);
    const held = await connections();
    const total = held.reduce((a, r) => a + r.n, 0);
    expect(total, JSON.stringify(held)).toBeLessThanOrEqual(IDLE_LIMIT);
    expect(held.map((r) => r.application).filter((name) => !/^pulse:[a-z-]+$/.test(name))).toEqual([]);
    // the one pg-boss and Messenger's LISTEN hold theirs for good
    expect(held.map((r) => r.application)).toEqual(expect.arrayContaining(['pulse:queue', 'pulse:messenger-worker']));
  });

  it('is reported by `pulse db status`, by who holds the connections', async () => {
    const status = await pulse(['db', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^connections: \d+ \(.*pulse:queue \d+/m);
  }, 60_000);
});
