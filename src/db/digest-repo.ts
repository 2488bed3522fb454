import type pg from 'pg';
import type { DigestSection } from '../domain/digest-command.ts';
import type { DigestSample } from '../domain/digest.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { prismaOf, type Db } from './client.ts';

// digest_subscriptions, and the few digest figures no assistant tool already computes: the
// first-response-time distribution, handoffs in progress, the last analysis run and the sample
// sessions. Every figure a tool has (CSI, volumes, percentiles, QA counts) is read through that
// tool, not here.

type Sql = pg.Pool | pg.ClientBase;

// Subscriptions are read and written through Prisma; recordSubscriptionRun stays one SQL
// statement because it must leave updated_at alone (Prisma's @updatedAt would move it, and the
// scheduler reloads a schedule whose updated_at changed). The figures below are analytics SQL.

const SELECT = {
  id: true, channel: true, cronExpression: true, timezone: true, frequency: true, content: true, active: true, emailTo: true,
  createdById: true, lastRunAt: true, lastStatus: true, lastError: true, updatedAt: true,
} satisfies Prisma.DigestSubscriptionSelect;

export type DigestSubscription = Prisma.DigestSubscriptionGetPayload<{ select: typeof SELECT }>;

export interface NewSubscription {
  channel: string;
  cron: string;
  timezone: string;
  frequency: string;
  sections: readonly DigestSection[];
  createdById?: number;
  emailTo?: string[];
}

export async function createSubscription(db: pg.Pool | Db, s: NewSubscription): Promise<DigestSubscription> {
  return prismaOf(db).digestSubscription.create({
    data: {
      channel: s.channel, cronExpression: s.cron, timezone: s.timezone, frequency: s.frequency,
      content: { sections: [...s.sections] }, createdById: s.createdById ?? null, emailTo: s.emailTo ?? [],
    },
    select: SELECT,
  });
}

export async function listSubscriptions(db: pg.Pool | Db, opts: { activeOnly?: boolean } = {}): Promise<DigestSubscription[]> {
  return prismaOf(db).digestSubscription.findMany({ ...(opts.activeOnly === false ? {} : { where: { active: true } }), orderBy: { id: 'asc' }, select: SELECT });
}

export async function findSubscription(db: pg.Pool | Db, id: number): Promise<DigestSubscription | undefined> {
  return (await prismaOf(db).digestSubscription.findUnique({ where: { id }, select: SELECT })) ?? undefined;
}

/** Stops a subscription (kept for its history); false when there is no active one with this id. updated_at moves: the scheduler drops it. */
export async function deactivateSubscription(db: pg.Pool | Db, id: number): Promise<boolean> {
  return (await prismaOf(db).digestSubscription.updateMany({ where: { id, active: true }, data: { active: false, updatedAt: new Date() } })).count === 1;
}

/** The outcome of a run. updated_at is left alone: it versions the schedule, not its runs. */
export async function recordSubscriptionRun(db: Sql, id: number, run: { at: Date; status: 'sent' | 'skipped' | 'failed'; error?: string }): Promise<void> {
  await db.query(`UPDATE digest_subscriptions SET last_run_at = $2, last_status = $3, last_error = $4 WHERE id = $1`, [
    id, run.at, run.status, run.error?.slice(0, 2000) ?? null,
  ]);
}

/** First response times (s) of the analysed conversation-days in [from, to]: supportStats' percentile set. */
export async function firstResponseTimes(db: Sql, from: string, to: string): Promise<number[]> {
  const { rows } = await db.query<{ t: number }>(
    `SELECT first_response_time::float8 AS t FROM daily_analyses
      WHERE day BETWEEN $1::date AND $2::date AND first_response_time IS NOT NULL`,
    [from, to],
  );
  return rows.map((r) => r.t);
}

/** When the analysis last finished a job, if ever. */
export async function lastAnalysisRun(db: Sql): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(`SELECT max(completed_at) AS at FROM jobs WHERE status = 'completed'`);
  return rows[0]?.at ?? null;
}

/**
 * Up to `limit` bot sessions of [start, end) worth a look: QA issues first, then handoffs,
 * then the lowest CSI of the conversation-day the session started on.
 */
export async function sampleSessions(db: Sql, p: { start: Date; end: Date; timezone: string; limit: number }): Promise<DigestSample[]> {
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
