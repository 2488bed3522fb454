// Messenger's messaging windows and how Send API errors are treated (Meta's platform policy):
// - a page may answer with messaging_type RESPONSE for 24 hours after the customer's latest
//   message; the bot never sends outside that window and never carries a tag;
// - a human agent may answer for 7 days with messaging_type MESSAGE_TAG and tag HUMAN_AGENT
//   (RESPONSE inside 24 h); beyond 7 days nothing may be sent.

export const RESPONSE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export type SenderRole = 'bot' | 'human';

export type SendPlan =
  | { ok: true; messagingType: 'RESPONSE' | 'MESSAGE_TAG'; tag?: 'HUMAN_AGENT' }
  | { ok: false; reason: string };

/** How (and whether) a message may go to a customer whose latest message was at `lastMessageAt`. */
export function planSend(sender: SenderRole, lastMessageAt: Date | null, now: Date): SendPlan {
  if (!lastMessageAt) return { ok: false, reason: 'the customer has never written to the page, so Messenger allows no message to them' };
  const age = now.getTime() - lastMessageAt.getTime();
  if (age <= RESPONSE_WINDOW_MS) return { ok: true, messagingType: 'RESPONSE' };
  const hours = Math.floor(age / 3_600_000);
  if (sender === 'bot') {
    return { ok: false, reason: `outside the 24-hour window (the customer last wrote ${hours} h ago): the bot may not send` };
  }
  if (age <= HUMAN_AGENT_WINDOW_MS) return { ok: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
  const days = Math.floor(age / 86_400_000);
  return {
    ok: false,
    reason: `outside the 7-day human agent window (the customer last wrote ${days} days ago): Messenger allows no reply until they write again`,
  };
}

/** Sender actions (typing_on...) follow the 24-hour window too but carry no messaging type. */
export function mayAct(lastMessageAt: Date | null, now: Date): boolean {
  return lastMessageAt !== null && now.getTime() - lastMessageAt.getTime() <= RESPONSE_WINDOW_MS;
}

export interface GraphError {
  /** HTTP status, 0 for a network failure */
  status: number;
  code?: number;
  subcode?: number;
  message?: string;
  /**
   * a network failure after the request may have reached Meta (a timeout, a connection cut
   * mid-call): Meta may have delivered it, and a retry could send the message twice
   */
  maybeDelivered?: boolean;
}

export type ErrorClass = 'transient' | 'permanent';

// Meta's error codes: https://developers.facebook.com/docs/messenger-platform/error-codes
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613]);
// 10 policy/window, 100 invalid parameter, 190 token, 200 permissions, 551 user unavailable
const PERMANENT_CODES = new Set([10, 100, 190, 200, 230, 551]);

/** Transient errors are worth retrying; permanent ones never get better by resending. */
export function classifyGraphError(e: GraphError): ErrorClass {
  // at most once: only a call that never reached Meta is tried again
  if (e.status === 0) return e.maybeDelivered ? 'permanent' : 'transient';
  if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return 'transient';
  if (e.code !== undefined && PERMANENT_CODES.has(e.code)) return 'permanent';
  // no code we know: Meta's side (5xx) or its throttling (429) pass; anything else is ours to fix
  return e.status >= 500 || e.status === 429 ? 'transient' : 'permanent';
}

/** What an operator reads in ErrorLog for a permanent failure. */
export function describeGraphError(e: GraphError): string {
  if (e.status === 0 && e.maybeDelivered) return `no answer from Meta (${e.message ?? 'no response'}): not sent again, it may have been delivered`;
  if (e.status === 0) return `network error: ${e.message ?? 'no response'}`;
  if (e.code === 551 || e.subcode === 1545041) return 'the customer is unavailable (blocked the page or deleted the account)';
  if (e.code === 10 && e.subcode === 2018278) return 'outside the allowed messaging window';
  if (e.code === 10 || e.code === 200) return `permission or policy refused: ${e.message ?? ''}`.trim();
  if (e.code === 190) return 'the page access token is invalid or expired';
  if (e.code === 100) return `invalid parameter: ${e.message ?? ''}`.trim();
  return `${e.message ?? 'Send API error'} (HTTP ${e.status}${e.code !== undefined ? `, code ${e.code}` : ''}${e.subcode !== undefined ? `/${e.subcode}` : ''})`;
}

/** Exponential backoff with full jitter; `random` in [0, 1). */
export function backoffMs(attempt: number, random: number, baseMs = 200, maxMs = 5_000): number {
  return Math.round(Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + random / 2));
}

/** At most `max` UTF-16 units, never splitting a surrogate pair (an emoji cut in half is invalid JSON). */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** The metadata our own sends carry: their echoes come back with it and are recognised. */
export const OUR_METADATA_PREFIX = 'supportpulse:';
export const ourMetadata = (sender: SenderRole, key: string) => clipText(`${OUR_METADATA_PREFIX}${sender}:${key}`, 1000);
export function ourSender(metadata: string | undefined): SenderRole | undefined {
  if (!metadata?.startsWith(OUR_METADATA_PREFIX)) return undefined;
  const rest = metadata.slice(OUR_METADATA_PREFIX.length);
  return rest.startsWith('bot:') ? 'bot' : rest.startsWith('human:') ? 'human' : undefined;
}

/** Meta's published Send API limit for messages with text, links, reactions or stickers. */
export const META_SEND_CALLS_PER_PAGE_PER_S = 300;

/**
 * The page's token bucket (messenger_send_buckets) after its refill, for `n` calls taken
 * together: `before` tokens were there, so call k (0-based) waits until k + 1 tokens have
 * accumulated — none while there were enough, then one every 1/rate s. A bucket in debt
 * (before < 0: tokens reserved by calls still waiting) makes the first wait longer.
 */
export function tokenWaits(before: number, n: number, ratePerS: number): number[] {
  return Array.from({ length: n }, (_, k) => Math.max(0, Math.ceil(((k + 1 - before) / ratePerS) * 1000)));
}
