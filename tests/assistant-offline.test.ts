import { spawn } from 'node:child_process';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssistantReply, ToolCallRecord } from '../src/agents/assistant/assistant.ts';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { renderRgba, renderSvg, resvgOptions } from '../src/charts/render.ts';
import { lineChart } from '../src/domain/charts.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { darkPixels, decodePng, differingPixels, isPng, offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';

// The offline assistant end to end: a question goes through the rule-based model, the LangChain
// agent, the tools and Postgres, and every number in its answer (text and tool results) is
// checked against SQL written here, over the public tables, with the periods spelt out by hand.

// Fri 20 Nov 2026, 00:30 in Berlin, but still Thu 19 Nov in UTC: a day taken in the wrong zone
// shows up as a shifted "last 30 days" and as bounds an hour or two off.
const NOW = new Date('2026-11-19T23:30:00Z');
const TZ = 'Europe/Berlin';
const TODAY = '2026-11-20';

interface Days {
  from: string;
  to: string;
}
// periods still running are counted to today, Fri 20 Nov in Berlin ("this week so far")
const THIS_WEEK: Days = { from: '2026-11-16', to: '2026-11-20' };
const LAST_WEEK: Days = { from: '2026-11-09', to: '2026-11-15' };
const WEEK_BEFORE: Days = { from: '2026-11-02', to: '2026-11-08' };
const THIS_MONTH: Days = { from: '2026-11-01', to: '2026-11-20' };
// Contains the end of summer time (25 Oct): its bounds are +02:00 at the start and +01:00 at the end.
const LAST_MONTH: Days = { from: '2026-10-01', to: '2026-10-31' };
const LAST_30_DAYS: Days = { from: '2026-10-22', to: TODAY };
const Q1_2020: Days = { from: '2020-01-01', to: '2020-03-31' };

let db: TestDatabase;
let opened: OpenAssistant;

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const one = async <T>(sql: string, params: unknown[] = []) => (await q<T>(sql, params))[0]!;

// Instants of a period in the business timezone, by Postgres' own zone rules.
const START = `($1::date::timestamp AT TIME ZONE '${TZ}')`;
const END = `(($2::date + 1)::timestamp AT TIME ZONE '${TZ}')`;

async function csiOf(d: Days): Promise<{ csi: number | null; n: number }> {
  return one(
    `SELECT avg(csi) AS csi, count(*)::int AS n FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN $1::date AND $2::date`,
    [d.from, d.to],
  );
}

async function csiByPage(d: Days): Promise<Map<string, { csi: number; n: number }>> {
  const rows = await q<{ name: string; csi: number; n: number }>(
    `SELECT p.name, avg(da.csi) AS csi, count(*)::int AS n
       FROM daily_analyses da JOIN conversations c ON c.id = da.conversation_id JOIN pages p ON p.id = c.page_id
      WHERE da.csi IS NOT NULL AND da.day BETWEEN $1::date AND $2::date
      GROUP BY p.name`,
    [d.from, d.to],
  );
  return new Map(rows.map((r) => [r.name, { csi: r.csi, n: r.n }]));
}

/**
 * Human first response by agent, written independently of the catalogue: per session, the first
 * reply a human agent wrote within it, seconds after the session's first message; each session
 * counts for that agent. Mean per agent, slowest first.
 */
async function firstHumanResponseByAgent(d: Days): Promise<{ name: string; sessions: number; mean: number }[]> {
  return q(
    `SELECT f.name, count(*)::int AS sessions, avg(f.secs)::float8 AS mean FROM (
       SELECT (SELECT m.agent_info->>'name' FROM messages m WHERE m.conversation_id = s.conversation_id AND m.sender_kind = 'human_agent'
                  AND m.social_create_time BETWEEN s.started_at AND s.ended_at ORDER BY m.social_create_time, m.id LIMIT 1) AS name,
              (SELECT extract(epoch FROM min(m.social_create_time) - s.started_at) FROM messages m WHERE m.conversation_id = s.conversation_id
                  AND m.sender_kind = 'human_agent' AND m.social_create_time BETWEEN s.started_at AND s.ended_at) AS secs
         FROM sessions s WHERE s.started_at >= ${START} AND s.started_at < ${END}) f
      WHERE f.secs IS NOT NULL GROUP BY f.name ORDER BY mean DESC, f.name`,
    [d.from, d.to],
  );
}

