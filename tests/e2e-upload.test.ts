import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/db/pool.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createEmptyDatabase } from './helpers/db.ts';
import { freePort } from './helpers/net.ts';
import { killAllServices, startService } from './helpers/service.ts';

// The running service end to end: an upload is imported in the background, its conversation
// days are analysed by the in-process workers, and the metric cache is refreshed.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAllServices();
  for (const c of cleanups) await c().catch(() => {});
});

async function poll<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('upload → import → analysis → metrics', () => {
  it('analyses an uploaded chat log in the background', async () => {
    const db = await createEmptyDatabase('e2e');
    cleanups.push(() => db.drop());
    const svc = startService({ DATABASE_URL: db.url, DEMO_DATA: 'false' }, await freePort());
    await svc.waitReady();
    // Every /api route takes a token (`pulse token create` does the same); a lead may upload and read.
    const pool = createPool(db.url, 1);
    const { token } = await createApiToken(pool, { user: { kind: 'api', externalId: 'e2e-lead' }, role: 'lead' }).finally(() => pool.end());
    const authorization = `Bearer ${token}`;
    // The polls below may outrun the rate limit (100 a minute per token) on a loaded machine:
    // a 429 is waited out as its retry-after says, not taken for an answer.
    const get = async (pathname: string): Promise<Response> => {
      const res = await fetch(`http://127.0.0.1:${svc.port}${pathname}`, { headers: { authorization } });
      if (res.status !== 429) return res;
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      return get(pathname);
    };

    const csv = await readFile(path.join(import.meta.dirname, 'fixtures/import/inbox.csv'));
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'inbox.csv');
    const res = await fetch(`http://127.0.0.1:${svc.port}/api/uploads`, { method: 'POST', body: form, headers: { authorization } });
    expect(res.status).toBe(202);
    const { uploadId } = (await res.json()) as { uploadId: number };

    const upload = await poll(async () => {
      const u = (await (await get(`/api/uploads/${uploadId}`)).json()) as { status: string; rowsAccepted: number; rowsRejected: number };
      return u.status === 'completed' || u.status === 'failed' ? u : undefined;
    }, 'the upload');
    expect(upload).toMatchObject({ status: 'completed', rowsRejected: 3 });

    const jobs = await poll(async () => {
      const j = (await (await get('/api/jobs')).json()) as { jobs: { status: string; uploadId: number | null }[] };
      return j.jobs.length > 0 && j.jobs.every((x) => x.status === 'completed') ? j.jobs : undefined;
    }, 'the analysis jobs');
    expect(jobs.every((j) => j.uploadId === uploadId)).toBe(true);

    const csi = await poll(async () => {
      const m = (await (await get('/api/metrics')).json()) as { metrics: { name: string; value: number | null; metadata: { days?: number } }[] };
      const overall = m.metrics.find((x) => x.name === 'csi.overall');
      return overall && (overall.metadata.days ?? 0) > 0 ? overall : undefined;
    }, 'the metric cache');
    expect(csi.value).toBeGreaterThan(0);
    expect(csi.value).toBeLessThanOrEqual(100);

    const analysis = (await (await get('/api/conversations/1/analysis')).json()) as { days: { csi: number | null; scorerName: string }[] };
    expect(analysis.days.length).toBeGreaterThan(0);
    expect(analysis.days[0]!.scorerName).toBe('offline');
    svc.proc.kill('SIGTERM');
    expect(await svc.waitExit()).not.toBeNull();
  });
});
