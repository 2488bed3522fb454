import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIMENSIONS, MEASURES, STATISTICS } from '../src/domain/semantic/catalogue.ts';
import { describeFigure, formatValue } from '../src/domain/semantic/format.ts';
import { calendarAt } from '../src/eval/calendar.ts';
import { CATEGORIES, EVAL_NOW, EVAL_TIMEZONE, MEASURE_WORDS, evalQuestions, type EvalQuestion } from '../src/eval/questions.ts';
import { runEval, type EvalAssistant } from '../src/eval/run.ts';
import { MEASURE_SQL } from '../src/eval/sql.ts';
import { seedAndAnalyse } from './helpers/assistant.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createEmptyDatabase, createTestDatabase, query, type TestDatabase } from './helpers/db.ts';

// The evaluation set itself (src/eval): its coverage, its dates, that every expected figure's SQL
// runs on the demo data, a few figures recomputed another way, and the runner's judging, checked
// with scripted assistants whose answers are known to be right or wrong. The set run over the
// real assistant is tests/assistant-eval.test.ts.

const TZ = 'Europe/Berlin';
const questions = evalQuestions(TEST_NOW, TZ);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('evalset');
  await seedAndAnalyse(db.url, { conversations: 300, now: TEST_NOW, timeZone: TZ });
}, 180_000);

afterAll(async () => {
  await db?.drop();
});

const sqlOf = (q: EvalQuestion) => (q.expect.kind === 'refusal' ? q.expect.forbid.map((f) => f.sql) : [q.expect.sql]);
const figuresOf = (q: EvalQuestion) => (q.expect.kind === 'refusal' ? q.expect.forbid : [q.expect]);

