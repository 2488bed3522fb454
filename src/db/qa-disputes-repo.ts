import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import { decideDispute, decideResolution, type DisputeStatus } from '../domain/qa-dispute.ts';
import { answerProblems, formatQaScore, type AnswerProblem, type Answers } from '../domain/qa-scorecard.ts';
import { audit, findReview, inTransaction, loadScorecard, writeReview, type QaReviewDto } from './qa-scorecards-repo.ts';

// Disputes of scorecard reviews (issue 20): opened by the reviewed agent or a developer, settled
// by a lead. Each step is one transaction that locks the rows it decides on (the review when a
// dispute opens, the dispute when it is settled), so one review has at most one open dispute and
// a dispute is settled once. An accepted dispute rescores the review (writeReview) and is
// recorded in the session's QA trail (qa_events: the state stays, the notes say what changed)
// and in audit_logs with the scores before and after; refusals by role are audited.

export interface QaDisputeDto {
  id: number;
  reviewId: number;
  sessionId: number;
  status: DisputeStatus;
  reason: string;
  raisedBy: { id: number; name: string | null; slackId?: string } | null;
  resolvedBy: { id: number; name: string | null; slackId?: string } | null;
  resolution: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
  version: number;
  /** the disputed review as it is now */
  review: { score: number | null; autofailed: boolean; reviewer: string | null; reviewerSlackId?: string };
}

type Refusal<K extends string> = { ok: false; kind: K; reason: string; problems?: AnswerProblem[]; dispute?: QaDisputeDto };

export type OpenDisputeResult = { ok: true; dispute: QaDisputeDto } | Refusal<'not_found' | 'forbidden' | 'missing_reason' | 'too_long' | 'conflict'>;
export type ResolveDisputeResult =
  | { ok: true; dispute: QaDisputeDto; review: QaReviewDto; eventId?: number }
  | Refusal<'not_found' | 'forbidden' | 'missing_reason' | 'too_long' | 'conflict' | 'invalid'>;

type Db = pg.Pool | pg.ClientBase;

/**
 * Runs in the transaction of a dispute opened or settled, after its rows are written: the
 * notification hook (jobs/notifications/qa-notify.ts disputeNotificationHook) queues there, so a
 * notification exists exactly when the dispute step committed.
 */
export type AfterDispute = (client: pg.ClientBase, step: { disputeId: number; status: DisputeStatus }) => Promise<void>;

interface Row {
  id: number; review_id: number; session_id: number; status: DisputeStatus; reason: string; resolution: string | null; resolved_at: Date | null;
  created_at: Date; version: number; raised_id: number | null; raised_name: string | null; raised_platform: string | null; raised_external: string | null;
  resolved_id: number | null; resolved_name: string | null; resolved_platform: string | null; resolved_external: string | null;
  score: number | null; autofailed: boolean; reviewer_name: string | null; reviewer_platform: string | null; reviewer_external: string | null;
}

const SELECT = `
  SELECT d.id, d.review_id, d.session_id, d.status::text AS status, d.reason, d.resolution, d.resolved_at, d.created_at, d.version,
         a.id AS raised_id, a.name AS raised_name, a.platform AS raised_platform, a.external_id AS raised_external,
         b.id AS resolved_id, b.name AS resolved_name, b.platform AS resolved_platform, b.external_id AS resolved_external,
         r.score, r.autofailed, v.name AS reviewer_name, v.platform AS reviewer_platform, v.external_id AS reviewer_external
    FROM qa_disputes d JOIN qa_reviews r ON r.id = d.review_id
    LEFT JOIN users a ON a.id = d.raised_by_id LEFT JOIN users b ON b.id = d.resolved_by_id LEFT JOIN users v ON v.id = r.reviewer_id`;

const person = (id: number | null, name: string | null, platform: string | null, external: string | null) =>
  id === null ? null : { id, name, ...(platform === 'slack' && external ? { slackId: external } : {}) };

const toDto = (r: Row): QaDisputeDto => ({
  id: r.id,
  reviewId: r.review_id,
  sessionId: r.session_id,
  status: r.status,
  reason: r.reason,
  raisedBy: person(r.raised_id, r.raised_name, r.raised_platform, r.raised_external),
  resolvedBy: person(r.resolved_id, r.resolved_name, r.resolved_platform, r.resolved_external),
  resolution: r.resolution,
  resolvedAt: r.resolved_at,
  createdAt: r.created_at,
  version: r.version,
  review: {
    score: r.score, autofailed: r.autofailed, reviewer: r.reviewer_name,
    ...(r.reviewer_platform === 'slack' && r.reviewer_external ? { reviewerSlackId: r.reviewer_external } : {}),
  },
});

