import type pg from 'pg';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { ScheduledTask, TaskProvider } from '../scheduler/types.ts';
import { runRetention } from './run.ts';

// The daily retention cleanup, at 03:30 in the business timezone (a quiet hour for most
// support teams, and clear of the DST changes that happen at 02:00–03:00 in Europe).

export const RETENTION_CRON = '30 3 * * *';

export function retentionTaskProvider(opts: { pool: pg.Pool; config: Pick<Config, 'retentionDays' | 'businessTimezone'>; logger?: Logger; cron?: string }): TaskProvider {
  const cron = opts.cron ?? RETENTION_CRON;
  const log = opts.logger?.child({ component: 'retention' });
  const task: ScheduledTask = {
    key: 'retention',
    cron,
    timezone: opts.config.businessTimezone,
    // a changed RETENTION_DAYS (after a restart) reloads the task
    version: `${cron}|${opts.config.businessTimezone}|${JSON.stringify(opts.config.retentionDays)}`,
    run: async () => {
      await runRetention({ pool: opts.pool, config: opts.config, log: (e) => log?.info(e, e.msg) });
    },
  };
  return { name: 'retention', tasks: async () => [task] };
}
