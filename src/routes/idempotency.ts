import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { FieldError } from './openapi.ts';

// The Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header, as Stripe and
// others take it): a client that may send a request twice (a retry after a timeout) names the
// request once, and the second arrival gets the first one's result instead of a second effect.
// Keys belong to the token that sent them. The same key with another body is a 422: answering it
// with the first request's result would silently drop the second.

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_MAX = 200;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The request's Idempotency-Key, undefined without one; a FieldError (400 naming the header) for
 * an empty one, one over 200 characters, one with a character that is not printable ASCII, or the
 * header sent twice (node would join the two with ", " and make a third key of them).
 */
export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const raw = req.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === IDEMPOTENCY_HEADER) count++;
  if (count === 0) return undefined;
  const field = 'Idempotency-Key';
  if (count > 1) throw new FieldError(field, 'is sent more than once; send one key');
  const value = req.headers[IDEMPOTENCY_HEADER];
  const key = typeof value === 'string' ? value : '';
  if (key.length === 0) throw new FieldError(field, `is empty; a key is 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters (a UUID will do)`);
  if (key.length > IDEMPOTENCY_KEY_MAX) throw new FieldError(field, `is ${key.length} characters long; at most ${IDEMPOTENCY_KEY_MAX}`);
  if (!PRINTABLE_ASCII.test(key)) throw new FieldError(field, 'holds a character that is not printable ASCII (space to ~)');
  return key;
}

/** JSON with object keys sorted at every level: the same value whatever order its keys were sent in. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The SHA-256 (hex) of a request's meaning, to tell a retry from another request under the same key. */
export const requestFingerprint = (v: unknown): string => createHash('sha256').update(canonicalJson(v)).digest('hex');
