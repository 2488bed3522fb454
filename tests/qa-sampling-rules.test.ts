import { describe, expect, it } from 'vitest';
import { parseQaCommand } from '../src/domain/qa-command.ts';
import { assignReviewers, describeRule, isOverdue, lastCompletePeriod, parseRule, sampleSessions, type Candidate } from '../src/domain/qa-sampling.ts';

// The pure rules of QA sampling (issue 20, point 3): rule text, the period a run samples, which
// sessions a rule picks and who gets each.

describe('parseRule', () => {
  it('reads the three kinds with their period and due days', () => {
    expect(parseRule('5 per agent per week')).toEqual({ ok: true, rule: { kind: 'per_agent', count: 5, period: 'week', dueDays: 3 } });
    expect(parseRule('3 sessions per human agent daily due 1')).toEqual({ ok: true, rule: { kind: 'per_agent', count: 3, period: 'day', dueDays: 1 } });
    expect(parseRule('risky bot 6 per day')).toEqual({ ok: true, rule: { kind: 'risky_bot', minRisk: 6, period: 'day', dueDays: 3 } });
    expect(parseRule('all risky bot sessions above 5')).toEqual({ ok: true, rule: { kind: 'risky_bot', minRisk: 6, period: 'week', dueDays: 3 } });
    expect(parseRule('10% bot per week due 2 days')).toEqual({ ok: true, rule: { kind: 'bot_share', percent: 10, period: 'week', dueDays: 2 } });
    expect(parseRule('12.5 % of bot sessions')).toEqual({ ok: true, rule: { kind: 'bot_share', percent: 12.5, period: 'week', dueDays: 3 } });
  });

  it('refuses what it cannot honour, saying why', () => {
    expect(parseRule('0 per agent')).toMatchObject({ ok: false, problem: expect.stringMatching(/^Sample 1 to 50 sessions per agent\./) });
    expect(parseRule('risky bot')).toMatchObject({ ok: false, problem: expect.stringMatching(/^Say the lowest risk score/) });
    expect(parseRule('150% bot')).toMatchObject({ ok: false, problem: expect.stringMatching(/^A share is more than 0% and at most 100%/) });
    expect(parseRule('5 per agent due 90')).toMatchObject({ ok: false, problem: expect.stringMatching(/^A review is due 1 to 30 days/) });
    expect(parseRule('5 per customer')).toMatchObject({ ok: false, problem: expect.stringMatching(/^I cannot read the rule "5 per customer"/) });
  });

  it('describes a rule as the list shows it', () => {
    expect(describeRule({ kind: 'per_agent', count: 1, period: 'day', dueDays: 1 })).toBe('1 session per human agent per day, due 1 day after the day');
    expect(describeRule({ kind: 'bot_share', percent: 10, period: 'week', dueDays: 3 })).toBe('10% of bot sessions per week, due 3 days after the week');
  });
});

describe('/qa commands for assignments', () => {
  it('parses rules, queue mine and workload', () => {
    expect(parseQaCommand('rules')).toEqual({ kind: 'rules', action: 'list' });
    expect(parseQaCommand('rules add 5 per agent per week')).toEqual({ kind: 'rules', action: 'add', text: '5 per agent per week' });
    expect(parseQaCommand('rules remove #3')).toEqual({ kind: 'rules', action: 'remove', ruleId: 3 });
    expect(parseQaCommand('rules remove')).toMatchObject({ kind: 'help' });
    expect(parseQaCommand('queue mine')).toEqual({ kind: 'assigned' });
    expect(parseQaCommand('workload')).toEqual({ kind: 'workload' });
    // the queue's own forms are unchanged
    expect(parseQaCommand('queue risky 3')).toMatchObject({ kind: 'queue', limit: 3, order: 'risk' });
  });
});

