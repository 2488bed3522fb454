import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import type { Role } from '../src/domain/access.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createApiToken, revokeApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The sessions REST API on a small seeded database: tokens and roles, filters and their 400s,
// keyset pagination, one session, QA changes, archive, soft delete.

const NOW = new Date('2026-11-22T12:00:00Z');
const TZ = 'UTC';

let db: TestDatabase;
let app: FastifyInstance;
const tokens = {} as Record<Role, string>;
/** what the QA hook (the notification queue in the service) saw, and whether it should fail */
const hookCalls: { sessionId: number; to: string; eventId: number; inTransaction: boolean }[] = [];
let hookFails = false;

const get = (url: string, role?: Role) => app.inject({ method: 'GET', url, headers: role ? { authorization: `Bearer ${tokens[role]}` } : {} });
const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, role: Role, body?: object) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${tokens[role]}` }, ...(body ? { payload: body } : {}) });

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(text, params)).rows as T[];
}

beforeAll(async () => {
  db = await createTestDatabase('api_sessions');
  await seedDemoData(db.url, { conversations: 60, seed: 11, now: NOW, timezone: TZ });
  for (const role of ['admin', 'lead', 'qa', 'developer', 'agent'] as const) {
    tokens[role] = (await createApiToken(db.pool, { user: { kind: 'slack', externalId: `UAPI${role.toUpperCase()}` }, role })).token;
  }
  app = await build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    pool: db.pool,
    plugins: [
      apiRoutes({
        pool: db.pool,
        timezone: TZ,
        now: () => NOW,
        rateLimit: { max: 10_000, exportMax: 10_000 },
        afterQaChange: async (client, change) => {
          const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM qa_events WHERE id = $1', [change.eventId]);
          hookCalls.push({ sessionId: change.session.id, to: change.session.qaStatus, eventId: change.eventId, inTransaction: rows[0]!.n === 1 });
          if (hookFails) throw new Error('queue unavailable');
        },
      }),
    ],
  });
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('authentication and roles', () => {
  it('answers 401 without a token, with an unknown one and with a revoked one', async () => {
    const none = await get('/api/sessions');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const unknown = await app.inject({ url: '/api/sessions', headers: { authorization: 'Bearer sp_not-a-token' } });
    expect(unknown.statusCode).toBe(401);

    const t = await createApiToken(db.pool, { user: { kind: 'api', externalId: 'short-lived' }, role: 'admin' });
    expect((await app.inject({ url: '/api/stats', headers: { authorization: `Bearer ${t.token}` } })).statusCode).toBe(200);
    expect(await revokeApiToken(db.pool, t.tokenId)).toBe(true);
    expect((await app.inject({ url: '/api/stats', headers: { authorization: `Bearer ${t.token}` } })).statusCode).toBe(401);
  });

  it('stores tokens only as SHA-256 hashes and marks them used', async () => {
    const rows = await sql<{ token_hash: string; last_used_at: Date | null }>('SELECT token_hash, last_used_at FROM api_tokens');
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
    expect(rows.some((r) => Object.values(tokens).includes(r.token_hash))).toBe(false);
    await get('/api/sessions?limit=1', 'lead');
    const [lead] = await sql<{ last_used_at: Date | null }>(
      `SELECT t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.external_id = 'UAPILEAD'`,
    );
    expect(lead!.last_used_at).not.toBeNull();
  });

  it('answers 403 to a role that may not read or change', async () => {
    const agent = await get('/api/sessions', 'agent');
    expect(agent.statusCode).toBe(403);
    expect(agent.json().message).toMatch(/support agent/);
    expect((await get('/api/stats', 'agent')).statusCode).toBe(403);
    expect((await get('/api/sessions/export', 'agent')).statusCode).toBe(403);
    const [s] = await sql<{ id: number }>('SELECT id FROM sessions ORDER BY id LIMIT 1');
    expect((await send('DELETE', `/api/sessions/${s!.id}`, 'lead')).statusCode).toBe(403);
    expect((await send('POST', `/api/sessions/${s!.id}/archive`, 'developer')).statusCode).toBe(403);
    const refused = await sql(`SELECT * FROM audit_logs WHERE action = 'api.refused' AND target LIKE 'DELETE %'`);
    expect(refused).toHaveLength(1);
    for (const role of ['admin', 'lead', 'qa', 'developer'] as const) expect((await get('/api/sessions?limit=1', role)).statusCode).toBe(200);
  });
});

describe('filters', () => {
  it('answers 400 naming the field of a bad filter', async () => {
    const cases: [string, string][] = [
      ['qaStatus=bogus', 'qaStatus'],
      ['completion=done', 'completion'],
      ['archive=maybe', 'archive'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['aiEngaged=perhaps', 'aiEngaged'],
      ['period=banana', 'period'],
      ['period=2026-02-30..2026-03-01', 'period'],
      ['period=2026-11-10..2026-11-01', 'period'],
      ['cursor=not-a-cursor', 'cursor'],
      ['qastatus=passed', 'qastatus'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/api/sessions?${query}`, 'lead');
      expect(res.statusCode, query).toBe(400);
      const body = res.json();
      expect(body.error).toBe('BAD_REQUEST');
      expect(body.fields.map((f: { field: string }) => f.field), query).toContain(field);
      expect(body.message).toContain(field);
      expect(body.requestId).toBeTruthy();
    }
  });

  it('filters by QA state, completion, archive, AI engagement, page, period and message text', async () => {
    const count = async (where: string, params: unknown[] = []) =>
      Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id WHERE s.deleted_at IS NULL AND ${where}`, params))[0]!.n);
    const all = async (query: string) => {
      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/api/sessions?limit=500&${query}${cursor ? `&cursor=${cursor}` : ''}`, 'qa');
        expect(res.statusCode, query).toBe(200);
        ids.push(...res.json().sessions.map((s: { id: number }) => s.id));
        cursor = res.json().next;
      } while (cursor);
      return ids;
    };
    expect((await all('qaStatus=passed')).length).toBe(await count(`s.qa_status = 'passed'`));
    expect((await all('qaStatus=unchecked&aiEngaged=true')).length).toBe(await count(`s.qa_status = 'unchecked' AND s.ai_engaged`));
    expect((await all('completion=complete')).length).toBe(await count(`s.completion_status = 'complete'`));
    expect((await all('archive=archived')).length).toBe(await count(`s.archive_status = 'archived'`));
    const [page] = await sql<{ id: number; name: string }>('SELECT id, name FROM pages ORDER BY id LIMIT 1');
    const byPage = await count('p.id = $1', [page!.id]);
    expect(byPage).toBeGreaterThan(0);
    expect((await all(`page=${encodeURIComponent(page!.name.toUpperCase())}`)).length).toBe(byPage);
    expect((await all(`page=${page!.id}`)).length).toBe(byPage);
    const inNovember = await count(`s.started_at >= '2026-11-01T00:00:00Z' AND s.started_at < '2026-11-16T00:00:00Z'`);
    expect(inNovember).toBeGreaterThan(0);
    expect((await all('period=2026-11-01..2026-11-15')).length).toBe(inNovember);
    // "last week" on Sunday 22 Nov 2026 is Mon 9 – Sun 15 Nov.
    expect((await all(`period=${encodeURIComponent('last week')}`)).length).toBe(
      await count(`s.started_at >= '2026-11-09T00:00:00Z' AND s.started_at < '2026-11-16T00:00:00Z'`),
    );

    // Text search: a word from one session's message finds that session.
    const [m] = await sql<{ session_id: number; text: string }>(
      `SELECT s.id AS session_id, m.text FROM sessions s JOIN messages m ON m.conversation_id = s.conversation_id
         AND m.social_create_time BETWEEN s.started_at AND s.ended_at WHERE m.text IS NOT NULL AND length(m.text) > 20 ORDER BY s.id LIMIT 1`,
    );
    const needle = m!.text.slice(3, 15);
    const found = await all(`q=${encodeURIComponent(needle.toUpperCase())}`);
    expect(found).toContain(m!.session_id);
    expect(found.length).toBe(
      await count(`EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = s.conversation_id AND m.social_create_time BETWEEN s.started_at AND s.ended_at AND m.text ILIKE $1)`, [
        `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      ]),
    );
    // LIKE wildcards are literal.
    expect(await all('q=%25%25%25%25')).toEqual([]);
  });

  it('pages with an opaque cursor: every session exactly once, newest first', async () => {
    const seen: number[] = [];
    const starts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/sessions?limit=7${cursor ? `&cursor=${cursor}` : ''}`, 'lead');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.sessions.length).toBeLessThanOrEqual(7);
      for (const s of body.sessions) {
        seen.push(s.id);
        starts.push(s.startedAt);
      }
      cursor = body.next;
      if (cursor) expect(cursor).not.toMatch(/[{}":]/);
      pages++;
    } while (cursor);
    const ids = (await sql<{ id: number }>('SELECT id FROM sessions WHERE deleted_at IS NULL ORDER BY id')).map((r) => r.id);
    expect(pages).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(ids);
    expect([...starts].sort().reverse()).toEqual(starts);
  });
});

