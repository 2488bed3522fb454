// A digest's content: headline numbers, Block Kit, a text fallback and up to three charts.
// Pure: the figures come in already gathered (src/jobs/digest/gather.ts, through the
// assistant's own tool functions, so a digest and an answer never disagree); the wording,
// the layout and the choice of charts are decided here.
import type { ChartSpec } from './charts.ts';
import {
  bucketResponseTimes, comparisonChart, csiTrendChart, pillarChart, qaFunnelChart, responseTimeChart, topicMixChart, type ChartKind,
} from './charts/library.ts';
import { DIGEST_SECTIONS, type DigestSection } from './digest-command.ts';
import type { DigestFrequency } from './digest-schedule.ts';
import { daysOf } from './digest-schedule.ts';
import type { Period } from './periods.ts';
import { dayOf } from './days.ts';
import { addDays } from './period-words.ts';
import { digestBlocks, type DigestBlock } from './digest-blocks.ts';

export type QaCounts = Record<'unchecked' | 'passed' | 'issue' | 'fixed', number>;

/** What the tools write for a missing figure (src/domain/format.ts NO_DATA). */
export const NO_DATA = 'no data';

// The parts of the assistant tools' results a digest reads (csi_lookup, support_stats). Their
// results are passed in as they are; these shapes only say what is used.
export interface CsiFigures {
  csi: number | null;
  effectiveness: number | null;
  effort: number | null;
  efficiency: number | null;
  empathy: number | null;
  days: number;
  display: { csi: string; effectiveness: string; effort: string; efficiency: string; empathy: string; days: string };
}

export interface CsiView {
  period: Period;
  previous: Period;
  current: CsiFigures;
  previousValues: CsiFigures;
  change: { csi: number | null; display: string };
  groups?: { key: string; label: string; csi: number | null; days: number }[];
}

export interface StatsView {
  volumes?: { conversations: number; messages: number; conversationDays: number; display: { conversations: string; messages: string } };
  responseTimes?: { display: { firstResponseP50: string; firstResponseP90: string } };
  topics?: { top: { topic: string; share: number; display: { share: string } }[] };
  sessions?: { display: { botContainmentRate: string; handoffRate: string } };
}

export interface DigestSample {
  sessionId: number;
  /** qa_version, for the QA buttons (a stale button is a conflict, not a change) */
  version: number;
  page: string;
  /** the conversation-day's CSI, when scored */
  csi: number | null;
  why: string;
}

/** Everything a digest says, as gathered for one period. */
export interface DigestData {
  frequency: DigestFrequency;
  period: Period;
  timezone: string;
  /** csiLookup for the period, grouped by day (its previousValues: the previous period) */
  csi: CsiView;
  /** csiLookup's day groups for the previous period: the dashed line */
  previousDays: { key: string; csi: number | null }[];
  /** csiLookup grouped by page for the period */
  byPage: { label: string; csi: number | null; days: number }[];
  /** supportStats for the period (volumes, responseTimes, topics, sessions) */
  stats: StatsView;
  /** first response times (s) of the period's analysed conversation-days, for the histogram */
  firstResponseTimes: number[];
  /** conversations waiting for a human right now, and with one */
  handoff: { waiting: number; human: number };
  /** qaQueue: the backlog now */
  qaBacklog: { waiting: number; byStatus: QaCounts; oldestStartedAt: Date | null };
  /** qaStats for the period: AI-engaged sessions started in it, by QA state */
  qaPeriod: QaCounts;
  /** analysis coverage of the period and the last completed analysis run */
  pipeline: { scoredDays: number; conversationDays: number; lastRunAt: Date | null };
  samples: DigestSample[];
  /** figures formatted by the tools' formatters (format.ts), in the jobs layer */
  display: { qaWaiting: string; issueRate: string; coverage: string };
  /** weekly digests: the CSI against the period's CSAT answers (csat.ts calibrationLines), shown with the CSI */
  calibration?: { lines: string[] };
}

export interface DigestChart {
  kind: ChartKind;
  title: string;
  /** `digest-<period>-<kind>.png` */
  filename: string;
  spec: ChartSpec;
}

export interface DigestHeadline {
  csi: string;
  csiChange: string;
  direction: '▲' | '▼' | '■' | '';
  conversations: string;
  messages: string;
  firstResponseP50: string;
  firstResponseP90: string;
  botContainment: string;
  handoffRate: string;
  qaWaiting: string;
  issueRate: string;
  coverage: string;
  lastRun: string;
}