describe('lastCompletePeriod', () => {
  it('a week rule samples Monday to Sunday before this week, any day of this week', () => {
    for (const at of ['2026-11-23T08:00:00Z', '2026-11-25T14:30:00Z', '2026-11-29T22:00:00Z']) {
      const w = lastCompletePeriod({ period: 'week', dueDays: 3 }, new Date(at), 'Europe/Berlin');
      expect([w.from, w.to]).toEqual(['2026-11-16', '2026-11-22']);
      expect([w.start.toISOString(), w.end.toISOString(), w.dueAt.toISOString()]).toEqual(['2026-11-15T23:00:00.000Z', '2026-11-22T23:00:00.000Z', '2026-11-24T23:00:00.000Z']);
    }
    // Sunday 29 Nov 23:30 in Berlin is still that week: the week before is sampled
    expect(lastCompletePeriod({ period: 'week', dueDays: 3 }, new Date('2026-11-29T22:30:00Z'), 'Europe/Berlin').from).toBe('2026-11-16');
    // Monday 00:30 in Berlin: the week just ended
    expect(lastCompletePeriod({ period: 'week', dueDays: 3 }, new Date('2026-11-29T23:30:00Z'), 'Europe/Berlin').from).toBe('2026-11-23');
  });

  it('a day rule samples yesterday in the business timezone, across a DST change', () => {
    const w = lastCompletePeriod({ period: 'day', dueDays: 1 }, new Date('2026-10-26T06:00:00Z'), 'Europe/Berlin');
    expect([w.from, w.to]).toEqual(['2026-10-25', '2026-10-25']);
    // the 25-hour day of the change back to winter time
    expect(w.end.getTime() - w.start.getTime()).toBe(25 * 3_600_000);
    expect(w.dueAt.toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });
});

describe('sampleSessions', () => {
  const c = (sessionId: number, o: Partial<Candidate> = {}): Candidate => ({ sessionId, bot: true, agent: null, risk: 0, ...o });
  const pool = [
    c(1, { agent: 'Ana', bot: false }), c(2, { agent: 'Ana' }), c(3, { agent: 'Ana' }), c(4, { agent: 'Ben', bot: false }),
    c(5, { risk: 7 }), c(6, { risk: 4 }), c(7, { risk: 9 }), c(8), c(9), c(10),
  ];

  it('per agent: N of each agent\'s sessions, the same N on a re-run', () => {
    const picked = sampleSessions({ kind: 'per_agent', count: 2, period: 'week', dueDays: 3 }, { ruleId: 1, from: '2026-11-16' }, pool);
    expect(picked).toHaveLength(3);
    expect(picked.filter((id) => id <= 3)).toHaveLength(2);
    expect(picked).toContain(4);
    expect(sampleSessions({ kind: 'per_agent', count: 2, period: 'week', dueDays: 3 }, { ruleId: 1, from: '2026-11-16' }, [...pool].reverse())).toEqual(picked);
  });

  it('risky bot: every bot session at or above the risk, riskiest first', () => {
    expect(sampleSessions({ kind: 'risky_bot', minRisk: 5, period: 'week', dueDays: 3 }, { ruleId: 2, from: '2026-11-16' }, pool)).toEqual([7, 5]);
  });

  it('bot share: the share of bot sessions rounded up', () => {
    // 8 bot sessions: 10% is 0.8, so 1; 50% is 4
    expect(sampleSessions({ kind: 'bot_share', percent: 10, period: 'week', dueDays: 3 }, { ruleId: 3, from: '2026-11-16' }, pool)).toHaveLength(1);
    const half = sampleSessions({ kind: 'bot_share', percent: 50, period: 'week', dueDays: 3 }, { ruleId: 3, from: '2026-11-16' }, pool);
    expect(half).toHaveLength(4);
    expect(half.every((id) => pool.find((p) => p.sessionId === id)!.bot)).toBe(true);
  });
});

describe('assignReviewers', () => {
  it('gives each session to the least-loaded reviewer, ties to the lower id', () => {
    expect(assignReviewers([11, 12, 13, 14], [{ userId: 8, open: 2 }, { userId: 5, open: 0 }, { userId: 6, open: 1 }])).toEqual([
      { sessionId: 11, reviewerId: 5 },
      { sessionId: 12, reviewerId: 5 },
      { sessionId: 13, reviewerId: 6 },
      { sessionId: 14, reviewerId: 5 },
    ]);
    expect(assignReviewers([1], [])).toEqual([]);
  });

  it('overdue: not done and past due', () => {
    const due = new Date('2026-11-24T23:00:00Z');
    expect(isOverdue({ dueAt: due, doneAt: null }, new Date('2026-11-25T00:00:00Z'))).toBe(true);
    expect(isOverdue({ dueAt: due, doneAt: new Date('2026-11-25T00:00:00Z') }, new Date('2026-11-26T00:00:00Z'))).toBe(false);
    expect(isOverdue({ dueAt: due, doneAt: null }, new Date('2026-11-24T22:00:00Z'))).toBe(false);
  });
});
