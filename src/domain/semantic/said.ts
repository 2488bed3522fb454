// What a question said, slot by slot: the measure, statistic, breakdown, ranking, filters,
// periods and cues, each read from the words on its own (understand.ts combines them with the
// question before and checks the result against the catalogue).
import { TOPIC_WORDS } from '../intent-words.ts';
import type { Period } from '../periods.ts';
import { periodsOf, type Periods } from './said-periods.ts';
import { Words, escape, namedFilters, namesIn, phrase, topicsIn, type Names } from './said-names.ts';
import { DAY_PARTS, hoursOf, weekdaysOf } from './said-times.ts';
import { productWord, unreadWords, type Unread } from './said-unread.ts';
import { measureOf, type Inferred } from './said-measure.ts';
import { leftOutSide, replierOf } from './said-replier.ts';
import { SORT, rankingWords, topNOf } from './said-ranking.ts';
import { otherPeople, qaStateFilter } from './said-qa.ts';
import { dimensionAt, groupOf, type Group } from './said-group.ts';

export { byReplier } from './said-replier.ts';
import { dimensionsOf, measureByName, type Dimension, type Statistic } from './catalogue.ts';
import type { DayRange, Filter, MetricQuery } from './query.ts';
import { BOT_WORDS, CHANGE_WORDS, THRESHOLD, CHART_WORDS, FOLLOW_ON, FOLLOW_UP, HUMAN_WORDS, NOT_HELD, NO_DIMENSION, NOW_CUES, NUMBER_ONE, OTHER_PERCENTILE, PERIOD_CUES, SPEED_WORDS, STATISTIC_WORDS, TREND_WORDS, LEAVE_OUT, REPLIER_NAMED, leavesOut, type Direction } from './words.ts';

export interface Vocabulary {
  pages: readonly string[];
  agents: readonly string[];
  reviewers?: readonly string[];
  topics?: readonly string[];
  qaCategories?: readonly string[];
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
  /** said after the figure: how the question was read where that changed what is counted */
  remarks?: string[];
  /** the group a share question is about ("what share … were complaints"): the answer leads with it */
  focus?: string;
  /** the place asked for in a ranking ("the second best page"): the answer leads with that row */
  place?: number;
  /** "and the week before?": the thread's period this follow-up moved back from, which a next "which dropped most?" compares with */
  movedFrom?: Period;
  /**
   * groups ranked by their change against compareTo, not by their figure ("which page had the
   * biggest drop"): `order` of the change, the first `limit` groups, and what the change is called
   */
  change?: ChangeRanking;
}

export interface ChangeRanking {
  order: 'asc' | 'desc';
  limit?: number;
  /** "drop", "rise", "improvement", "worsening" */
  noun: string;
  /** the change asked for is a fall (asc order) or a rise of the figure itself */
  wanted: 'down' | 'up';
}

export type MetricReading = { kind: 'metric'; metric: MetricIntent } | { kind: 'refuse'; text: string };

export interface UnderstandContext {
  now: Date;
  timeZone: string;
  vocab: Vocabulary;
  /** the previous catalogue question of this thread, for follow-ups */
  previous?: MetricIntent;
}


export const CAN_ASK =
  'I can answer about CSI and its pillars, sentiment, resolution, effort, response and handling times, conversations, messages, sessions, handoffs (the human wait after them, the time to resolve them, and those waiting or assigned now), bot containment, topics, QA reviews and message template use and success — by page, agent, reviewer, topic, day, week, month, hour or weekday.';

export const range = (p: Period): DayRange => ({ from: p.from, to: p.to, label: p.label });

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

