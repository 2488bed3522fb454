import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_KEY, parseWebhookBody } from '../src/domain/messenger/events.ts';
import { MessengerStore } from '../src/db/messenger-repo.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Signed deliveries that PostgreSQL could not store (probed 7 Dec 2026): a NUL character or a lone
// surrogate anywhere in the body (jsonb refuses both), a timestamp past what timestamptz holds, a
// mid longer than a btree entry. Each failed the inbox insert, so the delivery, and every
// delivery in the same group commit, was answered 503 and resent by Meta forever. Now they are
// stored (the text made storable) or ignored with a reason, and their neighbours land.

const PAGE = '5090000000077';
const AT = Date.parse('2026-11-25T14:30:00Z');
let db: TestDatabase;
let store: MessengerStore;

const message = (psid: string, mid: string, text: string, timestamp: unknown = AT) => ({ sender: { id: psid }, recipient: { id: PAGE }, timestamp, message: { mid, text } });
/** The body as Meta's JSON text would carry it: JSON.parse turns \u0000 and \ud800 escapes into those characters. */
const delivery = (messaging: object[], extra: object = {}) =>
  JSON.parse(JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: AT, messaging, ...extra }] }).replaceAll('<NUL>', '\\u0000').replaceAll('<LONE>', '\\ud800'));

beforeAll(async () => {
  db = await createTestDatabase('messenger_poison');
  store = new MessengerStore(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

describe('a webhook delivery PostgreSQL cannot store as sent', () => {
  it('stores NUL characters and lone surrogates made storable, ignores impossible times and ids, and its neighbours land', async () => {
    const parsed = parseWebhookBody(delivery([
      message('PSIDP1', 'poison_nul', 'a<NUL>b'),
      message('PSIDP2', 'poison_lone', 'c<LONE>d'),
      { ...message('PSIDP3', 'poison_key', 'k'), extra: { 'k<NUL>': 1, 'v': ['<LONE>'] } },
      message('PSIDP4', 'poison_future', 'too late', 1e300),
      message('PSIDP5', 'poison_past', 'too early', -1e15),
      message('PSIDP6', 'x'.repeat(MAX_EVENT_KEY + 1), 'long mid'),
      message('PSIDP7', 'good_neighbour', 'hello'),
    ]));
    expect(parsed.events.map((e) => e.key)).toEqual(['poison_nul', 'poison_lone', 'poison_key', 'good_neighbour']);
    expect(parsed.ignored.map((i) => i.reason)).toEqual([
      'message without timestamp', 'message without timestamp', `message whose id (mid, or page and sender ids) is over ${MAX_EVENT_KEY} characters`,
    ]);
    expect(parsed.events.map((e) => e.text)).toEqual(['ab', 'c\uFFFDd', 'k', 'hello']);

    // one statement, as a group commit of concurrent deliveries makes it
    expect(await store.store(parsed.events)).toEqual({ stored: 4, duplicates: 0 });
    const { rows } = await db.pool.query<{ event_key: string; text: string; extra: unknown }>(
      `SELECT event_key, payload->'message'->>'text' AS text, payload->'extra' AS extra FROM messenger_events WHERE page_id = $1 ORDER BY event_key`, [PAGE]);
    expect(rows).toEqual([
      { event_key: 'good_neighbour', text: 'hello', extra: null },
      { event_key: 'poison_key', text: 'k', extra: { k: 1, v: ['\uFFFD'] } },
      { event_key: 'poison_lone', text: 'c\uFFFDd', extra: null },
      { event_key: 'poison_nul', text: 'ab', extra: null },
    ]);
    expect(await store.materialize()).toEqual({ taken: 4, failed: [] });
  });

  it('keeps a key that becomes "__proto__" a plain property', () => {
    const parsed = parseWebhookBody(delivery([{ ...message('PSIDP8', 'proto', 'p'), ['__proto__<NUL>']: { polluted: true } }]));
    const raw = parsed.events[0]!.raw;
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fails an event whose sender id is too long for its index alone, and materialises the events behind it', async () => {
    // letters from a fixed linear congruential sequence: a repeated one would compress into a small index entry
    let x = 12345;
    const longPsid = Array.from({ length: 9000 }, () => String.fromCharCode(65 + ((x = (x * 1103515245 + 12345) % 2 ** 31) % 26))).join('');
    const parsed = parseWebhookBody(delivery([message(longPsid, 'long_psid', 'hi'), message('PSIDP9', 'behind_it', 'still answered')]));
    expect(await store.store(parsed.events)).toEqual({ stored: 2, duplicates: 0 });
    const done = await store.materialize();
    expect(done.failed).toEqual([{ key: 'long_psid', error: expect.stringMatching(/index row/) }]);
    const { rows } = await db.pool.query<{ event_key: string; state: string; linked: boolean }>(
      `SELECT event_key, state::text, message_id IS NOT NULL AS linked FROM messenger_events WHERE event_key IN ('long_psid', 'behind_it') ORDER BY event_key`);
    expect(rows).toEqual([{ event_key: 'behind_it', state: 'pending', linked: true }, { event_key: 'long_psid', state: 'failed', linked: false }]);
  });

  it('materialises an event of a page first seen in a batch that failed (no stale page id from the rolled-back batch)', async () => {
    let x = 777;
    const longPsid = Array.from({ length: 9000 }, () => String.fromCharCode(65 + ((x = (x * 1103515245 + 12345) % 2 ** 31) % 26))).join('');
    const NEW_PAGE = '5090000000099';
    const fromNewPage = parseWebhookBody({
      object: 'page', entry: [{ id: NEW_PAGE, time: AT, messaging: [{ sender: { id: 'PSIDNEW' }, recipient: { id: NEW_PAGE }, timestamp: AT, message: { mid: 'new_page_msg', text: 'hi' } }] }],
    }).events;
    await store.store([...parseWebhookBody(delivery([message(longPsid, 'long_psid_2', 'hi')])).events, ...fromNewPage]);
    const done = await store.materialize();
    expect(done.failed.map((f) => f.key)).toEqual(['long_psid_2']);
    const { rows } = await db.pool.query<{ state: string; linked: boolean }>(`SELECT state::text, message_id IS NOT NULL AS linked FROM messenger_events WHERE event_key = 'new_page_msg'`);
    expect(rows).toEqual([{ state: 'pending', linked: true }]);
  });
});
