import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/domain/access.ts';
import { AppError } from '../src/errors.ts';
import type { TestDatabase } from './helpers/db.ts';
import { openApiApp, type ApiApp } from './helpers/api-app.ts';

// What probing the running service from outside (7 Dec 2026) found: inputs that reached the
// database unchecked and came back as 500s carrying its text. Each must be a 4xx from the
// catalogue that names the field, with nothing written.

let db: TestDatabase;
let app: FastifyInstance;
let dataDir: string;
const tokens = {} as Record<Role, string>;
const logLines: string[] = [];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** Words of PostgreSQL's or Prisma's errors that must never reach a caller. */
const DATABASE_TEXT = /out of range|invalid input syntax|prisma|invocation|unsupported Unicode|time zone displacement|date\/time field/i;

let api: ApiApp;

beforeAll(async () => {
  api = await openApiApp('api_probe', {
    roles: ['admin', 'lead', 'qa', 'developer'],
    log: (s) => void logLines.push(s),
    before: [
      async (test) => {
        // stand-ins for a failure nobody expected (a database error) and one raised on purpose
        test.get('/test/unexpected', async () => {
          throw new Error('relation "api_tokens_secret" does not exist: SELECT token_hash FROM api_tokens_secret');
        });
        test.get('/test/on-purpose', async () => {
          throw new AppError('DB_NOT_READY', 'the analysis queue is not running in this process');
        });
      },
    ],
  });
  ({ db, app, dataDir } = api);
  Object.assign(tokens, api.tokens);
});

afterAll(async () => {
  await api?.close();
});

