import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { computeCsi, type MicroMetrics } from '../src/domain/csi.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import type { Scorer } from '../src/domain/scoring/types.ts';
import type { AnalysisPipeline } from '../src/jobs/analysis/pipeline.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

const TZ = 'Europe/Berlin';
let db: TestDatabase;
let pipeline: AnalysisPipeline;
let failNext = 0;
/** While set, the scorer tells `holding` it was called, then waits for `release`. */
let hold: { holding: () => void; release: Promise<void> } | undefined;

// The offline scorer, made to throw or wait on demand to exercise retries, failed and running jobs.
const offline = createOfflineScorer();
const scorer: Scorer = {
  name: offline.name,
  version: offline.version,
  score: async (days) => {
    if (hold) {
      const h = hold;
      hold = undefined;
      h.holding();
      await h.release;
    }
    if (failNext > 0) {
      failNext--;
      throw new Error('scorer unavailable');
    }
    return offline.score(days);
  },
};

const config = loadConfig({ BUSINESS_TIMEZONE: TZ, ANALYSIS_BATCH_SIZE: '25', ANALYSIS_MAX_ATTEMPTS: '2', ANALYSIS_JOB_TIMEOUT_SECONDS: '30' });

beforeAll(async () => {
  db = await createTestDatabase('analysis');
  await seedDemoData(db.url, { conversations: 120, seed: 3, now: new Date('2026-11-20T12:00:00Z'), timezone: TZ });
  pipeline = await openAnalysisPipeline(db.url, { config, scorer });
});
afterAll(async () => {
  await pipeline?.stop();
  await db?.drop();
});

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
/** The HTTP routes need an API token: reads take a lead's, the job retry an admin's. */
const bearer = async (role: 'lead' | 'admin') => ({
  authorization: `Bearer ${(await createApiToken(db.pool, { user: { kind: 'api', externalId: `analysis-${role}` }, role })).token}`,
});

async function analysedAt(): Promise<Map<number, number>> {
  const rows = await q<{ id: number; at: Date }>('SELECT id, analyzed_at AS at FROM daily_analyses');
  return new Map(rows.map((r) => [r.id, r.at.getTime()]));
}

/** A message from the customer in conversation `conversationId` at `at`, counters kept in step. */
async function addCustomerMessage(conversationId: number, at: string, mid: string) {
  await q(
    `INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time)
     VALUES ($1, $2, 'to_company', 'customer', 'Any update on my order?', $3)`,
    [conversationId, mid, at],
  );
  await q(
    `UPDATE conversations SET total_messages = total_messages + 1, customer_messages = customer_messages + 1,
       last_message_at = greatest(last_message_at, $2) WHERE id = $1`,
    [conversationId, at],
  );
}

