import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRule } from '../src/db/alerts-repo.ts';
import { evaluateAlerts, type AlertDeps } from '../src/jobs/alerts/evaluate.ts';
import { ChannelPacer } from '../src/jobs/digest/deliver.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN } from './helpers/slack-harness.ts';

// Posting alerts when Slack fails: nothing is lost (the event waits, undelivered, for the
// next evaluation) and nothing is doubled (a message already posted is not posted again when
// only its chart failed). Also: with no Slack client, events are recorded and posted later.

const CH = 'C0ALRTDLV';
const START = new Date('2026-11-20T12:00:00Z');
let db: TestDatabase;
let fake: FakeSlack;
let deps: AlertDeps;
let minute = 0;
const tick = () => new Date(START.getTime() + ++minute * 60_000);
const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const top = () => fake.messages.filter((m) => m.channel === CH && !m.thread_ts);

beforeAll(async () => {
  db = await createTestDatabase('alertdlv');
  fake = await startFakeSlack({ token: BOT_TOKEN });
  // retries off: a failure must surface to the evaluation, which retries at the next tick
  deps = { pool: db.pool, slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }), logger: createLogger('silent'), timeZone: 'UTC', pacer: new ChannelPacer(0) };
  await createRule(db.pool, { name: 'errors', metric: 'error_rate', comparison: 'gt', threshold: 0, windowMinutes: 60, cooldownMinutes: 0, channel: CH });
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});
beforeEach(() => fake.reset());

describe('alert delivery', () => {
  it('a failed message post is retried at the next evaluation, once', async () => {
    await q(`INSERT INTO error_logs (source, message, created_at) VALUES ('n8n', 'x', $1)`, [START]);
    fake.failNext('chat.postMessage', { status: 200, error: 'internal_error' });
    await expect(evaluateAlerts(deps, tick())).rejects.toThrow(/failed/);
    expect(top()).toHaveLength(0);
    expect((await q<{ delivered: boolean }>(`SELECT delivered FROM alert_events`)).map((r) => r.delivered)).toEqual([false]);

    const s = await evaluateAlerts(deps, tick());
    expect(s).toMatchObject({ fired: [], posted: 1 });
    expect(top()).toHaveLength(1);
    await evaluateAlerts(deps, tick());
    expect(top()).toHaveLength(1);
  });

  it('when only the chart failed, the retry shares the chart without posting the message again', async () => {
    await q(`DELETE FROM error_logs`);
    await evaluateAlerts(deps, tick()); // recovered
    expect(top()).toHaveLength(1);
    fake.reset();
    await q(`INSERT INTO error_logs (source, message, created_at) VALUES ('n8n', 'y', $1)`, [new Date(START.getTime() + (minute + 1) * 60_000)]);
    fake.failNext('files.completeUploadExternal', { status: 200, error: 'internal_error' });
    await expect(evaluateAlerts(deps, tick())).rejects.toThrow();
    expect(top()).toHaveLength(1);
    const [ev] = await q<{ delivered: boolean; slack_ts: string | null }>(`SELECT delivered, slack_ts FROM alert_events WHERE kind = 'fired' ORDER BY id DESC LIMIT 1`);
    expect(ev).toEqual({ delivered: false, slack_ts: top()[0]!.ts });

    await evaluateAlerts(deps, tick());
    expect(top()).toHaveLength(1);
    expect(fake.uploadedFiles.filter((f) => f.completed && f.threadTs === top()[0]!.ts)).toHaveLength(1);
    expect((await q<{ n: number }>(`SELECT count(*)::int AS n FROM alert_events WHERE NOT delivered`))[0]!.n).toBe(0);
  });

  it('without Slack, events are recorded and posted once Slack is there', async () => {
    await q(`DELETE FROM error_logs`);
    const offline: AlertDeps = { ...deps, slack: undefined };
    const s = await evaluateAlerts(offline, tick());
    expect(s.recovered).toEqual(['errors']);
    expect(top()).toHaveLength(0);
    expect((await evaluateAlerts(deps, tick())).posted).toBe(1);
    expect(top().at(-1)!.text).toMatch(/Recovered errors/);
  });
});
