// Meta's webhook body for pages, read into flat events. `entry[]` and `messaging[]` both batch:
// one POST may carry several pages' entries, each with several events. Anything we do not
// understand is returned as `ignored` (with why) instead of failing the whole delivery.

import { makeStorable } from '../storable.ts';

export type EventKind = 'message' | 'quick_reply' | 'postback' | 'attachment' | 'echo' | 'delivery' | 'read' | 'standby' | 'handover';

/** Kinds the reply worker reacts to (a customer wrote or tapped something). */
export const REPLY_KINDS: readonly EventKind[] = ['message', 'quick_reply', 'postback', 'attachment'];

/** Kinds stored as message rows: what customers wrote, and the page's own messages (echoes). */
export const MESSAGE_KINDS: readonly EventKind[] = [...REPLY_KINDS, 'echo'];

/**
 * Whether an event becomes a message row: the message kinds, and a standby event that carries
 * one (a customer's message, or another app's reply, in a conversation another app owns).
 */
export const carriesMessage = (e: Pick<MessengerEvent, 'kind' | 'standbyOf'>): boolean =>
  MESSAGE_KINDS.includes(e.kind) || (e.kind === 'standby' && e.standbyOf !== undefined && MESSAGE_KINDS.includes(e.standbyOf));

/** Inbox kinds that may carry a message (the materializer's and the reply worker's): standby included. */
export const INBOX_MESSAGE_KINDS: readonly EventKind[] = [...MESSAGE_KINDS, 'standby'];

/** Handover Protocol / Conversation Routing notices in `messaging[]` (messaging_handovers field). */
const HANDOVER_FIELDS = ['pass_thread_control', 'take_thread_control', 'request_thread_control', 'app_roles'] as const;
export type HandoverKind = (typeof HANDOVER_FIELDS)[number];

export interface Attachment {
  type: string;
  url?: string;
  title?: string;
}

export interface MessengerEvent {
  /** unique per event: the mid for messages and echoes, a deterministic key otherwise */
  key: string;
  kind: EventKind;
  pageId: string;
  /** the customer (for echoes: the recipient) */
  psid: string;
  /** Meta's timestamp (ms): the order of events, never their arrival */
  timestamp: number;
  /** present for messages, quick replies, attachments, postbacks (when Meta gives one) and echoes */
  mid?: string;
  text?: string;
  payload?: string;
  attachments: Attachment[];
  /** echoes only: the app that sent it and the metadata it attached */
  appId?: string;
  metadata?: string;
  /**
   * kind 'standby': what the event is (message, echo, read...). Meta delivers it in the entry's
   * `standby[]` because another app (Page Inbox, another app of the page) owns the conversation:
   * ours to store and show, never to answer.
   */
  standbyOf?: EventKind;
  /** kind 'handover': which notice (thread control passed, taken, requested; app roles changed) */
  handover?: HandoverKind;
  /** the event object as Meta sent it */
  raw: Record<string, unknown>;
}

export interface ParsedBody {
  events: MessengerEvent[];
  ignored: { reason: string }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Latest instant a JavaScript Date holds (ms): PostgreSQL's timestamptz holds it too, later ones fail the whole insert. */
const MAX_EPOCH_MS = 8.64e15;
/** A Meta time in epoch ms, or undefined when it is none a timestamp column can hold (negative, past year 275760). */
const epochMs = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && n >= 0 && n <= MAX_EPOCH_MS ? n : undefined;
};

/**
 * Longest event key (the inbox's unique index): Meta's mids are under 100 characters, and a
 * btree entry past ~2,700 bytes fails the whole insert. 512 characters are at most 2,048 bytes.
 */
export const MAX_EVENT_KEY = 512;

