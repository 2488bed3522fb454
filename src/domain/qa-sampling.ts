import { dayOf } from './days.ts';
import { periodBounds } from './period-bounds.ts';
import { periodBetween } from './period-build.ts';
import { addDays } from './period-words.ts';

// QA assignments (issue 20, point 3): sampling rules say which sessions of a period get reviewed,
// and the sampled sessions are shared out among the QA reviewers. Pure: the rule as data, its
// text as a lead types it, the period a run samples, which candidates it picks and who gets each.
// src/db/qa-assignments-repo.ts reads the candidates and writes the assignments; the scheduler's
// qa-sampling task (src/jobs/qa/tasks.ts) runs it once per rule and period.

export const SAMPLING_PERIODS = ['day', 'week'] as const;
export type SamplingPeriod = (typeof SAMPLING_PERIODS)[number];

export type SamplingRule =
  /** N sessions per human agent (the first human who replied in the session) per period */
  | { kind: 'per_agent'; count: number; period: SamplingPeriod; dueDays: number }
  /** every bot session of the period whose risk score (domain/qa-risk.ts) is at least minRisk */
  | { kind: 'risky_bot'; minRisk: number; period: SamplingPeriod; dueDays: number }
  /** a share of the period's bot sessions, rounded up */
  | { kind: 'bot_share'; percent: number; period: SamplingPeriod; dueDays: number };

export type SamplingKind = SamplingRule['kind'];

/** Days after the period's end a review is due when the rule does not say. */
export const DEFAULT_DUE_DAYS = 3;
export const COUNT_MAX = 50;
export const DUE_DAYS_MAX = 30;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "5 sessions per human agent per week, due 3 days after the week" */
export function describeRule(r: SamplingRule): string {
  const what =
    r.kind === 'per_agent'
      ? `${plural(r.count, 'session')} per human agent`
      : r.kind === 'risky_bot'
        ? `every bot session with risk ${r.minRisk} or more`
        : `${r.percent}% of bot sessions`;
  return `${what} per ${r.period}, due ${plural(r.dueDays, 'day')} after the ${r.period}`;
}

export type ParsedRule = { ok: true; rule: SamplingRule } | { ok: false; problem: string };

export const RULE_EXAMPLES = ['`5 per agent per week`', '`risky bot 6 per day`', '`10% bot per week due 2`'];

/**
 * A rule as a lead types it after `/qa rules add`: `<n> per agent`, `risky [bot] <r>`,
 * `<p>% [of] bot [sessions]`, each optionally followed by `per day|week` (or `daily`/`weekly`;
 * default week) and `due <days>` (default 3).
 */
export function parseRule(input: string): ParsedRule {
  let text = ` ${input.trim().toLowerCase().replace(/\s+/g, ' ')} `;
  const fail = (problem: string): ParsedRule => ({ ok: false, problem: `${problem} Examples: ${RULE_EXAMPLES.join(', ')}.` });
  let period: SamplingPeriod = 'week';
  const per = /\s(?:per|each|a) (day|week)\s|\s(daily|weekly)\s/.exec(text);
  if (per) {
    period = (per[1] ?? (per[2] === 'daily' ? 'day' : 'week')) as SamplingPeriod;
    text = text.replace(per[0], ' ');
  }
  let dueDays = DEFAULT_DUE_DAYS;
  const due = /\sdue (?:in )?(\d{1,3})(?: ?d(?:ays?)?)?\s/.exec(text);
  if (due) {
    dueDays = Number(due[1]);
    if (dueDays < 1 || dueDays > DUE_DAYS_MAX) return fail(`A review is due 1 to ${DUE_DAYS_MAX} days after its period.`);
    text = text.replace(due[0], ' ');
  }
  const rest = text.trim();
  let m = /^(\d{1,4}) (?:sessions? )?per (?:human )?agents?$/.exec(rest);
  if (m) {
    const count = Number(m[1]);
    if (count < 1 || count > COUNT_MAX) return fail(`Sample 1 to ${COUNT_MAX} sessions per agent.`);
    return { ok: true, rule: { kind: 'per_agent', count, period, dueDays } };
  }
  m = /^(?:all )?risky(?: bot)?(?: sessions)?(?: (?:risk )?(?:at least |>= ?|above |over )?(\d{1,3}))?$/.exec(rest);
  if (m) {
    if (m[1] === undefined) return fail('Say the lowest risk score to sample, e.g. `risky bot 6`.');
    const n = Number(m[1]);
    // "above 5" means 6 or more: risk scores are whole numbers
    const minRisk = /(above|over) \d/.test(rest) ? n + 1 : n;
    if (minRisk < 1) return fail('The lowest risk score is at least 1.');
    return { ok: true, rule: { kind: 'risky_bot', minRisk, period, dueDays } };
  }
  m = /^(\d{1,3}(?:\.\d+)?) ?% (?:of )?(?:the )?bot(?: sessions?)?$/.exec(rest);
  if (m) {
    const percent = Number(m[1]);
    if (!(percent > 0 && percent <= 100)) return fail('A share is more than 0% and at most 100%.');
    return { ok: true, rule: { kind: 'bot_share', percent, period, dueDays } };
  }
  return fail(`I cannot read the rule "${input.trim().slice(0, 80)}".`);
}