describe('one session', () => {
  it('has its messages, QA history and AI flags; developers get customer data masked', async () => {
    const [s] = await sql<{ id: number; conversation_id: number; message_count: number }>(
      `SELECT s.id, s.conversation_id, s.message_count FROM sessions s WHERE EXISTS (SELECT 1 FROM qa_events e WHERE e.session_id = s.id) ORDER BY s.id LIMIT 1`,
    );
    const res = await get(`/api/sessions/${s!.id}`, 'qa');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.id).toBe(s!.id);
    expect(body.messages).toHaveLength(s!.message_count);
    expect(body.qaHistory.length).toBeGreaterThan(0);
    expect(body.qaHistory[0]).toMatchObject({ from: 'unchecked' });
    expect(typeof body.aiEngaged).toBe('boolean');
    expect(typeof body.aiMessageCount).toBe('number');
    expect(typeof body.humanHandoff).toBe('boolean');
    expect(body.customerName).toEqual(expect.any(String));

    // Put an email into one message: QA sees it, a developer sees it masked.
    await db.pool.query(`UPDATE messages SET text = 'write to ann@example.com please' WHERE id = $1`, [body.messages[0].id]);
    expect((await get(`/api/sessions/${s!.id}`, 'qa')).json().messages[0].text).toBe('write to ann@example.com please');
    const dev = (await get(`/api/sessions/${s!.id}`, 'developer')).json();
    expect(dev.messages[0].text).toBe('write to [email] please');
    expect(dev.customerName).toBeNull();

    expect((await get('/api/sessions/99999999', 'qa')).statusCode).toBe(404);
    const bad = await get('/api/sessions/abc', 'qa');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields[0].field).toBe('id');
  });
});

