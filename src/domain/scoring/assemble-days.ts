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

/** Every message of some conversations, one array per field, ordered by conversation, time, id. */
export interface MessageColumns {
  conversationId: number[];
  id: number[];
  toClient: boolean[];
  senderKind: DayMessage['senderKind'][];
  text: (string | null)[];
  atMs: number[];
  classification: (string | null)[];
  dayNo: number[];
  /** the human agent's name on a human agent's message */
  agent: (string | null)[];
}

export interface AssembledDay extends ConversationDay {
  dayNo: number;
  messageCount: number;
  /** the human agents who wrote that day, distinct, sorted */
  humanAgents: string[];
}

const EPOCH_MS = Date.UTC(2000, 0, 1);
/** YYYY-MM-DD of a day number (days since 2000-01-01). */
export const dayString = (dayNo: number) => new Date(EPOCH_MS + dayNo * 86_400_000).toISOString().slice(0, 10);

/**
 * The days of whole conversations, as assembleDays builds them, straight from columns: each
 * conversation's days are runs of its time-ordered messages, so one pass finds every day's
 * message count and the customer's days without a map, and only the days `wanted` accepts (by
 * conversation, day number and message count) get message objects. Keys are "conversation:day".
 */
export function assembleConversationDays(
  cols: MessageColumns,
  wanted: (conversationId: number, dayNo: number, messageCount: number) => boolean,
): AssembledDay[] {
  const out: AssembledDay[] = [];
  const n = cols.id.length;
  const customerDays: number[] = [];
  const runs: number[] = []; // start index of each day run of the current conversation
  let start = 0;
  while (start < n) {
    const conversationId = cols.conversationId[start]!;
    let end = start;
    let firstCustomer = -1;
    customerDays.length = 0;
    runs.length = 0;
    for (; end < n && cols.conversationId[end] === conversationId; end++) {
      const day = cols.dayNo[end]!;
      if (end === start || cols.dayNo[end - 1] !== day) runs.push(end);
      if (firstCustomer < 0 && cols.senderKind[end] === 'customer') firstCustomer = end;
      if (!cols.toClient[end] && customerDays[customerDays.length - 1] !== day) customerDays.push(day);
    }
    for (let r = 0; r < runs.length; r++) {
      const from = runs[r]!;
      const to = r + 1 < runs.length ? runs[r + 1]! : end;
      const dayNo = cols.dayNo[from]!;
      if (!wanted(conversationId, dayNo, to - from)) continue;
      const messages: DayMessage[] = [];
      const agents = new Set<string>();
      for (let i = from; i < to; i++) {
        const senderKind = cols.senderKind[i]!;
        const classification = cols.classification[i]!;
        const msg: DayMessage = {
          direction: cols.toClient[i] ? 'to_client' : 'to_company',
          senderKind,
          text: cols.text[i]!,
          at: new Date(cols.atMs[i]!),
          classification,
          id: cols.id[i]!,
        };
        // only stated where it is used: an unlabelled customer message (see domain/topics.ts)
        if (senderKind === 'customer' && classification == null) msg.firstOfConversation = i === firstCustomer;
        messages.push(msg);
        const agent = cols.agent[i];
        if (senderKind === 'human_agent' && agent != null) agents.add(agent);
      }
      let prior = 0;
      let returned = false;
      for (const d of customerDays) {
        if (d >= dayNo - CONTEXT_DAYS && d < dayNo) prior++;
        else if (d > dayNo && d <= dayNo + CONTEXT_DAYS) returned = true;
      }
      out.push({
        key: `${conversationId}:${dayNo}`,
        conversationId,
        day: dayString(dayNo),
        dayNo,
        messageCount: to - from,
        humanAgents: [...agents].sort(),
        messages,
        priorContactDays: prior,
        customerReturnedLater: returned,
      });
    }
    start = end;
  }
  return out;
}