/** Another channel than Messenger ("email response time", "WhatsApp messages", "via Instagram"): none is held. */
const OTHER_CHANNEL = /\b(?:e-?mail|whatsapp|instagram|insta|sms|text message|(?:tele)?phone|voice|twitter|telegram|tiktok|wechat|live ?chat|web ?chat|chat widget|zendesk|intercom)(?= (?:response|reply|replies|messages?|msgs|dms?|tickets?|conversations?|chats?|support|queue|volume|csat|hand[- ]?offs?|inbox|agents?|customers?|sessions?|times?)\b)|\b(?:on|via|over|through|from) (?:e-?mail|whatsapp|instagram|insta|sms|(?:tele)?phone|twitter|telegram|tiktok|wechat|live ?chat|web ?chat|zendesk|intercom)\b/;

export function notHeldRefusal(question: string, text: string, topics: readonly string[]): MetricReading | undefined {
  const channel = OTHER_CHANNEL.exec(text);
  if (channel) return { kind: 'refuse', text: `I don't have data from other channels ("${channel[0]}"): SupportPulse holds the Facebook Messenger conversations of the pages it serves, so every figure is for Messenger. ${CAN_ASK}` };
  const m = NOT_HELD.exec(text);
  if (!m || asTopic(text, m, topics)) return undefined;
  const asTyped = question.replace(/\s+/g, ' ').trim().slice(m.index, m.index + m[0].length);
  return { kind: 'refuse', text: `I don't have ${asTyped} data: SupportPulse holds conversations, messages, sessions, CSI scores and QA reviews, not ${asTyped}. ${CAN_ASK}` };
}

/** The verbs of finding an issue in a review ("how many issues did Aiko log", "who raised the most issues"). */
const ISSUE_FOUND = /\b(?:find|finds|found|rais(?:e|es|ed|ing)|log(?:s|ged|ging)?|report(?:s|ed|ing)?|open(?:s|ed|ing)?|spot(?:s|ted|ting)?|catch(?:es|ing)?|caught|flag(?:s|ged|ging)?|mark(?:s|ed|ing)?|fil(?:e|es|ed|ing))\b/;

/**
 * "how many issues did Olga find": the issues a reviewer flagged are QA changes to issue ("issues
 * by reviewer", "how many issues did each reviewer find": the same, reviewer by reviewer); in a
 * thread too when a reviewer is named or asked for. Adds the state filter and reads the verb.
 */
function issuesFound(w: Words, text: string, filters: Filter[], group: Group, inThread: boolean): boolean {
  const reviewerAsked = filters.some((f) => f.dimension === 'reviewer') || group.dim === 'reviewer' || /\b(?:each|every|per|which) reviewer\b/.test(text);
  if ((inThread && !reviewerAsked) || !(reviewerAsked || (group.which && ISSUE_FOUND.test(text))) || !/\bissues?\b/.test(text)) return false;
  filters.push({ dimension: 'qa_state', values: ['issue'] });
  w.take(ISSUE_FOUND);
  return true;
}

// ── slots as said ────────────────────────────────────────────────────────────────────────────

/** A breakdown by a unit of time ("by week", "per month"), whose word is no period asked for. */
const BY_TIME = /\b(?:by|per|for each|for every|each|every)\s+(?:the\s+)?(?:days?|weeks?|months?)\b/g;

/** An average of a count per day: "average sessions per day", "daily average", "daily avg", "avg daily", "how many a day on average". */
const AVG = '(?:average|avg\\.?|mean)';
const PER_DAY = new RegExp(`\\b(?:${AVG}|on ${AVG}|typical(?:ly)?)(?!\\w)[^.?]{0,40}\\b(?:per|a|each|every) (?:day|weekday|day of (?:the )?week)\\b|\\b(?:per|a|each|every) day\\b[^.?]{0,20}\\bon ${AVG}|\\b(?:daily|per day|a day) ${AVG}|\\b${AVG} (?:daily|per day)\\b`);
const PER_DAY_WORDS = /\bon (?:average|avg)\b|\b(?:average|avg|mean|typical(?:ly)?|daily)\b\.?|\b(?:per|a|each|every) day\b/;
const PER_DAY_WORDS_ALL = new RegExp(PER_DAY_WORDS.source, 'g');