describe('QA changes', () => {
  const unchecked = async () =>
    (await sql<{ id: number; qa_version: number }>(`SELECT id, qa_version FROM sessions WHERE qa_status = 'unchecked' AND deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET 3`))[0]!;

  it('passes a session as a QA reviewer: state, version and a QaEvent with the token user as actor', async () => {
    const s = await unchecked();
    const res = await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'passed', notes: 'Good answer', version: s.qa_version });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.from).toBe('unchecked');
    expect(body.session).toMatchObject({ id: s.id, qaStatus: 'passed', qaVersion: s.qa_version + 1, qaNotes: 'Good answer', qaBy: 'UAPIQA' });
    const events = await sql<{ to_status: string; external_id: string }>(
      `SELECT e.to_status::text, u.external_id FROM qa_events e JOIN users u ON u.id = e.actor_id WHERE e.session_id = $1`,
      [s.id],
    );
    expect(events).toEqual([{ to_status: 'passed', external_id: 'UAPIQA' }]);
    expect(await sql(`SELECT 1 FROM audit_logs WHERE action = 'api.qa' AND target = $1`, [`session:${s.id}`])).toHaveLength(1);
  });

  it('answers 409 to a stale version and changes nothing', async () => {
    const s = await unchecked();
    const stale = s.qa_version;
    expect((await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'issue', notes: 'wrong price', version: stale })).statusCode).toBe(200);
    const res = await send('PATCH', `/api/sessions/${s.id}/qa`, 'admin', { status: 'passed', version: stale });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('CONFLICT');
    const [now] = await sql<{ qa_status: string }>('SELECT qa_status::text FROM sessions WHERE id = $1', [s.id]);
    expect(now!.qa_status).toBe('issue');
    expect(await sql('SELECT 1 FROM qa_events WHERE session_id = $1', [s.id])).toHaveLength(1);
  });

  it('follows the domain rules: 403 for a role that may not, 400 naming the missing or wrong field', async () => {
    const s = await unchecked();
    const lead = await send('PATCH', `/api/sessions/${s.id}/qa`, 'lead', { status: 'passed' });
    expect(lead.statusCode).toBe(403);
    expect(await sql(`SELECT 1 FROM audit_logs WHERE action = 'qa.refused' AND target = $1`, [`session:${s.id}`])).toHaveLength(1);
    expect((await send('PATCH', `/api/sessions/${s.id}/qa`, 'agent', { status: 'issue', notes: 'x' })).statusCode).toBe(403);

    const noNotes = await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'issue' });
    expect(noNotes.statusCode).toBe(400);
    expect(noNotes.json().fields).toEqual([{ field: 'notes', problem: expect.stringMatching(/notes/) }]);
    const jump = await send('PATCH', `/api/sessions/${s.id}/qa`, 'developer', { status: 'fixed', devFeedback: 'done' });
    expect(jump.statusCode).toBe(400);
    expect(jump.json().fields[0].field).toBe('status');
    const badStatus = await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'unchecked' });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().fields[0].field).toBe('status');
    const missing = await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { notes: 'x' });
    expect(missing.json().fields[0].field).toBe('status');
    const tooLong = await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'issue', notes: 'x'.repeat(4001) });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().fields[0].field).toBe('notes');
    const [after] = await sql<{ qa_status: string; qa_version: number }>('SELECT qa_status::text, qa_version FROM sessions WHERE id = $1', [s.id]);
    expect(after).toEqual({ qa_status: 'unchecked', qa_version: s.qa_version });

    expect((await send('PATCH', '/api/sessions/99999999/qa', 'qa', { status: 'passed' })).statusCode).toBe(404);
  });

  it('runs the QA hook inside the change: once per change, never for a refusal, and a failing hook undoes the change', async () => {
    const s = await unchecked();
    hookCalls.length = 0;
    expect((await send('PATCH', `/api/sessions/${s.id}/qa`, 'lead', { status: 'passed' })).statusCode).toBe(403);
    expect(hookCalls).toEqual([]);
    const ok = await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'issue', notes: 'late reply' });
    expect(hookCalls).toEqual([{ sessionId: s.id, to: 'issue', eventId: ok.json().eventId, inTransaction: true }]);
    hookFails = true;
    try {
      const failed = await send('PATCH', `/api/sessions/${s.id}/qa`, 'developer', { status: 'fixed', devFeedback: 'v3' });
      expect(failed.statusCode).toBe(500);
    } finally {
      hookFails = false;
    }
    const [after] = await sql<{ qa_status: string }>('SELECT qa_status::text FROM sessions WHERE id = $1', [s.id]);
    expect(after!.qa_status).toBe('issue');
    expect(await sql('SELECT 1 FROM qa_events WHERE session_id = $1', [s.id])).toHaveLength(1);
  });

  it('lets a developer mark an issue fixed with feedback', async () => {
    const s = await unchecked();
    expect((await send('PATCH', `/api/sessions/${s.id}/qa`, 'qa', { status: 'issue', notes: 'Bot was rude 😠, "very"\nrude' })).statusCode).toBe(200);
    const fixed = await send('PATCH', `/api/sessions/${s.id}/qa`, 'developer', { status: 'fixed', devFeedback: 'Prompt v2' });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json().session).toMatchObject({ qaStatus: 'fixed', devFeedback: 'Prompt v2', qaNotes: 'Bot was rude 😠, "very"\nrude' });
  });
});

