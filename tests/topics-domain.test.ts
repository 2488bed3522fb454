import { describe, expect, it } from 'vitest';
import type { ConversationDay, DayMessage } from '../src/domain/scoring/types.ts';
import { canonicalLabel, labelCustomerMessages, topicsOf } from '../src/domain/topics.ts';

const at = new Date('2026-11-25T14:30:00Z');
const msg = (m: Partial<DayMessage>): DayMessage => ({ direction: 'to_company', senderKind: 'customer', text: null, at, ...m });
const day = (messages: DayMessage[]): ConversationDay => ({
  key: '1', conversationId: 1, day: '2026-11-25', messages, priorContactDays: 0, customerReturnedLater: false,
});

describe('topicsOf', () => {
  it('lists each label once, most frequent first, ties by label, greetings and thanks left out', () => {
    expect(topicsOf(['shipping', 'first_contact', 'complaint', 'shipping', 'gratitude', null, 'complaint', 'availability_check'])).toEqual([
      'complaint', 'shipping', 'availability_check',
    ]);
    expect(topicsOf(['first_contact', 'gratitude'])).toEqual([]);
  });
});

describe('canonicalLabel', () => {
  it('maps the demo data\'s earlier names onto the customer agent\'s labels', () => {
    expect(['shipping_question', 'return_request', 'account_issue', 'complaints', 'price'].map(canonicalLabel)).toEqual([
      'shipping', 'returns', 'general_inquiry', 'complaint', 'price_inquiry',
    ]);
    expect(canonicalLabel('human_request')).toBe('human_request');
  });
});

describe('labelCustomerMessages', () => {
  it('labels unlabelled customer messages with words, and nothing else', () => {
    const { days, labels } = labelCustomerMessages([
      day([
        msg({ id: 1, text: 'hello!', firstOfConversation: true }),
        msg({ id: 2, text: 'hello!', firstOfConversation: false }),
        msg({ id: 3, text: 'How much is the blue lamp?', classification: 'complaint' }),
        msg({ id: 4, text: '👍' }),
        msg({ id: 5, text: 'I want a refund, this is broken', firstOfConversation: false }),
        msg({ id: 6, text: 'It shipped today', direction: 'to_client', senderKind: 'human_agent' }),
        msg({ text: 'no id: not from the database' }),
      ]),
    ]);
    expect(labels.map((l) => [l.messageId, l.intent])).toEqual([
      [1, 'first_contact'],
      [2, 'general_inquiry'],
      [5, 'complaint'],
    ]);
    expect(days[0]!.messages.map((m) => m.classification ?? null)).toEqual([
      'first_contact', 'general_inquiry', 'complaint', null, 'complaint', null, null,
    ]);
  });
});
