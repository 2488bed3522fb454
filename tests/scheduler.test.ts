import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listRuns } from '../src/db/scheduled-runs-repo.ts';
import cron from 'node-cron';
import { createLogger } from '../src/logger.ts';
import { ManualClock } from '../src/jobs/scheduler/clock.ts';
import { PgRunCoordinator, tickKey } from '../src/jobs/scheduler/coordinator.ts';
import { startScheduler, type Scheduler } from '../src/jobs/scheduler/scheduler.ts';
import type { ScheduledTask, TaskProvider } from '../src/jobs/scheduler/types.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';

// The distributed scheduler on real Postgres with a ManualClock: whole days (and DST weekends)
// run in a second; three instances on one database still run every tick exactly once.

const logger = createLogger('silent');
let db: TestDatabase;
const BERLIN = 'Europe/Berlin';

beforeAll(async () => {
  db = await createTestDatabase('sched');
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE scheduled_runs');
});

/** Tasks that record each run (which instance, which tick), optionally slow or failing. */
function recorder() {
  const runs: { key: string; at: string; instance: string }[] = [];
  const task = (key: string, cron: string, instance: string, o: { fail?: boolean; version?: string } = {}): ScheduledTask => ({
    key, cron, timezone: BERLIN, version: o.version ?? '1',
    run: async (at) => {
      runs.push({ key, at: at.toISOString(), instance });
      // a real await so concurrent claimers genuinely interleave
      await db.pool.query('SELECT pg_sleep(0.01)');
      if (o.fail) throw new Error('boom');
    },
  });
  const of = (key: string) => runs.filter((r) => r.key === key).map((r) => r.at);
  return { runs, task, of };
}

async function startMany(n: number, clock: ManualClock, providerFor: (instance: string) => TaskProvider, catchUp = 0): Promise<Scheduler[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      startScheduler({ pool: db.pool, providers: [providerFor(`i${i}`)], instanceId: `i${i}`, logger, catchUp, clock, reloadIntervalMs: 3_600_000 }),
    ),
  );
}
const stopAll = (ss: Scheduler[]) => Promise.all(ss.map((s) => s.stop()));

