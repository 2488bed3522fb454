// CSAT (issue 19, point 7): the customer's own 1–5 rating of a resolved Messenger session, and
// how the CSI the pipeline computes compares with it. Plain rules, no I/O and no clock.
//
// The survey: a quick-reply question whose buttons carry `CSAT:<session id>:<score>`; after a
// score, one thank-you that also offers an optional comment (a "No, thanks" button carries
// `CSAT_SKIP:<session id>`). A customer who types a digit instead of tapping answers too, but
// only as their first message after the survey: later, "2" is an ordinary message.
//
// The figures (catalogue measures csatScore, csatSatisfied, csatResponseRate):
// - CSAT score: the mean of the 1–5 answers;
// - satisfied share: the share of answers that are 4 or 5 (the usual "CSAT %");
// - response rate: answered surveys over surveys that reached the customer.

import type { QuickReply } from './customer/types.ts';

export const CSAT_SCORES = [1, 2, 3, 4, 5] as const;
export type CsatScore = (typeof CSAT_SCORES)[number];

/** The handoff reason of a complaint escalation (decide.ts: a complaint with clearly negative sentiment). */
export const COMPLAINT_HANDOFF_REASON = 'angry';

/** How long after the score a typed message is taken as the optional comment. */
export const COMMENT_WINDOW_MS = 60 * 60 * 1000;

const PAYLOAD = /^CSAT:(\d{1,10}):([1-5])$/;
const SKIP = /^CSAT_SKIP:(\d{1,10})$/;

export type CsatPayload = { kind: 'score'; sessionId: number; score: CsatScore } | { kind: 'skip'; sessionId: number };

/** A quick reply's payload as a survey answer, or undefined when it is not one of ours. */
export function parseCsatPayload(payload: string | undefined): CsatPayload | undefined {
  if (!payload) return undefined;
  const m = PAYLOAD.exec(payload);
  if (m) return { kind: 'score', sessionId: Number(m[1]), score: Number(m[2]) as CsatScore };
  const s = SKIP.exec(payload);
  return s ? { kind: 'skip', sessionId: Number(s[1]) } : undefined;
}

/**
 * A typed rating: "4", " 5! ", "3/5", "4 stars", "⭐⭐⭐⭐" (a row of stars counts them).
 * Anything else (a sentence, "10", "45") is not a rating.
 */
export function typedScore(text: string): CsatScore | undefined {
  const t = text.trim().toLowerCase();
  const digit = /^([1-5])\s*(?:\/\s*5|out of 5|stars?|⭐+)?\s*[.!]*$/u.exec(t);
  if (digit) return Number(digit[1]) as CsatScore;
  const stars = /^(?:⭐\s*){1,5}$/u.test(t) ? [...t].filter((c) => c === '⭐').length : 0;
  return stars >= 1 && stars <= 5 ? (stars as CsatScore) : undefined;
}

export interface SurveyMessage {
  text: string;
  quickReplies: QuickReply[];
}

const STAR_TITLES: Record<CsatScore, string> = { 1: '1 ⭐', 2: '2 ⭐', 3: '3 ⭐', 4: '4 ⭐', 5: '5 ⭐' };

/** The question, with one button per score. */
export function surveyMessage(sessionId: number): SurveyMessage {
  return {
    text: 'How did we do? Please rate this conversation from 1 (poor) to 5 (excellent).',
    quickReplies: CSAT_SCORES.map((n) => ({ title: STAR_TITLES[n], payload: `CSAT:${sessionId}:${n}` })),
  };
}

/** The one thank-you, after the score: it also offers the optional comment. */
export function thanksMessage(sessionId: number, score: CsatScore): SurveyMessage {
  const lead = score >= 4 ? 'Thank you for your rating!' : 'Thank you for your rating, and sorry we fell short.';
  return {
    text: `${lead} If you would like to tell us more, just write it here.`,
    quickReplies: [{ title: 'No, thanks', payload: `CSAT_SKIP:${sessionId}` }],
  };
}

/** Said once a comment is stored (not a second thank-you: the customer knows it was read). */
export const COMMENT_NOTED = 'Noted: your comment goes to our team.';

