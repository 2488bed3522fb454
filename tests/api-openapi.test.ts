import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The OpenAPI document validates and covers every token-protected route; the general rate
// limit (100 a minute per token) answers 429 with the standard headers; /api/errors.

let db: TestDatabase;
let app: FastifyInstance;
const tokens: Record<string, string> = {};

const auth = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

beforeAll(async () => {
  db = await createTestDatabase('api_openapi');
  for (const role of ['admin', 'developer', 'agent'] as const) {
    tokens[role] = (await createApiToken(db.pool, { user: { kind: 'api', externalId: `openapi-${role}` }, role })).token;
  }
  app = await build({ prisma: db.prisma, logger: createLogger('silent'), pool: db.pool, plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC' })] });
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('OpenAPI', () => {
  it('serves a document that validates as OpenAPI 3.1 and lists every REST route with its schemas', async () => {
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place: give it a copy, keep the document to inspect.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();

    const routes = app.printRoutes({ commonPrefix: false });
    const expected: [string, string][] = [
      ['/api/sessions', 'get'],
      ['/api/sessions/export', 'get'],
      ['/api/conversations/export', 'get'],
      ['/api/sessions/{id}', 'get'],
      ['/api/sessions/{id}', 'delete'],
      ['/api/sessions/{id}/qa', 'patch'],
      ['/api/sessions/{id}/archive', 'post'],
      ['/api/sessions/{id}/unarchive', 'post'],
      ['/api/errors', 'get'],
      ['/api/errors', 'post'],
      ['/api/stats', 'get'],
      ['/api/alert-rules', 'get'],
      ['/api/alert-rules', 'post'],
      ['/api/alert-rules/{id}', 'patch'],
      ['/api/alert-rules/{id}', 'delete'],
      ['/api/alert-events', 'get'],
      ['/api/qa/scorecard', 'get'],
      ['/api/qa/scorecard', 'put'],
      ['/api/sessions/{id}/reviews', 'get'],
      ['/api/sessions/{id}/reviews/mine', 'put'],
      ['/api/sessions/{id}/disputes', 'post'],
      ['/api/qa/disputes', 'get'],
      ['/api/qa/disputes/{id}/accept', 'post'],
      ['/api/qa/disputes/{id}/reject', 'post'],
      ['/api/ingest/messages', 'post'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.responses['401'], `${method} ${path} 401`).toBeDefined();
      expect(Object.keys(op.responses).some((c) => c.startsWith('2')), `${method} ${path} 2xx`).toBe(true);
      expect(routes).toContain(path.replace('{id}', ':id').split('/').pop());
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/')).sort()).toEqual([...new Set(expected.map(([p]) => p))].sort());
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/sessions'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['qaStatus', 'completion', 'archive', 'page', 'period', 'q', 'limit', 'cursor']),
    );
    expect(doc.paths['/api/sessions/{id}/qa'].patch.requestBody.content['application/json'].schema.required).toEqual(['status']);
  });

  it('serves the UI at /docs without a token', async () => {
    const res = await app.inject('/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('swagger');
  });

  it('leaves routes outside the API plugin out of the document; they take tokens of their own, health stays open', async () => {
    const other = await build({
      prisma: db.prisma,
      logger: createLogger('silent'),
      pool: db.pool,
      plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC' })],
    });
    expect((await other.inject('/api/metrics')).statusCode).toBe(401);
    expect((await other.inject({ url: '/api/metrics', headers: auth('developer') })).statusCode).toBe(200);
    expect((await other.inject('/healthz')).statusCode).toBe(200);
    expect(Object.keys((await other.inject('/docs/json')).json().paths)).not.toContain('/api/metrics');
    await other.close();
  });
});

describe('rate limit', () => {
  it('allows 100 requests a minute per token, then 429 with x-ratelimit-* and retry-after; other tokens unaffected', async () => {
    const fresh = (await createApiToken(db.pool, { user: { kind: 'api', externalId: 'rate' }, role: 'admin' })).token;
    for (let i = 0; i < 100; i++) {
      const res = await app.inject({ url: '/api/stats', headers: { authorization: `Bearer ${fresh}` } });
      expect(res.statusCode).toBe(200);
      if (i === 0) {
        expect(res.headers['x-ratelimit-limit']).toBe('100');
        expect(res.headers['x-ratelimit-remaining']).toBe('99');
        expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      }
    }
    const limited = await app.inject({ url: '/api/stats', headers: { authorization: `Bearer ${fresh}` } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED', requestId: expect.any(String) });
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0' });
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ url: '/api/stats', headers: auth('admin') })).statusCode).toBe(200);
  });

  it('limits requests without a token by address', async () => {
    const ip = '203.0.113.7';
    for (let i = 0; i < 100; i++) expect((await app.inject({ url: '/api/stats', remoteAddress: ip })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/stats', remoteAddress: ip })).statusCode).toBe(429);
  });
});

describe('/api/errors', () => {
  it('records a workflow error from any token and lists it for readers', async () => {
    const posted = await app.inject({
      method: 'POST',
      url: '/api/errors',
      headers: auth('agent'),
      payload: { source: 'n8n:messenger-intake', message: 'Send API answered 500', context: { node: 'Reply', executionId: 'e-17' } },
    });
    expect(posted.statusCode).toBe(201);
    const saved = posted.json();
    expect(saved).toMatchObject({ id: expect.any(Number), source: 'n8n:messenger-intake', context: { node: 'Reply', executionId: 'e-17' } });
    const { rows } = await db.pool.query('SELECT source, message, context FROM error_logs WHERE id = $1', [saved.id]);
    expect(rows[0]).toMatchObject({ source: 'n8n:messenger-intake', message: 'Send API answered 500' });
    expect(rows[0].context.reportedBy.userId).toEqual(expect.any(Number));

    expect((await app.inject({ url: '/api/errors', headers: auth('agent') })).statusCode).toBe(403);
    const list = await app.inject({ url: '/api/errors?source=n8n:messenger-intake', headers: auth('developer') });
    expect(list.statusCode).toBe(200);
    expect(list.json().errors.map((e: { id: number }) => e.id)).toEqual([saved.id]);
    expect((await app.inject({ method: 'POST', url: '/api/errors', payload: { source: 'x', message: 'y' } })).statusCode).toBe(401);
  });

  it('names the field of a bad report or query', async () => {
    const noMessage = await app.inject({ method: 'POST', url: '/api/errors', headers: auth('agent'), payload: { source: 'n8n' } });
    expect(noMessage.statusCode).toBe(400);
    expect(noMessage.json().fields).toEqual([{ field: 'message', problem: expect.any(String) }]);
    const extra = await app.inject({ method: 'POST', url: '/api/errors', headers: auth('agent'), payload: { source: 'n8n', message: 'm', severity: 'high' } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().fields[0].field).toBe('severity');
    const since = await app.inject({ url: '/api/errors?since=yesterday', headers: auth('admin') });
    expect(since.statusCode).toBe(400);
    expect(since.json().fields[0].field).toBe('since');
  });

  it('pages newest first', async () => {
    for (let i = 0; i < 5; i++) {
      await app.inject({ method: 'POST', url: '/api/errors', headers: auth('agent'), payload: { source: 'paging', message: `m${i}` } });
    }
    const first = (await app.inject({ url: '/api/errors?source=paging&limit=3', headers: auth('admin') })).json();
    expect(first.errors.map((e: { message: string }) => e.message)).toEqual(['m4', 'm3', 'm2']);
    const second = (await app.inject({ url: `/api/errors?source=paging&limit=3&before=${first.nextBefore}`, headers: auth('admin') })).json();
    expect(second.errors.map((e: { message: string }) => e.message)).toEqual(['m1', 'm0']);
    expect(second.nextBefore).toBeNull();
  });
});
