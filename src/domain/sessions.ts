import { customerSignals } from './scoring/offline-signals.ts';

// A session is an episode of a conversation: a new one starts after SESSION_GAP_MS of
// silence (DESIGN §4). Its completion (complete | in_progress | incomplete) is derived from
// its messages and the clock, and is independent of whether it is archived.

export const SESSION_GAP_MS = 12 * 60 * 60 * 1000;

export const COMPLETION_STATUSES = ['complete', 'in_progress', 'incomplete'] as const;
export type CompletionStatus = (typeof COMPLETION_STATUSES)[number];
export const ARCHIVE_STATUSES = ['active', 'archived'] as const;
export type ArchiveStatus = (typeof ARCHIVE_STATUSES)[number];

export interface SessionTail {
  /** the customer's last message in the session, if the customer wrote at all */
  lastCustomer?: { text: string | null; classification: string | null };
  /** time of the session's last message (ms) */
  endedAt: number;
  /** whether this is the conversation's latest session (only that one can still be open) */
  isLast: boolean;
}

/**
 * Complete when the customer's last word closes the conversation (a thank-you: the
 * classifier's `gratitude`, or for unclassified messages the scorer's closing words); else
 * in progress while the latest session is inside the gap; else incomplete. Classified
 * messages follow the classifier only, as the demo data does, so a recomputation agrees with it.
 */
export function completionOf(s: SessionTail, now: number, gapMs = SESSION_GAP_MS): CompletionStatus {
  const c = s.lastCustomer;
  const closed = c ? (c.classification !== null ? c.classification === 'gratitude' : customerSignals(c.text, null).closing) : false;
  if (closed) return 'complete';
  return s.isLast && now - s.endedAt <= gapMs ? 'in_progress' : 'incomplete';
}
