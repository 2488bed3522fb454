import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import {
  answerProblems, mayReview, scoreReview, scorecardProblems, REVIEW_ROLES, type AnswerProblem, type Answers, type Scorecard, type ScorecardCategory,
} from '../domain/qa-scorecard.ts';
import { completeAssignments } from './qa-assignments-repo.ts';

// Scorecards and scorecard reviews (issue 20): the configured categories and root causes, and a
// reviewer's answers for a session with the QA score computed by domain/qa-scorecard.ts, written
// in one transaction with its audit entry. One review per session and reviewer: scoring again
// replaces the answers. Like QA changes (qa-repo.ts), a review carries a version, so a change
// made from a stale view (a modal opened before someone else's change) is a conflict, not an
// overwrite; refusals by role are written to the audit log.

export interface ReviewAnswer {
  key: string;
  label: string;
  /** points, or null for N/A */
  value: number | null;
  scaleMax: number;
  /** 0–100, null for N/A */
  score: number | null;
}

export interface QaReviewDto {
  id: number;
  sessionId: number;
  reviewer: { id: number; name: string | null; slackId?: string } | null;
  score: number | null;
  autofailed: boolean;
  rootCauses: string[];
  notes: string | null;
  version: number;
  answers: ReviewAnswer[];
  createdAt: Date;
  updatedAt: Date;
}

export interface SaveReviewInput {
  sessionId: number;
  actor: Caller;
  answers: Answers;
  rootCauses?: string[];
  notes?: string;
  /** the review's version the actor saw; null: the actor saw no review (a new one); undefined: no check */
  expectedVersion?: number | null;
  /** 'slack', 'api', … for the audit trail */
  source: string;
  /** the caller's clock (the injected one); default the database's now() */
  at?: Date;
}

export type SaveReviewResult =
  /** changed: false when the review held these answers, root causes and notes already (a retry): nothing written */
  | { ok: true; created: boolean; changed: boolean; review: QaReviewDto }
  | { ok: false; kind: 'not_found' | 'forbidden' | 'invalid' | 'conflict'; reason: string; problems?: AnswerProblem[]; review?: QaReviewDto };

export const REVIEW_NOTES_MAX = 4000;

type Db = pg.Pool | pg.ClientBase;

/** The scorecard as stored: each category with its row id. */
export type StoredCategory = ScorecardCategory & { id: number };
export interface StoredScorecard extends Scorecard {
  categories: StoredCategory[];
}

interface CategoryRow {
  id: number;
  key: string;
  label: string;
  description: string | null;
  weight: number;
  scale_max: number;
  allow_na: boolean;
  autofail: boolean;
}

const toCategory = (r: CategoryRow): StoredCategory => ({
  id: r.id, key: r.key, label: r.label, description: r.description, weight: r.weight, scaleMax: r.scale_max, allowNa: r.allow_na, autofail: r.autofail,
});

/** The active scorecard: categories and root causes in their order. */
export async function loadScorecard(db: Db): Promise<StoredScorecard> {
  const [cats, causes] = await Promise.all([
    db.query<CategoryRow>(`SELECT id, key, label, description, weight, scale_max, allow_na, autofail FROM qa_categories WHERE active ORDER BY position, id`),
    db.query<{ key: string; label: string }>(`SELECT key, label FROM qa_root_causes WHERE active ORDER BY position, id`),
  ]);
  return { categories: cats.rows.map(toCategory), rootCauses: causes.rows };
}

export type SetScorecardResult = { ok: true; scorecard: Scorecard } | { ok: false; kind: 'forbidden' | 'invalid'; reason: string; problems?: AnswerProblem[] };

/**
 * Replaces the active scorecard (admins): the categories and root causes listed are created or
 * updated by key, in the order given; the others become inactive (kept for old reviews).
 */
