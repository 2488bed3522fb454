import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { startQueue, ANALYSIS_QUEUE } from '../src/jobs/queue.ts';
import { runChecks } from '../src/db/validation-repo.ts';
import { runValidation, stuckAfterSeconds, type ValidationDeps } from '../src/jobs/validation/run.ts';
import { validationTaskProvider } from '../src/jobs/validation/tasks.ts';
import { COMPONENT_WEIGHTS } from '../src/domain/validation.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { insertCleanData, type CleanData } from './helpers/validation-data.ts';
import { unstartedQueue } from './helpers/root.ts';

// Validation against real databases: a clean one scores high; one with injected problems (an
// orphan message, an out-of-range CSI, an unanswered customer, a stuck job) has each found,
// loses the documented points, and `fix` re-queues the stuck job on the analysis queue and
// audits it.

const NOW = TEST_NOW;
const HOUR = 3_600_000;
const config = { analysis: { batchSize: 100, concurrency: 1, maxAttempts: 2, jobTimeoutSeconds: 300 }, businessTimezone: 'UTC' };

let clean: TestDatabase;
let broken: TestDatabase;
let data: CleanData;
let stuckJobId: number;
let unansweredConversation: number;
let badDay: number;

const deps = (db: TestDatabase): ValidationDeps => ({ pool: db.pool, boss: unstartedQueue(db.url), config, now: () => NOW });

