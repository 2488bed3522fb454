import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebhookBody } from '../src/domain/messenger/events.ts';
import { MessengerStore } from '../src/db/messenger-repo.ts';
import { IntakeGauge } from '../src/jobs/messenger/intake.ts';
import { startMaterializer } from '../src/jobs/messenger/materializer.ts';
import { startSessionRefresher } from '../src/jobs/messenger/session-refresher.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';

// The webhook's two halves: store() only fills the inbox (the acknowledgement's one insert);
// materialize() turns inbox events into customers, conversations and message rows, in a
// batch, and fails a bad event alone.

const PAGE = '5090000000001';
let db: TestDatabase;
let store: MessengerStore;
const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
const events = (psid: string, mids: string[], at = Date.now()) =>
  parseWebhookBody({
    object: 'page',
    entry: [{ id: PAGE, time: at, messaging: mids.map((mid, i) => ({ sender: { id: psid }, recipient: { id: PAGE }, timestamp: at + i, message: { mid, text: `text ${mid}` } })) }],
  }).events;

beforeAll(async () => {
  db = await createTestDatabase('messenger_inbox');
  store = new MessengerStore(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

describe('MessengerStore', () => {
  it('stores deliveries in the inbox only, once per key; materialize() makes the message rows once', async () => {
    const first = await store.store(events('PSIDIN1', ['in_a', 'in_b']));
    const again = await store.store(events('PSIDIN1', ['in_b', 'in_c']));
    expect(first).toEqual({ stored: 2, duplicates: 0 });
    expect(again).toEqual({ stored: 1, duplicates: 1 });
    expect(await q(`SELECT 1 FROM messages WHERE mid LIKE 'in\\_%'`)).toHaveLength(0);

    const done = await store.materialize();
    expect(done).toEqual({ taken: 3, failed: [] });
    expect(await store.materialize()).toEqual({ taken: 0, failed: [] });
    const rows = await q<{ mid: string; sender_kind: string; total_messages: number; fb_chat_id: string }>(
      `SELECT m.mid, m.sender_kind::text, c.total_messages, c.fb_chat_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.mid LIKE 'in\\_%' ORDER BY m.mid`,
    );
    expect(rows).toEqual(['in_a', 'in_b', 'in_c'].map((mid) => ({ mid, sender_kind: 'customer', total_messages: 3, fb_chat_id: `${PAGE}:PSIDIN1` })));
    const linked = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messenger_events WHERE event_key LIKE 'in\\_%' AND conversation_id IS NOT NULL AND message_id IS NOT NULL`);
    expect(linked[0]!.n).toBe(3);
  });

  it('fails an event that cannot become a message alone, with its reason; the rest of the batch lands', async () => {
    await store.store(events('PSIDIN2', ['bad_neighbour_1', 'bad_neighbour_2']));
    await db.pool.query(
      `INSERT INTO messenger_events (event_key, page_id, psid, kind, timestamp, payload) VALUES ('in_broken', $1, 'PSIDIN2', 'message', now(), '{"sender":{"id":"PSIDIN2"}}')`,
      [PAGE],
    );
    const { logger } = capturingLogger('fatal');
    let batches = 0;
    const materializer = startMaterializer({ store, pool: db.pool, logger, onMaterialized: () => batches++, pollMs: 50 });
    try {
      await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE event_key = 'in_broken' AND state = 'failed'`)).length === 1);
    } finally {
      await materializer.stop();
    }
    expect(batches).toBeGreaterThan(0);
    expect(await q(`SELECT mid FROM messages WHERE mid LIKE 'bad\\_neighbour%' ORDER BY mid`)).toEqual([{ mid: 'bad_neighbour_1' }, { mid: 'bad_neighbour_2' }]);
    const [broken] = await q<{ error: string }>(`SELECT error FROM messenger_events WHERE event_key = 'in_broken'`);
    expect(broken!.error).toMatch(/no longer parses as a message/);
    const logged = await q<{ message: string }>(`SELECT message FROM error_logs WHERE source = 'messenger' AND message LIKE '%in_broken%'`);
    expect(logged).toHaveLength(1);
  });
});

