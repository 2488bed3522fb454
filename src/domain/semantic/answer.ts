// The words of a catalogue answer. The first line answers exactly what was asked (the figure,
// its statistic, the filters, the period and, for "which", the winner); then the detail; then
// what the number is: its definition, the base it was computed over, the timezone, and whether
// the period is still running. Words of the question that were recognised but not applied are
// named, never dropped.
import { SOURCES, type Dimension, type Measure, type Statistic } from './catalogue.ts';
import { daysIn, type CheckedQuery, type DayRange } from './query.ts';
import { counted, formatDelta } from './format.ts';
import { addDays, formatDay, formatRange, lastDayOfMonth } from '../period-words.ts';
import type { ChangeRanking } from './said.ts';

export interface MetricRow {
  key?: string;
  period?: 'current' | 'previous';
  value: number | null;
  base: number;
  display: string;
}

export interface MetricAnswerInput {
  measure: Measure;
  query: CheckedQuery;
  /** "average CSI", "median first response time" */
  figure: string;
  rows: MetricRow[];
  timeZone: string;
  /** today in the business timezone, YYYY-MM-DD */
  today: string;
  /** recognised words the query could not use, each with why */
  notApplied?: string[];
  /** the ranking word of a "which …" question ("best", "slowest"): the winner goes first */
  winner?: string;
  /** the place asked for ("the second best"): that row leads instead of the first */
  place?: number;
  /** nothing was counted and the period ends before the measure's data starts: the day it starts (null: none yet) */
  dataFrom?: string | null;
  /** the measure's data starts inside the period or the compared one: the day it starts */
  recordedFrom?: string;
  /** said after the figure, e.g. that no period was named and which one was used */
  notes?: string[];
  /** the groups ranked by their change against the compared period (a breakdown compared) */
  change?: ChangeRanking;
  /** the group a share question asked about: the headline gives its share first */
  focus?: string;
}

const DIM_WORDS: Record<Dimension, string> = {
  page: 'page', agent: 'agent', reviewer: 'reviewer', day: 'day', week: 'week', month: 'month', hour: 'hour of day',
  weekday: 'weekday', topic: 'topic', qa_state: 'QA state', sender: 'sender', qa_category: 'QA category',
};

// groups of rows without that dimension (bot replies have no agent) never win a ranking
const UNKNOWN_KEYS = new Set(['no human agent', 'nobody', 'unknown']);

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function filterWords(q: CheckedQuery): string {
  return q.filters.map((f) => {
    if (f.dimension === 'hour' && !f.exclude) return ` ${hourRanges(f.values)}`;
    return ` ${f.exclude ? 'excluding' : 'for'} ${DIM_WORDS[f.dimension]} ${f.values.join(f.exclude ? ' and ' : ' or ')}`;
  }).join('');
}

const clockOf = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;

/** Hours of the day as the clock reads them: "between 18:00 and 09:00", not "hour of day 18 or 19 or … 8". */
export function hourRanges(values: readonly string[]): string {
  const hours = new Set(values.map(Number));
  const runs: [number, number][] = [];
  for (let h = 0; h < 24; h++) {
    if (!hours.has(h) || hours.has((h + 23) % 24)) continue;
    let end = h;
    while (hours.has((end + 1) % 24) && end - h < 23) end++;
    runs.push([h, end + 1]);
  }
  if (runs.length === 0) return `for hour of day ${values.join(' or ')}`;
  return runs.map(([from, to]) => `between ${clockOf(from)} and ${clockOf(to)}`).join(' or ');
}

export const DIM_PLURALS: Record<Dimension, string> = {
  page: 'pages', agent: 'agents', reviewer: 'reviewers', day: 'days', week: 'weeks', month: 'months', hour: 'hours of day',
  weekday: 'weekdays', topic: 'topics', qa_state: 'QA states', sender: 'senders', qa_category: 'QA categories',
};

/**
 * Whether the rows may be only the first of more groups: a ranking's top N (the query's LIMIT).
 * Their bases then add up to those groups' base only, not to the base of everything ranked.
 */
