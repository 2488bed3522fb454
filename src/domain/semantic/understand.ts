// Offline understanding of catalogue questions: the words of a question fill the slots of one
// MetricQuery (measure, statistic, breakdown, filters, period, comparison, order, top N). Each
// slot is read on its own, so phrasings combine freely; a word that names something the query
// cannot honour is refused or named, never dropped, and data the product does not hold is refused.
import { findPeriods, previousPeriod, parsePeriod, type Period, type PeriodMatch } from '../periods.ts';
import { measureByName, type Dimension, type Statistic } from './catalogue.ts';
import { checkQuery, type DayRange, type Filter, type MetricQuery } from './query.ts';
import {
  ADVERB_GROUPS, BOT_WORDS, CHART_WORDS, DIMENSION_WORDS, DIRECTION_WORDS, FOLLOW_UP, HUMAN_WORDS, MEASURE_WORDS, NOT_HELD,
  OTHER_PERCENTILE, QA_STATE_WORDS, STATISTIC_WORDS, TREND_WORDS, WEEKDAYS, type Direction,
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

const DEFAULT_PERIOD = 'last 7 days';
/** Counted things that name what a time or score is about ("time to resolve conversations"), not a second figure. */
const COUNT_NOUNS: ReadonlySet<string> = new Set(['conversations', 'sessions', 'messages', 'customerMessages', 'conversationDays']);
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
/** A name as a phrase: any spacing or underscores, a plural ("inquiry" → "inquiries") allowed. */
const phrase = (s: string) => {
  const body = escape(s.toLowerCase()).replace(/[_\s]+/g, '[_\\s-]+');
  return new RegExp(`\\b${body.endsWith('y') ? `${body.slice(0, -1)}(?:y|ies)` : `${body}(?:s|es)?`}\\b`);
};

/** Names from a vocabulary mentioned in the text: full names first, then a unique distinctive word. */
function namesIn(w: Words, names: readonly string[]): string[] {
  const found: string[] = [];
  for (const n of [...names].sort((a, b) => b.length - a.length)) if (w.take(phrase(n))) found.push(n);
  for (const n of names) {
    if (found.includes(n)) continue;
    const tokens = n.toLowerCase().split(/\s+/).filter((t) => t.length >= 4);
    for (const t of tokens) {
      const others = names.filter((o) => o !== n && o.toLowerCase().split(/\s+/).includes(t));
      if (others.length === 0 && w.take(phrase(t))) {
        found.push(n);
        break;
      }
    }
  }
  return found;
}

function range(p: Period): DayRange {
  return { from: p.from, to: p.to, label: p.label };
}

function groupOf(w: Words): { dim?: Dimension; which: boolean } {
  const which = /\b(?:which|what)\s+((?:[a-z]+\s+){0,3}?[a-z]+)\b/.exec(w.rest);
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
  return { which: false };
}

/** "top 3", "bottom 2", "5 worst": the count, its direction, and the dimension named right after. */
function topNOf(w: Words): { n: number; bottom: boolean; dim?: Dimension } | undefined {
  const m = w.take(/\b(top|bottom)\s+(\d{1,3})\b|\b(\d{1,3})\s+(best|worst|highest|lowest|slowest|fastest|busiest|most|least)\b/);
  if (!m) return undefined;
  const after = w.rest.slice(m.index + m[0].length).trimStart();
  const dim = DIMENSION_WORDS.find(([re]) => re.exec(after)?.index === 0)?.[1];
  return { n: Number(m[2] ?? m[3]), bottom: m[1] === 'bottom', ...(dim ? { dim } : {}) };
}

function directionOf(w: Words): { dir: Direction; word: string } | undefined {
  for (const [re, dir] of DIRECTION_WORDS) {
    const m = w.take(re);
    if (m) return { dir, word: m[0] };
  }
  return undefined;
}

function order(dir: Direction, higherIsBetter: boolean): 'asc' | 'desc' {
  if (dir === 'best') return higherIsBetter ? 'desc' : 'asc';
  if (dir === 'worst') return higherIsBetter ? 'asc' : 'desc';
  return dir;
}

/** The period (and a comparison period) named in the text; `unreadable` when a compare target is not a period. */
const BACK_WORDS = /\b(?:before|previous|prior|preceding|earlier)\b/;

interface PeriodsRead {
  period?: Period;
  compare?: Period;
  compareWords?: string;
  /** a main period phrase that could not be read */
  unreadable?: string;
  reason?: string;
}

/**
 * The main period and the one compared with, as findPeriods reads them. "Compare" or "change"
 * with one period compares it with the one before; a comparison that could not be read but says
 * "before" or "previous" is the period before, anything else is named, never guessed.
 */
function periodsOf(question: string, text: string, ctx: UnderstandContext, base?: Period): PeriodsRead {
  const found = findPeriods(question, ctx.now, ctx.timeZone, base);
  const main = found.find((p) => p.kind === 'period' && p.role === 'main');
  const period = main?.kind === 'period' ? main.period : undefined;
  // "… than in the 7 days before": words that count back from the period read are its comparison
  const back = (p: PeriodMatch) => p.kind === 'unreadable' && (period ?? base) !== undefined && BACK_WORDS.test(p.text.toLowerCase());
  const bad = found.find((p) => p.kind === 'unreadable' && p.role === 'main' && !back(p));
  if (bad && bad.kind === 'unreadable') return { unreadable: bad.unreadable, ...(bad.reason ? { reason: bad.reason } : {}) };
  const cmp = found.find((p) => p.role === 'comparison' || back(p));
  const anchor = period ?? base;
  if (cmp?.kind === 'period') return { ...(period ? { period } : {}), compare: cmp.period };
  if (cmp?.kind === 'unreadable') {
    if (anchor && BACK_WORDS.test(cmp.text.toLowerCase())) return { ...(period ? { period } : {}), compare: previousPeriod(anchor) };
    return { ...(period ? { period } : {}), compareWords: cmp.unreadable };
  }
  const asked = /\bcompare|\bchange[sd]?\b|\bdifference\b|\bbetter or worse\b|\bvs\.?|\bversus\b/.test(text);
  if (asked && anchor && !/\b(?:vs\.?|versus|against|than|compared (?:to|with))\s+[a-z]/.test(text)) return { ...(period ? { period } : {}), compare: previousPeriod(anchor) };
  return period ? { period } : {};
}

const FIGURE_WORDS = /\bhow many\b|\bnumber of\b|\bhow much\b|\b(?:average|total|median|rate|percentage|share)\b/;

/**
 * A question that asks for a figure the catalogue has no measure for ("how many customers did we
 * lose last month") is refused as data the product does not hold, naming what was asked.
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

/** Reads a question as a catalogue query, a refusal, or undefined when it is not about a figure. */
export function understandMetric(question: string, ctx: UnderstandContext): MetricReading | undefined {
  const text = question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();
  const w = new Words(text);
  const topics = ctx.vocab.topics ?? [];
  const notHeld = NOT_HELD.exec(text);
  if (notHeld && !topics.some((t) => phrase(t).test(notHeld[0]))) {
    const asTyped = question.replace(/\s+/g, ' ').trim().slice(notHeld.index, notHeld.index + notHeld[0].length);
    return { kind: 'refuse', text: `I don't have ${asTyped} data: SupportPulse holds conversations, messages, sessions, CSI scores and QA reviews, not ${asTyped}. ${CAN_ASK}` };
  }

  const periods = periodsOf(question, text, ctx, ctx.previous?.period);
  if (periods.unreadable) {
    return { kind: 'refuse', text: `I could not read "${periods.unreadable}" as a period${periods.reason ? ` (${periods.reason})` : ''}, so I have not answered with another one. Try "last week", "October", "since Monday" or "2026-10-01 to 2026-10-31".` };
  }
  // names first: a measure phrase must not swallow a page, agent or reviewer name
  const pages = namesIn(w, ctx.vocab.pages);
  const agents = namesIn(w, ctx.vocab.agents);
  const reviewers = namesIn(w, ctx.vocab.reviewers ?? []);
  // who replied: human or bot, read before a measure phrase takes the words
  // both named ("customers, the bot and agents") is everyone: no side is chosen
  const humanWords = HUMAN_WORDS.test(text) && !/\b(?:which|each|per|by|every)\s+(?:human\s+)?agents?\b/.test(text);
  const botWords = BOT_WORDS.test(text);
  const human = humanWords && !botWords;
  const bot = botWords && !humanWords;

  // measure
  let measure: string | undefined;
  let topicGroup = false;
  const extra: string[] = [];
  for (const [re, name] of MEASURE_WORDS) {
    const m = w.take(re);
    if (!m) continue;
    if (!measure) measure = name;
    else if (name === 'topics') topicGroup = true;
    else if (name !== measure && !(COUNT_NOUNS.has(name) && !COUNT_NOUNS.has(measure))) extra.push(m[0]);
  }
  const topicHits = namesIn(w, topics);
  // "how many complaints": a topic named as the thing counted
  if (!measure && topicHits.length && (/\bhow many\b|\bnumber of\b|\bcount\b|\bshare\b|\bpercent/.test(text))) measure = 'customerMessages';
  const previous = ctx.previous;
  const followUp = !measure && previous !== undefined && (FOLLOW_UP.test(text) || text.split(' ').length <= 7);
  if (!measure && !followUp) return figureNotHeld(question, text);

  const filters: Filter[] = [];
  const addFilter = (dimension: Dimension, values: string[]) => {
    if (values.length) filters.push({ dimension, values });
  };
  const notApplied: string[] = [];
  let groupBy: Dimension | undefined;
  let statistic: Statistic | undefined;
  let limit: number | undefined;

  if (measure === 'topics') {
    measure = 'customerMessages';
    groupBy = 'topic';
  } else if (topicGroup) {
    // asked by topic: the check refuses a measure that has no topics rather than dropping the words
    groupBy = 'topic';
  }
  if (measure === 'firstResponse' && bot) measure = 'botFirstResponse';
  else if (measure === 'firstResponse' && human) measure = 'humanFirstResponse';
  else if (measure === 'responseTime' && bot) addFilter('sender', ['bot']);
  else if (measure === 'responseTime' && human) measure = 'humanResponseTime';
  else if (measure === 'messages' && (bot || human)) addFilter('sender', [bot ? 'bot' : 'human_agent']);

  const chart = CHART_WORDS.test(text);
  const { period: named, compare, compareWords } = periods;

  const group = groupOf(w);
  groupBy ??= group.dim;
  const top = topNOf(w);
  limit = top?.n;
  groupBy ??= top?.dim;
  const direction = directionOf(w) ?? (top?.bottom ? { dir: 'worst' as const, word: 'bottom' } : undefined);
  if (!groupBy && TREND_WORDS.test(text)) groupBy = 'day';

  for (const [re, s] of STATISTIC_WORDS) {
    if (w.take(re)) {
      statistic = s;
      break;
    }
  }
  const otherPct = OTHER_PERCENTILE.exec(w.rest);

  // QA states: a filter on QA sessions and changes
  const states = QA_STATE_WORDS.filter(([re]) => re.test(w.rest)).map(([, s]) => s);
  if (measure === 'sessions' && (states.length || /\breviewed\b/.test(text))) measure = 'qaSessions';
  if (measure === 'qaSessions' || measure === 'reviews') {
    if (states.length) addFilter('qa_state', states);
    else if (measure === 'qaSessions' && /\breviewed\b/.test(text)) addFilter('qa_state', ['passed', 'issue', 'fixed']);
  }
  const weekdays = WEEKDAYS.filter((d) => new RegExp(`\\b${d}s\\b`).test(text)).map((d) => d[0]!.toUpperCase() + d.slice(1));
  if (/\bweekends?\b/.test(text)) weekdays.push('Saturday', 'Sunday');

  // start from the previous question on a follow-up
  const base: MetricQuery | undefined = followUp ? previous!.query : undefined;
  measure ??= base!.measure;
  const m = measureByName(measure)!;
  if (extra.length) notApplied.push(`${extra.join(', ')} (one figure per question: ask for it separately)`);

  if (pages.length > 1 && !groupBy) groupBy = 'page';
  // "what share of customer messages were complaints": the share among all topics, that one shown
  if (statistic === 'share' && !groupBy && topicHits.length) {
    groupBy = 'topic';
    topicHits.length = 0;
  }
  addFilter('page', pages);
  addFilter('agent', agents);
  addFilter('reviewer', reviewers);
  addFilter('topic', topicHits);
  addFilter('weekday', weekdays);
  if (groupBy === 'agent' && (measure === 'responseTime' || measure === 'firstResponse')) {
    measure = measure === 'responseTime' ? 'humanResponseTime' : 'humanFirstResponse';
  }

  // statistic words read against the measure: a share of a rate is the rate, a total of a count the count
  if (statistic && m.statistics.length === 1) {
    const only = m.statistics[0]!;
    if ((only === 'rate' && ['share', 'mean'].includes(statistic)) || (only === 'count' && ['sum', 'count'].includes(statistic))) statistic = only;
  }
  if (statistic && m.defaultStatistic === 'count' && (statistic === 'sum' || statistic === 'count')) statistic = 'count';
  if (statistic && m.defaultStatistic === 'count' && (statistic === 'max' || statistic === 'min') && groupBy) {
    limit ??= 1;
    statistic = 'count';
  }
  if (otherPct) return refusal(`${m.label} is available as ${m.statistics.join(', ')}, not the ${otherPct[1] ?? otherPct[2]}th percentile`);
  if (compareWords && pages.length < 2) notApplied.push(`"${compareWords}" (not a period or page I could compare with)`);

  let ord: 'asc' | 'desc' | undefined;
  let winner: string | undefined;
  // a follow-up ranks by the breakdown it inherits ("and the worst?")
  const ranked = groupBy ?? base?.groupBy;
  if (direction) {
    if (ranked) {
      ord = order(direction.dir, m.higherIsBetter);
      if (group.which || (!limit && !pages.length)) winner = direction.word;
    } else if (m.defaultStatistic !== 'count' && m.statistics.includes('max') && (direction.dir === 'desc' || direction.dir === 'asc')) {
      statistic ??= direction.dir === 'desc' ? 'max' : 'min';
    } else {
      notApplied.push(`"${direction.word}" (name what to rank: page, agent, reviewer, topic, hour or weekday)`);
    }
  } else if (group.which && groupBy) {
    ord = 'desc';
    winner = 'top';
  }
  if (limit && !groupBy) notApplied.push(`top ${limit} (name what to rank)`);

  const fresh = named ? range(named) : undefined;
  const periodRead = named ?? previous?.period ?? parsePeriod(DEFAULT_PERIOD, ctx.now, ctx.timeZone)!;
  const period = range(periodRead);
  const query: MetricQuery = {
    ...(base ?? {}),
    measure,
    period,
    ...(statistic ? { statistic } : base?.statistic && measureByName(base.measure) === m ? { statistic: base.statistic } : {}),
    ...(groupBy ? { groupBy } : base?.groupBy && !/\b(?:overall|in total|altogether)\b/.test(text) ? { groupBy: base.groupBy } : {}),
    filters: mergeFilters(base?.filters ?? [], filters, /\b(?:all|every|any) (?:pages?|brands?)\b/.test(text)),
    ...(compare ? { compareTo: range(compare) } : {}),
    ...(ord ? { order: ord } : {}),
    ...(limit ?? (winner ? 1 : undefined) ? { limit: limit ?? 1 } : {}),
  };
  if (!statistic && base?.statistic && measure !== base.measure) delete query.statistic;
  if (!groupBy && base && /\b(?:overall|in total|altogether)\b/.test(text)) delete query.groupBy;
  if (!compare && base?.compareTo && fresh) delete query.compareTo;
  // "now for Voltix" after "by page": one page asked for, so no breakdown by page
  if (base && !groupBy && query.groupBy && filters.some((f) => f.dimension === query.groupBy && f.values.length === 1)) delete query.groupBy;
  if (!ord && !winner && base) {
    if (query.groupBy !== base.groupBy) {
      delete query.order;
      delete query.limit;
    }
  }
  if (winner && query.limit === 1 && !limit) {
    // a winner is read from the full ranking's first row; the rest are shown as detail
    query.limit = 5;
  }
  const checked = checkQuery(query);
  if (!checked.ok) return refusal(checked.reason);
  return { kind: 'metric', metric: { query, period: periodRead, ...(winner ? { winner } : {}), notApplied, periodDefaulted: !fresh && !base, chart } };
}

function mergeFilters(old: Filter[], fresh: Filter[], clearPages: boolean): Filter[] {
  const dims = new Set(fresh.map((f) => f.dimension));
  return [...old.filter((f) => !dims.has(f.dimension) && !(clearPages && f.dimension === 'page')), ...fresh];
}
