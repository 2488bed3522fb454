// Offline understanding of catalogue questions: the words of a question fill the slots of one
// MetricQuery (measure, statistic, breakdown, filters, period, comparison, order, top N). Each
// slot is read on its own, so phrasings combine freely; a word that names something the query
// cannot honour is refused or named, never dropped, and data the product does not hold is refused.
import { shareParts } from './said-share.ts';
import { parsePeriod, type Period } from '../periods.ts';
import { SOURCES, dimensionsOf, measureByName, type Dimension, type Measure, type Statistic } from './catalogue.ts';
import { addDays, formatRange } from '../period-words.ts';
import { dayOf } from '../days.ts';
import { runningPeriod } from './said-periods.ts';
import { describeFigure } from './format.ts';
import { checkQuery, type Filter, type MetricQuery } from './query.ts';
import { correctTypos } from './said-typos.ts';
import { questionInChat } from './said-sentences.ts';
import { withoutChat } from './said-idioms.ts';
import { correctionIn } from './said-corrections.ts';
import { FAMILY, askedMeasure, carriedSlots, inFamily, isFollowUp, mergeFilters, periodSlots, pronounRead, thatPeriod, threadFilters, threadRemark } from './follow-ups.ts';
import { WHICH_FIGURE, asBuilt, figureNotHeld, nameLost, noSuchName, personWord, quoted, refusal, shareOfEachGroup, unanswerable, unknownName } from './refusals.ts';
import { byReplier, notHeldRefusal, range, readSaid, type ChangeRanking, type MetricReading, type Said, type UnderstandContext } from './said.ts';
import { type Direction } from './words.ts';

export type { ChangeRanking, MetricIntent, MetricReading, UnderstandContext, Vocabulary } from './said.ts';
export { CAN_ASK } from './said.ts';

/** How many rows a ranking without a number shows ("the slowest agents"; a winner and the next ones). */
const DEFAULT_TOP = 5;
/** Measures about the bot's work already: "bot" in them is no filter that went missing. */
const BOT_MEASURES: ReadonlySet<string> = new Set(['containment', 'handoffRate', 'handoffs', 'qaSessions', 'reviewedSessions', 'issueRate', 'reviews', 'botFirstResponse']);

// ── combining ────────────────────────────────────────────────────────────────────────────────

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
  place?: number;
  notes: string[];
}

function rankingOf(said: Said, m: Measure, groupBy: Dimension | undefined, measureName: string): Ranking {
  const notes: string[] = [];
  const d = said.direction;
  let limit = said.limit;
  if (d && groupBy && said.place) {
    // the rows down to the place asked and a few after, so a tie at that place shows
    return { order: order(d.dir, m.higherIsBetter), winner: d.word, place: said.place, limit: Math.max(limit ?? 0, said.place + 2), notes };
  }
  if (d && groupBy) {
    const winner = said.group.which && (limit ?? 1) === 1 ? d.word : undefined;
    // a ranking shows its first rows; two named pages are compared whole
    if (!limit && !said.between) limit = DEFAULT_TOP;
    return { order: order(d.dir, m.higherIsBetter), ...(winner ? { winner } : {}), ...(limit ? { limit } : {}), notes };
  }
  // "CSAT more than last month": a comparison's word, not the highest CSAT
  const comparative = d !== undefined && /^(?:more|fewer)$/.test(d.word);
  if (d && !comparative && m.defaultStatistic !== 'count' && m.statistics.includes('max') && (d.dir === 'desc' || d.dir === 'asc')) {
    return { statistic: d.dir === 'desc' ? 'max' : 'min', notes };
  }
  if (d && !(comparative && said.periods.compare)) notes.push(`"${d.word}" (name what to rank: page, agent, reviewer, topic, hour or weekday)`);
  if (said.group.which && groupBy) return { order: 'desc', winner: 'top', limit: limit ?? DEFAULT_TOP, notes };
  if (limit && !groupBy) notes.push(`top ${limit} (name what to rank)`);
  // topics are listed most frequent first
  if (measureName === 'topics' && groupBy === 'topic') return { order: 'desc', ...(limit ? { limit } : {}), notes };
  return { ...(limit && groupBy ? { order: 'desc' as const, limit } : {}), notes };
}

