import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMetricQuery, type MetricResult } from '../src/db/semantic/run.ts';
import { calibrate, calibrationLines, parseCsatPayload, pearson, typedScore } from '../src/domain/csat.ts';
import { composeDigest } from '../src/domain/digest.ts';
import type { MetricQuery } from '../src/domain/semantic/query.ts';
import { calibrationReport } from '../src/jobs/csat/calibrate.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The CSAT measures (issue 19, point 7) against figures worked out by hand from a small, known
// set of surveys, and the CSI calibration against a correlation computed by hand.

const TZ = 'Europe/Berlin';
const WEEK = { from: '2026-11-16', to: '2026-11-22', label: 'last week' };

let db: TestDatabase;

// [page, handled by, agent, score (null: unanswered), status, asked at, CSI of the session's day]
type Row = [string, 'bot' | 'human_agent', string | null, number | null, string, string, number | null];
const SURVEYS: Row[] = [
  ['Alpha Shop', 'bot', null, 5, 'sent', '2026-11-17T10:00:00Z', 90],
  ['Alpha Shop', 'bot', null, 4, 'sent', '2026-11-18T10:00:00Z', 80],
  ['Alpha Shop', 'human_agent', 'Dana', 2, 'sent', '2026-11-19T10:00:00Z', 40],
  ['Alpha Shop', 'bot', null, null, 'sent', '2026-11-19T11:00:00Z', 70],
  ['Beta Store', 'human_agent', 'Eli', 3, 'sent', '2026-11-20T10:00:00Z', 60],
  ['Beta Store', 'bot', null, 1, 'sent', '2026-11-21T10:00:00Z', 55],
  ['Beta Store', 'bot', null, null, 'sent', '2026-11-21T12:00:00Z', null],
  // never reached the customer: no part of any figure
  ['Beta Store', 'bot', null, null, 'refused', '2026-11-21T13:00:00Z', null],
  // the week before
  ['Alpha Shop', 'bot', null, 1, 'sent', '2026-11-10T10:00:00Z', 95],
];

