// Runs the evaluation set against an assistant: each question is asked in a thread of its own
// (after its earlier questions, for follow-ups), its expectation's SQL is run over the same
// database, and the answer is judged by its words only: the figures, formatted as the product
// formats them, must appear where the answer shape puts them (first line for a figure, a winner
// or a comparison; a line per key for a breakdown), and a refusal must say so without a nearby
// figure. Nothing here looks at how the question was understood.
import type pg from 'pg';
import { measureByName } from '../domain/semantic/catalogue.ts';
import { formatValue } from '../domain/semantic/format.ts';
import { CATEGORIES, type Category, type EvalQuestion, type Figure } from './types.ts';

export interface EvalAssistant {
  ask(thread: { channel: string; threadKey: string }, question: string): Promise<{ text: string }>;
}

export interface EvalResult {
  id: string;
  category: Category;
  question: string;
  thread?: string[];
  pass: boolean;
  /** why it failed, or what was found when it passed */
  reason: string;
  answer: string;
  /** figures the expectation forbids that the answer shows anyway */
  forbiddenShown: string[];
}

export interface CategoryScore {
  passed: number;
  total: number;
  accuracy: number;
}

export interface EvalReport {
  passed: number;
  total: number;
  accuracy: number;
  byCategory: Partial<Record<Category, CategoryScore>>;
  results: EvalResult[];
}

type Num = number | string | null;

