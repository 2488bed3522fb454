import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMessengerSender } from '../src/bots/messenger/send-api.ts';
import type { MessengerSender } from '../src/bots/messenger/types.ts';
import { loadConfig } from '../src/config.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';
import { freePort } from './helpers/net.ts';

// The Send API client against the fake Graph API: the messaging windows (bot: RESPONSE inside
// 24 h only; human: HUMAN_AGENT tag up to 7 days), Meta's error classes (transient retried with
// backoff, permanent logged once), idempotency keys, the per-page rate limit.

const PAGE = '2090000000001';
const TOKEN = 'EAAG-send-test';
const HOUR = 3_600_000;
const NOW = new Date('2026-11-30T12:00:00Z');

let db: TestDatabase;
let graph: FakeGraph;
let sender: MessengerSender;
let slept: number[];
let conversationId: number;
let n = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

/** A customer whose latest message was `ago` ms before NOW. */
async function customer(ago: number): Promise<string> {
  const psid = `PSIDSEND${++n}`;
  await q(`INSERT INTO customers (page_id, psid, last_message_at) SELECT id, $2, $3 FROM pages WHERE fb_page_id = $1`, [PAGE, psid, new Date(NOW.getTime() - ago)]);
  return psid;
}
const calls = (psid: string) => graph.calls.filter((c) => (c.body.recipient as { id?: string } | undefined)?.id === psid);