export interface SamplingWindow {
  /** the period sampled: first and last day (YYYY-MM-DD, business timezone) */
  from: string;
  to: string;
  /** its instants [start, end) */
  start: Date;
  end: Date;
  /** when the period's reviews are due: dueDays after its end */
  dueAt: Date;
}

/** The last complete period of the rule at `at`: yesterday, or last week (Monday to Sunday). */
export function lastCompletePeriod(rule: Pick<SamplingRule, 'period' | 'dueDays'>, at: Date, timeZone: string): SamplingWindow {
  const today = dayOf(at, timeZone);
  let from: string;
  let to: string;
  if (rule.period === 'day') {
    from = to = addDays(today, -1);
  } else {
    // 0 = Monday; the date is a calendar day, read in UTC only to get its weekday
    const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
    from = addDays(today, -weekday - 7);
    to = addDays(from, 6);
  }
  const { start, end } = periodBounds(periodBetween(from, to), timeZone);
  const due = periodBounds(periodBetween(addDays(to, rule.dueDays), addDays(to, rule.dueDays)), timeZone).start;
  return { from, to, start, end, dueAt: due };
}

/** A session of the period that could be sampled (not reviewed and not assigned yet). */
export interface Candidate {
  sessionId: number;
  /** the bot took part (sessions.ai_engaged) */
  bot: boolean;
  /** the first human agent who replied in it, if one did */
  agent: string | null;
  /** its risk score (domain/qa-risk.ts) */
  risk: number;
}

/** FNV-1a: a fixed pseudo-random order, so a re-run of the same rule and period picks the same sessions. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function shuffled(items: readonly Candidate[], seed: string): Candidate[] {
  return items.map((c) => ({ c, k: hash(`${seed}:${c.sessionId}`) })).sort((a, b) => a.k - b.k || a.c.sessionId - b.c.sessionId).map((x) => x.c);
}

/**
 * The sessions a rule picks from a period's candidates: per agent a fair sample of N of each
 * agent's sessions; risky bot every bot session at or above the risk (riskiest first); a share of
 * the bot sessions, rounded up. Sampling is seeded by rule and period: the same input picks the same.
 */
export function sampleSessions(rule: SamplingRule, seed: { ruleId: number; from: string }, candidates: readonly Candidate[]): number[] {
  const key = `${seed.ruleId}:${seed.from}`;
  if (rule.kind === 'per_agent') {
    const byAgent = new Map<string, Candidate[]>();
    for (const c of candidates) if (c.agent) byAgent.set(c.agent, [...(byAgent.get(c.agent) ?? []), c]);
    return [...byAgent.keys()].sort().flatMap((a) => shuffled(byAgent.get(a)!, `${key}:${a}`).slice(0, rule.count).map((c) => c.sessionId));
  }
  const bots = candidates.filter((c) => c.bot);
  if (rule.kind === 'risky_bot') {
    return bots.filter((c) => c.risk >= rule.minRisk).sort((a, b) => b.risk - a.risk || a.sessionId - b.sessionId).map((c) => c.sessionId);
  }
  const n = Math.ceil((bots.length * rule.percent) / 100);
  return shuffled(bots, key).slice(0, n).map((c) => c.sessionId);
}

export interface ReviewerLoad {
  userId: number;
  /** assignments not done yet */
  open: number;
}

/** Shares sessions out to the least-loaded reviewer each time (ties: the lower user id). */
export function assignReviewers(sessionIds: readonly number[], reviewers: readonly ReviewerLoad[]): { sessionId: number; reviewerId: number }[] {
  if (reviewers.length === 0) return [];
  const load = reviewers.map((r) => ({ ...r }));
  return sessionIds.map((sessionId) => {
    const next = load.reduce((best, r) => (r.open < best.open || (r.open === best.open && r.userId < best.userId) ? r : best));
    next.open += 1;
    return { sessionId, reviewerId: next.userId };
  });
}

/** Whether an assignment is overdue at `now`: not done and past its due time. */
export const isOverdue = (a: { dueAt: Date; doneAt: Date | null }, now: Date): boolean => a.doneAt === null && a.dueAt.getTime() <= now.getTime();