export interface ComposedDigest {
  title: string;
  headline: DigestHeadline;
  /** the written explanation (templated unless the caller passes an LLM's) */
  explanation: string;
  text: string;
  blocks: DigestBlock[];
  charts: DigestChart[];
}

export interface ComposeOptions {
  sections?: readonly DigestSection[];
  /** an explanation written elsewhere (LLM); default: templateExplanation */
  explanation?: string;
  /** charts at most (1–3), default 3 */
  maxCharts?: number;
}

/** Issue rate: of the period's sessions that were reviewed, the share found with an issue (fixed ones included). */
export function issueRate(q: QaCounts): number | null {
  const reviewed = q.passed + q.issue + q.fixed;
  return reviewed === 0 ? null : (q.issue + q.fixed) / reviewed;
}

export function coverage(p: DigestData['pipeline']): number | null {
  return p.conversationDays === 0 ? null : Math.min(1, p.scoredDays / p.conversationDays);
}

/**
 * "06:02" when the run was on the posting day (the day after the period), else with its day,
 * "Sat 21 Nov 06:02", so a stale pipeline does not read as a fresh one.
 */
function lastRunText(at: Date, periodEnd: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const time = `${parts.hour}:${parts.minute}`;
  return dayOf(at, timeZone) === addDays(periodEnd, 1) ? time : `${parts.weekday} ${parts.day} ${parts.month} ${time}`;
}

export function direction(change: number | null): DigestHeadline['direction'] {
  if (change === null) return '';
  if (Number(change.toFixed(1)) === 0) return '■';
  return change > 0 ? '▲' : '▼';
}

export function headlineOf(d: DigestData): DigestHeadline {
  const v = d.stats.volumes;
  const rt = d.stats.responseTimes;
  const s = d.stats.sessions;
  return {
    csi: d.csi.current.display.csi,
    csiChange: d.csi.change.display,
    direction: direction(d.csi.change.csi),
    conversations: v?.display.conversations ?? NO_DATA,
    messages: v?.display.messages ?? NO_DATA,
    firstResponseP50: rt?.display.firstResponseP50 ?? NO_DATA,
    firstResponseP90: rt?.display.firstResponseP90 ?? NO_DATA,
    botContainment: s?.display.botContainmentRate ?? NO_DATA,
    handoffRate: s?.display.handoffRate ?? NO_DATA,
    qaWaiting: d.display.qaWaiting,
    issueRate: d.display.issueRate,
    coverage: d.display.coverage,
    lastRun: d.pipeline.lastRunAt ? lastRunText(d.pipeline.lastRunAt, d.period.to, d.timezone) : 'never',
  };
}

const PERIOD_NOUN: Record<DigestFrequency, string> = { daily: 'day', weekly: 'week', monthly: 'month' };

/** A short offline explanation: what moved, what stands out, what to look at. */
export function templateExplanation(d: DigestData): string {
  const h = headlineOf(d);
  const noun = PERIOD_NOUN[d.frequency];
  const parts: string[] = [];
  if (d.csi.current.csi === null) parts.push(`No conversation-day of this ${noun} has a CSI yet.`);
  else if (d.csi.change.csi === null) parts.push(`CSI was ${h.csi}; there is nothing to compare with from the ${noun} before.`);
  else {
    const moved = h.direction === '■' ? 'held steady at' : h.direction === '▲' ? 'rose to' : 'fell to';
    parts.push(`CSI ${moved} ${h.csi} (${h.csiChange} against the ${noun} before).`);
    const pillars = (['effectiveness', 'effort', 'efficiency', 'empathy'] as const)
      .map((p) => ({ p, delta: (d.csi.current[p] ?? NaN) - (d.csi.previousValues[p] ?? NaN) }))
      .filter((x) => Number.isFinite(x.delta))
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
    const top = pillars[0];
    if (top && Math.abs(top.delta) >= 0.1) parts.push(`${top.p[0]!.toUpperCase()}${top.p.slice(1)} moved most (${top.delta > 0 ? '+' : ''}${top.delta.toFixed(1)}).`);
  }
  const topic = d.stats.topics?.top[0];
  if (topic) parts.push(`Most customer messages were about ${topic.topic.replace(/_/g, ' ')} (${topic.display.share}).`);
  if (d.qaBacklog.waiting > 0) parts.push(`${h.qaWaiting} bot session${d.qaBacklog.waiting === 1 ? '' : 's'} wait for QA.`);
  if (d.samples.length) parts.push(`Worth a look: ${d.samples.map((s) => `session ${s.sessionId}`).join(', ')}.`);
  return parts.join(' ');
}

