import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessengerSender } from '../src/bots/messenger/send-api.ts';
import { loadConfig } from '../src/config.ts';
import { MessengerStore } from '../src/db/messenger-repo.ts';
import { createPool } from '../src/db/pool.ts';
import type { AgentDecision, CustomerAgent, CustomerTurn, MessengerSender } from '../src/domain/messenger/contracts.ts';
import { parseWebhookBody } from '../src/domain/messenger/events.ts';
import { startReplyWorker, type ReplyWorker } from '../src/jobs/messenger/reply-worker.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph, type GraphCall } from './helpers/fake-graph.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';

// The batched reply worker (issue 21): several loops and several workers (each with its own
// pool and sender, as separate instances would be) answer every customer message once, each
// customer's in order, also when a worker dies after Meta accepted its replies; the page's
// rate limit is one bucket in Postgres that instances share; typing_on only for late answers.

const PAGE = '6090000000001';
const TOKEN = 'EAAG-replies';
const NOW = new Date('2026-11-30T12:00:00Z');

let db: TestDatabase;
let graph: FakeGraph;
let store: MessengerStore;
const { logger } = capturingLogger('fatal');
const config = () => loadConfig({ MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

/** Stores and materializes `perCustomer` messages from each customer, timestamps in the order given. */
async function inbox(prefix: string, customers: number, perCustomer: number): Promise<void> {
  const at = NOW.getTime() - 60_000;
  const messaging = [];
  for (let k = 0; k < perCustomer; k++) {
    for (let c = 0; c < customers; c++) {
      messaging.push({ sender: { id: `${prefix}C${c}` }, recipient: { id: PAGE }, timestamp: at + k * customers + c, message: { mid: `${prefix}_${c}_${k}`, text: `question ${k}` } });
    }
  }
  await store.store(parseWebhookBody({ object: 'page', entry: [{ id: PAGE, time: at, messaging }] }).events);
  while ((await store.materialize()).taken > 0);
}

/** Replies whose answered message (from the metadata) starts with `prefix`, as [psid, mid]. */
function repliesTo(prefix: string): [string, string][] {
  return graph.calls
    .filter((c: GraphCall) => c.status === 200 && !c.body.sender_action)
    .map((c): [string, string] => [(c.body.recipient as { id: string }).id, ((c.body.message as { metadata?: string }).metadata ?? '').replace(/^supportpulse:bot:reply:/, '')])
    .filter(([, mid]) => mid.startsWith(`${prefix}_`));
}

/** Answers after a number of event-loop turns that differs per message, so a batch's turns finish out of order. */
const shuffledAgent: CustomerAgent = {
  async respond(turn: CustomerTurn): Promise<AgentDecision> {
    const spins = (turn.psid.length * 7 + turn.text.length * 13 + Number(turn.psid.replace(/\D/g, '') || 0)) % 9;
    for (let i = 0; i < spins; i++) await new Promise((r) => setImmediate(r));
    return { kind: 'reply', text: `re: ${turn.text}`, classification: { intent: 'general_inquiry', confidence: 0.5, sentiment: 0 }, unsure: false };
  },
};

function worker(pool: pg.Pool, sender: MessengerSender): ReplyWorker {
  return startReplyWorker({ pool, agent: shuffledAgent, sender, logger, now: () => NOW, concurrency: 2, batchSize: 8, parallel: 8, pollMs: 50 });
}

/** Each customer's answered messages in the order Meta got the replies: must be k = 0, 1, 2… */
function expectOncePerMessageInOrder(prefix: string, customers: number, perCustomer: number): void {
  const replies = repliesTo(prefix);
  expect(replies).toHaveLength(customers * perCustomer);
  expect(new Set(replies.map(([, mid]) => mid)).size).toBe(customers * perCustomer);
  const byCustomer = new Map<string, number[]>();
  for (const [psid, mid] of replies) byCustomer.set(psid, [...(byCustomer.get(psid) ?? []), Number(mid.split('_')[2])]);
  expect(byCustomer.size).toBe(customers);
  for (const ks of byCustomer.values()) expect(ks).toEqual(Array.from({ length: perCustomer }, (_, k) => k));
}

beforeAll(async () => {
  db = await createTestDatabase('messenger_replies');
  graph = await startFakeGraph({ tokens: [TOKEN] });
  store = new MessengerStore(db.pool);
  await q(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Replies test', now())`, [PAGE]);
});
afterAll(async () => {
  await graph?.close();
  await db?.drop();
});

describe('batched reply worker', () => {
  it('two workers with their own pools answer 30 customers × 5 messages once each, every customer in order', async () => {
    await inbox('ord', 30, 5);
    const pools = [createPool(db.url, 4), createPool(db.url, 4)];
    const workers = pools.map((pool) => worker(pool, createMessengerSender({ pool, config: config(), logger, now: () => NOW, ratePerPage: 10_000 })));
    try {
      await eventually(async () => repliesTo('ord').length >= 150 && (await q(`SELECT 1 FROM messenger_events WHERE state = 'pending'`)).length === 0);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(pools.map((p) => p.end()));
    }
    expectOncePerMessageInOrder('ord', 30, 5);
    const events = await q<{ state: string; n: number }>(`SELECT state::text, count(*)::int AS n FROM messenger_events WHERE event_key LIKE 'ord\\_%' GROUP BY 1`);
    expect(events).toEqual([{ state: 'done', n: 150 }]);
    const turns = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE mid LIKE 'ord\\_%' AND classification = 'general_inquiry'`);
    expect(turns[0]!.n).toBe(150);
  });

  it('a worker dying after Meta accepted its replies (events still pending): run beside a healthy one, nothing is answered twice', async () => {
    await inbox('crash', 12, 3);
    let crashes = 0;
    const pools = [createPool(db.url, 4), createPool(db.url, 4)];
    const senders = pools.map((pool) => createMessengerSender({ pool, config: config(), logger, now: () => NOW, ratePerPage: 10_000 }));
    // the first worker "dies" after each reply Meta accepted: its batch does not mark that event done
    const dying: MessengerSender = {
      async send(req) {
        const r = await senders[0]!.send(req);
        if (r.status === 'sent' && req.key.startsWith('reply:')) {
          crashes++;
          throw new Error('worker died after the Send API call');
        }
        return r;
      },
    };
    // the dying worker first (until it died once), then the healthy one beside it
    const workers = [worker(pools[0]!, dying)];
    try {
      await eventually(async () => crashes > 0);
      workers.push(worker(pools[1]!, senders[1]!));
      await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE event_key LIKE 'crash\\_%' AND state <> 'done'`)).length === 0 && repliesTo('crash').length >= 36);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(pools.map((p) => p.end()));
    }
    expect(crashes).toBeGreaterThan(0);
    const retried = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messenger_events WHERE event_key LIKE 'crash\\_%' AND attempts > 0`);
    expect(retried[0]!.n).toBe(crashes);
    expectOncePerMessageInOrder('crash', 12, 3);
    const sends = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messenger_sends WHERE idempotency_key LIKE 'reply:crash\\_%' AND status = 'sent'`);
    expect(sends[0]!.n).toBe(36);
  });

  it('a batch whose writes fail is retried one event at a time: the poisoned event fails alone, the others are answered once', async () => {
    await inbox('poison', 6, 1);
    // settling the poisoned event fails, and with it the whole batch's transaction
    await q(`CREATE FUNCTION poison_settle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poisoned row'; END $$`);
    await q(`CREATE TRIGGER poison_settle BEFORE UPDATE ON messenger_events FOR EACH ROW
             WHEN (NEW.event_key = 'poison_3_0' AND NEW.state = 'done') EXECUTE FUNCTION poison_settle()`);
    const pool = createPool(db.url, 4);
    const w = startReplyWorker({
      pool, agent: shuffledAgent, sender: createMessengerSender({ pool, config: config(), logger, now: () => NOW, ratePerPage: 10_000 }),
      logger, now: () => NOW, concurrency: 1, batchSize: 8, pollMs: 50,
    });
    try {
      await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE event_key LIKE 'poison\\_%' AND state = 'pending'`)).length === 0);
    } finally {
      await w.stop();
      await pool.end();
      await q(`DROP TRIGGER poison_settle ON messenger_events`);
    }
    const states = await q<{ event_key: string; state: string; attempts: number }>(
      `SELECT event_key, state::text, attempts FROM messenger_events WHERE event_key LIKE 'poison\\_%' ORDER BY event_key`);
    expect(states.find((e) => e.event_key === 'poison_3_0')).toEqual({ event_key: 'poison_3_0', state: 'failed', attempts: 3 });
    const others = states.filter((e) => e.event_key !== 'poison_3_0');
    expect(others.map((e) => e.state)).toEqual(Array(5).fill('done'));
    // each counted the batch's one failure at most
    expect(others.every((e) => e.attempts <= 1)).toBe(true);
    // every message was answered once, the poisoned one included (its reply's key stopped the retries from sending)
    expect(repliesTo('poison').map(([, mid]) => mid).sort()).toEqual(['poison_0_0', 'poison_1_0', 'poison_2_0', 'poison_3_0', 'poison_4_0', 'poison_5_0']);
  });

  it('typing_on goes out only for an answer not ready in time, and before it', async () => {
    await inbox('typing', 2, 1);
    const pool = createPool(db.url, 4);
    const sender = createMessengerSender({ pool, config: config(), logger, now: () => NOW, ratePerPage: 10_000 });
    const typed = (psid: string) => graph.calls.some((c) => c.body.sender_action === 'typing_on' && (c.body.recipient as { id: string }).id === psid);
    const agent: CustomerAgent = {
      async respond(turn) {
        // the slow customer's answer is ready only once its typing bubble reached Meta
        if (turn.psid === 'typingC1') await eventually(async () => typed('typingC1'));
        return { kind: 'reply', text: 'ok', classification: { intent: 'general_inquiry', confidence: 0.5, sentiment: 0 }, unsure: false };
      },
    };
    const w = startReplyWorker({ pool, agent, sender, logger, now: () => NOW, concurrency: 1, pollMs: 50, typingAfterMs: 20 });
    try {
      await eventually(async () => repliesTo('typing').length >= 2);
    } finally {
      await w.stop();
      await pool.end();
    }
    expect(typed('typingC0')).toBe(false);
    const slow = graph.calls.filter((c) => (c.body.recipient as { id: string }).id === 'typingC1').map((c) => (c.body.sender_action ? 'typing_on' : 'reply'));
    expect(slow).toEqual(['typing_on', 'reply']);
  });
});

describe('per-page rate limit shared in Postgres', () => {
  it('two senders (two instances) sending for one page stay within rate + burst in every second, at a fixed injected clock', async () => {
    const T0 = NOW.getTime();
    const RATE = 10;
    const BURST = 5;
    await q(`DELETE FROM messenger_send_buckets`);
    const psids = Array.from({ length: 60 }, (_, i) => `rateC${i}`);
    for (const psid of psids) await q(`INSERT INTO customers (page_id, psid, last_message_at) SELECT id, $2, $3 FROM pages WHERE fb_page_id = $1`, [PAGE, psid, new Date(T0 - 60_000)]);
    const pools = [createPool(db.url, 4), createPool(db.url, 4)];
    // the clock never moves: each call's time is T0 plus the wait the bucket gave it
    const at: number[][] = [[], []];
    const senders = pools.map((pool, s) =>
      createMessengerSender({
        pool, config: config(), logger, now: () => NOW, clock: () => T0, ratePerPage: RATE, burstPerPage: BURST,
        sleep: async (ms) => void at[s]!.push(T0 + ms),
      }));
    try {
      const results = await Promise.all(psids.map((psid, i) => senders[i % 2]!.send({ key: `rate:${psid}`, pageId: PAGE, psid, sender: 'bot', text: 'hello' })));
      expect(results.every((r) => r.status === 'sent')).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    // calls that did not wait went at T0
    const times = [...Array(60 - at[0]!.length - at[1]!.length).fill(T0), ...at[0]!, ...at[1]!].sort((a, b) => a - b);
    expect(times).toHaveLength(60);
    let most = 0;
    for (let lo = 0, hi = 0; hi < times.length; hi++) {
      while (times[lo]! <= times[hi]! - 1000) lo++;
      most = Math.max(most, hi - lo + 1);
    }
    expect(most).toBeLessThanOrEqual(RATE + BURST);
    // and no slower than the rate: the 55 beyond the burst spread over 5.5 s
    expect(times[59]! - T0).toBe(5500);
  });
});
