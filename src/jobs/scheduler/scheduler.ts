// The distributed scheduler: every instance arms the same tasks; at each tick they all try to
// claim (task, tick) in scheduled_runs and exactly one runs it. No leader: any instance may go
// away. Tick times come from src/domain/schedule.ts (DST rules documented there and in
// docs/SCHEDULER.md); time comes from a Clock so tests can run a day in a second.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { abandonedRuns, lastRecordedRun } from '../../db/scheduled-runs-repo.ts';
import { assertTimezone, catchUpTick, latestTick, nextTick, type CronFields } from '../../domain/schedule.ts';
import { parseCron } from './cron.ts';
import type { Logger } from '../../logger.ts';
import { systemClock, type Clock, type Timer } from './clock.ts';
import { PgRunCoordinator } from './coordinator.ts';
import type { ScheduledTask, TaskProvider } from './types.ts';

export interface SchedulerOptions {
  pool: pg.Pool;
  providers: TaskProvider[];
  /** distinguishes instances in scheduled_runs; default host:pid:random */
  instanceId?: string;
  logger: Logger;
  /** SCHEDULER_CATCH_UP: missed ticks run per task on start (0 or 1) */
  catchUp: number;
  clock?: Clock;
  /** how often task definitions are re-read (changes take effect then, or at reload()) */
  reloadIntervalMs?: number;
  /** a claimed tick not finished after this is presumed lost with its instance and run again */
  leaseMs?: number;
}

export interface Scheduler {
  instanceId: string;
  /** re-reads every provider now */
  reload(): Promise<void>;
  /** keys of the tasks currently armed */
  taskKeys(): string[];
  /** cancels the timers and waits for runs in progress */
  stop(): Promise<void>;
}

interface Entry {
  task: ScheduledTask;
  fields: CronFields;
  timer?: Timer;
  running?: Promise<void>;
}

const sameDefinition = (a: ScheduledTask, b: ScheduledTask) => a.version === b.version && a.cron === b.cron && a.timezone === b.timezone;

