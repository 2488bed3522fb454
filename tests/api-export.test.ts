import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { listSessions, streamSessions } from '../src/db/sessions-repo.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { isoUtc } from '../src/routes/export-format.ts';
import { topicsOf } from '../src/domain/topics.ts';
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

  it('adds each session\'s CSI, pillars, response times, topics and QA score with category answers, as the catalogue defines them', async () => {
    // a reviewed session whose conversation gets two scored days inside it and one outside
    const { rows: [target] } = await db.pool.query<{ id: number; conversation_id: number; started_at: Date; ended_at: Date; first_reply_at: Date | null }>(
      `SELECT s.id, s.conversation_id, s.started_at, s.ended_at, s.first_reply_at FROM sessions s
        WHERE EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id) AND s.first_reply_at IS NOT NULL
          AND s.deleted_at IS NULL ORDER BY s.id LIMIT 1`,
    );
    const day = (d: Date, plus = 0) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + plus)).toISOString().slice(0, 10);
    await db.pool.query(
      `INSERT INTO daily_analyses (conversation_id, day, message_count, csi, effectiveness, effort, efficiency, empathy, human_agents, updated_at)
       VALUES ($1, $2, 3, 60, 5, 6, 7, 8, '{}', now()), ($1, $3, 3, 80, 7, 8, 9, 10, '{}', now()), ($1, $4, 3, 10, 1, 1, 1, 1, '{}', now())
       ON CONFLICT (conversation_id, day) DO NOTHING`,
      [target!.conversation_id, day(target!.started_at), day(target!.ended_at, 1), day(target!.started_at, -1)],
    );
    // the second "inside" day is the day after the session ended: it must not count either
    const { rows: replies } = await db.pool.query<{ s: number }>(
      `SELECT extract(epoch FROM replied_at - asked_at)::float8 AS s FROM message_replies
        WHERE conversation_id = $1 AND asked_at BETWEEN $2 AND $3`,
      [target!.conversation_id, target!.started_at, target!.ended_at],
    );
    const { rows: labels } = await db.pool.query<{ classification: string | null }>(
      `SELECT classification FROM messages WHERE conversation_id = $1 AND sender_kind = 'customer'
          AND social_create_time BETWEEN $2 AND $3`,
      [target!.conversation_id, target!.started_at, target!.ended_at],
    );
    const { rows: reviews } = await db.pool.query<{ score: number | null; answers: { key: string; score: number | null }[] }>(
      `SELECT r.score, (SELECT json_agg(json_build_object('key', k.key, 'score', a.score)) FROM qa_review_answers a
          JOIN qa_categories k ON k.id = a.category_id WHERE a.review_id = r.id) AS answers
         FROM qa_reviews r WHERE r.session_id = $1`,
      [target!.id],
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const expectedAnswers = new Map<string, (number | null)[]>();
    for (const r of reviews) for (const a of r.answers ?? []) expectedAnswers.set(a.key, [...(expectedAnswers.get(a.key) ?? []), a.score]);

    const csv = (parse((await get('/api/sessions/export?format=csv')).body, { columns: true }) as Record<string, string>[]).find((r) => Number(r.id) === target!.id)!;
    // (two exports: the lead's token has ten a minute, shared with the tests above)
    const all = JSON.parse((await get('/api/sessions/export?format=json')).body) as Record<string, unknown>[];
    const json = all.find((r) => r.id === target!.id)!;
    const days = [60]; // the day before the start and the day after the end are outside the session
    expect(Number(csv.csi)).toBeCloseTo(mean(days), 9);
    expect(json).toMatchObject({ csi: mean(days), effectiveness: 5, effort: 6, efficiency: 7, empathy: 8, scoredDays: 1 });
    expect(csv.scored_days).toBe('1');
    const firstReply = (target!.first_reply_at!.getTime() - target!.started_at.getTime()) / 1000;
    expect(Number(csv.first_response_seconds)).toBeCloseTo(firstReply, 6);
    expect(json.firstResponseSeconds).toBeCloseTo(firstReply, 6);
    expect(replies.length).toBeGreaterThan(0);
    expect(Number(csv.avg_response_seconds)).toBeCloseTo(mean(replies.map((r) => r.s)), 6);
    expect(json).toMatchObject({ answeredMessages: replies.length, topics: topicsOf(labels.map((l) => l.classification)) });
    expect(csv.topics).toBe(topicsOf(labels.map((l) => l.classification)).join(';'));
    expect(json.qaReviews).toBe(reviews.length);
    expect(json.qaScore).toBeCloseTo(mean(reviews.map((r) => r.score!)), 9);
    const qaAnswers = json.qaAnswers as Record<string, number | null>;
    expect(Object.keys(qaAnswers).sort()).toEqual([...expectedAnswers.keys()].sort());
    for (const [key, scores] of expectedAnswers) {
      const given = scores.filter((x): x is number => x !== null);
      if (given.length === 0) expect(qaAnswers[key]).toBeNull();
      else expect(qaAnswers[key]).toBeCloseTo(mean(given), 1);
    }
    expect(csv.qa_answers).toMatch(/^[a-z_]+=(\d+(\.\d)?|n\/a)(;[a-z_]+=(\d+(\.\d)?|n\/a))*$/);

    // a session nobody scored, answered or reviewed has empty figures, not zeros
    const blank = all.find((r) => r.qaReviews === 0 && r.scoredDays === 0)!;
    expect(blank).toMatchObject({ csi: null, qaScore: null, qaAnswers: {} });
  });

  it('leaves customer names out of both formats for a developer', async () => {
    const dev = (await createApiToken(db.pool, { user: { kind: 'slack', externalId: 'UEXPORTDEV' }, role: 'developer' })).token;
    const csv = parse((await get('/api/sessions/export?format=csv', dev)).body, { columns: true }) as Record<string, string>[];
    expect(csv.length).toBeGreaterThan(0);
    expect(csv.every((r) => r.customer_name === '')).toBe(true);
    const json = JSON.parse((await get('/api/sessions/export?format=json', dev)).body) as { customerName: string | null }[];
    expect(json.every((r) => r.customerName === null)).toBe(true);
    const { rows: named } = await db.pool.query('SELECT 1 FROM customers WHERE name IS NOT NULL LIMIT 1');
    expect(named).toHaveLength(1); // there were names to leave out
  });
});

