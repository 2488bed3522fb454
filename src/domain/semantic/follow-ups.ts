// Follow-ups: a short question that changes slots of the one before it in the thread ("and by
// page?", "what about last month", "and the rate?"), and what it keeps from that question.
import { addDays } from '../period-words.ts';
import { parsePeriod, periodBetween, previousPeriod, shiftBack, type Period, type Unit } from '../periods.ts';
import { dimensionsOf, measureByName, type Dimension, type Measure } from './catalogue.ts';
import type { Filter, MetricQuery } from './query.ts';
import type { MetricIntent, Said, UnderstandContext } from './said.ts';
import { FOLLOW_ON, FOLLOW_UP } from './words.ts';

/** "how many of them were handed off", "how many reviews did she do": about what the question before counted. */
const PRONOUN = /\b(?:of them|of those|of these|among them|among those|she|he|her|his|they|them)\b|\b(?:is|was|are|were) (?:that|this|those|these)\s*[?.!]*$|^(?:and )?(?:what|which) (?:%|share|percentage|percent|proportion|fraction) (?:were|was|got|had)\b|^(?:and )?how many (?:were|was|got|had)\b/;

/** A short question that only changes slots of the previous one ("now by page", "and for Voltix?"). */
export function isFollowUp(said: Said, text: string, previous: MetricIntent | undefined): boolean {
  if (!previous) return false;
  // "how many of those were flagged as issue?": about what the question before counted, whatever else it says
  if (/\b(?:of|among) (?:them|those|these)\b/.test(text)) return true;
  // "csat?" alone: that figure for the thread's page, people and period
  if (said.measure && /^[a-z' -]{1,30}\?\s*$/.test(text) && text.split(' ').length <= 3) return true;
  // "who's the slowest", "excluding gratitude": a measure only implied by the words may be the one before
  if (said.measure && !said.inferred) return FOLLOW_ON.test(text) || PRONOUN.test(text);
  if (FOLLOW_UP.test(text)) return true;
  // "compared to the same days of last month": the figure before, against another period
  if (!said.measure && said.periods.compare && /^(?:vs\.?|versus|compared (?:to|with)|against|relative to)\b/.test(text)) return true;
  // "which page dropped most from the week before to last week?": the change of the figure before
  if (!said.measure && said.change && (said.group.dim ?? previous.query.groupBy)) return true;
  if (text.split(' ').length > 7) return false;
  return Boolean(/\b(?:overall|in total|altogether)\b/.test(text) || said.periods.period || said.group.dim || said.filters.length || said.chart || said.replier || said.statistic || said.otherPercentile || said.direction || said.limit || said.periods.compare);
}

export function mergeFilters(old: Filter[], fresh: Filter[], clearPages: boolean): Filter[] {
  const dims = new Set(fresh.map((f) => f.dimension));
  return [...old.filter((f) => !dims.has(f.dimension) && !(clearPages && f.dimension === 'page')), ...fresh];
}

/** The comparison of a follow-up: a new period keeps comparing, moved the same way or with the one before it. */
export function followUpCompare(text: string, base: MetricQuery, prevPeriod: Period, period: Period): Period | undefined {
  if (!base.compareTo) return undefined;
  const shift = /\b(?:the )?(day|week|month|quarter|year) (?:before|earlier|prior)\b/.exec(text);
  const old = periodBetween(base.compareTo.from, base.compareTo.to, base.compareTo.label);
  if (shift && period.from < prevPeriod.from) return shiftBack(old, shift[1] as Unit);
  if (/\bbefore that\b|\bthe (?:one|period) before\b/.test(text)) return previousPeriod(old);
  return previousPeriod(period);
}

/** Whether a measure implied by the words ("the slowest") is the follow-up's measure before: a time, a count, QA work, topics. */
function keepsBase(inferred: Said['inferred'], base: MetricQuery): boolean {
  const m = measureByName(base.measure)!;
  if (inferred === 'speed') return m.unit === 'seconds' || m.unit === 'minutes';
  if (inferred === 'busy') return m.defaultStatistic === 'count';
  if (inferred === 'qa') return base.measure === 'reviews' || base.measure === 'qaSessions' || base.measure === 'reviewedSessions';
  return inferred === 'topic' && base.measure === 'customerMessages';
}

/** "and the rate?" after a count of events: their rate. */
const RATE_OF: Readonly<Record<string, string>> = { handoffs: 'handoffRate', csatResponses: 'csatResponseRate' };

/**
 * "and the response rate?" after a CSAT score, "how long did they take to resolve?" after handoff
 * cases closed, "and the success rate?" after template uses: a figure of the same family as the
 * one before, read in that family. `over` is the measure the words alone would read as, if any.
 */
const FAMILIES: readonly { of: RegExp; words: RegExp; measure: string; over?: RegExp }[] = [
  { of: /^csat/, words: /\bhow many (?:people |customers |of them |surveys )?(?:answered|responded|replied)\b/, measure: 'csatResponses' },
  { of: /^csat/, words: /\bresponse rates?\b|\brates? of (?:response|answer)s?\b/, measure: 'csatResponseRate', over: /^(?:responseTime|humanResponseTime)$/ },
  { of: /^csat/, words: /\bsatisfied\b|\bhappy\b|\b4s? (?:or|and|&) 5s?\b/, measure: 'csatSatisfied' },
  { of: /^csat(?!Surveys)/, words: /\bsurveys? sent\b|\bhow many surveys\b|\bsurveys?\??$/, measure: 'csatSurveys' },
  { of: /^csat(?!Score)/, words: /\bscores?\b|\bsatisfaction\b|\brating\b/, measure: 'csatScore' },
  { of: /^template/, words: /\bsuccess(?:ful)?\b/, measure: 'templateSuccess' },
  // the queue now: waiting and assigned are its two halves ("and assigned?", "who holds the most?")
  { of: /^handoffsWaiting$/, words: /\bassigned\b|\btaken\b|\bheld\b|\bhold(?:s|ing)?\b|\bpicked up\b/, measure: 'handoffsAssigned' },
  { of: /^handoffsAssigned$/, words: /\bwaiting\b|\bunassigned\b|\bin (?:the )?queue\b|\bnot (?:yet )?(?:taken|assigned|picked up)\b/, measure: 'handoffsWaiting' },
  // ("rate?" alone after a count of events: their rate, as "and the rate?")
  { of: /^handoffs$/, words: /^(?:the )?rates?\s*[?.!]*$/, measure: 'handoffRate' },
  { of: /^csatResponses$/, words: /^(?:the )?rates?\s*[?.!]*$/, measure: 'csatResponseRate' },
  { of: /^template/, words: /\buses?\b|\bused\b|\busage\b/, measure: 'templateUses' },
  // (a time asked: "who resolved the most" after cases closed still counts them)
  { of: /^handoffs(?:Closed|Assigned)$|^handoffResolveTime$/, words: /\bresolution(?: times?)?\b|\bhow long\b|\btime to (?:close|resolve)\b|\bclos(?:e|ing) time\b|\b(?:time|long|take|took|taking|takes)\b[^.?]*\bresolv\w*|\bresolv\w*\b[^.?]*\b(?:time|long|take|took|takes)\b/, measure: 'handoffResolveTime', over: /^(?:resolutionTime|totalHandlingTime)$/ },
];

/** The family figure a follow-up's words name, read in the family of the measure before. */
export function familyMeasure(said: Said, text: string, base: MetricQuery): string | undefined {
  // (the family's own figure again, "avg time to resolve for them" after the time to resolve, stays it)
  const f = FAMILIES.find((x) => x.of.test(base.measure) && x.words.test(text) && (x.measure !== base.measure || (said.measure !== undefined && x.over?.test(said.measure) === true)));
  if (!f || (said.measure && !(f.over?.test(said.measure) && !/\bsessions?\b/.test(text)))) return undefined;
  return f.measure;
}

/** The follow-up's words, with those its family figure read ("success" in "and the success rate?") no longer unread. */
export function inFamily(said: Said, text: string, previous: MetricQuery | undefined): Said | undefined {
  const measure = previous ? familyMeasure(said, text, previous) : undefined;
  if (!measure || !said.unread) return measure ? said : undefined;
  const f = FAMILIES.find((x) => x.measure === measure)!;
  const words = said.unread.words.filter((w) => !f.words.test(w) && !new RegExp(`\\b${w}\\b`).test(f.words.exec(text)?.[0] ?? ''));
  if (words.length === said.unread.words.length) return said;
  const { unread, ...rest } = said;
  return words.length ? { ...rest, unread: { ...unread, words } } : rest;
}

export function askedMeasure(said: Said, text: string, base: MetricQuery | undefined): string {
  if (!base) return said.measure!;
  const family = familyMeasure(said, text, base);
  if (family) return family;
  if (said.measure && !(said.inferred && keepsBase(said.inferred, base))) return said.measure;
  if (/^csat/.test(base.measure) && /\b(?:responses|answers|replies)\b/.test(text)) return 'csatResponses';
  return (/\brates?\b/.test(text) && RATE_OF[base.measure]) || base.measure;
}

/** A measure's human and bot variants, each to the figure they split. */
export const FAMILY: Readonly<Record<string, string>> = {
  humanFirstResponse: 'firstResponse', botFirstResponse: 'firstResponse', humanResponseTime: 'responseTime',
};

/** What a follow-up keeps from the question before: slots the new measure can take, the rest named. */
export function carriedSlots(base: MetricQuery, m: Measure, said: Said, text: string, notes: string[]): Partial<MetricQuery> {
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
    // "humans" after "bot only": who replied is asked again, the one before replaced
    if (f.dimension === 'sender' && said.replier) return false;
    if (dims.includes(f.dimension)) return true;
    if (f.dimension !== 'sender') notes.push(`${f.dimension} ${f.values.join(', ')} (from the question before: ${m.label} cannot be filtered by it)`);
    return false;
  });
  return out;
}