export async function setScorecard(pool: pg.Pool, card: Scorecard, actor: Caller, source: string): Promise<SetScorecardResult> {
  if (actor.role !== 'admin') {
    await audit(pool, actor, 'qa.scorecard.refused', 'qa:scorecard', { source });
    return { ok: false, kind: 'forbidden', reason: 'only admins can change the scorecard' };
  }
  const problems = scorecardProblems(card);
  if (problems.length) return { ok: false, kind: 'invalid', reason: problems.map((p) => `${p.field} ${p.problem}`).join('; '), problems };
  return inTransaction(pool, async (client) => {
    // two saves take turns (the lock conflicts with itself, not with reads or reviews), so the
    // second compares against what the first wrote: the same scorecard again is not audited again
    await client.query('LOCK TABLE qa_categories IN SHARE ROW EXCLUSIVE MODE');
    const before = JSON.stringify(await loadScorecard(client));
    await client.query(`UPDATE qa_categories SET active = false, updated_at = now() WHERE active AND NOT (key = ANY($1::text[]))`, [card.categories.map((c) => c.key)]);
    for (const [i, c] of card.categories.entries()) {
      await client.query(
        `INSERT INTO qa_categories (key, label, description, weight, scale_max, allow_na, autofail, position, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true)
         ON CONFLICT (key) DO UPDATE SET label = EXCLUDED.label, description = EXCLUDED.description, weight = EXCLUDED.weight,
           scale_max = EXCLUDED.scale_max, allow_na = EXCLUDED.allow_na, autofail = EXCLUDED.autofail, position = EXCLUDED.position,
           active = true, updated_at = now()`,
        [c.key, c.label.trim(), c.description ?? null, c.weight, c.scaleMax, c.allowNa, c.autofail, i + 1],
      );
    }
    await client.query(`UPDATE qa_root_causes SET active = false WHERE active AND NOT (key = ANY($1::text[]))`, [card.rootCauses.map((r) => r.key)]);
    for (const [i, r] of card.rootCauses.entries()) {
      await client.query(
        `INSERT INTO qa_root_causes (key, label, position, active) VALUES ($1, $2, $3, true)
         ON CONFLICT (key) DO UPDATE SET label = EXCLUDED.label, position = EXCLUDED.position, active = true`,
        [r.key, r.label.trim(), i + 1],
      );
    }
    const after = await loadScorecard(client);
    if (JSON.stringify(after) !== before) {
      await audit(client, actor, 'qa.scorecard.set', 'qa:scorecard', { source, categories: card.categories, rootCauses: card.rootCauses.map((r) => r.key) });
    }
    return { ok: true as const, scorecard: after };
  });
}

interface ReviewRow {
  id: number;
  session_id: number;
  reviewer_id: number | null;
  reviewer_name: string | null;
  reviewer_platform: string | null;
  reviewer_external: string | null;
  score: number | null;
  autofailed: boolean;
  root_causes: string[] | null;
  notes: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  answers: { key: string; label: string; value: number | null; scale_max: number; score: number | null }[] | null;
}

const REVIEW_SELECT = `
  SELECT r.id, r.session_id, r.reviewer_id, u.name AS reviewer_name, u.platform AS reviewer_platform, u.external_id AS reviewer_external,
         r.score, r.autofailed, r.root_causes, r.notes, r.version, r.created_at, r.updated_at,
         (SELECT json_agg(json_build_object('key', c.key, 'label', c.label, 'value', a.value, 'scale_max', c.scale_max, 'score', a.score)
                          ORDER BY c.position, c.id)
            FROM qa_review_answers a JOIN qa_categories c ON c.id = a.category_id WHERE a.review_id = r.id) AS answers
    FROM qa_reviews r LEFT JOIN users u ON u.id = r.reviewer_id`;

