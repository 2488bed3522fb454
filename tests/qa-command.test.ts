import { describe, expect, it } from 'vitest';
import { cardButtons, formatMs, notesModal, QA_ACTION, queueBlocks, queueHead, showBlocks, stateLine } from '../src/bots/slack/qa-blocks.ts';
import type { QaCard } from '../src/db/qa-review-repo.ts';
import { parseQaCommand, parseSessionId, QUEUE_DEFAULT, QUEUE_MAX } from '../src/domain/qa-command.ts';
import { qaTargets } from '../src/domain/qa.ts';

// The pure halves of /qa: reading the command text, and the blocks (what buttons a state and a
// role get, escaping of notes, the transcript's paging).

describe('parseQaCommand', () => {
  it('reads queue [n] [page]: a number of sessions, then a page number or a Messenger page name', () => {
    expect(parseQaCommand('queue')).toEqual({ kind: 'queue', limit: QUEUE_DEFAULT, pageNumber: 1 });
    expect(parseQaCommand('queue 3')).toEqual({ kind: 'queue', limit: 3, pageNumber: 1 });
    expect(parseQaCommand('queue 3 2')).toEqual({ kind: 'queue', limit: 3, pageNumber: 2 });
    expect(parseQaCommand('QUEUE 4 Oakhaven Home')).toEqual({ kind: 'queue', limit: 4, pageNumber: 1, pageName: 'Oakhaven Home' });
    expect(parseQaCommand('queue 500')).toEqual({ kind: 'queue', limit: QUEUE_MAX, pageNumber: 1 });
    expect(parseQaCommand('queue 0')).toMatchObject({ kind: 'help', problem: expect.stringContaining('at least 1') });
    expect(parseQaCommand('queue 2 0')).toMatchObject({ kind: 'help', problem: expect.stringContaining('Pages start at 1') });
  });

  it('reads pass / issue / fixed with an id and keeps the notes as written, line breaks included', () => {
    expect(parseQaCommand('pass 42')).toEqual({ kind: 'change', to: 'passed', sessionId: 42 });
    expect(parseQaCommand('pass #42 fine, polite')).toEqual({ kind: 'change', to: 'passed', sessionId: 42, text: 'fine, polite' });
    expect(parseQaCommand('issue 7')).toEqual({ kind: 'change', to: 'issue', sessionId: 7 });
    expect(parseQaCommand('issue 7 wrong price\nand  rude')).toEqual({ kind: 'change', to: 'issue', sessionId: 7, text: 'wrong price\nand  rude' });
    expect(parseQaCommand('  fixed   9   new prompt ')).toEqual({ kind: 'change', to: 'fixed', sessionId: 9, text: 'new prompt' });
    expect(parseQaCommand('pass abc')).toMatchObject({ kind: 'help', problem: expect.stringContaining('`/qa pass <session id> [notes]`') });
    expect(parseQaCommand('fixed')).toMatchObject({ kind: 'help', problem: expect.stringContaining('`/qa fixed <session id> [feedback]`') });
  });

  it('reads review <id>, dispute <id> <reason> (reason kept as written) and disputes', () => {
    expect(parseQaCommand('review 42')).toEqual({ kind: 'review', sessionId: 42 });
    expect(parseQaCommand('score #7')).toEqual({ kind: 'review', sessionId: 7 });
    expect(parseQaCommand('review 42 extra')).toMatchObject({ kind: 'help', problem: expect.stringContaining('/qa review <session id>') });
    expect(parseQaCommand('dispute 9 the price\nwas right')).toEqual({ kind: 'dispute', sessionId: 9, reason: 'the price\nwas right' });
    expect(parseQaCommand('dispute 9')).toEqual({ kind: 'dispute', sessionId: 9 });
    expect(parseQaCommand('dispute x')).toMatchObject({ kind: 'help', problem: expect.stringContaining('/qa dispute <session id> [reason]') });
    expect(parseQaCommand('disputes')).toEqual({ kind: 'disputes' });
    expect(parseQaCommand('calibrate 12')).toEqual({ kind: 'calibrate', sessionId: 12 });
    expect(parseQaCommand('calibration 3')).toEqual({ kind: 'calibration', calibrationId: 3 });
    expect(parseQaCommand('calibration 3 CLOSE')).toEqual({ kind: 'calibration', calibrationId: 3, close: true });
    expect(parseQaCommand('calibration 3 open')).toMatchObject({ kind: 'help', problem: expect.stringContaining('/qa calibration <calibration id> [close]') });
  });

  it('reads show <id> and stats [period]; anything else is help, with what was wrong', () => {
    expect(parseQaCommand('show 12')).toEqual({ kind: 'show', sessionId: 12 });
    expect(parseQaCommand('show twelve')).toMatchObject({ kind: 'help', problem: expect.stringContaining('/qa show <session id>') });
    expect(parseQaCommand('stats')).toEqual({ kind: 'stats' });
    expect(parseQaCommand('stats last month')).toEqual({ kind: 'stats', periodText: 'last month' });
    expect(parseQaCommand('')).toEqual({ kind: 'help' });
    expect(parseQaCommand('help')).toEqual({ kind: 'help' });
    expect(parseQaCommand('delete 4')).toMatchObject({ kind: 'help', problem: "I don't know `/qa delete`. Here is what I can do." });
  });

  it('session ids are positive whole numbers, with or without #', () => {
    expect(parseSessionId('42')).toBe(42);
    expect(parseSessionId('#42')).toBe(42);
    for (const w of ['0', '-1', '4.2', '42a', '', undefined, '1234567890']) expect(parseSessionId(w), String(w)).toBeUndefined();
  });
});

