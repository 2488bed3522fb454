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

/** One instance's engine: its armed tasks, their timers, the runs in progress. */
class Engine {
  readonly instanceId: string;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly reloadIntervalMs: number;
  private readonly log: Logger;
  private readonly coordinator: PgRunCoordinator;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private pollTimer: Timer | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.instanceId = opts.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = opts.leaseMs ?? 15 * 60_000;
    this.reloadIntervalMs = opts.reloadIntervalMs ?? 30_000;
    this.log = opts.logger.child({ component: 'scheduler', instance: this.instanceId });
    this.coordinator = new PgRunCoordinator({ pool: opts.pool, instanceId: this.instanceId, now: () => this.clock.now(), leaseMs: this.leaseMs });
  }

  async start(): Promise<void> {
    await this.reload(true);
    this.armPoll();
    this.log.info({ tasks: this.entries.size, catchUp: this.opts.catchUp }, 'scheduler: started');
  }

  taskKeys(): string[] {
    return [...this.entries.keys()].sort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pollTimer?.cancel();
    for (const e of this.entries.values()) e.timer?.cancel();
    await Promise.allSettled([...this.inFlight]);
    this.entries.clear();
  }

  /** Claims and runs one tick; never throws (a failure is recorded and logged). */
  private async runTick(entry: Entry, scheduledFor: Date, why: 'tick' | 'catch-up' | 'lease-expired'): Promise<void> {
    const { task } = entry;
    const at = scheduledFor.toISOString();
    if (entry.running) {
      // noOverlap: this instance is still busy with the task; another instance may take the tick
      this.log.warn({ task: task.key, scheduledFor: at }, 'scheduler: previous run still in progress here; tick left to other instances');
      return;
    }
    let claimed: boolean;
    try {
      claimed = await this.coordinator.claim(task.key, scheduledFor);
    } catch (err) {
      // fail closed, as node-cron does: better another instance runs it than two
      this.log.error({ err, task: task.key, scheduledFor: at }, 'scheduler: could not claim the tick');
      return;
    }
    if (!claimed) return;
    if (why !== 'tick') this.log.info({ task: task.key, scheduledFor: at, why }, 'scheduler: running a missed tick');
    const run = this.execute(task, scheduledFor);
    entry.running = run;
    this.inFlight.add(run);
    try {
      await run;
    } finally {
      entry.running = undefined;
      this.inFlight.delete(run);
    }
  }

  private async execute(task: ScheduledTask, scheduledFor: Date): Promise<void> {
    const at = scheduledFor.toISOString();
    let failure: unknown;
    try {
      await task.run(scheduledFor);
    } catch (err) {
      failure = err ?? new Error('task failed');
      this.log.error({ err, task: task.key, scheduledFor: at }, 'scheduler: task failed');
    }
    await this.coordinator.finish(task.key, scheduledFor, failure).catch((err: unknown) =>
      this.log.error({ err, task: task.key, scheduledFor: at }, 'scheduler: could not record the run'),
    );
  }

  private arm(entry: Entry, after: Date): void {
    if (this.stopped) return;
    let tick: Date;
    try {
      tick = nextTick(entry.fields, entry.task.timezone, after);
    } catch (err) {
      this.log.error({ err, task: entry.task.key }, 'scheduler: task has no next tick');
      return;
    }
    entry.timer = this.clock.at(tick, () => this.fire(entry, tick));
  }

  private async fire(entry: Entry, tick: Date): Promise<void> {
    if (this.stopped || this.entries.get(entry.task.key) !== entry) return;
    // Woken late (suspended host, blocked loop): run the latest due tick, say which were skipped.
    const latest = latestTick(entry.fields, entry.task.timezone, tick, this.clock.now());
    if (latest) this.log.warn({ task: entry.task.key, from: tick.toISOString(), ran: latest.toISOString() }, 'scheduler: woke late; earlier ticks skipped');
    const due = latest ?? tick;
    this.arm(entry, due);
    await this.runTick(entry, due, 'tick');
  }

  private async catchUp(entry: Entry): Promise<void> {
    const { task } = entry;
    const now = this.clock.now();
    const lastRecorded = await lastRecordedRun(this.opts.pool, task.key);
    if (!lastRecorded) return;
    const latestBefore = latestTick(entry.fields, task.timezone, lastRecorded, new Date(now.getTime() - 1));
    const tick = catchUpTick({ catchUp: this.opts.catchUp, lastRecorded, latestBefore });
    if (tick) await this.runTick(entry, tick, 'catch-up');
    else if (latestBefore) this.log.info({ task: task.key, missed: latestBefore.toISOString() }, 'scheduler: missed tick not caught up (SCHEDULER_CATCH_UP=0)');
  }

  private async readTasks(): Promise<Map<string, ScheduledTask> | undefined> {
    const found = new Map<string, ScheduledTask>();
    for (const p of this.opts.providers) {
      try {
        for (const t of await p.tasks()) {
          if (found.has(t.key)) this.log.error({ task: t.key, provider: p.name }, 'scheduler: duplicate task key ignored');
          else found.set(t.key, t);
        }
      } catch (err) {
        // keep what we have rather than dropping a provider's tasks because of one bad read
        this.log.error({ err, provider: p.name }, 'scheduler: provider failed; keeping the current tasks');
        return undefined;
      }
    }
    return found;
  }

  async reload(initial = false): Promise<void> {
    const found = await this.readTasks();
    if (!found || this.stopped) return;
    for (const [key, entry] of this.entries) {
      if (found.has(key)) continue;
      entry.timer?.cancel();
      this.entries.delete(key);
      this.log.info({ task: key }, 'scheduler: task removed');
    }
    const added: Entry[] = [];
    for (const task of found.values()) {
      const entry = this.upsert(task);
      if (entry) added.push(entry);
    }
    if (initial) await Promise.all(added.map((e) => this.catchUp(e).catch((err: unknown) => this.log.error({ err, task: e.task.key }, 'scheduler: catch-up failed'))));
  }

  /** Arms a new or changed task; returns the entry when the task is new. */
  private upsert(task: ScheduledTask): Entry | undefined {
    const old = this.entries.get(task.key);
    if (old && sameDefinition(old.task, task)) {
      old.task = task;
      return undefined;
    }
    let fields: CronFields;
    try {
      fields = parseCron(task.cron);
      assertTimezone(task.timezone);
    } catch (err) {
      this.log.error({ err, task: task.key, cron: task.cron, timezone: task.timezone }, 'scheduler: invalid schedule ignored');
      return undefined;
    }
    old?.timer?.cancel();
    const entry: Entry = { task, fields, ...(old?.running ? { running: old.running } : {}) };
    this.entries.set(task.key, entry);
    // a tick exactly at `now` is still ahead of us
    this.arm(entry, new Date(this.clock.now().getTime() - 1));
    this.log.info({ task: task.key, cron: task.cron, timezone: task.timezone, version: task.version }, old ? 'scheduler: task changed' : 'scheduler: task armed');
    return old ? undefined : entry;
  }

  /** Ticks claimed by an instance that then vanished: run them again (each once). */
  private async sweepAbandoned(): Promise<void> {
    const lost = await abandonedRuns(this.opts.pool, [...this.entries.keys()], this.clock.now(), this.leaseMs);
    for (const l of lost) {
      const entry = this.entries.get(l.taskKey);
      if (entry) await this.runTick(entry, l.scheduledFor, 'lease-expired');
    }
  }

  private armPoll(): void {
    if (this.stopped) return;
    this.pollTimer = this.clock.at(new Date(this.clock.now().getTime() + this.reloadIntervalMs), async () => {
      try {
        await this.reload();
        await this.sweepAbandoned();
      } catch (err) {
        this.log.error({ err }, 'scheduler: reload failed');
      }
      this.armPoll();
    });
  }
}

export async function startScheduler(opts: SchedulerOptions): Promise<Scheduler> {
  const engine = new Engine(opts);
  await engine.start();
  return {
    instanceId: engine.instanceId,
    reload: () => engine.reload(),
    taskKeys: () => engine.taskKeys(),
    stop: () => engine.stop(),
  };
}
