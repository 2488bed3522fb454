import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { loadConfig } from '../src/config.ts';
import { sharedRead } from '../src/db/coalesce.ts';
import { CLAIM_BATCH_SQL, claimBatch } from '../src/db/messenger-inbox-repo.ts';
import { MessengerStore } from '../src/db/messenger-repo.ts';
import { createPool } from '../src/db/pool.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { parseWebhookBody } from '../src/domain/messenger/events.ts';
import { REFRESH_CHUNK, startSessionRefresher } from '../src/jobs/messenger/session-refresher.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';

// What keeps the messenger's work per event flat as its tables grow (issue 21: the bench's ack
// p99 and reply rate got worse run after run): the reply worker's claim probes one index entry
// per candidate whatever the planner's statistics say, session rebuilds wait while the worker
// has a backlog, and turns answered together share the agent's reads.

const PAGE = '5190000000001';
let db: TestDatabase;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase('messenger_queue');
});
afterAll(async () => {
  await db?.drop();
});

/** Every plan node's rows, loops included, and the rows its filters and join filters threw away. */
function rowsHandled(node: Record<string, unknown>): number {
  const own = Number(node['Actual Rows'] ?? 0) * Number(node['Actual Loops'] ?? 1)
    + Number(node['Rows Removed by Filter'] ?? 0) + Number(node['Rows Removed by Join Filter'] ?? 0);
  return own + ((node['Plans'] as Record<string, unknown>[] | undefined) ?? []).reduce((a, p) => a + rowsHandled(p), 0);
}

describe('the reply worker claim', () => {
  it('looks at each pending event a few times, not once per other pending event of its conversation, on a table never analysed', async () => {
    // as in a flood before autovacuum visits: the planner has no statistics for the inbox
    await db.pool.query(`ALTER TABLE messenger_events SET (autovacuum_enabled = false)`);
    const store = new MessengerStore(db.pool);
    const at = Date.parse('2026-11-25T14:30:00Z');
    const customers = 60;
    const perCustomer = 40;
    const body = (k: number) => ({
      object: 'page',
      entry: [{ id: PAGE, time: at, messaging: Array.from({ length: customers }, (_, c) => ({
        sender: { id: `PSIDQ${c}` }, recipient: { id: PAGE }, timestamp: at + k * customers + c, message: { mid: `q_${k}_${c}`, text: `question ${k}` },
      })) }],
    });
    for (let k = 0; k < perCustomer; k++) await store.store(parseWebhookBody(body(k)).events);
    while ((await store.materialize(1000)).taken > 0);
    const pending = customers * perCustomer;

    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_BATCH_SQL}`, [64, 20]);
      await client.query('ROLLBACK');
      // the anti-join it replaced compared each candidate with its conversation's other pending
      // events (or, planned as a nested loop, with every pending event): ~26 per event here
      expect(rowsHandled(rows[0]!['QUERY PLAN'][0].Plan)).toBeLessThan(10 * pending);

      await client.query('BEGIN');
      const claimed = await claimBatch(client, 64);
      await client.query('ROLLBACK');
      // still each conversation's earliest pending event, the oldest conversations first
      expect(claimed.map((t) => t.event.key)).toEqual(Array.from({ length: customers }, (_, c) => `q_0_${c}`));
      expect(claimed.every((t) => t.ctx?.openSurvey === undefined)).toBe(true);
    } finally {
      client.release();
    }
  });
});

describe('the reply worker claim, during a flood', () => {
  it('reads a few entries of the claimable index for a batch of 8, not the whole queue, on a table never analysed', async () => {
    await db.pool.query(`ALTER TABLE messenger_events SET (autovacuum_enabled = false)`);
    const store = new MessengerStore(db.pool);
    const at = Date.parse('2026-11-25T15:30:00Z');
    const customers = 300;
    for (let k = 0; k < 8; k++) {
      await store.store(parseWebhookBody({
        object: 'page',
        entry: [{ id: PAGE, time: at, messaging: Array.from({ length: customers }, (_, c) => ({
          sender: { id: `PSIDF${c}` }, recipient: { id: PAGE }, timestamp: at + k * customers + c, message: { mid: `f_${k}_${c}`, text: `flood ${k}` },
        })) }],
      }).events);
    }
    while ((await store.materialize(1000)).taken > 0);
    // index entries read, as the statistics collector counts them (flushed on demand)
    const entriesRead = async () => {
      const { rows } = await db.pool.query<{ n: string }>(`SELECT idx_tup_read::text AS n FROM pg_stat_user_indexes WHERE indexrelname = 'messenger_events_claimable_idx'`);
      return Number(rows[0]!.n);
    };
    const client = await db.pool.connect();
    try {
      await client.query('SELECT pg_stat_force_next_flush()');
      const before = await entriesRead();
      await client.query('BEGIN');
      const claimed = await claimBatch(client, 8);
      await client.query('ROLLBACK');
      await client.query('SELECT pg_stat_force_next_flush()');
      expect(claimed).toHaveLength(8);
      // a bitmap over the queue read all of its 2,400 entries
      expect((await entriesRead()) - before).toBeLessThan(100);
    } finally {
      client.release();
    }
  });
});

describe('session refresher', () => {
  it('waits as long as deferMs says before rebuilding, then rebuilds what was touched meanwhile together', async () => {
    let clock = 0;
    const rebuilt: { at: number; ids: unknown }[] = [];
    // a pool whose rebuild statements only record which conversations they were asked for
    const client = {
      on() {}, off() {}, release() {},
      async query(_sql: string, params: unknown[]) {
        if (rebuilt.length === 0 || rebuilt[rebuilt.length - 1]!.at !== clock) rebuilt.push({ at: clock, ids: params[0] });
        return { rows: [], rowCount: 0 };
      },
    };
    const pool = { connect: async () => client } as unknown as pg.Pool;
    const refresher = startSessionRefresher({ pool, logger, now: () => new Date('2026-11-25T14:30:00Z'), everyMs: 5, deferMs: () => 30_000, clock: () => (clock += 1_000) });
    refresher.touch(7);
    refresher.touch(3);
    await eventually(async () => rebuilt.length > 0);
    await refresher.stop();
    // the first rebuild came once 30 s had passed on its clock, with both conversations
    expect(rebuilt[0]!.at).toBeGreaterThanOrEqual(30_000);
    expect(rebuilt[0]!.ids).toEqual([3, 7]);
  });
});

describe('session refresher, interrupted', () => {
  it('rebuilds a large backlog in chunks and leaves the rest for later when interrupted between two', async () => {
    const asked: number[][] = [];
    let interrupted = false;
    const client = {
      on() {}, off() {}, release() {},
      async query(sql: string, params: unknown[]) {
        // the conversation pass opens each chunk's rebuild; an empty one ends it
        if (sql.includes('WITH a AS')) {
          asked.push(params[0] as number[]);
          interrupted = true; // a flood begins while the first chunk is rebuilt
        }
        return { rows: [], rowCount: 0 };
      },
    };
    const pool = { connect: async () => client } as unknown as pg.Pool;
    const refresher = startSessionRefresher({ pool, logger, now: () => new Date('2026-11-25T14:30:00Z'), everyMs: 5, interrupt: () => interrupted });
    const ids = Array.from({ length: 3 * REFRESH_CHUNK }, (_, i) => i + 1);
    for (const id of ids) refresher.touch(id);
    await eventually(async () => asked.length >= 2);
    // one chunk per flush while interrupted: the rest waited for the next flushes
    expect(asked[0]).toEqual(ids.slice(0, REFRESH_CHUNK));
    expect(asked[1]).toEqual(ids.slice(REFRESH_CHUNK, 2 * REFRESH_CHUNK));
    await refresher.stop(); // stopping rebuilds everything left, interrupted or not
    expect(asked.flat().sort((a, b) => a - b)).toEqual(ids);
  });
});

describe('sharedRead', () => {
  it('gives the calls that arrive together one read, and a call made while it runs a read of its own that starts after it', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    let n = 0;
    const read = sharedRead(async (key) => {
      started.push(key);
      const mine = ++n;
      await new Promise<void>((r) => release.push(r));
      return `${key}#${mine}`;
    });
    const a = [read('p1'), read('p1'), read('p2')];
    await eventually(async () => started.length === 2);
    // p1's read is in flight: a new call waits for a read of its own, joined by the next caller
    const late = [read('p1'), read('p1')];
    release.splice(0).forEach((r) => r());
    expect(await Promise.all(a)).toEqual(['p1#1', 'p1#1', 'p2#2']);
    await eventually(async () => started.length === 3);
    release.splice(0).forEach((r) => r());
    expect(await Promise.all(late)).toEqual(['p1#3', 'p1#3']);
    expect(started).toEqual(['p1', 'p2', 'p1']);
  });
});