/**
 * The filters a figure of the same data keeps in a thread along with its period ("what % satisfied"
 * after "CSAT for Voltix last week": Voltix's), those of dimensions it takes and the question did not name.
 */
export function threadFilters(previous: MetricQuery, m: Measure, named: readonly Filter[]): Filter[] {
  return (previous.filters ?? []).filter((f) => dimensionsOf(m).includes(f.dimension) && !named.some((n) => n.dimension === f.dimension));
}

/** What the answer says of the period and filters a figure of the same data kept from the question before. */
export function threadRemark(period: Period, kept: readonly Filter[]): string {
  const words = kept.map((f) => `${f.exclude ? 'excluding ' : ''}${f.dimension} ${f.values.join(', ')}`).join('; ');
  return `No period was named, so this keeps the period of the question before: ${period.label}${kept.length ? `, and its ${words}` : ''}.`;
}

/** Used when no period is named: a series over time needs more than a week to show anything. */
const DEFAULT_PERIOD: Partial<Record<Dimension, string>> = { day: 'last 30 days', week: 'last 12 weeks', month: 'last 12 months' };
const FALLBACK_PERIOD = 'last 7 days';

/** The period slots: named, carried from the question followed, or the default (said so). */
export function periodSlots(said: Said, ctx: UnderstandContext, base: MetricQuery | undefined, groupBy: Dimension | undefined, text: string, measure: string) {
  const p = said.periods;
  const fallback = (groupBy && DEFAULT_PERIOD[groupBy]) ?? FALLBACK_PERIOD;
  // "which page dropped most?" after "… and the week before?": the thread's later period against that one
  const moved = base && !p.period && !p.compare && said.change ? ctx.previous!.movedFrom : undefined;
  if (moved) return { period: moved, compare: ctx.previous!.period, defaulted: false, thread: undefined, movedFrom: undefined };
  // a figure of the same data asked in a thread with no period of its own ("which page is worst on
  // effort" after empathy over the last 30 days): the thread's period, said so, not the default
  // (another figure, "response times" after "CSI last week", starts afresh)
  const sameData = ctx.previous && measureByName(ctx.previous.query.measure)?.source === measureByName(measure)?.source;
  const thread = !base && sameData && !p.period && !p.compare && !said.unreadPeriod && ctx.previous?.query.period && !ctx.previous.periodDefaulted ? ctx.previous.period : undefined;
  const period = p.period ?? (base ? ctx.previous!.period : thread ?? parsePeriod(fallback, ctx.now, ctx.timeZone)!);
  // "compare Voltix and Stride": the pages are what is compared, not the period with the one before
  let compare = said.between && (p.compareDefault || p.compareImplied) ? undefined : p.compare ?? (p.compareDefault ? previousPeriod(period) : undefined);
  if (!compare && base && p.period) compare = followUpCompare(text, base, ctx.previous!.period, period);
  if (!compare && base?.compareTo && !p.period) compare = periodBetween(base.compareTo.from, base.compareTo.to, base.compareTo.label);
  // "and the week before?": the period just before the thread's, nothing compared; the thread's is kept, for "which page dropped most?" next
  const movedFrom = base && p.period && !compare && addDays(period.to, 1) === ctx.previous!.period.from ? ctx.previous!.period : undefined;
  return { period, compare, defaulted: !p.period && !base && !thread, thread, movedFrom };
}

