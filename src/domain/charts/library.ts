// The report charts of digests and alerts: one theme, and titles that say which period and
// which timezone the figures are for. Specs only (plain Vega-Lite JSON); the renderer
// (src/charts/render.ts) forces the bundled font and rasterises them.
//
// Sized for Slack: a file shared in a channel is previewed about 360 px wide, so the plot is
// kept narrow (560 px) and the text large, which keeps labels legible when scaled down by ~1.6.
import type { ChartSpec } from '../charts.ts';

export const REPORT_WIDTH = 560;
export const REPORT_HEIGHT = 260;

export const THEME = {
  title: { fontSize: 22, subtitleFontSize: 16, subtitleColor: '#444', anchor: 'start', offset: 14 },
  axis: { labelFontSize: 15, titleFontSize: 15, titlePadding: 10, labelLimit: 220, gridColor: '#e4e4e4' },
  legend: { labelFontSize: 15, titleFontSize: 15, orient: 'bottom', labelLimit: 300 },
  view: { stroke: null },
  background: 'white',
  padding: 12,
} as const;

export const COLOURS = { current: '#2f6db5', previous: '#9a9a9a', good: '#3a9a4f', bad: '#c8402f', neutral: '#e0a030', waiting: '#8c8c8c' } as const;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** What every report chart's subtitle says: the period and the timezone its days are in. */
export interface ChartScope {
  /** "Mon 9 Nov – Sun 15 Nov 2026" */
  periodLabel: string;
  timezone: string;
}

export const scopeText = (s: ChartScope): string => `${s.periodLabel} · ${s.timezone}`;

const base = (title: string, scope: ChartScope, height = REPORT_HEIGHT) => ({
  $schema: SCHEMA,
  title: { text: title, subtitle: scopeText(scope) },
  width: REPORT_WIDTH,
  height,
  config: THEME,
});

/** Horizontal bars grow with their number; a floor keeps a single bar from looking like a slab. */
const barsHeight = (n: number) => Math.max(90, n * 34);

// ── CSI trend ────────────────────────────────────────────────────────────────────────────────

export interface TrendPoint {
  /** YYYY-MM-DD */
  day: string;
  csi: number | null;
}

export interface CsiTrendInput extends ChartScope {
  current: TrendPoint[];
  /** the previous period's days, in order; drawn against the current period's day positions */
  previous: TrendPoint[];
  /** the current period's days in order (gaps included), to place both lines on one axis */
  days: string[];
}

/**
 * CSI per day with the previous period as a dashed grey line. The previous period's n-th day
 * is drawn at the current period's n-th day, so "same weekday last week" lines up.
 */
export function csiTrendChart(input: CsiTrendInput): ChartSpec {
  const cur = new Map(input.current.map((p) => [p.day, p.csi]));
  const prevByIndex = input.previous.map((p) => p.csi);
  const values = input.days.flatMap((day, i) => [
    { day, csi: cur.get(day) ?? null, series: 'This period' },
    { day, csi: prevByIndex[i] ?? null, series: 'Previous period' },
  ]);
  return {
    ...base('CSI per day vs the previous period', input),
    data: { values },
    mark: { type: 'line', point: { size: 50 }, strokeWidth: 3, invalid: 'break-paths-show-domains' },
    encoding: {
      x: { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null, axis: { format: '%d %b', labelAngle: 0, labelOverlap: true, tickCount: 7 } },
      y: { field: 'csi', type: 'quantitative', title: 'CSI (0–100)', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['This period', 'Previous period'], range: [COLOURS.current, COLOURS.previous] } },
      strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: ['This period', 'Previous period'], range: [[1, 0], [6, 4]] } },
    },
  } as ChartSpec;
}

// ── pillars ──────────────────────────────────────────────────────────────────────────────────

export interface PillarValues {
  effectiveness: number | null;
  effort: number | null;
  efficiency: number | null;
  empathy: number | null;
}

export const PILLARS = ['effectiveness', 'effort', 'efficiency', 'empathy'] as const;
const PILLAR_LABEL: Record<(typeof PILLARS)[number], string> = { effectiveness: 'Effectiveness', effort: 'Effort', efficiency: 'Efficiency', empathy: 'Empathy' };

