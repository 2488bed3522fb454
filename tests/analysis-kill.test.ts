import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrator.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { cloneDatabase, createEmptyDatabase, query } from './helpers/db.ts';

// At-least-once delivery with idempotent handlers: a worker killed mid-run (SIGKILL, no
// cleanup) and run again leaves exactly the rows an uninterrupted run leaves.

const root = path.resolve(import.meta.dirname, '..');
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => {});
});

function analyze(url: string): { proc: ChildProcess; output: () => string; done: Promise<{ code: number | null; output: string }> } {
  const proc = spawn(process.execPath, ['bin/pulse.js', 'analyze'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: '/tmp',
      DATABASE_URL: url,
      ANALYSIS_BATCH_SIZE: '50',
      // A killed worker's jobs are handed out again this soon after it died.
      ANALYSIS_JOB_TIMEOUT_SECONDS: '2',
    },
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { proc, output: () => output, done: new Promise((resolve) => proc.on('exit', (code) => resolve({ code, output }))) };
}


const SNAPSHOT = `SELECT conversation_id, to_char(day, 'YYYY-MM-DD') AS day, message_count, sentiment_score, sentiment_shift,
  resolution_achieved, fcr_score, ces, first_response_time, avg_response_time, total_handling_time,
  effectiveness, effort, efficiency, empathy, csi, missing_metrics, scorer_name, scorer_version, analyzed_at IS NOT NULL AS analyzed
  FROM daily_analyses ORDER BY conversation_id, day`;

const LABELS = `SELECT
  (SELECT md5(string_agg(id || ':' || coalesce(classification, '-') || ':' || coalesce(classification_confidence::text, '-'), ',' ORDER BY id))
     FROM messages) AS labels,
  (SELECT count(*)::int FROM messages WHERE sender_kind = 'customer' AND classification IS NULL AND text ~ '[[:alnum:]]') AS unlabelled,
  (SELECT md5(string_agg(id || ':' || coalesce(common_topics::text, '-'), ',' ORDER BY id)) FROM conversations) AS topics`;

describe('analysis worker killed mid-run', () => {
  it('yields exactly the rows of an uninterrupted run', { timeout: 300_000 }, async () => {
    const killed = await createEmptyDatabase('kill');
    cleanups.push(() => killed.drop());
    await migrate(killed.url);
    const seeded = await seedDemoData(killed.url, { conversations: 6800, seed: 11, now: new Date('2026-11-20T12:00:00Z'), timezone: 'UTC' });
    // A third of the customer messages unlabelled and half the topics unset, as an import
    // leaves them: the jobs label and fill them, and must do so exactly once too.
    await query(killed.url, `UPDATE messages SET classification = NULL, classification_confidence = NULL
                             WHERE sender_kind = 'customer' AND id % 3 = 0`);
    await query(killed.url, 'UPDATE conversations SET common_topics = NULL WHERE id % 2 = 0');
    const reference = await cloneDatabase(killed.url, 'reference');
    cleanups.push(() => reference.drop());

    const uninterrupted = await analyze(reference.url).done;
    expect(uninterrupted.code, uninterrupted.output).toBe(0);
    const expected = await query(reference.url, SNAPSHOT);
    const expectedLabels = await query<{ unlabelled: number }>(reference.url, LABELS);
    expect(expectedLabels[0]!.unlabelled).toBe(0); // only messages without words stay unlabelled
    expect(expected.length).toBeGreaterThan(9_500); // ~10,000 conversation-days
    expect(seeded.conversations).toBe(6800);

    const first = analyze(killed.url);
    let totalJobs = 0;
    for (;;) {
      const [row] = await query<{ done: number; total: number }>(
        killed.url,
        `SELECT count(*) FILTER (WHERE status = 'completed')::int AS done, count(*)::int AS total FROM jobs`,
      );
      totalJobs = row!.total;
      // killed while scoring, once the whole plan committed (it commits in chunks, and workers
      // start on the first ones meanwhile; a plan killed between chunks: analysis-plan.test.ts)
      if (first.output().includes('planned ') && row!.done >= totalJobs * 0.3) break;
      if (first.proc.exitCode !== null) throw new Error(`analyze finished before it could be killed:\n${(await first.done).output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.proc.kill('SIGKILL');
    await first.done;
    const [mid] = await query<{ done: number; analysed: number }>(
      killed.url,
      `SELECT (SELECT count(*)::int FROM jobs WHERE status = 'completed') AS done,
              (SELECT count(*)::int FROM daily_analyses WHERE analyzed_at IS NOT NULL) AS analysed`,
    );
    expect(mid!.done).toBeLessThan(totalJobs); // really killed mid-run
    expect(mid!.analysed).toBeLessThan(expected.length);

    const second = await analyze(killed.url).done;
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('planned 0 conversation-day(s)'); // nothing planned twice

    expect(await query(killed.url, SNAPSHOT)).toEqual(expected);
    expect(await query(killed.url, LABELS)).toEqual(expectedLabels);
    // every day scored by exactly one completed job: the jobs' day counts add up to the rows
    const [jobs] = await query<{ completed: number; total: number; scored: number; days: number }>(
      killed.url,
      `SELECT (SELECT count(*)::int FROM jobs WHERE status = 'completed') AS completed, (SELECT count(*)::int FROM jobs) AS total,
              (SELECT sum(days)::int FROM jobs) AS scored, (SELECT count(*)::int FROM daily_analyses) AS days`,
    );
    expect(jobs).toEqual({ completed: totalJobs, total: totalJobs, scored: expected.length, days: expected.length });
  });
});
