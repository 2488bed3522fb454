import { describe, expect, it } from 'vitest';
import { assembleDays, type StreamedMessage } from '../src/domain/scoring/assemble-days.ts';

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