export async function findDispute(db: Db, id: number): Promise<QaDisputeDto | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE d.id = $1`, [id]);
  return rows[0] ? toDto(rows[0]) : undefined;
}

/** Disputes, newest first: of a session, or in a state (the open ones for leads). */
export async function listDisputes(db: Db, filter: { sessionId?: number; status?: DisputeStatus; limit?: number }): Promise<QaDisputeDto[]> {
  const { rows } = await db.query<Row>(
    `${SELECT} JOIN sessions s ON s.id = d.session_id
      WHERE s.deleted_at IS NULL AND ($1::int IS NULL OR d.session_id = $1) AND ($2::text IS NULL OR d.status::text = $2)
      ORDER BY d.created_at DESC, d.id DESC LIMIT $3`,
    [filter.sessionId ?? null, filter.status ?? null, filter.limit ?? 50],
  );
  return rows.map(toDto);
}

/** Disputes raised in [start, end), by their state now. */
export async function disputeCounts(db: Db, start: Date, end: Date): Promise<Record<DisputeStatus, number>> {
  const { rows } = await db.query<{ status: DisputeStatus; n: number }>(
    `SELECT d.status::text AS status, count(*)::int AS n FROM qa_disputes d JOIN sessions s ON s.id = d.session_id
      WHERE s.deleted_at IS NULL AND d.created_at >= $1 AND d.created_at < $2 GROUP BY 1`,
    [start, end],
  );
  const out: Record<DisputeStatus, number> = { open: 0, accepted: 0, rejected: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}

export interface OpenDisputeInput {
  /** the review disputed; or, with only a session, its most recently changed review */
  reviewId?: number;
  sessionId?: number;
  actor: Caller;
  reason?: string;
  source: string;
  at?: Date;
}

export async function openDispute(pool: pg.Pool, input: OpenDisputeInput, after?: AfterDispute): Promise<OpenDisputeResult> {
  return inTransaction(pool, async (client) => {
    // the review row lock: a second dispute of the same review waits here and then sees the first
    const { rows } = await client.query<{ id: number; session_id: number; version: number }>(
      `SELECT r.id, r.session_id, r.version FROM qa_reviews r JOIN sessions s ON s.id = r.session_id
        WHERE s.deleted_at IS NULL AND ($1::int IS NULL OR r.id = $1) AND ($2::int IS NULL OR r.session_id = $2)
        ORDER BY r.updated_at DESC, r.id DESC LIMIT 1 FOR UPDATE OF r`,
      [input.reviewId ?? null, input.sessionId ?? null],
    );
    const review = rows[0];
    const what = input.reviewId !== undefined ? `review ${input.reviewId}` : `a scorecard review of session ${input.sessionId}`;
    if (!review || (input.reviewId === undefined && input.sessionId === undefined)) return { ok: false as const, kind: 'not_found' as const, reason: `there is no ${what}` };
    const own = input.actor.role === 'agent' && input.actor.userId !== undefined && (await repliedIn(client, review.session_id, input.actor.userId));
    const decision = decideDispute({ role: input.actor.role, ownSession: own, ...(input.reason !== undefined ? { reason: input.reason } : {}) });
    if (!decision.ok) {
      if (decision.kind === 'forbidden') await audit(client, input.actor, 'qa.dispute.refused', `session:${review.session_id}`, { source: input.source, reviewId: review.id, reason: decision.reason });
      return { ok: false as const, kind: decision.kind, reason: decision.reason };
    }
    const open = await client.query<{ id: number }>(`SELECT id FROM qa_disputes WHERE review_id = $1 AND status = 'open'`, [review.id]);
    if (open.rows[0]) {
      const dispute = await findDispute(client, open.rows[0].id);
      return { ok: false as const, kind: 'conflict' as const, reason: `that review is disputed already (dispute ${open.rows[0].id}, waiting for a team lead)`, ...(dispute ? { dispute } : {}) };
    }
    const ins = await client.query<{ id: number }>(
      `INSERT INTO qa_disputes (review_id, session_id, raised_by_id, reason, review_version, created_at)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now())) RETURNING id`,
      [review.id, review.session_id, input.actor.userId ?? null, decision.text, review.version, input.at ?? null],
    );
    const id = ins.rows[0]!.id;
    await audit(client, input.actor, 'qa.dispute.opened', `session:${review.session_id}`, { source: input.source, disputeId: id, reviewId: review.id, reason: decision.text });
    if (after) await after(client, { disputeId: id, status: 'open' });
    return { ok: true as const, dispute: (await findDispute(client, id))! };
  });
}

/** Whether the user (by users.external_id = agent_info.id) wrote a human reply in the session. */
async function repliedIn(client: pg.ClientBase, sessionId: number, userId: number): Promise<boolean> {
  const { rows } = await client.query<{ yes: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM sessions s JOIN messages m ON m.conversation_id = s.conversation_id JOIN users u ON u.id = $2
        WHERE s.id = $1 AND m.sender_kind = 'human_agent' AND m.social_create_time BETWEEN s.started_at AND s.ended_at
          AND m.agent_info ->> 'id' = u.external_id) AS yes`,
    [sessionId, userId],
  );
  return rows[0]?.yes === true;
}