describe('ids and id filters beyond PostgreSQL integer', () => {
  const HUGE = '99999999999';
  const cases: { method: 'GET' | 'POST'; url: string; token: Role; payload?: object; field: RegExp }[] = [
    { method: 'GET', url: `/api/errors?before=${HUGE}`, token: 'lead', field: /before/ },
    { method: 'GET', url: `/api/alert-events?ruleId=${HUGE}`, token: 'lead', field: /ruleId/ },
    { method: 'GET', url: `/api/alert-events?beforeId=${HUGE}`, token: 'lead', field: /beforeId/ },
    { method: 'GET', url: `/api/qa/disputes?session=${HUGE}`, token: 'lead', field: /session/ },
    { method: 'POST', url: '/api/sessions/1/disputes', token: 'developer', payload: { reason: 'wrong score', reviewId: Number(HUGE) }, field: /reviewId/ },
    { method: 'GET', url: `/api/conversations/${HUGE}/analysis`, token: 'lead', field: /id/ },
    { method: 'POST', url: `/api/jobs/${HUGE}/retry`, token: 'admin', field: /id/ },
  ];
  for (const c of cases) {
    it(`${c.method} ${c.url} is a 400, not a 500 with database text`, async () => {
      const res = await app.inject({ method: c.method, url: c.url, headers: bearer(tokens[c.token]), ...(c.payload ? { payload: c.payload } : {}) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(c.field) });
      expect(res.body).not.toMatch(DATABASE_TEXT);
    });
  }

  it('still answers 404 for the largest id that does not exist', async () => {
    const res = await app.inject({ url: '/api/conversations/2147483647/analysis', headers: bearer(tokens.lead) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
  });
});

describe('a 500 carries no internal text', () => {
  it("answers an unexpected error's 500 with the request id only; the log keeps the text", async () => {
    const res = await app.inject({ url: '/test/unexpected' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toMatchObject({ error: 'INTERNAL', requestId: expect.any(String) });
    expect(body.message).toContain(body.requestId);
    expect(res.body).not.toMatch(/api_tokens_secret|SELECT|relation/);
    expect(logLines.some((l) => l.includes('api_tokens_secret') && l.includes(body.requestId))).toBe(true);
  });

  it('keeps the message of an error the code raised on purpose', async () => {
    const res = await app.inject({ url: '/test/on-purpose' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'DB_NOT_READY', message: 'the analysis queue is not running in this process' });
  });
});

describe('unpaired surrogates', () => {
  // JSON text may escape half a surrogate pair; JSON.parse keeps it and jsonb refuses it
  const cases = [
    ['/api/errors', 'qa', '{"source":"n8n","message":"m","context":{"node":"a\\ud800"}}', 'context.node'],
    ['/api/errors', 'qa', '{"source":"n8n","message":"m","context":{"\\udfff":1}}', 'context'],
    ['/api/alert-rules', 'admin', '{"name":"lone","metric":"error_rate","comparison":"gt","threshold":1,"channel":"C123","params":{"note":"\\ud83d"}}', 'params.note'],
  ] as const;
  for (const [url, role, payload, field] of cases) {
    it(`refuses ${payload} at ${url} with 400 naming ${field}, storing nothing`, async () => {
      const res = await app.inject({ method: 'POST', url, headers: { ...bearer(tokens[role]), 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field, problem: expect.stringMatching(/surrogate/) }] });
      expect(res.body).not.toMatch(DATABASE_TEXT);
    });
  }

  it('stored none of them, and still takes a whole surrogate pair (an emoji)', async () => {
    const counts = await db.pool.query<{ errors: number; rules: number }>('SELECT (SELECT count(*)::int FROM error_logs) AS errors, (SELECT count(*)::int FROM alert_rules) AS rules');
    expect(counts.rows[0]).toEqual({ errors: 0, rules: 0 });
    const emoji = await app.inject({ method: 'POST', url: '/api/errors', headers: { ...bearer(tokens.qa), 'content-type': 'application/json' }, payload: '{"source":"n8n","message":"m","context":{"node":"\\ud83d\\ude00"}}' });
    expect(emoji.statusCode).toBe(201);
    expect(emoji.json().context.node).toBe('😀');
  });
});

describe('periods past the years PostgreSQL timestamps take', () => {
  const periods = ['9999-01-01..9999-12-31', '0000-01-01..0000-01-02', 'December 9999', '9999-12-31'];
  for (const route of ['/api/stats', '/api/sessions']) {
    for (const period of periods) {
      it(`${route}?period=${period} is a 400 naming period`, async () => {
        const res = await app.inject({ url: `${route}?period=${encodeURIComponent(period)}`, headers: bearer(tokens.lead) });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'period', problem: expect.stringMatching(/outside 0001-01-01\.\.9999-12-30/) }] });
        expect(res.body).not.toMatch(DATABASE_TEXT);
      });
    }
  }

  it('still takes the last whole year, the first day and a period such as "since 0001-01-01"', async () => {
    for (const period of ['9999-12-30', 'December 9998', '0001-01-01..0001-01-02', 'since 0001-01-01']) {
      const res = await app.inject({ url: `/api/stats?period=${encodeURIComponent(period)}`, headers: bearer(tokens.lead) });
      expect(res.statusCode, period).toBe(200);
    }
  });
});

describe('a made-up list cursor', () => {
  const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const cases = [
    ['+275760-09-13T00:00:00.000Z', 1],
    ['2026-11-01T00:00:00.000Z', 99999999999],
    ['2026-11-01T00:00:00.000Z', 1e20],
    ['2026-11-01T00:00:00.000Z', 0],
  ] as const;
  for (const c of cases) {
    it(`${JSON.stringify(c)} is a 400 naming cursor`, async () => {
      const res = await app.inject({ url: `/api/sessions?cursor=${cursor(c)}`, headers: bearer(tokens.lead) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'cursor' }] });
      expect(res.body).not.toMatch(DATABASE_TEXT);
    });
  }

  it('still takes a cursor as the API writes it', async () => {
    const res = await app.inject({ url: `/api/sessions?cursor=${cursor(['2026-11-01T00:00:00.000Z', 5])}`, headers: bearer(tokens.lead) });
    expect(res.statusCode).toBe(200);
  });
});

describe('an upload whose multipart body cannot be read', () => {
  const bodies = [
    ['a boundary that never comes', 'multipart/form-data; boundary=xyz', 'garbage'],
    ['no boundary at all', 'multipart/form-data', 'garbage'],
    ['a body cut short', 'multipart/form-data; boundary=xyz', '--xyz\r\ncontent-disposition: form-data; name="file"; filename="a.csv"\r\n\r\nfb_chat_id,message_content'],
  ] as const;
  for (const [what, contentType, payload] of bodies) {
    it(`answers ${what} with 400, keeps no file and no upload row`, async () => {
      const res = await app.inject({ method: 'POST', url: '/api/uploads', headers: { ...bearer(tokens.admin), 'content-type': contentType }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/multipart body cannot be read/) });
      expect(await readdir(path.join(dataDir, 'uploads')).catch(() => [])).toEqual([]);
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads');
      expect(rows[0]!.n).toBe(0);
    });
  }
});

