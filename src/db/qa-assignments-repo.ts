import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import {
  assignReviewers, lastCompletePeriod, sampleSessions, SAMPLING_PERIODS, type Candidate, type SamplingPeriod, type SamplingRule, type SamplingWindow,
} from '../domain/qa-sampling.ts';
import { riskCte } from './qa-review-repo.ts';
import { audit, inTransaction } from './qa-scorecards-repo.ts';

// QA assignments (issue 20, point 3): the sampling rules leads keep, the sampling run that turns
// a rule and a period into assignments, a reviewer's queue and the team's workload. The rules of
// what is sampled and who gets it are domain/qa-sampling.ts's; this file reads and writes.
//
// A run is idempotent per rule and period: it inserts the qa_sampling_runs row first, in the same
// transaction as the assignments, so a second run (another instance, a retry, a catch-up tick)
// finds the row and does nothing. The assignments' unique (rule, period, session) backs it up.

type Db = pg.Pool | pg.ClientBase;
/** what a Prisma transaction (db/client.ts txSql) or a pg client offers */
type Sql = { query<R = unknown>(text: string, values?: unknown[]): Promise<{ rows: R[] }> };

export interface StoredRule {
  id: number;
  rule: SamplingRule;
  createdAt: Date;
  /** assignments of this rule not done yet */
  open: number;
}

interface RuleRow { id: number; kind: string; count: number | null; min_risk: number | null; percent: number | null; period: string; due_days: number; created_at: Date; open?: number }

function toRule(r: RuleRow): SamplingRule | undefined {
  const period = (SAMPLING_PERIODS as readonly string[]).includes(r.period) ? (r.period as SamplingPeriod) : undefined;
  if (!period) return undefined;
  const base = { period, dueDays: r.due_days };
  if (r.kind === 'per_agent' && r.count !== null) return { kind: 'per_agent', count: r.count, ...base };
  if (r.kind === 'risky_bot' && r.min_risk !== null) return { kind: 'risky_bot', minRisk: r.min_risk, ...base };
  if (r.kind === 'bot_share' && r.percent !== null) return { kind: 'bot_share', percent: r.percent, ...base };
  return undefined;
}

export async function addRule(pool: pg.Pool, rule: SamplingRule, actor: Caller, source: string): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO qa_sampling_rules (kind, count, min_risk, percent, period, due_days) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [rule.kind, rule.kind === 'per_agent' ? rule.count : null, rule.kind === 'risky_bot' ? rule.minRisk : null, rule.kind === 'bot_share' ? rule.percent : null, rule.period, rule.dueDays],
    );
    const id = rows[0]!.id;
    await audit(client, actor, 'qa.rule.added', `qa_rule:${id}`, { source, rule });
    return id;
  });
}

/** The active rules, oldest first, each with its open assignments. */
export async function listRules(db: Db): Promise<StoredRule[]> {
  const { rows } = await db.query<RuleRow & { open: number }>(
    `SELECT r.id, r.kind, r.count, r.min_risk, r.percent, r.period, r.due_days, r.created_at,
            (SELECT count(*)::int FROM qa_assignments a JOIN sessions s ON s.id = a.session_id
              WHERE a.rule_id = r.id AND a.done_at IS NULL AND s.deleted_at IS NULL) AS open
       FROM qa_sampling_rules r WHERE r.active ORDER BY r.id`,
  );
  return rows.flatMap((r) => {
    const rule = toRule(r);
    return rule ? [{ id: r.id, rule, createdAt: r.created_at, open: r.open }] : [];
  });
}

/** Retires a rule (its assignments stay); false when there is no such active rule. */
export async function removeRule(pool: pg.Pool, id: number, actor: Caller, source: string, at?: Date): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<RuleRow>(
      `UPDATE qa_sampling_rules SET active = false, removed_at = COALESCE($2::timestamptz, now()) WHERE id = $1 AND active
       RETURNING id, kind, count, min_risk, percent, period, due_days, created_at`,
      [id, at ?? null],
    );
    if (!rows[0]) return false;
    await audit(client, actor, 'qa.rule.removed', `qa_rule:${id}`, { source, rule: toRule(rows[0]) ?? null });
    return true;
  });
}

