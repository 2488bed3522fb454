// Offline understanding of catalogue questions: the words of a question fill the slots of one
// MetricQuery (measure, statistic, breakdown, filters, period, comparison, order, top N). Each
// slot is read on its own, so phrasings combine freely; a word that names something the query
// cannot honour is refused or named, never dropped, and data the product does not hold is refused.
import { parsePeriod, periodBetween, previousPeriod, shiftBack, type Period, type Unit } from '../periods.ts';
import { DIMENSIONS, MEASURES, SOURCES, dimensionsOf, measureByName, type Dimension, type Measure, type Statistic } from './catalogue.ts';
import { MONTH_NAMES, addDays } from '../period-words.ts';
import { describeFigure } from './format.ts';
import { checkQuery, type Filter, type MetricQuery } from './query.ts';
import { correctTypos } from './said-typos.ts';
import { CAN_ASK, byReplier, notHeldRefusal, range, readSaid, type ChangeRanking, type MetricIntent, type MetricReading, type Said, type UnderstandContext, type Vocabulary } from './said.ts';
import { FOLLOW_ON, FOLLOW_UP, WEEKDAYS, type Direction } from './words.ts';

export type { ChangeRanking, MetricIntent, MetricReading, UnderstandContext, Vocabulary } from './said.ts';
export { CAN_ASK } from './said.ts';

/** Used when no period is named: a series over time needs more than a week to show anything. */
const DEFAULT_PERIOD: Partial<Record<Dimension, string>> = { day: 'last 30 days', week: 'last 12 weeks', month: 'last 12 months' };
const FALLBACK_PERIOD = 'last 7 days';
/** How many rows a ranking without a number shows ("the slowest agents"; a winner and the next ones). */
const DEFAULT_TOP = 5;
/** Measures about the bot's work already: "bot" in them is no filter that went missing. */
const BOT_MEASURES: ReadonlySet<string> = new Set(['containment', 'handoffRate', 'handoffs', 'qaSessions', 'issueRate', 'reviews', 'botFirstResponse']);

// ── combining ────────────────────────────────────────────────────────────────────────────────

/** A short question that only changes slots of the previous one ("now by page", "and for Voltix?"). */
function isFollowUp(said: Said, text: string, previous: MetricIntent | undefined): boolean {
  if (!previous) return false;
  // "who's the slowest", "excluding gratitude": a measure only implied by the words may be the one before
  if (said.measure && !said.inferred) return FOLLOW_ON.test(text);
  if (FOLLOW_UP.test(text)) return true;
  if (text.split(' ').length > 7) return false;
  return Boolean(/\b(?:overall|in total|altogether)\b/.test(text) || said.periods.period || said.group.dim || said.filters.length || said.chart || said.replier || said.statistic || said.otherPercentile || said.direction || said.limit || said.periods.compare);
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
    if ((only === 'rate' && (s === 'share' || s === 'mean')) || ((only === 'count' || only === 'sum') && (s === 'sum' || s === 'count'))) s = only;
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
  change?: ChangeRanking;
  focus?: string;
  remarks?: string[];
}

const CHANGE_NOUNS = { down: 'drop', up: 'rise', better: 'improvement', worse: 'worsening' } as const;

/**
 * "Which page had the biggest drop", "the agents who improved most": the groups ranked by their
 * change against the period before. Better and worse follow the measure (a response time improves
 * as it falls); "least" and "smallest" rank the other way.
 */
