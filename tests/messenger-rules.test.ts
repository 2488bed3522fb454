import { describe, expect, it } from 'vitest';
import { carriesMessage, parseWebhookBody, turnText } from '../src/domain/messenger/events.ts';
import { backoffMs, classifyGraphError, clipText, ourSender, ourMetadata, planSend, tokenWaits } from '../src/domain/messenger/policy.ts';
import { sameToken, signatureOf, verifySignature } from '../src/bots/messenger/signature.ts';

// The pure rules: reading Meta's webhook bodies, the messaging windows, Send API error
// classes, texts cut safely, the token bucket, the signature.

const NOW = new Date('2026-11-30T12:00:00Z');
const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe('parseWebhookBody', () => {
  it('reads every entry and messaging event; keys are mids or deterministic', () => {
    const body = {
      object: 'page',
      entry: [
        { id: 'P', time: 1, messaging: [
          { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 10, message: { mid: 'm1', text: 'hi' } },
          { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 11, message: { mid: 'm2', text: 'Yes', quick_reply: { payload: 'YES' } } },
          { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 12, postback: { title: 'Start', payload: 'GO' } },
        ] },
        { id: 'Q', time: 2, messaging: [
          { sender: { id: 'Q' }, recipient: { id: 'V' }, timestamp: 13, message: { is_echo: true, app_id: 42, metadata: 'x', mid: 'm3', text: 'from page' } },
          { sender: { id: 'V' }, recipient: { id: 'Q' }, delivery: { mids: ['m3'], watermark: 14 } },
          { sender: { id: 'V' }, recipient: { id: 'Q' }, timestamp: 15, read: { watermark: 15 } },
          { sender: { id: 'V' }, recipient: { id: 'Q' }, timestamp: 16, message: { mid: 'm4', attachments: [{ type: 'image', payload: { url: 'https://x/y.jpg' } }] } },
        ] },
      ],
    };
    const { events, ignored } = parseWebhookBody(body);
    expect(ignored).toEqual([]);
    expect(events.map((e) => [e.kind, e.key, e.pageId, e.psid])).toEqual([
      ['message', 'm1', 'P', 'U'],
      ['quick_reply', 'm2', 'P', 'U'],
      ['postback', expect.stringMatching(/^postback:P:U:12:[0-9a-f]{16}$/), 'P', 'U'],
      ['echo', 'm3', 'Q', 'V'],
      ['delivery', 'delivery:Q:V:14', 'Q', 'V'],
      ['read', 'read:Q:V:15', 'Q', 'V'],
      ['attachment', 'm4', 'Q', 'V'],
    ]);
    // the same postback always gets the same key; another payload another one
    const again = parseWebhookBody(body).events[2]!.key;
    expect(again).toBe(events[2]!.key);
    expect(events[1]!.payload).toBe('YES');
    expect(events[3]).toMatchObject({ appId: '42', metadata: 'x' });
    expect(turnText(events[6]!)).toBe('[image]');
  });

  it('ignores what it does not understand, refuses what is not a page webhook', () => {
    const { events, ignored } = parseWebhookBody({ object: 'page', entry: [{ id: 'P', changes: [] }, { id: 'P', standby: [] }, { id: 'P', messaging: [{ sender: { id: 'U' }, reaction: {} }, { sender: { id: 'U' }, message: { text: 'no mid' } }] }] });
    expect(events).toEqual([]);
    expect(ignored.map((i) => i.reason)).toEqual(['entry without messaging (changes)', 'unsupported messaging event (reaction)', 'message without mid']);
    expect(() => parseWebhookBody({ object: 'instagram' })).toThrow(/expected object "page"/);
    expect(() => parseWebhookBody([])).toThrow();
  });
});

describe('standby and handover events (Conversation Routing, issue 19)', () => {
  it('standby items are read like messaging items and marked standby: messages keep their mid, receipts get a key of their own', () => {
    const { events, ignored } = parseWebhookBody({
      object: 'page',
      entry: [{ id: 'P', time: 5, standby: [
        { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 10, message: { mid: 'm_sb1', text: 'order 555?' } },
        { sender: { id: 'P' }, recipient: { id: 'U' }, timestamp: 11, message: { mid: 'm_sb2', is_echo: true, app_id: 263902037430900, text: 'Lena here' } },
        { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 12, read: { watermark: 12 } },
        { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 13, postback: { title: 'Menu' } },
        { sender: { id: 'U' } },
      ] }],
    });
    expect(events.map((e) => [e.kind, e.standbyOf, e.key, e.psid, e.text])).toEqual([
      ['standby', 'message', 'm_sb1', 'U', 'order 555?'],
      ['standby', 'echo', 'm_sb2', 'U', 'Lena here'],
      ['standby', 'read', 'standby:read:P:U:12', 'U', undefined],
      ['standby', 'postback', expect.stringMatching(/^standby:postback:P:U:13:/), 'U', 'Menu'],
    ]);
    expect(events[1]!.appId).toBe('263902037430900');
    expect(ignored.map((i) => i.reason)).toEqual(['standby: unsupported messaging event (empty)']);
    expect(events.map(carriesMessage)).toEqual([true, true, false, true]);
  });

  it('thread control and app role notices are events (not dropped), keyed deterministically', () => {
    const body = {
      object: 'page',
      entry: [{ id: 'P', time: 20, messaging: [
        { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 21, pass_thread_control: { previous_owner_app_id: '263902037430900', new_owner_app_id: '42', metadata: 'back to the bot' } },
        { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 22, take_thread_control: { previous_owner_app_id: '42', new_owner_app_id: '263902037430900' } },
        { sender: { id: 'U' }, recipient: { id: 'P' }, timestamp: 23, request_thread_control: { requested_owner_app_id: '77', metadata: 'x' } },
        { recipient: { id: 'P' }, timestamp: 24, app_roles: { 42: ['primary_receiver'] } },
      ] }],
    };
    const { events, ignored } = parseWebhookBody(body);
    expect(ignored).toEqual([]);
    expect(events.map((e) => [e.kind, e.handover, e.psid, carriesMessage(e)])).toEqual([
      ['handover', 'pass_thread_control', 'U', false],
      ['handover', 'take_thread_control', 'U', false],
      ['handover', 'request_thread_control', 'U', false],
      ['handover', 'app_roles', 'P', false],
    ]);
    expect(parseWebhookBody(body).events.map((e) => e.key)).toEqual(events.map((e) => e.key));
    expect(events[0]!.key).toMatch(/^handover:P:U:21:pass_thread_control:[0-9a-f]{16}$/);
  });
});

