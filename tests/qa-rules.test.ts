import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/domain/access.ts';
import { decideQaChange, isQaStatus, NOTES_MAX, QA_STATUSES, qaTargets, type QaStatus } from '../src/domain/qa.ts';

// The QA workflow's rules (issue 6, part 1), written out by hand here so a slip in the
// tables of src/domain/qa.ts cannot make both sides agree.

const ALLOWED_MOVES: Record<QaStatus, QaStatus[]> = {
  unchecked: ['passed', 'issue'],
  issue: ['fixed'],
  fixed: ['passed', 'issue'],
  passed: ['issue'],
};
const SETTERS: Record<QaStatus, Role[]> = {
  unchecked: [],
  passed: ['qa', 'admin'],
  issue: ['qa', 'admin'],
  fixed: ['developer', 'admin'],
};
// Texts that satisfy every target, so only the role and the move decide.
const TEXTS = { notes: 'the bot promised a refund it cannot give', devFeedback: 'refund intent now hands off to a person' };

describe('decideQaChange: every transition × role', () => {
  for (const from of QA_STATUSES) {
    for (const to of QA_STATUSES) {
      for (const role of ROLES) {
        const mayByRole = SETTERS[to].includes(role);
        const mayByMove = ALLOWED_MOVES[from].includes(to);
        const expected = !mayByRole ? 'forbidden' : !mayByMove ? 'invalid_transition' : 'ok';
        it(`${from} → ${to} by ${role}: ${expected}`, () => {
          const d = decideQaChange({ from, to, role, ...TEXTS });
          if (expected === 'ok') {
            expect(d.ok).toBe(true);
          } else {
            expect(d).toMatchObject({ ok: false, kind: expected });
          }
        });
      }
    }
  }

  it('lets exactly the listed pairs through (count)', () => {
    let ok = 0;
    for (const from of QA_STATUSES) for (const to of QA_STATUSES) for (const role of ROLES) if (decideQaChange({ from, to, role, ...TEXTS }).ok) ok++;
    // unchecked→passed|issue, fixed→passed|issue, passed→issue: 5 moves × (qa, admin); issue→fixed: (developer, admin)
    expect(ok).toBe(5 * 2 + 1 * 2);
  });
});

describe('reasons are sentences a person can act on', () => {
  it('forbidden: who may, and who the caller is', () => {
    const d = decideQaChange({ from: 'issue', to: 'fixed', role: 'agent', devFeedback: 'x' });
    expect(d).toEqual({ ok: false, kind: 'forbidden', reason: 'only developers or admins can mark a session fixed; you are a support agent' });
    const lead = decideQaChange({ from: 'unchecked', to: 'passed', role: 'lead' });
    expect(lead).toEqual({ ok: false, kind: 'forbidden', reason: 'only QA reviewers or admins can mark a session passed; you are a team lead' });
    const back = decideQaChange({ from: 'passed', to: 'unchecked', role: 'admin' });
    expect(back).toEqual({ ok: false, kind: 'forbidden', reason: 'nobody can mark a session unchecked; you are an admin' });
  });

  it('invalid transition: names where the session can go', () => {
    const d = decideQaChange({ from: 'issue', to: 'passed', role: 'qa' });
    expect(d).toEqual({ ok: false, kind: 'invalid_transition', reason: 'a session that is issue cannot become passed (it can become fixed)' });
    const same = decideQaChange({ from: 'passed', to: 'passed', role: 'qa' });
    expect(same).toEqual({ ok: false, kind: 'invalid_transition', reason: 'a session that is passed cannot become passed (it can become issue)' });
    const unfixed = decideQaChange({ from: 'unchecked', to: 'fixed', role: 'developer', devFeedback: 'x' });
    expect(unfixed).toMatchObject({ ok: false, kind: 'invalid_transition', reason: 'a session that is unchecked cannot become fixed (it can become passed or issue)' });
  });
});

describe('notes and feedback', () => {
  it('an issue needs notes; blank notes are missing notes', () => {
    for (const notes of [undefined, '', '   \n ']) {
      expect(decideQaChange({ from: 'unchecked', to: 'issue', role: 'qa', ...(notes !== undefined ? { notes } : {}) })).toEqual({
        ok: false,
        kind: 'missing_notes',
        reason: 'an issue needs notes saying what went wrong',
      });
    }
    expect(decideQaChange({ from: 'unchecked', to: 'issue', role: 'qa', notes: '  wrong price  ' })).toEqual({ ok: true, notes: 'wrong price' });
  });

  it('fixed needs developer feedback', () => {
    expect(decideQaChange({ from: 'issue', to: 'fixed', role: 'developer' })).toEqual({
      ok: false,
      kind: 'missing_notes',
      reason: 'fixed needs developer feedback saying what was changed',
    });
    expect(decideQaChange({ from: 'issue', to: 'fixed', role: 'developer', devFeedback: ' new prompt ' })).toEqual({ ok: true, devFeedback: 'new prompt' });
  });

  it('passed takes optional notes', () => {
    expect(decideQaChange({ from: 'unchecked', to: 'passed', role: 'qa' })).toEqual({ ok: true });
    expect(decideQaChange({ from: 'unchecked', to: 'passed', role: 'qa', notes: 'good' })).toEqual({ ok: true, notes: 'good' });
  });

  it('refuses texts over NOTES_MAX characters and accepts exactly NOTES_MAX', () => {
    expect(decideQaChange({ from: 'unchecked', to: 'issue', role: 'qa', notes: 'x'.repeat(NOTES_MAX) }).ok).toBe(true);
    expect(decideQaChange({ from: 'unchecked', to: 'issue', role: 'qa', notes: 'x'.repeat(NOTES_MAX + 1) })).toEqual({
      ok: false,
      kind: 'too_long',
      reason: `notes are too long (${NOTES_MAX + 1} characters; at most ${NOTES_MAX})`,
    });
    expect(decideQaChange({ from: 'issue', to: 'fixed', role: 'developer', devFeedback: 'y'.repeat(NOTES_MAX + 5) })).toMatchObject({
      ok: false,
      kind: 'too_long',
      reason: expect.stringMatching(/^developer feedback are too long/) as unknown as string,
    });
  });
});

describe('qaTargets and isQaStatus', () => {
  it('lists the moves a role can make from a state', () => {
    expect(qaTargets('unchecked', 'qa')).toEqual(['passed', 'issue']);
    expect(qaTargets('unchecked', 'developer')).toEqual([]);
    expect(qaTargets('issue', 'developer')).toEqual(['fixed']);
    expect(qaTargets('issue', 'qa')).toEqual([]);
    expect(qaTargets('fixed', 'admin')).toEqual(['passed', 'issue']);
    expect(qaTargets('passed', 'lead')).toEqual([]);
    for (const from of QA_STATUSES) expect(qaTargets(from, 'agent')).toEqual([]);
  });

  it('knows the four states', () => {
    for (const s of QA_STATUSES) expect(isQaStatus(s)).toBe(true);
    for (const v of ['Passed', 'open', '', null, 1]) expect(isQaStatus(v)).toBe(false);
  });
});