const cutShort = (q: CheckedQuery, rows: MetricRow[]) => q.groupBy !== undefined && q.limit !== undefined && !q.compareTo && rows.length >= q.limit;

function baseWords(m: Measure, rows: MetricRow[], q: CheckedQuery): string {
  const count = (of: (r: MetricRow) => boolean) => rows.filter(of).reduce((a, r) => a + r.base, 0);
  const grain = SOURCES[m.source].grain;
  const n = count((r) => r.period !== 'previous');
  const words = n === 0 ? `no ${grain}` : counted(n, grain);
  if (cutShort(q, rows)) return `${words} of the ${counted(rows.length, DIM_PLURALS[q.groupBy!])} shown`;
  if (!q.compareTo) return words;
  // a comparison is based on both periods' figures: each period's base is said
  const p = count((r) => r.period === 'previous');
  return `${words} ${when(q)} and ${p === 0 ? 'none' : p.toLocaleString('en-US')} ${q.compareTo.label}`;
}

// The statistics of values (as against counts and rates, whose definition is the figure's own).
const OF_VALUES: Partial<Record<Statistic, string>> = { mean: 'average', median: 'median', p90: '90th percentile', min: 'minimum', max: 'maximum', sum: 'total' };
// A clause of a definition that names a statistic over all the values ("mean of the answers"):
// the statistic is the one asked, said after the definition, so such a clause never goes out.
const STATISTIC_CLAUSE = /[;,]?\s*\b(?:the )?(?:mean|average|median|sum|total|maximum|minimum) of (?:the|all) (?:answers|values|ratings|scores)\b(?=\s*(?:[,;.]|$))/g;

/**
 * What the figure is: the measure's definition (of one value), and for a statistic of values the
 * statistic asked — "…; the figure is their median" — never another one the definition names.
 */
export function definitionWords(m: Measure, statistic: Statistic): string {
  // days without any still count, so a quiet Sunday pulls the average down as it did the week
  if (statistic === 'perDay') return `${m.definition}; the figure is their count divided by the days of the period (those of the weekdays asked), days without any counted as 0`;
  const of = OF_VALUES[statistic];
  if (!of) return m.definition;
  const one = m.definition.replace(STATISTIC_CLAUSE, '').replace(/^[;,]\s*/, '').replace(/\s*[;,]\s*([;,])/g, '$1');
  return `${one}; the figure is their ${of}`;
}

function footer(i: MetricAnswerInput): string[] {
  const { measure, query } = i;
  const definition = definitionWords(measure, query.statistic);
  const lines = query.period
    ? [`${cap(measure.label)}: ${definition}. Based on ${baseWords(measure, i.rows, query)}; days in ${i.timeZone}.`]
    // (a 0 of the queue is no handed-off conversation in that state, not none handed off at all)
    : [`${cap(measure.label)}: ${definition}. ${i.rows.some((r) => r.base > 0) ? `Based on ${baseWords(measure, i.rows, query)} as they stand now` : `No ${SOURCES[measure.source].grain} are in that state now`}.`];
  if (query.period && query.period.to >= i.today && query.period.from <= i.today) lines.push(`The period includes today, so it is partial.`);
  const covered = coverageNote(i);
  if (covered) lines.push(covered);
  for (const n of i.notes ?? []) lines.push(n);
  for (const w of i.notApplied ?? []) lines.push(`Not applied: ${w}.`);
  return lines;
}

/**
 * A period that starts before the measure's data: the days the figure covers, so a total or a
 * daily average over part of the period is not read as the whole period's.
 */
