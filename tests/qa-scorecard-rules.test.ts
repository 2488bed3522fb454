import { describe, expect, it } from 'vitest';
import { calibrationReport } from '../src/domain/qa-calibration.ts';
import { answerProblems, formatQaScore, scorecardProblems, scoreReview, type Scorecard } from '../src/domain/qa-scorecard.ts';

// The scoring rule of src/domain/qa-scorecard.ts, without a database.

const CARD: Scorecard = {
  categories: [
    { key: 'accuracy', label: 'Accuracy', weight: 3, scaleMax: 4, allowNa: false, autofail: false },
    { key: 'tone', label: 'Tone', weight: 1, scaleMax: 4, allowNa: true, autofail: false },
    { key: 'policy', label: 'Policy', weight: 2, scaleMax: 1, allowNa: true, autofail: true },
    { key: 'resolution', label: 'Resolution', weight: 2, scaleMax: 4, allowNa: true, autofail: false },
  ],
  rootCauses: [{ key: 'knowledge_gap', label: 'Knowledge gap' }],
};

describe('scoreReview', () => {
  it('weights each category score (points / scale × 100) by its weight', () => {
    // accuracy 3/4 = 75 (w 3), tone 4/4 = 100 (w 1), policy 1/1 = 100 (w 2), resolution 2/4 = 50 (w 2)
    const r = scoreReview(CARD.categories, { accuracy: 3, tone: 4, policy: 1, resolution: 2 });
    expect(r.score).toBeCloseTo((3 * 75 + 100 + 2 * 100 + 2 * 50) / 8, 10);
    expect(r.autofailed).toBe(false);
    expect(r.categoryScores).toEqual({ accuracy: 75, tone: 100, policy: 100, resolution: 50 });
  });

  it('leaves N/A categories out of the denominator', () => {
    const r = scoreReview(CARD.categories, { accuracy: 2, tone: null, policy: null, resolution: 4 });
    // (3 × 50 + 2 × 100) / (3 + 2), not / 8
    expect(r.score).toBeCloseTo(70, 10);
    expect(r.categoryScores.tone).toBeNull();
  });

  it('an autofail category answered 0 makes the score 0 whatever the rest says', () => {
    const r = scoreReview(CARD.categories, { accuracy: 4, tone: 4, policy: 0, resolution: 4 });
    expect(r).toMatchObject({ score: 0, autofailed: true });
    expect(r.categoryScores.accuracy).toBe(100);
    expect(formatQaScore(r)).toBe('0 (autofail)');
  });

  it('a zero in a category that is not autofail only lowers the score', () => {
    const r = scoreReview(CARD.categories, { accuracy: 4, tone: 0, policy: 1, resolution: 4 });
    expect(r.autofailed).toBe(false);
    expect(r.score).toBeCloseTo((300 + 0 + 200 + 200) / 8, 10);
  });

  it('every category N/A: no score', () => {
    const card = CARD.categories.filter((c) => c.allowNa);
    expect(scoreReview(card, { tone: null, policy: null, resolution: null })).toMatchObject({ score: null, autofailed: false });
  });
});

describe('answerProblems', () => {
  it('accepts a complete, in-range set', () => {
    expect(answerProblems(CARD, { accuracy: 0, tone: null, policy: 1, resolution: 4 }, ['knowledge_gap'])).toEqual([]);
  });

  it('names each missing, out-of-range, non-integer, unknown or forbidden N/A answer', () => {
    const problems = answerProblems(CARD, { accuracy: null, tone: 5, policy: 0.5, bogus: 1 }, ['nope']);
    expect(problems.map((p) => p.field).sort()).toEqual(['accuracy', 'bogus', 'policy', 'resolution', 'rootCauses', 'tone']);
    expect(problems.find((p) => p.field === 'accuracy')!.problem).toBe('cannot be N/A');
    expect(problems.find((p) => p.field === 'tone')!.problem).toBe('must be a whole number from 0 to 4');
  });
});

describe('scorecardProblems', () => {
  it('refuses duplicate keys, bad weights and scales, and an empty card', () => {
    expect(scorecardProblems(CARD)).toEqual([]);
    expect(scorecardProblems({ categories: [], rootCauses: [] }).map((p) => p.field)).toEqual(['categories']);
    const bad = scorecardProblems({
      categories: [
        { key: 'a', label: 'A', weight: 0, scaleMax: 4, allowNa: true, autofail: false },
        { key: 'a', label: ' ', weight: 1, scaleMax: 11, allowNa: true, autofail: false },
        { key: 'Bad Key', label: 'B', weight: 1, scaleMax: 1, allowNa: true, autofail: false },
      ],
      rootCauses: [],
    });
    expect(bad.map((p) => p.field)).toEqual(['categories.0.weight', 'categories.1.key', 'categories.1.scaleMax', 'categories.1.label', 'categories.2.key']);
  });
});

describe('calibrationReport', () => {
  it('agreement per category is the share of reviewer pairs answering alike (N/A included); alignment is 100 minus the distance to the consensus', () => {
    const sheets = [
      { reviewer: 'A', answers: { accuracy: 4, tone: 3, policy: 1, resolution: 4 } },
      { reviewer: 'B', answers: { accuracy: 4, tone: 2, policy: 1, resolution: null } },
      { reviewer: 'C', answers: { accuracy: 2, tone: 3, policy: 1, resolution: 4 } },
    ];
    const r = calibrationReport(CARD.categories, sheets)!;
    expect(r.categories.map((c) => [c.key, Number(c.agreement.toFixed(2))])).toEqual([['accuracy', 33.33], ['tone', 33.33], ['policy', 100], ['resolution', 33.33]]);
    expect(r.agreement).toBeCloseTo(50, 10);
    expect(r.alignment.map((a) => Number(a.alignment!.toFixed(2)))).toEqual([93.75, 88.89, 89.58]);
    expect(calibrationReport(CARD.categories, sheets.slice(0, 1))).toBeUndefined();
  });
});
