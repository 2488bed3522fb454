import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentPool } from '../src/agents/sql/agent-pool.ts';
import { agentPassword } from '../src/agents/assistant/open.ts';
import { AGENT_ROLE, prepareAgentLogin, randomAgentPassword } from '../src/agents/sql/agent-role.ts';
import { ANALYTICS_VIEWS } from '../src/agents/sql/guard.ts';
import { runReadOnlyQuery } from '../src/agents/sql/run-query.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The pulse_agent role is the boundary of the sql_query tool; the parser guard only explains.
// So besides the happy path, every attack runs here with the guard bypassed, straight on a
// pulse_agent connection, and must fail at the database without changing a row.
// pulse_agent is cluster-wide and shared with parallel test files: never dropped here.

const SECRET_TOKEN_HASH = 'sekret-token-hash-4711';
const SECRET_CIPHER = 'sekret-page-cipher-4711';

let db: TestDatabase;
let agentUrl: string;
let agentPool: pg.Pool;
let appUser: string;

beforeAll(async () => {
  db = await createTestDatabase('agentrole');
  appUser = decodeURIComponent(new URL(db.url).username);
  await seedDemoData(db.url, { conversations: 20, now: new Date('2026-11-20T12:00:00Z'), timezone: 'UTC' });
  await db.pool.query(`UPDATE pages SET access_token_cipher = $1`, [SECRET_CIPHER]);
  await db.pool.query(
    `INSERT INTO api_tokens (user_id, label, token_hash) SELECT min(id), 'test', $1 FROM users`,
    [SECRET_TOKEN_HASH],
  );
  await db.pool.query(`INSERT INTO audit_logs (action, target) VALUES ('test', 'audit-secret')`);
  const login = await prepareAgentLogin(db.url, { password: agentPassword(db.url) }); // the password every file on this cluster uses: the role is cluster-wide
  if (!('url' in login)) throw new Error(`pulse_agent unavailable: ${login.unavailable}`);
  agentUrl = login.url;
  agentPool = new pg.Pool({ connectionString: agentUrl, max: 2 });
});

afterAll(async () => {
  await agentPool?.end();
  await db?.drop();
});

/** Row count and content hash of every table in schema public, read as the app user. */
async function publicChecksum(): Promise<Record<string, string>> {
  const tables = await db.pool.query<{ t: string }>(
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables.rows) {
    const r = await db.pool.query<{ n: string; h: string | null }>(
      `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM public.${pg.escapeIdentifier(t)} x`,
    );
    out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? ''}`;
  }
  return out;
}

describe('prepareAgentLogin', () => {
  it('returns a pulse_agent URL on the same server and database', () => {
    const a = new URL(agentUrl);
    const b = new URL(db.url);
    expect(a.username).toBe(AGENT_ROLE);
    expect(a.password).toBe(agentPassword(db.url));
    // without a configured password each call would make a fresh one (here only generated: setting
    // it would change the cluster-wide role under the other test files' connections)
    expect(randomAgentPassword()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(randomAgentPassword()).not.toBe(randomAgentPassword());
    expect([a.host, a.pathname]).toEqual([b.host, b.pathname]);
  });

  it('gives the role its defence-in-depth settings', async () => {
    const c = new pg.Client({ connectionString: agentUrl });
    await c.connect();
    try {
      expect((await c.query('SHOW default_transaction_read_only')).rows[0]).toEqual({ default_transaction_read_only: 'on' });
      expect((await c.query('SHOW statement_timeout')).rows[0]).toEqual({ statement_timeout: '5s' });
    } finally {
      await c.end();
    }
  });
});

describe('createAgentPool: dates and timestamps as text in the business timezone', () => {
  // Kolkata is +05:30 all year: no DST edge, and a half-hour offset no shift could fake.
  const TZ = 'Asia/Kolkata';
  let local: pg.Pool;
  beforeAll(() => {
    local = createAgentPool(agentUrl, TZ, 1);
  });
  afterAll(async () => {
    await local?.end();
  });

  it('returns a date as YYYY-MM-DD and a timestamptz as local wall time with its offset', async () => {
    const r = await runReadOnlyQuery(
      local,
      `SELECT DATE '2026-11-25' AS d, TIMESTAMPTZ '2026-11-25 20:00:00+00' AS t, TIMESTAMP '2026-11-25 08:15:00' AS ts, ARRAY[DATE '2026-11-25'] AS ds`,
    );
    if (!('rows' in r)) throw new Error(r.refused);
    expect(r.rows).toEqual([{ d: '2026-11-25', t: '2026-11-26 01:30:00+05:30', ts: '2026-11-25 08:15:00', ds: ['2026-11-25'] }]);
  });

  it('reads view columns the same way: the message times as the business clock shows them', async () => {
    const r = await runReadOnlyQuery(local, 'SELECT id, social_create_time AS at, social_create_time::date AS day FROM analytics.messages ORDER BY id LIMIT 3');
    if (!('rows' in r)) throw new Error(r.refused);
    // What psql in that zone would print, read as the app user.
    const c = await db.pool.connect();
    try {
      await c.query(`SET TimeZone TO '${TZ}'`);
      const expected = await c.query(`SELECT id, social_create_time::text AS at, social_create_time::date::text AS day FROM messages ORDER BY id LIMIT 3`);
      expect(r.rows).toEqual(expected.rows);
    } finally {
      await c.query('RESET TimeZone');
      c.release();
    }
    expect(r.rows[0]).toMatchObject({ at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+05:30$/) });
  });

  it('leaves every other pool parsing timestamps as Dates', async () => {
    const { rows } = await db.pool.query<{ t: unknown }>(`SELECT TIMESTAMPTZ '2026-11-25 20:00:00+00' AS t`);
    expect(rows[0]!.t).toEqual(new Date('2026-11-25T20:00:00Z'));
  });
});

describe('the analytics views as plain views', () => {
  /** EXPLAIN (FORMAT JSON) of `sql` as pulse_agent: the node types of the plan, flattened. */
  async function planNodes(sql: string, settings = ''): Promise<{ types: string[]; relations: string[] }> {
    const c = new pg.Client({ connectionString: agentUrl });
    await c.connect();
    try {
      await c.query('BEGIN');
      if (settings) await c.query(settings);
      const { rows } = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`);
      const types: string[] = [];
      const relations: string[] = [];
      const walk = (n: PlanNode) => {
        types.push(n['Node Type']);
        if (n['Relation Name']) relations.push(`${n.Schema ?? ''}.${n['Relation Name']}`);
        for (const child of n.Plans ?? []) walk(child);
      };
      walk(rows[0]!['QUERY PLAN'][0].Plan);
      return { types, relations };
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  }
  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    Schema?: string;
    Plans?: PlanNode[];
  }

  it('pushes a WHERE on analytics.messages down to an index of public.messages', async () => {
    // The seeded table is small enough that a sequential scan would be cheapest: turning it off
    // asks whether an index path exists at all, which a function-backed view never offers.
    const plan = await planNodes('SELECT id, text FROM analytics.messages WHERE conversation_id = 3', 'SET LOCAL enable_seqscan = off');
    expect(plan.types).not.toContain('Function Scan');
    expect(plan.types.some((t) => /Index/.test(t))).toBe(true);
    expect(plan.relations).toEqual(['public.messages']);
  });

  it('counts analytics.messages from the table, not through a function', async () => {
    const plan = await planNodes('SELECT count(*) FROM analytics.messages');
    expect(plan.types).not.toContain('Function Scan');
    expect(plan.relations).toEqual(['public.messages']);
  });
});

