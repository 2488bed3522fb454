// Retention: which rows each table loses, decided from the configured days per table
// (RETENTION_DAYS) and a given `now`. Pure; src/jobs/retention does the deleting.

export interface RetentionTarget {
  table: string;
  /** the row's age is read from this column */
  column: string;
  days: number;
  /** rows strictly older than this go */
  cutoff: Date;
}

/**
 * The time column of each table retention may clean. Messages age by when they were written
 * (social_create_time), not when they were imported, so a backfill of old history is not kept
 * longer than recent chats. Tables missing here are never touched.
 */
export const RETENTION_COLUMNS: Readonly<Record<string, string>> = {
  error_logs: 'created_at',
  notification_logs: 'created_at',
  audit_logs: 'created_at',
  messenger_events: 'received_at',
  messenger_sends: 'created_at',
  scheduled_runs: 'started_at',
  validation_runs: 'created_at',
  alert_events: 'fired_at',
  slack_deliveries: 'created_at',
  botframework_activities: 'received_at',
  handoff_files: 'created_at',
  messages: 'social_create_time',
};

const DAY_MS = 86_400_000;

/**
 * One target per table with a number of days; null, undefined or a table we do not know means
 * "keep forever". Messages are only ever a target when configured explicitly (config.ts has no
 * default for them) and come last, after the logs that point at them.
 */
export function retentionPlan(days: Readonly<Record<string, number | null | undefined>>, now: Date): RetentionTarget[] {
  const targets: RetentionTarget[] = [];
  for (const [table, d] of Object.entries(days)) {
    const column = RETENTION_COLUMNS[table];
    if (!column || d === null || d === undefined || !Number.isInteger(d) || d < 1) continue;
    targets.push({ table, column, days: d, cutoff: new Date(now.getTime() - d * DAY_MS) });
  }
  return targets.sort((a, b) => Number(a.table === 'messages') - Number(b.table === 'messages') || a.table.localeCompare(b.table));
}
