import type pg from 'pg';
import type { DigestSection } from '../domain/digest-command.ts';
import type { DigestSample } from '../domain/digest.ts';

// digest_subscriptions, and the few digest figures no assistant tool already computes: the
// first-response-time distribution, handoffs in progress, the last analysis run and the sample
// sessions. Every figure a tool has (CSI, volumes, percentiles, QA counts) is read through that
// tool, not here.

type Db = pg.Pool | pg.ClientBase;

export interface DigestSubscription {
  id: number;
  channel: string;
  cronExpression: string;
  timezone: string;
  frequency: string;
  content: unknown;
  active: boolean;
  emailTo: string[];
  createdById: number | null;
  lastRunAt: Date | null;
  lastStatus: string | null;
  lastError: string | null;
  updatedAt: Date;
}

const COLUMNS = `id, channel, cron_expression AS "cronExpression", timezone, frequency, content, active, email_to AS "emailTo",
  created_by_id AS "createdById", last_run_at AS "lastRunAt", last_status AS "lastStatus", last_error AS "lastError", updated_at AS "updatedAt"`;

export interface NewSubscription {
  channel: string;
  cron: string;
  timezone: string;
  frequency: string;
  sections: readonly DigestSection[];
  createdById?: number;
  emailTo?: string[];
}

export async function createSubscription(db: Db, s: NewSubscription): Promise<DigestSubscription> {
  const { rows } = await db.query<DigestSubscription>(
    `INSERT INTO digest_subscriptions (channel, cron_expression, timezone, frequency, content, created_by_id, email_to, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING ${COLUMNS}`,
    [s.channel, s.cron, s.timezone, s.frequency, JSON.stringify({ sections: s.sections }), s.createdById ?? null, s.emailTo ?? []],
  );
  return rows[0]!;
}

export async function listSubscriptions(db: Db, opts: { activeOnly?: boolean } = {}): Promise<DigestSubscription[]> {
  const { rows } = await db.query<DigestSubscription>(
    `SELECT ${COLUMNS} FROM digest_subscriptions ${opts.activeOnly === false ? '' : 'WHERE active'} ORDER BY id`,
  );
  return rows;
}

export async function findSubscription(db: Db, id: number): Promise<DigestSubscription | undefined> {
  const { rows } = await db.query<DigestSubscription>(`SELECT ${COLUMNS} FROM digest_subscriptions WHERE id = $1`, [id]);
  return rows[0];
}

/** Stops a subscription (kept for its history); false when there is no active one with this id. */
export async function deactivateSubscription(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`UPDATE digest_subscriptions SET active = false, updated_at = now() WHERE id = $1 AND active`, [id]);
  return r.rowCount === 1;
}

/** The outcome of a run. updated_at is left alone: it versions the schedule, not its runs. */
export async function recordSubscriptionRun(db: Db, id: number, run: { at: Date; status: 'sent' | 'skipped' | 'failed'; error?: string }): Promise<void> {
  await db.query(`UPDATE digest_subscriptions SET last_run_at = $2, last_status = $3, last_error = $4 WHERE id = $1`, [
    id, run.at, run.status, run.error?.slice(0, 2000) ?? null,
  ]);
}

/** First response times (s) of the analysed conversation-days in [from, to]: supportStats' percentile set. */
export async function firstResponseTimes(db: Db, from: string, to: string): Promise<number[]> {
  const { rows } = await db.query<{ t: number }>(
    `SELECT first_response_time::float8 AS t FROM daily_analyses
      WHERE day BETWEEN $1::date AND $2::date AND first_response_time IS NOT NULL`,
    [from, to],
  );
  return rows.map((r) => r.t);
}

/** When the analysis last finished a job, if ever. */
export async function lastAnalysisRun(db: Db): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(`SELECT max(completed_at) AS at FROM jobs WHERE status = 'completed'`);
  return rows[0]?.at ?? null;
}

/**
 * Up to `limit` bot sessions of [start, end) worth a look: QA issues first, then handoffs,
 * then the lowest CSI of the conversation-day the session started on.
 */
export async function sampleSessions(db: Db, p: { start: Date; end: Date; timezone: string; limit: number }): Promise<DigestSample[]> {
  const { rows } = await db.query<{ id: number; qa_version: number; page: string; csi: number | null; qa_status: string; human_handoff: boolean }>(
    `SELECT s.id, s.qa_version, pg.name AS page, da.csi::float8 AS csi, s.qa_status::text AS qa_status, s.human_handoff
       FROM sessions s
       JOIN conversations c ON c.id = s.conversation_id
       JOIN pages pg ON pg.id = c.page_id
       LEFT JOIN daily_analyses da ON da.conversation_id = s.conversation_id AND da.day = (s.started_at AT TIME ZONE $3::text)::date
      WHERE s.started_at >= $1 AND s.started_at < $2 AND s.ai_engaged AND s.deleted_at IS NULL
      ORDER BY (s.qa_status = 'issue') DESC, s.human_handoff DESC, da.csi ASC NULLS LAST, s.id
      LIMIT $4`,
    [p.start, p.end, p.timezone, p.limit],
  );
  return rows.map((r) => ({
    sessionId: r.id,
    version: r.qa_version,
    page: r.page,
    csi: r.csi,
    why: r.qa_status === 'issue' ? 'QA found an issue' : r.human_handoff ? 'handed to a human' : 'lowest CSI of the period',
  }));
}
