import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueue } from '../src/jobs/queue.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { insertCleanData } from './helpers/validation-data.ts';

// `pulse validate` as an operator runs it: a real process against DATABASE_URL. The readable
// report, --json, --fix re-queueing a stuck job, and exit code 1 below --min-score.

const root = path.resolve(import.meta.dirname, '..');

function pulse(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ['bin/pulse.js', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', LOG_LEVEL: 'silent', ...env } });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

let db: TestDatabase;
let stuckJob: number;
beforeAll(async () => {
  db = await createTestDatabase('validation_cli');
  // `pulse validate` runs in its own process on the system clock: the data is made fresh for it
  await insertCleanData(db.pool, new Date());
  // the service has run once (pg-boss schema exists), then its worker died mid-job
  const boss = await startQueue(db.url, { maxAttempts: 2, jobTimeoutSeconds: 300 });
  await boss.stop({ graceful: false, wait: true });
  const job = await db.pool.query<{ id: number }>(`INSERT INTO jobs (status, attempts, started_at) VALUES ('in_progress', 1, now() - interval '2 hours') RETURNING id`);
  stuckJob = job.rows[0]!.id;
});

afterAll(async () => {
  await db?.drop();
});

describe('pulse validate', () => {
  it('prints the readable report with the score, the components and the fixable issue', async () => {
    const res = await pulse(['validate'], { DATABASE_URL: db.url, ANALYSIS_JOB_TIMEOUT_SECONDS: '300' });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^System health: \d+\.\d\/100 \((healthy|warning)\)/);
    expect(res.stdout).toContain('Database integrity');
    expect(res.stdout).toMatch(/CRITICAL +1 analysis job\(s\) in progress for longer than their timeout — e\.g\. \d+ \[fixable with --fix\]/);
    expect(res.stdout).toContain('Recommendations:');
  }, 180_000);

  it('--fix --json re-queues the stuck job and prints the run as JSON', async () => {
    const res = await pulse(['validate', '--fix', '--json'], { DATABASE_URL: db.url, ANALYSIS_JOB_TIMEOUT_SECONDS: '300' });
    expect(res.code).toBe(0);
    const run = JSON.parse(res.stdout);
    expect(run).toMatchObject({ trigger: 'cli', fixes: [{ fix: 'requeue_stuck_jobs', ok: true, affected: [stuckJob] }] });
    expect(typeof run.healthScore).toBe('number');
    expect((await db.pool.query('SELECT status FROM jobs WHERE id = $1', [stuckJob])).rows[0].status).toBe('pending');
  }, 180_000);

  it('exits 1 when the score is below --min-score, and refuses a bad --min-score', async () => {
    const res = await pulse(['validate', '--min-score', '100.1'], { DATABASE_URL: db.url });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/--min-score must be a number 0-100/);
    // three out-of-range scores cost data quality 45 points: at most 91 overall
    await db.pool.query('UPDATE daily_analyses SET ces = 9');
    const low = await pulse(['validate', '--min-score', '95'], { DATABASE_URL: db.url });
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/health score \d+\.\d is below 95 \(--min-score\)/);
    expect(low.stdout).toMatch(/3 daily analysis row\(s\) hold a metric outside its range/);
    const lenient = await pulse(['validate', '--min-score', '0'], { DATABASE_URL: db.url });
    expect(lenient.code).toBe(0);
  }, 180_000);
});