function changeRanking(said: Said, m: Measure, limit: number | undefined): ChangeRanking | undefined {
  const c = said.change;
  if (!c) return undefined;
  const wanted = c.dir === 'down' || c.dir === 'up' ? c.dir : (c.dir === 'better') === m.higherIsBetter ? 'up' : 'down';
  const least = said.direction?.dir === 'asc' && /\b(?:least|smallest|lowest|fewest)\b/.test(said.direction.word);
  const order = (wanted === 'up') !== least ? 'desc' : 'asc';
  return { order, ...(limit ? { limit } : {}), noun: CHANGE_NOUNS[c.dir], wanted };
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

/** Whether a measure implied by the words ("the slowest") is the follow-up's measure before: a time, a count, QA work, topics. */
function keepsBase(inferred: Said['inferred'], base: MetricQuery): boolean {
  const m = measureByName(base.measure)!;
  if (inferred === 'speed') return m.unit === 'seconds' || m.unit === 'minutes';
  if (inferred === 'busy') return m.defaultStatistic === 'count';
  if (inferred === 'qa') return base.measure === 'reviews' || base.measure === 'qaSessions';
  return inferred === 'topic' && base.measure === 'customerMessages';
}

/** "and the rate?" after a count of events: their rate. */
const RATE_OF: Readonly<Record<string, string>> = { handoffs: 'handoffRate', csatResponses: 'csatResponseRate' };

function askedMeasure(said: Said, text: string, base: MetricQuery | undefined): string {
  if (!base) return said.measure!;
  if (said.measure && !(said.inferred && keepsBase(said.inferred, base))) return said.measure;
  return (/\brates?\b/.test(text) && RATE_OF[base.measure]) || base.measure;
}

function build(said: Said, text: string, ctx: UnderstandContext, base: MetricQuery | undefined): Built | MetricReading {
  const notes = [...said.notes];
  const asked = askedMeasure(said, text, base);
  let groupBy = said.group.dim ?? (asked === 'topics' ? 'topic' : undefined);
  groupBy ??= said.between;
  // "QA score by category": the scorecard's categories, not the customers' topics
  if (groupBy === 'topic' && /^qa(?:Category)?Score$/.test(asked) && !/\btopics?\b/.test(text)) groupBy = 'qa_category';
  // … and the QA score of one category ("the Tone category"), or by category, is the category score
  const byCategory = groupBy === 'qa_category' || said.filters.some((f) => f.dimension === 'qa_category');
  const measureName = asked === 'topics' ? 'customerMessages' : asked === 'qaScore' && byCategory ? 'qaCategoryScore' : asked;
  if (!groupBy && measureName === 'qaCategoryScore' && /\b(?:per|by|for each|each|which|what) (?:qa |scorecard )?categor/.test(text)) groupBy = 'qa_category';
  const filters = [...said.filters];
  // "and the bot?" after the human first response time: the same figure, for the other replier
  const replied = base && !said.measure && !said.replier ? measureName : byReplier(said.replier ? (FAMILY[measureName] ?? measureName) : measureName, said.replier, filters, said.replierWord !== undefined, said.replierLeftOut === true);
  // "what share of customer messages were complaints", "share of messages sent by the bot": the
  // share among all of that dimension's groups, the one named shown first
  const ofSessions = /\b(?:share|percentage|percent|proportion|fraction) of (?:the |all |our )?sessions\b/.test(text);
  const shareable = measureByName(replied)!;
  const shareOf = !groupBy && said.statistic === 'share' && shareable.statistics.includes('share') && !ofSessions
    ? filters.find((f) => !f.exclude && f.values.length === 1 && dimensionsOf(shareable).includes(f.dimension))
    : undefined;
  if (shareOf) {
    groupBy = shareOf.dimension;
    filters.splice(filters.indexOf(shareOf), 1);
  }
  if (!groupBy && said.chart && !said.periods.compare && !said.periods.compareDefault && !base?.groupBy) groupBy = 'day';
  const slots = periodSlots(said, ctx, base, groupBy, text);
  const who = said.replierWord;
  if (who && replied === measureName && filters.length + (shareOf ? 1 : 0) === said.filters.length && !BOT_MEASURES.has(measureName)) {
    notes.push(`"${who}" (${measureByName(measureName)!.label} is not split by who replied)`);
  }
  // a follow-up ranks what the question before broke down ("which page is best" → "and the worst?")
  const overall = /\b(?:overall|in total|altogether)\b/.test(text);
  const ranked = groupBy ?? (base && !overall ? base.groupBy : undefined);
  // ranked by agent, a time is the agents' own: human replies only
  const asRanked = ranked !== 'agent' ? replied : replied === 'responseTime' ? 'humanResponseTime' : replied === 'firstResponse' ? 'humanFirstResponse' : replied;
  // "what percentage of sessions were handed over" is the handoff rate; a share by page stays a share of handoffs
  // … and "the share of sessions handed over, per page" is the handoff rate of each page
  const measure = asRanked === 'handoffs' && said.statistic === 'share' && (!ranked || ofSessions) ? 'handoffRate' : asRanked;
  const m = measureByName(measure)!;
  // "how long do sessions wait before QA review": a time asked of a figure that counts
  const firstQuestion = said.secondQuestion ? text.slice(0, text.lastIndexOf(said.secondQuestion)) : text;
  if (/\bhow long\b/.test(firstQuestion) && m.unit === 'count') return refusal(`"how long" asks for a time, and ${m.label} are counted; the times I have are response, first response, handling, resolution and the human wait after a handoff`);
  if (said.otherPercentile) return refusal(`${m.label} is available as ${m.statistics.join(', ')}, not the ${said.otherPercentile}th percentile`);
  if (said.extraMeasures.length) notes.push(`${said.extraMeasures.join(', ')} (one figure per question: ask for it separately)`);
  else if (said.secondQuestion) notes.push(`the second question, "${said.secondQuestion}" (one figure per question: ask it separately)`);
  if (said.periods.compareWords && !said.between) notes.push(`"${said.periods.compareWords}" (not a period or page I could compare with)`);
  if (said.chart && slots.compare) notes.push('the chart (a comparison is given as figures)');
  const stat = statisticFor(m, said, groupBy);
  // "resolution rate" of a 0–10 score: what is given is its average, and that is said
  if (/\brates?\b/.test(text) && !m.statistics.includes('rate') && !m.statistics.includes('share') && m.unit !== 'share') {
    notes.push(`"rate" (${m.label} is not a rate of anything counted: this is its ${describeFigure(m, stat.statistic ?? m.defaultStatistic).replace(` ${m.label}`, '')})`);
  }
  // "which is best?" after a breakdown, or "and the worst?" after a winner: the winner of the carried breakdown
  const which = said.group.which || (!said.group.dim && base !== undefined && (ctx.previous?.winner !== undefined || /\b(?:which|who)\b/.test(text)));
  // "what about last month" after "which was worst": the same ranking, the same way round
  const direction = said.direction ?? (base?.order && ctx.previous?.winner && !said.group.dim ? { dir: base.order, word: ctx.previous.winner } : undefined);
  const qaWhich = groupBy === 'qa_category' && /\b(?:which|what) (?:qa |scorecard )?categor/.test(text);
  const rank = rankingOf({ ...said, ...(direction ? { direction } : {}), group: { ...said.group, which: which || qaWhich } }, m, ranked, asked);
  notes.push(...rank.notes);
  const statistic = stat.statistic ?? rank.statistic;
  const limit = stat.limit ?? rank.limit;
  const carried = base ? carriedSlots(base, m, said, text, notes) : {};
  // the handoff queue as it stands takes no period: a period named is kept, and refused by checkQuery
  const asOfNow = SOURCES[m.source].current === true && !said.periods.period;
  const named = said.periods.compare ?? (said.periods.compareDefault ? slots.compare : undefined);
  if (asOfNow && slots.compare && !named) notes.push(`the comparison with ${slots.compare.label} (${m.label} is how things stand now)`);
  const counted = (statistic ?? carried.statistic ?? m.defaultStatistic) === 'count' || (statistic ?? m.defaultStatistic) === 'sum';
  const sameDays = !asOfNow && counted ? toDate(slots.period, slots.compare, ctx) : undefined;
  const remarks = sameDays ? [sameDays.note] : [];
  const compare = asOfNow ? named : sameDays?.compare ?? slots.compare;
  const query: MetricQuery = {
    measure,
    ...(asOfNow ? {} : { period: range(sameDays?.period ?? slots.period) }),
    ...(statistic ? { statistic } : carried.statistic ? { statistic: carried.statistic } : {}),
    ...(groupBy ? { groupBy } : carried.groupBy ? { groupBy: carried.groupBy } : {}),
    filters: mergeFilters(carried.filters ?? [], filters, /\b(?:all|every|any) (?:pages?|brands?)\b/.test(text)),
    ...(compare ? { compareTo: range(compare) } : {}),
    ...(rank.order ? { order: rank.order } : !groupBy && carried.order ? { order: carried.order } : {}),
    ...(limit ? { limit } : !groupBy && carried.limit ? { limit: carried.limit } : {}),
  };
  // ranked by the change: the SQL returns every group of both periods, the answer orders them
  const change = query.groupBy && query.compareTo ? changeRanking(said, m, query.limit) : undefined;
  if (change) {
    delete query.order;
    delete query.limit;
  }
  // "now for Voltix" after "by page": one page asked for, so no breakdown by page
  if (base && !groupBy && query.groupBy && said.filters.some((f) => f.dimension === query.groupBy && f.values.length === 1 && !f.exclude)) {
    delete query.groupBy;
    delete query.order;
    delete query.limit;
  }
  const focus = shareOf?.values.length === 1 ? shareOf.values[0] : undefined;
  return {
    query, period: slots.period, ...(rank.winner ? { winner: rank.winner } : {}), notes, periodDefaulted: slots.defaulted && !asOfNow,
    ...(change ? { change } : {}), ...(focus ? { focus } : {}), ...(remarks.length ? { remarks } : {}),
  };
}

/**
 * A count over a period still running, compared with a whole one before it ("complaints this month
 * vs last month" on the 7th) would compare 7 days with 30: both are cut to the same days instead
 * (1–7 Dec against 1–7 Nov), and the answer's labels and a note say so.
 */
function toDate(period: Period, compare: Period | undefined, ctx: UnderstandContext): { period: Period; compare: Period; note: string } | undefined {
  const today = parsePeriod('today', ctx.now, ctx.timeZone)?.from;
  if (!compare || !today || period.to <= today || period.from > today || compare.to >= period.from) return undefined;
  const elapsed = Math.round((Date.parse(today) - Date.parse(period.from)) / 86_400_000);
  const compareTo = addDays(compare.from, elapsed);
  if (compareTo >= compare.to) return undefined;
  const name = (p: Period) => p.label.replace(/ \(.*\)$/, '');
  const days = (from: string, to: string) => `(${dayLabel(from)} – ${dayLabel(to)})`;
  return {
    period: { ...period, to: today, label: `${name(period)} to date ${days(period.from, today)}` },
    compare: { ...compare, to: compareTo, label: `the same days of ${name(compare)} ${days(compare.from, compareTo)}` },
    note: `${period.label.charAt(0).toUpperCase()}${period.label.slice(1)} is still running, so both periods are counted over their first ${elapsed + 1} day${elapsed ? 's' : ''}.`,
  };
}

const dayLabel = (day: string): string => new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** A measure's human and bot variants, each to the figure they split. */
const FAMILY: Readonly<Record<string, string>> = {
  humanFirstResponse: 'firstResponse', botFirstResponse: 'firstResponse', humanResponseTime: 'responseTime',
};

/** What a follow-up keeps from the question before: slots the new measure can take, the rest named. */
function carriedSlots(base: MetricQuery, m: Measure, said: Said, text: string, notes: string[]): Partial<MetricQuery> {
  const dims = dimensionsOf(m);
  const same = base.measure === m.name;
  const out: Partial<MetricQuery> = {};
  // "for humans only" after "the median first response": the same statistic of the variant
  const family = (n: string) => FAMILY[n] ?? n;
  if (base.statistic && (same || (family(base.measure) === family(m.name) && m.statistics.includes(base.statistic)))) out.statistic = base.statistic;
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

const quoted = (words: readonly string[]) => words.map((x) => `"${x}"`).join(', ');

function refusal(reason: string): MetricReading {
  return { kind: 'refuse', text: `I can't answer that as asked: ${reason}. ${CAN_ASK}` };
}

/** A yes-or-no question about the figure itself ("was the median under 5 minutes?"): the figure answers it. */
const ABOUT_THE_FIGURE = /^(?:was|is|were|are|did|does|has|have|had)\b/;

/** Questions whose words ask for something no query can honour: refused with the reason. */
function unanswerable(said: Said, base: MetricQuery | undefined, text: string): MetricReading | undefined {
  if (said.unanswered) return refusal(`"${said.unanswered}" is a condition I cannot count or filter by: what is held is every customer message, and the response time of those that were answered`);
  if (said.conditions.length) return refusal(`"${said.conditions.join('", "')}" is a condition, and one figure cannot be filtered by another; ask for each figure on its own`);
  if (said.unreadHours) return refusal('I could not read the time of day; name whole hours like "between 9am and 5pm", "after 6pm" or "before 8am"');
  if (said.threshold && !ABOUT_THE_FIGURE.test(text)) {
    return refusal(`"${said.threshold}" is a threshold, and I give totals, averages, percentiles and shares over everything in a period, not how many fall above or below a value`);
  }
  if (said.countsCustomers) {
    return refusal('I count conversations (one per customer and page), sessions and messages, not distinct customers; ask how many conversations');
  }
  if (said.unreadPeriod) return refusal(`I could not read the period ("${said.unreadPeriod}"); name it like "last week", "in October", "since 1 November" or "last 30 days"`);
  // QA disputes are a list to work through (/qa disputes), not a figure of the catalogue
  const disputed = /\bdisput(?:e|es|ed|ing)\b/.exec(text);
  if (disputed) return refusal(`"${disputed[0]}": QA disputes are listed with /qa disputes in Slack, and are not a figure I can count or filter by`);
  if (said.dayPart) return refusal(`"${said.dayPart}" is a part of the day, and which hours it covers would be my guess; name whole hours like "between 6am and 12pm", "after 6pm" or "before 8am"`);
  if (said.breakdowns) return refusal(`one question gives one breakdown, and this one names ${said.breakdowns.length} (by ${said.breakdowns.join(' and by ')}); ask for one, with a filter for the other ("handoffs by week for Voltix")`);
  // "the top topic for each page": topics are a breakdown already, and one question gives one breakdown
  const other = said.group.dim;
  if (!base && said.measure === 'topics' && other && other !== 'topic' && !said.filters.some((f) => f.dimension === 'topic')) {
    return refusal(`topics for each ${other} would need two breakdowns (topic and ${other}), and I give one per question; ask for the top topics of one ${other}, or for customer messages by ${other}`);
  }
  if (said.noDimension) return refusal(`"${said.noDimension}" is not a breakdown I have`);
  const m = measureByName(said.measure === 'topics' ? 'customerMessages' : said.measure ?? base!.measure)!;
  // "the handoff wait at the moment": a wait is measured once a human answers; what stands now is the queue
  if (said.now && m.name === 'handoffWait') {
    return refusal(`the human wait after a handoff is measured when a human answers, so there is none "${said.now}"; ask how many handoffs are waiting now, or for the wait over a period`);
  }
  if (said.now && m.defaultStatistic === 'count' && !SOURCES[m.source].current) {
    return refusal(`${m.label} are counted over a period, not as they stand now ("${said.now}"); ask for a period such as "today", "QA backlog" for the sessions waiting for review, or handoffs waiting or assigned now`);
  }
  return undefined;
}

/** Capitalised words that name no one: months, days, the product's own words, holidays read as periods. */
const COMMON_CAPITALS: ReadonlySet<string> = new Set([
  ...MONTH_NAMES.flatMap((m) => [m.toLowerCase(), m.slice(0, 3).toLowerCase()]), 'sept', ...WEEKDAYS, ...WEEKDAYS.map((d) => d.slice(0, 3)), 'tues', 'thur', 'thurs', ...DIMENSIONS, ...MEASURES.flatMap((m) => m.label.toLowerCase().split(/[\s-]+/)),
  'i', 'ok', 'okay', 'black', 'friday', 'christmas', 'easter', 'new', 'year', 'messenger', 'facebook', 'slack', 'supportpulse', 'utc', 'qa', 'bot', 'ai',
]);

/**
 * A name the question gives that is no page, agent, reviewer or topic here ("how many sessions
 * did Olga review"): answering for everyone would drop the filter, so it is refused. A word
 * counts as a name when it is capitalised inside a sentence of a question not written in Title Case.
 */
function unknownName(question: string, vocab: Vocabulary): string | undefined {
  const words = question.match(/[A-Za-z][\w'’-]*/g) ?? [];
  if (words.filter((w) => /^[A-Z][a-z]/.test(w)).length * 2 > words.length) return undefined;
  const known = new Set(
    [...vocab.pages, ...vocab.agents, ...(vocab.reviewers ?? []), ...(vocab.topics ?? []), ...(vocab.qaCategories ?? [])].flatMap((n) => n.toLowerCase().split(/[\s_]+/)),
  );
  for (const m of question.matchAll(/(^|[.?!:"“]\s*|\s)([A-Z][a-z][\w’'-]*)/g)) {
    if (m[1] === '' || /[.?!:"“]/.test(m[1]!)) continue; // a sentence's first word
    const word = m[2]!.replace(/['’]s$/, '');
    const low = word.toLowerCase();
    const one = low.replace(/s$/, ''); // "Mondays", "Acmes"
    if (![low, one].some((x) => known.has(x) || COMMON_CAPITALS.has(x))) return word;
  }
  return undefined;
}

/** Reads a question as a catalogue query, a refusal, or undefined when it is not about a figure. */
export function understandMetric(question: string, ctx: UnderstandContext): MetricReading | undefined {
  const asked = question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();
  const notHeld = notHeldRefusal(question, asked, ctx.vocab.topics ?? []);
  if (notHeld) return notHeld;
  let text = asked;
  let said = readSaid(text, ctx);
  // "handofs", "voltx": a word nobody read, one edit from a product word or name, read as that word (and said so)
  const typos = said.unread ? correctTypos(text, said.unread.words, [...ctx.vocab.pages, ...ctx.vocab.agents, ...(ctx.vocab.reviewers ?? []), ...(ctx.vocab.topics ?? [])]) : undefined;
  if (typos) {
    text = typos.text;
    said = readSaid(text, ctx);
  }
  const followUp = isFollowUp(said, text, ctx.previous);
  if (!said.measure && !followUp) return figureNotHeld(question, text);
  const base = followUp ? ctx.previous!.query : undefined;
  const stranger = unknownName(question, ctx.vocab);
  if (stranger) {
    return refusal(`I don't know "${stranger}": it is not a page, agent, reviewer or topic here (pages: ${ctx.vocab.pages.join(', ') || 'none yet'}); name one as it is spelt, or ask "CSI by agent" or "QA changes by reviewer" to see who there is`);
  }
  const refused = unanswerable(said, base, text);
  if (refused) return refused;
  const unread = said.unread;
  if (unread?.negation) {
    return refusal(`I could not read what "${unread.negation}" leaves out here; I can leave out a page, agent, reviewer, topic, weekday or who replied ("excluding Voltix", "except weekends", "not from the bot"), not a condition like this one`);
  }
  if (unread?.qualifies) {
    return refusal(`I don't know ${unread.words.length > 1 ? 'the words' : 'the word'} ${quoted(unread.words)} here, so I cannot count or filter by ${unread.words.length > 1 ? 'them' : 'it'} (filters I have: page, agent, reviewer, topic, weekday, hour of the day, QA state, and for some figures whether the bot or a human replied); ask again without it for the figure over everything`);
  }
  const built = build(said, text, ctx, base);
  if ('kind' in built) return built;
  if (typos) built.remarks = [...typos.remarks, ...(built.remarks ?? [])];
  if (unread) {
    // a long, chatty message: the first few words are enough to show that something was not read
    const shown = unread.words.length > 6 ? `${quoted(unread.words.slice(0, 5))} and ${unread.words.length - 5} more` : quoted(unread.words);
    built.notes.push(`${shown} (${unread.words.length > 1 ? 'words' : 'a word'} I did not read: nothing was filtered by ${unread.words.length > 1 ? 'them' : 'it'})`);
  }
  if (said.threshold) built.notes.push(`"${said.threshold}" (compare it with the figure above: nothing was filtered by it)`);
  if (said.now && !said.periods.period && built.query.period) built.notes.push(`"${said.now}" (figures are over a period: this is ${built.period.label})`);
  const checked = checkQuery(built.query);
  if (!checked.ok) return refusal(checked.reason);
  const chart = said.chart || (followUp && ctx.previous!.chart && !said.group.dim);
  return {
    kind: 'metric',
    metric: {
      query: built.query, period: built.period, ...(built.winner ? { winner: built.winner } : {}), notApplied: built.notes,
      periodDefaulted: built.periodDefaulted, chart, ...(built.change ? { change: built.change } : {}), ...(built.focus ? { focus: built.focus } : {}), ...(built.remarks ? { remarks: built.remarks } : {}),
    },
  };
}