export interface SampleOutcome {
  ruleId: number;
  from: string;
  to: string;
  /** 'done': assignments made now; 'already': this period was sampled before; 'no_reviewers': nothing recorded, tried again next run */
  status: 'done' | 'already' | 'no_reviewers';
  assigned: number;
}

/** Sessions of [start, end) not reviewed, not in QA yet and not assigned, with their risk score. */
async function candidates(client: pg.ClientBase, w: SamplingWindow, tz: string): Promise<Candidate[]> {
  const filter = `s.started_at >= $1 AND s.started_at < $2 AND s.deleted_at IS NULL AND s.qa_status = 'unchecked'
    AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id)
    AND NOT EXISTS (SELECT 1 FROM qa_assignments a WHERE a.session_id = s.id)`;
  const { rows } = await client.query<{ id: number; bot: boolean; agent: string | null; risk: number }>(
    `WITH ${riskCte(filter, '$3')}
     SELECT k.id, s.ai_engaged AS bot, s.first_human_agent AS agent, k.risk FROM ranked k JOIN sessions s ON s.id = k.id ORDER BY k.id`,
    [w.start, w.end, tz],
  );
  return rows.map((r) => ({ sessionId: r.id, bot: r.bot, agent: r.agent, risk: r.risk }));
}

/** The QA reviewers (role qa) with their assignments not done yet. */
async function reviewerLoads(client: pg.ClientBase): Promise<{ userId: number; open: number }[]> {
  const { rows } = await client.query<{ id: number; open: number }>(
    `SELECT u.id, (SELECT count(*)::int FROM qa_assignments a JOIN sessions s ON s.id = a.session_id
                    WHERE a.reviewer_id = u.id AND a.done_at IS NULL AND s.deleted_at IS NULL) AS open
       FROM users u WHERE u.role = 'qa' ORDER BY u.id`,
  );
  return rows.map((r) => ({ userId: r.id, open: r.open }));
}

/** Samples one rule's period once: the run row, then the assignments, in one transaction. */
export async function samplePeriod(pool: pg.Pool, input: { ruleId: number; rule: SamplingRule; window: SamplingWindow; tz: string; at: Date }): Promise<SampleOutcome> {
  const { ruleId, rule, window: w } = input;
  const base = { ruleId, from: w.from, to: w.to };
  return inTransaction(pool, async (client) => {
    const claimed = await client.query(`INSERT INTO qa_sampling_runs (rule_id, period_from, sampled, created_at) VALUES ($1, $2::date, 0, $3) ON CONFLICT DO NOTHING`, [ruleId, w.from, input.at]);
    if (claimed.rowCount !== 1) return { ...base, status: 'already' as const, assigned: 0 };
    const reviewers = await reviewerLoads(client);
    if (reviewers.length === 0) {
      // nobody to assign to: leave the period unsampled so the next run (with a reviewer) does it
      await client.query(`DELETE FROM qa_sampling_runs WHERE rule_id = $1 AND period_from = $2::date`, [ruleId, w.from]);
      return { ...base, status: 'no_reviewers' as const, assigned: 0 };
    }
    const picked = sampleSessions(rule, { ruleId, from: w.from }, await candidates(client, w, input.tz));
    const pairs = assignReviewers(picked, reviewers);
    const ins = await client.query(
      `INSERT INTO qa_assignments (rule_id, period_from, session_id, reviewer_id, assigned_at, due_at)
       SELECT $1, $2::date, x.session_id, x.reviewer_id, $5, $6 FROM unnest($3::int[], $4::int[]) AS x(session_id, reviewer_id)
       ON CONFLICT (rule_id, period_from, session_id) DO NOTHING`,
      [ruleId, w.from, pairs.map((p) => p.sessionId), pairs.map((p) => p.reviewerId), input.at, w.dueAt],
    );
    const assigned = ins.rowCount ?? 0;
    await client.query(`UPDATE qa_sampling_runs SET sampled = $3 WHERE rule_id = $1 AND period_from = $2::date`, [ruleId, w.from, assigned]);
    return { ...base, status: 'done' as const, assigned };
  });
}