beforeAll(async () => {
  db = await createTestDatabase('csat_measures');
  const q = (sql: string, p: unknown[]) => db.pool.query(sql, p);
  const pages = new Map<string, number>();
  for (const name of ['Alpha Shop', 'Beta Store']) {
    pages.set(name, (await q(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, $2, now()) RETURNING id`, [`fb-${name}`, name])).rows[0].id);
  }
  for (const [i, [page, by, agent, score, status, asked, csi]] of SURVEYS.entries()) {
    const pageId = pages.get(page)!;
    const cu = (await q(`INSERT INTO customers (page_id, psid) VALUES ($1, $2) RETURNING id`, [pageId, `psid${i}`])).rows[0].id;
    const started = new Date(Date.parse(asked) - 60 * 60_000);
    const conv = (await q(`INSERT INTO conversations (fb_chat_id, page_id, customer_id, updated_at) VALUES ($1, $2, $3, now()) RETURNING id`, [`chat${i}`, pageId, cu])).rows[0].id;
    const session = (await q(
      `INSERT INTO sessions (conversation_id, sequence, started_at, ended_at, first_human_agent, updated_at) VALUES ($1, 1, $2, $3, $4, now()) RETURNING id`,
      [conv, started, new Date(Date.parse(asked) - 30 * 60_000), agent],
    )).rows[0].id;
    if (csi !== null) await q(`INSERT INTO daily_analyses (conversation_id, day, csi, human_agents, updated_at) VALUES ($1, $2, $3, '{}', now())`, [conv, asked.slice(0, 10), csi]);
    const survey = (await q(
      `INSERT INTO csat_surveys (session_id, conversation_id, page_id, handled_by, agent, status, asked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [session, conv, pageId, by, agent, status, asked],
    )).rows[0].id;
    if (score !== null) {
      await q(
        `INSERT INTO csat_responses (survey_id, session_id, conversation_id, page_id, score, answered_at, handled_by, agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [survey, session, conv, pageId, score, new Date(Date.parse(asked) + 5 * 60_000), by, agent],
      );
    }
  }
});

afterAll(async () => {
  await db?.drop();
});

const ok = (r: MetricResult) => {
  if (!r.ok) throw new Error(r.reason);
  return r;
};
const ask = async (q: Omit<MetricQuery, 'period'>) => ok(await runMetricQuery(db.pool, { period: WEEK, ...q }, TZ));
const byKey = (r: MetricResult & { ok: true }) => Object.fromEntries(r.rows.map((x) => [String(x.key), Number(x.value)]));

describe('CSAT measures equal the figures worked out by hand', () => {
  it('CSAT score: the mean of the answers, by page', async () => {
    const r = await ask({ measure: 'csatScore', groupBy: 'page' });
    expect(byKey(r)).toEqual({ 'Alpha Shop': expect.closeTo(11 / 3, 9), 'Beta Store': 2 });
    expect(r.rows.map((x) => x.base)).toEqual([3, 2]);
    expect(Number(ok(await ask({ measure: 'csatScore' })).rows[0]!.value)).toBeCloseTo(15 / 5, 9);
  });

  it('bot vs human, and by agent (bot sessions have no agent)', async () => {
    expect(byKey(await ask({ measure: 'csatScore', groupBy: 'sender' }))).toEqual({ bot: expect.closeTo(10 / 3, 9), human_agent: 2.5 });
    expect(byKey(await ask({ measure: 'csatScore', groupBy: 'agent' }))).toEqual({ Dana: 2, Eli: 3, 'no human agent': expect.closeTo(10 / 3, 9) });
  });

  it('satisfied share (4–5 of the answers), response rate (answered of the surveys that reached the customer), responses', async () => {
    expect(byKey(await ask({ measure: 'csatSatisfied', groupBy: 'page' }))).toEqual({ 'Alpha Shop': expect.closeTo(2 / 3, 9), 'Beta Store': 0 });
    expect(byKey(await ask({ measure: 'csatResponseRate', groupBy: 'page' }))).toEqual({ 'Alpha Shop': 0.75, 'Beta Store': expect.closeTo(2 / 3, 9) });
    expect(Number((await ask({ measure: 'csatResponses' })).rows[0]!.value)).toBe(5);
  });

  it('by week: the week before is its own', async () => {
    const r = ok(await runMetricQuery(db.pool, { measure: 'csatScore', groupBy: 'week', period: { from: '2026-11-09', to: '2026-11-22', label: 'two weeks' } }, TZ));
    expect(r.rows.map((x) => [String(x.key).slice(0, 10), Number(x.value)])).toEqual([['2026-11-09', 1], ['2026-11-16', 3]]);
  });
});

describe('CSI calibration', () => {
  // pairs (CSI, CSAT): (90,5) (80,4) (40,2) (60,3) (55,1): means 65 and 3; Σdxdy = 110,
  // Σdx² = 1600, Σdy² = 10, so r = 110 / √16000 = 0.869626…
  const R = 110 / Math.sqrt(16000);

  it('pearson and the bands, pure', () => {
    expect(pearson([90, 80, 40, 60, 55], [5, 4, 2, 3, 1])).toBeCloseTo(0.8696263, 6);
    expect(pearson([1, 2], [3, 4])).toBeNull();
    expect(pearson([1, 2, 3], [4, 4, 4])).toBeNull();
    const r = calibrate([{ csi: 90, csat: 5 }, { csi: 80, csat: 4 }, { csi: 40, csat: 2 }, { csi: 60, csat: 3 }, { csi: 55, csat: 1 }]);
    expect(r.bands.map((b) => [b.label, b.n, b.meanCsat])).toEqual([['CSI < 50', 1, 2], ['CSI 50–70', 2, 2], ['CSI 70–85', 1, 4], ['CSI ≥ 85', 1, 5]]);
  });

  it('from the database: surveys answered in the period with their session\'s CSI', async () => {
    const { report, lines } = await calibrationReport(db.pool, { from: '2026-11-16', to: '2026-11-22' }, TZ);
    expect(report.n).toBe(5);
    expect(report.pearson).toBeCloseTo(R, 9);
    expect(report.meanCsi).toBe(65);
    expect(report.meanCsat).toBe(3);
    expect(lines[0]).toBe('CSI vs CSAT (2026-11-16 – 2026-11-22): Pearson r = 0.87 (strong positive relation), n = 5; mean CSI 65.0, mean CSAT 3.00');
    expect(lines.slice(2)).toEqual([
      'CSI < 50      1       2.00    0%',
      'CSI 50–70     2       2.00    0%',
      'CSI 70–85     1       4.00  100%',
      'CSI ≥ 85      1       5.00  100%',
    ]);
    const wider = await calibrationReport(db.pool, { from: '2026-11-09', to: '2026-11-22' }, TZ);
    expect(wider.report.n).toBe(6);
    const empty = await calibrationReport(db.pool, { from: '2026-10-01', to: '2026-10-07' }, TZ);
    expect(empty.lines).toEqual(['CSI vs CSAT (2026-10-01 – 2026-10-07): no answered survey with a scored session yet.']);
  });

  it('the weekly digest shows the report with the CSI, escaped for Slack', () => {
    const lines = calibrationLines(calibrate([{ csi: 40, csat: 2 }, { csi: 90, csat: 5 }, { csi: 60, csat: 3 }]), 'last week');
    const digest = composeDigest(minimalDigest(lines), { sections: ['csi'] });
    const block = digest.blocks.find((b) => b.block_id === 'digest_csat');
    expect(block).toBeDefined();
    const text = (block as { text: { text: string } }).text.text;
    expect(text).toContain('CSI &lt; 50');
    expect(text).not.toContain('CSI < 50');
    expect(digest.text).toContain('CSI vs CSAT (last week): Pearson r =');
    expect(composeDigest(minimalDigest(lines), { sections: ['volumes'] }).blocks.some((b) => b.block_id === 'digest_csat')).toBe(false);
  });
});

describe('pulse csi calibrate', () => {
  const pulse = (args: string[]) => {
    const proc = spawn(process.execPath, ['bin/pulse.js', ...args], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', DATABASE_URL: db.url, BUSINESS_TIMEZONE: TZ, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
  };

  it('prints the report for the period, or JSON, and refuses a day it cannot read', async () => {
    const text = await pulse(['csi', 'calibrate', '--since', '2026-11-16', '--until', '2026-11-22']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('CSI vs CSAT (2026-11-16 – 2026-11-22): Pearson r = 0.87 (strong positive relation), n = 5; mean CSI 65.0, mean CSAT 3.00');
    const json = await pulse(['csi', 'calibrate', '--since', '2026-11-09', '--until', '2026-11-22', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ since: '2026-11-09', until: '2026-11-22', n: 6 });
    const bad = await pulse(['csi', 'calibrate', '--since', '16/11/2026']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since must be a day as YYYY-MM-DD');
  }, 60_000);
});

describe('survey answers as the customer gives them', () => {
  it('payloads: ours only, scores 1–5', () => {
    expect(parseCsatPayload('CSAT:12:4')).toEqual({ kind: 'score', sessionId: 12, score: 4 });
    expect(parseCsatPayload('CSAT_SKIP:12')).toEqual({ kind: 'skip', sessionId: 12 });
    expect(parseCsatPayload('CSAT:12:6')).toBeUndefined();
    expect(parseCsatPayload('HUMAN')).toBeUndefined();
    expect(parseCsatPayload(undefined)).toBeUndefined();
  });

  it('typed ratings', () => {
    expect(['4', ' 5! ', '3/5', '2 stars', '⭐⭐⭐⭐', '1 out of 5'].map(typedScore)).toEqual([4, 5, 3, 2, 4, 1]);
    expect(['10', '45', '0', 'I rate it 4', 'six', ''].map(typedScore)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

/** A weekly digest's data with nothing in it but the calibration. */
function minimalDigest(lines: string[]): Parameters<typeof composeDigest>[0] {
  const none = { csi: null, effectiveness: null, effort: null, efficiency: null, empathy: null, days: 0, display: { csi: 'no data', effectiveness: 'no data', effort: 'no data', efficiency: 'no data', empathy: 'no data', days: '0' } };
  const period = { from: '2026-11-16', to: '2026-11-22', label: 'last week', granularity: 'week' as const };
  return {
    frequency: 'weekly', period, timezone: TZ,
    csi: { period, previous: { ...period, from: '2026-11-09', to: '2026-11-15', label: 'the week before' }, current: none, previousValues: none, change: { csi: null, display: 'no data' } },
    previousDays: [], byPage: [], stats: {}, firstResponseTimes: [], handoff: { waiting: 0, human: 0 },
    qaBacklog: { waiting: 0, byStatus: { unchecked: 0, passed: 0, issue: 0, fixed: 0 }, oldestStartedAt: null },
    qaPeriod: { unchecked: 0, passed: 0, issue: 0, fixed: 0 },
    pipeline: { scoredDays: 0, conversationDays: 0, lastRunAt: null }, samples: [],
    display: { qaWaiting: '0', issueRate: 'no data', coverage: 'no data' },
    calibration: { lines },
  };
}