describe('the set', () => {
  it('is built for the suite clock', () => {
    expect(new Date(EVAL_NOW).getTime()).toBe(TEST_NOW.getTime());
    expect(EVAL_TIMEZONE).toBe(TZ);
  });

  it('has at least 150 questions with unique ids, in every category', () => {
    expect(questions.length).toBeGreaterThanOrEqual(150);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    for (const c of CATEGORIES) expect(questions.filter((q) => q.category === c).length, c).toBeGreaterThanOrEqual(5);
  });

  it('asks for every measure, statistic and dimension of the catalogue', () => {
    const numeric = questions.filter((q) => q.expect.kind !== 'refusal');
    const asked = new Set(numeric.flatMap(figuresOf).map((f) => f.measure));
    expect(MEASURES.map((m) => m.name).filter((m) => !asked.has(m))).toEqual([]);
    expect(Object.keys(MEASURE_SQL).sort()).toEqual(MEASURES.map((m) => m.name).sort());
    const stats = new Set(numeric.flatMap(figuresOf).map((f) => f.stat));
    expect(STATISTICS.filter((s) => !stats.has(s))).toEqual([]);
    // a dimension is asked for when some expected SQL groups or filters by it
    const sql = numeric.flatMap(sqlOf).join('\n');
    const used: Record<string, RegExp> = {
      page: /key|lower\(page\)/, agent: /lower\(agent\)/, reviewer: /lower\(reviewer\)/, day: /SELECT day::text AS key/,
      week: /date_trunc\('week', day\)::date::text AS key/, month: /to_char\(day, 'YYYY-MM'\) AS key/, hour: /extract\(hour FROM lt\)/,
      weekday: /to_char\(day, 'Day'\)|isodow/, topic: /SELECT topic AS key|lower\(topic\)/, qa_state: /SELECT qa_state AS key|lower\(qa_state\)/,
      sender: /SELECT sender AS key/, qa_category: /SELECT qa_category AS key/,
    };
    expect(DIMENSIONS.filter((d) => !used[d]?.test(sql))).toEqual([]);
  });

  it('expects each answer to name its measure by a word of the catalogue label', () => {
    expect(MEASURES.filter((m) => !MEASURE_WORDS[m.name]?.test(m.label)).map((m) => m.name)).toEqual([]);
  });

  it('has follow-ups with their threads and refusals with the nearby figures they must not show', () => {
    for (const q of questions.filter((x) => x.category === 'follow-up')) expect(q.thread?.length, q.id).toBeGreaterThan(0);
    for (const q of questions.filter((x) => x.category.startsWith('refusal') || x.category === 'unreadable-period')) {
      expect(q.expect.kind, q.id).toBe('refusal');
      if (q.expect.kind === 'refusal') expect(q.expect.forbid.length, q.id).toBeGreaterThan(0);
    }
  });

  it('works its periods out as written by hand for Wed 25 Nov 2026 in Berlin', () => {
    const cal = calendarAt(TEST_NOW, TZ);
    expect(cal.today).toBe('2026-11-25');
    expect(cal.week(1)).toEqual({ from: '2026-11-16', to: '2026-11-22' });
    expect(cal.week(0)).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(cal.month(1)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(cal.month(2)).toEqual({ from: '2026-09-01', to: '2026-09-30' });
    expect(cal.day(1)).toEqual({ from: '2026-11-24', to: '2026-11-24' });
    expect(cal.lastWeekday(1)).toEqual({ from: '2026-11-23', to: '2026-11-23' });
    expect(cal.lastWeekday(5)).toEqual({ from: '2026-11-20', to: '2026-11-20' });
    // a weekday name on that very weekday is today (docs/PERIODS.md: on or before today), as the assistant reads it
    expect(cal.lastWeekday(3)).toEqual({ from: '2026-11-25', to: '2026-11-25' });
    expect(cal.lastDays(7)).toEqual({ from: '2026-11-19', to: '2026-11-25' });
    expect(cal.lastMonths(3)).toEqual({ from: '2026-08-26', to: '2026-11-25' });
    expect(cal.quarter(3)).toEqual({ from: '2026-07-01', to: '2026-09-30' });
    expect(cal.thisQuarter()).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(cal.namedMonth(12)).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(cal.yearToDate()).toEqual({ from: '2026-01-01', to: '2026-11-25' });
    // weeks of a month count in the month of their Thursday: 1 Nov 2026 (a Sunday) is in October's last week
    expect(cal.monthWeek(2026, 11, 1)).toEqual({ from: '2026-11-02', to: '2026-11-08' });
    expect(cal.monthWeek(2026, 10, -1)).toEqual({ from: '2026-10-26', to: '2026-11-01' });
    expect(cal.fullWeeks(3)).toEqual({ from: '2026-11-02', to: '2026-11-22' });
    // a minute before midnight UTC on Sunday is already Monday in Berlin
    expect(calendarAt(new Date('2026-11-22T23:30:00Z'), TZ).week(1)).toEqual({ from: '2026-11-16', to: '2026-11-22' });
  });
});

describe('the expected figures', () => {
  it('every expectation runs on the demo data', async () => {
    const failures: string[] = [];
    for (const q of questions) {
      for (const sql of sqlOf(q)) {
        await db.pool.query(sql).catch((err: Error) => failures.push(`${q.id}: ${err.message}`));
      }
    }
    expect(failures).toEqual([]);
  });

  it('most numeric expectations have data at the suite clock (the set is not testing empty periods)', async () => {
    const empty: string[] = [];
    for (const q of questions) {
      if (q.expect.kind === 'refusal') continue;
      const rows = (await db.pool.query(q.expect.sql)).rows as Record<string, unknown>[];
      const v = rows[0]?.value ?? rows[0]?.current;
      if (v === null || v === undefined) empty.push(q.id);
    }
    expect(empty).toEqual([]);
  });

  const value = async (id: string) => {
    const q = questions.find((x) => x.id === id)!;
    if (q.expect.kind === 'refusal') throw new Error(`${id} is a refusal`);
    return Number((await db.pool.query(q.expect.sql)).rows[0].value);
  };

  it('sessions and CSI last week agree with a plain count and mean over explicit instants', async () => {
    const [s] = (await db.pool.query(
      `SELECT count(*)::int AS n FROM sessions WHERE started_at >= '2026-11-15T23:00:00Z' AND started_at < '2026-11-22T23:00:00Z'`,
    )).rows;
    expect(await value('m23')).toBe(s.n);
    const [c] = (await db.pool.query(`SELECT sum(csi) / count(csi) AS v FROM daily_analyses WHERE day >= '2026-11-16' AND day <= '2026-11-22'`)).rows;
    expect(await value('m01')).toBeCloseTo(Number(c.v), 9);
  });

  it('response time last week agrees with the definition worked out in JavaScript from the raw messages', async () => {
    const { rows } = await db.pool.query<{ conversation_id: number; id: number; direction: string; sender_kind: string; at: Date }>(
      `SELECT conversation_id, id, direction::text, sender_kind::text, social_create_time AS at FROM messages ORDER BY conversation_id, social_create_time, id`,
    );
    const start = Date.parse('2026-11-15T23:00:00Z');
    const end = Date.parse('2026-11-22T23:00:00Z');
    const all: number[] = [];
    const human: number[] = [];
    rows.forEach((m, i) => {
      if (m.sender_kind !== 'customer' || m.at.getTime() < start || m.at.getTime() >= end) return;
      const reply = rows.slice(i + 1).find((r) => r.conversation_id === m.conversation_id && r.direction === 'to_client');
      if (!reply) return;
      const wait = (reply.at.getTime() - m.at.getTime()) / 1000;
      all.push(wait);
      if (reply.sender_kind === 'human_agent') human.push(wait);
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(all.length).toBeGreaterThan(20);
    expect(await value('m15')).toBeCloseTo(mean(all), 6);
    expect(await value('m16')).toBeCloseTo(mean(human), 6);
  });
});

/** Answers each question as the product's answer shape would, from the expectation's own SQL. */
function scriptedAssistant(mode: 'right' | 'off-by-one' | 'nearby' | 'refuse-and-show'): EvalAssistant {
  const byQuestion = new Map(questions.map((q) => [q.question, q]));
  const asked = new Map<string, string[]>();
  return {
    async ask(thread, question) {
      const earlier = asked.get(thread.threadKey) ?? [];
      asked.set(thread.threadKey, [...earlier, question]);
      const q = [...byQuestion.values()].find((x) => x.question === question && (x.thread ?? []).join('|') === earlier.join('|'));
      if (!q) return { text: 'noted' };
      const e = q.expect;
      const words = [...earlier, question].join(' / ');
      const figure = e.kind === 'refusal' ? '' : `${describeFigure(MEASURES.find((m) => m.name === e.measure)!, e.stat)} — `;
      const fmt = (v: unknown, f: { measure: string; stat: (typeof STATISTICS)[number] }) => {
        const unit = MEASURES.find((m) => m.name === f.measure)!.unit;
        return formatValue(v === null ? null : (mode === 'off-by-one' ? Number(v) * 1.1 + 1 : Number(v)), unit, f.stat);
      };
      if (e.kind === 'refusal') {
        const refusal = `I don't have that data; this could not read a period; it has no such statistic; I don't know the word; a part of the day (${words}).`;
        if (mode !== 'nearby' && mode !== 'refuse-and-show') return { text: refusal };
        const v = (await db.pool.query(e.forbid[0]!.sql)).rows[0].value;
        return { text: `${mode === 'nearby' ? words : refusal}\n${fmt(v, e.forbid[0]!)}` };
      }
      const rows = (await db.pool.query(e.sql)).rows as Record<string, unknown>[];
      switch (e.kind) {
        case 'value':
          return { text: `${figure}${words}: ${fmt(rows[0]?.value ?? null, e)}\nDefinition and base.` };
        case 'compare':
          return { text: `${figure}${words}: ${fmt(rows[0]!.current, e)}, against ${fmt(rows[0]!.previous, e)} before` };
        case 'winner': {
          // the last of a tie, to show any tied key is accepted
          const top = rows.filter((r) => fmt(r.value, e) === fmt(rows[0]!.value, e)).at(-1)!;
          return { text: `${figure}${words}: ${String(top.key)}, ${fmt(top.value, e)}` };
        }
        case 'rows':
          return { text: [`${figure}${words}:`, ...rows.map((r) => `• ${String(r.key)}: ${fmt(r.value, e)}`)].join('\n') };
      }
    },
  };
}

describe('the runner', () => {
  it('passes every question answered right', async () => {
    const report = await runEval(scriptedAssistant('right'), db.pool, questions, { runId: 'right' });
    const failed = report.results.filter((r) => !r.pass).map((r) => `${r.id}: ${r.reason} | ${r.answer}`);
    expect(failed).toEqual([]);
    expect(report.accuracy).toBe(1);
    expect(Object.keys(report.byCategory).sort()).toEqual([...CATEGORIES].sort());
  });

  it('fails every figure that is off, and every refusal that shows the nearby figure instead', async () => {
    const off = await runEval(scriptedAssistant('off-by-one'), db.pool, questions, { runId: 'off' });
    const numeric = off.results.filter((r) => !r.category.startsWith('refusal') && r.category !== 'unreadable-period');
    expect(numeric.filter((r) => r.pass).map((r) => r.id)).toEqual([]);
    const nearby = await runEval(scriptedAssistant('nearby'), db.pool, questions.filter((q) => q.expect.kind === 'refusal'), { runId: 'nearby' });
    expect(nearby.passed).toBe(0);
    // the first forbidden figure is always big enough to be told from plain words
    expect(nearby.results.filter((r) => r.forbiddenShown.length === 0).map((r) => r.id)).toEqual([]);
    expect(nearby.results.every((r) => /not refused; shows a nearby figure/.test(r.reason))).toBe(true);
    const both = await runEval(scriptedAssistant('refuse-and-show'), db.pool, questions.filter((q) => q.expect.kind === 'refusal'), { runId: 'both' });
    expect(both.passed).toBe(0);
    expect(both.results.every((r) => /^refused but shows a nearby figure/.test(r.reason) && r.forbiddenShown.length > 0)).toBe(true);
  });

  it('reads figures as whole tokens, and not out of the dates of a period label', async () => {
    const one = (sql: string, measure: string, stat: 'count' | 'sum' | 'mean'): EvalQuestion[] => [
      { id: 't1', category: 'measure', question: 'q', expect: { kind: 'value', measure, stat, sql } },
    ];
    const judged = async (questionSet: EvalQuestion[], answer: string) =>
      (await runEval({ ask: async () => ({ text: answer }) }, db.pool, questionSet, { runId: 'tok' })).results[0]!;
    const label = 'last week (Mon 16 Nov – Sun 22 Nov 2026)';
    expect((await judged(one('SELECT 16 AS value', 'sessions', 'count'), `Number of sessions, ${label}: 15`)).pass).toBe(false);
    expect((await judged(one('SELECT 16 AS value', 'sessions', 'count'), `Number of sessions, ${label}: 16`)).pass).toBe(true);
    expect((await judged(one('SELECT 22 AS value', 'sessions', 'count'), `Number of sessions, last 22 days (Tue 3 Nov – 2026-11-24): 21`)).pass).toBe(false);
    expect((await judged(one('SELECT 2034.5 AS value', 'totalHandlingTime', 'sum'), 'Total handling time, October 2026: 2034.5 min')).pass).toBe(true);
    expect((await judged(one('SELECT 71.3 AS value', 'csi', 'mean'), `Average CSI, ${label}: 171.3`)).pass).toBe(false);
    expect((await judged(one('SELECT 71.3 AS value', 'csi', 'mean'), `Average CSI, ${label}: 71.35`)).pass).toBe(false);
    expect((await judged(one('SELECT 71.3 AS value', 'csi', 'mean'), `*Average CSI*, ${label}: *71.3*`)).pass).toBe(true);
    // a number that merely coincides, in an answer about something else, does not count
    expect((await judged([{ id: 't2', category: 'measure', question: 'q', expect: { kind: 'value', measure: 'sessions', stat: 'count', sql: 'SELECT 4 AS value', says: [/session/i] } }],
      'Wed 18 Nov 2026: 4 conversations with messages, 35 messages, 4 conversation-days')).pass).toBe(false);
    // the figure belongs in the first line; the same number further down does not count
    expect((await judged(one('SELECT 71.3 AS value', 'csi', 'mean'), `Average CSI, ${label}: 70.0\nLast month it was 71.3`)).pass).toBe(false);
  });

  it('counts a thrown question as a failure with its reason, and goes on', async () => {
    const report = await runEval({ ask: async () => { throw new Error('model down'); } }, db.pool, questions.slice(0, 3), { runId: 'err' });
    expect(report.passed).toBe(0);
    expect(report.results.map((r) => r.reason)).toEqual(['error: model down', 'error: model down', 'error: model down']);
  });
});

function pulse(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ['bin/pulse.js', ...args], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('pulse eval', () => {
  // OPENAI_API_KEY is set on purpose: the command uses the offline model whatever is configured
  const env = () => ({ DATABASE_URL: db.url, BUSINESS_TIMEZONE: 'UTC', OPENAI_API_KEY: 'sk-not-used', OPENAI_BASE_URL: 'http://127.0.0.1:9' });

  it('prints one JSON object with accuracy by category and each question judged, at the suite clock by default', async () => {
    const res = await pulse(['eval', '--json', '--timezone', TZ, '--only', 'm01,o01,period'], env());
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { now: string; timeZone: string; total: number; passed: number; accuracy: number; byCategory: Record<string, { total: number }>; results: { id: string; pass: boolean; reason: string; answer: string }[] };
    expect(report.now).toBe(TEST_NOW.toISOString());
    expect(report.timeZone).toBe(TZ);
    const periods = questions.filter((q) => q.category === 'period').length;
    expect(report.total).toBe(2 + periods);
    expect(report.byCategory).toMatchObject({ measure: { total: 1 }, period: { total: periods }, 'refusal-out-of-catalogue': { total: 1 } });
    expect(report.accuracy).toBeCloseTo(report.passed / report.total, 9);
    for (const r of report.results) expect(r.answer.length, r.id).toBeGreaterThan(0);
  });

  it('prints accuracy and the failures as text, and --fail-under decides the exit code', async () => {
    const res = await pulse(['eval', '--only', 'o01', '--now', '2026-11-25T14:30:00Z', '--timezone', TZ, '--fail-under', '100'], env());
    expect(res.stdout).toContain(`evaluation set at ${TEST_NOW.toISOString()} (${TZ}), offline model`);
    expect(res.stdout).toMatch(/accuracy \d+\.\d% \([01]\/1\)/);
    expect(res.stdout).toMatch(/refusal-out-of-catalogue +\d+\.\d%/);
    const passed = /\(1\/1\)/.test(res.stdout);
    expect(res.code).toBe(passed ? 0 : 1);
    if (!passed) expect(res.stdout).toContain('- o01 [refusal-out-of-catalogue] "How much revenue did we make last week?"');
    if (!passed) expect(res.stderr).toMatch(/below --fail-under 100%/);
  });

  it('pulse db seed --now seeds demo data that ends at that clock, so the set can be run on it', async () => {
    const empty = await createEmptyDatabase('evalseed');
    try {
      const res = await pulse(['db', 'seed', '--conversations', '20', '--now', '2026-11-25T14:30:00Z'], { DATABASE_URL: empty.url, BUSINESS_TIMEZONE: TZ });
      expect(res.code, res.stderr).toBe(0);
      const [last] = await query<{ at: Date }>(empty.url, 'SELECT max(social_create_time) AS at FROM messages');
      expect(last!.at.getTime()).toBeLessThanOrEqual(TEST_NOW.getTime());
      expect(TEST_NOW.getTime() - last!.at.getTime()).toBeLessThan(7 * 86_400_000);
      const bad = await pulse(['db', 'seed', '--now', 'soon'], { DATABASE_URL: empty.url });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--now must be an ISO date and time/);
    } finally {
      await empty.drop();
    }
  });

  it('refuses an unreadable --now, timezone or selection', async () => {
    for (const args of [['--now', 'yesterday'], ['--timezone', 'Mars/Olympus'], ['--only', 'nope']]) {
      const res = await pulse(['eval', ...args], env());
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr, args.join(' ')).toMatch(/--now|--timezone|--only/);
    }
  });
});
