// Offline understanding of catalogue questions: the words of a question fill the slots of one
// MetricQuery (measure, statistic, breakdown, filters, period, comparison, order, top N). Each
// slot is read on its own, so phrasings combine freely; a word that names something the query
// cannot honour is refused or named, never dropped, and data the product does not hold is refused.
import { TOPIC_WORDS } from '../intent-words.ts';
import { COUNT, countOf } from '../period-words.ts';
import { findPeriods, parsePeriod, periodBetween, previousPeriod, shiftBack, type Period, type PeriodMatch, type Unit } from '../periods.ts';
import { dimensionsOf, measureByName, type Dimension, type Measure, type Statistic } from './catalogue.ts';
import { checkQuery, type DayRange, type Filter, type MetricQuery } from './query.ts';
import {
  ADVERB_GROUPS, BOT_WORDS, CHART_WORDS, DIMENSION_WORDS, DIRECTION_WORDS, FOLLOW_ON, FOLLOW_UP, HUMAN_WORDS, MEASURE_WORDS, NOT_HELD,
  NO_DIMENSION, NOW_CUES, NUMBER_ONE, OTHER_PERCENTILE, PERIOD_CUES, QA_STATE_WORDS, SPEED_WORDS, STATISTIC_WORDS, TREND_WORDS,
  QA_CHANGE_WORDS, REPLIER_NAMED, USUAL, WEEKDAYS, WHO, type Direction,
} from './words.ts';

export interface Vocabulary {
  pages: readonly string[];
  agents: readonly string[];
  reviewers?: readonly string[];
  topics?: readonly string[];
}

export interface MetricIntent {
  query: MetricQuery;
  /** the query's period as read, so a follow-up ("the week before") can move it by its unit */
  period: Period;
  /** the ranking word of a "which …" question ("best", "slowest"): answer with the winner first */
  winner?: string;
  notApplied: string[];
  periodDefaulted: boolean;
  chart: boolean;
}

export type MetricReading = { kind: 'metric'; metric: MetricIntent } | { kind: 'refuse'; text: string };

export interface UnderstandContext {
  now: Date;
  timeZone: string;
  vocab: Vocabulary;
  /** the previous catalogue question of this thread, for follow-ups */
  previous?: MetricIntent;
}

/** Used when no period is named: a series over time needs more than a week to show anything. */
const DEFAULT_PERIOD: Partial<Record<Dimension, string>> = { day: 'last 30 days', week: 'last 12 weeks', month: 'last 12 months' };
const FALLBACK_PERIOD = 'last 7 days';
/** How many rows a ranking without a number shows ("the slowest agents"; a winner and the next ones). */
const DEFAULT_TOP = 5;
/** Measures about the bot's work already: "bot" in them is no filter that went missing. */
const SESSION_RATES: ReadonlySet<string> = new Set(['handoffs', 'handoffRate', 'containment', 'issueRate', 'resolutionTime', 'firstResponse']);
const BOT_MEASURES: ReadonlySet<string> = new Set(['containment', 'handoffRate', 'handoffs', 'qaSessions', 'issueRate', 'reviews', 'botFirstResponse']);

export const CAN_ASK =
  'I can answer about CSI and its pillars, sentiment, resolution, effort, response and handling times, conversations, messages, sessions, handoffs, bot containment, topics and QA reviews — by page, agent, reviewer, topic, day, week, month, hour or weekday.';

