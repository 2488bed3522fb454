import type pg from 'pg';
import type { Finding, FixOutcome, HealthReport } from '../domain/validation.ts';
import { INBOX_MESSAGE_KINDS } from '../domain/messenger/events.ts';
import { importLeaseHeld } from './locks.ts';
import { METRIC_RANGES } from '../domain/validation.ts';

// The validation checks' SQL. Each one counts and samples (up to 10 ids) in one statement,
// bounded by an index or a time window so that a run stays cheap on a million messages:
// integrity checks are anti-joins (they must see every row, but only ids); the data-quality
// checks over messages share one pass over the table (messages have no index by time alone:
// it made bulk imports a third slower), keeping the last `lookbackDays`; business rules look
// at the last 24 hours. Every time is relative to the `now` passed in.

export interface CheckWindow {
  now: Date;
  /** data-quality checks over messages look this far back (default 7) */
  lookbackDays: number;
  /** business rules look this far back (default 24) */
  businessHours: number;
  /** in_progress longer than this = stuck (the analysis job timeout) */
  stuckAfterSeconds: number;
  /** planned or changed but unscored for longer than this = left unscored */
  unscoredAfterHours: number;
  /** business timezone: a conversation-day is closed when its day has ended there */
  timezone: string;
  /**
   * a conversation without sessions counts once a message of it is older than this (the
   * Messenger worker builds sessions within a second; a running import builds them at its end
   * and is excluded anyway); default 5
   */
  missingSessionsAfterMinutes?: number;
}

const HOUR = 3_600_000;
const ago = (now: Date, ms: number) => new Date(now.getTime() - ms);

type Row = { n: number; samples: (number | string)[] | null };
async function countAndSample(db: pg.Pool | pg.ClientBase, check: Finding['check'], sql: string, params: unknown[] = []): Promise<Finding> {
  const { rows } = await db.query<Row>(sql, params);
  return { check, count: rows[0]?.n ?? 0, samples: rows[0]?.samples ?? [] };
}
const AGG = (id: string) => `count(*)::int AS n, (array_agg(${id}))[1:10] AS samples`;

const rangeViolation = Object.entries(METRIC_RANGES)
  .map(([col, [lo, hi]]) => [lo !== null ? `${col} < ${lo}` : null, hi !== null ? `${col} > ${hi}` : null].filter(Boolean).join(' OR '))
  .join(' OR ');

/** Foreign keys the data model relies on: child table → parent table. */
const EXPECTED_FKS: [string, string][] = [
  ['messages', 'conversations'],
  ['sessions', 'conversations'],
  ['daily_analyses', 'conversations'],
  ['job_daily_analyses', 'jobs'],
  ['job_daily_analyses', 'daily_analyses'],
  ['conversations', 'pages'],
  ['qa_events', 'sessions'],
];

/**
 * empty_texts, bad_confidence and future_timestamps in one read of messages (plus the
 * conversations' last times for the future check), as three findings in that order.
 */