describe('numbers JSON cannot hold', () => {
  it('refuses a threshold of 1e400 or -1e400 (JSON.parse makes them ±Infinity) with 400, storing no rule', async () => {
    for (const threshold of ['1e400', '-1e400']) {
      const res = await app.inject({
        method: 'POST', url: '/api/alert-rules', headers: { ...bearer(tokens.admin), 'content-type': 'application/json' },
        payload: `{"name":"inf","metric":"error_rate","comparison":"gt","threshold":${threshold},"channel":"C123"}`,
      });
      expect(res.statusCode, threshold).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'threshold' }] });
    }
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM alert_rules WHERE name = 'inf'`);
    expect(rows[0]!.n).toBe(0);
  });
});

describe('alert rule params', () => {
  it('answers the params it stored, on create, change and list', async () => {
    const headers = { ...bearer(tokens.admin), 'content-type': 'application/json' };
    const created = await app.inject({ method: 'POST', url: '/api/alert-rules', headers, payload: { name: 'csi-drop', metric: 'csi_drop', comparison: 'gt', threshold: 5, channel: 'C123', params: { baselineDays: 14 } } });
    expect(created.statusCode).toBe(201);
    expect(created.json().params).toEqual({ baselineDays: 14 });
    const changed = await app.inject({ method: 'PATCH', url: `/api/alert-rules/${created.json().id}`, headers, payload: { params: { baselineDays: 28, mutedUntil: '2026-12-01T00:00:00Z' } } });
    expect(changed.json()).toMatchObject({ params: { baselineDays: 28, mutedUntil: '2026-12-01T00:00:00Z' }, mutedUntil: '2026-12-01T00:00:00.000Z' });
    const listed = await app.inject({ url: '/api/alert-rules', headers: bearer(tokens.lead) });
    expect(listed.json().rules.find((r: { name: string }) => r.name === 'csi-drop').params).toEqual({ baselineDays: 28, mutedUntil: '2026-12-01T00:00:00Z' });
  });
});

describe('alert rule params the evaluator cannot read', () => {
  const cases = [
    [{ mutedUntil: 'never' }, 'params.mutedUntil'],
    [{ mutedUntil: 1 }, 'params.mutedUntil'],
    [{ baselineDays: -5 }, 'params.baselineDays'],
    [{ baselineDays: 'a week' }, 'params.baselineDays'],
  ] as const;
  for (const [params, field] of cases) {
    it(`refuses ${JSON.stringify(params)} with 400 naming ${field}`, async () => {
      const headers = { ...bearer(tokens.admin), 'content-type': 'application/json' };
      const res = await app.inject({ method: 'POST', url: '/api/alert-rules', headers, payload: { name: 'bad-params', metric: 'csi_drop', comparison: 'gt', threshold: 5, channel: 'C123', params } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field }] });
    });
  }
});

describe('a blank error source', () => {
  it('is a 400 naming source, not a row whose source is ""', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/errors', headers: bearer(tokens.qa), payload: { source: '   ', message: 'm' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'source' }] });
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM error_logs WHERE source = ''`);
    expect(rows[0]!.n).toBe(0);
  });
});

describe('URLs the router refuses', () => {
  it('answers a malformed percent-encoding and an over-long path parameter in the catalogue shape', async () => {
    for (const [url, status] of [['/api/sessions/%E0%A4%A', 400], [`/api/sessions/${'1'.repeat(1000)}`, 414]] as const) {
      const res = await app.inject({ url, headers: bearer(tokens.lead) });
      expect(res.statusCode, url).toBe(status);
      expect(res.json(), url).toMatchObject({ error: 'BAD_REQUEST', message: expect.any(String), requestId: expect.any(String) });
      expect(res.json(), url).not.toHaveProperty('code');
    }
  });
});