export interface ResolveDisputeInput {
  disputeId: number;
  actor: Caller;
  accept: boolean;
  /** a rejection's reason (required) or an acceptance's note */
  note?: string;
  /** accept: the review's corrected answers (every active category), and its root causes */
  answers?: Answers;
  rootCauses?: string[];
  /** the dispute's version the lead saw */
  expectedVersion?: number;
  source: string;
  at?: Date;
}

export async function resolveDispute(pool: pg.Pool, input: ResolveDisputeInput, after?: AfterDispute): Promise<ResolveDisputeResult> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: number; review_id: number; session_id: number; status: DisputeStatus; version: number }>(
      `SELECT d.id, d.review_id, d.session_id, d.status::text AS status, d.version FROM qa_disputes d JOIN sessions s ON s.id = d.session_id
        WHERE d.id = $1 AND s.deleted_at IS NULL FOR UPDATE OF d`,
      [input.disputeId],
    );
    const d = rows[0];
    if (!d) return { ok: false as const, kind: 'not_found' as const, reason: `there is no dispute ${input.disputeId}` };
    if (input.expectedVersion !== undefined && input.expectedVersion !== d.version) {
      const now = await findDispute(client, d.id);
      return { ok: false as const, kind: 'conflict' as const, reason: `someone settled dispute ${d.id} first; it is now ${d.status}`, ...(now ? { dispute: now } : {}) };
    }
    const decision = decideResolution({ role: input.actor.role, status: d.status, accept: input.accept, ...(input.note !== undefined ? { note: input.note } : {}) });
    if (!decision.ok) {
      if (decision.kind === 'forbidden' && d.status === 'open') {
        await audit(client, input.actor, 'qa.dispute.refused', `session:${d.session_id}`, { source: input.source, disputeId: d.id, reason: decision.reason });
      }
      return { ok: false as const, kind: d.status === 'open' ? decision.kind : ('conflict' as const), reason: decision.reason };
    }
    const before = (await findReview(client, d.review_id))!;
    let eventId: number | undefined;
    if (input.accept) {
      if (!input.answers) return { ok: false as const, kind: 'invalid' as const, reason: 'accepting a dispute needs the corrected answers', problems: [{ field: 'answers', problem: 'are needed to accept' }] };
      const card = await loadScorecard(client);
      const rootCauses = [...new Set(input.rootCauses ?? before.rootCauses)];
      const problems = answerProblems(card, input.answers, rootCauses);
      if (problems.length) return { ok: false as const, kind: 'invalid' as const, reason: problems.map((p) => `${p.field} ${p.problem}`).join('; '), problems };
      // the review stays its reviewer's; the lead's correction is recorded below
      await writeReview(client, { reviewId: before.id, sessionId: d.session_id, reviewerId: before.reviewer?.id ?? null }, card, {
        answers: input.answers, rootCauses, notes: before.notes, ...(input.at ? { at: input.at } : {}),
      });
    }
    await client.query(
      `UPDATE qa_disputes SET status = $2::"QaDisputeStatus", resolved_by_id = $3, resolution = $4, resolved_at = COALESCE($5::timestamptz, now()), version = version + 1 WHERE id = $1`,
      [d.id, input.accept ? 'accepted' : 'rejected', input.actor.userId ?? null, decision.text || null, input.at ?? null],
    );
    const review = (await findReview(client, d.review_id))!;
    if (input.accept) {
      // the session's QA trail: its state does not change, the notes say what did
      const notes = `Dispute ${d.id} accepted: QA score ${formatQaScore(before)} → ${formatQaScore(review)}${decision.text ? `. ${decision.text}` : ''}`;
      const ev = await client.query<{ id: number }>(
        `INSERT INTO qa_events (session_id, actor_id, from_status, to_status, notes, created_at)
         SELECT s.id, $2, s.qa_status, s.qa_status, $3, COALESCE($4::timestamptz, now()) FROM sessions s WHERE s.id = $1 RETURNING id`,
        [d.session_id, input.actor.userId ?? null, notes, input.at ?? null],
      );
      eventId = ev.rows[0]?.id;
    }
    await audit(client, input.actor, input.accept ? 'qa.dispute.accepted' : 'qa.dispute.rejected', `session:${d.session_id}`, {
      source: input.source, disputeId: d.id, reviewId: d.review_id, note: decision.text || null,
      ...(input.accept ? { before: { score: before.score, autofailed: before.autofailed, answers: before.answers.map((a) => [a.key, a.value]) }, after: { score: review.score, autofailed: review.autofailed, answers: review.answers.map((a) => [a.key, a.value]) }, eventId } : {}),
    });
    if (after) await after(client, { disputeId: d.id, status: input.accept ? 'accepted' : 'rejected' });
    return { ok: true as const, dispute: (await findDispute(client, d.id))!, review, ...(eventId !== undefined ? { eventId } : {}) };
  });
}