const csiText = (x: number) => x.toFixed(1);
const changeText = (x: number) => (Number(x.toFixed(1)) === 0 ? '0.0' : `${x > 0 ? '+' : ''}${x.toFixed(1)}`);

/** "1 h 5 min", "2 min 10 s", "45 s" back to seconds, with the precision the text has. */
function durationSeconds(text: string): { seconds: number; precision: number } {
  const m = /^(?:(\d+) h)?(?: ?(\d+) min)?(?: ?(\d+) s)?$/.exec(text.trim());
  if (!m || !(m[1] ?? m[2] ?? m[3])) throw new Error(`not a duration: "${text}"`);
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return { seconds, precision: m[1] ? 30 : 0.5 };
}
const DURATION = /^(?:\d+ h(?: [1-5]?\d min)?|[1-5]?\d min(?: [1-5]?\d s)?|[1-5]?\d s)$/;

function call(reply: AssistantReply, name: string): ToolCallRecord & { result: Record<string, unknown> } {
  const found = reply.toolCalls.filter((c) => c.name === name);
  expect(found, `${name} calls in ${JSON.stringify(reply.toolCalls.map((c) => c.name))}`).toHaveLength(1);
  const c = found[0]!;
  expect(c.error).toBeUndefined();
  expect(c.sql.length).toBeGreaterThan(0);
  return c as ToolCallRecord & { result: Record<string, unknown> };
}

const ask = (threadKey: string, question: string, a = opened.assistant) => a.ask({ channel: 'test', threadKey }, question);

/** The "• Name: 72.4 (12 conversation-days)" lines of a grouped answer. */
function groupLines(text: string): Map<string, { value: string; n: number }> {
  const lines = [...text.matchAll(/^• (.+): (.+) \(([\d,]+) [a-z -]+\)$/gm)];
  return new Map(lines.map((m) => [m[1]!, { value: m[2]!, n: Number(m[3]!.replace(/,/g, '')) }]));
}

const firstLine = (text: string) => text.split('\n')[0]!;

/** Asserts a per-page answer and its metric_query result against SQL for `d`. */
async function expectByPage(reply: AssistantReply, d: Days): Promise<void> {
  const expected = await csiByPage(d);
  expect(expected.size).toBeGreaterThan(1);
  const shown = groupLines(reply.text);
  expect([...shown.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, e] of expected) expect(shown.get(name), name).toEqual({ value: csiText(e.csi), n: e.n });
  const metric = call(reply, 'metric_query');
  expect(metric.args).toMatchObject({ measure: 'csi', period: { from: d.from, to: d.to }, group_by: 'page' });
  const rows = metric.result.rows as { key: string; value: number; base: number }[];
  expect(rows).toHaveLength(expected.size);
  for (const r of rows) {
    expect(r.value).toBeCloseTo(expected.get(r.key)!.csi, 9);
    expect(r.base).toBe(expected.get(r.key)!.n);
  }
}

/** The first line "Average CSI, <label>: 72.4" of a CSI answer and its base, checked against SQL. */
async function expectCsiHeadline(reply: AssistantReply, d: Days, label: RegExp, grouped = false): Promise<void> {
  const e = await csiOf(d);
  expect(e.n).toBeGreaterThan(10);
  const m = /^Average CSI, (.+?)(?:: (\S+)|, by page:)$/.exec(firstLine(reply.text));
  expect(m, reply.text).not.toBeNull();
  expect(m![1]).toMatch(label);
  if (!grouped) expect(m![2]).toBe(csiText(e.csi!));
  expect(reply.text).toContain(`Based on ${e.n.toLocaleString('en-US')} conversation-days; days in ${TZ}.`);
  const metric = call(reply, 'metric_query');
  expect(metric.args).toMatchObject({ measure: 'csi', period: { from: d.from, to: d.to } });
  if (!grouped) expect((metric.result.rows as { value: number }[])[0]!.value).toBeCloseTo(e.csi!, 9);
}

