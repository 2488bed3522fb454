import { describe, expect, it } from 'vitest';
import { bucketLabel, decideLabel, histogramLines } from '../src/domain/classification-review.ts';
import { parseQaCommand } from '../src/domain/qa-command.ts';

// The pure rules of classification review (issue 20, point 10): who corrects which labels, the
// /qa words for it, and the confidence histogram's bars.

describe('classification review rules', () => {
  it('reviewers, leads and admins set a known label; an earlier name is mapped; others are refused', () => {
    expect(decideLabel('qa', 'Complaint')).toEqual({ ok: true, label: 'complaint' });
    expect(decideLabel('lead', 'shipping_question')).toEqual({ ok: true, label: 'shipping' });
    expect(decideLabel('developer', 'complaint')).toMatchObject({ ok: false, kind: 'forbidden' });
    expect(decideLabel('admin', 'refund')).toMatchObject({ ok: false, kind: 'unknown_label', reason: expect.stringMatching(/^"refund" is not a label; the labels are price_inquiry/) });
  });

  it('parses /qa queue lowconf and /qa label', () => {
    expect(parseQaCommand('queue lowconf')).toEqual({ kind: 'lowconf', below: 0.6, limit: 5 });
    expect(parseQaCommand('queue lowconf below 0.45 10')).toEqual({ kind: 'lowconf', below: 0.45, limit: 10 });
    expect(parseQaCommand('queue lowconf 40')).toEqual({ kind: 'lowconf', below: 0.6, limit: 15 });
    expect(parseQaCommand('queue lowconf below 2')).toMatchObject({ kind: 'help', problem: expect.stringMatching(/^A confidence threshold is more than 0 and at most 1/) });
    expect(parseQaCommand('label #123 complaint')).toEqual({ kind: 'label', messageId: 123, label: 'complaint' });
    expect(parseQaCommand('label 123')).toMatchObject({ kind: 'help' });
    expect(parseQaCommand('label 123 two words')).toMatchObject({ kind: 'help' });
  });

  it('draws one bar per bucket, the widest for the largest count', () => {
    expect(bucketLabel(0)).toBe('0.0–0.2');
    expect(bucketLabel(4)).toBe('0.8–1.0');
    expect(histogramLines([0, 2, 4, 1, 0], 4)).toEqual(['0.0–0.2 · 0', '0.2–0.4 ██ 2', '0.4–0.6 ████ 4', '0.6–0.8 █ 1', '0.8–1.0 · 0']);
  });
});
