import { createHmac, timingSafeEqual } from 'node:crypto';

// X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw request bytes with the app
// secret. Always over the bytes as received: re-serialised JSON differs on emoji and
// non-ASCII text (Meta escapes them as \uXXXX) and would never match.

export const signatureOf = (appSecret: string, raw: Buffer | string) => `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

export function verifySignature(appSecret: string, raw: Buffer, header: unknown): SignatureCheck {
  if (typeof header !== 'string' || header === '') return { ok: false, reason: 'missing' };
  if (!/^sha256=[0-9a-f]{64}$/i.test(header)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signatureOf(appSecret, raw), 'latin1');
  const given = Buffer.from(header.toLowerCase(), 'latin1');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** hub.verify_token against ours, in constant time whatever the lengths. */
export function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = createHmac('sha256', 'verify-token').update(expected).digest();
  const b = createHmac('sha256', 'verify-token').update(given).digest();
  return timingSafeEqual(a, b);
}