function messageQuality(db: pg.Pool | pg.ClientBase, since: Date, now: Date, future: Date): Promise<Finding>[] {
  const scan = db.query<{ empty_n: number; empty_s: number[] | null; bad_n: number; bad_s: number[] | null; future_n: number; future_s: string[] | null }>(
    `SELECT count(*) FILTER (WHERE empty)::int AS empty_n, (array_agg(id) FILTER (WHERE empty))[1:10] AS empty_s,
            count(*) FILTER (WHERE bad)::int AS bad_n, (array_agg(id) FILTER (WHERE bad))[1:10] AS bad_s,
            count(*) FILTER (WHERE later)::int AS future_n, (array_agg('message:' || id) FILTER (WHERE later))[1:10] AS future_s
       FROM (SELECT id,
                    social_create_time <= $2 AND (text IS NULL OR btrim(text) = '')
                      AND (attachments IS NULL OR attachments IN ('null'::jsonb, '[]'::jsonb, '{}'::jsonb)) AS empty,
                    social_create_time <= $2 AND (classification_confidence < 0 OR classification_confidence > 1) AS bad,
                    social_create_time > $3 AS later
               FROM messages WHERE social_create_time >= $1) m`,
    [since, now, future],
  ).then((r) => r.rows[0]!);
  const conversations = countAndSample(db, 'future_timestamps', `SELECT ${AGG(`'conversation:' || id`)} FROM conversations WHERE last_message_at > $1`, [future]);
  return [
    scan.then((r): Finding => ({ check: 'empty_texts', count: r.empty_n, samples: r.empty_s ?? [] })),
    scan.then((r): Finding => ({ check: 'bad_confidence', count: r.bad_n, samples: r.bad_s ?? [] })),
    Promise.all([scan, conversations]).then(([r, c]): Finding => ({
      check: 'future_timestamps', count: r.future_n + c.count, samples: [...(r.future_s ?? []), ...c.samples].slice(0, 10),
    })),
  ];
}

