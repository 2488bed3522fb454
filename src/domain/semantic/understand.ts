// Offline understanding of catalogue questions: the words of a question fill the slots of one
// MetricQuery (measure, statistic, breakdown, filters, period, comparison, order, top N). Each
// slot is read on its own, so phrasings combine freely; a word that names something the query
// cannot honour is refused or named, never dropped, and data the product does not hold is refused.
import { previousPeriod, parsePeriod, type Period } from '../periods.ts';
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
    for (const [re, dim] of DIMENSION_WORDS) {
      const d = re.exec(m[1]!);
      if (d && d.index === 0) {
        w.take(new RegExp(escape(m[0].slice(0, m[0].indexOf(m[1]!) + d[0].length))));
        return { dim, which: false };
      }
    }
  }
  for (const [re, dim] of ADVERB_GROUPS) if (w.take(re)) return { dim, which: false };
  return { which: false };
}

function topNOf(w: Words): number | undefined {
  const m = w.take(/\btop\s+(\d{1,3})\b|\b(\d{1,3})\s+(?:best|worst|highest|lowest|slowest|fastest|busiest|most|least)\b/);
  return m ? Number(m[1] ?? m[2]) : undefined;
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
function periodsOf(text: string, ctx: UnderstandContext, previous?: Period): { period?: Period; compare?: Period; compareWords?: string } {
  const cmp = /\b(?:vs\.?|versus|compared (?:to|with)|against|than)\b/.exec(text);
  const whole = parsePeriod(text, ctx.now, ctx.timeZone, previous);
  if (!cmp) {
    const compare = /\bcompare|\bchange\b|\bdifference\b/.test(text) && whole ? previousPeriod(whole) : undefined;
    return { period: whole, ...(compare ? { compare } : {}) };
  }
  const left = parsePeriod(text.slice(0, cmp.index), ctx.now, ctx.timeZone, previous) ?? whole;
  const right = text.slice(cmp.index + cmp[0].length);
  if (/\b(?:the )?(?:previous|prior|preceding) (?:period|one)\b|\bbefore\b/.test(right) && left && !parsePeriod(right, ctx.now, ctx.timeZone, left)) {
    return { period: left, compare: previousPeriod(left) };
  }
  const r = parsePeriod(right, ctx.now, ctx.timeZone, left);
  if (r && left && (r.from !== left.from || r.to !== left.to)) return { period: left, compare: r };
  return { period: left, compareWords: right.trim() };
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

  // measure
  let measure: string | undefined;
  const extra: string[] = [];
  for (const [re, name] of MEASURE_WORDS) {
    const m = w.take(re);
    if (!m) continue;
    if (!measure) measure = name;
    else if (name !== measure) extra.push(m[0]);
  }
  const previous = ctx.previous;
  const followUp = !measure && previous !== undefined && (FOLLOW_UP.test(text) || text.split(' ').length <= 7);
  if (!measure && !followUp) return undefined;

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
  }
  // who replied: human or bot variants of the time measures
  const human = HUMAN_WORDS.test(w.rest) && !/\b(?:which|each|per|by|every)\s+(?:human\s+)?agents?\b/.test(w.rest);
  const bot = BOT_WORDS.test(w.rest);
  if (measure === 'firstResponse' && bot) measure = 'botFirstResponse';
  else if (measure === 'firstResponse' && human) measure = 'humanFirstResponse';
  else if (measure === 'responseTime' && bot) addFilter('sender', ['bot']);
  else if (measure === 'responseTime' && human) measure = 'humanResponseTime';
  else if (measure === 'messages' && (bot || human)) addFilter('sender', [bot ? 'bot' : 'human_agent']);

  const pages = namesIn(w, ctx.vocab.pages);
  const agents = namesIn(w, ctx.vocab.agents);
  const reviewers = namesIn(w, ctx.vocab.reviewers ?? []);
  const topicHits = namesIn(w, topics);
  const chart = CHART_WORDS.test(text);
  const { period: named, compare, compareWords } = periodsOf(text, ctx, previous?.period);

  const group = groupOf(w);
  groupBy ??= group.dim;
  limit = topNOf(w);
  const direction = directionOf(w);
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
  if (direction) {
    if (groupBy) {
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
