import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetFailedJob } from '../src/db/jobs-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import type { Role } from '../src/domain/access.ts';
import { allowRoles } from '../src/routes/auth.ts';
import { guardApi } from '../src/routes/guard.ts';
import type { TestDatabase } from './helpers/db.ts';
import { openApiApp, type ApiApp } from './helpers/api-app.ts';
import { multipart } from './helpers/multipart.ts';

// "Nothing twice": a client that sends a request again (a retry after a timeout, two clicks, two
// workers) must not cause a second effect, and a HEAD must not do what its GET does. POST
// /api/errors and POST /api/uploads take an Idempotency-Key; the export routes answer HEAD without
// exporting or auditing; a job retried twice at once is put back once.

const NOW = new Date('2026-11-22T12:00:00Z');

let db: TestDatabase;
let app: FastifyInstance;
let dataDir: string;
const tokens = {} as Record<Role, string>;

/** The analysis queue's retry as the service runs it, minus pg-boss; see the job retry case. */
let retryJob: (id: number) => Promise<boolean> = async () => true;

const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(text, params)).rows as T[];
}

let api: ApiApp;

beforeAll(async () => {
  api = await openApiApp('api_retries', {
    roles: ['admin', 'lead', 'developer'],
    now: NOW,
    retryJob: (id) => retryJob(id),
    uploadsPerMinute: 1000,
    seed: (d) => seedDemoData(d.url, { conversations: 6, seed: 19, now: NOW, timezone: 'UTC' }).then(() => {}),
  });
  ({ db, app, dataDir } = api);
  Object.assign(tokens, api.tokens);
});

afterAll(async () => {
  await api?.close();
});

describe('POST /api/errors with an Idempotency-Key', () => {
  const report = (headers: Record<string, string | string[]>, body: object, role: Role = 'developer') =>
    app.inject({ method: 'POST', url: '/api/errors', headers: { ...bearer(role), ...headers }, payload: body });
  const rowsUnder = (key: string) => sql<{ id: number }>(`SELECT id FROM error_logs WHERE idempotency_key = $1 ORDER BY id`, [key]);

  it('stores a report once: the retry answers 200 with the row stored the first time', async () => {
    const body = { source: 'n8n:intake', message: 'timeout calling Graph', context: { execution: 41, node: 'HTTP' } };
    const first = await report({ 'idempotency-key': 'exec-41' }, body);
    expect(first.statusCode).toBe(201);
    const again = await report({ 'idempotency-key': 'exec-41' }, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    // the same report with its context's keys in another order is the same report
    const reordered = await report({ 'idempotency-key': 'exec-41' }, { context: { node: 'HTTP', execution: 41 }, message: body.message, source: ' n8n:intake ' });
    expect(reordered.statusCode).toBe(200);
    expect(reordered.json().id).toBe(first.json().id);
    expect(await rowsUnder('exec-41')).toEqual([{ id: first.json().id }]);
  });

  it('answers the same key with another report 422 IDEMPOTENCY_KEY_REUSED and stores nothing', async () => {
    const first = await report({ 'idempotency-key': 'exec-42' }, { source: 'n8n:intake', message: 'first' });
    expect(first.statusCode).toBe(201);
    const other = await report({ 'idempotency-key': 'exec-42' }, { source: 'n8n:intake', message: 'second' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'IDEMPOTENCY_KEY_REUSED', requestId: other.headers['x-request-id'] });
    expect(other.json().message).toContain(`error ${first.json().id}`);
    expect(await rowsUnder('exec-42')).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM error_logs WHERE message = 'second'`)).toHaveLength(0);
  });

  it("keeps each token's keys its own", async () => {
    const body = { source: 'n8n:intake', message: 'same key, two senders' };
    const mine = await report({ 'idempotency-key': 'shared-key' }, body, 'developer');
    const theirs = await report({ 'idempotency-key': 'shared-key' }, body, 'lead');
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.json().id).not.toBe(mine.json().id);
    // each sender's retry finds its own row
    expect((await report({ 'idempotency-key': 'shared-key' }, body, 'developer')).json()).toEqual(mine.json());
    const theirRetry = await report({ 'idempotency-key': 'shared-key' }, body, 'lead');
    expect(theirRetry.statusCode).toBe(200);
    expect(theirRetry.json()).toEqual(theirs.json());
  });

  it('stores one row when the same request arrives ten times at once', async () => {
    const body = { source: 'n8n:intake', message: 'burst', context: { attempt: 1 } };
    const answers = await Promise.all(Array.from({ length: 10 }, () => report({ 'idempotency-key': 'burst-1' }, body)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
    expect(await rowsUnder('burst-1')).toHaveLength(1);
  });

  it('takes a key of 200 printable ASCII characters; without the header every report is stored, as before', async () => {
    const key = `${'k'.repeat(190)} ~!@#$%^&z`;
    expect(key).toHaveLength(200);
    const body = { source: 'n8n:long', message: 'long key' };
    const first = await report({ 'idempotency-key': key }, body);
    expect(first.statusCode).toBe(201);
    expect((await report({ 'idempotency-key': key }, body)).statusCode).toBe(200);
    expect((await report({}, body)).statusCode).toBe(201);
    expect((await report({}, body)).statusCode).toBe(201);
    expect(await sql(`SELECT 1 FROM error_logs WHERE source = 'n8n:long'`)).toHaveLength(3);
  });

  const bad: [string, Record<string, string | string[]>, RegExp][] = [
    ['an empty key', { 'idempotency-key': '' }, /is empty/],
    ['a key over 200 characters', { 'idempotency-key': 'k'.repeat(201) }, /201 characters long; at most 200/],
    ['a key with a character that is not ASCII', { 'idempotency-key': 'clé' }, /not printable ASCII/],
    ['the header twice', { 'idempotency-key': ['a-1', 'a-2'] }, /more than once/],
  ];
  for (const [what, headers, problem] of bad) {
    it(`refuses ${what}: 400 naming the header, nothing stored`, async () => {
      const res = await report(headers, { source: 'n8n:bad-key', message: what });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'Idempotency-Key', problem: expect.stringMatching(problem) }] });
      expect(await sql(`SELECT 1 FROM error_logs WHERE source = 'n8n:bad-key'`)).toHaveLength(0);
    });
  }
});

