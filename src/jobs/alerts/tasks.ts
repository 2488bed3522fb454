// The scheduler's view of alerts: one task, `alerts`, every minute in UTC. Its version follows
// the rules (count and latest updated_at) only for the log; the task reads the rules afresh
// at every tick anyway, so an edited rule applies from the next minute.
import type { ScheduledTask, TaskProvider } from '../scheduler/types.ts';
import { evaluateAlerts, type AlertDeps } from './evaluate.ts';

export const ALERTS_TASK_KEY = 'alerts';
export const ALERTS_CRON = '* * * * *';

export function alertsTaskProvider(deps: AlertDeps): TaskProvider {
  return {
    name: 'alerts',
    tasks: async (): Promise<ScheduledTask[]> => {
      const { rows } = await deps.pool.query<{ n: number; v: Date | null }>(`SELECT count(*)::int AS n, max(updated_at) AS v FROM alert_rules WHERE active`);
      const { n, v } = rows[0]!;
      // no active rule: nothing to evaluate, no task (and no row a minute in scheduled_runs)
      if (n === 0) return [];
      return [
        {
          key: ALERTS_TASK_KEY,
          cron: ALERTS_CRON,
          timezone: 'UTC',
          version: `${n}:${v?.toISOString() ?? ''}`,
          run: async (scheduledFor) => void (await evaluateAlerts(deps, scheduledFor)),
        },
      ];
    },
  };
}
