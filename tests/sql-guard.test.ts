import { describe, expect, it } from 'vitest';
import { checkSql } from '../src/agents/sql/guard.ts';

// The parser-level gate of the sql_query tool. The database role is tested separately
// (tests/agent-role.test.ts) with this gate bypassed.

const ALLOWED: Array<[string, string]> = [
  ['a simple select', 'SELECT id, name, status FROM analytics.pages ORDER BY id'],
  ['an unqualified view', 'select count(*) from sessions where qa_status = \'issue\''],
  [
    'a CTE with a join between views',
    `WITH recent AS (SELECT * FROM analytics.sessions WHERE started_at > now() - interval '7 days')
     SELECT p.name, count(*) AS n FROM recent r
     JOIN analytics.conversations c ON c.id = r.conversation_id
     JOIN analytics.pages p ON p.id = c.page_id GROUP BY p.name`,
  ],
  [
    'window functions',
    `SELECT conversation_id, day, csi, rank() OVER (PARTITION BY day ORDER BY csi DESC) AS r,
            lag(csi) OVER w AS prev
     FROM analytics.daily_analyses WINDOW w AS (PARTITION BY conversation_id ORDER BY day)`,
  ],
  [
    'date_trunc and percentiles',
    `SELECT date_trunc('week', day) AS week, percentile_cont(0.5) WITHIN GROUP (ORDER BY csi) AS median,
            round(avg(csi)::numeric, 2) FROM daily_analyses GROUP BY 1 ORDER BY 1`,
  ],
  [
    'syntax that is not a function call',
    `SELECT coalesce(qa_notes, '-'), nullif(message_count, 0), greatest(1, 2), least(1, 2),
            extract(dow FROM started_at), current_date, CAST(id AS text), trim(' x '), position('a' IN 'cat'),
            CASE WHEN human_handoff THEN 1 ELSE 0 END, started_at AT TIME ZONE 'UTC'
     FROM analytics.sessions`,
  ],
  ['UNION and a subquery', 'SELECT id FROM pages UNION ALL SELECT id FROM (SELECT id FROM analytics.metrics) m'],
  [
    'a recursive CTE',
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT * FROM n',
  ],
  ['generate_series', "SELECT d::date FROM generate_series(date '2026-11-01', date '2026-11-07', interval '1 day') d"],
  ['a later CTE reading an earlier one', 'WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b'],
];