describe('the customer agent', () => {
  it('answers turns of one page that start together with one catalogue check and one template read', async () => {
    await seedCatalogue(db.pool);
    const seen: string[] = [];
    const counting = new Proxy(db.pool, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return (q: string | { text: string }, ...rest: unknown[]) => {
            seen.push(typeof q === 'string' ? q : q.text);
            return (target.query as (...a: unknown[]) => unknown).call(target, q, ...rest);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const agent = createCustomerAgent({ pool: counting, config: loadConfig({}), logger: capturingLogger('fatal').logger });
    const turn = (i: number) => ({ pageId: PAGE, psid: `PSIDA${i}`, conversationId: i, text: 'How much is the blue jacket?', attachments: 0, isFirstMessage: false, unsureStreak: 0, history: [] });
    await agent.respond(turn(0)); // the templates seeded, the catalogue loaded
    seen.length = 0;
    const decisions = await Promise.all(Array.from({ length: 16 }, (_, i) => agent.respond(turn(i + 1))));
    expect(decisions.every((d) => d.text.length > 0)).toBe(true);
    expect(seen.filter((s) => s.includes('FROM products')).length).toBe(1);
    expect(seen.filter((s) => s.includes('FROM message_templates')).length).toBe(1);
  });
});

describe('a pool', () => {
  it('keeps an idle connection for a minute, not the driver default 10 s: a burst after a lull finds its connections open', async () => {
    const pool = createPool(db.url, 2);
    try {
      expect((pool as unknown as { options: { idleTimeoutMillis: number } }).options.idleTimeoutMillis).toBe(60_000);
    } finally {
      await pool.end();
    }
  });
});
