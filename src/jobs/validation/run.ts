import path from 'node:path';
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { csiLookup } from '../../db/read/csi-lookup.ts';
import type { Config } from '../../config.ts';
import { LockKeys, withAdvisoryLock } from '../../db/locks.ts';
import { refreshMetrics } from '../../db/metrics-repo.ts';
import { transaction, withPooledClient } from '../../db/pool.ts';
import { listSessions } from '../../db/sessions-repo.ts';
import {
  auditFix,
  freshnessTimes,
  insertValidationRun,
  resetStuckJobs,
  runChecks,
  type StoredRun,
} from '../../db/validation-repo.ts';
import { periodBetween } from '../../domain/periods.ts';
import { recoverImports } from '../../import/recover.ts';
import { fixesFor, graphApiFindings, scoreHealth, type FixKind, type FixOutcome, type HealthReport, type Timing } from '../../domain/validation.ts';
import { ANALYSIS_QUEUE, inTransaction } from '../queue.ts';

// One validation run: checks → score → (optionally) safe fixes → stored in validation_runs.
// Used by `pulse validate`, POST /api/validation/run and the hourly scheduled task.

export interface ValidationDeps {
  pool: pg.Pool;
  /** the process's pg-boss (started or not): re-queued jobs are inserted in the fix's transaction */
  boss: PgBoss;
  /** dataDir, when given: recover_imports deletes a killed API upload's copy in DATA_DIR/uploads */
  config: Pick<Config, 'analysis' | 'businessTimezone'> & Partial<Pick<Config, 'dataDir' | 'messenger'>>;
  now?: () => Date;
  log?: (event: { msg: string; [k: string]: unknown }) => void;
  /** override the check windows (tests, operators with unusual loads) */
  windows?: Partial<{ lookbackDays: number; businessHours: number; stuckAfterSeconds: number; unscoredAfterHours: number; missingSessionsAfterMinutes: number }>;
}

export type ValidationTrigger = 'cli' | 'api' | 'schedule' | 'manual';

export interface ValidationResult {
  run: StoredRun;
  report: HealthReport;
  fixes: FixOutcome[];
  lastAnalysisAt: Date | null;
  metricsAt: Date | null;
}

/**
 * A job counts as stuck after twice the analysis job timeout: pg-boss itself retries an expired
 * job after one timeout (plus a maintenance interval), so only jobs it lost track of are left.
 */
export const stuckAfterSeconds = (config: Pick<Config, 'analysis'>) => 2 * config.analysis.jobTimeoutSeconds;

/** Latency bounds of the timed key queries (ms): full marks at or under good, zero at or over poor. */
export const QUERY_BOUNDS = {
  db_roundtrip: { goodMs: 25, poorMs: 500 },
  csi_lookup: { goodMs: 250, poorMs: 3000 },
  session_list: { goodMs: 150, poorMs: 2000 },
} as const;

async function timed(name: keyof typeof QUERY_BOUNDS, fn: () => Promise<unknown>): Promise<Timing> {
  const t0 = performance.now();
  await fn();
  return { name, ms: Math.round((performance.now() - t0) * 10) / 10, ...QUERY_BOUNDS[name] };
}

/** The key read paths, one after the other so they do not slow each other down. */
export async function timeKeyQueries(pool: pg.Pool, now: Date, timezone: string): Promise<Timing[]> {
  const day = (d: Date) => d.toLocaleDateString('en-CA', { timeZone: timezone });
  const period = periodBetween(day(new Date(now.getTime() - 6 * 86_400_000)), day(now));
  return [
    await timed('db_roundtrip', () => pool.query('SELECT 1')),
    await timed('csi_lookup', () => csiLookup(pool, { period, timezone })),
    await timed('session_list', () => listSessions(pool, {}, { limit: 50 })),
  ];
}

async function requeueStuckJobs(deps: ValidationDeps, stuckBefore: Date): Promise<FixOutcome> {
  const { boss } = deps;
  // pg-boss only builds the queue's INSERT; it runs on our transaction's client
  return withPooledClient(deps.pool, async (client) => {
    return transaction(client, async (): Promise<FixOutcome> => {
      const ids = await resetStuckJobs(client, stuckBefore);
      if (ids.length > 0) await boss.insert(ids.map((jobId) => ({ name: ANALYSIS_QUEUE, data: { jobId } })), { db: inTransaction(client) });
      return { fix: 'requeue_stuck_jobs', ok: true, affected: ids };
    });
  });
}

async function applyFix(deps: ValidationDeps, fix: FixKind, now: Date): Promise<FixOutcome> {
  try {
    if (fix === 'requeue_stuck_jobs') return await requeueStuckJobs(deps, new Date(now.getTime() - windowsOf(deps).stuckAfterSeconds * 1000));
    if (fix === 'recover_imports') {
      const r = await recoverImports(deps.pool, now, deps.config.dataDir ? { uploadDir: path.join(deps.config.dataDir, 'uploads') } : {});
      return { fix, ok: true, affected: [...r.failed.map((u) => `upload:${u.id}`), ...r.indexesRebuilt.map((name) => `index:${name}`), `conversations:${r.sessionsRepaired + r.sessionsRefreshed}`] };
    }
    await withAdvisoryLock(deps.pool, LockKeys.metricsRefresh, () => withPooledClient(deps.pool, refreshMetrics));
    return { fix, ok: true, affected: ['metrics'] };
  } catch (err) {
    return { fix, ok: false, affected: [], error: err instanceof Error ? err.message : String(err) };
  }
}

function windowsOf(deps: ValidationDeps) {
  return {
    lookbackDays: 7,
    businessHours: 24,
    stuckAfterSeconds: stuckAfterSeconds(deps.config),
    unscoredAfterHours: 6,
    missingSessionsAfterMinutes: 5,
    timezone: deps.config.businessTimezone,
    ...deps.windows,
  };
}

/** Runs every check, applies the safe fixes when asked (each audited), and stores the run. */
export async function runValidation(deps: ValidationDeps, opts: { fix: boolean; trigger: ValidationTrigger }): Promise<ValidationResult> {
  const now = (deps.now ?? (() => new Date()))();
  const findings = [...(await runChecks(deps.pool, { now, ...windowsOf(deps) })), ...graphApiFindings(deps.config.messenger?.apiUrl, now)];
  const timings = await timeKeyQueries(deps.pool, now, deps.config.businessTimezone);
  const report = scoreHealth(findings, timings);
  const fixes: FixOutcome[] = [];
  if (opts.fix) {
    for (const fix of fixesFor(report.issues)) {
      const outcome = await applyFix(deps, fix, now);
      fixes.push(outcome);
      await auditFix(deps.pool, outcome, opts.trigger);
      deps.log?.({ msg: outcome.ok ? 'validation fix applied' : 'validation fix failed', ...outcome });
    }
  }
  const times = await freshnessTimes(deps.pool);
  const run = await insertValidationRun(deps.pool, { report, fixes, trigger: opts.trigger, createdAt: now });
  deps.log?.({ msg: 'validation run', id: run.id, healthScore: report.healthScore, status: report.status, issues: report.issues.length, trigger: opts.trigger });
  return { run, report, fixes, ...times };
}
