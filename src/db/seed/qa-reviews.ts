import type pg from 'pg';
import { scoreReview, type Answers } from '../../domain/qa-scorecard.ts';
import { writeAlignment } from '../qa-calibrations-repo.ts';
import { loadScorecard } from '../qa-scorecards-repo.ts';
import { usersWithRole } from './catalog.ts';

// Demo scorecard reviews (issue 20): each session the demo reviewers passed or flagged gets the
// scorecard of the reviewer who made that first verdict, dated with it, so the QA score measures
// have data to answer with. Answers are a deterministic function of the seed and the session:
// flagged sessions score lower and carry a root cause; some answers are N/A and some flagged
// sessions fail an autofail category. The score is computed by the product's own rule.

/** A small deterministic hash → [0, 1). */
function unit(seed: number, a: number, b: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${a}:${b}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

/** One calibration per CALIBRATE_EVERY reviewed sessions, scored by the demo QA reviewers. */
const CALIBRATE_EVERY = 15;

/** Inserts the demo reviews (and a few closed calibrations); returns how many reviews. Runs in the seed's closing transaction. */
export async function seedQaReviews(client: pg.ClientBase, seed: number, now: Date): Promise<number> {
  const card = await loadScorecard(client);
  if (card.categories.length === 0) return 0;
  const { rows } = await client.query<{ session_id: number; actor_id: number; to_status: string; created_at: Date }>(
    `SELECT DISTINCT ON (e.session_id) e.session_id, e.actor_id, e.to_status::text AS to_status, e.created_at
       FROM qa_events e WHERE e.to_status IN ('passed', 'issue') AND e.actor_id IS NOT NULL
      ORDER BY e.session_id, e.created_at, e.id`,
  );
  const causes = card.rootCauses.map((r) => r.key);
  const reviews: { sessionId: number; reviewerId: number; at: Date; score: number | null; autofailed: boolean; rootCauses: string[]; answers: Answers; categoryScores: Record<string, number | null> }[] = [];
  for (const r of rows) {
    const flagged = r.to_status === 'issue';
    const answers: Answers = {};
    for (const c of card.categories) {
      const u = unit(seed, r.session_id, c.key);
      if (c.allowNa && u < 0.12) answers[c.key] = null;
      else if (c.autofail) answers[c.key] = flagged && u > 0.8 ? 0 : c.scaleMax;
      else {
        // passed sessions mostly at the top of the scale, flagged ones spread lower
        const top = flagged ? 0.35 + 0.65 * u : 0.6 + 0.4 * u;
        answers[c.key] = Math.min(c.scaleMax, Math.round(top * c.scaleMax));
      }
    }
    const scored = scoreReview(card.categories, answers);
    const cause = causes.length && flagged ? [causes[Math.floor(unit(seed, r.session_id, 'cause') * causes.length)]!] : [];
    reviews.push({ sessionId: r.session_id, reviewerId: r.actor_id, at: r.created_at, ...scored, rootCauses: cause, answers });
  }
  if (reviews.length === 0) return 0;
  const inserted = await client.query<{ id: number; session_id: number }>(
    `INSERT INTO qa_reviews (session_id, reviewer_id, score, autofailed, root_causes, created_at, updated_at)
     SELECT x.session_id, x.reviewer_id, x.score, x.autofailed, string_to_array(nullif(x.causes, ''), ','), x.at, x.at
       FROM unnest($1::int[], $2::int[], $3::float8[], $4::bool[], $5::text[], $6::timestamptz[]) AS x(session_id, reviewer_id, score, autofailed, causes, at)
     RETURNING id, session_id`,
    [
      reviews.map((r) => r.sessionId), reviews.map((r) => r.reviewerId), reviews.map((r) => r.score), reviews.map((r) => r.autofailed),
      reviews.map((r) => r.rootCauses.join(',')), reviews.map((r) => r.at),
    ],
  );
  const idOf = new Map(inserted.rows.map((x) => [x.session_id, x.id]));
  const answerRows = reviews.flatMap((r) => card.categories.map((c) => ({ reviewId: idOf.get(r.sessionId)!, categoryId: c.id, value: r.answers[c.key] ?? null, score: r.categoryScores[c.key] ?? null })));
  await client.query(
    `INSERT INTO qa_review_answers (review_id, category_id, value, score)
     SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::float8[])`,
    [answerRows.map((a) => a.reviewId), answerRows.map((a) => a.categoryId), answerRows.map((a) => a.value), answerRows.map((a) => a.score)],
  );
  await seedCalibrations(client, seed, now, card, reviews.filter((_, i) => i % CALIBRATE_EVERY === 0));
  return reviews.length;
}

/**
 * Closed calibrations of some reviewed sessions: each demo QA reviewer's sheet is the review's
 * answers with a point off here and there (deterministic), closed an hour after the review.
 */
async function seedCalibrations(
  client: pg.ClientBase, seed: number, now: Date, card: Awaited<ReturnType<typeof loadScorecard>>,
  picked: readonly { sessionId: number; at: Date; answers: Answers }[],
): Promise<void> {
  const { rows: reviewers } = await client.query<{ id: number }>(`SELECT id FROM users WHERE platform = 'slack' AND external_id = ANY($1) ORDER BY id`, [usersWithRole('qa')]);
  if (reviewers.length < 2) return;
  for (const p of picked) {
    const closed = new Date(Math.min(p.at.getTime() + 3_600_000, now.getTime()));
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO qa_calibrations (session_id, status, created_at, closed_at) VALUES ($1, 'closed', $2, $3) RETURNING id`, [p.sessionId, p.at, closed]);
    const id = rows[0]!.id;
    for (const r of reviewers) {
      const answers: Answers = {};
      for (const c of card.categories) {
        const v = p.answers[c.key] ?? null;
        const u = unit(seed, p.sessionId * 31 + r.id, c.key);
        answers[c.key] = v === null || c.autofail || u > 0.3 ? v : Math.max(0, v - 1);
      }
      const scored = scoreReview(card.categories, answers);
      await client.query(
        `INSERT INTO qa_calibration_sheets (calibration_id, reviewer_id, answers, score, autofailed, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
        [id, r.id, JSON.stringify(answers), scored.score, scored.autofailed, p.at],
      );
    }
    await writeAlignment(client, id);
  }
}
