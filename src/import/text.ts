import { createHash } from 'node:crypto';
import { LONE_SURROGATE } from '../domain/storable.ts';

// String hygiene shared by every format. PostgreSQL rejects NUL in text and jsonb, and a
// U+FFFD or a lone surrogate means the bytes we were given were not valid UTF-8 (or the
// JSON escaped half a character): such rows are reported, never stored half-readable.

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Undoes Facebook's export encoding: it writes each UTF-8 byte as its own `\u00XX` escape,
 * so "Café" arrives as "CafÃ©". Only a string whose code units all fit in a byte and form
 * valid UTF-8 is rewritten; anything else (already-correct text) is returned unchanged.
 */
export function repairMojibake(s: string): string {
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return s;
    if (c >= 0x80) high = true;
  }
  if (!high) return s;
  try {
    return fatalUtf8.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}

// One scan finds every suspect; only strings with one (emoji are surrogate pairs) look closer.
const SUSPECT = /[\0\uD800-\uDFFF\uFFFD]/;

/** Why a string cannot be stored, or null when it can. */
export function stringProblem(s: string): string | null {
  if (!SUSPECT.test(s)) return null;
  if (s.includes('\0')) return 'NUL byte';
  if (s.includes('\uFFFD')) return 'invalid UTF-8 (U+FFFD replacement character)';
  if (LONE_SURROGATE.test(s)) return 'invalid encoding (lone UTF-16 surrogate)';
  return null;
}

/** Walks a JSON-like value: a NUL or broken character anywhere inside would make jsonb reject the batch. */
export function valueProblem(v: unknown, depth = 0): string | null {
  if (typeof v === 'string') return stringProblem(v);
  if (v === null || typeof v !== 'object' || depth > 32) return null;
  for (const [k, item] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
    const p = (typeof k === 'string' ? stringProblem(k) : null) ?? valueProblem(item, depth + 1);
    if (p) return p;
  }
  return null;
}

/**
 * A message id for sources that have none. It depends only on what the message is, so the
 * same message in a re-import or in an overlapping later export gets the same id and the
 * unique index on `mid` drops it.
 */
export function contentMid(chatKey: string, atMs: number, sender: string, text: string | null, attachments: string | null): string {
  const h = createHash('sha256');
  h.update(chatKey).update('\0').update(String(atMs)).update('\0').update(sender).update('\0').update(text ?? '');
  if (attachments) h.update('\0').update(attachments);
  return `imp_${h.digest('base64url').slice(0, 32)}`;
}

/** Header/key comparison that ignores case, spaces and punctuation: "Chat ID" = chat_id = chatId. */
export function normalizeName(s: string): string {
  // asked for the same few values (directions, sender types) on every row of a file
  let n = normalized.get(s);
  if (n === undefined) {
    n = s.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (normalized.size < 1_000) normalized.set(s, n);
  }
  return n;
}
const normalized = new Map<string, string>();

export const describeValue = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
};
