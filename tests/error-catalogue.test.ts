import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { FastifyReceiver } from '../src/bots/slack/receiver.ts';
import { messengerWebhook } from '../src/bots/messenger/webhook.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { ErrorCodes, codeForStatus, isErrorCode } from '../src/errors.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { uploadsRoutes } from '../src/routes/uploads.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { TEST_NOW } from './helpers/clock.ts';

// Issue 18, "one error catalogue": every code is in src/errors.ts and in the README's table with
// the same status, no code is written as a literal elsewhere, and every error answer of every
// route — unauthenticated, unreadable, unknown — carries a catalogued code and the requestId.

const ROOT = path.resolve(import.meta.dirname, '..');

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'generated') out.push(...(await sourceFiles(p)));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('the catalogue', () => {
  it('the README table lists every code with its status, and nothing else', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(Object.fromEntries(rows)).toEqual({ ...ErrorCodes });
  });

  it('no error code is written as a literal outside the catalogue and the one sender', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(path.join(ROOT, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/\berror: '([A-Z][A-Z_]+)'/g)) offenders.push(`${path.relative(ROOT, file)}: ${m[0]}`);
      for (const m of text.matchAll(/\bcode: '([A-Z][A-Z_]+)'(?! satisfies ErrorCode)/g)) {
        if (!isErrorCode(m[1])) offenders.push(`${path.relative(ROOT, file)}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('maps another library\'s status to a catalogued code', () => {
    expect(codeForStatus(415)).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(codeForStatus(418)).toBe('BAD_REQUEST');
    expect(codeForStatus(502)).toBe('INTERNAL');
    expect(isErrorCode('FST_ERR_CTP_INVALID_MEDIA_TYPE')).toBe(false);
  });
});

describe('every route', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let dataDir: string;
  let admin: string;
  const routes: { method: string; url: string }[] = [];

  // Sees every route registered after it, in every plugin (skip-override: not encapsulated).
  const collect: FastifyPluginAsync = async (instance) => {
    instance.addHook('onRoute', (r: RouteOptions) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
    });
  };
  (collect as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

  beforeAll(async () => {
    db = await createTestDatabase('error_catalogue');
    dataDir = await mkdtemp(path.join(tmpdir(), 'pulse-errors-'));
    admin = (await createApiToken(db.pool, { user: { kind: 'api', externalId: 'errors-admin' }, role: 'admin' })).token;
    const receiver = new FastifyReceiver({ signingSecret: 'slack-secret', now: () => TEST_NOW });
    app = await build({
      prisma: db.prisma,
      logger: createLogger('silent'),
      pool: db.pool,
      retryJob: async () => true,
      plugins: [
        collect,
        uploadsRoutes({ pool: db.pool, importPool: db.pool, dataDir, maxBytes: 1024 * 1024, timezone: 'UTC', afterImport: async () => {} }),
        apiRoutes({ pool: db.pool, timezone: 'UTC', now: () => TEST_NOW }),
        messengerWebhook({ appSecret: 'meta-secret', verifyToken: 'verify', store: { save: async () => ({ stored: 0, duplicates: 0 }) as never } }),
        receiver.plugin,
      ],
    });
    await app.ready();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, '1').replace(/\*$/, 'x');

  /** An error answer must be the catalogue's shape; a success is not judged here. */
  function expectCatalogued(label: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    if (res.statusCode < 400) return;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      throw new Error(`${label}: ${res.statusCode} with a body that is not JSON: ${res.body.slice(0, 200)}`);
    }
    expect(isErrorCode(body.error), `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
    expect(typeof body.requestId, `${label}: requestId`).toBe('string');
    expect(body.requestId, `${label}: requestId = x-request-id`).toBe(res.headers['x-request-id']);
    expect(typeof body.message, `${label}: message`).toBe('string');
  }

  it('answers errors with a catalogued code and the requestId: without a token, with an unreadable body, in a foreign content type', async () => {
    expect(routes.length).toBeGreaterThan(25);
    const bodied = (m: string) => m === 'POST' || m === 'PATCH' || m === 'PUT';
    for (const r of routes) {
      const url = concrete(r.url);
      const label = `${r.method} ${r.url}`;
      expectCatalogued(`${label} (no token)`, await app.inject({ method: r.method as never, url }));
      expectCatalogued(`${label} (admin)`, await app.inject({ method: r.method as never, url, headers: { authorization: `Bearer ${admin}` } }));
      if (bodied(r.method)) {
        expectCatalogued(
          `${label} (broken JSON)`,
          await app.inject({ method: r.method as never, url, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: '{"a":' }),
        );
        expectCatalogued(
          `${label} (text/xml)`,
          await app.inject({ method: r.method as never, url, headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/xml' }, payload: '<a/>' }),
        );
      }
    }
  });

  it('answers an unknown route and an unknown method the same way', async () => {
    for (const res of [await app.inject({ method: 'GET', url: '/nope?access_token=secret' }), await app.inject({ method: 'PUT', url: '/api/sessions' })]) {
      expectCatalogued('unknown', res);
      expect(res.body).not.toContain('secret');
    }
  });
});
