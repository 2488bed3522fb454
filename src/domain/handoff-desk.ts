// The desk's plain rules: what `/handoffs` was asked, and how old a case reads. No I/O, no
// clock: callers pass `now`.

export type HandoffsArgs =
  | { kind: 'list' }
  | { kind: 'notes' | 'resolve' | 'unblock'; conversationId: number }
  | { kind: 'bad'; reason: string };

export const HANDOFFS_USAGE = 'usage: `/handoffs` lists the waiting and assigned conversations; `/handoffs notes <conversation id>` shows the private notes of its case; `/handoffs resolve <conversation id>` and `/handoffs unblock <conversation id>` do what the thread\'s buttons do';

/** `/handoffs [list]`, `/handoffs notes|resolve|unblock <conversation id>`. */
export function parseHandoffsArgs(text: string): HandoffsArgs {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  if (!verb || verb === 'list') return words.length <= 1 ? { kind: 'list' } : { kind: 'bad', reason: HANDOFFS_USAGE };
  if (verb !== 'notes' && verb !== 'resolve' && verb !== 'unblock') return { kind: 'bad', reason: HANDOFFS_USAGE };
  if (words.length !== 2) return { kind: 'bad', reason: HANDOFFS_USAGE };
  const n = Number(words[1]!.replace(/^#/, ''));
  return Number.isInteger(n) && n > 0 ? { kind: verb, conversationId: n } : { kind: 'bad', reason: `"${words[1]}" is not a conversation id (a number, as shown in the handoff thread)` };
}

/** How long a case has been open: "45 min", "5 h 10 min", "3 days". */
export function caseAge(openedAt: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - openedAt.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

/** A transfer's reason as given: trimmed, one line, at most 500 characters. */
export function transferReason(raw: string | null | undefined): string | undefined {
  const r = (raw ?? '').replace(/\s+/g, ' ').trim();
  return r ? r.slice(0, 500) : undefined;
}
