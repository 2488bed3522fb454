import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { createPrisma } from '../src/db/client.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('app');
});
afterAll(async () => {
  await db.drop();
});

const logger = createLogger('silent');

describe('HTTP app', () => {
  it('answers /healthz and /readyz when the database is migrated', async () => {
    const app = await build({ prisma: db.prisma, logger });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', startup: 'ok' } });
    await app.close();
  });

  it('is not ready while startup work is running, and says what it is doing', async () => {
    const readiness = { ready: false, phase: 'seeding demo data (10/100 conversations)' };
    const app = await build({ prisma: db.prisma, logger, readiness });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.startup).toBe('seeding demo data (10/100 conversations)');
    readiness.ready = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    await app.close();
  });

  it('is not ready when migrations are missing or the database is unreachable', async () => {
    const empty = await createEmptyDatabase('app_empty');
    const prisma = createPrisma(empty.url);
    const app = await build({ prisma, logger });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.database).toMatch(/unreachable/);
    await prisma.$disconnect();
    await app.close();

    // Migration table present but one migration missing.
    const c = new pg.Client({ connectionString: empty.url });
    await c.connect();
    await c.query(`CREATE TABLE "_prisma_migrations" (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
      finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
      started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0)`);
    await c.end();
    const prisma2 = createPrisma(empty.url);
    const app2 = await build({ prisma: prisma2, logger });
    const res2 = await app2.inject('/readyz');
    expect(res2.statusCode).toBe(503);
    expect(res2.json().checks).toMatchObject({ database: 'ok', migrations: expect.stringMatching(/^pending: \d+_init/) });
    await prisma2.$disconnect();
    await app2.close();
    await empty.drop();
  });

  it('echoes a caller request id and gives JSON errors for unknown routes', async () => {
    const app = await build({ prisma: db.prisma, logger });
    const res = await app.inject({ url: '/nope', headers: { 'x-request-id': 'abc-123' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'NOT_FOUND', message: 'no route GET /nope', requestId: 'abc-123' });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await app.inject('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });
});
