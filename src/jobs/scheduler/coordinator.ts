// The Postgres RunCoordinator: node-cron's distributed-run contract (shouldRun / onComplete
// with node-cron's per-tick key `<name>:<ISO tick>`) over the scheduled_runs table. Unlike
// node-cron's built-in coordinator (one designated runner chosen by an environment variable),
// any instance may win any tick, so losing an instance loses nothing.
import type pg from 'pg';
import type { RunCoordinator } from 'node-cron';
import { claimRun, finishRun } from '../../db/scheduled-runs-repo.ts';

/** node-cron's coordination key for one tick: `${task name}:${slot.toISOString()}`. */
export const tickKey = (taskKey: string, scheduledFor: Date): string => `${taskKey}:${scheduledFor.toISOString()}`;

export function parseTickKey(key: string): { taskKey: string; scheduledFor: Date } {
  const m = /^(.+):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(key);
  if (!m) throw new Error(`not a tick key: ${key}`);
  return { taskKey: m[1]!, scheduledFor: new Date(m[2]!) };
}

export interface CoordinatorOptions {
  pool: pg.Pool;
  instanceId: string;
  now: () => Date;
  /** default lease when node-cron passes none */
  leaseMs: number;
}

export class PgRunCoordinator implements RunCoordinator {
  constructor(private readonly o: CoordinatorOptions) {}

  /** Claims the tick: true for exactly one caller across all instances (or a re-claim after the lease). */
  claim(taskKey: string, scheduledFor: Date, leaseMs = this.o.leaseMs): Promise<boolean> {
    return claimRun(this.o.pool, { taskKey, scheduledFor, instance: this.o.instanceId, now: this.o.now(), leaseMs });
  }

  async finish(taskKey: string, scheduledFor: Date, error?: unknown): Promise<void> {
    await finishRun(this.o.pool, {
      taskKey, scheduledFor, instance: this.o.instanceId, now: this.o.now(),
      ...(error === undefined ? { status: 'finished' as const } : { status: 'failed' as const, error: error instanceof Error ? error.message : String(error) }),
    });
  }

  // node-cron's interface, for tasks scheduled with `distributed: true, runCoordinator: this`
  shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const { taskKey, scheduledFor } = parseTickKey(key);
    return this.claim(taskKey, scheduledFor, ttlMs > 0 ? ttlMs : this.o.leaseMs);
  }

  async onComplete(key: string): Promise<void> {
    const { taskKey, scheduledFor } = parseTickKey(key);
    await this.finish(taskKey, scheduledFor);
  }
}