const toReview = (r: ReviewRow): QaReviewDto => ({
  id: r.id,
  sessionId: r.session_id,
  reviewer:
    r.reviewer_id === null
      ? null
      : { id: r.reviewer_id, name: r.reviewer_name, ...(r.reviewer_platform === 'slack' && r.reviewer_external ? { slackId: r.reviewer_external } : {}) },
  score: r.score,
  autofailed: r.autofailed,
  rootCauses: r.root_causes ?? [],
  notes: r.notes,
  version: r.version,
  answers: (r.answers ?? []).map((a) => ({ key: a.key, label: a.label, value: a.value, scaleMax: a.scale_max, score: a.score })),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function findReview(db: Db, id: number): Promise<QaReviewDto | undefined> {
  const { rows } = await db.query<ReviewRow>(`${REVIEW_SELECT} WHERE r.id = $1`, [id]);
  return rows[0] ? toReview(rows[0]) : undefined;
}

/** The review of a session by a reviewer (users.id), if there is one. */
export async function findReviewBy(db: Db, sessionId: number, reviewerId: number): Promise<QaReviewDto | undefined> {
  const { rows } = await db.query<ReviewRow>(`${REVIEW_SELECT} WHERE r.session_id = $1 AND r.reviewer_id = $2`, [sessionId, reviewerId]);
  return rows[0] ? toReview(rows[0]) : undefined;
}

/** The scorecard reviews of a session, oldest first. */
export async function sessionReviews(db: Db, sessionId: number): Promise<QaReviewDto[]> {
  const { rows } = await db.query<ReviewRow>(`${REVIEW_SELECT} WHERE r.session_id = $1 ORDER BY r.created_at, r.id`, [sessionId]);
  return rows.map(toReview);
}

/**
 * Writes the answers of a review (new or existing) and its computed score; answers are replaced
 * as a whole. Runs in the caller's transaction (a save, or an accepted dispute).
 */
export async function writeReview(
  client: pg.ClientBase,
  target: { reviewId?: number; sessionId: number; reviewerId: number | null },
  card: StoredScorecard,
  input: { answers: Answers; rootCauses: string[]; notes: string | null; at?: Date },
): Promise<number> {
  const scored = scoreReview(card.categories, input.answers);
  let id = target.reviewId;
  if (id === undefined) {
    const ins = await client.query<{ id: number }>(
      `INSERT INTO qa_reviews (session_id, reviewer_id, score, autofailed, root_causes, notes, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::timestamptz, now()), COALESCE($7::timestamptz, now())) RETURNING id`,
      [target.sessionId, target.reviewerId, scored.score, scored.autofailed, input.rootCauses, input.notes, input.at ?? null],
    );
    id = ins.rows[0]!.id;
  } else {
    await client.query(
      `UPDATE qa_reviews SET score = $2, autofailed = $3, root_causes = $4, notes = $5, version = version + 1, updated_at = COALESCE($6::timestamptz, now())
        WHERE id = $1`,
      [id, scored.score, scored.autofailed, input.rootCauses, input.notes, input.at ?? null],
    );
    await client.query(`DELETE FROM qa_review_answers WHERE review_id = $1`, [id]);
  }
  const cats = card.categories;
  await client.query(
    `INSERT INTO qa_review_answers (review_id, category_id, value, score)
     SELECT $1, x.category_id, x.value, x.score FROM unnest($2::int[], $3::int[], $4::float8[]) AS x(category_id, value, score)`,
    [id, cats.map((c) => c.id), cats.map((c) => input.answers[c.key] ?? null), cats.map((c) => scored.categoryScores[c.key] ?? null)],
  );
  // the reviewer's assignment of this session (if any) is done with the review
  await completeAssignments(client, target.sessionId, target.reviewerId, input.at);
  return id;
}

/** Saves a reviewer's scorecard of a session: checked, scored, written and audited in one transaction. */
export async function saveReview(pool: pg.Pool, input: SaveReviewInput): Promise<SaveReviewResult> {
  if (!mayReview(input.actor.role) || input.actor.userId === undefined) {
    const reason = mayReview(input.actor.role)
      ? 'a scorecard review belongs to a known user; this caller has none'
      : `only ${REVIEW_ROLES.join(', ')} can score a session`;
    await audit(pool, input.actor, 'qa.review.refused', `session:${input.sessionId}`, { source: input.source, reason });
    return { ok: false, kind: 'forbidden', reason };
  }
  const reviewerId = input.actor.userId;
  const notes = input.notes?.trim() ? input.notes.trim() : null;
  if (notes && notes.length > REVIEW_NOTES_MAX) {
    return { ok: false, kind: 'invalid', reason: `notes are too long (${notes.length} characters; at most ${REVIEW_NOTES_MAX})`, problems: [{ field: 'notes', problem: `at most ${REVIEW_NOTES_MAX} characters` }] };
  }
  return inTransaction(pool, async (client) => {
    const session = await client.query<{ id: number }>(`SELECT id FROM sessions WHERE id = $1 AND deleted_at IS NULL FOR SHARE`, [input.sessionId]);
    if (session.rowCount === 0) return { ok: false as const, kind: 'not_found' as const, reason: `there is no session ${input.sessionId}` };
    const card = await loadScorecard(client);
    const rootCauses = [...new Set(input.rootCauses ?? [])];
    const problems = answerProblems(card, input.answers, rootCauses);
    if (problems.length) return { ok: false as const, kind: 'invalid' as const, reason: problems.map((p) => `${p.field} ${p.problem}`).join('; '), problems };
    // the row lock makes two saves of one reviewer's review take turns, so the version check holds
    const existing = await client.query<{ id: number; version: number }>(
      `SELECT id, version FROM qa_reviews WHERE session_id = $1 AND reviewer_id = $2 FOR UPDATE`,
      [input.sessionId, reviewerId],
    );
    const before = existing.rows[0];
    const seen = input.expectedVersion;
    if (seen !== undefined && (before ? before.version !== seen : seen !== null)) {
      const now = before ? await findReview(client, before.id) : undefined;
      return {
        ok: false as const, kind: 'conflict' as const,
        reason: `your review of session ${input.sessionId} was changed since you opened it (a dispute or another window); look at it again before saving`,
        ...(now ? { review: now } : {}),
      };
    }
    if (before) {
      // the same save again (a retry, a second click): the review as it is, no new version, no audit row
      const current = await findReview(client, before.id);
      if (current && sameReview(current, card, input.answers, rootCauses, notes)) return { ok: true as const, created: false, changed: false, review: current };
    }
    const id = await writeReview(client, { ...(before ? { reviewId: before.id } : {}), sessionId: input.sessionId, reviewerId }, card, {
      answers: input.answers, rootCauses, notes, ...(input.at ? { at: input.at } : {}),
    });
    const review = (await findReview(client, id))!;
    await audit(client, input.actor, before ? 'qa.review.updated' : 'qa.review.created', `session:${input.sessionId}`, {
      source: input.source, reviewId: id, score: review.score, autofailed: review.autofailed, version: review.version,
    });
    return { ok: true as const, created: !before, changed: true, review };
  });
}

/** Whether writing these answers to the review would leave it as it is (same answers, scores, root causes and notes). */
function sameReview(r: QaReviewDto, card: StoredScorecard, answers: Answers, rootCauses: readonly string[], notes: string | null): boolean {
  const scored = scoreReview(card.categories, answers);
  if (r.score !== scored.score || r.autofailed !== scored.autofailed || r.notes !== notes) return false;
  if (r.rootCauses.length !== rootCauses.length || r.rootCauses.some((c, i) => c !== rootCauses[i])) return false;
  if (r.answers.length !== card.categories.length) return false;
  return card.categories.every((c) => {
    const a = r.answers.find((x) => x.key === c.key);
    return a !== undefined && a.value === (answers[c.key] ?? null) && a.score === (scored.categoryScores[c.key] ?? null);
  });
}

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export async function audit(db: Db, actor: Caller, action: string, target: string, details: Record<string, unknown>): Promise<void> {
  await db.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES ($1, $2, $3, $4)`, [
    actor.userId ?? null,
    action,
    target,
    JSON.stringify({ ...details, actor: actor.name ?? null, role: actor.role }),
  ]);
}