function coverageNote(i: MetricAnswerInput): string | undefined {
  const from = i.recordedFrom;
  const { period, compareTo } = i.query;
  if (!from || !period) return undefined;
  const span = (p: DayRange) => formatRange(from, p.to < i.today ? p.to : i.today, false);
  const parts: string[] = [];
  if (from > period.from && from <= period.to) {
    const days = daysIn({ ...period, from }, i.query.filters).reduce((a, b) => a + b, 0);
    const perDay = i.query.statistic !== 'perDay' ? '' : i.query.groupBy === 'weekday' ? ', and the daily average is over those days' : `, and the daily average is over those ${days} days`;
    parts.push(`the figure covers ${span(period)} only${perDay}`);
  }
  if (compareTo && from > compareTo.from) parts.push(from > compareTo.to ? `${compareTo.label} has none to compare` : `${compareTo.label} is covered from then only`);
  if (parts.length === 0) return undefined;
  return `${cap(SOURCES[i.measure.source].grain)} are recorded from ${formatDay(from, true, false)} on: ${parts.join('; ')}.`;
}

/** "last week (Mon 16 – Sun 22 Nov 2026)", or "now" for a measure of how things stand. */
const when = (q: CheckedQuery): string => q.period?.label ?? 'now';

function headline(i: MetricAnswerInput): string {
  const { query, rows } = i;
  if (i.change && query.groupBy !== undefined && query.compareTo) return changeHeadline(i, i.change, byChange(comparedGroups(rows), i.change));
  const scope = `${cap(i.figure)}${filterWords(query)}, ${when(query)}`;
  if (query.groupBy === undefined && query.compareTo === undefined) return `${scope}: ${rows[0]?.display ?? 'no data'}`;
  if (query.groupBy === undefined) {
    const cur = rows.find((r) => r.period === 'current');
    const prev = rows.find((r) => r.period === 'previous');
    const delta = cur?.value != null && prev?.value != null ? ` (${signed(cur.value - prev.value, i)})` : '';
    return `${scope}: ${cur?.display ?? 'no data'}, against ${prev?.display ?? 'no data'} ${query.compareTo!.label}${delta}`;
  }
  const dim = DIM_WORDS[query.groupBy];
  if (i.focus !== undefined && !query.compareTo) {
    const row = rows.find((r) => r.key === i.focus);
    const total = rows.reduce((a, r) => a + r.base, 0);
    const grain = SOURCES[i.measure.source].grain;
    return `${cap(i.figure)} for ${dim} ${i.focus}${filterWords(query)}, ${when(query)}: ${row?.display ?? 'no data'}${row ? ` (${row.base.toLocaleString('en-US')} of ${counted(total, grain)})` : ''}`;
  }
  if (i.winner) {
    const ranked = rows.filter((r) => r.value !== null && r.period !== 'previous' && !UNKNOWN_KEYS.has(r.key ?? ''));
    const top = ranked[(i.place ?? 1) - 1];
    // a tie is said, not settled by the name's alphabetical order
    const tied = top ? ranked.filter((r) => r.value === top.value).map((r) => r.key) : [];
    const who = tied.length > 1 ? `${tied.join(', ')} (tied)` : top?.key;
    const nth = i.place ? PLACE_WORDS[i.place] ?? `${i.place}th` : undefined;
    const words = nth ? `${cap(nth)} ${winnerWords(i, dim).replace(/^./, (c) => c.toLowerCase())}` : winnerWords(i, dim);
    if (!top && nth) return `${words}${filterWords(query)}, ${when(query)}: none — only ${counted(ranked.length, `${dim}s`)} had a figure`;
    return top ? `${words}${filterWords(query)}, ${when(query)}: ${who}, ${top.display}` : `${scope}: no data`;
  }
  if (query.compareTo) return `${scope} against ${query.compareTo.label}, by ${dim}:`;
  return `${scope}, by ${dim}:`;
}