describe('conversation export', () => {
  it('streams every conversation with its CSI, pillars, response times, topics and QA figures, in CSV and JSON', async () => {
    // the conversation with the most reviewed sessions, two of its days scored
    const { rows: [conv] } = await db.pool.query<{ id: number; page_name: string; topics: string[] | null }>(
      `SELECT c.id, p.name AS page_name, c.common_topics AS topics FROM conversations c JOIN pages p ON p.id = c.page_id
        ORDER BY (SELECT count(*) FROM qa_reviews r JOIN sessions s ON s.id = r.session_id WHERE s.conversation_id = c.id) DESC, c.id LIMIT 1`,
    );
    await db.pool.query(
      `INSERT INTO daily_analyses (conversation_id, day, message_count, csi, effectiveness, effort, efficiency, empathy, human_agents, updated_at)
       VALUES ($1, '2020-03-01', 1, 50, 4, 5, 6, 7, '{}', now()), ($1, '2020-03-02', 1, 70, 6, 7, 8, 9, '{}', now()),
              ($1, '2020-03-03', 1, NULL, NULL, NULL, NULL, NULL, '{}', now())`,
      [conv!.id],
    );
    const one = async <T>(sql: string) => (await db.pool.query(sql, [conv!.id])).rows as T[];
    const sessions = await one<{ fr: number | null }>(
      `SELECT extract(epoch FROM first_reply_at - started_at)::float8 AS fr FROM sessions WHERE conversation_id = $1 AND deleted_at IS NULL`,
    );
    const replies = await one<{ s: number }>(`SELECT extract(epoch FROM replied_at - asked_at)::float8 AS s FROM message_replies WHERE conversation_id = $1`);
    const reviews = await one<{ score: number }>(
      `SELECT r.score FROM qa_reviews r JOIN sessions s ON s.id = r.session_id WHERE s.conversation_id = $1 AND s.deleted_at IS NULL`,
    );
    expect(reviews.length).toBeGreaterThan(0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

    const csvRes = await get('/api/conversations/export?format=csv');
    expect(csvRes.statusCode).toBe(200);
    expect(csvRes.headers['content-disposition']).toBe('attachment; filename="conversations-2026-11-22.csv"');
    const csv = parse(csvRes.body, { columns: true }) as Record<string, string>[];
    const { rows: [count] } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
    expect(csv).toHaveLength(count!.n);
    const all = JSON.parse((await get('/api/conversations/export?format=json')).body) as Record<string, unknown>[];
    expect(all.map((r) => r.id)).toEqual(csv.map((r) => Number(r.id)));
    const row = csv.find((r) => Number(r.id) === conv!.id)!;
    const json = all.find((r) => r.id === conv!.id)!;
    expect(json).toMatchObject({ csi: 60, effectiveness: 5, effort: 6, efficiency: 7, empathy: 8, scoredDays: 2, sessions: sessions.length });
    expect(row).toMatchObject({ csi: '60', scored_days: '2', sessions: String(sessions.length) });
    const firsts = sessions.map((s) => s.fr).filter((x): x is number => x !== null);
    expect(json.firstResponseSeconds).toBeCloseTo(mean(firsts), 6);
    expect(json.avgResponseSeconds).toBeCloseTo(mean(replies.map((r) => r.s)), 6);
    expect(json.answeredMessages).toBe(replies.length);
    expect(json.topics).toEqual(conv!.topics ?? []);
    expect(row.topics).toBe((conv!.topics ?? []).join(';'));
    expect(json.qaReviews).toBe(reviews.length);
    expect(json.qaScore).toBeCloseTo(mean(reviews.map((r) => r.score)), 9);
    expect(Object.keys(json.qaAnswers as object).length).toBeGreaterThan(0);

    const page = JSON.parse((await get(`/api/conversations/export?format=json&page=${encodeURIComponent(conv!.page_name)}`)).body) as { page: { name: string } }[];
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThan(all.length);
    expect(page.every((r) => r.page.name === conv!.page_name)).toBe(true);
    expect(JSON.parse((await get('/api/conversations/export?format=json&period=2020-01-01..2020-01-31')).body)).toEqual([]);
    expect((await get('/api/conversations/export?format=xml')).statusCode).toBe(400);
  });
});

describe('isoUtc', () => {
  it('turns PostgreSQL\'s UTC text into the API\'s ISO 8601 with milliseconds', () => {
    expect(isoUtc('2026-11-22 12:00:00+00')).toBe('2026-11-22T12:00:00.000Z');
    expect(isoUtc('2026-11-22 12:00:00.1+00')).toBe('2026-11-22T12:00:00.100Z');
    expect(isoUtc('2026-11-22 23:59:59.123+00')).toBe('2026-11-22T23:59:59.123Z');
    const d = new Date('2026-01-02T03:04:05.060Z');
    expect(isoUtc('2026-01-02 03:04:05.06+00')).toBe(d.toISOString());
  });
});
