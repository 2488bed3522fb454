import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import type { ImportResult } from '../src/import/index.ts';
import { createLogger } from '../src/logger.ts';
import { uploadsRoutes } from '../src/routes/uploads.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { multipart } from './helpers/multipart.ts';
import { waitFor } from './helpers/wait.ts';
import { importPool } from './helpers/root.ts';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/import');

let db: TestDatabase;
let dataDir: string;
let app: FastifyInstance;
/** Uploads are for admins and team leads with an API token (tests/api-hardening.test.ts checks the refusals). */
let auth: { authorization: string };
const finished: ImportResult[] = [];

async function buildApp(maxBytes: number): Promise<FastifyInstance> {
  return build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    plugins: [
      uploadsRoutes({
        pool: db.pool,
        importPool: imports,
        dataDir,
        maxBytes,
        timezone: 'UTC',
        // these tests poll the status and upload more than the default limits allow a minute
        rateLimitMax: 10_000,
        uploadsPerMinute: 10_000,
        afterImport: async (r) => {
          finished.push(r);
        },
      }),
    ],
  });
}

let imports: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('import_api');
  imports = importPool(db.url);
  dataDir = await mkdtemp(path.join(tmpdir(), 'pulse-upload-test-'));
  auth = { authorization: `Bearer ${(await createApiToken(db.pool, { user: { kind: 'api', externalId: 'import-api' }, role: 'lead' })).token}` };
  app = await buildApp(1024 * 1024);
});
afterAll(async () => {
  await app.close();
  await imports.end();
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});


async function post(instance: FastifyInstance, parts: Parameters<typeof multipart>[0]) {
  const form = multipart(parts);
  return instance.inject({ method: 'POST', url: '/api/uploads', payload: form.payload, headers: { ...form.headers, ...auth } });
}

async function uploadIn(id: number, statuses: string[]): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const body = (await app.inject({ url: `/api/uploads/${id}`, headers: auth })).json<Record<string, unknown>>();
    return statuses.includes(body.status as string) && body;
  }, { what: `upload ${id} to be ${statuses.join('/')}` });
}

describe('POST /api/uploads', () => {
  it('answers 202 at once, imports in the background, and GET shows the outcome', async () => {
    // Hold the messages table: the import can start but cannot finish until we let go.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE messages IN EXCLUSIVE MODE');
    let id: number;
    try {
      const res = await post(app, [{ name: 'file', filename: 'inbox.csv', content: await readFile(path.join(FIXTURES, 'inbox.csv')) }]);
      expect(res.statusCode).toBe(202);
      const body = res.json<{ uploadId: number; status: string }>();
      expect(body).toEqual({ uploadId: expect.any(Number), status: 'pending' });
      id = body.uploadId;
      const during = await uploadIn(id, ['processing']);
      expect(during).toMatchObject({ id, fileName: 'inbox.csv', status: 'processing', rowsAccepted: 0 });
      expect(finished).toEqual([]);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    const done = await uploadIn(id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', format: 'csv', rowsAccepted: 9, rowsRejected: 3, sizeBytes: expect.any(Number) });
    expect((done.errors as { line: number }[]).map((e) => e.line)).toEqual([5, 9, 12]);
    expect(done.startedAt).toEqual(expect.any(String));
    expect(done.finishedAt).toEqual(expect.any(String));
    await expect.poll(() => finished.length).toBe(1);
    expect(finished[0]).toMatchObject({ uploadId: id, inserted: 9 });
    // The stored copy is removed once its rows are in the database.
    expect(await readdir(path.join(dataDir, 'uploads'))).toEqual([]);
  });

  it('takes owner and map fields', async () => {
    const thread = await readFile(path.join(FIXTURES, 'dyi/messages/inbox/markmuller_def456/message_1.json'));
    const dyi = await post(app, [
      { name: 'owner', content: 'Sunny Café' },
      { name: 'file', filename: 'message_1.json', content: thread },
    ]);
    expect(dyi.statusCode).toBe(202);
    expect(await uploadIn(dyi.json<{ uploadId: number }>().uploadId, ['completed', 'failed'])).toMatchObject({ status: 'completed', format: 'facebook-dyi', rowsAccepted: 2 });

    const mapped = await post(app, [
      { name: 'file', filename: 'mapped.csv', content: await readFile(path.join(FIXTURES, 'mapped.csv')) },
      { name: 'map', content: 'Ticket Ref=fb_chat_id\nSaid=message_content' },
      { name: 'map', content: '{"When":"social_create_time","Way":"direction"}' },
    ]);
    expect(await uploadIn(mapped.json<{ uploadId: number }>().uploadId, ['completed', 'failed'])).toMatchObject({ status: 'completed', rowsAccepted: 2 });

    const badMap = await post(app, [
      { name: 'map', content: 'Said=nonsense' },
      { name: 'file', filename: 'mapped.csv', content: 'x' },
    ]);
    expect(badMap.statusCode).toBe(400);
    expect(badMap.json()).toMatchObject({ error: 'BAD_MAP', message: expect.stringContaining('unknown field "nonsense"') });
  });

  it('marks an upload failed, with the reason, when the file cannot be imported', async () => {
    const res = await post(app, [{ name: 'file', filename: 'mystery.json', content: await readFile(path.join(FIXTURES, 'unknown.json')) }]);
    expect(res.statusCode).toBe(202);
    const done = await uploadIn(res.json<{ uploadId: number }>().uploadId, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'failed', format: 'unknown' });
    expect(done.errors).toEqual([{ line: 'mystery.json', reason: expect.stringMatching(/a JSON object without participants\/messages/) }]);
  });

  it('refuses a file over the limit with 413 and keeps nothing of it', async () => {
    const small = await buildApp(1000);
    try {
      const res = await post(small, [{ name: 'file', filename: 'big.csv', content: Buffer.alloc(5000, 'a') }]);
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ error: 'FILE_TOO_LARGE', message: expect.stringContaining('1,000 bytes') });
      expect(await readdir(path.join(dataDir, 'uploads'))).not.toContainEqual(expect.stringMatching(/big\.csv$/));
    } finally {
      await small.close();
    }
  });

  it('says what is wrong with a request without a file or not multipart', async () => {
    const noFile = await post(app, [{ name: 'owner', content: 'x' }]);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toMatchObject({ error: 'NO_FILE' });
    const json = await app.inject({ method: 'POST', url: '/api/uploads', payload: { file: 'x' }, headers: auth });
    expect(json.statusCode).toBe(415);
    expect(json.json()).toMatchObject({ error: 'NOT_MULTIPART', requestId: expect.any(String) });
  });
});

describe('GET /api/uploads/:id', () => {
  it('answers 404 for an unknown id and 400 for a non-numeric one', async () => {
    const missing = await app.inject({ url: '/api/uploads/987654', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'NOT_FOUND' });
    for (const bad of ['abc', '-1', '1.5', '99999999999']) {
      const res = await app.inject({ url: `/api/uploads/${bad}`, headers: auth });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST' });
    }
  });
});