describe('archive and soft delete', () => {
  it('archives and unarchives without touching completion or QA', async () => {
    const [s] = await sql<{ id: number; completion_status: string; qa_status: string }>(
      `SELECT id, completion_status::text, qa_status::text FROM sessions WHERE archive_status = 'active' AND completion_status = 'complete' ORDER BY id LIMIT 1`,
    );
    const archived = await send('POST', `/api/sessions/${s!.id}/archive`, 'lead');
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({ archiveStatus: 'archived', completionStatus: 'complete', qaStatus: s!.qa_status });
    expect((await send('POST', `/api/sessions/${s!.id}/archive`, 'lead')).json().archiveStatus).toBe('archived');
    const active = await send('POST', `/api/sessions/${s!.id}/unarchive`, 'qa');
    expect(active.json()).toMatchObject({ archiveStatus: 'active', completionStatus: 'complete' });
    // the second archive (a retry) changed nothing: two acts, two audit rows (it wrote a third)
    expect(await sql(`SELECT action FROM audit_logs WHERE action IN ('api.archive', 'api.unarchive') AND target = $1 ORDER BY id`, [`session:${s!.id}`])).toEqual([{ action: 'api.archive' }, { action: 'api.unarchive' }]);
    expect((await send('POST', '/api/sessions/99999999/archive', 'admin')).statusCode).toBe(404);
  });

  it('hides a soft-deleted session from every read, keeps the row, and audits the delete', async () => {
    const [s] = await sql<{ id: number }>(`SELECT id FROM sessions WHERE deleted_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1`);
    const before = (await get('/api/stats', 'admin')).json().total;
    const del = await send('DELETE', `/api/sessions/${s!.id}`, 'admin');
    expect(del.statusCode).toBe(204);
    expect((await get(`/api/sessions/${s!.id}`, 'admin')).statusCode).toBe(404);
    expect((await get('/api/sessions?limit=5', 'admin')).json().sessions.map((x: { id: number }) => x.id)).not.toContain(s!.id);
    expect((await get('/api/stats', 'admin')).json().total).toBe(before - 1);
    expect((await send('PATCH', `/api/sessions/${s!.id}/qa`, 'qa', { status: 'passed' })).statusCode).toBe(404);
    expect((await send('POST', `/api/sessions/${s!.id}/archive`, 'admin')).statusCode).toBe(404);
    expect((await send('DELETE', `/api/sessions/${s!.id}`, 'admin')).statusCode).toBe(404);
    const csv = (await get('/api/sessions/export?format=json', 'admin')).json() as { id: number }[];
    expect(csv.map((x) => x.id)).not.toContain(s!.id);
    expect(await sql('SELECT 1 FROM sessions WHERE id = $1 AND deleted_at IS NOT NULL', [s!.id])).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM audit_logs WHERE action = 'api.delete' AND target = $1`, [`session:${s!.id}`])).toHaveLength(1);
  });
});

describe('stats', () => {
  it('counts by QA state, completion and archive, for a period too', async () => {
    const res = await get('/api/stats', 'developer');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const [c] = await sql<Record<string, string>>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE qa_status = 'passed') AS passed, count(*) FILTER (WHERE completion_status = 'incomplete') AS incomplete,
              count(*) FILTER (WHERE archive_status = 'archived') AS archived, count(*) FILTER (WHERE ai_engaged) AS ai
         FROM sessions WHERE deleted_at IS NULL`,
    );
    expect(body.total).toBe(Number(c!.total));
    expect(body.byQaStatus.passed).toBe(Number(c!.passed));
    expect(body.byCompletion.incomplete).toBe(Number(c!.incomplete));
    expect(body.byArchive.archived).toBe(Number(c!.archived));
    expect(body.aiEngaged).toBe(Number(c!.ai));
    expect(Object.values(body.byQaStatus as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(body.total);
    const week = (await get('/api/stats?period=2026-11-09..2026-11-15', 'lead')).json();
    expect(week.total).toBeLessThan(body.total);
    expect((await get('/api/stats?period=nope', 'lead')).json().fields[0].field).toBe('period');
  });
});