interface Built {
  query: MetricQuery;
  period: Period;
  movedFrom?: Period;
  winner?: string;
  place?: number;
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

/** "The bot's issue rate" is the issue rate; "the issue rate of bot-handled sessions" a filter it cannot take. */
const HANDLED_BY = /\b(?:bot|ai|human|agent)[- ](?:handled|only)\b|\bhandled (?:by|with) (?:the |a )?(?:bot|ai|humans?|agents?)\b/;

/** "customer messages answered by the bot": customers wrote them all; who answered is a reply's. */
function answeredBy(measure: string, filters: readonly Filter[]): MetricReading | undefined {
  if (measure !== 'customerMessages' || !filters.some((f) => f.dimension === 'sender' && !f.exclude && f.values.some((v) => v !== 'customer'))) return undefined;
  return refusal('customer messages are all written by customers, and which of them the bot or an agent answered is not a count I keep; I have the response time of the bot\'s or the agents\' replies ("bot response time last week")');
}

/** "vs James" after Fatima's figure: a name of a dimension the question before filtered, to compare with it. */
function versusOf(said: Said, text: string, base: MetricQuery | undefined): Filter | undefined {
  if (!base || said.group.dim || said.between || !/^(?:and )?(?:vs\.?|versus|against|compared (?:to|with))\s/.test(text)) return undefined;
  return said.filters.find((f) => !f.exclude && (base.filters ?? []).some((b) => b.dimension === f.dimension && !b.exclude));
}

function build(said: Said, text: string, ctx: UnderstandContext, base: MetricQuery | undefined): Built | MetricReading {
  const notes = [...said.notes];
  const asked = askedMeasure(said, text, base);
  const versus = versusOf(said, text, base);
  let groupBy = said.group.dim ?? (asked === 'topics' ? 'topic' : undefined) ?? said.between ?? versus?.dimension;
  // "the best day?" after a breakdown by weekday: the best of those weekdays, not a date
  if (base?.groupBy === 'weekday' && groupBy === 'day' && /\b(?:best|worst|busiest|quietest|highest|lowest|slowest|fastest) day\b/.test(text)) groupBy = 'weekday';
  // "QA score by category": the scorecard's categories, not the customers' topics
  if (groupBy === 'topic' && /^qa(?:Category)?Score$/.test(asked) && !/\btopics?\b/.test(text)) groupBy = 'qa_category';
  // … and the QA score of one category ("the Tone category"), or by category, is the category score
  const byCategory = groupBy === 'qa_category' || said.filters.some((f) => f.dimension === 'qa_category');
  // topics are labels of customers' messages: "the share of messages about shipping" is among those
  const aboutTopic = groupBy === 'topic' || said.filters.some((f) => f.dimension === 'topic' && !f.exclude);
  const measureName = asked === 'topics' || (asked === 'messages' && aboutTopic && !said.replier) ? 'customerMessages' : asked === 'qaScore' && byCategory ? 'qaCategoryScore' : asked;
  const rankedCategory = /\b(?:which|what|lowest|highest|best|worst|top|bottom)(?:[- ]scor(?:ing|ed))? (?:qa |scorecard )?categor/.test(text);
  if (!groupBy && measureName === 'qaCategoryScore' && (rankedCategory || /\b(?:per|by|for each|each) (?:qa |scorecard )?categor/.test(text))) groupBy = 'qa_category';
  const filters = [...said.filters];
  // "and the bot?" after the human first response time: the same figure, for the other replier
  const replied = base && !said.measure && !said.replier ? measureName : byReplier(said.replier ? (FAMILY[measureName] ?? measureName) : measureName, said.replier, filters, said.replierWord !== undefined, said.replierLeftOut === true);
  if (answeredBy(replied, filters)) return answeredBy(replied, filters)!;
  // "what share of customer messages were complaints", "share of messages sent by the bot": the
  // share among all of that dimension's groups, the one named shown first
  const shareable = measureByName(replied)!;
  const parts = said.statistic === 'share' ? shareParts(text, filters, (f) => dimensionsOf(shareable).includes(f.dimension)) : undefined;
  // ("what % were handed off" after a count of sessions: a share of those sessions)
  const ofSessions = parts?.ofSessions === true || (parts !== undefined && base?.measure === 'sessions' && !/\bof (?!those|them|these)\b/.test(text));
  // (… and "what share of all messages is that" after the human agents' messages: the filter before)
  const oneGroup = (f: Filter) => !f.exclude && f.values.length === 1 && dimensionsOf(shareable).includes(f.dimension);
  const sharing = !groupBy && said.statistic === 'share' && shareable.statistics.includes('share') && !(ofSessions && replied === 'handoffs');
  if (sharing && parts?.several) {
    const { dimension, values } = parts.several;
    return refusal(`the share of ${values.join(' and ')} together is not one figure I give; ask for the share by ${dimension} and add them up`);
  }
  const shareOf = sharing ? parts?.focus ?? (base && !base.groupBy ? (base.filters ?? []).find(oneGroup) : undefined) : undefined;
  if (shareOf) {
    groupBy = shareOf.dimension;
    if (filters.includes(shareOf)) filters.splice(filters.indexOf(shareOf), 1);
  }
  if (!groupBy && said.chart && !said.periods.compare && !said.periods.compareDefault && !base?.groupBy) groupBy = 'day';
  const slots = periodSlots(said, ctx, base, groupBy, text, measureName);
  // "bot" said of a figure not split by who replied is named back; left out ("sessions, no bots") it is refused, never answered for everyone
  if (said.replierWord && replied === measureName && filters.length + (shareOf && !(base?.filters ?? []).includes(shareOf) ? 1 : 0) === said.filters.length && (!BOT_MEASURES.has(measureName) || HANDLED_BY.test(text))) {
    if (said.replierLeftOut) return refusal(`${measureByName(measureName)!.label} is not split by who replied, so I cannot leave out "${said.replierWord}"; ask for it over everyone`);
    notes.push(`"${said.replierWord}" (${measureByName(measureName)!.label} is not split by who replied)`);
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
  if (/\bhow long\b/.test(firstQuestion) && m.unit === 'count') return refusal(`"how long" asks for a time, and ${m.label} are counted; the times I have are response, first response, handling, resolution, the human wait after a handoff and the time to resolve a handoff`);
  if (said.otherPercentile) return refusal(`${m.label} is available as ${m.statistics.join(', ')}, not the ${said.otherPercentile}th percentile`);
  if (said.extraMeasures.length) notes.push(`${said.extraMeasures.join(', ')} (one figure per question: ask for it separately)`);
  else if (said.secondQuestion) notes.push(`the second question, "${said.secondQuestion}" (one figure per question: ask it separately)`);
  if (said.periods.compareWords && !said.between && !versus) notes.push(`"${said.periods.compareWords}" (not a period or page I could compare with)`);
  if (said.chart && slots.compare) notes.push('the chart (a comparison is given as figures)');
  const stat = statisticFor(m, said, groupBy);
  // "resolution rate" of a 0–10 score: what is given is its average, and that is said
  if (/\brates?\b/.test(text) && !m.statistics.includes('rate') && !m.statistics.includes('share') && m.unit !== 'share') {
    notes.push(`"rate" (${m.label} is not a rate of anything counted: this is its ${describeFigure(m, stat.statistic ?? m.defaultStatistic).replace(` ${m.label}`, '')})`);
  }
  // "which is best?" after a breakdown, or "and the worst?" after a winner: the winner of the carried breakdown
  const which = said.group.which || (!said.group.dim && base !== undefined && (ctx.previous?.winner !== undefined || /\b(?:which|who)\b|\bthe [a-z]+ one\b/.test(text)));
  // "what about last month" after "which was worst": the same ranking, the same way round
  const direction = said.direction ?? (base?.order && ctx.previous?.winner && !said.group.dim ? { dir: base.order, word: ctx.previous.winner } : undefined);
  const qaWhich = groupBy === 'qa_category' && rankedCategory;
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
  const compare = asOfNow ? named : sameDays?.compare ?? slots.compare;
  // a period still running is counted to today and labelled "so far"
  const running = asOfNow || sameDays ? undefined : runningPeriod(slots.period, compare, dayOf(ctx.now, ctx.timeZone));
  const kept = slots.thread && !asOfNow ? threadFilters(ctx.previous!.query, m, filters) : [];
  filters.push(...kept);
  const remarks = [...(sameDays ? [sameDays.note] : running?.note ? [running.note] : []), ...(slots.thread && !asOfNow ? [threadRemark(slots.thread, kept)] : [])];
  const query: MetricQuery = {
    measure,
    ...(asOfNow ? {} : { period: range(sameDays?.period ?? running?.period ?? slots.period) }),
    ...(statistic ? { statistic } : carried.statistic ? { statistic: carried.statistic } : {}),
    ...(groupBy ? { groupBy } : carried.groupBy ? { groupBy: carried.groupBy } : {}),
    // "who was fastest overall" after one agent: the ranking is of all of them
    filters: versus
      ? [...(carried.filters ?? []).filter((f) => f.dimension !== versus.dimension), ...filters.filter((f) => f !== versus),
        { dimension: versus.dimension, values: [...new Set([...(base!.filters ?? []).find((b) => b.dimension === versus.dimension)!.values, ...versus.values])] }]
      // "by page" after Voltix's figure: every page, the one before no longer a filter
      : mergeFilters((carried.filters ?? []).filter((f) => !(rank.winner && f.dimension === (groupBy ?? carried.groupBy)) && f.dimension !== shareOf?.dimension && !(said.group.dim && f.dimension === said.group.dim && !said.filters.some((s) => s.dimension === f.dimension))), filters, /\b(?:all|every|any) (?:pages?|brands?)\b/.test(text)),
    ...(compare ? { compareTo: range(compare) } : {}),
    ...(rank.order ? { order: rank.order } : said.sort && (groupBy ?? carried.groupBy) ? { order: said.sort } : !groupBy && carried.order ? { order: carried.order } : {}),
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
  const refused = asBuilt(query, m, ctx);
  if (refused) return refused;
  const focus = shareOf?.values.length === 1 ? shareOf.values[0] : undefined;
  return {
    query, period: slots.period, ...(slots.movedFrom ? { movedFrom: slots.movedFrom } : {}), ...(rank.winner ? { winner: rank.winner } : {}), ...(rank.place ? { place: rank.place } : {}), notes, periodDefaulted: slots.defaulted && !asOfNow,
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
  // labelled as runningPeriod labels a running period alone: "this week so far (Mon 7 Dec 2026)"
  return {
    period: { ...period, to: today, label: `${name(period).replace(/ so far$/, '')} so far (${formatRange(period.from, today)})` },
    compare: { ...compare, to: compareTo, label: `the same days of ${name(compare)} (${formatRange(compare.from, compareTo)})` },
    note: `${period.label.charAt(0).toUpperCase()}${period.label.slice(1)} is still running, so both periods are counted over their first ${elapsed + 1} day${elapsed ? 's' : ''}.`,
  };
}


/** "how did bot CSAT compare with human CSAT": the bot's and the humans' figure side by side, as "bot vs human" reads. */
function repliersCompared(text: string): string {
  const m = /^(?:how (?:did|does|do|has|have|is|was) |compare )?(.+?) (?:compare[sd]? )?(?:with|to|against) (.+)$/.exec(text);
  if (!m || !/\bcompare/.test(text)) return text;
  const side = (words: string) => (/\b(?:bots?|ai)\b|\bbot's\b/.test(words) ? 'bot' : /\b(?:humans?|agents?|people)\b|\bhumans'/.test(words) ? 'human' : undefined);
  const [a, b] = [side(m[1]!), side(m[2]!)];
  return a && b && a !== b ? `${m[1]} vs ${m[2]}` : text;
}

const WEEKDAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const WEEKDAYS_VS = new RegExp(`\\b(${WEEKDAY})s?(\\s+(?:vs\\.?|versus|compared (?:to|with)|against|and|or)\\s+)(${WEEKDAY})s?\\b`);

/**
 * "Monday vs Friday last month": the weekdays of a period named besides them, compared group by
 * group, not the last Monday against the last Friday (said as "Mondays vs Fridays", which reads so).
 */
function weekdaysCompared(text: string, ctx: UnderstandContext): string {
  const m = WEEKDAYS_VS.exec(text);
  if (!m || (!/\b(?:vs\.?|versus|compared|against|compare|busier|quieter|better|worse|higher|lower|more|fewer|slower|faster)\b/.test(text))) return text;
  const rest = text.slice(0, m.index) + text.slice(m.index + m[0].length);
  if (!parsePeriod(rest.replace(/^.*?\b(?=(?:last|this|in|during|over|past|since|for)\b)/, ''), ctx.now, ctx.timeZone)) return text;
  return `${text.slice(0, m.index)}${m[1]}s vs ${m[3]}s${text.slice(m.index + m[0].length)}`;
}

// ("per-weekday", "by-page": the hyphen joins nothing a breakdown reader needs; "last week... and": dots are a pause)
// ("came in 3rd": a place, not the 3rd of a month)
const lowered = (text: string) => text.toLowerCase().replace(/[’']/g, "'").replace(/\s*(?:\.{2,}|…)\s*/g, ' ').replace(/\b(per|by)-(?=[a-z])/g, '$1 ')
  .replace(/\b(came|finished|ranked|placed) in (?=(?:[2-9]|10)(?:st|nd|rd|th)\b)/g, '$1 ')
  // "Monday sessions in November": a weekday said of what is counted is that weekday's, "on Mondays"
  .replace(/\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday) (?=(?:sessions|handoffs|messages|msgs|chats|conversations|complaints|surveys)\b)/g, '$1s ')
  .replace(/\s+/g, ' ').trim();

/** Reads a question as a catalogue query, a refusal, or undefined when it is not about a figure. */
export function understandMetric(message: string, ctx: UnderstandContext): MetricReading | undefined {
  const focused = questionInChat(message, (sentence) => readSaid(withoutChat(lowered(sentence)), ctx));
  const question = focused?.text ?? message;
  const asked = lowered(question);
  const notHeld = notHeldRefusal(question, asked, ctx.vocab.topics ?? []);
  if (notHeld) return notHeld;
  // "csat for Oakhaven, no sorry, Stride": the correction applied, or refused when what it corrects is not clear
  const correction = correctionIn(withoutChat(asked), ctx.vocab, ctx.now, ctx.timeZone);
  if ('refuse' in correction) return refusal(correction.refuse);
  const that = thatPeriod(correction.text, ctx.previous);
  if ('refuse' in that) return refusal(that.refuse);
  let text = weekdaysCompared(repliersCompared(that.text), ctx);
  let said = readSaid(text, ctx);
  // "handofs", "voltx": a word nobody read, one edit from a product word or name, read as that word (and said so)
  // ("since lats monday", "the week beofre last": a period read as a whole phrase that could not be read, one word of it a slip)
  const inPeriod = said.unreadPeriod?.split(/[^a-z]+/).filter((x) => x.length >= 3) ?? [];
  const strange = [...new Set([...(said.unread?.words ?? []), ...(said.unknownBy ? [said.unknownBy] : []), ...inPeriod])];
  const typos = strange.length ? correctTypos(text, strange, [...ctx.vocab.pages, ...ctx.vocab.agents, ...(ctx.vocab.reviewers ?? []), ...(ctx.vocab.topics ?? [])]) : undefined;
  if (typos) {
    text = typos.text;
    said = readSaid(text, ctx);
  }
  // "success rate?" after template uses: the family's other figure, its words read
  const family = inFamily(said, text, ctx.previous?.query);
  if (family) said = family;
  const who = pronounRead(said, ctx.previous);
  if (typeof who === 'string') return refusal(who);
  said = who;
  const followUp = family !== undefined || isFollowUp(said, text, ctx.previous);
  // "and Voltix", "was last week good?", "everything for last week": a page or a period but no figure, with no question before to take it from
  const vague = /\b(?:good|bad|ok|okay|fine|well|great|terrible|everything|all the (?:numbers|figures|stats|metrics|kpis)|overview|summary|vibes?|health|healthy|pulse|temperature|picture|situation|status|doing|going|looking)\b/.test(text);
  // (… or "and the median?" opening a thread: a statistic of no figure named)
  if (!said.measure && !followUp && (said.filters.length > 0 || said.periods.period || said.statistic) && (text.split(' ').length <= 4 || vague)) {
    return WHICH_FIGURE;
  }
  if (!said.measure && !followUp) return figureNotHeld(text);
  const base = followUp ? ctx.previous!.query : undefined;
  const stranger = unknownName(question, ctx.vocab, typos?.words);
  if (stranger) {
    return noSuchName(stranger, ctx.vocab);
  }
  const refused = unanswerable(said, base, text);
  if (refused) return refused;
  const unread = said.unread;
  // "last wek": a word nothing read after "last" (past, next) was meant as a period; the default is never put in its place
  const meant = !said.periods.period && !said.periods.compare ? unread?.words.map((w) => new RegExp(`\\b(?:last|past|previous|prior|next) ${w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\b`, 'u').exec(text)).find(Boolean) : undefined;
  if (meant) return refusal(`I could not read the period ("${meant[0]}"); name it like "last week", "in October", "since 1 November" or "last 30 days"`);
  // "QA score by reviewer daniel": a word nothing read, right after "by reviewer", is a name I do not know
  // … and so is one that does the desk's or QA's work ("did kevin take", "kevin took") or owns the figure ("priya's CSAT")
  const unnamed = unread?.words.find((w) => /^[a-z][a-z'-]+$/.test(w) && (new RegExp(`\\b(?:(?:by|for|of|from) (?:the )?(?:pages?|brands?|agents?|reviewers?|reps?)|reviewed by|handled by) ${w}\\b`).test(text) || personWord(w, text)));
  if (unnamed) {
    return noSuchName(unnamed, ctx.vocab);
  }
  if (unread?.negation) {
    return refusal(`I could not read what "${unread.negation}" leaves out here; I can leave out a page, agent, reviewer, topic, weekday or who replied ("excluding Voltix", "except weekends", "not from the bot"), not a condition like this one`);
  }
  if (unread?.qualifies) {
    return refusal(`I don't know ${unread.words.length > 1 ? 'the words' : 'the word'} ${quoted(unread.words)} here, so I cannot count or filter by ${unread.words.length > 1 ? 'them' : 'it'} (filters I have: page, agent, reviewer, topic, weekday, hour of the day, QA state, and for some figures whether the bot or a human replied); ask again without it for the figure over everything`);
  }
  const built = build(said, text, ctx, base);
  if ('kind' in built) return built;
  const perGroup = shareOfEachGroup(built.query, text, ctx.vocab.pages);
  if (perGroup) return perGroup;
  if (typos) built.remarks = [...typos.remarks, ...(built.remarks ?? [])];
  if (focused) built.remarks = [focused.remark, ...(built.remarks ?? [])];
  // "why did CSI drop": the figures say what happened, never why
  if (/\bwhy\b|\bwhat (?:caused|causes|drove|drives|is behind|was behind)\b|\breasons? (?:for|behind)\b/.test(text)) {
    built.remarks = [...(built.remarks ?? []), 'The figures show what changed, not why: the breakdowns (by page, topic, agent, hour) show where it changed.'];
  }
  if (unread) {
    // a long, chatty message: the first few words are enough to show that something was not read
    const shown = unread.words.length > 6 ? `${quoted(unread.words.slice(0, 5))} and ${unread.words.length - 5} more` : quoted(unread.words);
    built.notes.push(`${shown} (${unread.words.length > 1 ? 'words' : 'a word'} I did not read: nothing was filtered by ${unread.words.length > 1 ? 'them' : 'it'})`);
  }
  if (said.threshold) built.notes.push(`"${said.threshold}" (compare it with the figure above: nothing was filtered by it)`);
  if (said.now && !said.periods.period && built.query.period) built.notes.push(`"${said.now}" (figures are over a period: this is ${built.period.label})`);
  const checked = checkQuery(built.query);
  if (!checked.ok) return refusal(checked.reason);
  // (a name in a second question belongs to it: that question is named as not answered)
  const lost = nameLost(said.secondQuestion ? text.slice(0, text.lastIndexOf(said.secondQuestion)) : text, ctx.vocab, built.query, built.focus, built.notes);
  if (lost) return refusal(`I read "${lost}" but could not apply it to ${measureByName(built.query.measure)!.label} as asked; ask again naming the figure and ${lost} ("… for ${lost} last week")`);
  const chart = said.chart || (followUp && ctx.previous!.chart && !said.group.dim);
  return {
    kind: 'metric',
    metric: {
      query: built.query, period: built.period, ...(built.movedFrom ? { movedFrom: built.movedFrom } : {}), ...(built.winner ? { winner: built.winner } : {}), ...(built.place ? { place: built.place } : {}), notApplied: built.notes,
      periodDefaulted: built.periodDefaulted, chart, ...(built.change ? { change: built.change } : {}), ...(built.focus ? { focus: built.focus } : {}), ...(built.remarks ? { remarks: built.remarks } : {}),
    },
  };
}