export async function runChecks(db: pg.Pool | pg.ClientBase, w: CheckWindow): Promise<Finding[]> {
  const since = ago(w.now, w.lookbackDays * 24 * HOUR);
  const businessSince = ago(w.now, w.businessHours * HOUR);
  const future = new Date(w.now.getTime() + 5 * 60_000);
  const unscoredBefore = ago(w.now, w.unscoredAfterHours * HOUR);
  const checks: Promise<Finding>[] = [
    // database integrity
    countAndSample(db, 'orphan_messages', `SELECT ${AGG('m.id')} FROM messages m WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id)`),
    countAndSample(db, 'orphan_sessions', `SELECT ${AGG('s.id')} FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = s.conversation_id)`),
    countAndSample(db, 'orphan_daily_analyses', `SELECT ${AGG('d.id')} FROM daily_analyses d WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = d.conversation_id)`),
    // A running import's conversations get their sessions when it finishes: not counted while
    // its lease is held. A dead import's are, and so is its upload.
    countAndSample(db, 'conversations_without_sessions', `WITH live AS MATERIALIZED (
         SELECT DISTINCT unnest(b.conversation_ids) AS id FROM upload_batches b JOIN uploads u ON u.id = b.upload_id
          WHERE u.status = 'processing' AND ${importLeaseHeld('u.id')})
       SELECT ${AGG('c.id')} FROM conversations c
        WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.conversation_id = c.id)
          AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.created_at <= $1)
          AND NOT EXISTS (SELECT 1 FROM live WHERE live.id = c.id)`, [ago(w.now, (w.missingSessionsAfterMinutes ?? 5) * 60_000)]),
    countAndSample(db, 'abandoned_uploads', `SELECT ${AGG('u.id')} FROM uploads u WHERE u.status = 'processing' AND NOT ${importLeaseHeld('u.id')}`),
    // A running import builds its deferred indexes when its load ends: only a dead one's count.
    countAndSample(db, 'missing_deferred_indexes', `SELECT ${AGG('d.index_name')} FROM import_deferred_indexes d WHERE NOT ${importLeaseHeld('d.upload_id')}`),
    countAndSample(db, 'orphan_job_links', `SELECT ${AGG('x.job_id')} FROM job_daily_analyses x
       WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = x.job_id) OR NOT EXISTS (SELECT 1 FROM daily_analyses d WHERE d.id = x.daily_analysis_id)`),
    countAndSample(db, 'fk_constraints', `WITH expected(child, parent) AS (SELECT * FROM unnest($1::text[], $2::text[])),
       problems AS (
         SELECT e.child || ' -> ' || e.parent || ' missing or not validated' AS what FROM expected e
          WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.convalidated
                              AND k.conrelid = to_regclass('public.' || e.child) AND k.confrelid = to_regclass('public.' || e.parent))
         UNION
         SELECT 'foreign key triggers disabled on ' || t.tgrelid::regclass::text FROM pg_trigger t JOIN pg_constraint k ON k.oid = t.tgconstraint
          WHERE k.contype = 'f' AND t.tgenabled = 'D' AND k.connamespace = 'public'::regnamespace)
       SELECT ${AGG('what')} FROM problems`, [EXPECTED_FKS.map((f) => f[0]), EXPECTED_FKS.map((f) => f[1])]),
    // data quality
    ...messageQuality(db, since, w.now, future),
    countAndSample(db, 'out_of_range_scores', `SELECT ${AGG('id')} FROM daily_analyses WHERE ${rangeViolation}`),
    // business rules. unscored_days: realtime conversations are planned once their business
    // day has ended, so a change counts only when its day closed more than unscoredAfterHours
    // ago (it is older than the start of the day that held now − unscoredAfterHours).
    countAndSample(db, 'unclassified_messages', `SELECT ${AGG('m.id')} FROM messages m
       WHERE m.id IN (SELECT e.message_id FROM messenger_events e WHERE e.message_id IS NOT NULL AND e.received_at >= $1)
         AND m.sender_kind = 'customer' AND m.classification IS NULL AND m.social_create_time < $2`, [businessSince, ago(w.now, HOUR)]),
    countAndSample(db, 'unsent_replies', `SELECT ${AGG('id')} FROM messenger_sends
       WHERE status IN ('pending', 'failed') AND created_at >= $1 AND created_at < $2`, [businessSince, ago(w.now, 30 * 60_000)]),
    countAndSample(db, 'unanswered_messages', `SELECT ${AGG('c.id')} FROM conversations c
       LEFT JOIN customers cu ON cu.id = c.customer_id
       CROSS JOIN LATERAL (SELECT m.sender_kind, m.social_create_time FROM messages m WHERE m.conversation_id = c.id
                            ORDER BY m.social_create_time DESC, m.id DESC LIMIT 1) last
       WHERE c.last_message_at >= $1 AND c.last_message_at < $2 AND c.handoff_state <> 'waiting' AND NOT coalesce(cu.blocked, false)
         AND last.sender_kind = 'customer' AND last.social_create_time < $2`, [businessSince, ago(w.now, 2 * HOUR)]),
    countAndSample(db, 'unscored_days', `SELECT ${AGG('what')} FROM (
         (SELECT 'conversation:' || c.id AS what FROM conversations c LEFT JOIN processed_chats p ON p.fb_chat_id = c.fb_chat_id
           WHERE (p.id IS NULL OR p.message_count <> c.total_messages) AND c.total_messages > 0
             AND c.last_message_at < (date_trunc('day', $1::timestamptz AT TIME ZONE $2) AT TIME ZONE $2))
         UNION ALL (SELECT 'day:' || id FROM daily_analyses WHERE analyzed_at IS NULL AND updated_at < $1)
         -- a job planned by conversation has no day rows until it scores them: its failure is the signal
         UNION ALL (SELECT 'job:' || id FROM jobs WHERE status = 'failed' AND conversation_ids IS NOT NULL AND days > 0 AND created_at < $1)) u`, [unscoredBefore, w.timezone]),
    // freshness
    countAndSample(db, 'unstored_events', `SELECT ${AGG('event_key')} FROM messenger_events
       WHERE state = 'pending' AND conversation_id IS NULL AND kind = ANY($1::text[]) AND received_at < $2`, [INBOX_MESSAGE_KINDS, ago(w.now, 5 * 60_000)]),
    countAndSample(db, 'stuck_jobs', `SELECT ${AGG('id')} FROM jobs WHERE status = 'in_progress' AND started_at < $1`, [ago(w.now, w.stuckAfterSeconds * 1000)]),
    countAndSample(db, 'analysis_backlog', `SELECT ${AGG('id')} FROM jobs WHERE status = 'pending' AND created_at < $1`, [unscoredBefore]),
    // Stale: some analysis finished more than 10 minutes ago (the service refreshes a moment
    // after its work settles) and the cache was computed before it, or never.
    countAndSample(db, 'stale_metrics', `SELECT (CASE WHEN a.at IS NOT NULL AND a.at < $1 AND (m.at IS NULL OR m.at < a.at) THEN 1 ELSE 0 END)::int AS n,
         ARRAY['metrics at ' || coalesce(m.at::text, 'never'), 'analysis at ' || coalesce(a.at::text, 'never')] AS samples
       FROM (SELECT max(completed_at) AS at FROM jobs WHERE status = 'completed') a, (SELECT max(calculated_at) AS at FROM metrics) m`, [ago(w.now, 10 * 60_000)]),
  ];
  return Promise.all(checks);
}

