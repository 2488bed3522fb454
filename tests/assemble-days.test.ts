import { describe, expect, it } from 'vitest';
import { assembleConversationDays, assembleDays, type MessageColumns, type StreamedMessage } from '../src/domain/scoring/assemble-days.ts';

// The in-memory assembly that replaced the per-day context subqueries of the analysis load:
// the 7-day windows are inclusive and exclusive exactly where the SQL's were.

const msg = (conversationId: number, dayNo: number, id: number, over: Partial<StreamedMessage> = {}): StreamedMessage => ({
  conversationId,
  dayNo,
  id,
  direction: 'to_company',
  senderKind: 'customer',
  text: 'hello',
  at: new Date(Date.UTC(2026, 0, 1) + dayNo * 86_400_000 + id * 1000),
  classification: 'general_inquiry',
  firstCustomer: false,
  ...over,
});

describe('assembleDays', () => {
  it('counts prior contact days in [day-7, day) and a return in (day, day+7]', () => {
    const messages = [
      msg(1, 2, 1), // 8 days before day 10: outside
      msg(1, 3, 2), // 7 days before: inside
      msg(1, 3, 3), // same day again: counted once
      msg(1, 9, 4, { direction: 'to_client', senderKind: 'bot' }), // the company writing is no contact
      msg(1, 10, 5),
      msg(1, 17, 6, { direction: 'to_client', senderKind: 'bot' }),
      msg(2, 10, 7),
      msg(2, 18, 8), // 8 days later: no return
    ];
    const days = assembleDays(
      [
        { key: 'b', conversationId: 2, day: '2026-01-11', dayNo: 10 },
        { key: 'a', conversationId: 1, day: '2026-01-11', dayNo: 10 },
        { key: 'c', conversationId: 1, day: '2026-01-04', dayNo: 3 },
      ],
      messages,
    );
    expect(days.map((d) => [d.key, d.priorContactDays, d.customerReturnedLater, d.messages.map((m) => m.id)])).toEqual([
      ['b', 0, false, [7]],
      ['a', 1, false, [5]],
      ['c', 1, true, [2, 3]],
    ]);
  });

  it('marks first-of-conversation only on unlabelled customer messages, and gives a day without messages none', () => {
    const days = assembleDays(
      [
        { key: 'x', conversationId: 5, day: '2026-01-02', dayNo: 1 },
        { key: 'y', conversationId: 6, day: '2026-01-02', dayNo: 1 },
      ],
      [
        msg(5, 1, 1, { classification: null, firstCustomer: true }),
        msg(5, 1, 2, { classification: null }),
        msg(5, 1, 3, { firstCustomer: false }),
        msg(5, 1, 4, { direction: 'to_client', senderKind: 'human_agent', classification: null }),
      ],
    );
    expect(days[0]!.messages.map((m) => m.firstOfConversation)).toEqual([true, false, undefined, undefined]);
    expect(days[1]).toMatchObject({ messages: [], priorContactDays: 0, customerReturnedLater: false });
  });
});

/** The stream as columns, as the analysis load reads it (first customer message per conversation by order). */
function columns(messages: (StreamedMessage & { agent?: string | null })[]): MessageColumns {
  return {
    conversationId: messages.map((m) => m.conversationId),
    id: messages.map((m) => m.id!),
    toClient: messages.map((m) => m.direction === 'to_client'),
    senderKind: messages.map((m) => m.senderKind),
    text: messages.map((m) => m.text),
    atMs: messages.map((m) => m.at.getTime()),
    classification: messages.map((m) => m.classification ?? null),
    dayNo: messages.map((m) => m.dayNo),
    agent: messages.map((m) => m.agent ?? null),
  };
}

describe('assembleConversationDays', () => {
  const messages = [
    msg(1, 2, 1, { classification: null }),
    msg(1, 3, 2),
    msg(1, 3, 3, { direction: 'to_client', senderKind: 'human_agent', agent: 'Zoe' } as Partial<StreamedMessage>),
    msg(1, 3, 4, { direction: 'to_client', senderKind: 'human_agent', agent: 'Ann' } as Partial<StreamedMessage>),
    msg(1, 3, 5, { direction: 'to_client', senderKind: 'human_agent', agent: 'Zoe' } as Partial<StreamedMessage>),
    msg(1, 9, 6, { direction: 'to_client', senderKind: 'bot' }),
    msg(1, 10, 7, { classification: null }),
    msg(2, 10, 8, { direction: 'to_client', senderKind: 'bot' }),
    msg(2, 10, 9, { classification: null }),
    msg(2, 18, 10),
  ];

  it('builds every day of the conversations as assembleDays does, with counts and human agents', () => {
    const all = assembleConversationDays(columns(messages), () => true);
    const firstCustomer = new Set([1, 9]);
    const expected = assembleDays(
      all.map((d) => ({ key: d.key, conversationId: d.conversationId, day: d.day, dayNo: d.dayNo })),
      messages.map((m) => ({ ...m, firstCustomer: firstCustomer.has(m.id!) })),
    );
    expect(all.map(({ dayNo: _d, messageCount: _n, humanAgents: _h, ...day }) => day)).toEqual(expected);
    expect(all.map((d) => [d.key, d.day, d.messageCount, d.humanAgents])).toEqual([
      ['1:2', '2000-01-03', 1, []],
      ['1:3', '2000-01-04', 4, ['Ann', 'Zoe']],
      ['1:9', '2000-01-10', 1, []],
      ['1:10', '2000-01-11', 1, []],
      ['2:10', '2000-01-11', 2, []],
      ['2:18', '2000-01-19', 1, []],
    ]);
  });

  it('builds only the days asked for, by conversation, day and message count', () => {
    const stored = new Map([['1:3', 4], ['1:10', 2], ['2:10', 2]]);
    const days = assembleConversationDays(columns(messages), (c, d, n) => stored.get(`${c}:${d}`) !== n);
    expect(days.map((d) => d.key)).toEqual(['1:2', '1:9', '1:10', '2:18']);
  });
});
