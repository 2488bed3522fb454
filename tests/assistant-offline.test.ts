import { spawn } from 'node:child_process';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssistantReply, ToolCallRecord } from '../src/agents/assistant/assistant.ts';
import { openAssistant, type OpenAssistant } from '../src/agents/assistant/open.ts';
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
const THIS_WEEK: Days = { from: '2026-11-16', to: '2026-11-22' };
const LAST_WEEK: Days = { from: '2026-11-09', to: '2026-11-15' };
const WEEK_BEFORE: Days = { from: '2026-11-02', to: '2026-11-08' };
const THIS_MONTH: Days = { from: '2026-11-01', to: '2026-11-30' };
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
 * The definition of slowestAgents, written independently: each human reply in the period whose
 * previous non-bot message in the conversation is the customer's, and the wait since that
 * message. Median per agent, slowest first.
 */
async function slowestAgents(d: Days): Promise<{ agent_id: string; name: string; replies: number; median: number }[]> {
  return q(
    `WITH human_or_customer AS (
       SELECT m.conversation_id, m.sender_kind::text AS kind, m.social_create_time AS at,
              m.agent_info->>'id' AS agent_id, m.agent_info->>'name' AS name,
              lag(m.sender_kind::text) OVER w AS prev_kind, lag(m.social_create_time) OVER w AS prev_at
         FROM messages m
        WHERE m.sender_kind <> 'bot'
       WINDOW w AS (PARTITION BY m.conversation_id ORDER BY m.social_create_time, m.id))
     SELECT agent_id, max(name) AS name, count(*)::int AS replies,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - prev_at)::float8) AS median
       FROM human_or_customer
      WHERE kind = 'human_agent' AND prev_kind = 'customer' AND at >= ${START} AND at < ${END}
      GROUP BY agent_id
      ORDER BY median DESC, agent_id`,
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

/** The "Name: 72.4 (12 days)" lines of a grouped CSI answer. */
function groupLines(text: string): Map<string, { csi: string; n: number }> {
  const lines = [...text.matchAll(/^• (.+): (\S+) \(([\d,]+) days?\)$/gm)];
  return new Map(lines.map((m) => [m[1]!, { csi: m[2]!, n: Number(m[3]!.replace(/,/g, '')) }]));
}

/** Asserts a per-page answer and its tool result against SQL for `d`. */
async function expectByPage(reply: AssistantReply, d: Days): Promise<void> {
  const expected = await csiByPage(d);
  expect(expected.size).toBeGreaterThan(1);
  const shown = groupLines(reply.text);
  expect([...shown.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, e] of expected) expect(shown.get(name), name).toEqual({ csi: csiText(e.csi), n: e.n });
  const lookup = call(reply, 'csi_lookup');
  expect(lookup.args).toMatchObject({ period: `${d.from} to ${d.to}`, group_by: 'page' });
  const groups = lookup.result.groups as { label: string; csi: number; days: number }[];
  expect(groups).toHaveLength(expected.size);
  for (const g of groups) {
    expect(g.csi).toBeCloseTo(expected.get(g.label)!.csi, 9);
    expect(g.days).toBe(expected.get(g.label)!.n);
  }
}

/** The headline "CSI <label>: 72.4 over N scored conversation-days" of a CSI answer, checked against SQL. */
async function expectCsiHeadline(reply: AssistantReply, d: Days, label: RegExp): Promise<void> {
  const e = await csiOf(d);
  expect(e.n).toBeGreaterThan(10);
  const m = /^CSI (.+?): (\S+) over ([\d,]+) scored conversation-days?/.exec(reply.text);
  expect(m, reply.text).not.toBeNull();
  expect(m![1]).toMatch(label);
  expect(m![2]).toBe(csiText(e.csi!));
  expect(Number(m![3]!.replace(/,/g, ''))).toBe(e.n);
  expect(reply.text).toContain(TZ);
  const lookup = call(reply, 'csi_lookup');
  expect(lookup.args.period).toBe(`${d.from} to ${d.to}`);
  const current = lookup.result.current as { csi: number; days: number; display: { csi: string } };
  expect(current.csi).toBeCloseTo(e.csi!, 9);
  expect(current.days).toBe(e.n);
  expect(current.display.csi).toBe(csiText(e.csi!));
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
    // The comparison line is the week before, from SQL as well.
    const before = await csiOf(WEEK_BEFORE);
    const last = await csiOf(LAST_WEEK);
    expect(reply.text).toContain(`The week before (Mon 2 Nov – Sun 8 Nov 2026): ${csiText(before.csi!)} (change ${changeText(last.csi! - before.csi!)})`);
  });

  it('answers "CSI by page this month" with per-page means', async () => {
    const reply = await ask('csi-by-page', 'CSI by page this month');
    await expectCsiHeadline(reply, THIS_MONTH, /^this month \(November 2026\)$/);
    await expectByPage(reply, THIS_MONTH);
  });

  it('draws the CSI trend for the last 30 days: per-day SQL means, a real PNG with its text rendered', async () => {
    const reply = await ask('trend', 'Show the CSI trend for the last 30 days');
    const lookup = call(reply, 'csi_lookup');
    expect(lookup.args).toMatchObject({ period: `${LAST_30_DAYS.from} to ${LAST_30_DAYS.to}`, group_by: 'day' });

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
    const overall = await csiOf(LAST_30_DAYS);
    expect(reply.text).toContain(`${perDay.size} days with data, overall ${csiText(overall.csi!)}`);
    expect(reply.text).toContain('last 30 days (Thu 22 Oct – Fri 20 Nov 2026)');
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

  it('names the agent with the slowest median first response last month, as the definition computes it', async () => {
    const reply = await ask('slowest', 'Which agent had the slowest first response time last month?');
    const expected = await slowestAgents(LAST_MONTH);
    expect(expected.length).toBeGreaterThan(2);
    const top = expected[0]!;
    expect(top.median).toBeGreaterThan(expected.at(-1)!.median);

    const m = /^Slowest to respond last month \(October 2026\): (.+?), median wait (.+?) before replying to a customer \(([\d,]+) repl(?:y|ies); times in (\S+)\)/.exec(reply.text);
    expect(m, reply.text).not.toBeNull();
    expect(m![1]).toBe(top.name);
    expect(m![2]).toMatch(DURATION);
    const shown = durationSeconds(m![2]!);
    expect(Math.abs(shown.seconds - top.median)).toBeLessThanOrEqual(shown.precision);
    expect(Number(m![3]!.replace(/,/g, ''))).toBe(top.replies);
    expect(m![4]).toBe(TZ);

    // The ranking lines and the tool result: the five slowest, in order.
    const ranking = [...reply.text.matchAll(/^(\d+)\. (.+): (.+) \(([\d,]+) repl(?:y|ies)\)$/gm)];
    expect(ranking.map((r) => r[2])).toEqual(expected.slice(0, 5).map((e) => e.name));
    ranking.forEach((r, i) => {
      expect(r[3]).toMatch(DURATION);
      const d = durationSeconds(r[3]!);
      expect(Math.abs(d.seconds - expected[i]!.median)).toBeLessThanOrEqual(d.precision);
    });
    const stats = call(reply, 'support_stats');
    expect(stats.args).toMatchObject({ period: `${LAST_MONTH.from} to ${LAST_MONTH.to}` });
    const agents = stats.result.slowestAgents as { agentId: string; name: string; replies: number; medianWaitSeconds: number }[];
    expect(agents.map((a) => a.agentId)).toEqual(expected.slice(0, 5).map((e) => e.agent_id));
    agents.forEach((a, i) => {
      expect(a.medianWaitSeconds).toBeCloseTo(expected[i]!.median, 6);
      expect(a.replies).toBe(expected[i]!.replies);
    });
  });

  it('lists the top 5 topics in complaint conversations this month', async () => {
    const reply = await ask('topics', 'Top 5 topics in complaints this month');
    const stats = call(reply, 'support_stats');
    // intents.ts reads "complaints" as the customer-message classification 'complaint', and
    // support_stats counts a conversation as about it when its common_topics hold that value or
    // its conversation-level name ('complaints'), or a customer message of the period is
    // classified so.
    expect(stats.args).toMatchObject({ period: `${THIS_MONTH.from} to ${THIS_MONTH.to}`, topics_in: 'complaint', top_n: 5 });
    const all = await q<{ topic: string; n: number }>(
      `SELECT m.classification AS topic, count(*)::int AS n
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.sender_kind = 'customer' AND m.classification IS NOT NULL
          AND m.social_create_time >= ${START} AND m.social_create_time < ${END}
          AND (c.common_topics ? 'complaint' OR c.common_topics ? 'complaints' OR EXISTS (
                SELECT 1 FROM messages x
                 WHERE x.conversation_id = c.id AND x.sender_kind = 'customer' AND x.classification = 'complaint'
                   AND x.social_create_time >= ${START} AND x.social_create_time < ${END}))
        GROUP BY 1 ORDER BY 2 DESC, 1`,
      [THIS_MONTH.from, THIS_MONTH.to],
    );
    const total = all.reduce((s, r) => s + r.n, 0);
    const top5 = all.slice(0, 5);
    expect(top5).toHaveLength(5);
    expect(top5.map((t) => t.topic)).toContain('complaint');

    expect(reply.text).toMatch(/^Top 5 topics in conversations about complaint, this month \(November 2026\)/);
    expect(reply.text).toContain(`of ${total.toLocaleString('en-US')} classified customer messages`);
    const lines = [...reply.text.matchAll(/^(\d)\. (\w+): ([\d,]+) \(([\d.]+)%\)$/gm)];
    expect(lines.map((l) => [l[2], Number(l[3]!.replace(/,/g, ''))])).toEqual(top5.map((t) => [t.topic, t.n]));
    lines.forEach((l, i) => expect(l[4]).toBe(((top5[i]!.n / total) * 100).toFixed(1)));
    expect(reply.text).toContain(`Other topics: ${(total - top5.reduce((s, t) => s + t.n, 0)).toLocaleString('en-US')}.`);
    const topics = stats.result.topics as { classifiedMessages: number; top: { topic: string; count: number }[] };
    expect(topics.classifiedMessages).toBe(total);
    expect(topics.top.map((t) => [t.topic, t.count])).toEqual(top5.map((t) => [t.topic, t.n]));
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
    expect(reply.text).toContain(`This week (Mon 16 Nov – Sun 22 Nov 2026): CSI ${csiText(a.csi!)} (${a.n} days)`);
    expect(reply.text).toContain(`Last week (Mon 9 Nov – Sun 15 Nov 2026): CSI ${csiText(b.csi!)} (${b.n} days)`);
    const change = a.csi! - b.csi!;
    expect(reply.text).toContain(`Change: ${changeText(change)} (${change > 0 ? 'up' : change < 0 ? 'down' : 'unchanged'}); times in ${TZ}.`);
    const lookup = call(reply, 'csi_lookup');
    expect(lookup.args).toMatchObject({ period: `${THIS_WEEK.from} to ${THIS_WEEK.to}`, compare_to: `${LAST_WEEK.from} to ${LAST_WEEK.to}` });
    const r = lookup.result as { current: { csi: number }; previousValues: { csi: number }; change: { csi: number } };
    expect(r.current.csi).toBeCloseTo(a.csi!, 9);
    expect(r.previousValues.csi).toBeCloseTo(b.csi!, 9);
    expect(r.change.csi).toBeCloseTo(change, 9);
  });

  it('follows up in the same thread: "and the week before?", "now by page", "show the SQL"', async () => {
    const thread = 'follow-ups';
    await expectCsiHeadline(await ask(thread, 'What was the CSI last week?'), LAST_WEEK, /^last week/);

    const before = await ask(thread, 'and the week before?');
    await expectCsiHeadline(before, WEEK_BEFORE, /\(Mon 2 Nov – Sun 8 Nov 2026\)$/);

    const byPage = await ask(thread, 'now by page');
    await expectCsiHeadline(byPage, WEEK_BEFORE, /\(Mon 2 Nov – Sun 8 Nov 2026\)$/);
    await expectByPage(byPage, WEEK_BEFORE);

    const sql = await ask(thread, 'show the SQL');
    expect(sql.toolCalls).toEqual([]);
    expect(sql.text).toContain('SELECT');
    // The statements of the by-page answer, with its dates written in.
    expect(sql.text).toContain(`'${WEEK_BEFORE.from}'`);
    expect(sql.text).toContain('GROUP BY p.id');
    expect(sql.text).not.toContain(`'${LAST_WEEK.from}'`);
  });

  it('says there is no data for a period without any, never zero', async () => {
    const e = await csiOf(Q1_2020);
    expect(e.n).toBe(0);
    const reply = await ask('no-data', 'What was the CSI in Q1 2020?');
    expect(reply.text).toMatch(/^No data for Q1 2020 \(1 Jan – 31 Mar 2020\)/);
    expect(reply.text).toContain(TZ);
    expect(reply.text).not.toMatch(/(?<![\d.])0(?:\.0)?(?![\d.])/);
    const lookup = call(reply, 'csi_lookup');
    expect(lookup.args.period).toBe(`${Q1_2020.from} to ${Q1_2020.to}`);
    const current = lookup.result.current as { csi: number | null; days: number; display: { csi: string } };
    expect(current).toMatchObject({ csi: null, days: 0, display: { csi: 'no data' } });
  });

  it('formats CSI with exactly one decimal and durations as "2 min 10 s" / "45 s"', async () => {
    const csi = await ask('format-csi', 'CSI by agent last month');
    const shown = groupLines(csi.text);
    expect(shown.size).toBeGreaterThan(2);
    for (const v of shown.values()) expect(v.csi).toMatch(/^\d{1,3}\.\d$/);
    expect(csi.text).not.toMatch(/\d\.\d{2,}/);

    const rt = await ask('format-durations', 'What is the first response time last month?');
    const durations = [...rt.text.matchAll(/(?:median|percentile) ([^,\n]+?)(?=,|$)/gm)].map((m) => m[1]!);
    expect(durations.length).toBeGreaterThanOrEqual(3);
    for (const d of durations) expect(d).toMatch(DURATION);
    // The median first response, from SQL over the analysed days of October.
    const e = await one<{ p50: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_time) AS p50
         FROM daily_analyses WHERE day BETWEEN $1::date AND $2::date`,
      [LAST_MONTH.from, LAST_MONTH.to],
    );
    const first = durationSeconds(durations[0]!);
    expect(Math.abs(first.seconds - e.p50)).toBeLessThanOrEqual(first.precision);

    // Counts agree with their noun: this week an agent among the three slowest has one reply.
    const expected = (await slowestAgents(THIS_WEEK)).slice(0, 3);
    expect(expected.some((a) => a.replies === 1)).toBe(true);
    const slow = await ask('format-plural', 'Top 3 slowest agents this week');
    const lines = [...slow.text.matchAll(/^\d\. (.+): (.+) \((\d+) (repl(?:y|ies))\)$/gm)];
    expect(lines.map((l) => [l[1], Number(l[3]), l[4]])).toEqual(expected.map((a) => [a.name, a.replies, a.replies === 1 ? 'reply' : 'replies']));
    for (const l of lines) expect(l[2]).toMatch(DURATION);
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
    expect(stored[1]!.tool_calls?.calls?.map((c) => c.name)).toEqual(['csi_lookup']);
    expect(stored[3]!.content).toMatch(/^CSI last week/);

    const second = await openAssistant(offlineConfig(TZ), db.url, { now: () => NOW });
    try {
      const reply = await ask(threadKey, 'and the week before?', second.assistant);
      await expectCsiHeadline(reply, WEEK_BEFORE, /\(Mon 2 Nov – Sun 8 Nov 2026\)$/);
    } finally {
      await second.close();
    }
    const after = await one<{ n: number }>('SELECT count(*)::int AS n FROM agent_messages WHERE thread_id = $1', [thread[0]!.id]);
    expect(after.n).toBe(8);
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