/** The four CSI pillars (0–10), this period next to the previous one. */
export function pillarChart(input: ChartScope & { current: PillarValues; previous: PillarValues }): ChartSpec {
  const values = PILLARS.flatMap((p) => [
    { pillar: PILLAR_LABEL[p], period: 'This period', value: input.current[p] },
    { pillar: PILLAR_LABEL[p], period: 'Previous period', value: input.previous[p] },
  ]).filter((v) => v.value !== null);
  const domain = ['This period', 'Previous period'];
  return {
    ...base('CSI pillars (0–10)', input),
    data: { values },
    encoding: {
      x: { field: 'pillar', type: 'nominal', sort: null, title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'period', type: 'nominal', sort: domain },
      y: { field: 'value', type: 'quantitative', title: 'Score', scale: { domain: [0, 10] } },
      color: { field: 'period', type: 'nominal', title: null, scale: { domain, range: [COLOURS.current, COLOURS.previous] } },
    },
    layer: [
      { mark: { type: 'bar' } },
      { mark: { type: 'text', dy: -4, baseline: 'bottom', fontSize: 13 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.1f' }, color: { value: '#222' } } },
    ],
  } as ChartSpec;
}

// ── response times ───────────────────────────────────────────────────────────────────────────

export interface Bucket {
  label: string;
  count: number;
}

/** Upper bounds (seconds, exclusive) of the first-response-time buckets; the last is open. */
export const RESPONSE_BUCKETS: readonly { label: string; below: number }[] = [
  { label: '< 1 min', below: 60 },
  { label: '1–5 min', below: 300 },
  { label: '5–15 min', below: 900 },
  { label: '15–60 min', below: 3600 },
  { label: '1–4 h', below: 14_400 },
  { label: '4 h +', below: Infinity },
];

/** Counts of first response times per bucket, in bucket order (empty buckets kept). */
export function bucketResponseTimes(seconds: readonly number[]): Bucket[] {
  const counts = RESPONSE_BUCKETS.map(() => 0);
  for (const s of seconds) {
    const i = RESPONSE_BUCKETS.findIndex((b) => s < b.below);
    counts[i === -1 ? counts.length - 1 : i]! += 1;
  }
  return RESPONSE_BUCKETS.map((b, i) => ({ label: b.label, count: counts[i]! }));
}

/** How long customers waited for the first answer of a day: a histogram over fixed buckets. */
export function responseTimeChart(input: ChartScope & { buckets: Bucket[]; p50?: string; p90?: string }): ChartSpec {
  const marks = [input.p50 && `median ${input.p50}`, input.p90 && `p90 ${input.p90}`].filter(Boolean).join(' · ');
  const spec = base('First response time', input);
  return {
    ...spec,
    // the percentiles on a second subtitle line: in the title they would widen the image
    title: marks ? { text: spec.title.text, subtitle: [spec.title.subtitle, marks] } : spec.title,
    data: { values: input.buckets.map((b) => ({ label: b.label, value: b.count })) },
    encoding: {
      x: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: 'Conversation-days' },
    },
    layer: [
      { mark: { type: 'bar', color: COLOURS.current } },
      { mark: { type: 'text', dy: -4, baseline: 'bottom', fontSize: 13 }, encoding: { text: { field: 'value', type: 'quantitative', format: ',d' } } },
    ],
  } as ChartSpec;
}

// ── topics, QA funnel, comparison ───────────────────────────────────────────────────────────

/** Shares (0–1) of the top topics, biggest first. */
export function topicMixChart(input: ChartScope & { topics: { topic: string; share: number }[] }): ChartSpec {
  const values = input.topics.map((t) => ({ label: t.topic.replace(/_/g, ' '), value: t.share }));
  return {
    ...base('Topic mix of customer messages', input, barsHeight(values.length)),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title: 'Share of classified messages', axis: { format: '.0%' } },
    },
    layer: [
      { mark: { type: 'bar', color: COLOURS.current } },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 13 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.0%' } } },
    ],
  } as ChartSpec;
}

const QA_STEPS = [
  { key: 'unchecked', label: 'Unchecked', colour: COLOURS.waiting },
  { key: 'passed', label: 'Passed', colour: COLOURS.good },
  { key: 'issue', label: 'Issue', colour: COLOURS.bad },
  { key: 'fixed', label: 'Fixed', colour: COLOURS.neutral },
] as const;

/** Sessions by QA state: what is waiting, what passed, what had an issue and what got fixed. */
export function qaFunnelChart(input: ChartScope & { byStatus: Record<'unchecked' | 'passed' | 'issue' | 'fixed', number> }): ChartSpec {
  const values = QA_STEPS.map((s) => ({ label: s.label, value: input.byStatus[s.key] }));
  return {
    ...base('QA review of bot sessions', input, barsHeight(values.length)),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title: 'Sessions' },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: { color: { field: 'label', type: 'nominal', legend: null, scale: { domain: QA_STEPS.map((s) => s.label), range: QA_STEPS.map((s) => s.colour) } } },
      },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 13 }, encoding: { text: { field: 'value', type: 'quantitative', format: ',d' } } },
    ],
  } as ChartSpec;
}

/** CSI by page or by agent, best first; the number of scored days next to each bar. */
export function comparisonChart(input: ChartScope & { by: 'page' | 'agent'; groups: { label: string; csi: number | null; days: number }[] }): ChartSpec {
  const values = input.groups
    .filter((g) => g.csi !== null)
    .sort((a, b) => b.csi! - a.csi! || a.label.localeCompare(b.label))
    .map((g) => ({ label: g.label, value: g.csi, note: `${g.csi!.toFixed(1)} · ${g.days} day${g.days === 1 ? '' : 's'}` }));
  return {
    ...base(`CSI by ${input.by}`, input, barsHeight(values.length)),
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title: 'CSI (0–100)', scale: { domain: [0, 100] } },
    },
    layer: [
      { mark: { type: 'bar', color: COLOURS.current } },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 13 }, encoding: { text: { field: 'note', type: 'nominal' } } },
    ],
  } as ChartSpec;
}

/** The chart kinds, by name: digests pick from these, the bench renders each. */
export const CHART_KINDS = ['csi_trend', 'pillars', 'response_times', 'topics', 'qa_funnel', 'comparison'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];
