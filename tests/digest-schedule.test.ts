import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscription, deactivateSubscription, findSubscription } from '../src/db/digest-repo.ts';
import { cronFor } from '../src/domain/digest-schedule.ts';
import { digestTaskProvider } from '../src/jobs/digest/tasks.ts';
import { ManualClock } from '../src/jobs/scheduler/clock.ts';
import { startScheduler, type Scheduler } from '../src/jobs/scheduler/scheduler.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN } from './helpers/slack-harness.ts';

// A day on an injected clock: a 09:00 Europe/Berlin daily digest, three scheduler instances
// (the real engine and its Postgres run coordinator) each with the digest provider, the fake
// Slack. The digest is posted exactly once, at 09:00 Berlin, with its charts in its thread; a
// cancelled subscription posts nothing the next day.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0DAILY01';
// Mon 23 Nov 2026, 06:00 in Berlin (05:00 UTC)
const START = new Date('2026-11-23T05:00:00Z');

let db: TestDatabase;
let fake: FakeSlack;
let clock: ManualClock;
let schedulers: Scheduler[] = [];
const logger = createLogger('silent');
const config = offlineConfig(TZ);

beforeAll(async () => {
  db = await createTestDatabase('digestsched');
  await seedAndAnalyse(db.url, { conversations: 80, now: START, timeZone: TZ });
  fake = await startFakeSlack({ token: BOT_TOKEN });
  clock = new ManualClock(START);
}, 180_000);
afterAll(async () => {
  await Promise.all(schedulers.map((s) => s.stop()));
  await fake?.close();
  await db?.drop();
});

const posts = () => fake.calls.filter((c) => c.method === 'chat.postMessage' && c.ok);

describe('a scheduled daily digest', () => {
  it('is posted once at 09:00 Berlin by three instances, with its charts in the thread', async () => {
    const sub = await createSubscription(db.pool, { channel: CHANNEL, cron: cronFor('daily', 9, 0), timezone: TZ, frequency: 'daily', sections: ['csi', 'pillars', 'volumes', 'qa', 'pipeline'] });
    schedulers = await Promise.all(['a', 'b', 'c'].map((id) => startScheduler({
      pool: db.pool, instanceId: id, logger, catchUp: 0, clock, reloadIntervalMs: 3_600_000,
      providers: [digestTaskProvider({ pool: db.pool, slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl }), logger, config, now: () => clock.now() })],
    })));
    for (const s of schedulers) expect(s.taskKeys()).toContain(`digest:${sub.id}`);

    await clock.advanceTo(new Date('2026-11-23T07:59:00Z'));
    expect(posts()).toHaveLength(0);
    await clock.advanceTo(new Date('2026-11-23T08:01:00Z'));
    expect(posts()).toHaveLength(1);
    const post = posts()[0]!;
    expect(post.args.channel).toBe(CHANNEL);
    expect(String(post.args.text)).toMatch(/^Daily support digest · Sun 22 Nov 2026/);
    const ts = (post.response as { ts: string }).ts;
    const shared = fake.calls.filter((c) => c.method === 'files.completeUploadExternal' && c.ok);
    expect(shared).toHaveLength(1);
    expect(shared[0]!.args.thread_ts).toBe(ts);
    const files = fake.uploadedFiles.filter((f) => f.completed);
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) expect(f.bytes!.subarray(1, 4).toString('latin1')).toBe('PNG');

    // the rest of the day: nothing more
    await clock.advanceTo(new Date('2026-11-23T22:00:00Z'));
    expect(posts()).toHaveLength(1);
    expect(await findSubscription(db.pool, sub.id)).toMatchObject({ lastStatus: 'sent', lastRunAt: new Date('2026-11-23T08:00:00Z') });

    // cancelled: the reload drops the task, and the next morning posts nothing
    expect(await deactivateSubscription(db.pool, sub.id)).toBe(true);
    await Promise.all(schedulers.map((s) => s.reload()));
    for (const s of schedulers) expect(s.taskKeys()).not.toContain(`digest:${sub.id}`);
    await clock.advanceTo(new Date('2026-11-24T09:00:00Z'));
    expect(posts()).toHaveLength(1);
  });
});
