import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import type { Role } from '../src/domain/access.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { uploadsRoutes } from '../src/routes/uploads.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { multipart } from './helpers/multipart.ts';
import { importPool } from './helpers/root.ts';

// Issue 17 as an outsider tries it against the service's HTTP surface: every /api route needs a
// token with the right role, uploads are rate- and concurrency-limited and leave no file behind
// when they fail, a new random token per request is still limited (by address), bad input is a
// 400 naming the field (never database text or a stack overflow), request logs carry no secrets,
// responses carry security headers and no CORS headers unless configured.

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/import');

let db: TestDatabase;
let dataDir: string;
let app: FastifyInstance;
let imports: pg.Pool;
const logLines: string[] = [];
const tokens = {} as Record<Role, string>;
const retried: number[] = [];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** A fresh token, so that one test's requests do not count against another's rate limit. */
const newToken = async (role: Role) => (await createApiToken(db.pool, { user: { kind: 'api', externalId: `hardening-${role}-${randomBytes(3).toString('hex')}` }, role })).token;


const uploadCsv = async (instance: FastifyInstance, headers: Record<string, string>, remoteAddress?: string) => {
  const form = multipart([{ name: 'file', filename: 'inbox.csv', content: await readFile(path.join(FIXTURES, 'inbox.csv')) }]);
  return instance.inject({ method: 'POST', url: '/api/uploads', payload: form.payload, headers: { ...form.headers, ...headers }, ...(remoteAddress ? { remoteAddress } : {}) });
};

async function uploadStatus(id: number, statuses: string[]): Promise<{ status: string }> {
  // Polls the upload row (the positive signal), not a timer.
  let row: { status: string } | undefined;
  await expect
    .poll(async () => {
      row = (await db.pool.query<{ status: string }>('SELECT status FROM uploads WHERE id = $1', [id])).rows[0];
      return statuses.includes(row?.status ?? '');
    }, { timeout: 30_000, interval: 50 })
    .toBe(true);
  return row!;
}

async function buildService(opts: { corsOrigins?: string[]; uploads?: { uploadsPerMinute?: number; concurrency?: number } } = {}) {
  return build({
    prisma: db.prisma,
    logger: createLogger('info', { write: (s: string) => void logLines.push(s) }),
    pool: db.pool,
    retryJob: async (id) => {
      retried.push(id);
      return true;
    },
    ...(opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {}),
    plugins: [
      uploadsRoutes({ pool: db.pool, importPool: imports, dataDir, maxBytes: 1024 * 1024, timezone: 'UTC', afterImport: async () => {}, ...opts.uploads }),
      apiRoutes({ pool: db.pool, timezone: 'UTC', now: () => new Date('2026-11-25T14:30:00Z') }),
    ],
  });
}

beforeAll(async () => {
  db = await createTestDatabase('api_hardening');
  imports = importPool(db.url);
  dataDir = await mkdtemp(path.join(tmpdir(), 'pulse-hardening-'));
  for (const role of ['admin', 'lead', 'qa', 'developer', 'agent'] as const) tokens[role] = await newToken(role);
  app = await buildService();
});

