import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createPrisma, type Db } from '../src/db/client.ts';
import { createPool } from '../src/db/pool.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { API_CONNECT_TIMEOUT_MS, purposePool } from '../src/root/infrastructure.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The database restarting under a running service (probed 7 Dec 2026): every request during the
// outage was a 500 INTERNAL (Prisma's P1001 or pg's ECONNREFUSED taken for a bug), and /readyz
// showed anyone Prisma's text with the server's address and our source paths. Now a 503
// DB_NOT_READY with Retry-After that the caller may send again, the text in the log only, and
// the service answers again as soon as the database is back.

/** A TCP proxy to the test database that can be taken down (connections cut, new ones refused) and frozen (accepted, never answered). */
class Proxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  mode: 'forward' | 'freeze' = 'forward';
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => {});
      if (this.mode === 'freeze') return;
      const upstream = net.connect(this.target.port, this.target.host);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** The database gone: every connection cut, new ones refused. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

let db: TestDatabase;
let proxy: Proxy;
let pool: pg.Pool;
let prisma: Db;
let app: FastifyInstance;
let token: string;
const logLines: string[] = [];

/** What the database's or Prisma's failure text looks like: none of it may reach a caller. */
const INTERNAL_TEXT = /prisma|invocation|ECONNREFUSED|127\.0\.0\.1|Connection terminated|timeout exceeded|\.ts:/i;

beforeAll(async () => {
  db = await createTestDatabase('db_outage');
  token = (await createApiToken(db.pool, { user: { kind: 'api', externalId: `outage-${randomBytes(3).toString('hex')}` }, role: 'admin' })).token;
  const target = new URL(db.url);
  proxy = new Proxy({ host: target.hostname, port: Number(target.port) });
  await proxy.up();
  const url = new URL(db.url);
  url.port = String(proxy.port);
  // the requests' pool as the service makes it, but a short wait for a connection (the service's is API_CONNECT_TIMEOUT_MS)
  pool = createPool(url.toString(), 5, undefined, 'pulse:api', { connectionTimeoutMillis: 500 });
  prisma = createPrisma(pool);
  app = await build({
    prisma,
    pool,
    logger: createLogger('info', { write: (s: string) => void logLines.push(s) }),
    plugins: [apiRoutes({ pool, timezone: 'UTC', now: () => new Date('2026-11-25T14:30:00Z'), rateLimit: { max: 10_000, exportMax: 10_000 } })],
  });
});

afterAll(async () => {
  await app?.close();
  await prisma?.$disconnect();
  await pool?.end();
  await proxy?.down();
  await db?.drop();
});

const bearer = () => ({ authorization: `Bearer ${token}` });
const requests = () => [
  app.inject({ url: '/api/sessions?limit=1', headers: bearer() }),
  app.inject({ url: '/api/stats', headers: bearer() }),
  app.inject({ url: '/api/sessions/1', headers: bearer() }),
  app.inject({ method: 'POST', url: '/api/errors', headers: bearer(), payload: { source: 'outage-test', message: 'during the outage' } }),
];

async function expectUnavailable() {
  for (const res of await Promise.all(requests())) {
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json()).toMatchObject({ error: 'DB_NOT_READY', message: expect.stringMatching(/try again/), requestId: res.headers['x-request-id'] });
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).not.toMatch(INTERNAL_TEXT);
  }
  const ready = await app.inject('/readyz');
  expect(ready.statusCode).toBe(503);
  expect(ready.json().checks.database).toBe('unreachable (the service log has the error)');
  expect(ready.body).not.toMatch(INTERNAL_TEXT);
}

describe('the database restarting under a running service', () => {
  it('answers before the outage', async () => {
    for (const res of await Promise.all(requests())) expect(res.statusCode, res.body).toBeLessThan(500);
  });

  it('answers 503 DB_NOT_READY with Retry-After while the database is down, with no internal text', async () => {
    await proxy.down();
    await expectUnavailable();
    // the log has what happened, under each request's id
    const logged = logLines.filter((l) => l.includes('database unavailable'));
    expect(logged.length, logLines.slice(-3).join('\n')).toBeGreaterThan(0);
    expect(logged.join('')).toMatch(/ECONNREFUSED|P1001|reach database|Connection terminated/);
  });

  it('answers 503 too while the database accepts connections and never answers, after the pool\'s wait', async () => {
    proxy.mode = 'freeze';
    await proxy.up();
    try {
      await expectUnavailable();
    } finally {
      await proxy.down();
    }
  });

  it('answers again once the database is back, storing nothing twice', async () => {
    proxy.mode = 'forward';
    await proxy.up();
    for (const res of await Promise.all(requests())) expect(res.statusCode, res.body).toBeLessThan(500);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM error_logs WHERE source = 'outage-test'`);
    // one before the outage, one after: none of the refused ones was stored
    expect(rows[0]!.n).toBe(2);
  });

  it('the service gives the requests\' pool a bounded wait for a connection', async () => {
    const apiPool = purposePool(db.url, 'api', 1);
    try {
      expect((apiPool as unknown as { options: pg.PoolConfig }).options.connectionTimeoutMillis).toBe(API_CONNECT_TIMEOUT_MS);
    } finally {
      await apiPool.end();
    }
  });
});
