import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryCopy } from '../src/db/copy-binary.ts';
import { copyBinaryAhead } from '../src/db/copy-ahead.ts';
import { createUpload } from '../src/import/index.ts';
import { reserveMessageIds } from '../src/import/built-sessions.ts';
import { emptyStats } from '../src/import/loader.ts';
import type { ImportRow } from '../src/import/types.ts';
import { CREATE_STAGES, mayBypassRowTriggers, writeBatch } from '../src/import/write-batch.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// How many times an import batch waits for PostgreSQL (docs/IMPORT.md, "7 December,
// afternoon"): each wait is a reply that node reads only between two chunks of parsing. A TCP
// relay between the client and the server writes down, in arrival order, the protocol messages
// of both sides.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('import_round_trips');
});
afterAll(async () => {
  await db.drop();
});

type Sent = { from: 'client' | 'server'; type: string };

/** A relay to the test database that logs every message's type (the client's startup message as 'startup'). */
async function relay(): Promise<{ url: string; log: Sent[]; close(): Promise<void> }> {
  const target = new URL(db.url);
  const log: Sent[] = [];
  const sockets: net.Socket[] = [];
  const reader = (from: Sent['from']) => {
    let pending = Buffer.alloc(0);
    let startup = from === 'client';
    return (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const head = startup ? 0 : 1;
        if (pending.length < head + 4) return;
        const length = pending.readUInt32BE(head);
        if (pending.length < head + length) return;
        log.push({ from, type: startup ? 'startup' : String.fromCharCode(pending[0]!) });
        startup = false;
        pending = pending.subarray(head + length);
      }
    };
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.push(client, upstream);
    const fromClient = reader('client');
    const fromServer = reader('server');
    client.on('data', (d) => {
      fromClient(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      fromServer(d);
      client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    log,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connected through a relay; `log` starts empty once connected. */
async function relayedClient(): Promise<{ client: pg.Client; log: Sent[]; close(): Promise<void> }> {
  const r = await relay();
  const client = new pg.Client({ connectionString: r.url });
  await client.connect();
  r.log.length = 0;
  return { client, log: r.log, close: async () => void (await client.end().catch(() => {}), await r.close()) };
}

const rowsOf = (n: number) => {
  const copy = new BinaryCopy();
  for (let i = 1; i <= n; i++) copy.row(2).int4(i).text(`row ${i}`);
  return copy;
};

describe('copyBinaryAhead', () => {
  it('sends the rows with the statement, before the server has answered it', async () => {
    const { client, log, close } = await relayedClient();
    try {
      await client.query('CREATE TEMP TABLE t (i int PRIMARY KEY, s text)');
      log.length = 0;
      expect(await copyBinaryAhead(client, 't (i, s)', rowsOf(3))).toBe(3);
      // Query, CopyData, CopyDone, all before CopyInResponse: one round trip, not two
      expect(log.map((m) => `${m.from} ${m.type}`)).toEqual(['client Q', 'client d', 'client c', 'server G', 'server C', 'server Z']);
      expect((await client.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(3);
    } finally {
      await close();
    }
  });

  it('runs the statements before it in the same query, and reports the rows of the COPY', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('CREATE TEMP TABLE t2 (i int, s text)');
      expect(await copyBinaryAhead(client, 't2 (i, s)', rowsOf(4), "BEGIN; SET LOCAL application_name = 'ahead'; ")).toBe(4);
      const inside = await client.query<{ name: string; n: number }>(`SELECT current_setting('application_name') AS name, (SELECT count(*)::int FROM t2) AS n`);
      expect(inside.rows[0]).toEqual({ name: 'ahead', n: 4 });
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n FROM t2')).rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });

  it('fails as COPY fails, and leaves the connection usable (the rows sent ahead are dropped)', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('CREATE TEMP TABLE t3 (i int PRIMARY KEY, s text)');
      await copyBinaryAhead(client, 't3 (i, s)', rowsOf(2));
      // a duplicate key halfway through the rows
      await expect(copyBinaryAhead(client, 't3 (i, s)', rowsOf(5))).rejects.toMatchObject({ code: '23505' });
      // a statement that never starts a COPY
      await expect(copyBinaryAhead(client, 'no_such_table (i)', rowsOf(1))).rejects.toMatchObject({ code: '42P01' });
      // inside a transaction: aborted, as after any failed statement
      await expect(copyBinaryAhead(client, 't3 (i, s)', rowsOf(2), 'BEGIN; ')).rejects.toMatchObject({ code: '23505' });
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n, max(i) AS max FROM t3')).rows[0]).toEqual({ n: 2, max: 2 });
    } finally {
      client.release();
    }
  });
});

const row = (chat: number, i: number): ImportRow => ({
  chatKey: `t_rt_${chat}`,
  mid: `m_rt_${chat}_${i}`,
  direction: i % 2 === 0 ? 'to_company' : 'to_client',
  senderKind: i % 2 === 0 ? 'customer' : 'bot',
  text: `message ${i}`,
  attachments: null,
  atMs: Date.UTC(2026, 10, 25, 14, 30) + i * 60_000,
  agentInfo: i % 2 === 0 ? null : '{"name":"Sunny Bot"}',
  pageFbId: '104882371956210',
  pageName: 'Sunny Shop',
  customerPsid: null,
  customerName: null,
  agentName: i % 2 === 0 ? null : 'Sunny Bot',
});

describe('an import batch', () => {
  it('of new chats waits for the server seven times, and journals its errors as they were', async () => {
    const { client, log, close } = await relayedClient();
    try {
      await client.query(CREATE_STAGES);
      const bypass = await mayBypassRowTriggers(client);
      await reserveMessageIds(client, 1); // looks the sequence's name up, once per connection
      const uploadId = await createUpload(db.pool, 'round-trips.csv', 1);
      const rows = [0, 1, 2, 3].flatMap((i) => [row(1, i), row(2, i)]).sort((a, b) => a.chatKey.localeCompare(b.chatKey));
      const errors = [{ line: 7, reason: `malformed JSON in agent_info "{'it''s' \\"x\\" \\\\ ✅"` }];
      const stats = emptyStats();
      log.length = 0;
      await writeBatch(client, rows, new Map(), stats, bypass, { uploadId, rejected: 1, errors });
      expect(stats.inserted).toBe(8);
      // BEGIN with the chats' COPY, the upsert, the ids, then the COPYs of messages, sessions and
      // reply facts, and the journal with the COMMIT: each one round trip (a ReadyForQuery)
      expect(log.filter((m) => m.from === 'server' && m.type === 'Z')).toHaveLength(7);
      // no COPY waited for its CopyInResponse before sending its rows
      const waits = log.filter((m, i) => m.from === 'server' && m.type === 'G' && log.slice(i + 1).find((n) => n.from === 'client')?.type === 'd');
      expect(waits).toEqual([]);
      const journal = await db.pool.query<{ rows_accepted: number; rows_rejected: number; messages_inserted: number; n: number; errors: unknown }>(
        `SELECT rows_accepted, rows_rejected, messages_inserted, cardinality(conversation_ids) AS n, errors FROM upload_batches WHERE upload_id = $1`,
        [uploadId],
      );
      expect(journal.rows).toEqual([{ rows_accepted: 8, rows_rejected: 1, messages_inserted: 8, n: 2, errors }]);
      const sessions = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE c.fb_chat_id IN ('t_rt_1', 't_rt_2')`,
      );
      expect(sessions.rows[0]!.n).toBe(2);
    } finally {
      await close();
    }
  });
});
