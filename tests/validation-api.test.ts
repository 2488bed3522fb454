import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { insertCleanData } from './helpers/validation-data.ts';
import { unstartedQueue } from './helpers/root.ts';

// GET /api/validation/system-health and POST /api/validation/run through the real API plugin:
// 401 without a token, 403 for a non-admin on POST, runs stored and trended.

const NOW = TEST_NOW;
const config = { analysis: { batchSize: 100, concurrency: 1, maxAttempts: 2, jobTimeoutSeconds: 300 }, businessTimezone: 'UTC' };

let db: TestDatabase;
let app: FastifyInstance;
let admin: string;
let lead: string;
let agent: string;

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  db = await createTestDatabase('validation_api');
  await insertCleanData(db.pool, NOW);
  admin = (await createApiToken(db.pool, { user: { kind: 'api', externalId: 'ops-admin' }, role: 'admin' })).token;
  lead = (await createApiToken(db.pool, { user: { kind: 'api', externalId: 'ops-lead' }, role: 'lead' })).token;
  agent = (await createApiToken(db.pool, { user: { kind: 'api', externalId: 'ops-agent' }, role: 'agent' })).token;
  app = await build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    pool: db.pool,
    plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC', rateLimit: { max: 10_000 }, validation: { boss: unstartedQueue(db.url), config, now: () => NOW } })],
  });
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('/api/validation', () => {
  it('answers 401 without a token on both routes', async () => {
    const get = await app.inject({ url: '/api/validation/system-health' });
    expect(get.statusCode).toBe(401);
    const post = await app.inject({ method: 'POST', url: '/api/validation/run' });
    expect(post.statusCode).toBe(401);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM validation_runs')).rows[0].n).toBe(0);
  });

  it('has no run to show before the first one', async () => {
    const res = await app.inject({ url: '/api/validation/system-health', headers: auth(lead) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ latest: null, trend: { direction: 'unknown', runs: [] } });
  });

  it('refuses a run to a non-admin with 403 and audits the refusal', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/validation/run', headers: auth(lead), payload: {} });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'FORBIDDEN' });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM validation_runs')).rows[0].n).toBe(0);
    const audit = await db.pool.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'api.refused'`);
    expect(audit.rows[0].n).toBe(1);
    // readers below lead's level may not read health either
    expect((await app.inject({ url: '/api/validation/system-health', headers: auth(agent) })).statusCode).toBe(403);
  });

  it('rejects unknown body fields with 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/validation/run', headers: auth(admin), payload: { fixx: true } });
    expect(res.statusCode).toBe(400);
  });

  it('runs for an admin (201, stored, audited) and the health endpoint shows the latest run and its trend', async () => {
    const first = await app.inject({ method: 'POST', url: '/api/validation/run', headers: auth(admin), payload: { fix: false } });
    expect(first.statusCode).toBe(201);
    const run = first.json();
    expect(run).toMatchObject({ trigger: 'api', fixes: [] });
    expect(run.healthScore).toBeGreaterThanOrEqual(85);
    expect(run.componentScores).toMatchObject({ database_integrity: 100, data_quality: 100, business_rules: 100, freshness: 100 });
    const second = await app.inject({ method: 'POST', url: '/api/validation/run', headers: auth(admin) });
    expect(second.statusCode).toBe(201);

    const health = await app.inject({ url: '/api/validation/system-health', headers: auth(lead) });
    expect(health.statusCode).toBe(200);
    const body = health.json();
    expect(body.latest.id).toBe(second.json().id);
    expect(body.latest.status).toMatch(/healthy|warning/);
    expect(body.trend.runs.map((r: { id: number }) => r.id)).toEqual([run.id, second.json().id]);
    expect(body.weights).toMatchObject({ database_integrity: 0.25 });
    const audit = await db.pool.query(`SELECT target, details FROM audit_logs WHERE action = 'validation.run' ORDER BY id`);
    expect(audit.rows.map((r) => r.target)).toEqual([`validation_run:${run.id}`, `validation_run:${second.json().id}`]);
  });

  it('documents both routes in the OpenAPI document, which still validates', async () => {
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    expect(doc.paths['/api/validation/system-health'].get.responses['200']).toBeDefined();
    expect(doc.paths['/api/validation/run'].post.responses['403']).toBeDefined();
  });
});