describe('planSend', () => {
  it('bot: RESPONSE within 24 h, never tagged, refused after', () => {
    expect(planSend('bot', ago(23.9), NOW)).toEqual({ ok: true, messagingType: 'RESPONSE' });
    expect(planSend('bot', ago(24.1), NOW)).toMatchObject({ ok: false });
    expect(planSend('bot', ago(100), NOW)).toMatchObject({ ok: false });
    expect(planSend('bot', null, NOW)).toMatchObject({ ok: false });
  });
  it('human: RESPONSE, then HUMAN_AGENT up to 7 days, then refused', () => {
    expect(planSend('human', ago(1), NOW)).toEqual({ ok: true, messagingType: 'RESPONSE' });
    expect(planSend('human', ago(25), NOW)).toEqual({ ok: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    expect(planSend('human', ago(7 * 24 - 0.1), NOW)).toMatchObject({ ok: true, tag: 'HUMAN_AGENT' });
    expect(planSend('human', ago(7 * 24 + 0.1), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/7-day/) });
  });
});

describe('Send API errors', () => {
  it.each([
    [{ status: 0 }, 'transient'],
    [{ status: 500 }, 'transient'],
    [{ status: 500, code: 2 }, 'transient'],
    [{ status: 400, code: 613 }, 'transient'],
    [{ status: 400, code: 4 }, 'transient'],
    [{ status: 429 }, 'transient'],
    [{ status: 400, code: 551, subcode: 1545041 }, 'permanent'],
    [{ status: 400, code: 10, subcode: 2018278 }, 'permanent'],
    [{ status: 400, code: 190 }, 'permanent'],
    [{ status: 403, code: 200 }, 'permanent'],
    [{ status: 400, code: 100 }, 'permanent'],
    [{ status: 500, code: 190 }, 'permanent'],
    [{ status: 400 }, 'permanent'],
  ] as const)('%o is %s', (e, cls) => {
    expect(classifyGraphError(e)).toBe(cls);
  });
  it('backoff grows and is capped', () => {
    const b = [0, 1, 2, 3, 10].map((a) => backoffMs(a, 0.999));
    expect(b[1]!).toBeGreaterThan(b[0]!);
    expect(b[2]!).toBeGreaterThan(b[1]!);
    expect(b[4]!).toBeLessThanOrEqual(5_000);
  });
});

describe('small rules', () => {
  it('texts are cut without splitting an emoji', () => {
    const s = `${'a'.repeat(18)}👋b`;
    const cut = clipText(s, 20);
    expect(cut).toBe(`${'a'.repeat(18)}…`);
    expect(() => JSON.parse(JSON.stringify(cut))).not.toThrow();
    expect(clipText('short', 20)).toBe('short');
  });
  it('our metadata is recognised, others not', () => {
    expect(ourSender(ourMetadata('bot', 'reply:m1'))).toBe('bot');
    expect(ourSender(ourMetadata('human', 'human:1.2'))).toBe('human');
    expect(ourSender('something else')).toBeUndefined();
    expect(ourSender(undefined)).toBeUndefined();
  });
  it('the token bucket lets a burst through, then spaces sends at the rate; a bucket in debt waits longer', () => {
    // 2 tokens there, 10/s: two go now, then one every 100 ms
    expect(tokenWaits(2, 4, 10)).toEqual([0, 0, 100, 200]);
    expect(tokenWaits(0.5, 1, 10)).toEqual([50]);
    // 3 tokens reserved by calls still waiting
    expect(tokenWaits(-3, 2, 10)).toEqual([400, 500]);
  });
  it('signature: over the raw bytes, constant-time, sha256= prefix', () => {
    const raw = Buffer.from('{"text":"Gr\\u00fc\\u00dfe"}');
    const sig = signatureOf('s3cret', raw);
    expect(verifySignature('s3cret', raw, sig)).toEqual({ ok: true });
    expect(verifySignature('s3cret', raw, sig.toUpperCase().replace('SHA256=', 'sha256='))).toEqual({ ok: true });
    expect(verifySignature('s3cret', Buffer.from('{"text":"Grüße"}'), sig)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('s3cret', raw, undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature('s3cret', raw, 'sha1=abc')).toEqual({ ok: false, reason: 'malformed' });
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken('abc', undefined)).toBe(false);
  });
});