describe('IntakeGauge', () => {
  it('calls a flood at ≥ 100 deliveries/s over the last quarter-second buckets, and forgets it', async () => {
    let now = 0;
    const gauge = new IntakeGauge(100, 250, () => now);
    for (let i = 0; i < 20; i++) gauge.hit();
    now = 200;
    expect(gauge.flooding()).toBe(false); // 20 in 450 ms of window: 44/s
    for (let i = 0; i < 40; i++) gauge.hit();
    now = 249;
    expect(gauge.rate()).toBeGreaterThanOrEqual(100);
    expect(gauge.flooding()).toBe(true);
    // during a flood it pauses: a setImmediate queued after the call comes first
    const nextTurn = () => new Promise<string>((r) => setImmediate(() => r('waited')));
    expect(await Promise.race([gauge.yieldDuringFlood(500).then(() => 'at once'), nextTurn()])).toBe('waited');
    now = 2_000; // quiet since
    expect(gauge.flooding()).toBe(false);
    // no flood: no wait, not even for a timer (it resolves before the event loop's next turn)
    expect(await Promise.race([gauge.yieldDuringFlood(500).then(() => 'at once'), nextTurn()])).toBe('at once');
  });

  it('ends a pause during a flood as soon as the flood is over, not after the whole pause', async () => {
    let now = 0;
    const gauge = new IntakeGauge(100, 250, () => now);
    for (let i = 0; i < 60; i++) gauge.hit();
    expect(gauge.flooding()).toBe(true);
    // an hour's pause: only the flood's end can finish it within the test's timeout
    const pause = gauge.yieldDuringFlood(3_600_000, 5);
    const nextTurn = () => new Promise<string>((r) => setImmediate(() => r('waiting')));
    expect(await Promise.race([pause.then(() => 'ended'), nextTurn()])).toBe('waiting');
    now = 1_000; // no delivery for a second
    expect(await pause).toBe(true);
  });
});

describe('session refresher', () => {
  it('rebuilds the sessions of touched conversations together, and keeps them for later when the database fails', async () => {
    await store.store(events('PSIDSR1', ['sr_a', 'sr_b']));
    await store.store(events('PSIDSR2', ['sr_c']));
    await store.materialize();
    const convs = await q<{ id: number }>(`SELECT id FROM conversations WHERE fb_chat_id IN ($1, $2) ORDER BY id`, [`${PAGE}:PSIDSR1`, `${PAGE}:PSIDSR2`]);
    const { logger } = capturingLogger('fatal');

    // a pool that cannot connect: the flush fails without throwing (the ids wait for the next one)
    const { default: pg } = await import('pg');
    const dead = new pg.Pool({ connectionString: 'postgresql://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 200 });
    const failing = startSessionRefresher({ pool: dead, logger, now: () => new Date(), everyMs: 60_000 });
    failing.touch(convs[0]!.id);
    await failing.stop();
    await dead.end();

    const refresher = startSessionRefresher({ pool: db.pool, logger, now: () => new Date(), everyMs: 60_000 });
    for (const c of convs) refresher.touch(c.id);
    expect(await q(`SELECT 1 FROM sessions WHERE conversation_id = ANY($1)`, [convs.map((c) => c.id)])).toHaveLength(0);
    await refresher.stop(); // flushes what is pending
    const sessions = await q<{ conversation_id: number; message_count: number; completion_status: string }>(
      `SELECT conversation_id, message_count, completion_status::text FROM sessions WHERE conversation_id = ANY($1) ORDER BY conversation_id`, [convs.map((c) => c.id)]);
    expect(sessions).toEqual([
      { conversation_id: convs[0]!.id, message_count: 2, completion_status: 'in_progress' },
      { conversation_id: convs[1]!.id, message_count: 1, completion_status: 'in_progress' },
    ]);
  });
});
