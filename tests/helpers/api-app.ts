// The /api service as the HTTP tests build it: an isolated database, an import pool, a data
// folder for uploads, one token per role asked for, and the app with the uploads and /api routes
// (plus any test-only plugins). One builder, so each test file states only what it changes.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { build } from '../../src/app.ts';
import type { Role } from '../../src/domain/access.ts';
import { createApiToken } from '../../src/db/tokens-repo.ts';
import { createLogger } from '../../src/logger.ts';
import { apiRoutes } from '../../src/routes/api.ts';
import { uploadsRoutes } from '../../src/routes/uploads.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { importPool } from './root.ts';

export interface ApiApp {
  db: TestDatabase;
  app: FastifyInstance;
  imports: pg.Pool;
  dataDir: string;
  tokens: Record<Role, string>;
  close(): Promise<void>;
}

export interface ApiAppOptions {
  /** the roles to mint a token for */
  roles: readonly Role[];
  now?: Date;
  retryJob?: (id: number) => Promise<boolean>;
  /** the log sink (silent when absent) */
  log?: (line: string) => void;
  uploadsPerMinute?: number;
  /** plugins registered before the routes (test-only routes) */
  before?: FastifyPluginAsync[];
  /** runs on the fresh database before the app is built (seed data) */
  seed?: (db: TestDatabase) => Promise<void>;
}

export async function openApiApp(name: string, o: ApiAppOptions): Promise<ApiApp> {
  const db = await createTestDatabase(name);
  await o.seed?.(db);
  const imports = importPool(db.url);
  const dataDir = await mkdtemp(path.join(tmpdir(), `pulse-${name}-`));
  const tokens = {} as Record<Role, string>;
  for (const role of o.roles) {
    tokens[role] = (await createApiToken(db.pool, { user: { kind: 'api', externalId: `${name}-${role}-${randomBytes(3).toString('hex')}` }, role })).token;
  }
  const now = o.now ?? new Date('2026-11-25T14:30:00Z');
  const app = await build({
    prisma: db.prisma,
    logger: o.log ? createLogger('info', { write: (s: string) => void o.log!(s) }) : createLogger('silent'),
    pool: db.pool,
    retryJob: o.retryJob ?? (async () => true),
    plugins: [
      ...(o.before ?? []),
      uploadsRoutes({
        pool: db.pool, importPool: imports, dataDir, maxBytes: 1024 * 1024, timezone: 'UTC', afterImport: async () => {},
        ...(o.uploadsPerMinute ? { uploadsPerMinute: o.uploadsPerMinute } : {}),
      }),
      apiRoutes({ pool: db.pool, timezone: 'UTC', now: () => now, rateLimit: { max: 10_000, exportMax: 10_000 } }),
    ],
  });
  return {
    db, app, imports, dataDir, tokens,
    async close() {
      await app.close();
      await imports.end();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