/** Who handled a session, as the measures' "bot vs human" reads it: a human agent replied in it, else the bot. */
export const handledBy = (firstHumanAgent: string | null): 'bot' | 'human_agent' => (firstHumanAgent ? 'human_agent' : 'bot');

// ---------------------------------------------------------------------------------------
// Calibration: the CSI against what the same customers said
// ---------------------------------------------------------------------------------------

/** One answered survey with the CSI of its session (the mean over the session's scored days). */
export interface CalibrationPair {
  csi: number;
  csat: number;
}

export interface CsiBand {
  label: string;
  /** inclusive lower bound */
  from: number;
  /** exclusive upper bound (Infinity for the last) */
  to: number;
}

/** The CSI bands of the report: <50, 50–70, 70–85, ≥85. */
export const CSI_BANDS: readonly CsiBand[] = [
  { label: 'CSI < 50', from: -Infinity, to: 50 },
  { label: 'CSI 50–70', from: 50, to: 70 },
  { label: 'CSI 70–85', from: 70, to: 85 },
  { label: 'CSI ≥ 85', from: 85, to: Infinity },
];

export interface CalibrationReport {
  /** answered surveys whose session has a CSI */
  n: number;
  /** Pearson's r between CSI and CSAT; null below 3 pairs or when either side does not vary */
  pearson: number | null;
  meanCsi: number | null;
  meanCsat: number | null;
  bands: { label: string; n: number; meanCsat: number | null; satisfiedShare: number | null }[];
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Pearson's correlation coefficient; null when it is undefined (fewer than 3 pairs, or a constant side). */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new Error('pearson: the two series differ in length');
  if (xs.length < 3) return null;
  const mx = mean(xs)!;
  const my = mean(ys)!;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

export function calibrate(pairs: readonly CalibrationPair[]): CalibrationReport {
  const bands = CSI_BANDS.map((b) => {
    const inBand = pairs.filter((p) => p.csi >= b.from && p.csi < b.to).map((p) => p.csat);
    return { label: b.label, n: inBand.length, meanCsat: mean(inBand), satisfiedShare: inBand.length ? inBand.filter((s) => s >= 4).length / inBand.length : null };
  });
  return {
    n: pairs.length,
    pearson: pearson(pairs.map((p) => p.csi), pairs.map((p) => p.csat)),
    meanCsi: mean(pairs.map((p) => p.csi)),
    meanCsat: mean(pairs.map((p) => p.csat)),
    bands,
  };
}

/** How strong a correlation reads, for people who do not read r. */
export function strength(r: number): string {
  const a = Math.abs(r);
  const word = a >= 0.7 ? 'strong' : a >= 0.4 ? 'moderate' : a >= 0.2 ? 'weak' : 'no clear';
  return a < 0.2 ? 'no clear relation' : `${word} ${r > 0 ? 'positive' : 'negative'} relation`;
}

/** The report as plain lines (CLI and digest): r, n, then the table by CSI band. */
export function calibrationLines(r: CalibrationReport, period: string): string[] {
  const f2 = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
  const head =
    r.n === 0
      ? `CSI vs CSAT (${period}): no answered survey with a scored session yet.`
      : `CSI vs CSAT (${period}): Pearson r = ${r.pearson === null ? 'n/a (too few or constant answers)' : `${r.pearson.toFixed(2)} (${strength(r.pearson)})`}, n = ${r.n}; mean CSI ${r.meanCsi!.toFixed(1)}, mean CSAT ${f2(r.meanCsat)}`;
  if (r.n === 0) return [head];
  const width = Math.max(...r.bands.map((b) => b.label.length));
  return [
    head,
    `${'band'.padEnd(width)}  ${'n'.padStart(4)}  ${'mean CSAT'.padStart(9)}  ${'4–5'.padStart(4)}`,
    ...r.bands.map((b) => `${b.label.padEnd(width)}  ${String(b.n).padStart(4)}  ${f2(b.meanCsat).padStart(9)}  ${pct(b.satisfiedShare).padStart(4)}`),
  ];
}