/** Latest completed analysis job and metric-cache time, for the report's freshness line. */
export async function freshnessTimes(db: pg.Pool | pg.ClientBase): Promise<{ lastAnalysisAt: Date | null; metricsAt: Date | null }> {
  const { rows } = await db.query<{ a: Date | null; m: Date | null }>(
    `SELECT (SELECT max(completed_at) FROM jobs WHERE status = 'completed') AS a, (SELECT max(calculated_at) FROM metrics) AS m`,
  );
  return { lastAnalysisAt: rows[0]?.a ?? null, metricsAt: rows[0]?.m ?? null };
}

/**
 * Puts in-progress jobs older than `stuckBefore` back to pending and returns their ids; run it in
 * the caller's transaction together with re-queueing them, so a crash never leaves them pending
 * without a queue message. Two instances fixing at once: the row locks let only one of them
 * reset each job.
 */
export async function resetStuckJobs(client: pg.ClientBase, stuckBefore: Date): Promise<number[]> {
  const { rows } = await client.query<{ id: number }>(
    `UPDATE jobs SET status = 'pending', error = 'requeued by validation: in progress since ' || started_at::text
      WHERE status = 'in_progress' AND started_at < $1 RETURNING id`,
    [stuckBefore],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export async function auditFix(db: pg.Pool | pg.ClientBase, outcome: FixOutcome, trigger: string): Promise<void> {
  await db.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES (NULL, 'validation.fix', $1, $2)`, [
    outcome.fix,
    JSON.stringify({ ...outcome, trigger }),
  ]);
}

export interface StoredRun {
  id: number;
  healthScore: number;
  componentScores: HealthReport['componentScores'];
  issues: HealthReport['issues'];
  recommendations: string[];
  fixes: FixOutcome[];
  trigger: string;
  createdAt: Date;
}

const RUN_COLUMNS = `id, health_score AS "healthScore", component_scores AS "componentScores", issues, recommendations, fixes, trigger, created_at AS "createdAt"`;

export async function insertValidationRun(
  db: pg.Pool | pg.ClientBase,
  run: { report: HealthReport; fixes: FixOutcome[]; trigger: string; createdAt: Date },
): Promise<StoredRun> {
  const { rows } = await db.query<StoredRun>(
    `INSERT INTO validation_runs (health_score, component_scores, issues, recommendations, fixes, trigger, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${RUN_COLUMNS}`,
    [
      run.report.healthScore,
      JSON.stringify(run.report.componentScores),
      JSON.stringify(run.report.issues),
      JSON.stringify(run.report.recommendations),
      JSON.stringify(run.fixes),
      run.trigger,
      run.createdAt,
    ],
  );
  return rows[0]!;
}

/** The newest runs, newest first. */
export async function recentValidationRuns(db: pg.Pool | pg.ClientBase, limit: number): Promise<StoredRun[]> {
  const { rows } = await db.query<StoredRun>(`SELECT ${RUN_COLUMNS} FROM validation_runs ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
  return rows;
}