/** Where a second question starts ("… and how many handoffs"), after a first of three words or more. */
function secondQuestionAt(text: string): number | undefined {
  const second = SECOND_QUESTION.exec(text);
  return second && text.slice(0, second.index).split(/\s+/).filter(Boolean).length >= 3 ? second.index : undefined;
}

/** Reads with a second question's words hidden: its names ("… and how many handoffs Voltix had") are its own. */
function inFirstQuestion(w: Words, read: () => void): void {
  const secondAt = secondQuestionAt(w.text);
  const tail = secondAt !== undefined ? w.rest.slice(secondAt) : '';
  if (secondAt !== undefined) w.rest = w.rest.slice(0, secondAt) + ' '.repeat(tail.length);
  read();
  if (secondAt !== undefined) w.rest = w.rest.slice(0, secondAt) + tail;
}

/** The statistic asked for; in the first question only ("CSAT last week and how many handoffs" asks no count of CSAT). */
function statisticOf(w: Words): Statistic | undefined {
  // (taken words are blanked, not removed, so positions in the text are positions in the rest)
  const cut = secondQuestionAt(w.text) ?? Infinity;
  for (const [re, s] of STATISTIC_WORDS) {
    const m = re.exec(w.rest);
    if (m && m.index < cut && w.take(re)) return s;
  }
  return undefined;
}

/** "… and how long …", ", and what …": a second question after the first, its joining word captured. */
const SECOND_QUESTION = /(,?\s*\b(?:and|but|also|plus)\s+)(?:how (?:long|many|much|often|fast|quickly|well)|what|which|who|when|why)\b/;

/** Whether something was answered: a condition the catalogue has no filter for. */
const UNANSWERED = /\b(?:unanswered|unreplied|unresolved|abandoned|ignored|missed|not (?:been )?(?:answered|replied(?: to)?|resolved)|without (?:a |any )?(?:[a-z]+ )?(?:reply|answer|response)|(?:got|get|gets|had|have|has) no (?:reply|answer|response))\b/;