const PLACE_WORDS: Record<number, string> = { 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', 6: 'sixth', 7: 'seventh', 8: 'eighth', 9: 'ninth', 10: 'tenth' };

// Ranking words that describe the winner itself ("the busiest day"); the others say how much of the figure it has.
const ADJECTIVES: Record<string, string> = {
  best: 'best', strongest: 'strongest', worst: 'worst', weakest: 'weakest', slowest: 'slowest', fastest: 'fastest', quickest: 'quickest',
  busiest: 'busiest', 'most busy': 'busiest', quietest: 'quietest', 'least busy': 'quietest',
};
const MORE = new Set(['most', 'more', 'top', 'highest', 'biggest', 'largest', 'greatest', 'longest']);

/**
 * The winner's words: "Best page by average CSI", "Page with the most conversations", "Day with
 * the highest average CSI", "Agent with the lowest median first response time" — never "Most page".
 */
function winnerWords(i: MetricAnswerInput, dim: string): string {
  const word = i.winner ?? 'top';
  const adjective = ADJECTIVES[word];
  if (adjective) return `${cap(adjective)} ${dim} by ${i.figure}`;
  const more = MORE.has(word) || !/^(?:least|less|fewest|lowest|bottom|smallest|shortest)$/.test(word);
  // a count is "the most conversations"; any other figure "the highest average CSI" (or the word asked: "the longest")
  if (i.query.statistic === 'count') return `${cap(dim)} with the ${more ? 'most' : 'fewest'} ${i.measure.label}`;
  const keep = /^(?:highest|lowest|biggest|largest|greatest|smallest|longest|shortest)$/.test(word);
  return `${cap(dim)} with the ${keep ? word : more ? 'highest' : 'lowest'} ${i.figure}`;
}

const signed = (d: number, i: MetricAnswerInput): string => formatDelta(d, i.measure.unit, i.query.statistic);

interface ComparedGroup {
  key: string | undefined;
  cur?: MetricRow;
  prev?: MetricRow;
  /** current minus previous, when both periods have a figure */
  delta?: number;
}

/** Each group with its figure in both periods, in the order of the current period's figures (groups seen only before come last). */
function comparedGroups(rows: MetricRow[]): ComparedGroup[] {
  const keys = [...new Set([...rows.filter((r) => r.period !== 'previous'), ...rows].map((r) => r.key))];
  return keys.map((key) => {
    const cur = rows.find((r) => r.key === key && r.period !== 'previous');
    const prev = rows.find((r) => r.key === key && r.period === 'previous');
    return { key, ...(cur ? { cur } : {}), ...(prev ? { prev } : {}), ...(cur?.value != null && prev?.value != null ? { delta: cur.value - prev.value } : {}) };
  });
}

/** The groups by their change, as asked; groups without a change (no figure in one period) are left out. */
function byChange(groups: ComparedGroup[], c: ChangeRanking): ComparedGroup[] {
  // "dropped least" ranks the groups that dropped, not the ones that rose
  const smallest = (c.order === 'asc') === (c.wanted === 'up');
  const ranked = groups.filter((g) => g.delta !== undefined && !UNKNOWN_KEYS.has(g.key ?? '') && (!smallest || (c.wanted === 'down' ? g.delta < 0 : g.delta > 0)));
  ranked.sort((a, b) => (c.order === 'asc' ? a.delta! - b.delta! : b.delta! - a.delta!));
  return c.limit ? ranked.slice(0, c.limit) : ranked;
}

/** A breakdown compared with another period: one line per group with both figures and the change. */
function comparedLines(i: MetricAnswerInput, groups: ComparedGroup[]): string[] {
  const grain = SOURCES[i.measure.source].grain;
  return groups.map(({ key, cur, prev, delta }) => {
    const now = cur ? `${cur.display} (${counted(cur.base, grain)})` : 'no data';
    const before = prev ? `${prev.display} (${prev.base.toLocaleString('en-US')})` : 'no data';
    return `• ${key}: ${now}, against ${before}${delta !== undefined ? ` (${signed(delta, i)})` : ''}`;
  });
}

/**
 * The headline of groups ranked by their change: the group that changed most the way asked, or,
 * when none did ("the biggest drop" in a week where every page rose), that plainly.
 */
function changeHeadline(i: MetricAnswerInput, c: ChangeRanking, ranked: ComparedGroup[]): string {
  const dim = DIM_WORDS[i.query.groupBy!];
  const scope = `${i.figure} by ${dim}${filterWords(i.query)}, ${when(i.query)} against ${i.query.compareTo!.label}`;
  const top = ranked[0];
  if (!top) return `${cap(scope)}: no ${dim} has a figure in both periods, so there is no ${c.noun} to rank`;
  const moved = c.wanted === 'down' ? top.delta! < 0 : top.delta! > 0;
  const smallest = (c.order === 'asc') === (c.wanted === 'up');
  if (!moved && !smallest) {
    return `No ${dim} had a ${c.noun} in ${i.figure}${filterWords(i.query)}, ${when(i.query)} against ${i.query.compareTo!.label}: every one ${c.wanted === 'down' ? 'rose or held' : 'fell or held'}; the closest, ${top.key}: ${signed(top.delta!, i)}`;
  }
  const adjective = i.winner && /^(?:biggest|largest|greatest|smallest)$/.test(i.winner) ? i.winner : smallest ? 'smallest' : 'largest';
  const head = `${cap(adjective)} ${c.noun} in ${scope}: ${top.key}, ${signed(top.delta!, i)} (${top.cur!.display} against ${top.prev!.display})`;
  return i.winner ? head : `${cap(scope)}, by ${adjective} ${c.noun} first:`;
}

/** The whole answer text for a catalogue result. */

/**
 * A week or month row the period (or today) cuts: " (10–15 Nov only)", so a part is not read as a
 * whole week beside the others.
 */
function partOf(i: MetricAnswerInput, key: string | undefined): string {
  const p = i.query.period;
  if (!p || !key || (i.query.groupBy !== 'week' && i.query.groupBy !== 'month')) return '';
  const start = i.query.groupBy === 'week' ? key : `${key}-01`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) return '';
  const end = i.query.groupBy === 'week' ? addDays(start, 6) : `${key.slice(0, 7)}-${String(lastDayOfMonth(Number(key.slice(0, 4)), Number(key.slice(5, 7)))).padStart(2, '0')}`;
  const last = [p.to, i.today, end].sort()[0]!;
  const first = start < p.from ? p.from : start;
  return first === start && last === end ? '' : ` (${formatDay(first, false, false)}–${formatDay(last, false, false)} only)`;
}

