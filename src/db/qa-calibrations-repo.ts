import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import { calibrationReport, MIN_SHEETS, type CalibrationReport } from '../domain/qa-calibration.ts';
import { RESOLVER_ROLES } from '../domain/qa-dispute.ts';
import { answerProblems, mayReview, REVIEW_ROLES, scoreReview, type AnswerProblem, type Answers } from '../domain/qa-scorecard.ts';
import { audit, inTransaction, loadScorecard } from './qa-scorecards-repo.ts';

// Calibrations (issue 20): a lead starts one on a session, reviewers each save a sheet (the
// scorecard's answers) while it is open, and nobody sees another's answers until a lead closes
// it: reads while open give the caller their own sheet and how many others scored, nothing more.
// Closing needs at least two sheets and reports agreement per category (domain/qa-calibration.ts).
// Starting and closing are audited; refusals by role too.

export interface CalibrationView {
  id: number;
  sessionId: number;
  status: 'open' | 'closed';
  /** how many reviewers have scored */
  sheets: number;
  /** the caller's own answers, if they scored */
  mine?: Answers;
  /** after closing: everyone's answers and the agreement */
  report?: CalibrationReport;
}

type Refusal<K extends string> = { ok: false; kind: K; reason: string; problems?: AnswerProblem[] };

const RESOLVERS = RESOLVER_ROLES;