const root = path.resolve(import.meta.dirname, '..');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a user runs it (real clock, offline model: the environment has no API key). */
function pulse(args: string[], env: Record<string, string>): Promise<CliResult> {
  const proc = spawn(process.execPath, ['bin/pulse.js', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env },
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Started as soon as the data is there: loading LangChain in a fresh process takes seconds,
// which overlap with the in-process tests instead of adding to them.
let cliRun: Promise<CliResult> | undefined;

beforeAll(async () => {
  db = await createTestDatabase('assistant');
  await seedAndAnalyse(db.url, { conversations: 400, now: NOW, timeZone: TZ });
  cliRun = pulse(['ask', '--json', 'How many sessions are waiting for QA?'], { DATABASE_URL: db.url, BUSINESS_TIMEZONE: TZ, LOG_LEVEL: 'silent' });
  opened = await openAssistant(offlineConfig(TZ), db.url, { now: () => NOW, pool: db.pool });
});
afterAll(async () => {
  await cliRun;
  await opened?.close();
  await db?.drop();
});

describe('the fixture', () => {
  it('is analysed in the business timezone, and NOW is the day the periods above assume', async () => {
    expect(new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(NOW)).toBe(TODAY);
    expect(opened.assistant.modelName).toBe('pulse-offline');
    // Every analysed conversation-day has a message on that Berlin day: days are not UTC days.
    const stray = await one<{ n: number; total: number }>(
      `SELECT count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM messages m WHERE m.conversation_id = da.conversation_id
                   AND (m.social_create_time AT TIME ZONE '${TZ}')::date = da.day))::int AS n,
              count(*)::int AS total
         FROM daily_analyses da`,
    );
    expect(stray.total).toBeGreaterThan(300);
    expect(stray.n).toBe(0);
  });
});

describe('offline assistant on seeded, analysed data', () => {
  it('answers "What was the CSI last week?" with the mean of the last ISO week, its label and the timezone', async () => {
    const reply = await ask('csi-last-week', 'What was the CSI last week?');
    expect(reply.model).toBe('pulse-offline');
    await expectCsiHeadline(reply, LAST_WEEK, /^last week \(Mon 9 Nov – Sun 15 Nov 2026\)$/);
    // what a CSI is, in a few words, and no figure that was not asked for
    expect(reply.text).toContain('Customer Satisfaction Index of a conversation-day');
    expect(reply.text).not.toContain('week before');
  });

  it('answers "CSI by page this month" with per-page means', async () => {
    const reply = await ask('csi-by-page', 'CSI by page this month');
    await expectCsiHeadline(reply, THIS_MONTH, /^this month so far \(Sun 1 Nov – Fri 20 Nov 2026\)$/, true);
    await expectByPage(reply, THIS_MONTH);
    expect(reply.text).toContain('The period includes today, so it is partial.');
  });

  it('draws the CSI trend for the last 30 days: per-day SQL means, a real PNG with its text rendered', async () => {
    const reply = await ask('trend', 'Show the CSI trend for the last 30 days');
    const metric = call(reply, 'metric_query');
    expect(metric.args).toMatchObject({ measure: 'csi', period: { from: LAST_30_DAYS.from, to: LAST_30_DAYS.to }, group_by: 'day' });

    const perDay = new Map(
      (
        await q<{ day: string; csi: number }>(
          `SELECT day::text AS day, avg(csi) AS csi FROM daily_analyses
            WHERE csi IS NOT NULL AND day BETWEEN $1::date AND $2::date GROUP BY day`,
          [LAST_30_DAYS.from, LAST_30_DAYS.to],
        )
      ).map((r) => [r.day, r.csi]),
    );
    expect(perDay.size).toBeGreaterThan(20);

    const chartCalls = reply.toolCalls.filter((c) => c.name === 'chart');
    expect(chartCalls).toHaveLength(1);
    const args = chartCalls[0]!.args as { kind: string; title: string; subtitle: string; value_title: string; points: { x: string; y: number | null }[] };
    expect(args.kind).toBe('line');
    // One point per day of the Berlin period, up to today; a day without scores is a gap, not 0.
    const days: string[] = [];
    for (let t = Date.parse(`${LAST_30_DAYS.from}T00:00:00Z`); t <= Date.parse(`${LAST_30_DAYS.to}T00:00:00Z`); t += 86_400_000) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    expect(days).toHaveLength(30);
    expect(args.points.map((p) => p.x)).toEqual(days);
    for (const p of args.points) {
      const e = perDay.get(p.x);
      expect(p.y, p.x).toBe(e === undefined ? null : Math.round(e * 10) / 10);
    }
    expect(args.title).toBe(`Average CSI by day (${TZ})`);
    const shown = groupLines(reply.text);
    expect(shown.size).toBe(perDay.size);
    for (const [day, v] of shown) expect(v.value, day).toBe(csiText(perDay.get(day)!));
    expect(firstLine(reply.text)).toBe('Average CSI, last 30 days (Thu 22 Oct – Fri 20 Nov 2026), by day:');
    expect(reply.text).toContain(TZ);
    expect(reply.text).toContain('Chart attached.');

    // The picture: a PNG, of a plausible size, whose pixels are exactly the chart of those points.
    expect(reply.charts).toHaveLength(1);
    const png = reply.charts[0]!.png;
    expect(isPng(png)).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.length).toBeLessThan(2_000_000);
    const img = decodePng(png);
    expect(img.width).toBeGreaterThan(700);
    expect(img.height).toBeGreaterThan(300);
    const spec = lineChart({ title: args.title, subtitle: args.subtitle, points: args.points, yTitle: args.value_title });
    const expected = await renderRgba(spec);
    expect(differingPixels(img, expected)).toBe(0);
    // Its text is drawn: the band above the plot holds the title and subtitle and nothing else,
    // and the same SVG rasterised without fonts is blank there.
    const untitled = await renderRgba({ ...spec, title: undefined });
    const band = img.height - untitled.height;
    expect(band).toBeGreaterThan(40);
    const titleInk = darkPixels(img, 0, band - 10);
    expect(titleInk).toBeGreaterThan(1000);
    const bare = new Resvg(await renderSvg(spec), { ...resvgOptions(), font: { loadSystemFonts: false } }).render();
    const noFont = { width: bare.width, height: bare.height, pixels: bare.pixels };
    expect(darkPixels(noFont, 0, band - 10)).toBe(0);
    // Tick labels and the axis title are text too.
    expect(differingPixels(img, noFont)).toBeGreaterThan(titleInk * 2);
  });

  it('names the agent with the slowest human first response last month, as the definition computes it', async () => {
    const reply = await ask('slowest', 'Which agent had the slowest first response time last month?');
    const expected = await firstHumanResponseByAgent(LAST_MONTH);
    expect(expected.length).toBeGreaterThan(2);
    const top = expected[0]!;
    expect(top.mean).toBeGreaterThan(expected.at(-1)!.mean);

    const m = /^Slowest agent by average human first response time, last month \(October 2026\): (.+?), (.+)$/.exec(firstLine(reply.text));
    expect(m, reply.text).not.toBeNull();
    expect(m![1]).toBe(top.name);
    expect(m![2]).toMatch(DURATION);
    const shown = durationSeconds(m![2]!);
    expect(Math.abs(shown.seconds - top.mean)).toBeLessThanOrEqual(shown.precision);
    expect(reply.text).toContain("a session's first message → its first reply by a human agent");

    // The ranking lines and the tool result, slowest first.
    const lines = groupLines(reply.text);
    expect([...lines.keys()]).toEqual(expected.slice(0, lines.size).map((e) => e.name));
    expect([...lines.values()].map((l) => l.n)).toEqual(expected.slice(0, lines.size).map((e) => e.sessions));
    const metric = call(reply, 'metric_query');
    expect(metric.args).toMatchObject({ measure: 'humanFirstResponse', group_by: 'agent', order: 'desc', period: { from: LAST_MONTH.from, to: LAST_MONTH.to } });
    (metric.result.rows as { key: string; value: number }[]).forEach((r, i) => {
      expect(r.key).toBe(expected[i]!.name);
      expect(r.value).toBeCloseTo(expected[i]!.mean, 6);
    });
  });

  it('lists the top 5 topics this month: customer messages by classification, most first', async () => {
    const reply = await ask('topics', 'Top 5 topics this month');
    const metric = call(reply, 'metric_query');
    expect(metric.args).toMatchObject({ measure: 'customerMessages', group_by: 'topic', top_n: 5, period: { from: THIS_MONTH.from, to: THIS_MONTH.to } });
    const all = await q<{ topic: string | null; n: number }>(
      `SELECT m.classification AS topic, count(*)::int AS n FROM messages m
        WHERE m.sender_kind = 'customer' AND m.social_create_time >= ${START} AND m.social_create_time < ${END}
        GROUP BY 1 ORDER BY 2 DESC, 1`,
      [THIS_MONTH.from, THIS_MONTH.to],
    );
    const top5 = all.slice(0, 5);
    expect(top5).toHaveLength(5);
    expect(firstLine(reply.text)).toBe('Number of customer messages, this month so far (Sun 1 Nov – Fri 20 Nov 2026), by topic:');
    expect([...groupLines(reply.text)].map(([k, v]) => [k, Number(v.value.replace(/,/g, ''))])).toEqual(top5.map((t) => [t.topic ?? 'unknown', t.n]));
  });

  it('counts the sessions waiting for QA', async () => {
    const reply = await ask('qa', 'How many sessions are waiting for QA?');
    const e = await one<{ waiting: number; passed: number }>(
      `SELECT count(*) FILTER (WHERE qa_status = 'unchecked')::int AS waiting, count(*) FILTER (WHERE qa_status = 'passed')::int AS passed
         FROM sessions WHERE ai_engaged`,
    );
    expect(e.waiting).toBeGreaterThan(0);
    const m = /^([\d,]+) AI sessions are waiting for QA \(unchecked\)\. Reviewed: ([\d,]+) passed/.exec(reply.text);
    expect(m, reply.text).not.toBeNull();
    expect(Number(m![1]!.replace(/,/g, ''))).toBe(e.waiting);
    expect(Number(m![2]!.replace(/,/g, ''))).toBe(e.passed);
    const qa = call(reply, 'qa_queue');
    expect(qa.result.waiting).toBe(e.waiting);
    const oldest = await one<{ id: number }>(
      `SELECT id FROM sessions WHERE ai_engaged AND qa_status = 'unchecked' ORDER BY started_at, id LIMIT 1`,
    );
    expect(reply.text).toContain(`• session ${oldest.id} `);
  });

  it("compares this week's CSI with last week's: both means and the change", async () => {
    const reply = await ask('compare', "Compare this week's CSI with last week's");
    const a = await csiOf(THIS_WEEK);
    const b = await csiOf(LAST_WEEK);
    expect(a.n).toBeGreaterThan(10);
    expect(b.n).toBeGreaterThan(10);
    expect(firstLine(reply.text)).toBe(
      `Average CSI, this week so far (Mon 16 Nov – Fri 20 Nov 2026): ${csiText(a.csi!)}, against ${csiText(b.csi!)} last week (Mon 9 Nov – Sun 15 Nov 2026) (${changeText(a.csi! - b.csi!).replace(/^(?!-)(?=\d)/, '+').replace('-', '−')})`,
    );
    // both periods' figures are what the change rests on: each base is said
    expect(reply.text).toContain(
      `Based on ${a.n} conversation-days this week so far (Mon 16 Nov – Fri 20 Nov 2026) and ${b.n} last week (Mon 9 Nov – Sun 15 Nov 2026); days in ${TZ}.`,
    );
    // an average over the days so far against a whole week: said
    expect(reply.text).toContain('This week is still running: its figure covers its first 5 days, against all 7 days of last week.');
    const metric = call(reply, 'metric_query');
    expect(metric.args).toMatchObject({ measure: 'csi', period: { from: THIS_WEEK.from, to: THIS_WEEK.to }, compare_to: { from: LAST_WEEK.from, to: LAST_WEEK.to } });
    const rows = metric.result.rows as { period: string; value: number }[];
    expect(rows.find((r) => r.period === 'current')!.value).toBeCloseTo(a.csi!, 9);
    expect(rows.find((r) => r.period === 'previous')!.value).toBeCloseTo(b.csi!, 9);
  });

  it('keeps the thread after a refusal: "by page" follows the question before the refused one', async () => {
    const thread = 'after-a-refusal';
    await expectCsiHeadline(await ask(thread, 'What was the CSI last week?'), LAST_WEEK, /^last week/);
    const refused = await ask(thread, 'per customer');
    expect(refused.text).toContain("can't answer that as asked");
    const byPage = await ask(thread, 'now by page');
    await expectByPage(byPage, LAST_WEEK);
  });

  it('follows up in the same thread: "and the week before?", "now by page", "show the SQL"', async () => {
    const thread = 'follow-ups';
    await expectCsiHeadline(await ask(thread, 'What was the CSI last week?'), LAST_WEEK, /^last week/);

    const before = await ask(thread, 'and the week before?');
    await expectCsiHeadline(before, WEEK_BEFORE, /\(Mon 2 Nov – Sun 8 Nov 2026\)$/);

    const byPage = await ask(thread, 'now by page');
    await expectCsiHeadline(byPage, WEEK_BEFORE, /\(Mon 2 Nov – Sun 8 Nov 2026\)$/, true);
    await expectByPage(byPage, WEEK_BEFORE);

    const sql = await ask(thread, 'show the SQL');
    expect(sql.toolCalls).toEqual([]);
    expect(sql.text).toContain('SELECT');
    // The statements of the by-page answer, with its dates written in.
    expect(sql.text).toContain(`'${WEEK_BEFORE.from}'`);
    expect(sql.text).toContain('GROUP BY 1');
    expect(sql.text).not.toContain(`'${LAST_WEEK.from}'`);
  });

  it('says there is no data for a period without any, never zero', async () => {
    const e = await csiOf(Q1_2020);
    expect(e.n).toBe(0);
    const reply = await ask('no-data', 'What was the CSI in Q1 2020?');
    // … and says where the data starts, so the gap is not read as a quiet quarter
    expect(firstLine(reply.text)).toMatch(/^Average CSI, Q1 2020 \(1 Jan – 31 Mar 2020\): no data — conversation-days are recorded from \d+ \w+ 2026 on, so there is nothing to count before that$/);
    expect(reply.text).toContain(TZ);
    expect(reply.text).not.toMatch(/(?<![\d.–])0(?:\.0)?(?![\d.–])/);
    const metric = call(reply, 'metric_query');
    expect(metric.args).toMatchObject({ period: { from: Q1_2020.from, to: Q1_2020.to } });
    expect(metric.result.rows).toEqual([{ value: null, base: 0, display: 'no data' }]);
  });

  it('formats CSI with exactly one decimal and durations as "2 min 10 s" / "45 s"', async () => {
    const csi = await ask('format-csi', 'CSI by agent last month');
    const shown = groupLines(csi.text);
    expect(shown.size).toBeGreaterThan(2);
    for (const v of shown.values()) expect(v.value).toMatch(/^\d{1,3}\.\d$/);
    expect(csi.text).not.toMatch(/\d\.\d{2,}/);

    const rt = await ask('format-durations', 'What is the median first response time last month?');
    const m = /^Median first response time, last month \(October 2026\): (.+)$/.exec(firstLine(rt.text));
    expect(m, rt.text).not.toBeNull();
    expect(m![1]).toMatch(DURATION);
    // The median first response per session, from SQL over the sessions of October.
    const e = await one<{ p50: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY fr) AS p50 FROM (
         SELECT (SELECT extract(epoch FROM min(m.social_create_time) - s.started_at) FROM messages m WHERE m.conversation_id = s.conversation_id
                   AND m.direction = 'to_client' AND m.social_create_time BETWEEN s.started_at AND s.ended_at) AS fr
           FROM sessions s WHERE s.started_at >= ${START} AND s.started_at < ${END}) x`,
      [LAST_MONTH.from, LAST_MONTH.to],
    );
    const first = durationSeconds(m![1]!);
    expect(Math.abs(first.seconds - e.p50)).toBeLessThanOrEqual(first.precision);
  });

  it('keeps the memory in Postgres: a new assistant on the same thread understands the follow-up', async () => {
    const threadKey = 'memory';
    await expectCsiHeadline(await ask(threadKey, 'What was the CSI last week?'), LAST_WEEK, /^last week/);

    const thread = await q<{ id: number }>(`SELECT id FROM agent_threads WHERE channel = 'test' AND thread_key = $1`, [threadKey]);
    expect(thread).toHaveLength(1);
    const stored = await q<{ role: string; content: string; tool_calls: { calls?: { name: string }[] } | null }>(
      'SELECT role, content, tool_calls FROM agent_messages WHERE thread_id = $1 ORDER BY id',
      [thread[0]!.id],
    );
    expect(stored.map((m) => m.role)).toEqual(['human', 'ai', 'tool', 'ai']);
    expect(stored[0]!.content).toBe('What was the CSI last week?');
    expect(stored[1]!.tool_calls?.calls?.map((c) => c.name)).toEqual(['metric_query']);
    expect(stored[3]!.content).toMatch(/^Average CSI, last week/);

    const second = await openAssistant(offlineConfig(TZ), db.url, { now: () => NOW, pool: db.pool });
    try {
      const reply = await ask(threadKey, 'and the week before?', second.assistant);
      await expectCsiHeadline(reply, WEEK_BEFORE, /\(Mon 2 Nov – Sun 8 Nov 2026\)$/);
    } finally {
      await second.close();
    }
    const after = await one<{ n: number }>('SELECT count(*)::int AS n FROM agent_messages WHERE thread_id = $1', [thread[0]!.id]);
    expect(after.n).toBe(8);
  });

  it('answers "show me the SQL for CSI last week" with the figure and its SQL, and lists the pages and agents asked for', async () => {
    const reply = await ask('sql-for', 'show me the SQL for CSI last week');
    await expectCsiHeadline(reply, LAST_WEEK, /^last week/);
    expect(reply.text).toMatch(/\n\nThe SQL:\nSELECT [\s\S]*'2026-11-09'[\s\S]*;$/);
    const pages = await ask('names', 'which pages do we have?');
    expect(pages.toolCalls).toEqual([]);
    const stored = (await db.pool.query<{ name: string }>('SELECT name FROM pages ORDER BY name')).rows.map((r) => r.name);
    expect(pages.text).toBe(`Pages (${stored.length}): ${stored.join(', ')}.`);
    expect((await ask('names', 'who are our agents')).text).toMatch(/^Human agents \(\d+\): /);
  });

  it('answers an unknown question with the help text and no tool calls', async () => {
    const reply = await ask('unknown', "what's the weather in Paris?");
    expect(reply.toolCalls).toEqual([]);
    expect(reply.charts).toEqual([]);
    expect(reply.text).toMatch(/^I can't answer that one offline/);
    expect(reply.text).toContain('• What was the CSI last week?');
    expect(reply.text).toContain('Follow-ups work too');
  });
});

describe('pulse ask --json', () => {
  it('answers a period-free question from the database with its tool calls and SQL', async () => {
    expect(cliRun).toBeDefined();
    const res = (await cliRun)!;
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as {
      answer: string;
      model: string;
      toolCalls: { name: string; sql: { text: string }[]; result: { waiting: number } }[];
    };
    const e = await one<{ waiting: number }>(`SELECT count(*)::int AS waiting FROM sessions WHERE ai_engaged AND qa_status = 'unchecked'`);
    expect(e.waiting).toBeGreaterThan(0);
    expect(out.model).toBe('pulse-offline');
    expect(out.toolCalls[0]!.name).toBe('qa_queue');
    expect(out.toolCalls[0]!.sql.length).toBeGreaterThan(0);
    expect(out.toolCalls[0]!.sql[0]!.text).toMatch(/^SELECT/);
    expect(out.toolCalls[0]!.result.waiting).toBe(e.waiting);
    expect(out.answer).toMatch(new RegExp(`^${e.waiting.toLocaleString('en-US')} AI sessions are waiting for QA`));
  });
});