beforeAll(async () => {
  [clean, broken] = await Promise.all([createTestDatabase('validation_clean'), createTestDatabase('validation_broken')]);
  await insertCleanData(clean.pool, NOW);
  data = await insertCleanData(broken.pool, NOW);

  // 1. an orphan: a message whose conversation does not exist (the bulk importer writes with
  //    foreign keys off in replica mode, so a bug there can leave exactly this)
  const c = await broken.pool.connect();
  try {
    await c.query('SET session_replication_role = replica');
    await c.query(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES (987654, 'm-orphan', 'to_company', 'customer', 'hello?', $1)`, [new Date(NOW.getTime() - HOUR)]);
    await c.query('RESET session_replication_role');
  } finally {
    c.release();
  }
  // 2. an out-of-range score
  const day = await broken.pool.query<{ id: number }>(`UPDATE daily_analyses SET csi = 140 WHERE conversation_id = $1 RETURNING id`, [data.conversationIds[0]]);
  badDay = day.rows[0]!.id;
  // 3. a customer waiting for an answer for 3 hours (scored, so only this rule sees it)
  const asked = new Date(NOW.getTime() - 3 * HOUR);
  const conv = await broken.pool.query<{ id: number }>(
    `INSERT INTO conversations (fb_chat_id, page_id, total_messages, customer_messages, first_message_at, last_message_at, updated_at)
     VALUES ('chat-waiting', $1, 1, 1, $2, $2, now()) RETURNING id`,
    [data.pageId, asked],
  );
  unansweredConversation = conv.rows[0]!.id;
  await broken.pool.query(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, 'm-waiting', 'to_company', 'customer', 'Anyone there?', $2)`, [unansweredConversation, asked]);
  await broken.pool.query(`INSERT INTO processed_chats (fb_chat_id, message_count) VALUES ('chat-waiting', 1)`);
  // 4. a job in progress for longer than the stuck threshold (its worker died)
  const started = new Date(NOW.getTime() - (stuckAfterSeconds(config) + 60) * 1000);
  const job = await broken.pool.query<{ id: number }>(`INSERT INTO jobs (status, attempts, created_at, started_at) VALUES ('in_progress', 1, $1, $1) RETURNING id`, [started]);
  stuckJobId = job.rows[0]!.id;
  // 5. a webhook event acknowledged ten minutes ago and never turned into a message (the
  //    materializer is down); receipts (state done) never count
  await broken.pool.query(
    `INSERT INTO messenger_events (event_key, page_id, psid, kind, timestamp, payload, state, received_at)
     VALUES ('m-unstored', 'P1', 'PSID1', 'message', $1, '{}', 'pending', $1), ('read:P1:PSID1:1', 'P1', 'PSID1', 'read', $1, '{}', 'done', $1)`,
    [new Date(NOW.getTime() - 10 * 60_000)],
  );
  await broken.pool.query(`INSERT INTO job_daily_analyses (job_id, daily_analysis_id) SELECT $1, id FROM daily_analyses WHERE conversation_id = $2`, [stuckJobId, data.conversationIds[1]]);
});

afterAll(async () => {
  await clean?.drop();
  await broken?.drop();
});

describe('validation on a clean database', () => {
  it('finds nothing outside performance and scores high', async () => {
    const r = await runValidation(deps(clean), { fix: false, trigger: 'manual' });
    const functional = r.report.issues.filter((i) => i.component !== 'performance');
    expect(functional).toEqual([]);
    for (const c of ['database_integrity', 'data_quality', 'business_rules', 'freshness'] as const) expect(r.report.componentScores[c]).toBe(100);
    // performance is timed on a shared test machine: even at 0 the rest keeps it above 85
    expect(r.report.healthScore).toBeGreaterThanOrEqual(85);
    const stored = await clean.pool.query('SELECT health_score, trigger, component_scores FROM validation_runs WHERE id = $1', [r.run.id]);
    expect(stored.rows[0]).toMatchObject({ health_score: r.report.healthScore, trigger: 'manual' });
    expect(Object.keys(stored.rows[0].component_scores).sort()).toEqual(Object.keys(COMPONENT_WEIGHTS).sort());
  });
});

describe('validation with injected problems', () => {
  it('finds each problem, with samples, and the score drops by the documented penalties', async () => {
    const r = await runValidation(deps(broken), { fix: false, trigger: 'manual' });
    const byCheck = new Map(r.report.issues.map((i) => [i.check, i]));
    expect(byCheck.get('orphan_messages')).toMatchObject({ count: 1, severity: 'critical', component: 'database_integrity' });
    expect(byCheck.get('out_of_range_scores')).toMatchObject({ count: 1, samples: [badDay] });
    expect(byCheck.get('unanswered_messages')).toMatchObject({ count: 1, samples: [unansweredConversation] });
    expect(byCheck.get('stuck_jobs')).toMatchObject({ count: 1, samples: [stuckJobId], fix: 'requeue_stuck_jobs' });
    expect(byCheck.get('unstored_events')).toMatchObject({ count: 1, samples: ['m-unstored'], severity: 'critical', component: 'freshness' });
    expect([...byCheck.keys()].filter((k) => !k.startsWith('slow_query:')).sort()).toEqual(['orphan_messages', 'out_of_range_scores', 'stuck_jobs', 'unanswered_messages', 'unstored_events']);
    // penalties: orphan 20, out-of-range 15, unanswered 10, stuck job 15, unstored event 10
    expect(r.report.componentScores).toMatchObject({ database_integrity: 80, data_quality: 85, business_rules: 90, freshness: 75 });
    const expected = 0.25 * 80 + 0.2 * 85 + 0.25 * 90 + 0.15 * r.report.componentScores.performance + 0.15 * 75;
    expect(r.report.healthScore).toBeCloseTo(expected, 0);
    expect(r.report.recommendations.length).toBe(5);
    expect(r.fixes).toEqual([]);
    const job = await broken.pool.query('SELECT status FROM jobs WHERE id = $1', [stuckJobId]);
    expect(job.rows[0].status).toBe('in_progress');
  });

  it('a customer waiting in the handoff queue or a blocked one is not counted as unanswered', async () => {
    await broken.pool.query(`UPDATE conversations SET handoff_state = 'waiting' WHERE id = $1`, [unansweredConversation]);
    const r = await runValidation(deps(broken), { fix: false, trigger: 'manual' });
    expect(r.report.issues.find((i) => i.check === 'unanswered_messages')).toBeUndefined();
    await broken.pool.query(`UPDATE conversations SET handoff_state = 'bot' WHERE id = $1`, [unansweredConversation]);
    const blocked = await broken.pool.query<{ id: number }>(`INSERT INTO customers (page_id, psid, blocked) VALUES ($1, 'PSID-blocked', true) RETURNING id`, [data.pageId]);
    await broken.pool.query(`UPDATE conversations SET customer_id = $2 WHERE id = $1`, [unansweredConversation, blocked.rows[0]!.id]);
    const r2 = await runValidation(deps(broken), { fix: false, trigger: 'manual' });
    expect(r2.report.issues.find((i) => i.check === 'unanswered_messages')).toBeUndefined();
    await broken.pool.query(`UPDATE conversations SET customer_id = NULL WHERE id = $1`, [unansweredConversation]);
    const r3 = await runValidation(deps(broken), { fix: false, trigger: 'manual' });
    expect(r3.report.issues.find((i) => i.check === 'unanswered_messages')?.count).toBe(1);
  });

  it('fix re-queues the stuck job on the analysis queue, logs it, and a second fix finds nothing to do', async () => {
    const boss = await startQueue(broken.url, { maxAttempts: 2, jobTimeoutSeconds: 300 });
    await boss.stop({ graceful: false, wait: true });
    const r = await runValidation(deps(broken), { fix: true, trigger: 'cli' });
    expect(r.fixes).toEqual([{ fix: 'requeue_stuck_jobs', ok: true, affected: [stuckJobId] }]);
    const job = await broken.pool.query('SELECT status, error FROM jobs WHERE id = $1', [stuckJobId]);
    expect(job.rows[0].status).toBe('pending');
    expect(job.rows[0].error).toMatch(/requeued by validation/);
    const queued = await broken.pool.query(`SELECT data FROM pgboss.job WHERE name = $1`, [ANALYSIS_QUEUE]);
    expect(queued.rows.map((q) => q.data)).toEqual([{ jobId: stuckJobId }]);
    const audit = await broken.pool.query(`SELECT action, target, details FROM audit_logs WHERE action = 'validation.fix'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ target: 'requeue_stuck_jobs', details: { ok: true, affected: [stuckJobId], trigger: 'cli' } });
    const stored = await broken.pool.query('SELECT fixes FROM validation_runs WHERE id = $1', [r.run.id]);
    expect(stored.rows[0].fixes).toEqual(r.fixes);

    // the real analysis worker takes the re-queued message and completes the job
    const pipeline = await openAnalysisPipeline(broken.url, { config: { ...config, csiWeights: {} }, scorer: createOfflineScorer() });
    try {
      await pipeline.waitForIdle();
    } finally {
      await pipeline.stop();
    }
    expect((await broken.pool.query('SELECT status FROM jobs WHERE id = $1', [stuckJobId])).rows[0].status).toBe('completed');

    const again = await runValidation(deps(broken), { fix: true, trigger: 'cli' });
    expect(again.report.issues.find((i) => i.check === 'stuck_jobs')).toBeUndefined();
    expect(again.fixes).toEqual([]);
    expect((await broken.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [ANALYSIS_QUEUE])).rows[0].n).toBe(1);
    // the job re-scored its day: the injected out-of-range CSI was on another day, so it stays
    expect(again.report.issues.find((i) => i.check === 'out_of_range_scores')?.count).toBe(1);
  });

  it('a stale metric cache is found and refreshed by fix', async () => {
    // (the job the worker just completed finished moments ago: inside the refresh grace period)
    await broken.pool.query(`UPDATE jobs SET completed_at = $1 WHERE status = 'completed'`, [new Date(NOW.getTime() - 3 * HOUR)]);
    await broken.pool.query(`UPDATE metrics SET calculated_at = $1`, [new Date(NOW.getTime() - 10 * HOUR)]);
    const r = await runValidation(deps(broken), { fix: true, trigger: 'cli' });
    expect(r.report.issues.find((i) => i.check === 'stale_metrics')).toMatchObject({ fix: 'refresh_metrics' });
    expect(r.fixes).toEqual([{ fix: 'refresh_metrics', ok: true, affected: ['metrics'] }]);
    const m = await broken.pool.query<{ at: Date }>(`SELECT max(calculated_at) AS at FROM metrics`);
    expect(m.rows[0]!.at.getTime()).toBeGreaterThan(NOW.getTime() - 60_000);
    const audit = await broken.pool.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'validation.fix' AND target = 'refresh_metrics'`);
    expect(audit.rows[0].n).toBe(1);
  });

  it('finds foreign key triggers that were disabled', async () => {
    await broken.pool.query('ALTER TABLE sessions DISABLE TRIGGER ALL');
    try {
      const r = await runValidation(deps(broken), { fix: false, trigger: 'manual' });
      const fk = r.report.issues.find((i) => i.check === 'fk_constraints');
      expect(fk?.samples).toEqual(['foreign key triggers disabled on sessions']);
    } finally {
      await broken.pool.query('ALTER TABLE sessions ENABLE TRIGGER ALL');
    }
  });
});

describe('validationTaskProvider', () => {
  it('offers one hourly task in the business timezone that stores a scheduled run', async () => {
    const provider = validationTaskProvider({ pool: clean.pool, boss: unstartedQueue(clean.url), config: { ...config, businessTimezone: 'Europe/Berlin' } });
    const tasks = await provider.tasks();
    expect(tasks.map((t) => [t.key, t.cron, t.timezone])).toEqual([['validation', '5 * * * *', 'Europe/Berlin']]);
    await tasks[0]!.run(NOW);
    const runs = await clean.pool.query(`SELECT trigger FROM validation_runs ORDER BY id DESC LIMIT 1`);
    expect(runs.rows[0].trigger).toBe('schedule');
  });
});

describe('validation on an empty database', () => {
  it('runs, stores a run and finds nothing to complain about; then: days left unscored count once their business day closed', async () => {
    const empty = await createTestDatabase('validation_empty');
    try {
      const r = await runValidation(deps(empty), { fix: true, trigger: 'manual' });
      expect(r.report.issues.filter((i) => i.component !== 'performance')).toEqual([]);
      expect(r.fixes).toEqual([]);
      expect(r.lastAnalysisAt).toBeNull();
      expect(r.metricsAt).toBeNull();

      // changed conversations never planned: today's (02:00Z), late yesterday UTC but today in
      // Berlin (23:30Z), and yesterday's (20:00Z)
      const page = await empty.pool.query<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('P', 'P', now()) RETURNING id`);
      const ids: Record<string, number> = {};
      for (const [name, last] of [['today', '2026-12-01T02:00:00Z'], ['lateYesterdayUtc', '2026-11-30T23:30:00Z'], ['yesterday', '2026-11-30T20:00:00Z']] as const) {
        const c = await empty.pool.query<{ id: number }>(
          `INSERT INTO conversations (fb_chat_id, page_id, total_messages, last_message_at, updated_at) VALUES ($1, $2, 1, $3, now()) RETURNING id`,
          [name, page.rows[0]!.id, new Date(last)],
        );
        ids[name] = c.rows[0]!.id;
      }
      const unscored = async (now: string, timezone: string) => {
        const findings = await runChecks(empty.pool, { now: new Date(now), lookbackDays: 7, businessHours: 24, stuckAfterSeconds: 600, unscoredAfterHours: 6, timezone });
        return findings.find((f) => f.check === 'unscored_days')!.samples.sort();
      };
      expect(await unscored('2026-12-01T10:00:00Z', 'UTC')).toEqual([`conversation:${ids.lateYesterdayUtc}`, `conversation:${ids.yesterday}`].sort());
      expect(await unscored('2026-12-01T10:00:00Z', 'Europe/Berlin')).toEqual([`conversation:${ids.yesterday}`]);
      // yesterday closed only 5 hours ago: not yet overdue
      expect(await unscored('2026-12-01T05:00:00Z', 'UTC')).toEqual([]);

      // a job planned by conversation writes no day rows until it scores: when it failed, the job counts
      const failed = await empty.pool.query<{ id: number }>(
        `INSERT INTO jobs (status, conversation_ids, days, created_at) VALUES ('failed', $1, 2, '2026-12-01T01:00:00Z') RETURNING id`,
        [[ids.today]],
      );
      expect(await unscored('2026-12-01T10:00:00Z', 'Europe/Berlin')).toEqual([`conversation:${ids.yesterday}`, `job:${failed.rows[0]!.id}`].sort());
    } finally {
      await empty.drop();
    }
  });
});