describe('HEAD on the export routes', () => {
  const exports = ['/api/sessions/export', '/api/conversations/export'];
  const audits = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM audit_logs WHERE action = 'api.export'`))[0]!.n);

  for (const url of exports) {
    it(`${url}: the GET's status and headers, no body, no export and no audit row`, async () => {
      for (const format of ['csv', 'json']) {
        const before = await audits();
        const head = await app.inject({ method: 'HEAD', url: `${url}?format=${format}`, headers: bearer('lead') });
        expect(head.statusCode).toBe(200);
        expect(head.body).toBe('');
        expect(await audits()).toBe(before);
        const get = await app.inject({ method: 'GET', url: `${url}?format=${format}`, headers: bearer('lead') });
        expect(get.statusCode).toBe(200);
        expect(get.body.length).toBeGreaterThan(50);
        expect(await audits()).toBe(before + 1);
        for (const h of ['content-type', 'content-disposition']) expect(head.headers[h], h).toBe(get.headers[h]);
        // a streamed GET says no length; the HEAD must not claim an empty body
        expect(head.headers['content-length']).toBeUndefined();
      }
      // checked as the GET is: 401, 403, 400; and nothing written for those either
      const before = await audits();
      expect((await app.inject({ method: 'HEAD', url })).statusCode).toBe(401);
      const agent = (await createApiToken(db.pool, { user: { kind: 'api', externalId: `retries-agent-${randomBytes(3).toString('hex')}` }, role: 'agent' })).token;
      expect((await app.inject({ method: 'HEAD', url, headers: { authorization: `Bearer ${agent}` } })).statusCode).toBe(403);
      expect((await app.inject({ method: 'HEAD', url: `${url}?period=someday`, headers: bearer('lead') })).statusCode).toBe(400);
      expect((await app.inject({ method: 'HEAD', url: `${url}?format=xml`, headers: bearer('lead') })).statusCode).toBe(400);
      expect(await audits()).toBe(before);
    });
  }
});

describe('POST /api/jobs/:id/retry sent twice at once', () => {
  it('puts the job back once: one 202 and one audit row, the other request a 409', async () => {
    const [job] = await sql<{ id: number }>(`INSERT INTO jobs (status, error) VALUES ('failed', 'scorer down') RETURNING id`);
    // both requests have found the job failed before either puts it back (the race a retry makes)
    let arrived = 0;
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    retryJob = async (id) => {
      if (++arrived === 2) release();
      await bothIn;
      const client = await db.pool.connect();
      try {
        return await resetFailedJob(client, id);
      } finally {
        client.release();
      }
    };
    try {
      const answers = await Promise.all([1, 2].map(() => app.inject({ method: 'POST', url: `/api/jobs/${job!.id}/retry`, headers: bearer('admin') })));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409]);
      expect(answers.find((a) => a.statusCode === 409)!.json()).toMatchObject({ error: 'CONFLICT' });
      expect(await sql(`SELECT 1 FROM audit_logs WHERE action = 'job.retry' AND target = $1`, [`job:${job!.id}`])).toHaveLength(1);
      expect(await sql(`SELECT status::text FROM jobs WHERE id = $1`, [job!.id])).toEqual([{ status: 'pending' }]);
    } finally {
      retryJob = async () => true;
    }
  });
});