const card = (over: Partial<QaCard> = {}): QaCard => ({
  sessionId: 5, conversationId: 2, page: 'Acme <Shop> & Co', startedAt: new Date('2026-11-20T08:03:00Z'), endedAt: new Date('2026-11-20T09:00:00Z'),
  messageCount: 12, aiMessageCount: 5, humanHandoff: true, completionStatus: 'in_progress', qaStatus: 'unchecked', qaVersion: 3,
  qaNotes: null, devFeedback: null, qaAt: null, qaBy: null, ...over,
});

describe('qa blocks', () => {
  it('buttons follow the state and carry the session, its version and the listed sessions', () => {
    const a = cardButtons(card(), qaTargets('unchecked', 'admin'), [5, 6]);
    expect(a.elements.map((e) => ('action_id' in e ? e.action_id : ''))).toEqual([QA_ACTION.pass, QA_ACTION.issue, QA_ACTION.show]);
    expect(JSON.parse((a.elements[0] as { value: string }).value)).toEqual({ sessionId: 5, version: 3, list: [5, 6] });
    const fixed = cardButtons(card({ qaStatus: 'fixed' }), qaTargets('fixed', 'admin'));
    expect(fixed.elements.map((e) => (e as { text: { text: string } }).text.text)).toEqual(['Verify (pass)', 'Reopen (issue)', 'Show']);
    // a developer's own view of an issue: Mark fixed and Show only
    const dev = cardButtons(card({ qaStatus: 'issue' }), qaTargets('issue', 'developer'));
    expect(dev.elements.map((e) => (e as { text: { text: string } }).text.text)).toEqual(['Mark fixed', 'Show']);
    // an agent reads only
    expect(cardButtons(card(), qaTargets('unchecked', 'agent')).elements).toHaveLength(1);
  });

  it('escapes page names and notes, and says who set the state and when, in the business timezone', () => {
    const c = card({ qaStatus: 'issue', qaAt: new Date('2026-11-20T10:15:00Z'), qaBy: { slackId: 'U0QA' }, qaNotes: '<!channel> ignored @here' });
    const blocks = queueBlocks(queueHead({ waiting: 1, limit: 5, pageNumber: 1 }, 'Europe/Berlin'), [c], { timeZone: 'Europe/Berlin', targets: () => [] });
    const text = JSON.stringify(blocks);
    expect(text).toContain('Acme &lt;Shop&gt; &amp; Co');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(stateLine(c, 'Europe/Berlin')).toBe(':warning: *issue* by <@U0QA> on Fri 20 Nov 11:15');
    expect(text).toContain('started Fri 20 Nov 09:03');
  });

  it('a transcript page offers Previous and More only where there is something, and a caller who may not read it is told why', () => {
    const msg = (n: number) => ({ n, at: new Date('2026-11-20T08:00:00Z'), from: 'customer' as const, text: `m${n}`, attachments: [], classification: null, confidence: null, processingMs: null });
    const first = showBlocks(card(), { timeZone: 'UTC', transcript: { total: 20, offset: 0, messages: Array.from({ length: 15 }, (_, i) => msg(i + 1)) } });
    const nav = first.blocks.find((b) => b.type === 'actions') as { elements: { text: { text: string } }[] };
    expect(nav.elements.map((e) => e.text.text)).toEqual(['More (16–20)']);
    const last = showBlocks(card(), { timeZone: 'UTC', transcript: { total: 20, offset: 15, messages: Array.from({ length: 5 }, (_, i) => msg(i + 16)) } });
    expect((last.blocks.find((b) => b.type === 'actions') as { elements: { text: { text: string } }[] }).elements.map((e) => e.text.text)).toEqual(['Previous']);
    const denied = showBlocks(card(), { timeZone: 'UTC', transcript: { denied: 'only for leads' } });
    expect(JSON.stringify(denied.blocks)).toContain('Transcript not shown: only for leads');
    expect(denied.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('durations: a tenth of a second under a minute, minutes and seconds above', () => {
    expect(formatMs(830)).toBe('0.8 s');
    expect(formatMs(12_449)).toBe('12.4 s');
    expect(formatMs(130_000)).toBe('2 min 10 s');
  });

  it('the notes modal is a modal with one required multiline input within the notes limit', () => {
    const v = notesModal({ sessionId: 5, qaStatus: 'unchecked' }, 'issue', '{"x":1}');
    expect(v).toMatchObject({ type: 'modal', callback_id: 'qa_notes_modal', private_metadata: '{"x":1}' });
    expect(v.blocks[1]).toMatchObject({ type: 'input', block_id: 'qa_notes', element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 4000 } });
    expect(v.title.text.length).toBeLessThanOrEqual(24);
  });
});
