import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { listSessions, streamSessions } from '../src/db/sessions-repo.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// GET /api/sessions/export: CSV that a standard parser reads back exactly (quotes, commas,
// newlines, emoji), JSON that parses, the list's filters, its audit entry and its own rate limit.

const NOW = new Date('2026-11-22T12:00:00Z');
const TRICKY = 'He said "refund, now!"\nthen left 😡🙏 — ok?\r\nZeile 3; ünïcödé';

let db: TestDatabase;
let app: FastifyInstance;
let token: string;
let trickyId: number;

const get = (url: string, t = token) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t}` } });

beforeAll(async () => {
  db = await createTestDatabase('api_export');
  await seedDemoData(db.url, { conversations: 80, seed: 5, now: NOW, timezone: 'UTC' });
  token = (await createApiToken(db.pool, { user: { kind: 'slack', externalId: 'UEXPORT' }, role: 'lead' })).token;
  const { rows } = await db.pool.query<{ id: number }>(
    `UPDATE sessions SET qa_notes = $1, dev_feedback = '=SUM(A1)' WHERE id = (SELECT min(id) FROM sessions) RETURNING id`,
    [TRICKY],
  );
  trickyId = rows[0]!.id;
  app = await build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    pool: db.pool,
    plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC', now: () => NOW })],
  });
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('session export', () => {
  it('streams CSV that round-trips quotes, commas, newlines and emoji through csv-parse', async () => {
    const res = await get('/api/sessions/export?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="sessions-2026-11-22\.csv"$/);
    const records = parse(res.body, { columns: true }) as Record<string, string>[];
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM sessions WHERE deleted_at IS NULL');
    expect(records).toHaveLength(Number(rows[0]!.n));
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    const tricky = records.find((r) => Number(r.id) === trickyId)!;
    expect(tricky.qa_notes).toBe(TRICKY);
    // a formula is neutralised for spreadsheets (OWASP CSV injection); the JSON export keeps it as written
    expect(tricky.dev_feedback).toBe("'=SUM(A1)");
    expect(Object.keys(tricky)).toEqual(expect.arrayContaining(['ai_engaged', 'ai_message_count', 'human_handoff', 'completion_status', 'archive_status', 'qa_status']));
    const [db0] = (await db.pool.query(`SELECT s.started_at, s.message_count, s.ai_engaged FROM sessions s WHERE s.id = $1`, [trickyId])).rows;
    expect(tricky.started_at).toBe(db0.started_at.toISOString());
    expect(Number(tricky.message_count)).toBe(db0.message_count);
    expect(tricky.ai_engaged).toBe(String(db0.ai_engaged));
  });

  it('streams JSON that parses, with the same rows as the CSV, and applies the filters', async () => {
    const res = await get('/api/sessions/export?format=json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const all = JSON.parse(res.body) as { id: number; qaNotes: string | null; devFeedback: string | null; qaStatus: string }[];
    expect(all.find((s) => s.id === trickyId)!.qaNotes).toBe(TRICKY);
    expect(all.find((s) => s.id === trickyId)!.devFeedback).toBe('=SUM(A1)');
    const csv = parse((await get('/api/sessions/export')).body, { columns: true }) as { id: string }[];
    expect(all.map((s) => s.id)).toEqual(csv.map((r) => Number(r.id)));

    const passed = JSON.parse((await get('/api/sessions/export?format=json&qaStatus=passed')).body) as { qaStatus: string }[];
    expect(passed.length).toBeGreaterThan(0);
    expect(passed.length).toBeLessThan(all.length);
    expect(passed.every((s) => s.qaStatus === 'passed')).toBe(true);
    const none = await get('/api/sessions/export?format=json&period=2020-01-01..2020-01-31');
    expect(JSON.parse(none.body)).toEqual([]);
    const bad = await get('/api/sessions/export?format=xml');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields[0].field).toBe('format');
  });

  it('reads from one cursor in batches: every row once, in the list order, and the connection is returned', async () => {
    const batches: number[][] = [];
    for await (const b of streamSessions(db.pool, { archive: 'active' }, 7)) batches.push(b.map((s) => s.id));
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.slice(0, -1).every((b) => b.length === 7)).toBe(true);
    const listed = await listSessions(db.pool, { archive: 'active' }, { limit: 10_000 });
    expect(batches.flat()).toEqual(listed.sessions.map((s) => s.id));
    // Stopping early (a client that goes away) closes the cursor and releases the connection.
    for await (const b of streamSessions(db.pool, {}, 5)) {
      expect(b).toHaveLength(5);
      break;
    }
    expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
  });

  it('is audited with its filters', async () => {
    const { rows } = await db.pool.query(`SELECT details FROM audit_logs WHERE action = 'api.export' ORDER BY id`);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.some((r) => r.details.filters.qaStatus === 'passed' && r.details.source === 'api' && r.details.role === 'lead')).toBe(true);
  });

  it('allows 10 exports a minute per token, then answers 429 with the standard headers', async () => {
    const fresh = (await createApiToken(db.pool, { user: { kind: 'slack', externalId: 'UEXPORT2' }, role: 'qa' })).token;
    for (let i = 0; i < 10; i++) {
      const ok = await get('/api/sessions/export?format=json&period=2020-01-01..2020-01-02', fresh);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('10');
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(9 - i));
    }
    const limited = await get('/api/sessions/export?format=json', fresh);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED', message: expect.stringMatching(/retry in/) });
    expect(limited.headers['x-ratelimit-limit']).toBe('10');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The general limit is separate: the list still answers for this token.
    expect((await get('/api/sessions?limit=1', fresh)).statusCode).toBe(200);
  });
});
