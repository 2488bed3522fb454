// The words of a catalogue answer. The first line answers exactly what was asked (the figure,
// its statistic, the filters, the period and, for "which", the winner); then the detail; then
// what the number is: its definition, the base it was computed over, the timezone, and whether
// the period is still running. Words of the question that were recognised but not applied are
// named, never dropped.
import { SOURCES, type Dimension, type Measure } from './catalogue.ts';
import type { CheckedQuery } from './query.ts';

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
  /** said after the figure, e.g. that no period was named and which one was used */
  notes?: string[];
}

const DIM_WORDS: Record<Dimension, string> = {
  page: 'page', agent: 'agent', reviewer: 'reviewer', day: 'day', week: 'week', month: 'month', hour: 'hour of day',
  weekday: 'weekday', topic: 'topic', qa_state: 'QA state', sender: 'sender', qa_category: 'QA category',
};

// groups of rows without that dimension (bot replies have no agent) never win a ranking
const UNKNOWN_KEYS = new Set(['no human agent', 'nobody', 'unknown']);

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function filterWords(q: CheckedQuery): string {
  return q.filters.map((f) => ` for ${DIM_WORDS[f.dimension]} ${f.values.join(' or ')}`).join('');
}

function baseWords(m: Measure, rows: MetricRow[]): string {
  const n = rows.filter((r) => r.period !== 'previous').reduce((a, r) => a + r.base, 0);
  return n === 0 ? `no ${SOURCES[m.source].grain}` : `${n.toLocaleString('en-US')} ${SOURCES[m.source].grain}`;
}

function footer(i: MetricAnswerInput): string[] {
  const { measure, query } = i;
  const lines = query.period
    ? [`${cap(measure.label)}: ${measure.definition}. Based on ${baseWords(measure, i.rows)}; days in ${i.timeZone}.`]
    : [`${cap(measure.label)}: ${measure.definition}. Based on ${baseWords(measure, i.rows)} as they stand now.`];
  if (query.period && query.period.to >= i.today && query.period.from <= i.today) lines.push(`The period includes today, so it is partial.`);
  for (const n of i.notes ?? []) lines.push(n);
  for (const w of i.notApplied ?? []) lines.push(`Not applied: ${w}.`);
  return lines;
}

/** "last week (Mon 16 – Sun 22 Nov 2026)", or "now" for a measure of how things stand. */
const when = (q: CheckedQuery): string => q.period?.label ?? 'now';

function headline(i: MetricAnswerInput): string {
  const { query, rows } = i;
  const scope = `${cap(i.figure)}${filterWords(query)}, ${when(query)}`;
  if (query.groupBy === undefined && query.compareTo === undefined) return `${scope}: ${rows[0]?.display ?? 'no data'}`;
  if (query.groupBy === undefined) {
    const cur = rows.find((r) => r.period === 'current');
    const prev = rows.find((r) => r.period === 'previous');
    const delta = cur?.value != null && prev?.value != null ? ` (${signed(cur.value - prev.value, i)})` : '';
    return `${scope}: ${cur?.display ?? 'no data'}, against ${prev?.display ?? 'no data'} ${query.compareTo!.label}${delta}`;
  }
  const dim = DIM_WORDS[query.groupBy];
  if (i.winner) {
    const top = rows.find((r) => r.value !== null && r.period !== 'previous' && !UNKNOWN_KEYS.has(r.key ?? ''));
    return top ? `${cap(i.winner)} ${dim} by ${i.figure}${filterWords(query)}, ${when(query)}: ${top.key}, ${top.display}` : `${scope}: no data`;
  }
  return `${scope}, by ${dim}:`;
}

function signed(d: number, i: MetricAnswerInput): string {
  const unit = i.query.statistic === 'rate' || i.query.statistic === 'share' || i.measure.unit === 'share' ? 'pts' : '';
  const v = unit ? d * 100 : d;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}${unit ? ' pts' : ''}`;
}

/** The whole answer text for a catalogue result. */
export function metricAnswer(i: MetricAnswerInput): string {
  const lines = [headline(i)];
  if (i.query.groupBy !== undefined) {
    const compared = i.query.compareTo !== undefined;
    const grain = SOURCES[i.measure.source].grain;
    for (const r of i.rows) {
      const at = compared ? ` (${r.period === 'current' ? when(i.query) : i.query.compareTo!.label})` : '';
      lines.push(`• ${r.key}${at}: ${r.display} (${r.base.toLocaleString('en-US')} ${grain})`);
    }
    if (i.rows.length === 0) lines.push('No data in that period.');
  }
  return [...lines, ...footer(i)].join('\n');
}