describe('scheduler', () => {
  it('runs a day: 09:00 Europe/Berlin daily exactly once, with one instance and with three', async () => {
    for (const n of [1, 3]) {
      await db.pool.query('TRUNCATE scheduled_runs');
      const rec = recorder();
      const clock = new ManualClock(new Date('2026-06-10T00:00:00Z'));
      const ss = await startMany(n, clock, (i) => ({ name: 't', tasks: async () => [rec.task('daily9', '0 9 * * *', i)] }));
      await clock.advanceTo(new Date('2026-06-11T00:00:00Z'));
      expect(rec.of('daily9')).toEqual(['2026-06-10T07:00:00.000Z']);
      const rows = await listRuns(db.pool, { taskKey: 'daily9' });
      expect(rows.map((r) => [r.scheduledFor.toISOString(), r.status])).toEqual([['2026-06-10T07:00:00.000Z', 'finished']]);
      await stopAll(ss);
      expect(clock.waiting).toBe(0);
    }
  });

  it('three instances, a minutely task for three hours: 180 ticks, each run once, spread over instances', async () => {
    const rec = recorder();
    const clock = new ManualClock(new Date('2026-06-10T00:00:00Z'));
    const ss = await startMany(3, clock, (i) => ({ name: 't', tasks: async () => [rec.task('every-minute', '* * * * *', i)] }));
    // 00:00 (due at start) to 02:59 inclusive
    await clock.advanceTo(new Date('2026-06-10T02:59:59Z'));
    const ats = rec.of('every-minute');
    expect(ats).toHaveLength(180);
    expect(new Set(ats).size).toBe(180);
    expect(ats[0]).toBe('2026-06-10T00:00:00.000Z');
    // nobody is a designated leader: more than one instance won ticks
    expect(new Set(rec.runs.map((r) => r.instance)).size).toBeGreaterThan(1);
    await stopAll(ss);
  });

  it('DST weekend with three instances: the gap time runs once after the gap, the doubled time once at its first occurrence', async () => {
    const rec = recorder();
    let clock = new ManualClock(new Date('2026-03-28T12:00:00Z'));
    let ss = await startMany(3, clock, (i) => ({ name: 't', tasks: async () => [rec.task('gap', '30 2 * * *', i), rec.task('daily9', '0 9 * * *', i)] }));
    await clock.advanceTo(new Date('2026-03-30T12:00:00Z'));
    expect(rec.of('gap')).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(rec.of('daily9')).toEqual(['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    await stopAll(ss);

    clock = new ManualClock(new Date('2026-10-24T12:00:00Z'));
    ss = await startMany(3, clock, (i) => ({ name: 't', tasks: async () => [rec.task('overlap', '30 2 * * *', i)] }));
    await clock.advanceTo(new Date('2026-10-26T12:00:00Z'));
    expect(rec.of('overlap')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    await stopAll(ss);
  });

  it('after downtime catches up at most one missed tick (the latest), once across instances; none with catch-up off', async () => {
    const rec = recorder();
    let clock = new ManualClock(new Date('2026-06-10T00:00:00Z'));
    let ss = await startMany(1, clock, (i) => ({ name: 't', tasks: async () => [rec.task('daily9', '0 9 * * *', i)] }));
    await clock.advanceTo(new Date('2026-06-10T12:00:00Z'));
    await stopAll(ss);
    expect(rec.of('daily9')).toEqual(['2026-06-10T07:00:00.000Z']);

    // down for three days and a bit: 11th, 12th, 13th missed; catch-up off runs none of them
    clock = new ManualClock(new Date('2026-06-13T12:00:00Z'));
    ss = await startMany(3, clock, (i) => ({ name: 't', tasks: async () => [rec.task('daily9', '0 9 * * *', i)] }), 0);
    await stopAll(ss);
    expect(rec.of('daily9')).toEqual(['2026-06-10T07:00:00.000Z']);

    // catch-up on, three instances starting together: only the 13th, once
    ss = await startMany(3, clock, (i) => ({ name: 't', tasks: async () => [rec.task('daily9', '0 9 * * *', i)] }), 1);
    expect(rec.of('daily9')).toEqual(['2026-06-10T07:00:00.000Z', '2026-06-13T07:00:00.000Z']);
    // and then the schedule simply continues
    await clock.advanceTo(new Date('2026-06-14T12:00:00Z'));
    expect(rec.of('daily9')).toEqual(['2026-06-10T07:00:00.000Z', '2026-06-13T07:00:00.000Z', '2026-06-14T07:00:00.000Z']);
    await stopAll(ss);
  });

  it('reloads changed schedules and drops removed ones', async () => {
    const rec = recorder();
    let def = { cron: '0 9 * * *', version: '1' };
    let present = true;
    const clock = new ManualClock(new Date('2026-06-10T00:00:00Z'));
    const s = await startScheduler({
      pool: db.pool, logger, catchUp: 0, clock, instanceId: 'solo', reloadIntervalMs: 600_000,
      providers: [{ name: 't', tasks: async () => (present ? [rec.task('d', def.cron, 'solo', { version: def.version })] : []) }],
    });
    def = { cron: '0 7 * * *', version: '2' };
    await clock.advanceTo(new Date('2026-06-10T06:00:00Z'));
    expect(s.taskKeys()).toEqual(['d']);
    await clock.advanceTo(new Date('2026-06-10T12:00:00Z'));
    expect(rec.of('d')).toEqual(['2026-06-10T05:00:00.000Z']);
    present = false;
    await s.reload();
    expect(s.taskKeys()).toEqual([]);
    await clock.advanceTo(new Date('2026-06-12T12:00:00Z'));
    expect(rec.of('d')).toHaveLength(1);
    await s.stop();
  });

  it('records failures, and a tick abandoned by a vanished instance is run again once after the lease', async () => {
    const rec = recorder();
    const clock = new ManualClock(new Date('2026-06-10T06:59:00Z'));
    const ss = await startMany(1, clock, (i) => ({ name: 't', tasks: async () => [rec.task('bad', '0 9 * * *', i, { fail: true })] }));
    await clock.advanceTo(new Date('2026-06-10T08:00:00Z'));
    expect((await listRuns(db.pool, { taskKey: 'bad' })).map((r) => [r.status, r.error])).toEqual([['failed', 'boom']]);
    await stopAll(ss);

    // "ghost" claimed the 07:00Z tick of 'lost' and died before finishing
    const ghost = new PgRunCoordinator({ pool: db.pool, instanceId: 'ghost', now: () => new Date('2026-06-10T07:00:00Z'), leaseMs: 60_000 });
    expect(await ghost.shouldRun(tickKey('lost', new Date('2026-06-10T07:00:00Z')), 60_000)).toBe(true);
    const clock2 = new ManualClock(new Date('2026-06-10T07:00:30Z'));
    const s = await startScheduler({
      pool: db.pool, logger, catchUp: 0, clock: clock2, instanceId: 'survivor', reloadIntervalMs: 30_000, leaseMs: 60_000,
      providers: [{ name: 't', tasks: async () => [rec.task('lost', '0 9 * * *', 'survivor')] }],
    });
    await clock2.advanceTo(new Date('2026-06-10T07:05:00Z'));
    expect(rec.of('lost')).toEqual(['2026-06-10T07:00:00.000Z']);
    const rows = await listRuns(db.pool, { taskKey: 'lost' });
    expect(rows.map((r) => [r.instance, r.status])).toEqual([['survivor', 'finished']]);
    // the ghost's late completion does not overwrite the survivor's record
    await ghost.onComplete(tickKey('lost', new Date('2026-06-10T07:00:00Z')));
    expect((await listRuns(db.pool, { taskKey: 'lost' }))[0]!.instance).toBe('survivor');
    await s.stop();
  });

  it('node-cron itself, distributed with our coordinator: three tasks on one schedule, each second run once (real time)', async () => {
    const seen: string[] = [];
    const tasks = ['x', 'y', 'z'].map((id) =>
      cron.schedule('* * * * * *', (ctx) => void seen.push(ctx.date.toISOString()), {
        name: 'node-cron-every-second', distributed: true, noOverlap: true, suppressMissedWarning: true,
        runCoordinator: new PgRunCoordinator({ pool: db.pool, instanceId: id, now: () => new Date(), leaseMs: 60_000 }),
      }),
    );
    await waitFor(() => seen.length >= 2, { what: 'two ticks' });
    await Promise.all(tasks.map((t) => t.destroy()));
    // a tick claimed just before destroy() may still be finishing: wait until every claimed run
    // has been recorded as finished, then each tick must have run once
    const rows = await waitFor(async () => {
      const r = await listRuns(db.pool, { taskKey: 'node-cron-every-second' });
      return r.length === seen.length && r.every((x) => x.status === 'finished') && r;
    }, { what: 'every claimed tick finished' });
    expect(new Set(seen).size).toBe(seen.length);
    expect(rows.map((r) => r.scheduledFor.toISOString()).sort()).toEqual([...seen].sort());
  });

  it("node-cron's coordinator contract: one claim per tick key, whoever asks", async () => {
    const at = new Date('2026-06-10T07:00:00Z');
    const mk = (id: string) => new PgRunCoordinator({ pool: db.pool, instanceId: id, now: () => at, leaseMs: 60_000 });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => mk(id).shouldRun(tickKey('digest:12', at), 30_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await mk('a').shouldRun(tickKey('digest:12', new Date('2026-06-11T07:00:00Z')), 30_000)).toBe(true);
    expect(() => mk('a').shouldRun('digest:12', 1)).toThrow(/not a tick key/);
  });
});