beforeAll(async () => {
  db = await createTestDatabase('messenger_send');
  graph = await startFakeGraph({ tokens: [TOKEN] });
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Send test', now()) RETURNING id`, [PAGE]);
  const [conv] = await q<{ id: number }>(`INSERT INTO conversations (fb_chat_id, page_id, updated_at) VALUES ('send-test', $1, now()) RETURNING id`, [page!.id]);
  conversationId = conv!.id;
  const config = loadConfig({ MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
  sender = createMessengerSender({
    pool: db.pool, config, logger: capturingLogger('fatal').logger, now: () => NOW, random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
    },
  });
});
beforeEach(() => {
  slept = [];
  graph.clearFailures();
});
afterAll(async () => {
  await graph?.close();
  await db?.drop();
});

describe('messaging windows', () => {
  it('bot: RESPONSE without a tag inside 24 h; refused after, without calling Meta', async () => {
    const fresh = await customer(23 * HOUR);
    expect(await sender.send({ key: `k${++n}`, pageId: PAGE, psid: fresh, sender: 'bot', text: 'hello' })).toMatchObject({ status: 'sent' });
    expect(calls(fresh)[0]!.body).toMatchObject({ messaging_type: 'RESPONSE', recipient: { id: fresh } });
    expect(calls(fresh)[0]!.body.tag).toBeUndefined();

    const stale = await customer(25 * HOUR);
    const r = await sender.send({ key: `k${++n}`, pageId: PAGE, psid: stale, sender: 'bot', text: 'hello' });
    expect(r).toMatchObject({ status: 'refused', reason: expect.stringMatching(/24-hour window/) });
    const typing = await sender.send({ key: `k${++n}`, pageId: PAGE, psid: stale, sender: 'bot', senderAction: 'typing_on' });
    expect(typing.status).toBe('refused');
    expect(calls(stale)).toHaveLength(0);
  });

  it('human: RESPONSE inside 24 h, MESSAGE_TAG + HUMAN_AGENT up to 7 days, refused with an explanation beyond', async () => {
    const inside = await customer(2 * HOUR);
    await sender.send({ key: `k${++n}`, pageId: PAGE, psid: inside, sender: 'human', text: 'Hi, Tom here' });
    expect(calls(inside)[0]!.body).toMatchObject({ messaging_type: 'RESPONSE' });
    expect(calls(inside)[0]!.body.tag).toBeUndefined();

    const days3 = await customer(3 * 24 * HOUR);
    expect(await sender.send({ key: `k${++n}`, pageId: PAGE, psid: days3, sender: 'human', text: 'Sorry for the wait' })).toMatchObject({ status: 'sent' });
    expect(calls(days3)[0]!.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Sorry for the wait' } });

    const days8 = await customer(8 * 24 * HOUR);
    const r = await sender.send({ key: `k${++n}`, pageId: PAGE, psid: days8, sender: 'human', text: 'late' });
    expect(r).toMatchObject({ status: 'refused', reason: expect.stringMatching(/7-day human agent window.*8 days ago/) });
    expect(calls(days8)).toHaveLength(0);
  });

  it('refuses a page without a token and a customer who never wrote', async () => {
    expect(await sender.send({ key: `k${++n}`, pageId: '999', psid: 'x', sender: 'bot', text: 'hi' })).toMatchObject({ status: 'refused', reason: expect.stringMatching(/MESSENGER_PAGE_TOKENS/) });
    expect(await sender.send({ key: `k${++n}`, pageId: PAGE, psid: 'never-wrote', sender: 'human', text: 'hi' })).toMatchObject({ status: 'refused' });
  });
});

describe('idempotency', () => {
  it('a key is sent once: the second send is a duplicate and calls nothing; the message is stored once', async () => {
    const psid = await customer(HOUR);
    const key = `reply:m_dup_${n}`;
    const first = await sender.send({ key, pageId: PAGE, psid, conversationId, sender: 'bot', text: 'only once' });
    expect(first.status).toBe('sent');
    const again = await Promise.all([1, 2, 3].map(() => sender.send({ key, pageId: PAGE, psid, conversationId, sender: 'bot', text: 'only once' })));
    expect(again.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(calls(psid)).toHaveLength(1);
    const [row] = await q<{ status: string; response_mid: string; attempts: number }>(`SELECT status::text, response_mid, attempts FROM messenger_sends WHERE idempotency_key = $1`, [key]);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, response_mid: (first as { messageId: string }).messageId });
    const msgs = await q<{ sender_kind: string }>(`SELECT sender_kind::text FROM messages WHERE mid = $1`, [row!.response_mid]);
    expect(msgs).toEqual([{ sender_kind: 'bot' }]);
  });
});

describe('Send API errors', () => {
  it('transient (500 / code 2, 613 rate limit) are retried with growing backoff, then succeed', async () => {
    const psid = await customer(HOUR);
    graph.fail('server_error', 2);
    graph.fail('rate_limit', 1);
    const r = await sender.send({ key: `k${++n}`, pageId: PAGE, psid, sender: 'bot', text: 'eventually' });
    expect(r.status).toBe('sent');
    expect(calls(psid).map((c) => c.status)).toEqual([500, 500, 400, 200]);
    expect(slept).toHaveLength(3);
    expect(slept[1]!).toBeGreaterThan(slept[0]!);
    expect(slept[2]!).toBeGreaterThan(slept[1]!);
  });

  it('transient errors that do not pass give up after a few attempts: failed, ErrorLog', async () => {
    const psid = await customer(HOUR);
    graph.fail('server_error', 10);
    const r = await sender.send({ key: `k${++n}`, pageId: PAGE, psid, sender: 'bot', text: 'never' });
    expect(r).toMatchObject({ status: 'failed', code: 2 });
    expect(calls(psid)).toHaveLength(4);
  });

  it.each([
    ['user_unavailable', 551, 1545041, /unavailable/],
    ['outside_window', 10, 2018278, /outside the allowed messaging window/],
    ['token', 190, 463, /token/],
    ['permission', 200, undefined, /permission/],
  ] as const)('%s (code %i) is permanent: one call, status failed, ErrorLog row, no retry storm', async (kind, code, subcode, why) => {
    const psid = await customer(HOUR);
    const key = `k${++n}`;
    graph.fail(kind);
    const r = await sender.send({ key, pageId: PAGE, psid, sender: 'bot', text: 'x' });
    expect(r).toMatchObject({ status: 'failed', code, ...(subcode ? { subcode } : {}), reason: expect.stringMatching(why) });
    expect(calls(psid)).toHaveLength(1);
    expect(slept).toEqual([]);
    const [row] = await q<{ status: string; error_code: number }>(`SELECT status::text, error_code FROM messenger_sends WHERE idempotency_key = $1`, [key]);
    expect(row).toEqual({ status: 'failed', error_code: code });
    const logs = await q(`SELECT 1 FROM error_logs WHERE source = 'messenger' AND context->>'key' = $1`, [key]);
    expect(logs).toHaveLength(1);
  });
});

describe('at most once', () => {
  it('a call that timed out after reaching Meta is not sent again: reported failed, its log row left pending, ErrorLog says it may have been delivered', async () => {
    const config = loadConfig({ MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
    const impatient = createMessengerSender({ pool: db.pool, config, logger: capturingLogger('fatal').logger, now: () => NOW, random: () => 0.5, sleep: async () => {}, timeoutMs: 50 });
    const psid = await customer(HOUR);
    const key = `slow${n}`;
    graph.delayMs = 400; // Meta takes the message, answers after our timeout
    try {
      const r = await impatient.send({ key, pageId: PAGE, psid, sender: 'bot', text: 'once only' });
      expect(r).toMatchObject({ status: 'failed' });
      expect((r as { reason: string }).reason).toMatch(/may have been delivered/);
      // Meta got it (the fake records it when it answers): once, never retried
      await eventually(async () => calls(psid).length > 0);
    } finally {
      graph.delayMs = 0;
    }
    const [sendAgain] = await Promise.all([impatient.send({ key: `${key}-after`, pageId: PAGE, psid, sender: 'bot', text: 'later' })]);
    expect(sendAgain.status).toBe('sent');
    expect(calls(psid).map((c) => (c.body.message as { text: string }).text)).toEqual(['once only', 'later']);
    const logs = await q(`SELECT 1 FROM error_logs WHERE source = 'messenger' AND context->>'key' = $1`, [key]);
    expect(logs).toHaveLength(1);
    const [row] = await q<{ status: string }>(`SELECT status::text FROM messenger_sends WHERE idempotency_key = $1`, [key]);
    expect(row).toEqual({ status: 'pending' });
  });
});

describe('rate limit', () => {
  it('spaces a page\'s sends beyond its per-second budget', async () => {
    const config = loadConfig({ MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
    const waits: number[] = [];
    // the page's bucket is shared state in the database: start it afresh on this test's clock
    await q('DELETE FROM messenger_send_buckets');
    let clock = NOW.getTime();
    const slow = createMessengerSender({
      pool: db.pool, config, logger: capturingLogger('fatal').logger, now: () => NOW, ratePerPage: 5, clock: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const psid = await customer(HOUR);
    for (let i = 0; i < 8; i++) await slow.send({ key: `rl${n}-${i}`, pageId: PAGE, psid, sender: 'bot', text: `m${i}` });
    // 5 from the burst, then each waits for a token (~200 ms at 5/s)
    expect(waits).toEqual([200, 200, 200]);
  });
});

describe('transport', () => {
  it('calls Meta over keep-alive node:http, not fetch, whose bookkeeping kept every call\'s objects until a full collection', async () => {
    // Node 20's fetch registers each response's body stream (and each request's controller) in
    // FinalizationRegistries behind WeakRefs, which V8 clears only in full collections: at the
    // reply worker's rate ~150 MB of old-generation garbage per 5,000 replies, and mark-compacts
    // that paused the webhook's acknowledgements 28-47 ms (docs/MESSENGER.md §6).
    const config = loadConfig({ MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
    const psid = await customer(HOUR);
    const real = globalThis.fetch;
    let fetched = 0;
    globalThis.fetch = (...a: Parameters<typeof fetch>) => {
      fetched++;
      return real(...a);
    };
    try {
      const s = createMessengerSender({ pool: db.pool, config, logger: capturingLogger('fatal').logger, now: () => NOW, random: () => 0.5, sleep: async () => {} });
      expect((await s.send({ key: `http${n}`, pageId: PAGE, psid, sender: 'bot', text: 'one' })).status).toBe('sent');
      expect((await s.send({ key: `http${n}b`, pageId: PAGE, psid, sender: 'bot', text: 'two' })).status).toBe('sent');
    } finally {
      globalThis.fetch = real;
    }
    expect(fetched).toBe(0);
    // Meta's wire format: the token in the query, the JSON body as before
    expect(calls(psid).map((c) => ({ token: c.token, text: (c.body.message as { text: string }).text, type: c.body.messaging_type }))).toEqual([
      { token: TOKEN, text: 'one', type: 'RESPONSE' },
      { token: TOKEN, text: 'two', type: 'RESPONSE' },
    ]);
  });

  it('a refused connection never reached Meta: retried as transient, then failed without "may have been delivered"', async () => {
    const closed = await freePort();
    const config = loadConfig({ MESSENGER_API_URL: `http://127.0.0.1:${closed}/v26.0`, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
    const waits: number[] = [];
    const s = createMessengerSender({ pool: db.pool, config, logger: capturingLogger('fatal').logger, now: () => NOW, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
    const psid = await customer(HOUR);
    const r = await s.send({ key: `refused${n}`, pageId: PAGE, psid, sender: 'bot', text: 'x' });
    expect(r).toMatchObject({ status: 'failed' });
    expect((r as { reason: string }).reason).toMatch(/ECONNREFUSED/);
    expect((r as { reason: string }).reason).not.toMatch(/may have been delivered/);
    expect(waits).toHaveLength(3); // four attempts
  });
});
