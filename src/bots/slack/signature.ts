// Verifying that an HTTP request really comes from Slack ("Verifying requests from Slack",
// https://docs.slack.dev/authentication/verifying-requests-from-slack): Slack sends
//   X-Slack-Request-Timestamp: <unix seconds>
//   X-Slack-Signature:         v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>
// and the receiver recomputes the HMAC over the raw bytes it received (before any parsing),
// compares in constant time, and refuses timestamps too far from its own clock (replay).
//
// This lives in src/bots, not src/domain, only because it needs node:crypto, which the domain's
// lint rules forbid; it is still pure: no I/O, no clock (the caller passes `nowSeconds`), no env.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNATURE_VERSION = 'v0';
/** Slack's recommended window: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SlackSignatureFailure =
  | 'no_signing_secret'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'missing_signature'
  | 'unsupported_version'
  | 'malformed_signature'
  | 'signature_mismatch';

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: SlackSignatureFailure };

/** A header value as Node hands it over (`req.headers[...]`): absent, one value, or repeated. */
export type HeaderValue = string | readonly string[] | null | undefined;

export interface VerifySlackSignatureInput {
  signingSecret: string;
  /** X-Slack-Request-Timestamp */
  timestamp: HeaderValue;
  /** the body exactly as received: bytes, or the string they decode to */
  rawBody: string | Uint8Array;
  /** X-Slack-Signature */
  signature: HeaderValue;
  /** the receiver's clock, unix seconds */
  nowSeconds: number;
  /** largest accepted |now − timestamp|, seconds (default 300) */
  toleranceSeconds?: number;
}

export interface SignSlackRequestInput {
  signingSecret: string;
  /** unix seconds, as sent in X-Slack-Request-Timestamp */
  timestamp: number | string;
  rawBody: string | Uint8Array;
}

// Unix seconds as Slack sends them: plain digits. No sign, fraction, exponent or padding, so
// "1531420618", " 1531420618", "1.5e9" and "0x5b47..." are not all read as the same instant.
const TIMESTAMP = /^[1-9][0-9]{0,11}$/;
const SIGNATURE = /^v0=([0-9a-f]{64})$/;
const VERSION = /^(v[0-9]+)=/;

function hmac(signingSecret: string, timestamp: string, rawBody: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', signingSecret);
  mac.update(`${SLACK_SIGNATURE_VERSION}:${timestamp}:`);
  mac.update(rawBody);
  return mac.digest();
}

/** The X-Slack-Signature value Slack would send for this body (for tests, benches and fakes). */
export function signSlackRequest({ signingSecret, timestamp, rawBody }: SignSlackRequestInput): string {
  return `${SLACK_SIGNATURE_VERSION}=${hmac(signingSecret, String(timestamp), rawBody).toString('hex')}`;
}

/** Both headers of a signed request, lower-case names as Node reports them. */
export function slackSignatureHeaders(input: SignSlackRequestInput): { 'x-slack-request-timestamp': string; 'x-slack-signature': string } {
  return { 'x-slack-request-timestamp': String(input.timestamp), 'x-slack-signature': signSlackRequest(input) };
}

function single(v: HeaderValue): string | undefined | false {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'string') return v;
  // a repeated header is never what Slack sends
  return v.length === 1 && typeof v[0] === 'string' && v[0] !== '' ? v[0] : false;
}

const fail = (reason: SlackSignatureFailure): SlackSignatureCheck => ({ ok: false, reason });

/**
 * Checks a request the way Slack documents it. The reasons are for logs: answer every failure
 * with the same opaque 401 so a caller learns nothing about which check failed.
 */
export function verifySlackSignature(input: VerifySlackSignatureInput): SlackSignatureCheck {
  const { signingSecret, rawBody, nowSeconds, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS } = input;
  if (!Number.isFinite(nowSeconds)) throw new RangeError('verifySlackSignature: nowSeconds must be a finite number of seconds');
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError('verifySlackSignature: toleranceSeconds must be a non-negative number');
  }
  // An empty secret would make "anyone who knows the algorithm" a valid signer.
  if (!signingSecret) return fail('no_signing_secret');

  const ts = single(input.timestamp);
  if (ts === undefined) return fail('missing_timestamp');
  if (ts === false || !TIMESTAMP.test(ts)) return fail('malformed_timestamp');
  const age = nowSeconds - Number(ts);
  if (age > toleranceSeconds) return fail('stale_timestamp');
  if (age < -toleranceSeconds) return fail('future_timestamp');

  const sig = single(input.signature);
  if (sig === undefined) return fail('missing_signature');
  if (sig === false) return fail('malformed_signature');
  const version = VERSION.exec(sig)?.[1];
  if (version !== undefined && version !== SLACK_SIGNATURE_VERSION) return fail('unsupported_version');
  const hex = SIGNATURE.exec(sig)?.[1];
  if (hex === undefined) return fail('malformed_signature');

  const expected = hmac(signingSecret, ts, rawBody);
  const given = Buffer.from(hex, 'hex');
  // timingSafeEqual throws on different lengths; the regex already pins 32 bytes, this keeps it explicit.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('signature_mismatch');
  return { ok: true };
}