describe('POST /api/uploads with an Idempotency-Key', () => {
  const csv = (text: string) =>
    `fb_chat_id,message_id,direction,message_content,social_create_time,page_id,page_name\r\nt_retry,m_${text.replace(/\W/g, '_')},to_company,${text},2026-11-02T09:00:00Z,104882371956299,Retry Shop\r\n`;
  const upload = (key: string | undefined, content: string) => {
    const form = multipart([{ name: 'file', filename: 'inbox.csv', content }]);
    return app.inject({ method: 'POST', url: '/api/uploads', payload: form.payload, headers: { ...form.headers, ...bearer('admin'), ...(key ? { 'idempotency-key': key } : {}) } });
  };
  const underKey = (key: string) => sql<{ id: number }>(`SELECT id FROM uploads WHERE idempotency_key = $1`, [key]);
  const audited = (id: number) => sql(`SELECT 1 FROM audit_logs WHERE action = 'upload.create' AND target = $1`, [`upload:${id}`]);

  it('imports a file once: the same upload again (twice at once, then later) answers 200 with the first upload; another file under the key is a 422', async () => {
    const sent = await Promise.all([1, 2].map(() => upload('upload-7', csv('hello'))));
    expect(sent.map((r) => r.statusCode).sort()).toEqual([200, 202]);
    const { uploadId } = sent.find((r) => r.statusCode === 202)!.json() as { uploadId: number };
    expect(sent.find((r) => r.statusCode === 200)!.json()).toMatchObject({ uploadId });
    const later = await upload('upload-7', csv('hello'));
    expect(later.statusCode).toBe(200);
    expect(later.json()).toEqual({ uploadId, status: expect.stringMatching(/^(pending|processing|completed)$/) });
    const other = await upload('upload-7', csv('another file'));
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining(`upload ${uploadId}`) });
    expect(await underKey('upload-7')).toEqual([{ id: uploadId }]);
    expect(await audited(uploadId)).toHaveLength(1);
    // the copies of the refused and repeated uploads are deleted, the imported one once its import ends
    await expect.poll(async () => (await readdir(path.join(dataDir, 'uploads'))).length).toBe(0);
    expect((await sql<{ status: string }>(`SELECT status::text FROM uploads WHERE id = $1`, [uploadId]))[0]!.status).toBe('completed');
  });

  it('takes each upload without the header, as before, and refuses a bad key before reading the file', async () => {
    const before = (await sql(`SELECT 1 FROM uploads`)).length;
    expect((await upload(undefined, csv('plain'))).statusCode).toBe(202);
    expect((await upload(undefined, csv('plain'))).statusCode).toBe(202);
    const bad = await upload('k'.repeat(201), csv('bad key'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'Idempotency-Key' }] });
    expect((await sql(`SELECT 1 FROM uploads`)).length).toBe(before + 2);
    await expect.poll(async () => (await readdir(path.join(dataDir, 'uploads'))).length).toBe(0);
  });
});

describe('a refused HEAD', () => {
  it('is not audited, as a refused GET is not (a route whose refusals are audited answers HEAD too)', async () => {
    const probe = Fastify();
    await probe.register(async (api) => {
      await guardApi(api, { pool: db.pool, max: 1000 });
      api.get('/api/probe', { preParsing: allowRoles(['admin'], 'probing', db.pool) }, async () => ({ ok: true }));
      api.post('/api/probe', { preParsing: allowRoles(['admin'], 'probing', db.pool) }, async () => ({ ok: true }));
    });
    try {
      const refusals = async () => (await sql(`SELECT 1 FROM audit_logs WHERE action = 'api.refused' AND target LIKE '% /api/probe'`)).length;
      for (const method of ['GET', 'HEAD'] as const) expect((await probe.inject({ method, url: '/api/probe', headers: bearer('lead') })).statusCode).toBe(403);
      expect(await refusals()).toBe(0);
      expect((await probe.inject({ method: 'POST', url: '/api/probe', headers: bearer('lead'), payload: {} })).statusCode).toBe(403);
      expect(await refusals()).toBe(1);
    } finally {
      await probe.close();
    }
  });
});