/** The ways `v` may be written: its display string, and the neighbours a last-bit difference in summing could round to. */
function displays(v: Num, f: Figure): string[] {
  const m = measureByName(f.measure);
  if (!m) throw new Error(`unknown measure ${f.measure}`);
  if (v === null) return ['no data'];
  const n = Number(v);
  return [...new Set([n, n * (1 + 1e-9), n * (1 - 1e-9)].map((x) => formatValue(x, m.unit, f.stat)))];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** One figure as a whole token: "71.3" is not found in "171.3" nor in "71.35". */
const tokenRe = (s: string) => new RegExp(`(?<![\\d.,])${escape(s)}(?!\\d)(?![.,]\\d)`, 'i');
// chat markup (bold, italics, code) is taken off both the answer and the keys looked for in it
// chat markup (bold, italics, code) is taken off the answer and off the keys looked for in it
const normalise = (text: string) => text.replace(/\u2212/g, '-').replace(/\u00a0/g, ' ').replace(/[*_`]/g, '');
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
/** Dates and period words of a label ("Mon 16 Nov – Sun 22 Nov 2026", "last 7 days"): their numbers are not figures. */
const PERIOD_WORDS = new RegExp(`\\d{4}-\\d{2}-\\d{2}|\\b\\d{1,2} ${MONTH}(?: \\d{4})?|\\b${MONTH} \\d{4}|\\bQ[1-4](?: \\d{4})?|\\b(?:last|past|previous) \\d+ \\w+|\\b20\\d{2}\\b(?![.,]\\d)`, 'gi');
const showsAny = (text: string, ways: string[]) => {
  const figures = text.replace(PERIOD_WORDS, ' ');
  return ways.some((w) => tokenRe(w).test(figures));
};

const NULL_KEY = /unknown|nobody|no human agent|none/i;
const hasKey = (line: string, key: unknown) => (key === null || key === undefined ? NULL_KEY.test(line) : line.toLowerCase().includes(normalise(String(key)).toLowerCase()));

interface Verdict {
  pass: boolean;
  reason: string;
  forbiddenShown?: string[];
}

async function judge(pool: pg.Pool, q: EvalQuestion, text: string): Promise<Verdict> {
  const e = q.expect;
  const answer = normalise(text);
  const first = answer.split('\n')[0] ?? '';
  const rowsOf = async (sql: string) => (await pool.query(sql)).rows as Record<string, Num>[];
  if (e.kind === 'refusal') {
    const shown: string[] = [];
    for (const f of e.forbid) {
      const v = (await rowsOf(f.sql))[0]?.value ?? null;
      // single-digit counts are too common in plain words ("last 7 days") to tell anything
      if (v === null || (f.stat === 'count' && Number(v) < 10)) continue;
      const ways = displays(v, f);
      if (showsAny(answer, ways)) shown.push(`${ways[0]} (${f.stat} ${f.measure})`);
    }
    const refused = e.match.test(answer);
    if (shown.length) return { pass: false, reason: `${refused ? 'refused but shows' : 'not refused; shows'} a nearby figure: ${shown.join(', ')}`, forbiddenShown: shown };
    return refused ? { pass: true, reason: 'refused' } : { pass: false, reason: `expected a refusal matching ${e.match}` };
  }
  const says = e.says?.filter((re) => !re.test(first)) ?? [];
  const missingWords = says.length ? `; first line lacks ${says.join(', ')}` : '';
  const rows = await rowsOf(e.sql);
  switch (e.kind) {
    case 'value': {
      const ways = displays(rows[0]?.value ?? null, e);
      if (!showsAny(first, ways)) return { pass: false, reason: `first line lacks ${ways[0]}` };
      return says.length ? { pass: false, reason: `shows ${ways[0]}${missingWords}` } : { pass: true, reason: ways[0]! };
    }
    case 'compare': {
      const cur = displays(rows[0]?.current ?? null, e);
      const prev = displays(rows[0]?.previous ?? null, e);
      const lacks = [showsAny(first, cur) ? '' : cur[0], showsAny(first, prev) ? '' : prev[0]].filter(Boolean);
      if (lacks.length) return { pass: false, reason: `first line lacks ${lacks.join(' and ')} (expected ${cur[0]} against ${prev[0]})` };
      return says.length ? { pass: false, reason: `shows both${missingWords}` } : { pass: true, reason: `${cur[0]} against ${prev[0]}` };
    }
    case 'winner': {
      if (rows.length === 0) return /no data/i.test(first) ? { pass: true, reason: 'no data' } : { pass: false, reason: 'expected "no data"' };
      const best = displays(rows[0]!.value ?? null, e);
      // a tie at the top: any of the tied keys is a right answer
      const tied = rows.filter((r) => displays(r.value ?? null, e)[0] === best[0]);
      const found = tied.find((r) => hasKey(first, r.key));
      if (!found) return { pass: false, reason: `first line lacks the winner ${tied.map((r) => String(r.key)).join(' or ')} (${best[0]})` };
      if (!showsAny(first, best)) return { pass: false, reason: `first line names ${String(found.key)} but lacks its ${best[0]}` };
      return says.length ? { pass: false, reason: `winner right${missingWords}` } : { pass: true, reason: `${String(found.key)}, ${best[0]}` };
    }
    case 'rows': {
      if (rows.length === 0) return /no data/i.test(answer) ? { pass: true, reason: 'no data' } : { pass: false, reason: 'expected "no data"' };
      const lines = answer.split('\n');
      const missing = rows.filter((r) => {
        const ways = displays(r.value ?? null, e);
        return !lines.some((l) => hasKey(l, r.key) && showsAny(l, ways));
      });
      if (missing.length) {
        return { pass: false, reason: `no line with ${missing.slice(0, 4).map((r) => `${String(r.key)}: ${displays(r.value ?? null, e)[0]}`).join('; ')}${missing.length > 4 ? ` (+${missing.length - 4} more)` : ''}` };
      }
      return says.length ? { pass: false, reason: `rows right${missingWords}` } : { pass: true, reason: `${rows.length} row(s)` };
    }
  }
}

/** Asks every question and judges every answer; never throws for one question's failure. */
export async function runEval(
  assistant: EvalAssistant,
  pool: pg.Pool,
  questions: readonly EvalQuestion[],
  opts: { runId?: string; onResult?: (r: EvalResult) => void } = {},
): Promise<EvalReport> {
  const runId = opts.runId ?? `eval-${Date.now().toString(36)}`;
  const results: EvalResult[] = [];
  for (const q of questions) {
    const thread = { channel: 'eval', threadKey: `${runId}-${q.id}` };
    let answer = '';
    let verdict: Verdict;
    try {
      for (const earlier of q.thread ?? []) await assistant.ask(thread, earlier);
      answer = (await assistant.ask(thread, q.question)).text;
      verdict = await judge(pool, q, answer);
    } catch (err) {
      verdict = { pass: false, reason: `error: ${err instanceof Error ? err.message : String(err)}` };
    }
    const r: EvalResult = {
      id: q.id, category: q.category, question: q.question, ...(q.thread ? { thread: q.thread } : {}),
      pass: verdict.pass, reason: verdict.reason, answer, forbiddenShown: verdict.forbiddenShown ?? [],
    };
    results.push(r);
    opts.onResult?.(r);
  }
  return summarise(results);
}

export function summarise(results: EvalResult[]): EvalReport {
  const score = (rs: EvalResult[]): CategoryScore => {
    const passed = rs.filter((r) => r.pass).length;
    return { passed, total: rs.length, accuracy: rs.length ? passed / rs.length : 1 };
  };
  const byCategory: Partial<Record<Category, CategoryScore>> = {};
  for (const c of CATEGORIES) {
    const rs = results.filter((r) => r.category === c);
    if (rs.length) byCategory[c] = score(rs);
  }
  const all = score(results);
  return { ...all, byCategory, results };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The report as lines: accuracy overall and per category, then each failure with its reason. */
export function reportLines(r: EvalReport): string[] {
  const lines = [`accuracy ${pct(r.accuracy)} (${r.passed}/${r.total})`];
  for (const [c, s] of Object.entries(r.byCategory)) lines.push(`  ${c.padEnd(26)} ${pct(s.accuracy).padStart(6)}  (${s.passed}/${s.total})`);
  const failed = r.results.filter((x) => !x.pass);
  if (failed.length) lines.push('', `failures (${failed.length}):`);
  for (const f of failed) {
    lines.push(`- ${f.id} [${f.category}] ${f.thread ? `${f.thread.map((t) => `"${t}" → `).join('')}` : ''}"${f.question}"`);
    lines.push(`    ${f.reason}`);
    lines.push(`    answered: ${(f.answer.split('\n')[0] ?? '').slice(0, 200)}`);
  }
  return lines;
}
