import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPassword, type OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { loadHistory, STORED_MESSAGE_CHARS, threadId } from '../src/agents/assistant/memory.ts';
import { prepareAgentLogin } from '../src/agents/sql/agent-role.ts';
import { CUT_MARK, cutToBytes, DEFAULT_CELL_BYTES, DEFAULT_RESULT_BYTES, runReadOnlyQuery } from '../src/agents/sql/run-query.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { offlineConfig } from './helpers/assistant.ts';

// Issue 17, finding 7: the sql_query tool's result is bounded in bytes as well as rows. A cell
// over the cell cap is cut in the database (only a prefix and its length travel), the whole
// result stops at the byte cap, and the answer says what was cut; the thread memory that every
// follow-up reloads holds the bounded result only.

const NOW = new Date('2026-11-20T12:00:00Z');
const HUGE = `SELECT format('%100000000s', 'x') AS big`; // a 100 MB cell, which the guard lets through

let db: TestDatabase;
let agentUrl: string;
let agentPool: pg.Pool;
let opened: OpenAssistant;

beforeAll(async () => {
  db = await createTestDatabase('sqlsize');
  await seedDemoData(db.url, { conversations: 20, now: NOW, timezone: 'UTC' });
  // the password every process on this cluster derives (the role is cluster-wide)
  const login = await prepareAgentLogin(db.url, { password: agentPassword(db.url) });
  if (!('url' in login)) throw new Error(`pulse_agent unavailable: ${login.unavailable}`);
  agentUrl = login.url;
  agentPool = new pg.Pool({ connectionString: agentUrl, max: 1 });
  opened = await openAssistant(offlineConfig('UTC'), db.url, { now: () => NOW, pool: db.pool });
});

afterAll(async () => {
  await opened?.close();
  await agentPool?.end();
  await db?.drop();
});

/** Bytes the single pooled connection has read from the server so far. */
async function bytesRead(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    return (client as unknown as { connection: { stream: { bytesRead: number } } }).connection.stream.bytesRead;
  } finally {
    client.release();
  }
}

describe('runReadOnlyQuery bounds bytes', () => {
  it('cuts a 100 MB cell in the database: a marked prefix comes back, and under 1 MB crosses the wire', async () => {
    const before = await bytesRead(agentPool);
    const r = await runReadOnlyQuery(agentPool, HUGE, { timeoutMs: 20_000 });
    const received = (await bytesRead(agentPool)) - before;
    if (!('rows' in r)) throw new Error(r.refused);
    expect(r.rows).toHaveLength(1);
    const big = r.rows[0]!.big as string;
    expect(big.endsWith(`${CUT_MARK}100000000 bytes]`)).toBe(true);
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(DEFAULT_CELL_BYTES + 40);
    expect(big.startsWith(' '.repeat(100))).toBe(true);
    expect(r.cutCells).toBe(1);
    expect(r.note).toMatch(/1 cell was longer than 4000 bytes and cut/);
    expect(received).toBeLessThan(1_000_000);
  });

  it('stops the whole result at the byte cap and says so', async () => {
    const r = await runReadOnlyQuery(agentPool, 'SELECT id, text FROM analytics.messages ORDER BY id', { resultBytes: 5_000, cellBytes: 200 });
    if (!('rows' in r)) throw new Error(r.refused);
    expect(r.truncated).toBe(true);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(JSON.stringify(r.rows))).toBeLessThanOrEqual(5_000);
    expect(r.note).toMatch(/^only the first \d+ rows are shown \(limits: 500 rows, 5000 bytes\)/);
    // the query's own order is kept through the wrapper
    const ids = r.rows.map((x) => Number(x.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('reads values that fit exactly as the query would: types, nulls, repeated names', async () => {
    const sql = `SELECT 1 AS n, 'a&b' AS t, NULL::text AS nothing, '{"k": [1, 2]}'::jsonb AS j, 2.50::numeric AS d,
                        ARRAY['x', 'y'] AS arr, true AS flag, 'é😀'::text AS t`;
    const direct = (await db.pool.query({ text: sql, rowMode: 'array' })).rows[0] as unknown[];
    const r = await runReadOnlyQuery(agentPool, sql);
    if (!('rows' in r)) throw new Error(r.refused);
    expect(r.columns).toEqual(['n', 't', 'nothing', 'j', 'd', 'arr', 'flag', 't_2']);
    expect(Object.values(r.rows[0]!)).toEqual(direct);
    expect(r).toMatchObject({ truncated: false, cutCells: 0 });
    expect(r.note).toBeUndefined();
  });

  it('cutToBytes never splits a character', () => {
    expect(cutToBytes('aé😀b', 3)).toBe('aé');
    expect(cutToBytes('aé😀b', 6)).toBe('aé');
    expect(cutToBytes('aé😀b', 7)).toBe('aé😀');
    expect(cutToBytes('abc', 10)).toBe('abc');
  });
});

describe('the assistant with a huge cell', () => {
  it('answers with the cut marked and stores only the bounded result in the thread', async () => {
    const ref = { channel: 'sqlsize', threadKey: 'huge' };
    const r = await opened.assistant.ask(ref, `sql: ${HUGE}`, { caller: { role: 'lead', name: 'lead' } });
    expect(r.text).toContain('Result bounded: 1 cell was longer than 4000 bytes and cut');
    const { rows } = await db.pool.query<{ role: string; chars: number }>(
      `SELECT m.role, length(m.content) AS chars FROM agent_messages m JOIN agent_threads t ON t.id = m.thread_id
        WHERE t.channel = 'sqlsize' AND t.thread_key = 'huge' ORDER BY m.id`,
    );
    expect(rows.map((x) => x.role)).toContain('tool');
    for (const row of rows) expect(row.chars).toBeLessThanOrEqual(Math.min(STORED_MESSAGE_CHARS, DEFAULT_RESULT_BYTES + 1_000));
  });
});

describe('thread memory', () => {
  it('a message stored unbounded before is cut in the database when the thread is reloaded', async () => {
    const thread = await threadId(db.pool, { channel: 'sqlsize', threadKey: 'old-row' });
    await db.pool.query(`INSERT INTO agent_messages (thread_id, role, content) VALUES ($1, 'human', 'show me everything'), ($1, 'ai', repeat('x', 5000000))`, [thread]);
    const history = await loadHistory(db.pool, thread);
    expect(history.map((m) => String(m.content).length)).toEqual([18, STORED_MESSAGE_CHARS]);
    expect(String(history[1]!.content)).toMatch(/…\[cut for the thread memory: the rest was not stored\]$/);
  });
});
