import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscription } from '../src/db/digest-repo.ts';
import { listRuns } from '../src/db/scheduled-runs-repo.ts';
import { ChannelPacer } from '../src/jobs/digest/deliver.ts';
import { digestTaskProvider } from '../src/jobs/digest/tasks.ts';
import { ManualClock } from '../src/jobs/scheduler/clock.ts';
import { startScheduler } from '../src/jobs/scheduler/scheduler.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { isPng, offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN } from './helpers/slack-harness.ts';

// Issue 8's acceptance, as written: with an injectable clock a test runs a day, and a 09:00
// Europe/Berlin daily digest is posted exactly once to the fake Slack with its images — with
// three scheduler instances running on the same database.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0DIGESTDAY';
const DAY_START = new Date('2026-11-23T00:00:00Z');
const logger = createLogger('silent');

let db: TestDatabase;
let fake: FakeSlack;

beforeAll(async () => {
  db = await createTestDatabase('scheddigest');
  await seedAndAnalyse(db.url, { conversations: 60, now: DAY_START, timeZone: TZ });
  fake = await startFakeSlack({ token: BOT_TOKEN });
}, 240_000);
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

describe('a day with three scheduler instances', () => {
  it('posts the 09:00 Europe/Berlin daily digest exactly once, with its images', async () => {
    const sub = await createSubscription(db.pool, { channel: CHANNEL, cron: '0 9 * * *', timezone: TZ, frequency: 'daily', sections: ['csi', 'pillars', 'volumes', 'qa'] });
    const clock = new ManualClock(DAY_START);
    const config = offlineConfig(TZ);
    const instances = await Promise.all(
      ['one', 'two', 'three'].map((id) =>
        startScheduler({
          pool: db.pool, instanceId: id, logger, catchUp: 1, clock, reloadIntervalMs: 30 * 60_000,
          // each instance its own Slack client and pacer, as separate processes would have
          providers: [digestTaskProvider({ pool: db.pool, slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl }), logger, config, now: () => clock.now(), pacer: new ChannelPacer(0) })],
        }),
      ),
    );
    expect(instances.map((s) => s.taskKeys())).toEqual([[`digest:${sub.id}`], [`digest:${sub.id}`], [`digest:${sub.id}`]]);

    await clock.advanceTo(new Date('2026-11-23T07:59:59Z'));
    expect(fake.messages.filter((m) => m.channel === CHANNEL)).toHaveLength(0);
    await clock.advanceTo(new Date('2026-11-24T00:00:00Z'));

    const posts = fake.messages.filter((m) => m.channel === CHANNEL && !m.thread_ts);
    expect(posts).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL && c.ok)).toHaveLength(1);
    const images = fake.uploadedFiles.filter((f) => f.threadTs === posts[0]!.ts);
    expect(images.length).toBeGreaterThanOrEqual(1);
    for (const f of images) {
      expect(f.completed).toBe(true);
      expect(isPng(f.bytes!)).toBe(true);
    }
    const runs = await listRuns(db.pool, { taskKey: `digest:${sub.id}` });
    expect(runs.map((r) => [r.scheduledFor.toISOString(), r.status])).toEqual([['2026-11-23T08:00:00.000Z', 'finished']]);
    await Promise.all(instances.map((s) => s.stop()));
  });
});