/** Every active rule's last complete period at `at`, sampled unless it was already. */
export async function runSampling(pool: pg.Pool, at: Date, tz: string): Promise<SampleOutcome[]> {
  const out: SampleOutcome[] = [];
  for (const r of await listRules(pool)) {
    out.push(await samplePeriod(pool, { ruleId: r.id, rule: r.rule, window: lastCompletePeriod(r.rule, at, tz), tz, at }));
  }
  return out;
}

/**
 * Completes the reviewer's open assignments of the session: called in the transaction of a
 * scorecard review (db/qa-scorecards-repo.ts writeReview) and of a QA verdict (db/qa-repo.ts).
 */
export async function completeAssignments(sql: Sql, sessionId: number, reviewerId: number | null, at?: Date): Promise<void> {
  if (reviewerId === null) return;
  await sql.query(`UPDATE qa_assignments SET done_at = COALESCE($3::timestamptz, now()) WHERE session_id = $1 AND reviewer_id = $2 AND done_at IS NULL`, [
    sessionId, reviewerId, at ?? null,
  ]);
}

export interface MyAssignment {
  sessionId: number;
  ruleId: number;
  dueAt: Date;
  assignedAt: Date;
}

/** A reviewer's open assignments, soonest due first. */
export async function myAssignments(db: Db, reviewerId: number, limit: number): Promise<{ total: number; items: MyAssignment[] }> {
  const { rows } = await db.query<{ session_id: number; rule_id: number; due_at: Date; assigned_at: Date; total: number }>(
    `SELECT a.session_id, a.rule_id, a.due_at, a.assigned_at, count(*) OVER ()::int AS total
       FROM qa_assignments a JOIN sessions s ON s.id = a.session_id
      WHERE a.reviewer_id = $1 AND a.done_at IS NULL AND s.deleted_at IS NULL
      ORDER BY a.due_at, a.session_id LIMIT $2`,
    [reviewerId, limit],
  );
  return { total: rows[0]?.total ?? 0, items: rows.map((r) => ({ sessionId: r.session_id, ruleId: r.rule_id, dueAt: r.due_at, assignedAt: r.assigned_at })) };
}

export interface ReviewerWorkload {
  userId: number;
  name: string | null;
  slackId?: string;
  /** assignments made in the window, or still open from before it */
  assigned: number;
  /** of those, done */
  done: number;
  /** open and past due at `now` */
  overdue: number;
  /** the oldest due time among the overdue ones */
  oldestDue: Date | null;
}

/** Per QA reviewer (and anyone else holding assignments): assigned since `since` or still open, done, overdue at `now`. */
export async function workload(db: Db, since: Date, now: Date): Promise<ReviewerWorkload[]> {
  const { rows } = await db.query<{ id: number; name: string | null; platform: string; external_id: string; assigned: number; done: number; overdue: number; oldest_due: Date | null }>(
    `SELECT u.id, u.name, u.platform, u.external_id,
            count(a.id)::int AS assigned,
            count(a.id) FILTER (WHERE a.done_at IS NOT NULL)::int AS done,
            count(a.id) FILTER (WHERE a.done_at IS NULL AND a.due_at <= $2)::int AS overdue,
            min(a.due_at) FILTER (WHERE a.done_at IS NULL AND a.due_at <= $2) AS oldest_due
       FROM users u
       LEFT JOIN (qa_assignments a JOIN sessions s ON s.id = a.session_id AND s.deleted_at IS NULL)
              ON a.reviewer_id = u.id AND (a.assigned_at >= $1 OR a.done_at IS NULL)
      WHERE u.role = 'qa' OR a.id IS NOT NULL
      GROUP BY u.id ORDER BY overdue DESC, assigned DESC, u.id`,
    [since, now],
  );
  return rows.map((r) => ({
    userId: r.id, name: r.name, ...(r.platform === 'slack' ? { slackId: r.external_id } : {}),
    assigned: r.assigned, done: r.done, overdue: r.overdue, oldestDue: r.oldest_due,
  }));
}