export function metricAnswer(i: MetricAnswerInput): string {
  if (i.dataFrom !== undefined) {
    const grain = SOURCES[i.measure.source].grain;
    const from = i.dataFrom === null ? `no ${grain} are recorded yet` : `${grain} are recorded from ${formatDay(i.dataFrom, true, false)} on`;
    return [`${cap(i.figure)}${filterWords(i.query)}, ${when(i.query)}: no data — ${from}, so there is nothing to count before that`, ...footer(i)].join('\n');
  }
  const lines = [headline(i)];
  if (i.query.groupBy !== undefined) {
    const grain = SOURCES[i.measure.source].grain;
    const groups = i.query.compareTo !== undefined ? comparedGroups(i.rows) : undefined;
    if (groups) lines.push(...comparedLines(i, i.change ? byChange(groups, i.change) : groups));
    else for (const r of i.rows) lines.push(`• ${r.key}${partOf(i, r.key)}: ${r.display} (${counted(r.base, grain)})`);
    if (i.rows.length === 0) lines.push('No data in that period.');
    const between = !groups ? betweenTwo(i) : undefined;
    if (between) lines.push(between);
  }
  return [...lines, ...footer(i)].join('\n');
}

/** Two groups named to compare ("Voltix vs Stride"): the difference between them, in the figure's unit. */
function betweenTwo(i: MetricAnswerInput): string | undefined {
  const named = i.query.filters.find((f) => f.dimension === i.query.groupBy && !f.exclude);
  const [a, b] = i.rows;
  if (named?.values.length !== 2 || i.rows.length !== 2 || a?.value == null || b?.value == null) return undefined;
  return `Difference: ${a.key} ${signed(a.value - b.value, i)} against ${b.key}.`;
}
