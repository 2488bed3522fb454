import type pg from 'pg';
import type { Config } from '../../config.ts';
import { runSampling } from '../../db/qa-assignments-repo.ts';
import type { Logger } from '../../logger.ts';
import type { ScheduledTask, TaskProvider } from '../scheduler/types.ts';

// QA sampling (issue 20, point 3): every day at 06:00 in the business timezone, each active
// sampling rule's last complete period (yesterday, or last week on any day of this one) is
// sampled into assignments, unless it was already (db/qa-assignments-repo.ts samplePeriod keeps a
// run per rule and period). A missed tick is caught up like any scheduled task; a week sampled on
// Monday is not sampled again on Tuesday.

export const QA_SAMPLING_CRON = '0 6 * * *';

export function qaSamplingTaskProvider(opts: { pool: pg.Pool; config: Pick<Config, 'businessTimezone'>; logger?: Logger; cron?: string }): TaskProvider {
  const cron = opts.cron ?? QA_SAMPLING_CRON;
  const tz = opts.config.businessTimezone;
  const log = opts.logger?.child({ component: 'qa-sampling' });
  const task: ScheduledTask = {
    key: 'qa-sampling',
    cron,
    timezone: tz,
    version: `${cron}|${tz}`,
    // the tick's nominal time, not the clock: a caught-up tick samples the periods it was meant for
    run: async (scheduledFor) => {
      const outcomes = await runSampling(opts.pool, scheduledFor, tz);
      for (const o of outcomes) {
        if (o.status === 'no_reviewers') log?.warn(o, 'qa sampling: no QA reviewers to assign to; the period is sampled at a later run');
        else if (o.status === 'done') log?.info(o, 'qa sampling: period sampled');
      }
    },
  };
  return { name: 'qa-sampling', tasks: async () => [task] };
}