/** "how many customers", "how many angry customers": people counted, whatever the word before them. */
const CUSTOMER_COUNT = /\b(?:how many|number of|count of) (?:(?!(?:messages|conversations|chats|sessions|handoffs|did|do|does|were|was|have|had|of|the|our)\b)[a-z'-]+ )?customers\b/;

/** Everything the question said, slot by slot, before it is combined with a previous question. */
export interface Said {
  measure?: string;
  extraMeasures: string[];
  filters: Filter[];
  notes: string[];
  group: Group;
  limit?: number;
  direction?: { dir: Direction; word: string };
  /** a place in the ranking other than the first ("second best") */
  place?: number;
  /** "in descending order", "lowest first": every row, sorted so */
  sort?: 'asc' | 'desc';
  statistic?: Statistic;
  otherPercentile?: string;
  chart: boolean;
  periods: Periods;
  /** the bot and humans compared on a figure with no breakdown by who replied: its label */
  repliersApart?: string;
  /** two or more pages (agents, reviewers, topics) named: a comparison between them */
  between?: Dimension;
  /** words that ask for a period although none could be read */
  unreadPeriod?: string;
  /** why that period could not be read, and what would be read instead, when known */
  unreadPeriodWhy?: { reason?: string; hint?: string };
  replier?: 'human' | 'bot';
  /** the replier was read from the other side left out ("excluding the bot") */
  replierLeftOut?: boolean;
  /** "bot" or "human" as typed and not part of another phrase (a topic, a measure) */
  replierWord?: string;
  now?: string;
  noDimension?: string;
  /** a second question joined to the first ("… and how long did they wait?"), which one figure does not answer */
  secondQuestion?: string;
  /** "how many customers …" in words no measure took: people, which the product does not count */
  countsCustomers?: boolean;
  /** another figure named as a condition on this one ("CES for conversations with a handoff") */
  conditions: string[];
  /** messages or conversations by whether they were answered ("unanswered", "without a reply") */
  unanswered?: string;
  /** a clock time named that does not read as whole hours of the day ("at 9:30am") */
  unreadHours?: boolean;
  /** hours said with no am/pm whose reading would be a guess ("between 1 and 5", "between 3 and 9 last month"), and why */
  hoursGuess?: { ambiguous: string; why: string };
  /** a part of the day said in words ("in the mornings"), whose hours would be a guess */
  dayPart?: string;
  /** a threshold on the figure ("within an hour", "below 50") */
  threshold?: string;
  /** the measure was implied rather than named: a follow-up may keep the one before */
  inferred?: Inferred;
  /** words no slot read ("urgent" in "response time for urgent tickets") */
  unread?: Unread;
  /** the word after "by" that names no breakdown ("by agnet"): a typo is corrected like an unread word */
  unknownBy?: string;
  /** two or more breakdowns named ("per page per week") */
  breakdowns?: Dimension[];
  /** a change asked about ("the biggest drop", "improved most"): groups are ranked by it */
  change?: { dir: 'down' | 'up' | 'better' | 'worse'; word: string };
}

/**
 * "weekends compared to weekdays": every day named, so each weekday is shown rather than one figure
 * for all of them; and "vs weekdays" after a question on weekends only (or the other way round).
 */
function weekHalves(text: string, before: MetricQuery | undefined): boolean {
  const halfBefore = before?.filters?.find((f) => f.dimension === 'weekday' && !f.exclude)?.values.join();
  const otherHalf = /^(?:and )?(?:vs\.?|versus|compared (?:to|with)|against|relative to)\s/.test(text)
    && ((halfBefore === 'Saturday,Sunday' && /\bweekdays\b/.test(text)) || (halfBefore === 'Monday,Tuesday,Wednesday,Thursday,Friday' && /\bweekends?\b/.test(text)));
  return otherHalf || (/\bweekends?\b/.test(text) && /\bweekdays\b/.test(text) && !new RegExp(`\\b(?:${LEAVE_OUT}|not)(?=\\s)`).test(text));
}

export function readSaid(text: string, ctx: UnderstandContext): Said {
  const w = new Words(text.replace(NUMBER_ONE, 'top'));
  // "bot only", "and for humans?" after a question: who replied, not the bot's containment
  const replierOnly = ctx.previous !== undefined && /^(?:and |now |ok,? )?(?:for |just |only )?(?:the )?(?:bots?|ai|humans?|agents?)(?:[- ]only)?\s*[?.!]*$/.test(text);
  const { measure: word, inferred: inferredFrom, extra, notes, conditions } = replierOnly ? { measure: undefined, inferred: undefined, extra: [], notes: [], conditions: [] } : measureOf(w, secondQuestionAt(w.text));
  let inferred = inferredFrom;
  const filters: Filter[] = [];
  let measure = word;
  const add = (dimension: Dimension, n: Names) => {
    filters.push(...namedFilters(dimension, n));
    notes.push(...n.ambiguous);
    return n.found.length;
  };
  const people: [Dimension, readonly string[]][] = [['page', ctx.vocab.pages], ['agent', ctx.vocab.agents], ['reviewer', ctx.vocab.reviewers ?? []]];
  inFirstQuestion(w, () => people.forEach(([d, names]) => add(d, namesIn(w, names, d, d === 'page' ? undefined : productWord))));
  const othersOf = otherPeople(filters, ctx.vocab, text);
  // "the Tone category": a scorecard category, whose label may be an everyday word
  // (… said alone after a category's score: "and accuracy?", "accuracy instead")
  const afterCategory = ctx.previous?.query.measure === 'qaCategoryScore' || ctx.previous?.query.measure === 'qaScore';
  if (add('qa_category', namesIn(w, (ctx.vocab.qaCategories ?? []).filter((c) => afterCategory || new RegExp(`\\b${escape(c.toLowerCase())}\\s+(?:categor|scores?\\b)`).test(text)), 'QA category')) && !measure && !afterCategory) measure = 'qaCategoryScore';
  // a topic alone ("complaints by page", "how many shipping questions") counts customer messages
  if (add('topic', topicsIn(w, ctx.vocab.topics ?? [])) && !measure && !FOLLOW_UP.test(text)) [measure, inferred] = ['customerMessages', 'topic'];
  const replier = replierOf(w);
  const replierLeftOut = replier !== undefined && leftOutSide(w) !== undefined;
  // ("which template is used most": the template words are the measure's, and templates no breakdown)
  const noDimension = NO_DIMENSION.exec(w.rest)?.[0] ?? /\b(?:which|each|per|by) templates?\b|\b(?:the |our |all )?templates (?:by|ranked by|sorted by)\b/.exec(text)?.[0];
  const periods = periodsOf(text, ctx, ctx.previous?.period);
  // "average sessions per day": a count over the period's days, not a breakdown by day
  // ("daily avg?" after "handoffs last week": the thread's count, per day)
  const counted = measure ?? ctx.previous?.query.measure;
  const perDay = counted !== undefined && measureByName(counted)?.statistics.includes('perDay') === true && PER_DAY.test(w.rest);
  if (perDay) while (w.take(PER_DAY_WORDS));
  const group = groupOf(w, text, ctx.previous?.query.groupBy);
  // "which topic", "the #1 topic": the topic measure is a breakdown by topic already; one asked for = the winner
  if (measure === 'topics' && /\b(?:which|what|top)\s+(?:[a-z]+\s+)?topic\b(?!s)/.test(w.text.replace(NUMBER_ONE, 'top'))) group.which = true;
  // "the most active reviewer": reviewers are active in QA changes, not in conversations
  if (inferred === 'busy' && group.dim === 'reviewer') measure = 'reviews';
  // "which topic had the slowest response": topics ranked by the response time, not by their count
  if (measure === 'topics' && SPEED_WORDS.test(w.text) && !group.dim) [measure, inferred, group.dim] = ['responseTime', 'speed', 'topic'];
  // "by number of conversations" ranks by the count: not a breakdown asked for
  const unknownBy = /\b(?:by|per|for each|for every|broken down by|split by) (?!the\b|a\b|an\b|our\b|how\b|(?:number|count|volume|amount|total|anyone|everyone|anybody|everybody|someone)\b)([a-z]+)\b/.exec(w.rest) ?? undefined;
  const strangeBy = unknownBy && !REPLIER_NAMED.test(unknownBy[1]!) && !HUMAN_WORDS.test(unknownBy[1]!) && !PERIOD_CUES.test(unknownBy[1]!) ? unknownBy : undefined;
  if (strangeBy) {
    notes.push(`"${strangeBy[0]}" (not a breakdown I have: page, agent, reviewer, topic, QA state, day, week, month, hour or weekday)`);
  }
  const top = topNOf(w);
  const limit = top.limit;
  const sorted = w.take(SORT);
  // "best first": the best end of this figure (the highest CSI, the shortest wait)
  const better = measureByName(measure === 'topics' ? 'customerMessages' : measure ?? '')?.higherIsBetter ?? true;
  const sort = sorted ? (/desc|highest|biggest|most|largest|longest|slowest/.test(sorted[0]) || (/best/.test(sorted[0]) && better) || (/worst/.test(sorted[0]) && !better) ? 'desc' : 'asc') : undefined;
  const ranking = rankingWords(w, measure, ctx, top.bottom === true);
  const place = ranking.place;
  // "the last one?", "slowest?" after a breakdown: one row named, as "which is slowest?"
  if (ranking.one && !group.dim) group.which = true;
  let direction = ranking.direction;
  let statistic = perDay ? 'perDay' : statisticOf(w);
  // "just the peak" after a count by hour: the top group, as a count has no maximum of its own
  const before = ctx.previous?.query;
  if (!measure && before?.groupBy && (statistic === 'max' || statistic === 'min') && !measureByName(before.measure)?.statistics.includes(statistic)) {
    direction = { dir: statistic === 'max' ? 'desc' : 'asc', word: statistic === 'max' ? 'highest' : 'lowest' };
    group.which = true;
    statistic = undefined;
  }
  const otherPct = OTHER_PERCENTILE.exec(w.rest);
  // "what about issues" after QA changes: the state filter of the measure before
  // "and passed?", "how many of those were issues?": a state of the previous question's QA figure
  const qa = qaStateFilter(w, text, measure ?? (ctx.previous && (FOLLOW_ON.test(text) || /\b(?:of|among) (?:those|these|them)\b|^(?:only|just)\b/.test(text)) ? ctx.previous.query.measure : undefined), group.dim === 'qa_state');
  // (a follow-up's state words filter the measure before; they name no measure of their own)
  if (measure) measure = qa.measure;
  if (!measure && issuesFound(w, text, filters, group, ctx.previous !== undefined)) [measure, inferred] = ['reviews', 'qa'];
  if (qa.filter) filters.push(qa.filter);
  // "only customers" after messages by sender: the customers' own
  const messagesAsked = (measure ?? (ctx.previous && !word ? ctx.previous.query.measure : undefined)) === 'messages';
  if (messagesAsked && /\b(?:only|just) (?:(?:from|by) )?(?:the )?customers\b|\bcustomers only\b/.test(text)) filters.push({ dimension: 'sender', values: ['customer'] });
  // messages have three senders: "not from customers" keeps the bot's and the agents'
  if (measure === 'messages' && leavesOut(String.raw`customers?\b`, text)) {
    filters.push({ dimension: 'sender', values: ['customer'], exclude: true });
  }
  // "handoffs per page per week": two breakdowns, which one answer cannot give
  const breakdowns = [...new Set([...(perDay ? w.text.replace(PER_DAY_WORDS_ALL, ' ') : w.text).matchAll(/\b(?:by|per|for each|for every|each)\s+(?:the\s+)?([a-z]+(?: of (?:the )?[a-z]+)?)/g)].map((b) => dimensionAt(b[1]!)).filter((d) => d !== undefined))];
  const bothHalves = weekHalves(text, ctx.previous?.query);
  const weekdays = bothHalves ? [] : weekdaysOf(text);
  if (bothHalves && !group.dim) group.dim = 'weekday';
  if (weekdays.length) filters.push({ dimension: 'weekday', values: weekdays });
  const hours = hoursOf(text, periods.period ?? ctx.previous?.period);
  const hoursGuess = typeof hours === 'object' && !Array.isArray(hours) ? hours : undefined;
  const dayPart = hours === undefined ? DAY_PARTS.exec(text)?.[0] : undefined;
  if (Array.isArray(hours)) filters.push({ dimension: 'hour', values: hours });
  if (!group.dim && TREND_WORDS.test(text)) group.dim = 'day';
  // ("csat by agent by week": the second breakdown's "week" is no period asked for, and is refused as a breakdown)
  const cue = periods.unreadable ?? (periods.period || periods.compare ? undefined : PERIOD_CUES.exec(w.rest.replace(BY_TIME, ' '))?.[0]);
  const now = periods.period ? undefined : NOW_CUES.exec(text)?.[0];
  // two pages (agents, …) named are compared; two weekdays or the bot and humans only when "vs" says so
  const versus = /\b(?:vs\.?|versus|compared (?:to|with)|against)\b|\bcompare\b[^.?]*\band\b/.test(text);
  const combined = /\b(?:combined|together|as a whole|in total|altogether)\b/.test(text);
  const m = measure ? measureByName(measure === 'topics' ? 'customerMessages' : measure) : undefined;
  const bothRepliers = versus && !replier && BOT_WORDS.test(w.rest) && HUMAN_WORDS.test(w.rest) && m !== undefined && dimensionsOf(m).includes('sender');
  const between = combined ? undefined : bothRepliers ? 'sender' as const : bothHalves ? 'weekday' as const
    : filters.find((f) => !f.exclude && !othersOf.has(f) && f.values.length > 1 && (['page', 'agent', 'reviewer', 'topic', 'qa_category'].includes(f.dimension) || (versus && f.dimension === 'weekday')))?.dimension;
  // "bot vs human first response": two figures (the bot's, the humans'), not a breakdown of one
  const repliersApart = versus && !replier && BOT_WORDS.test(w.rest) && HUMAN_WORDS.test(w.rest) && m !== undefined && !dimensionsOf(m).includes('sender') ? m.label : undefined;
  const replierWord = replier ? REPLIER_NAMED.exec(w.rest)?.[0] : undefined;
  const threshold = THRESHOLD.exec(text)?.[0];
  // the word "customers" left over: no measure phrase ("customers waiting for an agent") took it
  const unanswered = UNANSWERED.exec(w.rest)?.[0];
  const countsCustomers = CUSTOMER_COUNT.test(text) && /\bcustomers\b/.test(w.rest);
  const changeWord = CHANGE_WORDS.map(([re, dir]) => ({ m: re.exec(text), dir })).find((c) => c.m);
  const second = SECOND_QUESTION.exec(text);
  // a lead-in ("ok, and what about Voltix?") is a follow-up, not a second question
  const secondQuestion = second && text.slice(0, second.index).split(/\s+/).filter(Boolean).length >= 3 ? text.slice(second.index + second[1]!.length).replace(/[?.!\s]+$/, '').trim() : undefined;
  const named = [unknownBy?.[0], periods.compareWords].filter((x): x is string => Boolean(x));
  const unread = unreadWords(w, ctx.now, ctx.timeZone, { ...(secondQuestion ? { secondAt: SECOND_QUESTION.exec(w.text)?.index } : {}), named });
  return {
    ...(measure ? { measure } : {}), ...(inferred ? { inferred } : {}), ...(breakdowns.length > 1 ? { breakdowns } : {}), ...(unread ? { unread } : {}), ...(strangeBy ? { unknownBy: strangeBy[1]! } : {}), extraMeasures: extra, conditions, filters, notes, group, periods,
    ...(between ? { between } : {}), ...(repliersApart ? { repliersApart } : {}),
    ...(limit ? { limit } : {}), ...(direction ? { direction } : {}), ...(place ? { place } : {}), ...(sort ? { sort } : {}), ...(statistic ? { statistic } : {}),
    ...(otherPct ? { otherPercentile: otherPct[1] ?? otherPct[2]! } : {}), chart: CHART_WORDS.test(text),
    ...(cue ? { unreadPeriod: cue } : {}), ...(cue && periods.unreadableWhy ? { unreadPeriodWhy: periods.unreadableWhy } : {}), ...(replier ? { replier } : {}), ...(replierLeftOut ? { replierLeftOut } : {}), ...(replierWord ? { replierWord } : {}), ...(now ? { now } : {}), ...(noDimension ? { noDimension } : {}),
    ...(secondQuestion ? { secondQuestion } : {}), ...(threshold ? { threshold } : {}), ...(countsCustomers ? { countsCustomers } : {}), ...(hours === 'invalid' ? { unreadHours: true } : {}), ...(hoursGuess ? { hoursGuess } : {}), ...(dayPart ? { dayPart } : {}), ...(unanswered ? { unanswered } : {}),
    ...(changeWord?.m ? { change: { dir: changeWord.dir, word: changeWord.m[0] } } : {}),
  };
}