describe('analysis pipeline', () => {
  it('scores every conversation-day of the business timezone exactly once', async () => {
    const planned = await pipeline.plan();
    // jobs of whole conversations, about 25 days each, each conversation in one job
    const jobs = await q<{ ids: number[]; days: number }>('SELECT conversation_ids AS ids, days FROM jobs ORDER BY id');
    expect(jobs.length).toBe(planned.jobIds.length);
    expect(jobs.length).toBeGreaterThanOrEqual(Math.ceil(planned.days / 25));
    for (const j of jobs) expect(j.days === 0 || j.days <= 25 || j.ids.length === 1).toBe(true);
    const held = jobs.flatMap((j) => j.ids);
    expect(new Set(held).size).toBe(held.length);
    expect(jobs.reduce((n, j) => n + j.days, 0)).toBe(planned.days);
    const done = await pipeline.waitForIdle();
    expect(done).toMatchObject({ daysDone: planned.days, daysTotal: planned.days, failedJobs: 0 });
    // each row written once, by the job that scored it: created in the transaction of its scores
    const [twice] = await q<{ n: number }>('SELECT count(*)::int AS n FROM daily_analyses WHERE created_at <> analyzed_at');
    expect(twice!.n).toBe(0);

    const [expected] = await q<{ n: number }>(
      `SELECT count(DISTINCT (conversation_id, (social_create_time AT TIME ZONE $1)::date))::int AS n FROM messages`,
      [TZ],
    );
    const rows = await q<Record<string, number | null> & { missing_metrics: string[]; analyzed_at: Date | null; scorer_name: string }>(
      'SELECT * FROM daily_analyses',
    );
    expect(rows.length).toBe(expected!.n);
    expect(planned.days).toBe(expected!.n);
    for (const r of rows) {
      expect(r.analyzed_at).not.toBeNull();
      expect(r.scorer_name).toBe('offline');
      const metrics: MicroMetrics = {
        sentimentScore: r.sentiment_score!,
        sentimentShift: r.sentiment_shift!,
        resolutionAchieved: r.resolution_achieved!,
        fcrScore: r.fcr_score!,
        ces: r.ces!,
        firstResponseTime: r.first_response_time!,
        avgResponseTime: r.avg_response_time!,
        totalHandlingTime: r.total_handling_time!,
      };
      const again = computeCsi(metrics);
      expect(r.csi).toBeCloseTo(again.csi ?? Number.NaN, 9);
      expect(r.missing_metrics).toEqual(again.missing);
    }
    expect(rows.some((r) => r.missing_metrics.includes('firstResponseTime'))).toBe(true); // days without a reply exist
  });

  it('skips chats already processed and rescores only their new or changed days', async () => {
    expect((await pipeline.plan()).days).toBe(0);
    const before = await analysedAt();
    const [a, b] = await q<{ id: number; day: string; last: Date }>(
      `SELECT conversation_id AS id, to_char(day, 'YYYY-MM-DD') AS day, c.last_message_at AS last
       FROM daily_analyses d JOIN conversations c ON c.id = d.conversation_id ORDER BY d.id LIMIT 2`,
    );
    // a: one more message on a day already scored; b: a message on a new day.
    await addCustomerMessage(a!.id, `${a!.day}T12:30:00+01:00`, 'test-existing-day');
    await addCustomerMessage(b!.id, new Date(b!.last.getTime() + 3 * 86_400_000).toISOString(), 'test-new-day');
    const planned = await pipeline.plan();
    expect(planned.days).toBe(2);
    await pipeline.waitForIdle();
    const after = await analysedAt();
    const changed = [...after].filter(([id, at]) => before.get(id) !== at).map(([id]) => id);
    expect(changed).toHaveLength(2);
    const changedRows = await q<{ conversation_id: number }>('SELECT conversation_id FROM daily_analyses WHERE id = ANY($1)', [changed]);
    expect(changedRows.map((r) => r.conversation_id).sort()).toEqual([a!.id, b!.id].sort());
    expect(after.size).toBe(before.size + 1);
    const [dup] = await q<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT conversation_id, day FROM daily_analyses GROUP BY 1, 2 HAVING count(*) > 1) x',
    );
    expect(dup!.n).toBe(0);
  });

  it('serves the metric cache and analyses over HTTP', async () => {
    await pipeline.refreshMetrics();
    const app = await build({ prisma: db.prisma, logger: createLogger('silent'), pool: db.pool, retryJob: pipeline.retry });
    const headers = await bearer('lead');
    const metrics = (await app.inject({ url: '/api/metrics', headers })).json() as { metrics: { name: string; value: number | null }[] };
    const byName = new Map(metrics.metrics.map((m) => [m.name, m.value]));
    const [avg] = await q<{ csi: number }>('SELECT avg(csi) AS csi FROM daily_analyses');
    expect(byName.get('csi.overall')).toBeCloseTo(avg!.csi, 9);
    for (const name of ['pillar.effectiveness', 'pillar.effort', 'pillar.efficiency', 'pillar.empathy', 'response.first.p50_seconds', 'volume.messages']) {
      expect(byName.has(name)).toBe(true);
    }
    expect([...byName.keys()].filter((n) => n.startsWith('csi.page.')).length).toBeGreaterThanOrEqual(2);

    const [conv] = await q<{ id: number; n: number }>('SELECT conversation_id AS id, count(*)::int AS n FROM daily_analyses GROUP BY 1 ORDER BY 1 LIMIT 1');
    const res = await app.inject({ url: `/api/conversations/${conv!.id}/analysis`, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().days).toHaveLength(conv!.n);
    expect((await app.inject({ url: '/api/conversations/999999/analysis', headers })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/conversations/abc/analysis', headers })).json()).toMatchObject({ error: 'BAD_REQUEST' });
    await app.close();
  });

  it('leaves a conversation that a running job holds to a later plan, which scores what the job did not see', async () => {
    const [c] = await q<{ id: number; last: Date }>('SELECT id, last_message_at AS last FROM conversations ORDER BY id LIMIT 1');
    const day = (offset: number) => new Date(c!.last.getTime() + offset * 86_400_000).toISOString();
    let holding!: () => void;
    const running = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    hold = { holding, release: new Promise<void>((resolve) => (release = resolve)) };
    await addCustomerMessage(c!.id, day(2), 'test-held-1');
    expect((await pipeline.plan()).days).toBe(1);
    await running; // the job has read the conversation and is scoring it

    await addCustomerMessage(c!.id, day(4), 'test-held-2');
    const meanwhile = await pipeline.plan();
    expect(meanwhile).toEqual({ days: 0, jobIds: [] }); // not a second job on the same conversation
    release();
    await pipeline.waitForIdle();

    const later = await pipeline.plan();
    expect(later.days).toBe(1); // the day the running job had not seen
    expect((await pipeline.waitForIdle()).failedJobs).toBe(0);
    const rows = await q<{ n: number; scored: number }>(
      `SELECT count(*)::int AS n, count(analyzed_at)::int AS scored FROM daily_analyses WHERE conversation_id = $1 AND day > $2::timestamptz::date`,
      [c!.id, c!.last],
    );
    expect(rows[0]).toEqual({ n: 2, scored: 2 });
    expect((await pipeline.plan()).days).toBe(0);
  });

  it('retries a failing job with backoff, keeps it failed with its error, and retries it on request', async () => {
    const [c] = await q<{ id: number; last: Date }>('SELECT id, last_message_at AS last FROM conversations ORDER BY id DESC LIMIT 1');
    await addCustomerMessage(c!.id, new Date(c!.last.getTime() + 2 * 86_400_000).toISOString(), 'test-failing');
    failNext = 2; // both attempts fail
    const planned = await pipeline.plan();
    expect(planned.jobIds).toHaveLength(1);
    const done = await pipeline.waitForIdle();
    expect(done.failedJobs).toBe(1);
    const jobId = planned.jobIds[0]!;

    const app = await build({ prisma: db.prisma, logger: createLogger('silent'), pool: db.pool, retryJob: pipeline.retry });
    const headers = await bearer('admin');
    const failed = (await app.inject({ url: '/api/jobs?status=failed', headers })).json() as { jobs: { id: number; attempts: number; error: string; result: { stack: string } }[] };
    expect(failed.jobs).toHaveLength(1);
    expect(failed.jobs[0]).toMatchObject({ id: jobId, attempts: 2 });
    expect(failed.jobs[0]!.error).toMatch(/scorer unavailable \(analysis job \d+, attempt 2 of 2\)/);
    expect(failed.jobs[0]!.result.stack).toContain('scorer unavailable');

    expect((await app.inject({ method: 'POST', url: '/api/jobs/999999/retry', headers })).statusCode).toBe(404);
    const retried = await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/retry`, headers });
    expect(retried.statusCode).toBe(202);
    expect(await q('SELECT action, target FROM audit_logs WHERE action = $1', ['job.retry'])).toEqual([{ action: 'job.retry', target: `job:${jobId}` }]);
    await pipeline.waitForIdle();
    const [job] = await q<{ status: string; attempts: number }>('SELECT status, attempts FROM jobs WHERE id = $1', [jobId]);
    expect(job).toEqual({ status: 'completed', attempts: 3 });
    expect((await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/retry`, headers })).statusCode).toBe(409);
    await app.close();
  });
});