export async function startScheduler(opts: SchedulerOptions): Promise<Scheduler> {
  const clock = opts.clock ?? systemClock;
  const instanceId = opts.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = opts.leaseMs ?? 15 * 60_000;
  const reloadIntervalMs = opts.reloadIntervalMs ?? 30_000;
  const log = opts.logger.child({ component: 'scheduler', instance: instanceId });
  const coordinator = new PgRunCoordinator({ pool: opts.pool, instanceId, now: () => clock.now(), leaseMs });
  const entries = new Map<string, Entry>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let pollTimer: Timer | undefined;

  /** Claims and runs one tick; never throws (a failure is recorded and logged). */
  async function runTick(entry: Entry, scheduledFor: Date, why: 'tick' | 'catch-up' | 'lease-expired'): Promise<void> {
    const { task } = entry;
    const at = scheduledFor.toISOString();
    if (entry.running) {
      // noOverlap: this instance is still busy with the task; another instance may take the tick
      log.warn({ task: task.key, scheduledFor: at }, 'scheduler: previous run still in progress here; tick left to other instances');
      return;
    }
    let claimed: boolean;
    try {
      claimed = await coordinator.claim(task.key, scheduledFor);
    } catch (err) {
      // fail closed, as node-cron does: better another instance runs it than two
      log.error({ err, task: task.key, scheduledFor: at }, 'scheduler: could not claim the tick');
      return;
    }
    if (!claimed) return;
    if (why !== 'tick') log.info({ task: task.key, scheduledFor: at, why }, 'scheduler: running a missed tick');
    const run = (async () => {
      let failure: unknown;
      try {
        await task.run(scheduledFor);
      } catch (err) {
        failure = err ?? new Error('task failed');
        log.error({ err, task: task.key, scheduledFor: at }, 'scheduler: task failed');
      }
      await coordinator.finish(task.key, scheduledFor, failure).catch((err: unknown) =>
        log.error({ err, task: task.key, scheduledFor: at }, 'scheduler: could not record the run'),
      );
    })();
    entry.running = run;
    inFlight.add(run);
    try {
      await run;
    } finally {
      entry.running = undefined;
      inFlight.delete(run);
    }
  }

  function arm(entry: Entry, after: Date): void {
    if (stopped) return;
    let tick: Date;
    try {
      tick = nextTick(entry.fields, entry.task.timezone, after);
    } catch (err) {
      log.error({ err, task: entry.task.key }, 'scheduler: task has no next tick');
      return;
    }
    entry.timer = clock.at(tick, () => fire(entry, tick));
  }

  async function fire(entry: Entry, tick: Date): Promise<void> {
    if (stopped || entries.get(entry.task.key) !== entry) return;
    // Woken late (suspended host, blocked loop): run the latest due tick, say which were skipped.
    const now = clock.now();
    const latest = latestTick(entry.fields, entry.task.timezone, tick, now);
    if (latest) log.warn({ task: entry.task.key, from: tick.toISOString(), ran: latest.toISOString() }, 'scheduler: woke late; earlier ticks skipped');
    const due = latest ?? tick;
    arm(entry, due);
    await runTick(entry, due, 'tick');
  }

  async function catchUp(entry: Entry): Promise<void> {
    const { task } = entry;
    const now = clock.now();
    const lastRecorded = await lastRecordedRun(opts.pool, task.key);
    if (!lastRecorded) return;
    const latestBefore = latestTick(entry.fields, task.timezone, lastRecorded, new Date(now.getTime() - 1));
    const tick = catchUpTick({ catchUp: opts.catchUp, lastRecorded, latestBefore });
    if (tick) await runTick(entry, tick, 'catch-up');
    else if (latestBefore) log.info({ task: task.key, missed: latestBefore.toISOString() }, 'scheduler: missed tick not caught up (SCHEDULER_CATCH_UP=0)');
  }

  async function readTasks(): Promise<Map<string, ScheduledTask> | undefined> {
    const found = new Map<string, ScheduledTask>();
    for (const p of opts.providers) {
      try {
        for (const t of await p.tasks()) {
          if (found.has(t.key)) log.error({ task: t.key, provider: p.name }, 'scheduler: duplicate task key ignored');
          else found.set(t.key, t);
        }
      } catch (err) {
        // keep what we have rather than dropping a provider's tasks because of one bad read
        log.error({ err, provider: p.name }, 'scheduler: provider failed; keeping the current tasks');
        return undefined;
      }
    }
    return found;
  }

  async function reload(initial = false): Promise<void> {
    const found = await readTasks();
    if (!found || stopped) return;
    const now = clock.now();
    const added: Entry[] = [];
    for (const [key, entry] of entries) {
      if (!found.has(key)) {
        entry.timer?.cancel();
        entries.delete(key);
        log.info({ task: key }, 'scheduler: task removed');
      }
    }
    for (const [key, task] of found) {
      const old = entries.get(key);
      if (old && sameDefinition(old.task, task)) {
        old.task = task;
        continue;
      }
      let fields: CronFields;
      try {
        fields = parseCron(task.cron);
        assertTimezone(task.timezone);
      } catch (err) {
        log.error({ err, task: key, cron: task.cron, timezone: task.timezone }, 'scheduler: invalid schedule ignored');
        continue;
      }
      old?.timer?.cancel();
      const entry: Entry = { task, fields, ...(old?.running ? { running: old.running } : {}) };
      entries.set(key, entry);
      // a tick exactly at `now` is still ahead of us
      arm(entry, new Date(now.getTime() - 1));
      if (!old) added.push(entry);
      log.info({ task: key, cron: task.cron, timezone: task.timezone, version: task.version }, old ? 'scheduler: task changed' : 'scheduler: task armed');
    }
    if (initial) await Promise.all(added.map((e) => catchUp(e).catch((err: unknown) => log.error({ err, task: e.task.key }, 'scheduler: catch-up failed'))));
  }

  /** Ticks claimed by an instance that then vanished: run them again (each once). */
  async function sweepAbandoned(): Promise<void> {
    const lost = await abandonedRuns(opts.pool, [...entries.keys()], clock.now(), leaseMs);
    for (const l of lost) {
      const entry = entries.get(l.taskKey);
      if (entry) await runTick(entry, l.scheduledFor, 'lease-expired');
    }
  }

  function armPoll(): void {
    if (stopped) return;
    pollTimer = clock.at(new Date(clock.now().getTime() + reloadIntervalMs), async () => {
      try {
        await reload();
        await sweepAbandoned();
      } catch (err) {
        log.error({ err }, 'scheduler: reload failed');
      }
      armPoll();
    });
  }

  await reload(true);
  armPoll();
  log.info({ tasks: entries.size, catchUp: opts.catchUp }, 'scheduler: started');

  return {
    instanceId,
    reload: () => reload(),
    taskKeys: () => [...entries.keys()].sort(),
    stop: async () => {
      stopped = true;
      pollTimer?.cancel();
      for (const e of entries.values()) e.timer?.cancel();
      await Promise.allSettled([...inFlight]);
      entries.clear();
    },
  };
}