/** Blanks the matched words so later tables cannot read them again. */
class Words {
  rest: string;
  constructor(readonly text: string) {
    this.rest = text;
  }
  take(re: RegExp): RegExpExecArray | undefined {
    const m = re.exec(this.rest);
    if (!m) return undefined;
    this.rest = this.rest.slice(0, m.index) + ' '.repeat(m[0].length) + this.rest.slice(m.index + m[0].length);
    return m;
  }
  has(re: RegExp): boolean {
    return re.test(this.rest);
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const phrase = (s: string) => new RegExp(`\\b${escape(s.toLowerCase()).replace(/[_\s]+/g, '[_\\s-]+')}s?\\b`);
const range = (p: Period): DayRange => ({ from: p.from, to: p.to, label: p.label });

// ── names ────────────────────────────────────────────────────────────────────────────────────

interface Names {
  found: string[];
  /** a word several names share ("Acme", "Maria"): named back, never guessed */
  ambiguous: string[];
}

/** Names from a vocabulary mentioned in the text: full names first, then a unique distinctive word. */
function namesIn(w: Words, names: readonly string[], kind: string): Names {
  const found: string[] = [];
  const ambiguous: string[] = [];
  for (const n of [...names].sort((a, b) => b.length - a.length)) if (w.take(phrase(n))) found.push(n);
  const shared = new Map<string, string[]>();
  for (const n of names) {
    if (found.includes(n)) continue;
    for (const t of n.toLowerCase().split(/\s+/).filter((x) => x.length >= 4)) {
      const others = names.filter((o) => o !== n && o.toLowerCase().split(/\s+/).includes(t));
      if (others.length === 0 && w.take(phrase(t))) {
        found.push(n);
        break;
      }
      if (others.length > 0 && w.has(phrase(t))) shared.set(t, [n, ...others]);
    }
  }
  for (const [t, ns] of shared) {
    if (ns.some((n) => found.includes(n)) || !w.take(phrase(t))) continue;
    ambiguous.push(`"${t}" (several ${kind}s are called that: ${[...new Set(ns)].sort().join(', ')} — name one)`);
  }
  return { found, ambiguous };
}

/** Topics named by label ("human_request") or by the everyday words for them ("delivery", "refunds"). */
function topicsIn(w: Words, topics: readonly string[]): string[] {
  const found = namesIn(w, topics, 'topic').found;
  for (const [re] of TOPIC_WORDS) {
    const labels = topics.filter((t) => re.test(t.toLowerCase().replace(/_/g, ' ')) && !found.includes(t));
    if (labels.length === 1 && w.take(re)) found.push(labels[0]!);
  }
  return found;
}

/** Whether a word of data not held is used as a topic ("topics among refunds", "refund requests"). */
function asTopic(text: string, m: RegExpExecArray, topics: readonly string[]): boolean {
  const word = m[0];
  const named = topics.some((t) => phrase(t).test(word)) || TOPIC_WORDS.some(([re]) => re.test(word) && topics.some((t) => re.test(t.toLowerCase().replace(/_/g, ' '))));
  if (!named) return false;
  const before = text.slice(0, m.index);
  const after = text.slice(m.index + word.length);
  return /\b(?:topics?|messages?|questions?|ask(?:s|ed|ing)?|complain(?:s|ed|ing)?|requests?)\s+(?:\w+\s+)?(?:in|among|about|for|on|of)\s+$/.test(before) ||
    /^\s+(?:requests?|questions?|inquir(?:y|ies)|topics?|messages?)\b/.test(after);
}

function notHeldRefusal(question: string, text: string, topics: readonly string[]): MetricReading | undefined {
  const m = NOT_HELD.exec(text);
  if (!m || asTopic(text, m, topics)) return undefined;
  const asTyped = question.replace(/\s+/g, ' ').trim().slice(m.index, m.index + m[0].length);
  return { kind: 'refuse', text: `I don't have ${asTyped} data: SupportPulse holds conversations, messages, sessions, CSI scores and QA reviews, not ${asTyped}. ${CAN_ASK}` };
}

// ── slots as said ────────────────────────────────────────────────────────────────────────────

interface Group {
  dim?: Dimension;
  /** "which page", "the best agent": the answer leads with the winner */
  which: boolean;
}

function dimensionAt(words: string): Dimension | undefined {
  for (const [re, dim] of DIMENSION_WORDS) {
    const m = re.exec(words);
    if (m && m.index === 0) return dim;
  }
  return undefined;
}

const RANK_BEFORE = new RegExp(`\\b(?:top|best|worst|highest|lowest|most|least|slowest|fastest|quickest|busiest|quietest|strongest|weakest|${COUNT})\\s+(?:(?:best|worst|highest|lowest|slowest|fastest|busiest|quietest|busy)\\s+)?((?:qa\\s+)?[a-z]+)\\b`, 'g');

function groupOf(w: Words, text: string): Group {
  const which = /\b(?:which|what)\s+((?:[a-z]+\s+){0,3}[a-z]+)\b/.exec(w.rest);
  if (which) {
    for (const [re, dim] of DIMENSION_WORDS) {
      const m = re.exec(which[1]!);
      if (m && m.index === 0) {
        w.take(new RegExp(`\\b(?:which|what)\\s+${escape(m[0])}`));
        return { dim, which: true };
      }
    }
  }
  const by = /\b(?:by|per|for each|for every|each|across|across all|split by|broken down by|between)\s+(?:the\s+)?((?:qa\s+)?[a-z]+(?:\s+of\s+(?:the\s+)?[a-z]+)?)/g;
  for (const m of w.rest.matchAll(by)) {
    // "by QA reviewer" is by reviewer; "by QA state" keeps its own words
    const qa = /^qa\s+(?!state|status)/.exec(m[1]!);
    const words = qa ? m[1]!.slice(qa[0].length) : m[1]!;
    for (const [re, dim] of DIMENSION_WORDS) {
      const d = re.exec(words);
      if (d && d.index === 0) {
        w.take(new RegExp(escape(m[0].slice(0, m[0].indexOf(m[1]!) + (qa?.[0].length ?? 0) + d[0].length))));
        return { dim, which: false };
      }
    }
  }
  for (const [re, dim] of ADVERB_GROUPS) if (w.take(re)) return { dim, which: false };
  // "the slowest agents", "top 3 pages", "best reviewer": a ranking of that dimension; one named = the winner
  for (const m of w.rest.matchAll(RANK_BEFORE)) {
    const dim = dimensionAt(m[1]!);
    if (dim && !['day', 'week', 'month'].includes(dim)) {
      w.take(new RegExp(`(?<=${escape(m[0].slice(0, m[0].length - m[1]!.length))})${escape(m[1]!)}`));
      return { dim, which: !/s$/.test(m[1]!) };
    }
  }
  if (w.take(WHO)) return { dim: /\breview|\bqa\b/.test(text) ? 'reviewer' : 'agent', which: true };
  return { which: false };
}

function topNOf(w: Words): number | undefined {
  const m = w.take(new RegExp(`\\btop\\s+(${COUNT})\\b|\\b(${COUNT})(?=\\s+(?:best|worst|highest|lowest|slowest|fastest|busiest|quietest|most|least)\\b)`));
  return m ? countOf(m[1] ?? m[2] ?? '') : undefined;
}

function directionOf(w: Words): { dir: Direction; word: string } | undefined {
  for (const [re, dir] of DIRECTION_WORDS) {
    const m = w.take(re);
    if (m) return { dir, word: m[0] };
  }
  return undefined;
}

function statisticOf(w: Words): Statistic | undefined {
  for (const [re, s] of STATISTIC_WORDS) if (w.take(re)) return s;
  return undefined;
}

const BACK_WORDS = /\b(?:before|previous|prior|preceding|earlier)\b/;

interface Periods {
  /** a main period phrase that could not be read (findPeriods): refused, never replaced */
  unreadable?: string;
  period?: Period;
  compare?: Period;
  /** a compare target that is neither a period nor the period before */
  compareWords?: string;
  /** "compare" with no period named: compare the default period with the one before */
  compareDefault?: boolean;
}

/**
 * "compare this week with last week": the period after a plain "with", "to" or "and", when the text
 * before it reads as the whole period by itself (so "between 1 Oct and 15 Oct" stays one range).
 */
function secondPeriod(text: string, whole: Period, ctx: UnderstandContext, previous?: Period): Period | undefined {
  for (const m of text.matchAll(/\b(?:with|to|and)\b/g)) {
    const left = parsePeriod(text.slice(0, m.index), ctx.now, ctx.timeZone, previous);
    if (!left || left.from !== whole.from || left.to !== whole.to) continue;
    const right = parsePeriod(text.slice(m.index + m[0].length), ctx.now, ctx.timeZone, left);
    if (right && (right.from !== left.from || right.to !== left.to)) return right;
  }
  return undefined;
}

/** The period (and a comparison period) named in the text. */
function periodsOf(text: string, ctx: UnderstandContext, previous?: Period): Periods {
  const found = findPeriods(text, ctx.now, ctx.timeZone, previous);
  const mainFound = found.find((p) => p.kind === 'period' && p.role === 'main');
  const main = mainFound?.kind === 'period' ? mainFound.period : undefined;
  // "… than in the 7 days before": words that count back from the period read are its comparison
  const back = (p: PeriodMatch) => p.kind === 'unreadable' && (main ?? previous) !== undefined && BACK_WORDS.test(p.text.toLowerCase());
  const bad = found.find((p) => p.kind === 'unreadable' && p.role === 'main' && !back(p));
  if (bad?.kind === 'unreadable') return { unreadable: bad.unreadable };
  if (found.some(back)) return { ...(main ? { period: main } : {}), compare: previousPeriod((main ?? previous)!) };
  // a follow-up's "compared with the week before?": counted from the question before
  const cmpFound = found.find((p) => p.kind === 'period' && p.role === 'comparison');
  if (!main && previous && cmpFound?.kind === 'period') return { compare: cmpFound.period };
  const cmp = /\b(?:vs\.?|versus|compared (?:to|with)|against|than)\b/.exec(text);
  const whole = parsePeriod(text, ctx.now, ctx.timeZone, previous);
  if (!cmp) {
    const asked = /\bcompar(?:e|ed|ing|ison)\b|\bchange\b|\bdifference\b/.test(text);
    const named = asked && whole ? secondPeriod(text, whole, ctx, previous) : undefined;
    if (named) return { period: whole!, compare: named };
    if (asked && whole) return { period: whole, compare: previousPeriod(whole) };
    return { ...(whole ? { period: whole } : {}), ...(asked ? { compareDefault: true } : {}) };
  }
  const left = parsePeriod(text.slice(0, cmp.index), ctx.now, ctx.timeZone, previous) ?? whole;
  const right = text.slice(cmp.index + cmp[0].length);
  // "today vs the same day last week": the first period moved back by that unit, weekday kept
  const same = /\bsame (?:day|weekday|week|month|period|time) (?:last|the previous|a|one) (week|month|year)\b/.exec(right);
  if (same && left) return { period: left, compare: shiftBack(left, same[1] as Unit) };
  const r = parsePeriod(right, ctx.now, ctx.timeZone, left);
  if (r && left && (r.from !== left.from || r.to !== left.to)) return { period: left, compare: r };
  if (/\b(?:the )?(?:previous|prior|preceding) (?:period|one)\b/.test(right) || USUAL.test(right)) {
    return left ? { period: left, compare: previousPeriod(left) } : { compareDefault: true };
  }
  return { ...(left ? { period: left } : {}), compareWords: right.replace(/[?.!]+$/, '').trim() };
}

/** Everything the question said, slot by slot, before it is combined with a previous question. */
interface Said {
  measure?: string;
  extraMeasures: string[];
  filters: Filter[];
  notes: string[];
  group: Group;
  limit?: number;
  direction?: { dir: Direction; word: string };
  statistic?: Statistic;
  otherPercentile?: string;
  chart: boolean;
  periods: Periods;
  /** two or more pages (agents, reviewers, topics) named: a comparison between them */
  between?: Dimension;
  /** words that ask for a period although none could be read */
  unreadPeriod?: string;
  replier?: 'human' | 'bot';
  /** "bot" or "human" as typed and not part of another phrase (a topic, a measure) */
  replierWord?: string;
  now?: string;
  noDimension?: string;
}

function measureOf(w: Words): { measure?: string; extra: string[] } {
  let measure: string | undefined;
  const extra: string[] = [];
  for (const [re, name] of MEASURE_WORDS) {
    const m = w.take(re);
    if (!m) continue;
    if (!measure) measure = name;
    // "the percentage of sessions handed over": sessions are the base of the handoff figure, not a second figure
    else if (name !== measure && !(name === 'sessions' && SESSION_RATES.has(measure))) extra.push(m[0]);
  }
  if (!measure && SPEED_WORDS.test(w.rest)) measure = 'responseTime';
  // "how many fixes", "sessions passed": QA changes to that state
  if (!measure && QA_CHANGE_WORDS.test(w.rest)) measure = 'reviews';
  return { measure, extra };
}

/** Who replied, when the question says: a human or the bot. */
function replierOf(w: Words): 'human' | 'bot' | undefined {
  // both named ("customers, the bot and agents") is everyone: no side is chosen
  if (BOT_WORDS.test(w.rest) && HUMAN_WORDS.test(w.rest)) return undefined;
  if (BOT_WORDS.test(w.rest)) return 'bot';
  const ranksAgents = /\b(?:which|each|per|by|every)\s+(?:human\s+)?agents?\b|\b(?:slowest|fastest|quickest|best|worst)\s+agents?\b/;
  return HUMAN_WORDS.test(w.rest) && !ranksAgents.test(w.rest) ? 'human' : undefined;
}

/** The human or bot variant of a time measure, or a sender filter on messages. */
function byReplier(measure: string, replier: 'human' | 'bot' | undefined, filters: Filter[]): string {
  if (!replier) return measure;
  const bot = replier === 'bot';
  if (measure === 'firstResponse') return bot ? 'botFirstResponse' : 'humanFirstResponse';
  if (measure === 'responseTime' && !bot) return 'humanResponseTime';
  if (measure === 'responseTime' || measure === 'messages') filters.push({ dimension: 'sender', values: [bot ? 'bot' : 'human_agent'] });
  return measure;
}

function qaStateFilter(w: Words, text: string, measure: string | undefined, byState: boolean): { measure?: string; filter?: Filter } {
  const states = QA_STATE_WORDS.filter(([re]) => re.test(w.rest)).map(([, s]) => s);
  const reviewed = /\breviewed\b/.test(text);
  const m = measure === 'sessions' && (states.length || reviewed || byState) ? 'qaSessions' : measure;
  if (m !== 'qaSessions' && m !== 'reviews') return { measure: m };
  if (states.length) return { measure: m, filter: { dimension: 'qa_state', values: states } };
  if (m === 'qaSessions' && reviewed) return { measure: m, filter: { dimension: 'qa_state', values: ['passed', 'issue', 'fixed'] } };
  return { measure: m };
}

function weekdaysOf(text: string): string[] {
  const days: string[] = WEEKDAYS.filter((d) => new RegExp(`\\b${d}s\\b`).test(text)).map((d) => d[0]!.toUpperCase() + d.slice(1));
  if (/\bweekends?\b/.test(text)) days.push('Saturday', 'Sunday');
  return days;
}

function readSaid(text: string, ctx: UnderstandContext): Said {
  const w = new Words(text.replace(NUMBER_ONE, 'top'));
  const { measure: word, extra } = measureOf(w);
  const filters: Filter[] = [];
  let measure = word;
  const notes: string[] = [];
  const add = (dimension: Dimension, n: Names) => {
    if (n.found.length) filters.push({ dimension, values: n.found });
    notes.push(...n.ambiguous);
    return n.found.length;
  };
  add('page', namesIn(w, ctx.vocab.pages, 'page'));
  add('agent', namesIn(w, ctx.vocab.agents, 'agent'));
  add('reviewer', namesIn(w, ctx.vocab.reviewers ?? [], 'reviewer'));
  // a topic alone ("complaints by page", "how many shipping questions") counts customer messages
  if (add('topic', { found: topicsIn(w, ctx.vocab.topics ?? []), ambiguous: [] }) && !measure && !FOLLOW_UP.test(text)) measure = 'customerMessages';
  const replier = replierOf(w);
  const noDimension = NO_DIMENSION.exec(w.rest)?.[0];
  const periods = periodsOf(text, ctx, ctx.previous?.period);
  const group = groupOf(w, text);
  // "which topic", "the #1 topic": the topic measure is a breakdown by topic already; one asked for = the winner
  if (measure === 'topics' && /\b(?:which|what|top)\s+(?:[a-z]+\s+)?topic\b(?!s)/.test(w.text.replace(NUMBER_ONE, 'top'))) group.which = true;
  const unknownBy = /\b(?:by|per|for each|for every|broken down by|split by) (?!the\b|a\b|an\b|our\b)([a-z]+)\b/.exec(w.rest);
  if (unknownBy && !REPLIER_NAMED.test(unknownBy[1]!) && !HUMAN_WORDS.test(unknownBy[1]!) && !PERIOD_CUES.test(unknownBy[1]!)) {
    notes.push(`"${unknownBy[0]}" (not a breakdown I have: page, agent, reviewer, topic, QA state, day, week, month, hour or weekday)`);
  }
  const limit = topNOf(w);
  const direction = directionOf(w);
  const statistic = statisticOf(w);
  const otherPct = OTHER_PERCENTILE.exec(w.rest);
  const qa = qaStateFilter(w, text, measure, group.dim === 'qa_state');
  measure = qa.measure;
  if (qa.filter) filters.push(qa.filter);
  const weekdays = weekdaysOf(text);
  if (weekdays.length) filters.push({ dimension: 'weekday', values: weekdays });
  if (!group.dim && TREND_WORDS.test(text)) group.dim = 'day';
  const cue = periods.unreadable ?? (periods.period || periods.compare ? undefined : PERIOD_CUES.exec(w.rest)?.[0]);
  const now = periods.period ? undefined : NOW_CUES.exec(text)?.[0];
  const between = filters.find((f) => f.values.length > 1 && ['page', 'agent', 'reviewer', 'topic'].includes(f.dimension))?.dimension;
  const replierWord = replier ? REPLIER_NAMED.exec(w.rest)?.[0] : undefined;
  return {
    ...(measure ? { measure } : {}), extraMeasures: extra, filters, notes, group, periods,
    ...(between ? { between } : {}),
    ...(limit ? { limit } : {}), ...(direction ? { direction } : {}), ...(statistic ? { statistic } : {}),
    ...(otherPct ? { otherPercentile: otherPct[1] ?? otherPct[2]! } : {}), chart: CHART_WORDS.test(text),
    ...(cue ? { unreadPeriod: cue } : {}), ...(replier ? { replier } : {}), ...(replierWord ? { replierWord } : {}), ...(now ? { now } : {}), ...(noDimension ? { noDimension } : {}),
  };
}

// ── combining ────────────────────────────────────────────────────────────────────────────────

/** A short question that only changes slots of the previous one ("now by page", "and for Voltix?"). */
function isFollowUp(said: Said, text: string, previous: MetricIntent | undefined): boolean {
  if (!previous) return false;
  if (said.measure) return FOLLOW_ON.test(text);
  if (FOLLOW_UP.test(text)) return true;
  if (text.split(' ').length > 7) return false;
  return Boolean(/\b(?:overall|in total|altogether)\b/.test(text) || said.periods.period || said.group.dim || said.filters.length || said.chart || said.statistic || said.otherPercentile || said.direction || said.limit || said.periods.compare);
}

function order(dir: Direction, higherIsBetter: boolean): 'asc' | 'desc' {
  if (dir === 'best') return higherIsBetter ? 'desc' : 'asc';
  if (dir === 'worst') return higherIsBetter ? 'asc' : 'desc';
  return dir;
}

/** A statistic word read against the measure: a share of a rate is the rate, a total of a count the count. */
function statisticFor(m: Measure, said: Said, groupBy: Dimension | undefined): { statistic?: Statistic; limit?: number } {
  let s = said.statistic;
  if (!s) return {};
  if (m.statistics.length === 1) {
    const only = m.statistics[0]!;
    if ((only === 'rate' && (s === 'share' || s === 'mean')) || (only === 'count' && (s === 'sum' || s === 'count'))) s = only;
  }
  if (m.defaultStatistic === 'count' && (s === 'sum' || s === 'count')) return { statistic: 'count' };
  // "the max conversations by page": the page with the most
  if (m.defaultStatistic === 'count' && (s === 'max' || s === 'min') && groupBy) return { statistic: 'count', limit: 1 };
  return { statistic: s };
}

interface Ranking {
  order?: 'asc' | 'desc';
  winner?: string;
  limit?: number;
  statistic?: Statistic;
  notes: string[];
}

function rankingOf(said: Said, m: Measure, groupBy: Dimension | undefined, measureName: string): Ranking {
  const notes: string[] = [];
  const d = said.direction;
  let limit = said.limit;
  if (d && groupBy) {
    const winner = said.group.which && (limit ?? 1) === 1 ? d.word : undefined;
    // a ranking shows its first rows; two named pages are compared whole
    if (!limit && !said.between) limit = DEFAULT_TOP;
    return { order: order(d.dir, m.higherIsBetter), ...(winner ? { winner } : {}), ...(limit ? { limit } : {}), notes };
  }
  if (d && m.defaultStatistic !== 'count' && m.statistics.includes('max') && (d.dir === 'desc' || d.dir === 'asc')) {
    return { statistic: d.dir === 'desc' ? 'max' : 'min', notes };
  }
  if (d) notes.push(`"${d.word}" (name what to rank: page, agent, reviewer, topic, hour or weekday)`);
  if (said.group.which && groupBy) return { order: 'desc', winner: 'top', limit: limit ?? DEFAULT_TOP, notes };
  if (limit && !groupBy) notes.push(`top ${limit} (name what to rank)`);
  // topics are listed most frequent first
  if (measureName === 'topics' && groupBy === 'topic') return { order: 'desc', ...(limit ? { limit } : {}), notes };
  return { ...(limit && groupBy ? { order: 'desc' as const, limit } : {}), notes };
}

function mergeFilters(old: Filter[], fresh: Filter[], clearPages: boolean): Filter[] {
  const dims = new Set(fresh.map((f) => f.dimension));
  return [...old.filter((f) => !dims.has(f.dimension) && !(clearPages && f.dimension === 'page')), ...fresh];
}

/** The comparison of a follow-up: a new period keeps comparing, moved the same way or with the one before it. */
function followUpCompare(text: string, base: MetricQuery, prevPeriod: Period, period: Period): Period | undefined {
  if (!base.compareTo) return undefined;
  const shift = /\b(?:the )?(day|week|month|quarter|year) (?:before|earlier|prior)\b/.exec(text);
  const old = periodBetween(base.compareTo.from, base.compareTo.to, base.compareTo.label);
  if (shift && period.from < prevPeriod.from) return shiftBack(old, shift[1] as Unit);
  if (/\bbefore that\b|\bthe (?:one|period) before\b/.test(text)) return previousPeriod(old);
  return previousPeriod(period);
}

interface Built {
  query: MetricQuery;
  period: Period;
  winner?: string;
  notes: string[];
  periodDefaulted: boolean;
}

/** The period slots: named, carried from the question followed, or the default (said so). */
function periodSlots(said: Said, ctx: UnderstandContext, base: MetricQuery | undefined, groupBy: Dimension | undefined, text: string) {
  const p = said.periods;
  const fallback = (groupBy && DEFAULT_PERIOD[groupBy]) ?? FALLBACK_PERIOD;
  const period = p.period ?? (base ? ctx.previous!.period : parsePeriod(fallback, ctx.now, ctx.timeZone)!);
  let compare = p.compare ?? (p.compareDefault ? previousPeriod(period) : undefined);
  if (!compare && base && p.period) compare = followUpCompare(text, base, ctx.previous!.period, period);
  if (!compare && base?.compareTo && !p.period) compare = periodBetween(base.compareTo.from, base.compareTo.to, base.compareTo.label);
  return { period, compare, defaulted: !p.period && !base };
}

function build(said: Said, text: string, ctx: UnderstandContext, base: MetricQuery | undefined): Built | MetricReading {
  const notes = [...said.notes];
  const asked = said.measure ?? base!.measure;
  const measureName = asked === 'topics' ? 'customerMessages' : asked;
  let groupBy = said.group.dim ?? (asked === 'topics' ? 'topic' : undefined);
  groupBy ??= said.between;
  // "what share of customer messages were complaints": the share among all topics, that one shown
  const shareOf = !groupBy && said.statistic === 'share' ? said.filters.find((f) => f.dimension === 'topic') : undefined;
  if (shareOf) groupBy = 'topic';
  if (!groupBy && said.chart && !said.periods.compare && !said.periods.compareDefault && !base?.groupBy) groupBy = 'day';
  const slots = periodSlots(said, ctx, base, groupBy, text);
  const filters = said.filters.filter((f) => f !== shareOf);
  const replied = base && !said.measure && !said.replier ? measureName : byReplier(measureName, said.replier, filters);
  const who = said.replierWord;
  if (who && replied === measureName && filters.length === said.filters.length && !BOT_MEASURES.has(measureName)) {
    notes.push(`"${who}" (${measureByName(measureName)!.label} is not split by who replied)`);
  }
  // a follow-up ranks what the question before broke down ("which page is best" → "and the worst?")
  const overall = /\b(?:overall|in total|altogether)\b/.test(text);
  const ranked = groupBy ?? (base && !overall ? base.groupBy : undefined);
  // ranked by agent, a time is the agents' own: human replies only
  const asRanked = ranked !== 'agent' ? replied : replied === 'responseTime' ? 'humanResponseTime' : replied === 'firstResponse' ? 'humanFirstResponse' : replied;
  // "what percentage of sessions were handed over" is the handoff rate; a share by page stays a share of handoffs
  const measure = asRanked === 'handoffs' && said.statistic === 'share' && !ranked ? 'handoffRate' : asRanked;
  const m = measureByName(measure)!;
  if (said.otherPercentile) return refusal(`${m.label} is available as ${m.statistics.join(', ')}, not the ${said.otherPercentile}th percentile`);
  if (said.extraMeasures.length) notes.push(`${said.extraMeasures.join(', ')} (one figure per question: ask for it separately)`);
  if (said.periods.compareWords && !said.between) notes.push(`"${said.periods.compareWords}" (not a period or page I could compare with)`);
  if (said.chart && slots.compare) notes.push('the chart (a comparison is given as figures)');
  const stat = statisticFor(m, said, groupBy);
  // "which is best?" after a breakdown, or "and the worst?" after a winner: the winner of the carried breakdown
  const which = said.group.which || (!said.group.dim && base !== undefined && (ctx.previous?.winner !== undefined || /\b(?:which|who)\b/.test(text)));
  const rank = rankingOf({ ...said, group: { ...said.group, which } }, m, ranked, asked);
  notes.push(...rank.notes);
  const statistic = stat.statistic ?? rank.statistic;
  const limit = stat.limit ?? rank.limit;
  const carried = base ? carriedSlots(base, m, said, text, notes) : {};
  const query: MetricQuery = {
    measure,
    period: range(slots.period),
    ...(statistic ? { statistic } : carried.statistic ? { statistic: carried.statistic } : {}),
    ...(groupBy ? { groupBy } : carried.groupBy ? { groupBy: carried.groupBy } : {}),
    filters: mergeFilters(carried.filters ?? [], filters, /\b(?:all|every|any) (?:pages?|brands?)\b/.test(text)),
    ...(slots.compare ? { compareTo: range(slots.compare) } : {}),
    ...(rank.order ? { order: rank.order } : !groupBy && carried.order ? { order: carried.order } : {}),
    ...(limit ? { limit } : !groupBy && carried.limit ? { limit: carried.limit } : {}),
  };
  // "now for Voltix" after "by page": one page asked for, so no breakdown by page
  if (base && !groupBy && query.groupBy && said.filters.some((f) => f.dimension === query.groupBy && f.values.length === 1)) {
    delete query.groupBy;
    delete query.order;
    delete query.limit;
  }
  return { query, period: slots.period, ...(rank.winner ? { winner: rank.winner } : {}), notes, periodDefaulted: slots.defaulted };
}

/** What a follow-up keeps from the question before: slots the new measure can take, the rest named. */
function carriedSlots(base: MetricQuery, m: Measure, said: Said, text: string, notes: string[]): Partial<MetricQuery> {
  const dims = dimensionsOf(m);
  const same = base.measure === m.name;
  const out: Partial<MetricQuery> = {};
  if (base.statistic && same) out.statistic = base.statistic;
  const overall = /\b(?:overall|in total|altogether)\b/.test(text);
  if (base.groupBy && !overall && !said.group.dim) {
    if (dims.includes(base.groupBy)) {
      out.groupBy = base.groupBy;
      if (base.order) out.order = base.order;
      if (base.limit) out.limit = base.limit;
    } else if (!(said.measure && !same && base.groupBy === 'topic')) notes.push(`by ${base.groupBy} (from the question before: ${m.label} cannot be broken down by it)`);
  }
  out.filters = (base.filters ?? []).filter((f) => {
    if (dims.includes(f.dimension)) return true;
    if (f.dimension !== 'sender') notes.push(`${f.dimension} ${f.values.join(', ')} (from the question before: ${m.label} cannot be filtered by it)`);
    return false;
  });
  return out;
}

const FIGURE_WORDS = /\bhow many\b|\bnumber of\b|\bhow much\b|\b(?:average|total|median|rate|percentage|share)\b/;

/**
 * A question that asks for a figure the catalogue has no measure for ("how many new customers
 * signed up last month") is refused as data the product does not hold, naming what was asked.
 */
function figureNotHeld(question: string, text: string): MetricReading | undefined {
  const wantsFigure = FIGURE_WORDS.test(text) || (/^(?:what|how)\b/.test(text) && /\b(?:last|this|in|since|during|past)\b/.test(text) && /\b(?:was|were|is|are|did|do)\b/.test(text));
  if (!wantsFigure) return undefined;
  const asked = /\bhow (?:many|much) ([a-z' -]+?)(?= (?:did|do|does|were|was|are|is|have|has|had|came|come|got|get|in|on|last|this|for|during|since)\b|[?.]|$)/.exec(text)
    ?? /\bwhat (?:was|is|were|are) (?:the |our )?([a-z' -]+?)(?= (?:in|on|for|last|this|during|since|over|of)\b|[?.]|$)/.exec(text);
  const what = asked?.[1]?.trim() || question.trim();
  return { kind: 'refuse', text: `I don't have data about "${what}": SupportPulse holds conversations, messages, sessions, CSI scores and QA reviews. ${CAN_ASK}` };
}

function refusal(reason: string): MetricReading {
  return { kind: 'refuse', text: `I can't answer that as asked: ${reason}. ${CAN_ASK}` };
}

/** Questions whose words ask for something no query can honour: refused with the reason. */
function unanswerable(said: Said, base: MetricQuery | undefined): MetricReading | undefined {
  if (said.unreadPeriod) return refusal(`I could not read the period ("${said.unreadPeriod}"); name it like "last week", "in October", "since 1 November" or "last 30 days"`);
  if (said.noDimension) return refusal(`"${said.noDimension}" is not a breakdown I have`);
  const m = measureByName(said.measure === 'topics' ? 'customerMessages' : said.measure ?? base!.measure)!;
  if (said.now && m.defaultStatistic === 'count') {
    return refusal(`${m.label} are counted over a period, not as they stand now ("${said.now}"); ask for a period such as "today", or "QA backlog" for the sessions waiting for review`);
  }
  return undefined;
}

/** Reads a question as a catalogue query, a refusal, or undefined when it is not about a figure. */
export function understandMetric(question: string, ctx: UnderstandContext): MetricReading | undefined {
  const text = question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();
  const notHeld = notHeldRefusal(question, text, ctx.vocab.topics ?? []);
  if (notHeld) return notHeld;
  const said = readSaid(text, ctx);
  const followUp = isFollowUp(said, text, ctx.previous);
  if (!said.measure && !followUp) return figureNotHeld(question, text);
  const base = followUp ? ctx.previous!.query : undefined;
  const refused = unanswerable(said, base);
  if (refused) return refused;
  const built = build(said, text, ctx, base);
  if ('kind' in built) return built;
  if (said.now && !said.periods.period) built.notes.push(`"${said.now}" (figures are over a period: this is ${built.period.label})`);
  const checked = checkQuery(built.query);
  if (!checked.ok) return refusal(checked.reason);
  const chart = said.chart || (followUp && ctx.previous!.chart && !said.group.dim);
  return {
    kind: 'metric',
    metric: { query: built.query, period: built.period, ...(built.winner ? { winner: built.winner } : {}), notApplied: built.notes, periodDefaulted: built.periodDefaulted, chart },
  };
}