describe('runReadOnlyQuery', () => {
  it('returns rows from the analytics views with the SQL it ran', async () => {
    const r = await runReadOnlyQuery(
      agentPool,
      `SELECT p.name, count(*) AS sessions FROM analytics.sessions s
       JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
       GROUP BY p.name ORDER BY p.name;`,
    );
    if (!('rows' in r)) throw new Error(r.refused);
    expect(r.columns).toEqual(['name', 'sessions']);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(r.truncated).toBe(false);
    expect(r.sql).not.toMatch(/;$/);
  });

  it('keeps both columns when names repeat', async () => {
    const r = await runReadOnlyQuery(agentPool, 'SELECT s.id, c.id FROM sessions s JOIN conversations c ON c.id = s.conversation_id LIMIT 1');
    expect(r).toMatchObject({ columns: ['id', 'id_2'] });
  });

  it('caps rows and says so', async () => {
    const r = await runReadOnlyQuery(agentPool, 'SELECT id FROM analytics.messages ORDER BY id', { rowCap: 7 });
    if (!('rows' in r)) throw new Error(r.refused);
    expect(r.rows).toHaveLength(7);
    expect(r.truncated).toBe(true);
    expect(r.rows.map((x) => x.id)).toEqual([...r.rows.map((x) => x.id)].sort((a, b) => Number(a) - Number(b)));
    const exact = await runReadOnlyQuery(agentPool, 'SELECT id FROM pages', { rowCap: 1000 });
    expect(exact).toMatchObject({ truncated: false });
  });

  it('turns a statement timeout into a refusal, not a hang', async () => {
    const r = await runReadOnlyQuery(agentPool, 'SELECT count(*) FROM generate_series(1, 1e9)', { timeoutMs: 200 });
    // ended by the statement timeout (a query of this size runs for minutes otherwise)
    expect(r).toEqual({ refused: expect.stringMatching(/^query failed: canceling statement due to statement timeout/) });
    // The connection went back to the pool usable.
    expect(await runReadOnlyQuery(agentPool, 'SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
  });

  it('returns guard refusals and database errors as refusals', async () => {
    expect(await runReadOnlyQuery(agentPool, 'DELETE FROM analytics.sessions')).toEqual({
      refused: 'refused: only SELECT statements are allowed (got DeleteStmt)',
    });
    expect(await runReadOnlyQuery(agentPool, 'SELECT no_such_column FROM pages')).toEqual({
      refused: expect.stringMatching(/^query failed: column "no_such_column" does not exist/),
    });
  });

  it('returns a failed login as a refusal', async () => {
    const u = new URL(agentUrl);
    u.password = 'wrong';
    const bad = new pg.Pool({ connectionString: u.toString(), max: 1 });
    try {
      expect(await runReadOnlyQuery(bad, 'SELECT 1')).toEqual({
        refused: expect.stringMatching(/^query failed: cannot connect as pulse_agent: /),
      });
    } finally {
      await bad.end();
    }
  });

  it('refuses to run on a pool that is not pulse_agent', async () => {
    expect(await runReadOnlyQuery(db.pool, 'SELECT 1')).toEqual({
      refused: expect.stringMatching(/^not run: the agent pool connects as .*, not pulse_agent$/),
    });
  });

  // Also proves every view still works: their functions break at query time, not at migration.
  it('reads every view and never shows secrets through them', async () => {
    const dump: unknown[] = [];
    for (const v of ANALYTICS_VIEWS) {
      const r = await runReadOnlyQuery(agentPool, `SELECT * FROM analytics.${v}`, { rowCap: 100_000 });
      if (!('rows' in r)) throw new Error(r.refused);
      dump.push(r.columns, r.rows);
    }
    const text = JSON.stringify(dump);
    expect(text).not.toContain(SECRET_CIPHER);
    expect(text).not.toContain(SECRET_TOKEN_HASH);
    expect(text).not.toContain('@supportpulse.example');
    const cols = await db.pool.query<{ c: string }>(
      `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'analytics'`,
    );
    const forbidden = /\.(email|external_id|access_token_cipher|token_hash|agent_info|attachments|error|error_report|result|handoff_channel|handoff_thread_ts)$/;
    expect(cols.rows.map((r) => r.c).filter((c) => forbidden.test(c))).toEqual([]);
  });
});

describe('pulse_agent with the guard bypassed', () => {
  let agent: pg.Client;
  let before: Record<string, string>;

  beforeAll(async () => {
    before = await publicChecksum();
    agent = new pg.Client({ connectionString: agentUrl });
    await agent.connect();
    // Prove the grants hold on their own, not the read-only default.
    await agent.query('SET default_transaction_read_only = off');
  });

  afterAll(async () => {
    await agent?.end();
  });

  // Simple plain views are auto-updatable: only privileges stop a write through them (42501,
  // pulse_agent holds SELECT alone); a computed column (qa_status::text) cannot be updated
  // through the view at all (0A000), a view PostgreSQL cannot update answers 55000 first.
  const NOT_UPDATABLE = '42501|55000|0A000';
  // Collected before beforeAll runs: APP_USER is filled in by the test.
  const DENIED: Array<[string, string]> = [
    ['DELETE FROM public.sessions', '42501'],
    ["UPDATE public.sessions SET qa_status = 'passed'", '42501'],
    ["INSERT INTO public.error_logs (source, message) VALUES ('x', 'y')", '42501'],
    ['TRUNCATE public.messages', '42501'],
    ['DELETE FROM analytics.sessions', NOT_UPDATABLE],
    ["UPDATE analytics.sessions SET qa_status = 'passed'", NOT_UPDATABLE],
    ["INSERT INTO analytics.pages (fb_page_id, name, updated_at) VALUES ('x', 'y', now())", NOT_UPDATABLE],
    ['DROP TABLE public.messages', '42501'],
    ['DROP VIEW analytics.pages', '42501'],
    ['SELECT token_hash FROM public.api_tokens', '42501'],
    ['SELECT * FROM public.users', '42501'],
    ['SELECT * FROM public.audit_logs', '42501'],
    ['SELECT access_token_cipher FROM public.pages', '42501'],
    ['SET ROLE APP_USER', '42501'],
    ["SELECT pg_read_file('/etc/passwd')", '42501'],
    ["COPY (SELECT 1) TO PROGRAM 'id'", '42501'],
    ["COPY public.error_logs (source, message) FROM PROGRAM 'echo x'", '42501'],
    ['CREATE TABLE analytics.x (i int)', '42501'],
    ['CREATE TABLE public.x (i int)', '42501'],
    ['CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', '42501'],
    ['CREATE SCHEMA evil', '42501'],
    ['ALTER ROLE pulse_agent SUPERUSER', '42501'],
    ['GRANT APP_USER TO pulse_agent', '42501'],
  ];

  it.each(DENIED)('%s fails (SQLSTATE %s)', async (sql, code) => {
    await expect(agent.query(sql.replace('APP_USER', pg.escapeIdentifier(appUser)))).rejects.toMatchObject({
      code: expect.stringMatching(new RegExp(`^(${code})$`)),
    });
  });

  it('SET SESSION CHARACTERISTICS … READ WRITE does not open the tables', async () => {
    await agent.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE');
    await expect(agent.query("INSERT INTO public.error_logs (source, message) VALUES ('x', 'y')")).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('left every public table unchanged', async () => {
    expect(await publicChecksum()).toEqual(before);
  });
});
