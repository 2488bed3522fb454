import { describe, expect, it } from 'vitest';
import {
  afterAction, afterOpen, historySummary, mayAct, parseCannedArgs, refusalText, renderTemplate, templateVars, threadReply, withoutLinks,
} from '../src/domain/handoff.ts';

// The handoff's pure rules (src/domain/handoff.ts): who may act, the state machine
// bot → waiting → human → bot, the Slack-facing summary, Slack text → customer text, templates.

const agent = { role: 'agent' as const, userId: 1 };
const other = { role: 'agent' as const, userId: 2 };
const lead = { role: 'lead' as const, userId: 3 };

describe('who may act', () => {
  it('agents, leads and admins may act; QA reviewers and developers may not', () => {
    expect(mayAct('reply', agent, null).ok).toBe(true);
    expect(mayAct('reply', { role: 'admin', userId: 9 }, null).ok).toBe(true);
    expect(mayAct('reply', { role: 'qa', userId: 9 }, null)).toMatchObject({ ok: false, reason: expect.stringMatching(/support agents, team leads and admins/) });
    expect(mayAct('assign_self', { role: 'developer', userId: 9 }, null).ok).toBe(false);
  });

  it('the assignee owns the conversation; a lead may take it over; only leads and admins block', () => {
    expect(mayAct('reply', other, agent.userId)).toMatchObject({ ok: false, reason: expect.stringMatching(/assigned to someone else/) });
    expect(mayAct('assign_self', other, agent.userId).ok).toBe(false);
    expect(mayAct('resume', agent, agent.userId).ok).toBe(true);
    expect(mayAct('transfer', lead, agent.userId).ok).toBe(true);
    expect(mayAct('block', agent, null)).toMatchObject({ ok: false, reason: 'only team leads and admins may block a customer' });
    expect(mayAct('block', lead, agent.userId).ok).toBe(true);
  });
});

describe('state transitions', () => {
  it('open hands a bot conversation off, and leaves one humans already have alone', () => {
    expect(afterOpen({ state: 'bot', assignedToId: 5 })).toEqual({ state: 'waiting', assignedToId: null });
    expect(afterOpen({ state: 'human', assignedToId: 5 })).toEqual({ state: 'human', assignedToId: 5 });
  });

  it('reply assigns the replier when nobody has it; resume gives it back; transfer reassigns', () => {
    const waiting = { state: 'waiting' as const, assignedToId: null };
    expect(afterAction(waiting, 'reply', 1)).toEqual({ state: 'human', assignedToId: 1 });
    expect(afterAction({ state: 'human', assignedToId: 3 }, 'reply', 1)).toEqual({ state: 'human', assignedToId: 3 });
    expect(afterAction({ state: 'human', assignedToId: 3 }, 'resume', 3)).toEqual({ state: 'bot', assignedToId: null });
    expect(afterAction({ state: 'human', assignedToId: 3 }, 'transfer', 3, 7)).toEqual({ state: 'human', assignedToId: 7 });
    expect(afterAction({ state: 'bot', assignedToId: null }, 'assign_self', 4)).toEqual({ state: 'human', assignedToId: 4 });
    expect(afterAction(waiting, 'block', 3)).toEqual(waiting);
    expect(() => afterAction(waiting, 'transfer', 3)).toThrow(/target/);
  });
});

describe('summary and texts', () => {
  const now = new Date('2026-12-01T15:00:00Z');
  it('lists the last messages with times, links removed, long ones cut', () => {
    const lines = historySummary(
      [
        { from: 'customer', text: 'old', at: new Date('2026-11-28T09:05:00Z') },
        { from: 'bot', text: 'see https://evil.example/x?y=1 or www.shop.example', at: new Date('2026-12-01T14:01:00Z') },
        { from: 'customer', text: 'x'.repeat(400), at: new Date('2026-12-01T14:02:00Z') },
      ],
      { now, timeZone: 'Europe/Berlin', max: 2 },
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('15:01 Bot: see [link] or [link]');
    expect(lines[1]!.startsWith('15:02 Customer: xxx')).toBe(true);
    expect(lines[1]!.length).toBeLessThan(260);
    expect(historySummary([{ from: 'human', text: 'hi', at: new Date('2026-11-28T09:05:00Z') }], { now, timeZone: 'UTC' })[0]).toBe('Sat 28 Nov 09:05 Agent: hi');
    expect(withoutLinks('http://a.b')).toBe('[link]');
  });

  it('turns Slack markup into customer text; // is an internal note', () => {
    expect(threadReply('Hi <@U123>, see <https://shop.example/a|our page> &amp; &lt;3')).toEqual({ kind: 'send', text: 'Hi , see our page (https://shop.example/a) & <3' });
    expect(threadReply('// checking the order first')).toEqual({ kind: 'note', text: 'checking the order first' });
    expect(threadReply('<@U123>')).toEqual({ kind: 'empty' });
  });

  it('fills templates and refuses one with a missing variable', () => {
    const vars = templateVars({ customerName: 'Jane Doe', pageName: 'Acme', agentName: null });
    expect(renderTemplate('Hi {{ first_name }}, {{Page_Name}} here.', vars)).toEqual({ ok: true, text: 'Hi Jane, Acme here.' });
    expect(renderTemplate('Hi {{first_name}}, I am {{agent_name}}', vars)).toMatchObject({ ok: false, reason: expect.stringContaining('{{agent_name}}') });
    expect(renderTemplate('x'.repeat(2001), vars).ok).toBe(false);
  });

  it('parses /canned', () => {
    expect(parseCannedArgs('')).toEqual({ kind: 'list' });
    expect(parseCannedArgs('list')).toEqual({ kind: 'list' });
    expect(parseCannedArgs('greeting')).toEqual({ kind: 'send', name: 'greeting' });
    expect(parseCannedArgs('greeting #42')).toEqual({ kind: 'send', name: 'greeting', conversationId: 42 });
    expect(parseCannedArgs('greeting abc').kind).toBe('bad');
    expect(parseCannedArgs('a b c').kind).toBe('bad');
  });

  it('explains refusals', () => {
    expect(refusalText({ status: 'refused', reason: 'outside the 7-day human agent window (the customer last wrote 9 days ago)' })).toMatch(/only within 7 days.*9 days ago/);
    expect(refusalText({ status: 'failed', code: 551, reason: "This person isn't available right now" })).toMatch(/error 551/);
  });
});
