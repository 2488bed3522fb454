// What the scheduler runs. Providers (digests, alerts, validation, retention, metrics) turn
// database rows or system settings into tasks; the scheduler (node-cron, distributed, with the
// Postgres RunCoordinator) runs each task's ticks exactly once across all instances.

export interface ScheduledTask {
  /** stable and unique: `digest:12`, `alerts`, `validation`, `retention` */
  key: string;
  /** node-cron expression (5 or 6 fields) */
  cron: string;
  /** IANA timezone the expression is read in */
  timezone: string;
  /** changes when the definition changes (e.g. updated_at): the scheduler reloads the task */
  version: string;
  /** runs one tick; `scheduledFor` is the tick's nominal time (not the clock at run time) */
  run(scheduledFor: Date): Promise<void>;
}

export interface TaskProvider {
  name: string;
  tasks(): Promise<ScheduledTask[]>;
}