export async function startCalibration(pool: pg.Pool, input: { sessionId: number; actor: Caller; source: string; at?: Date }): Promise<{ ok: true; id: number } | Refusal<'forbidden' | 'not_found'>> {
  if (!RESOLVERS.includes(input.actor.role)) {
    await audit(pool, input.actor, 'qa.calibration.refused', `session:${input.sessionId}`, { source: input.source });
    return { ok: false, kind: 'forbidden', reason: 'only team leads and admins start a calibration' };
  }
  return inTransaction(pool, async (client) => {
    const s = await client.query(`SELECT 1 FROM sessions WHERE id = $1 AND deleted_at IS NULL`, [input.sessionId]);
    if (s.rowCount === 0) return { ok: false as const, kind: 'not_found' as const, reason: `there is no session ${input.sessionId}` };
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO qa_calibrations (session_id, started_by_id, created_at) VALUES ($1, $2, COALESCE($3::timestamptz, now())) RETURNING id`,
      [input.sessionId, input.actor.userId ?? null, input.at ?? null],
    );
    await audit(client, input.actor, 'qa.calibration.started', `session:${input.sessionId}`, { source: input.source, calibrationId: rows[0]!.id });
    return { ok: true as const, id: rows[0]!.id };
  });
}

export async function submitCalibration(
  pool: pg.Pool,
  input: { calibrationId: number; actor: Caller; answers: Answers; source: string; at?: Date },
): Promise<{ ok: true; score: number | null; autofailed: boolean } | Refusal<'forbidden' | 'not_found' | 'closed' | 'invalid'>> {
  if (!mayReview(input.actor.role) || input.actor.userId === undefined) {
    return { ok: false, kind: 'forbidden', reason: `only ${REVIEW_ROLES.join(', ')} with a user can score a calibration` };
  }
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ status: string }>(`SELECT status::text FROM qa_calibrations WHERE id = $1 FOR SHARE`, [input.calibrationId]);
    if (!rows[0]) return { ok: false as const, kind: 'not_found' as const, reason: `there is no calibration ${input.calibrationId}` };
    if (rows[0].status !== 'open') return { ok: false as const, kind: 'closed' as const, reason: `calibration ${input.calibrationId} is closed` };
    const card = await loadScorecard(client);
    const problems = answerProblems(card, input.answers);
    if (problems.length) return { ok: false as const, kind: 'invalid' as const, reason: problems.map((p) => `${p.field} ${p.problem}`).join('; '), problems };
    const scored = scoreReview(card.categories, input.answers);
    await client.query(
      `INSERT INTO qa_calibration_sheets (calibration_id, reviewer_id, answers, score, autofailed, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()), COALESCE($6::timestamptz, now()))
       ON CONFLICT (calibration_id, reviewer_id) DO UPDATE SET answers = EXCLUDED.answers, score = EXCLUDED.score, autofailed = EXCLUDED.autofailed, updated_at = EXCLUDED.updated_at`,
      [input.calibrationId, input.actor.userId, JSON.stringify(input.answers), scored.score, scored.autofailed, input.at ?? null],
    );
    return { ok: true as const, score: scored.score, autofailed: scored.autofailed };
  });
}

/** What `viewer` may see of a calibration: while open only their own sheet and the count. */
export async function viewCalibration(db: pg.Pool | pg.ClientBase, id: number, viewer: Caller): Promise<CalibrationView | undefined> {
  const { rows } = await db.query<{ id: number; session_id: number; status: 'open' | 'closed' }>(`SELECT id, session_id, status::text AS status FROM qa_calibrations WHERE id = $1`, [id]);
  const c = rows[0];
  if (!c) return undefined;
  const sheets = await db.query<{ reviewer_id: number; name: string | null; answers: Answers }>(
    `SELECT s.reviewer_id, u.name, s.answers FROM qa_calibration_sheets s JOIN users u ON u.id = s.reviewer_id WHERE s.calibration_id = $1 ORDER BY s.created_at, s.reviewer_id`,
    [id],
  );
  const mine = sheets.rows.find((s) => s.reviewer_id === viewer.userId)?.answers;
  const view: CalibrationView = { id: c.id, sessionId: c.session_id, status: c.status, sheets: sheets.rowCount ?? 0, ...(mine ? { mine } : {}) };
  if (c.status === 'closed') {
    const card = await loadScorecard(db);
    const report = calibrationReport(card.categories, sheets.rows.map((s) => ({ reviewer: s.name ?? `user ${s.reviewer_id}`, answers: s.answers })));
    if (report) view.report = report;
  }
  return view;
}

/** Each sheet's alignment (domain/qa-calibration.ts), kept for the reviewerAlignment measure. */
export async function writeAlignment(client: pg.ClientBase, calibrationId: number): Promise<void> {
  const card = await loadScorecard(client);
  const { rows } = await client.query<{ reviewer_id: number; answers: Answers }>(
    `SELECT reviewer_id, answers FROM qa_calibration_sheets WHERE calibration_id = $1 ORDER BY created_at, reviewer_id`, [calibrationId]);
  const report = calibrationReport(card.categories, rows.map((r) => ({ reviewer: String(r.reviewer_id), answers: r.answers })));
  if (!report) return;
  await client.query(
    `UPDATE qa_calibration_sheets k SET alignment = x.alignment FROM unnest($2::int[], $3::float8[]) AS x(reviewer_id, alignment)
      WHERE k.calibration_id = $1 AND k.reviewer_id = x.reviewer_id`,
    [calibrationId, report.alignment.map((a) => Number(a.reviewer)), report.alignment.map((a) => a.alignment)],
  );
}

export async function closeCalibration(pool: pg.Pool, input: { id: number; actor: Caller; source: string; at?: Date }): Promise<{ ok: true; view: CalibrationView } | Refusal<'forbidden' | 'not_found' | 'closed' | 'too_few'>> {
  if (!RESOLVERS.includes(input.actor.role)) {
    await audit(pool, input.actor, 'qa.calibration.refused', `calibration:${input.id}`, { source: input.source });
    return { ok: false, kind: 'forbidden', reason: 'only team leads and admins close a calibration' };
  }
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ status: string; session_id: number; n: number }>(
      `SELECT c.status::text, c.session_id, (SELECT count(*)::int FROM qa_calibration_sheets s WHERE s.calibration_id = c.id) AS n
         FROM qa_calibrations c WHERE c.id = $1 FOR UPDATE OF c`,
      [input.id],
    );
    const c = rows[0];
    if (!c) return { ok: false as const, kind: 'not_found' as const, reason: `there is no calibration ${input.id}` };
    if (c.status !== 'open') return { ok: false as const, kind: 'closed' as const, reason: `calibration ${input.id} is closed already` };
    if (c.n < MIN_SHEETS) return { ok: false as const, kind: 'too_few' as const, reason: `calibration ${input.id} has ${c.n} sheet${c.n === 1 ? '' : 's'}; agreement needs at least ${MIN_SHEETS}` };
    await client.query(`UPDATE qa_calibrations SET status = 'closed', closed_at = COALESCE($2::timestamptz, now()) WHERE id = $1`, [input.id, input.at ?? null]);
    await writeAlignment(client, input.id);
    const view = (await viewCalibration(client, input.id, input.actor))!;
    await audit(client, input.actor, 'qa.calibration.closed', `session:${c.session_id}`, { source: input.source, calibrationId: input.id, agreement: view.report?.agreement ?? null });
    return { ok: true as const, view };
  });
}
