import type { Config } from '../../config.ts';
import type pg from 'pg';
import type { ScheduledTask, TaskProvider } from '../scheduler/types.ts';
import { runValidation, type ValidationDeps } from './run.ts';

// The scheduled validation: hourly by default, with the safe fixes applied (re-queueing jobs
// whose worker died, refreshing a stale metric cache) — the seed's self-healing run.

export interface ValidationTaskOptions {
  pool: pg.Pool;
  boss: ValidationDeps['boss'];
  config: Pick<Config, 'analysis' | 'businessTimezone'>;
  log?: ValidationDeps['log'];
  /** node-cron expression, read in the business timezone; default minute 5 of every hour */
  cron?: string;
  /** apply the safe fixes on scheduled runs (default true) */
  autoFix?: boolean;
}

export const VALIDATION_CRON = '5 * * * *';

export function validationTaskProvider(opts: ValidationTaskOptions): TaskProvider {
  const cron = opts.cron ?? VALIDATION_CRON;
  const autoFix = opts.autoFix ?? true;
  const task: ScheduledTask = {
    key: 'validation',
    cron,
    timezone: opts.config.businessTimezone,
    version: `${cron}|${opts.config.businessTimezone}|fix=${autoFix}`,
    run: async () => {
      await runValidation({ pool: opts.pool, boss: opts.boss, config: opts.config, log: opts.log }, { fix: autoFix, trigger: 'schedule' });
    },
  };
  return { name: 'validation', tasks: async () => [task] };
}
