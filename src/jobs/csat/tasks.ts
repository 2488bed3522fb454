import type pg from 'pg';
import type { Config } from '../../config.ts';
import type { MessengerSender } from '../../domain/messenger/contracts.ts';
import type { Logger } from '../../logger.ts';
import type { ScheduledTask, TaskProvider } from '../scheduler/types.ts';
import { runCsatSurveys } from './survey.ts';

// The CSAT survey as a scheduled task: every 5 minutes, run once across all instances by the
// scheduler's RunCoordinator. A session becomes eligible CSAT_DELAY_MINUTES after our last
// reply, so it is asked within 5 minutes of that; the tick's nominal time is the run's "now".

export const CSAT_CRON = '*/5 * * * *';

export function csatTaskProvider(opts: {
  pool: pg.Pool;
  sender: MessengerSender;
  config: Pick<Config, 'csat' | 'messenger' | 'businessTimezone'>;
  logger?: Logger;
  cron?: string;
}): TaskProvider {
  const cron = opts.cron ?? CSAT_CRON;
  const { delayMinutes } = opts.config.csat;
  const pauseMinutes = opts.config.messenger.humanPauseMinutes;
  const task: ScheduledTask = {
    key: 'csat',
    cron,
    timezone: opts.config.businessTimezone,
    version: `${cron}|${delayMinutes}|${pauseMinutes}`,
    run: async (scheduledFor) => {
      await runCsatSurveys({ pool: opts.pool, sender: opts.sender, delayMinutes, pauseMinutes, ...(opts.logger ? { logger: opts.logger } : {}) }, scheduledFor);
    },
  };
  return { name: 'csat', tasks: async () => (opts.config.csat.survey ? [task] : []) };
}