/**
 * "that week by page" after last week's figure: the period of the question before, written as its
 * dates, when the unit said is that period's (a day, a 7-day week, a calendar month); "that day"
 * after a month (which day?) is refused, never counted over the default period.
 */
export function thatPeriod(text: string, previous: UnderstandContext['previous']): { text: string } | { refuse: string } {
  const m = /\b(?:(?:in|for|during|over|on|from) )?(?:that|the same) (day|week|month|period|time)\b(?! (?:last|a|the|before|earlier|ago|of)\b)/.exec(text);
  const p = previous?.query.period;
  if (!m) return { text };
  if (!p) return { refuse: `"${m[0]}" refers to a period asked before, and there is none in this thread; name the period` };
  const days = Math.round((Date.parse(p.to) - Date.parse(p.from)) / 86_400_000) + 1;
  const month = p.from.endsWith('-01') && addDays(p.to, 1).endsWith('-01') && days <= 31;
  const fits = m[1] === 'day' ? days === 1 : m[1] === 'week' ? days === 7 : m[1] === 'month' ? month : true;
  if (!fits) return { refuse: `I could not tell which ${m[1]} "${m[0]}" is: the question before was over ${p.label}; name the ${m[1]} ("on 3 November", "the week of 16 November")` };
  return { text: `${text.slice(0, m.index)} from ${p.from} to ${p.to} ${text.slice(m.index + m[0].length)}`.replace(/\s+/g, ' ').trim() };
}

const PERSON_PRONOUN = /^(?:he|she|him|her|his|hers)$/;
/**
 * "how many surveys did she get" after Maria's CSAT: the person of the question before, whom the
 * thread keeps (the pronoun read as her); with no one person before, who is meant is not known.
 */
export function pronounRead(said: Said, previous: UnderstandContext['previous']): Said | string {
  const pronoun = said.unread?.words.find((w) => PERSON_PRONOUN.test(w));
  if (!pronoun || !said.unread) return said;
  const person = previous?.query.filters?.find((f) => (f.dimension === 'agent' || f.dimension === 'reviewer') && !f.exclude && f.values.length === 1);
  if (!person) return `I could not tell who "${pronoun}" is; name them ("… for Maria Lopez")`;
  const words = said.unread.words.filter((w) => !PERSON_PRONOUN.test(w));
  const { unread, ...rest } = said;
  return words.length ? { ...rest, unread: { ...unread, words } } : rest;
}