afterAll(async () => {
  await app?.close();
  await imports?.end();
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const OPEN_BEFORE = [
  ['POST', '/api/uploads'],
  ['GET', '/api/uploads/1'],
  ['GET', '/api/jobs'],
  ['POST', '/api/jobs/1/retry'],
  ['GET', '/api/metrics'],
  ['GET', '/api/conversations/1/analysis'],
] as const;

describe('finding 1: every /api route needs a token with a role', () => {
  it('answers 401 without a token and with an unknown one, and an anonymous CSV stores nothing', async () => {
    for (const [method, url] of OPEN_BEFORE) {
      for (const headers of [{}, bearer('sp_not-a-token')]) {
        const res = await app.inject({ method, url, headers });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(res.json()).toEqual({ error: 'UNAUTHORIZED', message: expect.any(String), requestId: expect.any(String) });
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
    const anonymous = await uploadCsv(app, {});
    expect(anonymous.statusCode).toBe(401);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads');
    expect(rows[0]!.n).toBe(0);
    expect(await readdir(path.join(dataDir, 'uploads')).catch(() => [])).toEqual([]);
  });

  it('admits uploads for admins and leads, job retries for admins, reads for admin, lead, qa and developer', async () => {
    const status = async (role: Role, method: 'GET' | 'POST', url: string) => (await app.inject({ method, url, headers: bearer(tokens[role]) })).statusCode;
    for (const role of ['qa', 'developer', 'agent'] as const) {
      const res = await uploadCsv(app, bearer(tokens[role]));
      expect(res.statusCode, role).toBe(403);
      expect(res.json()).toMatchObject({ error: 'FORBIDDEN', requestId: expect.any(String) });
      expect(await status(role, 'GET', '/api/uploads/1'), role).toBe(403);
    }
    for (const role of ['lead', 'qa', 'developer', 'agent'] as const) expect(await status(role, 'POST', '/api/jobs/1/retry'), role).toBe(403);
    for (const role of ['admin', 'lead', 'qa', 'developer'] as const) {
      expect(await status(role, 'GET', '/api/jobs'), role).toBe(200);
      expect(await status(role, 'GET', '/api/metrics'), role).toBe(200);
      expect(await status(role, 'GET', '/api/conversations/1/analysis'), role).toBe(404);
    }
    for (const url of ['/api/jobs', '/api/metrics', '/api/conversations/1/analysis']) expect(await status('agent', 'GET', url), url).toBe(403);
    // An admin gets as far as the job lookup (no job 1 here); nothing was retried by anyone.
    expect(await status('admin', 'POST', '/api/jobs/1/retry')).toBe(404);
    expect(retried).toEqual([]);

    const lead = await uploadCsv(app, bearer(tokens.lead));
    expect(lead.statusCode).toBe(202);
    const { uploadId } = lead.json<{ uploadId: number }>();
    expect(await uploadStatus(uploadId, ['completed', 'failed'])).toMatchObject({ status: 'completed' });
    expect(await status('lead', 'GET', `/api/uploads/${uploadId}`)).toBe(200);
    expect(await status('admin', 'GET', `/api/uploads/${uploadId}`)).toBe(200);
    const { rows } = await db.pool.query('SELECT action, target FROM audit_logs WHERE action = $1', ['upload.create']);
    expect(rows).toEqual([{ action: 'upload.create', target: `upload:${uploadId}` }]);
  });

  it('does not accept a burst of 30 uploads: the rate limit per token answers 429 RATE_LIMITED', async () => {
    const token = await newToken('admin');
    const answers: { status: number; error?: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await uploadCsv(app, bearer(token));
      answers.push({ status: res.statusCode, ...(res.statusCode === 202 ? {} : { error: res.json<{ error: string }>().error }) });
    }
    // The first ten pass the limiter (and are accepted unless two imports are still running);
    // every later one is refused by it, whatever the imports are doing.
    expect(answers.slice(0, 10).every((a) => a.status === 202 || a.error === 'UPLOADS_BUSY')).toBe(true);
    expect(answers.slice(10)).toEqual(Array.from({ length: 20 }, () => ({ status: 429, error: 'RATE_LIMITED' })));
    // Another token is not held back by this one's limit.
    expect((await app.inject({ url: '/api/uploads/1', headers: bearer(tokens.lead) })).statusCode).not.toBe(429);
    await waitForNoProcessingUploads();
  });

  it('refuses a third upload with 429 UPLOADS_BUSY while two are processing', async () => {
    const token = await newToken('admin');
    // Hold the messages table: both imports start and then wait until the lock is released.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE messages IN EXCLUSIVE MODE');
    try {
      const first = await uploadCsv(app, bearer(token));
      const second = await uploadCsv(app, bearer(token));
      expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
      await uploadStatus(first.json<{ uploadId: number }>().uploadId, ['processing']);
      await uploadStatus(second.json<{ uploadId: number }>().uploadId, ['processing']);
      const before = (await readdir(path.join(dataDir, 'uploads'))).length;
      const third = await uploadCsv(app, bearer(token));
      expect(third.statusCode).toBe(429);
      expect(third.json()).toEqual({ error: 'UPLOADS_BUSY', message: expect.stringMatching(/2 uploads/), requestId: expect.any(String) });
      expect(third.headers['retry-after']).toEqual(expect.any(String));
      expect((await readdir(path.join(dataDir, 'uploads'))).length).toBe(before);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    await waitForNoProcessingUploads();
    expect((await uploadCsv(app, bearer(token))).statusCode).toBe(202);
    await waitForNoProcessingUploads();
  });

  it("removes a failed upload's file from the uploads folder", async () => {
    const token = await newToken('lead');
    const form = multipart([{ name: 'file', filename: 'mystery.json', content: await readFile(path.join(FIXTURES, 'unknown.json')) }]);
    const res = await app.inject({ method: 'POST', url: '/api/uploads', payload: form.payload, headers: { ...form.headers, ...bearer(token) } });
    expect(res.statusCode).toBe(202);
    expect(await uploadStatus(res.json<{ uploadId: number }>().uploadId, ['completed', 'failed'])).toMatchObject({ status: 'failed' });
    await expect.poll(async () => (await readdir(path.join(dataDir, 'uploads'))).filter((f) => f.endsWith('mystery.json'))).toEqual([]);
  });
});

async function waitForNoProcessingUploads() {
  await expect
    .poll(async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM uploads WHERE status IN ('pending', 'processing')`)).rows[0]!.n, { timeout: 30_000, interval: 50 })
    .toBe(0);
}

describe('finding 8: the rate limit keys by address until a token is verified', () => {
  it('limits a new random token per request by the address, and a verified token by its own id', async () => {
    const ip = '198.51.100.23';
    for (let i = 0; i < 100; i++) {
      const res = await app.inject({ url: '/api/stats', remoteAddress: ip, headers: bearer(`sp_${randomBytes(16).toString('hex')}`) });
      expect(res.statusCode).toBe(401);
    }
    const limited = await app.inject({ url: '/api/stats', remoteAddress: ip, headers: bearer(`sp_${randomBytes(16).toString('hex')}`) });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED', requestId: expect.any(String) });
    // The same on the routes outside the sessions API.
    const jobsIp = '198.51.100.24';
    for (let i = 0; i < 100; i++) await app.inject({ url: '/api/jobs', remoteAddress: jobsIp, headers: bearer(`sp_${randomBytes(16).toString('hex')}`) });
    expect((await app.inject({ url: '/api/jobs', remoteAddress: jobsIp, headers: bearer('sp_yet-another') })).statusCode).toBe(429);
    // A real token from that address is counted on its own.
    expect((await app.inject({ url: '/api/stats', remoteAddress: ip, headers: bearer(tokens.lead) })).statusCode).toBe(200);
  });
});

describe('finding 9: bad input is a 400 naming the field', () => {
  it('refuses a NUL byte in ?q= and in /api/errors bodies without database text', async () => {
    const search = await app.inject({ url: '/api/sessions?q=refund%00x', headers: bearer(tokens.lead) });
    expect(search.statusCode).toBe(400);
    expect(search.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'q', problem: expect.stringMatching(/NUL/) }], requestId: expect.any(String) });
    expect(search.body).not.toMatch(/0x00|invalid byte sequence|UTF8/i);

    const cases = [
      [{ source: 'n8n', message: 'broke\u0000here' }, 'message'],
      [{ source: 'n8n\u0000', message: 'm' }, 'source'],
      [{ source: 'n8n', message: 'm', context: { node: { name: 'a\u0000' } } }, 'context.node.name'],
      [{ source: 'n8n', message: 'm', context: { 'k\u0000': 1 } }, 'context'],
    ] as const;
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/errors', headers: bearer(tokens.agent), payload });
      expect(res.statusCode, field).toBe(400);
      expect(res.json(), field).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field }] });
      expect(res.body).not.toMatch(/0x00|invalid byte sequence|unsupported Unicode/i);
    }
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM error_logs');
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses a 5,000-deep context with 400 instead of overflowing the stack', async () => {
    const deep = `{"source":"n8n","message":"m","context":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await app.inject({ method: 'POST', url: '/api/errors', headers: { ...bearer(tokens.agent), 'content-type': 'application/json' }, payload: deep });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'context', problem: expect.stringMatching(/32 levels/) }], requestId: expect.any(String) });
    // 32 levels are fine.
    const ok = `{"source":"n8n","message":"m","context":${'{"a":'.repeat(31)}1${'}'.repeat(31)}}`;
    const accepted = await app.inject({ method: 'POST', url: '/api/errors', headers: { ...bearer(tokens.agent), 'content-type': 'application/json' }, payload: ok });
    expect(accepted.statusCode).toBe(201);
  });

  it('refuses a NUL byte in an upload field', async () => {
    const form = multipart([
      { name: 'owner', content: 'Sunny\u0000Café' },
      { name: 'file', filename: 'inbox.csv', content: await readFile(path.join(FIXTURES, 'inbox.csv')) },
    ]);
    const res = await app.inject({ method: 'POST', url: '/api/uploads', payload: form.payload, headers: { ...form.headers, ...bearer(await newToken('admin')) } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'owner' }] });
  });
});

