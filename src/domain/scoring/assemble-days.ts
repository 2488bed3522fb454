import type { ConversationDay, DayMessage } from './types.ts';

// Builds the conversation-days a scorer judges from one ordered stream of messages, so the
// analysis reads a batch's messages in a single query instead of asking the database, per day,
// about the days around it. Days are numbered (days since an epoch in the business timezone),
// which makes "within 7 days before/after" integer arithmetic.

export interface WantedDay {
  key: string;
  conversationId: number;
  /** YYYY-MM-DD in the business timezone */
  day: string;
  dayNo: number;
}

export interface StreamedMessage extends Omit<DayMessage, 'firstOfConversation'> {
  conversationId: number;
  dayNo: number;
  /** this is the conversation's first customer message ever (earliest by time, then id) */
  firstCustomer: boolean;
}

/** How far back "prior contact" and forward "came back" look, in days (DESIGN.md §5, offline scorer). */
export const CONTEXT_DAYS = 7;

/**
 * `messages`: every message of the wanted days' conversations from CONTEXT_DAYS before the
 * earliest wanted day to CONTEXT_DAYS after the latest, ordered by conversation, time, id.
 * Returns the wanted days in the order given, each with that day's messages and its context:
 * priorContactDays = distinct days in [day−7, day) on which the customer wrote,
 * customerReturnedLater = the customer wrote on a day in (day, day+7].
 */
export function assembleDays(wanted: readonly WantedDay[], messages: readonly StreamedMessage[]): ConversationDay[] {
  const byConversation = new Map<number, { days: Map<number, DayMessage[]>; customerDays: number[] }>();
  for (const m of messages) {
    let c = byConversation.get(m.conversationId);
    if (!c) byConversation.set(m.conversationId, (c = { days: new Map(), customerDays: [] }));
    let list = c.days.get(m.dayNo);
    if (!list) c.days.set(m.dayNo, (list = []));
    const msg: DayMessage = {
      direction: m.direction,
      senderKind: m.senderKind,
      text: m.text,
      at: m.at,
      classification: m.classification,
      id: m.id,
    };
    // only stated where it is used: an unlabelled customer message (see domain/topics.ts)
    if (m.senderKind === 'customer' && m.classification == null) msg.firstOfConversation = m.firstCustomer;
    list.push(msg);
    // messages come in time order, so customer days are ascending; keep each day once
    if (m.direction === 'to_company' && c.customerDays[c.customerDays.length - 1] !== m.dayNo) c.customerDays.push(m.dayNo);
  }
  return wanted.map((w) => {
    const c = byConversation.get(w.conversationId);
    let prior = 0;
    let returned = false;
    for (const d of c?.customerDays ?? []) {
      if (d >= w.dayNo - CONTEXT_DAYS && d < w.dayNo) prior++;
      else if (d > w.dayNo && d <= w.dayNo + CONTEXT_DAYS) returned = true;
    }
    return {
      key: w.key,
      conversationId: w.conversationId,
      day: w.day,
      messages: c?.days.get(w.dayNo) ?? [],
      priorContactDays: prior,
      customerReturnedLater: returned,
    };
  });
}
