// Follow-ups: a short question that changes slots of the one before it in the thread ("and by
// page?", "what about last month", "and the rate?"), and what it keeps from that question.
import { periodBetween, previousPeriod, shiftBack, type Period, type Unit } from '../periods.ts';
import { dimensionsOf, measureByName, type Measure } from './catalogue.ts';
import type { Filter, MetricQuery } from './query.ts';
import type { MetricIntent, Said } from './said.ts';
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

export function askedMeasure(said: Said, text: string, base: MetricQuery | undefined): string {
  if (!base) return said.measure!;
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
    if (dims.includes(f.dimension)) return true;
    if (f.dimension !== 'sender') notes.push(`${f.dimension} ${f.values.join(', ')} (from the question before: ${m.label} cannot be filtered by it)`);
    return false;
  });
  return out;
}
