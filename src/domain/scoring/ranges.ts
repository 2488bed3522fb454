import type { JudgementScores } from './types.ts';

// One table of the metric ranges (DESIGN.md §5) so that the offline scorer, the LLM prompt,
// the LLM output validation and the tests cannot drift apart.

export type JudgementMetric = keyof JudgementScores;

export const JUDGEMENT_RANGES: Readonly<Record<JudgementMetric, readonly [min: number, max: number]>> = {
  sentimentScore: [0, 10],
  sentimentShift: [-5, 5],
  resolutionAchieved: [0, 10],
  fcrScore: [0, 10],
  ces: [1, 7],
};

export const JUDGEMENT_METRICS = Object.keys(JUDGEMENT_RANGES) as readonly JudgementMetric[];

export const clamp = (x: number, min: number, max: number): number => (x < min ? min : x > max ? max : x);

/** Two decimals: enough resolution for a 0–10 score, and stable when stored and compared. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;