const REFUSED: Array<[string, RegExp]> = [
  ['DELETE FROM analytics.sessions', /only SELECT statements are allowed \(got DeleteStmt\)/],
  ['DROP TABLE messages', /only SELECT statements are allowed \(got DropStmt\)/],
  ["UPDATE analytics.sessions SET qa_status='passed' RETURNING *", /got UpdateStmt/],
  ['INSERT INTO analytics.pages (id) VALUES (1)', /got InsertStmt/],
  ['SELECT 1; SELECT 2', /^refused: 2 statements; send exactly one$/],
  ['SELECT pg_sleep(600)', /function pg_sleep is not allowed/],
  ["SELECT pg_read_file('/etc/passwd')", /function pg_read_file is not allowed/],
  ["SELECT pg_catalog.pg_read_binary_file('/etc/passwd')", /function pg_read_binary_file is not allowed/],
  ["COPY (SELECT 1) TO PROGRAM 'id'", /got CopyStmt/],
  ['SET ROLE postgres', /got VariableSetStmt/],
  ['SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE', /only SELECT statements are allowed/],
  ['WITH x AS (DELETE FROM sessions RETURNING *) SELECT * FROM x', /data-modifying WITH \(DeleteStmt in CTE x\)/],
  ['WITH x AS (SELECT 1) SELECT * FROM (WITH y AS (UPDATE pages SET name = 1 RETURNING id) SELECT * FROM y) z', /UpdateStmt/],
  ['SELECT token_hash FROM api_tokens', /relation api_tokens is not allowed; available: analytics\.agents, /],
  ['SELECT * FROM public.users', /relation public\.users is not allowed/],
  ['SELECT * FROM pg_catalog.pg_authid', /relation pg_catalog\.pg_authid is not allowed/],
  ['SELECT * FROM pg_roles', /relation pg_roles is not allowed/],
  ['SELECT * FROM information_schema.tables', /relation information_schema\.tables is not allowed/],
  ['SELECT * FROM otherdb.analytics.pages', /relation otherdb\.analytics\.pages is not allowed/],
  ['SELECT * FROM analytics.sessions FOR UPDATE', /locking clauses/],
  ['SELECT * FROM analytics.sessions FOR SHARE SKIP LOCKED', /locking clauses/],
  ['SELECT * INTO t FROM analytics.pages', /SELECT INTO/],
  ['SELECT id FROM analytics.pages WHERE id IN (SELECT pg_sleep(1)::int)', /function pg_sleep/],
  ['WITH c AS (SELECT pg_sleep(1)) SELECT * FROM c', /function pg_sleep/],
  ['SELECT id FROM analytics.pages ORDER BY pg_sleep(1)', /function pg_sleep/],
  ['SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM analytics.pages', /function pg_sleep/],
  ["SELECT current_setting('data_directory')", /function current_setting is not allowed/],
  ["SELECT set_config('statement_timeout', '0', false)", /function set_config is not allowed/],
  ['SELECT pg_terminate_backend(1)', /function pg_terminate_backend is not allowed/],
  ["SELECT query_to_xml('select * from public.api_tokens', true, true, '')", /function query_to_xml is not allowed/],
  ["SELECT dblink('host=x', 'select 1')", /function dblink is not allowed/],
  ['SELECT lo_import(\'/etc/passwd\')', /function lo_import is not allowed/],
  ['SELECT public.anything()', /function public\.anything is not allowed/],
  ['SELECT pg_temp.f()', /function pg_temp\.f is not allowed/],
  ['SELECT * FROM analytics.pages_rows()', /function analytics\.pages_rows is not allowed/],
  ["SELECT repeat('x', 1000000000)", /function repeat is not allowed/],
  ["SELECT 'public.api_tokens'::regclass", /cast to regclass/],
  // Non-recursive: the CTE body's pg_roles is the catalog table, not the CTE being defined.
  ['WITH pg_roles AS (SELECT * FROM pg_roles) SELECT * FROM pg_roles', /relation pg_roles is not allowed/],
  ['WITH b AS (SELECT * FROM a), a AS (SELECT 1) SELECT * FROM b', /relation a is not allowed/],
  ['EXPLAIN ANALYZE SELECT 1', /got ExplainStmt/],
  ['SELEC 1', /syntax error/],
  ['  ', /empty query/],
  ['-- only a comment', /0 statements/],
];

describe('checkSql', () => {
  it.each(ALLOWED)('allows %s', async (_what, sql) => {
    const r = await checkSql(sql);
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
  });

  it.each(REFUSED)('refuses %s', async (sql, reason) => {
    const r = await checkSql(sql);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/^refused: /);
      expect(r.reason).toMatch(reason);
    }
  });

  it('normalizes to the one statement, without its semicolon, keeping non-ASCII text intact', async () => {
    const r = await checkSql("  SELECT 'cảm ơn' AS t, id FROM analytics.messages WHERE text ILIKE '%ơn%' ;  \n");
    expect(r).toEqual({ ok: true, normalized: "SELECT 'cảm ơn' AS t, id FROM analytics.messages WHERE text ILIKE '%ơn%'" });
  });

  it('hides nothing in comments or quoting', async () => {
    expect((await checkSql('SELECT 1 /* ; DELETE FROM pages */')).ok).toBe(true);
    expect(await checkSql('SELECT 1; /* x */ DELETE FROM pages')).toMatchObject({ ok: false, reason: 'refused: 2 statements; send exactly one' });
    expect(await checkSql('SELECT "pg_sleep"(1)')).toMatchObject({ ok: false });
    expect(await checkSql('SELECT * FROM "public"."users"')).toMatchObject({ ok: false });
  });
});
