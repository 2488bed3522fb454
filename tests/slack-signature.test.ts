import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCE_SECONDS, signSlackRequest, slackSignatureHeaders, verifySlackSignature, type VerifySlackSignatureInput,
} from '../src/bots/slack/signature.ts';

// The worked example of Slack's "Verifying requests from Slack"
// (https://docs.slack.dev/authentication/verifying-requests-from-slack, formerly
// https://api.slack.com/authentication/verifying-requests-from-slack): a slash-command POST.
const DOC = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  rawBody:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const NOW = Number(DOC.timestamp);

const verify = (over: Partial<VerifySlackSignatureInput> = {}) =>
  verifySlackSignature({ signingSecret: DOC.signingSecret, timestamp: DOC.timestamp, rawBody: DOC.rawBody, signature: DOC.signature, nowSeconds: NOW, ...over });

describe('Slack request signatures (v0)', () => {
  it("reproduces and accepts Slack's published example", () => {
    expect(signSlackRequest({ signingSecret: DOC.signingSecret, timestamp: DOC.timestamp, rawBody: DOC.rawBody })).toBe(DOC.signature);
    expect(verify()).toEqual({ ok: true });
    // the same bytes as a Buffer, as a raw-body parser hands them over
    expect(verify({ rawBody: Buffer.from(DOC.rawBody, 'utf8') })).toEqual({ ok: true });
    expect(verify({ timestamp: [DOC.timestamp], signature: [DOC.signature] })).toEqual({ ok: true });
  });

  it('rejects any change to the body, timestamp, secret or signature', () => {
    expect(verify({ rawBody: DOC.rawBody.replace('text=', 'text=x') })).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verify({ rawBody: `${DOC.rawBody}\n` })).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verify({ timestamp: String(NOW + 1), nowSeconds: NOW + 1 })).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verify({ signingSecret: `${DOC.signingSecret}x` })).toEqual({ ok: false, reason: 'signature_mismatch' });
    const flipped = DOC.signature.slice(0, -1) + (DOC.signature.endsWith('3') ? '4' : '3');
    expect(verify({ signature: flipped })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts timestamps within the window either way and rejects old and far-future ones', () => {
    const t = DEFAULT_TOLERANCE_SECONDS;
    expect(t).toBe(300);
    expect(verify({ nowSeconds: NOW + t })).toEqual({ ok: true });
    expect(verify({ nowSeconds: NOW - t })).toEqual({ ok: true });
    expect(verify({ nowSeconds: NOW + t + 1 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify({ nowSeconds: NOW - t - 1 })).toEqual({ ok: false, reason: 'future_timestamp' });
    // a replay years later, with a valid signature
    expect(verify({ nowSeconds: NOW + 86_400 * 365 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify({ nowSeconds: NOW + 30, toleranceSeconds: 10 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify({ nowSeconds: NOW + 0.5, toleranceSeconds: 0 })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('checks the window before the signature, so a stale request costs no HMAC and reveals nothing', () => {
    expect(verify({ signature: 'v0=' + '0'.repeat(64), nowSeconds: NOW + 301 })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('rejects missing and malformed headers', () => {
    expect(verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verify({ timestamp: '' })).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify({ signature: null })).toEqual({ ok: false, reason: 'missing_signature' });
    for (const ts of [' 1531420618', '1531420618 ', '+1531420618', '-1531420618', '1531420618.0', '1.531420618e9', '0x5B47A4CA', '01531420618', 'abc', '9'.repeat(13)]) {
      expect(verify({ timestamp: ts }), ts).toEqual({ ok: false, reason: 'malformed_timestamp' });
    }
    // Node joins repeated custom headers with ", "; an array is what some frameworks give
    expect(verify({ timestamp: `${DOC.timestamp}, ${DOC.timestamp}` })).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(verify({ timestamp: [DOC.timestamp, DOC.timestamp] })).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(verify({ signature: [DOC.signature, DOC.signature] })).toEqual({ ok: false, reason: 'malformed_signature' });
    expect(verify({ signature: DOC.signature.replace('v0=', 'v1=') })).toEqual({ ok: false, reason: 'unsupported_version' });
    for (const sig of [
      DOC.signature.slice(3), // no version
      DOC.signature.slice(0, -2), // short
      `${DOC.signature}00`, // long
      DOC.signature.toUpperCase().replace('V0=', 'v0='), // Slack sends lower-case hex
      `${DOC.signature} `,
      'v0=',
      'v0=' + 'zz'.repeat(32),
    ]) {
      expect(verify({ signature: sig }), sig).toEqual({ ok: false, reason: 'malformed_signature' });
    }
  });

  it('refuses to verify anything with an empty signing secret', () => {
    const forged = signSlackRequest({ signingSecret: '', timestamp: DOC.timestamp, rawBody: DOC.rawBody });
    expect(verify({ signingSecret: '', signature: forged })).toEqual({ ok: false, reason: 'no_signing_secret' });
  });

  it('treats a bad clock or window as a programming error', () => {
    expect(() => verify({ nowSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => verify({ toleranceSeconds: -1 })).toThrow(RangeError);
  });

  it('signs arbitrary bytes (UTF-8 JSON event bodies) so that verify accepts them', () => {
    const body = JSON.stringify({ type: 'event_callback', event: { type: 'app_mention', text: 'CSI für letzte Woche? 📈' } });
    const headers = slackSignatureHeaders({ signingSecret: 's3cret', timestamp: 1_800_000_000, rawBody: body });
    expect(headers['x-slack-request-timestamp']).toBe('1800000000');
    expect(headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    const input = { signingSecret: 's3cret', timestamp: headers['x-slack-request-timestamp'], signature: headers['x-slack-signature'], nowSeconds: 1_800_000_010 };
    expect(verifySlackSignature({ ...input, rawBody: body })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...input, rawBody: Buffer.from(body) })).toEqual({ ok: true });
    // re-serialising the parsed body changes the bytes: why the raw body is required
    expect(verifySlackSignature({ ...input, rawBody: JSON.stringify(JSON.parse(body), null, 1) })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });
});
