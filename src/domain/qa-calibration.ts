import type { Answers, ScorecardCategory } from './qa-scorecard.ts';

// Calibration (issue 20): how far reviewers who scored the same session agree. Pure.
//
// Agreement of a category: the share of reviewer pairs who gave it the same answer (N/A is an
// answer too: one reviewer's N/A against another's points is a disagreement), 0–100. The overall
// agreement is the mean over the categories. A reviewer's alignment: 100 minus the mean distance,
// over the categories they and at least one other reviewer scored, between their category score
// (points / scale × 100) and the mean of everyone's; 100 = always on the consensus.

export interface CalibrationSheet {
  reviewer: string;
  answers: Answers;
}

export interface CategoryAgreement {
  key: string;
  label: string;
  /** 0–100 */
  agreement: number;
  /** the answers given, in sheet order (null = N/A) */
  answers: (number | null)[];
}

export interface CalibrationReport {
  reviewers: number;
  categories: CategoryAgreement[];
  /** mean of the categories' agreement, 0–100 */
  agreement: number;
  /** per reviewer, 0–100 */
  alignment: { reviewer: string; alignment: number | null }[];
}

export const MIN_SHEETS = 2;

export function calibrationReport(categories: readonly ScorecardCategory[], sheets: readonly CalibrationSheet[]): CalibrationReport | undefined {
  if (sheets.length < MIN_SHEETS) return undefined;
  const pairs = (sheets.length * (sheets.length - 1)) / 2;
  const cats = categories.map((c): CategoryAgreement => {
    const answers = sheets.map((s) => s.answers[c.key] ?? null);
    let same = 0;
    for (let i = 0; i < answers.length; i++) for (let j = i + 1; j < answers.length; j++) if (answers[i] === answers[j]) same++;
    return { key: c.key, label: c.label, agreement: (same / pairs) * 100, answers };
  });
  const agreement = cats.reduce((n, c) => n + c.agreement, 0) / (cats.length || 1);
  const alignment = sheets.map((s, i) => {
    const gaps: number[] = [];
    for (const c of categories) {
      const scores = sheets.map((x) => x.answers[c.key]).map((v) => (v === null || v === undefined ? null : (v / c.scaleMax) * 100));
      const mine = scores[i];
      const given = scores.filter((v): v is number => v !== null);
      if (mine === null || mine === undefined || given.length < 2) continue;
      const mean = given.reduce((n, v) => n + v, 0) / given.length;
      gaps.push(Math.abs(mine - mean));
    }
    return { reviewer: s.reviewer, alignment: gaps.length ? 100 - gaps.reduce((n, v) => n + v, 0) / gaps.length : null };
  });
  return { reviewers: sheets.length, categories: cats, agreement, alignment };
}