/** FNV-1a, 64 bits as two 32-bit halves: a short stable id for a payload (not security). */
function shortHash(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

function attachmentsOf(v: unknown): Attachment[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((a) => {
    const payload = isObject(a.payload) ? a.payload : {};
    const url = str(payload.url) ?? str(a.url);
    const title = str(a.title);
    return { type: str(a.type) ?? 'unknown', ...(url ? { url } : {}), ...(title ? { title } : {}) };
  });
}

/** One `messaging[]` item of page `pageId`, or why it is ignored. */
export function parseMessaging(pageId: string, m: Record<string, unknown>, entryTime: number | undefined): MessengerEvent | { reason: string } {
  const sender = isObject(m.sender) ? str(m.sender.id) : undefined;
  const recipient = isObject(m.recipient) ? str(m.recipient.id) : undefined;
  const timestamp = epochMs(m.timestamp);

  if (isObject(m.message)) {
    const msg = m.message;
    const mid = str(msg.mid);
    if (!mid) return { reason: 'message without mid' };
    if (timestamp === undefined) return { reason: 'message without timestamp' };
    const attachments = attachmentsOf(msg.attachments);
    const text = str(msg.text);
    if (msg.is_echo === true) {
      // sent by the page: the customer is the recipient
      if (!recipient) return { reason: 'echo without recipient' };
      const appId = str(msg.app_id);
      const metadata = str(msg.metadata);
      return { key: mid, kind: 'echo', pageId, psid: recipient, timestamp, mid, ...(text ? { text } : {}), attachments, ...(appId ? { appId } : {}), ...(metadata ? { metadata } : {}), raw: m };
    }
    if (!sender) return { reason: 'message without sender' };
    const quick = isObject(msg.quick_reply) ? str(msg.quick_reply.payload) : undefined;
    const kind: EventKind = quick !== undefined ? 'quick_reply' : text === undefined && attachments.length > 0 ? 'attachment' : 'message';
    return { key: mid, kind, pageId, psid: sender, timestamp, mid, ...(text ? { text } : {}), ...(quick !== undefined ? { payload: quick } : {}), attachments, raw: m };
  }

  if (isObject(m.postback)) {
    if (!sender) return { reason: 'postback without sender' };
    if (timestamp === undefined) return { reason: 'postback without timestamp' };
    const pb = m.postback;
    const payload = str(pb.payload) ?? '';
    const title = str(pb.title);
    const mid = str(pb.mid);
    // Older API versions give postbacks no mid: the key is what identifies the tap.
    const key = mid ?? `postback:${pageId}:${sender}:${timestamp}:${shortHash(payload)}`;
    return { key, kind: 'postback', pageId, psid: sender, timestamp, ...(mid ? { mid } : {}), ...(title ? { text: title } : {}), payload, attachments: [], raw: m };
  }

  if (isObject(m.delivery)) {
    if (!sender) return { reason: 'delivery without sender' };
    const watermark = epochMs(m.delivery.watermark) ?? timestamp ?? entryTime;
    if (watermark === undefined) return { reason: 'delivery without watermark' };
    return { key: `delivery:${pageId}:${sender}:${watermark}`, kind: 'delivery', pageId, psid: sender, timestamp: watermark, attachments: [], raw: m };
  }

  if (isObject(m.read)) {
    if (!sender) return { reason: 'read without sender' };
    const watermark = epochMs(m.read.watermark) ?? timestamp ?? entryTime;
    if (watermark === undefined) return { reason: 'read without watermark' };
    return { key: `read:${pageId}:${sender}:${watermark}`, kind: 'read', pageId, psid: sender, timestamp: watermark, attachments: [], raw: m };
  }

  const handover = HANDOVER_FIELDS.find((f) => isObject(m[f]));
  if (handover) {
    // app_roles names no person: the notice is the page's own
    const psid = handover === 'app_roles' ? pageId : sender;
    const at = timestamp ?? entryTime;
    if (!psid) return { reason: `${handover} without sender` };
    if (at === undefined) return { reason: `${handover} without timestamp` };
    return { key: `handover:${pageId}:${psid}:${at}:${handover}:${shortHash(JSON.stringify(m[handover]))}`, kind: 'handover', pageId, psid, timestamp: at, handover, attachments: [], raw: m };
  }

  const fields = Object.keys(m).filter((k) => !['sender', 'recipient', 'timestamp'].includes(k));
  return { reason: `unsupported messaging event (${fields.join(', ') || 'empty'})` };
}

/**
 * One `standby[]` item: the same shapes as `messaging[]`, for a conversation another app owns.
 * Its messages keep their mid as key (the same message is never also in messaging[]); receipts
 * get a key of their own.
 */
export function parseStandby(pageId: string, m: Record<string, unknown>, entryTime: number | undefined): MessengerEvent | { reason: string } {
  const inner = parseMessaging(pageId, m, entryTime);
  if (!('key' in inner)) return { reason: `standby: ${inner.reason}` };
  if (inner.kind === 'standby' || inner.kind === 'handover') return { reason: `standby: unexpected ${inner.kind}` };
  const key = inner.mid ?? `standby:${inner.key}`;
  return { ...inner, key, kind: 'standby', standbyOf: inner.kind };
}

const longKey = (e: MessengerEvent) => ({ reason: `${e.kind} whose id (mid, or page and sender ids) is over ${MAX_EVENT_KEY} characters` });

/** The whole body; throws only when it is not a page webhook at all. */
export function parseWebhookBody(body: unknown): ParsedBody {
  if (!isObject(body)) throw new Error('expected a JSON object');
  makeStorable(body);
  if (body.object !== 'page') throw new Error(`expected object "page", got ${JSON.stringify(body.object ?? null)}`);
  const entries = Array.isArray(body.entry) ? body.entry : [];
  const events: MessengerEvent[] = [];
  const ignored: { reason: string }[] = [];
  // an event, or why it is ignored (an id too long for the inbox's index is one reason)
  const sort = (parsed: MessengerEvent | { reason: string }) => {
    if (!('key' in parsed)) ignored.push(parsed);
    else if (parsed.key.length > MAX_EVENT_KEY) ignored.push(longKey(parsed));
    else events.push(parsed);
  };
  for (const entry of entries) {
    if (!isObject(entry)) {
      ignored.push({ reason: 'entry is not an object' });
      continue;
    }
    const pageId = str(entry.id);
    if (!pageId) {
      ignored.push({ reason: 'entry without page id' });
      continue;
    }
    const hasStandby = Array.isArray(entry.standby);
    if (!Array.isArray(entry.messaging) && !hasStandby) {
      // changes (feed) ...: not a conversation
      const fields = Object.keys(entry).filter((k) => !['id', 'time'].includes(k));
      ignored.push({ reason: `entry without messaging (${fields.join(', ') || 'empty'})` });
      continue;
    }
    for (const m of Array.isArray(entry.messaging) ? entry.messaging : []) {
      sort(isObject(m) ? parseMessaging(pageId, m, epochMs(entry.time)) : { reason: 'messaging item is not an object' });
    }
    // standby: another app owns these conversations (Conversation Routing, Handover Protocol)
    for (const m of hasStandby ? (entry.standby as unknown[]) : []) {
      sort(isObject(m) ? parseStandby(pageId, m, epochMs(entry.time)) : { reason: 'standby item is not an object' });
    }
  }
  return { events, ignored };
}

/** The text the bot reads: message text, quick-reply title (text), postback title, else the payload. */
export function turnText(e: MessengerEvent): string {
  if (e.text) return e.text;
  if (e.payload) return e.payload;
  if (e.attachments.length > 0) return `[${e.attachments.map((a) => a.type).join(', ')}]`;
  return '';
}