describe('finding 10: request logs carry no secrets', () => {
  it('redacts hub.verify_token, access_token and other secret query values in request logs', async () => {
    logLines.length = 0;
    await app.inject('/webhooks/messenger?hub.mode=subscribe&hub.verify_token=VERIFY-S3CRET&hub.challenge=1158201444');
    await app.inject({ url: '/api/stats?access_token=ACCESS-S3CRET&period=last%20week', headers: bearer(tokens.lead) });
    await app.inject('/healthz?api_key=KEY-S3CRET&password=PW-S3CRET&sig=SIG-S3CRET');
    const logged = logLines.join('');
    expect(logged).toContain('incoming request');
    for (const secret of ['VERIFY-S3CRET', 'ACCESS-S3CRET', 'KEY-S3CRET', 'PW-S3CRET', 'SIG-S3CRET']) expect(logged).not.toContain(secret);
    expect(logged).toContain('hub.verify_token=[REDACTED]');
    // What is not secret stays readable.
    expect(logged).toContain('hub.challenge=1158201444');
    expect(logged).toContain('period=last%20week');
  });
});

describe('security headers and CORS', () => {
  it('sends helmet headers and no CORS headers unless CORS_ORIGINS is set', async () => {
    const res = await app.inject({ url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(res.headers['content-security-policy']).toEqual(expect.stringContaining("default-src 'self'"));
    expect(res.headers['strict-transport-security']).toEqual(expect.any(String));
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({ method: 'OPTIONS', url: '/api/stats', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    // The docs UI still loads under the policy.
    expect((await app.inject('/docs/')).statusCode).toBe(200);
  });

  it('answers CORS for the configured origins only', async () => {
    const withCors = await buildService({ corsOrigins: ['https://ops.example.com'] });
    try {
      const preflight = await withCors.inject({
        method: 'OPTIONS',
        url: '/api/stats',
        headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://ops.example.com');
      expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/i);
      const get = await withCors.inject({ url: '/api/stats', headers: { origin: 'https://ops.example.com', ...bearer(tokens.lead) } });
      expect([get.statusCode, get.headers['access-control-allow-origin']]).toEqual([200, 'https://ops.example.com']);
      const other = await withCors.inject({ url: '/api/stats', headers: { origin: 'https://evil.example', ...bearer(tokens.lead) } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});
