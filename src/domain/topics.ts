import { classifyText } from './customer/classify.ts';
import { normalize } from './customer/text.ts';
import type { CustomerIntent } from './customer/types.ts';
import type { ConversationDay } from './scoring/types.ts';

// One label set for what customers write about, live, imported and demo alike: the customer
// agent's intents (src/domain/customer/classify.ts), because that is what labels live traffic.
// A message's label is `messages.classification`; a conversation's topics
// (`conversations.common_topics`) are the labels of its customer messages, most frequent first.

export const TOPIC_LABELS: readonly CustomerIntent[] = [
  'price_inquiry', 'availability_check', 'shipping', 'returns', 'complaint', 'human_request', 'general_inquiry',
  'first_contact', 'gratitude',
];

/** Labels that say how a customer wrote, not about what: left out of a conversation's topics. */
export const NOT_TOPICS: readonly CustomerIntent[] = ['first_contact', 'gratitude'];

/**
 * Earlier names and what they are now: the demo data's message labels, its conversation topics
 * ("complaints"), and words people type for them. Migration 20261206100000_one_topic_label_set
 * rewrites stored rows with the same table.
 */
export const LEGACY_LABELS: Readonly<Record<string, CustomerIntent>> = {
  shipping_question: 'shipping',
  return_request: 'returns',
  // The offline classifier has no account class: its general_inquiry cues are account,
  // password, login, payment...
  account_issue: 'general_inquiry',
  price: 'price_inquiry',
  availability: 'availability_check',
  complaints: 'complaint',
  account: 'general_inquiry',
  return: 'returns',
};

/** The current label for `name` (a legacy name is mapped; anything else is returned as given). */
export function canonicalLabel(name: string): string {
  return LEGACY_LABELS[name] ?? name;
}

/**
 * A conversation's topics from its customer messages' labels: each label once, most frequent
 * first, ties in code-point order (the SQL in db/topics-repo.ts sorts the same way, COLLATE "C").
 */
export function topicsOf(labels: readonly (string | null | undefined)[]): string[] {
  const counts = new Map<string, number>();
  for (const l of labels) {
    if (!l || (NOT_TOPICS as readonly string[]).includes(l)) continue;
    counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).map(([l]) => l);
}

/** Every message of some conversations, as columns in conversation order (what the analysis reads). */
export interface LabelledMessages {
  conversationId: readonly number[];
  id: readonly number[];
  senderKind: readonly string[];
  classification: readonly (string | null)[];
}

/**
 * The topics of each of `conversations` (topicsOf over its customer messages' labels), counted
 * from messages already in hand; `relabel` gives a message's label where it is not the one read
 * (a reviewer's correction, a label just stored). A conversation without labels gets [].
 */
export function topicsByConversation(
  messages: LabelledMessages,
  conversations: ReadonlySet<number>,
  relabel: ReadonlyMap<number, string>,
): Map<number, string[]> {
  const labels = new Map<number, (string | null)[]>();
  for (const c of conversations) labels.set(c, []);
  for (let i = 0; i < messages.id.length; i++) {
    if (messages.senderKind[i] !== 'customer') continue;
    const list = labels.get(messages.conversationId[i]!);
    if (list) list.push(relabel.get(messages.id[i]!) ?? messages.classification[i]!);
  }
  return new Map([...labels].map(([c, l]) => [c, topicsOf(l)]));
}

export interface NewLabel {
  messageId: number;
  intent: CustomerIntent;
  confidence: number;
}

/**
 * Labels every customer message of `days` that has text and no classification yet, with the
 * offline classifier (deterministic: a repeated job labels the same way). Returns the labels to
 * store and the days with them filled in, so the scorer judges the days as they will be stored.
 * A message without words (a sticker, a photo, only "👍") stays unlabelled: nothing to read.
 */
export function labelCustomerMessages<D extends ConversationDay>(days: readonly D[]): { days: D[]; labels: NewLabel[] } {
  const labels: NewLabel[] = [];
  // a day is copied only when one of its messages gets a label: most days have none to get
  const out = days.map((day) => {
    let messages: ConversationDay['messages'] | undefined;
    day.messages.forEach((m, i) => {
      if (m.senderKind !== 'customer' || m.classification || m.id === undefined || !m.text || normalize(m.text) === '') return;
      const c = classifyText(m.text, m.firstOfConversation === true);
      labels.push({ messageId: m.id, intent: c.intent, confidence: c.confidence });
      messages ??= [...day.messages];
      messages[i] = { ...m, classification: c.intent };
    });
    return messages ? { ...day, messages } : day;
  });
  return { days: out, labels };
}
