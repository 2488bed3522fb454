import type { Role } from './access.ts';

// QA scorecards (issue 20): the categories a review answers, and the one rule that turns answers
// into a QA score. Pure: the repository stores what scoreReview returns, the catalogue averages it.
//
// The rule: each answered category scores value / scaleMax × 100; the QA score is the mean of
// those, weighted by the categories' weights, over the categories answered (N/A leaves the
// denominator too, so an N/A neither helps nor hurts); an autofail category answered with 0
// points makes the QA score 0 whatever the rest says. Every category N/A: no score (null).

export interface ScorecardCategory {
  key: string;
  label: string;
  description?: string | null;
  /** relative weight, > 0 */
  weight: number;
  /** answers are whole points 0..scaleMax (1 = pass/fail) */
  scaleMax: number;
  allowNa: boolean;
  autofail: boolean;
}

export interface RootCause {
  key: string;
  label: string;
}

export interface Scorecard {
  categories: ScorecardCategory[];
  rootCauses: RootCause[];
}

/** A category's answer: points, or null for N/A. */
export type Answers = Record<string, number | null>;

export interface ScoredReview {
  /** 0–100; null when every category is N/A */
  score: number | null;
  autofailed: boolean;
  /** per category key: 0–100, null for N/A */
  categoryScores: Record<string, number | null>;
}

/** Who may score a session: the roles that set its QA verdict (domain/qa.ts), and team leads. */
export const REVIEW_ROLES: readonly Role[] = ['qa', 'lead', 'admin'];
export const mayReview = (role: Role): boolean => REVIEW_ROLES.includes(role);

export const SCALE_MAX_LIMIT = 10;
export const CATEGORY_LIMIT = 20;
export const ROOT_CAUSE_LIMIT = 30;
export const KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

export interface AnswerProblem {
  /** the category key, `rootCauses`, or `answers` */
  field: string;
  problem: string;
}

/**
 * What is wrong with a set of answers against the scorecard: every category answered exactly
 * once, whole points in range, N/A only where allowed, root causes from the list.
 */
export function answerProblems(card: Scorecard, answers: Answers, rootCauses: readonly string[] = []): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  const keys = new Set(card.categories.map((c) => c.key));
  for (const k of Object.keys(answers)) if (!keys.has(k)) problems.push({ field: k, problem: 'is not a category of the scorecard' });
  for (const c of card.categories) {
    if (!Object.hasOwn(answers, c.key)) {
      problems.push({ field: c.key, problem: `needs an answer (0–${c.scaleMax}${c.allowNa ? ' or N/A' : ''})` });
      continue;
    }
    const v = answers[c.key];
    if (v === null) {
      if (!c.allowNa) problems.push({ field: c.key, problem: 'cannot be N/A' });
    } else if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > c.scaleMax) {
      problems.push({ field: c.key, problem: `must be a whole number from 0 to ${c.scaleMax}` });
    }
  }
  const known = new Set(card.rootCauses.map((r) => r.key));
  const unknown = rootCauses.filter((r) => !known.has(r));
  if (unknown.length) problems.push({ field: 'rootCauses', problem: `unknown root cause ${unknown.join(', ')}` });
  return problems;
}

/** The QA score of valid answers (answerProblems empty): see the rule at the top of this file. */
export function scoreReview(categories: readonly ScorecardCategory[], answers: Answers): ScoredReview {
  const categoryScores: Record<string, number | null> = {};
  let weighted = 0;
  let weights = 0;
  let autofailed = false;
  for (const c of categories) {
    const v = answers[c.key];
    if (v === null || v === undefined) {
      categoryScores[c.key] = null;
      continue;
    }
    const s = (v / c.scaleMax) * 100;
    categoryScores[c.key] = s;
    weighted += c.weight * s;
    weights += c.weight;
    if (c.autofail && v === 0) autofailed = true;
  }
  const score = autofailed ? 0 : weights > 0 ? weighted / weights : null;
  return { score, autofailed, categoryScores };
}

/** What is wrong with a scorecard an admin wants to set, or [] when it can be used. */
export function scorecardProblems(card: Scorecard): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  if (card.categories.length === 0) problems.push({ field: 'categories', problem: 'needs at least one category' });
  if (card.categories.length > CATEGORY_LIMIT) problems.push({ field: 'categories', problem: `at most ${CATEGORY_LIMIT}` });
  if (card.rootCauses.length > ROOT_CAUSE_LIMIT) problems.push({ field: 'rootCauses', problem: `at most ${ROOT_CAUSE_LIMIT}` });
  const seen = new Set<string>();
  for (const [i, c] of card.categories.entries()) {
    const f = `categories.${i}`;
    if (!KEY_PATTERN.test(c.key)) problems.push({ field: `${f}.key`, problem: 'lower-case letters, digits and _ (starting with a letter), at most 40' });
    if (seen.has(c.key)) problems.push({ field: `${f}.key`, problem: `${c.key} is listed twice` });
    seen.add(c.key);
    if (!(c.weight > 0) || !Number.isFinite(c.weight)) problems.push({ field: `${f}.weight`, problem: 'must be above 0' });
    if (!Number.isInteger(c.scaleMax) || c.scaleMax < 1 || c.scaleMax > SCALE_MAX_LIMIT) problems.push({ field: `${f}.scaleMax`, problem: `must be a whole number from 1 to ${SCALE_MAX_LIMIT}` });
    if (!c.label.trim()) problems.push({ field: `${f}.label`, problem: 'must not be empty' });
  }
  const causes = new Set<string>();
  for (const [i, r] of card.rootCauses.entries()) {
    if (!KEY_PATTERN.test(r.key)) problems.push({ field: `rootCauses.${i}.key`, problem: 'lower-case letters, digits and _ (starting with a letter), at most 40' });
    if (causes.has(r.key)) problems.push({ field: `rootCauses.${i}.key`, problem: `${r.key} is listed twice` });
    causes.add(r.key);
  }
  return problems;
}

/** "87.5" / "0 (autofail)" / "n/a (every category N/A)" for people. */
export function formatQaScore(r: { score: number | null; autofailed: boolean }): string {
  if (r.autofailed) return '0 (autofail)';
  return r.score === null ? 'n/a (every category N/A)' : (Math.round(r.score * 10) / 10).toFixed(1);
}
