import { SESSION_GAP_MS, completionOf, type CompletionStatus } from './sessions.ts';

// The sessions and reply facts of a conversation whose every message is at hand (an import's
// batch that created it), computed in memory with the rules of the SQL rebuild
// (db/sessions-rebuild.ts, db/reply-facts.ts), so the importer can write them with its batch
// instead of reading the messages back afterwards. tests/import-built-sessions.test.ts checks
// that the SQL rebuild finds nothing to change afterwards.

export interface BuildMessage {
  /** messages.id */
  id: number;
  atMs: number;
  senderKind: 'customer' | 'bot' | 'human_agent';
  direction: 'to_company' | 'to_client';
  text: string | null;
  classification: string | null;
  /** agent_info ->> 'name' */
  agentName: string | null;
}

export interface BuiltSession {
  sequence: number;
  startedMs: number;
  endedMs: number;
  messages: number;
  ai: number;
  handoff: boolean;
  completion: CompletionStatus;
  firstReplyMs: number | null;
  firstHumanReplyMs: number | null;
  firstBotReplyMs: number | null;
  firstHumanAgent: string | null;
}

export interface BuiltReply {
  messageId: number;
  askedMs: number;
  repliedMs: number;
  kind: BuildMessage['senderKind'];
  agent: string | null;
}

/**
 * The text as a string of its own. A reader's text is a slice of the 64 KB chunk it was read
 * from, and completionOf's signals memoise their text as a key (up to 20,000 of them): each
 * such key kept its whole chunk alive, and a million-message import grew to 900 MB.
 */
const ownCopy = (s: string | null): string | null => (s === null ? null : (` ${s}`).slice(1));

/** Messages in (time, id) order: the order of every window in the SQL. */
const byTimeThenId = (a: BuildMessage, b: BuildMessage) => a.atMs - b.atMs || a.id - b.id;

/** A conversation's sessions: a new one after every silence longer than `gapMs`. `messages` is sorted in place. */
export function buildSessions(messages: BuildMessage[], nowMs: number, gapMs = SESSION_GAP_MS): BuiltSession[] {
  messages.sort(byTimeThenId);
  const sessions: BuiltSession[] = [];
  let lastCustomer: BuildMessage | undefined;
  let current: BuiltSession | undefined;
  const close = (isLast: boolean) => {
    if (!current) return;
    current.completion = completionOf(
      { ...(lastCustomer ? { lastCustomer: { text: ownCopy(lastCustomer.text), classification: lastCustomer.classification } } : {}), endedAt: current.endedMs, isLast },
      nowMs,
      gapMs,
    );
    sessions.push(current);
  };
  let firstHumanSeen = false;
  for (const m of messages) {
    if (!current || m.atMs - current.endedMs > gapMs) {
      close(false);
      current = {
        sequence: sessions.length + 1, startedMs: m.atMs, endedMs: m.atMs, messages: 0, ai: 0, handoff: false, completion: 'incomplete',
        firstReplyMs: null, firstHumanReplyMs: null, firstBotReplyMs: null, firstHumanAgent: null,
      };
      lastCustomer = undefined;
      firstHumanSeen = false;
    }
    current.endedMs = m.atMs;
    current.messages++;
    if (m.senderKind === 'bot') current.ai++;
    if (m.senderKind === 'human_agent' || m.classification === 'human_request') current.handoff = true;
    if (m.senderKind === 'customer') lastCustomer = m;
    if (m.senderKind === 'human_agent' && !firstHumanSeen) {
      firstHumanSeen = true;
      current.firstHumanAgent = m.agentName;
    }
    if (m.direction === 'to_client') {
      current.firstReplyMs ??= m.atMs;
      if (m.senderKind === 'human_agent') current.firstHumanReplyMs ??= m.atMs;
      if (m.senderKind === 'bot') current.firstBotReplyMs ??= m.atMs;
    }
  }
  close(true);
  return sessions;
}

/**
 * Each customer message's reply: the first message to the client at or after its time, in
 * (time, id) order. `messages` must be sorted as buildSessions leaves them.
 */
export function buildReplies(messages: readonly BuildMessage[]): BuiltReply[] {
  const replies: BuiltReply[] = [];
  // the next reply at or after position i, scanning backwards
  let next: BuildMessage | undefined;
  const answer = new Array<BuildMessage | undefined>(messages.length);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.direction === 'to_client') next = m;
    answer[i] = next;
  }
  for (let i = 0; i < messages.length; i++) {
    const q = messages[i]!;
    if (q.senderKind !== 'customer') continue;
    // a reply at the same time but with a lower id counts too (it is not "earlier" than the question)
    let r = answer[i];
    for (let j = i - 1; j >= 0 && messages[j]!.atMs === q.atMs; j--) if (messages[j]!.direction === 'to_client') r = messages[j];
    if (r) replies.push({ messageId: q.id, askedMs: q.atMs, repliedMs: r.atMs, kind: r.senderKind, agent: r.agentName });
  }
  return replies;
}