function chartsFor(d: DigestData, sections: ReadonlySet<DigestSection>, max: number): DigestChart[] {
  const scope = { periodLabel: d.period.label, timezone: d.timezone };
  const slug = `${d.period.from}${d.period.to === d.period.from ? '' : `_${d.period.to}`}`;
  const out: DigestChart[] = [];
  const add = (kind: ChartKind, title: string, spec: () => ChartSpec) => {
    if (out.length < max) out.push({ kind, title, filename: `digest-${slug}-${kind.replace('_', '-')}.png`, spec: spec() });
  };
  const days = daysOf(d.period);
  // A one-day trend is a dot: a daily digest shows its pillars instead.
  if (sections.has('csi') && days.length > 1 && d.csi.current.days > 0) {
    // every day of the previous period, gaps as null, so its n-th day lines up with this one's
    const prev = new Map(d.previousDays.map((g) => [g.key, g.csi]));
    const previous = daysOf(d.csi.previous).map((day) => ({ day, csi: prev.get(day) ?? null }));
    add('csi_trend', `CSI per day, ${d.period.label}`, () =>
      csiTrendChart({ ...scope, days, current: (d.csi.groups ?? []).map((g) => ({ day: g.key, csi: g.csi })), previous }));
  }
  if (sections.has('pillars') && d.csi.current.days > 0) {
    add('pillars', `CSI pillars, ${d.period.label}`, () => pillarChart({ ...scope, current: d.csi.current, previous: d.csi.previousValues }));
  }
  if (sections.has('response_times') && d.firstResponseTimes.length > 0) {
    const rt = d.stats.responseTimes;
    add('response_times', `First response time, ${d.period.label}`, () =>
      responseTimeChart({ ...scope, buckets: bucketResponseTimes(d.firstResponseTimes), ...(rt ? { p50: rt.display.firstResponseP50, p90: rt.display.firstResponseP90 } : {}) }));
  }
  if (sections.has('csi') && d.byPage.filter((g) => g.csi !== null).length > 1) {
    add('comparison', `CSI by page, ${d.period.label}`, () => comparisonChart({ ...scope, by: 'page', groups: d.byPage }));
  }
  if (sections.has('topics') && d.stats.topics?.top.length) {
    add('topics', `Topic mix, ${d.period.label}`, () => topicMixChart({ ...scope, topics: d.stats.topics!.top }));
  }
  if (sections.has('qa')) add('qa_funnel', `QA review, ${d.period.label}`, () => qaFunnelChart({ ...scope, byStatus: d.qaPeriod }));
  return out;
}

const TITLE: Record<DigestFrequency, string> = { daily: 'Daily support digest', weekly: 'Weekly support digest', monthly: 'Monthly support digest' };

/** The digest for one period: blocks, fallback text, charts and the headline numbers. */
export function composeDigest(d: DigestData, opts: ComposeOptions = {}): ComposedDigest {
  const sections = new Set(opts.sections?.length ? opts.sections : DIGEST_SECTIONS);
  const maxCharts = Math.min(3, Math.max(1, opts.maxCharts ?? 3));
  const headline = headlineOf(d);
  const explanation = opts.explanation?.trim() || templateExplanation(d);
  const title = `${TITLE[d.frequency]} · ${d.period.label}`;
  const charts = chartsFor(d, sections, maxCharts);
  const blocks = digestBlocks(d, { title, headline, explanation, sections, chartTitles: charts.map((c) => c.title) });
  const text = [
    title,
    `CSI ${headline.csi} ${headline.direction}${headline.csiChange !== NO_DATA ? ` (${headline.csiChange} vs the ${PERIOD_NOUN[d.frequency]} before)` : ''}`,
    `${headline.conversations} conversations, ${headline.messages} messages; first response median ${headline.firstResponseP50}, p90 ${headline.firstResponseP90}`,
    `Bot containment ${headline.botContainment}, handoff rate ${headline.handoffRate}; QA waiting ${headline.qaWaiting}, issue rate ${headline.issueRate}`,
    ...(sections.has('csi') && d.calibration ? d.calibration.lines : []),
  ].join('\n');
  return { title, headline, explanation, text, blocks, charts };
}
