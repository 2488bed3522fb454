// Questions refused with their reason: data the product does not hold, words that ask for
// something no query can honour (a threshold, a condition, a part of the day, a negation), and
// names that are no page, agent, reviewer or topic here.
import { DIMENSIONS, MEASURES, SOURCES, measureByName, type Measure } from './catalogue.ts';
import { DIM_PLURALS } from './answer.ts';
import { parsePeriod } from '../periods.ts';
import { MONTH_NAMES } from '../period-words.ts';
import { type MetricQuery } from './query.ts';
import { CAN_ASK, type MetricReading, type Said, type UnderstandContext, type Vocabulary } from './said.ts';
import { Words, namesIn } from './said-names.ts';
import { WEEKDAYS } from './words.ts';

const FIGURE_WORDS = /\bhow many\b|\bnumber of\b|\bhow much\b|\b(?:average|total|median|rate|percentage|share)\b/;

/**
 * A question that asks for a figure the catalogue has no measure for ("how many new customers
 * signed up last month") is refused as data the product does not hold, naming what was asked.
 */
export function figureNotHeld(text: string): MetricReading | undefined {
  // people of the team are who did the work, not a figure counted
  const staff = /\bhow many (?:distinct |different |unique |individual )?(?:agents|reviewers|staff|people on the team|team members)\b/.exec(text);
  if (staff) return refusal(`I count what agents and reviewers did, not the people themselves ("${staff[0]}"); "messages by agent" or "QA changes by reviewer" list who did it`);
  const scored = oneScore(text);
  if (scored) return scored;
  const unansweredSurveys = surveysUnanswered(text);
  if (unansweredSurveys) return unansweredSurveys;
  // things the product holds but does not count: said as such, with what it does give about them
  const held = /\bhow many (?:message |reply )?(templates|calibrations|calibration sheets)\b/.exec(text);
  if (held) return refusal(`I do not count ${held[1]} themselves; I have ${held[1] === 'templates' ? 'their uses and success rate ("template uses by page")' : 'reviewer alignment in closed calibrations ("reviewer alignment by reviewer last month")'}`);
  // "what's the best page", "worst agent": a ranking with no figure to rank by
  const ranked = /\b(?:best|worst|top|bottom|strongest|weakest|best[- ]performing|worst[- ]performing)\s+(page|brand|agent|reviewer|topic|weekday|day|hour|week|month)s?\b/.exec(text);
  if (ranked && !FIGURE_WORDS.test(text)) {
    const example = ranked[1] === 'agent' ? 'the agent with the best CSAT last month' : ranked[1] === 'reviewer' ? 'the reviewer with the most QA changes last month' : `the ${ranked[1]} with the lowest handoff rate this week`;
    return { kind: 'refuse', text: `Best or worst by which figure? Name it, for example "the ${ranked[1]} with the best CSI last month" or "${example}". ${CAN_ASK}` };
  }
  const wantsFigure = FIGURE_WORDS.test(text) || (/^(?:what|how)\b/.test(text) && /\b(?:last|this|in|since|during|past)\b/.test(text) && /\b(?:was|were|is|are|did|do)\b/.test(text));
  if (!wantsFigure) return undefined;
  const asked = /\bhow (?:many|much) ([a-z' -]+?)(?= (?:did|do|does|were|was|are|is|have|has|had|came|come|got|get|in|on|last|this|for|during|since)\b|[?.]|$)/.exec(text)
    ?? /\bwhat (?:was|is|were|are) (?:the |our )?([a-z' -]+?)(?= (?:in|on|for|last|this|during|since|over|of)\b|[?.]|$)/.exec(text);
  // "how was last week overall", "how is Fatima doing": no figure named, which is not data missing
  if (!asked && !FIGURE_WORDS.test(text)) return WHICH_FIGURE;
  const what = asked?.[1]?.trim() || text;
  return { kind: 'refuse', text: `I don't have data about "${what}": SupportPulse holds conversations, messages, sessions, CSI scores and QA reviews. ${CAN_ASK}` };
}

/**
 * "what share of CSAT answers were a 5", "how many 5-star ratings", "surveys that got a 1 or 2":
 * the answers of one score (or of scores other than 4 and 5), which no figure isolates.
 */
export function oneScore(text: string): MetricReading | undefined {
  if (!/\b(?:csat|surveys?|ratings?|stars?|answers|responses|scores|rated)\b/.test(text)) return undefined;
  const m = /\b([1-5])(?:[- ]stars?\b|s\b)|\b(?:were|was|of|rated|at|got|gave|give|left|scored|scoring|with) (?:a |an |only )?([1-5](?: (?:or|and|to|-|–) [1-5])?)\b(?![\d%]| (?:days?|weeks?|months?|hours?|minutes?|pages?|agents?|topics?|reviewers?)\b)/.exec(text);
  const score = m?.[1] ?? m?.[2];
  if (!score || /^4 (?:or|and|to|-|–) 5$/.test(score) || /\b4 (?:or|and|to|-|–) 5\b|\b(?:4|5)\+/.test(text)) return undefined;
  return refusal(`the CSAT answers of a given score ("${score}") are not a figure I keep; I have the average score, the share of 4 or 5 (satisfied) and the number of answers`);
}

/** Surveys nobody answered: the difference of two figures held, not one of its own. */
function surveysUnanswered(text: string): MetricReading | undefined {
  if (!/\bsurveys?\b/.test(text) || !/\bunanswered\b|\b(?:went|go|goes|were|was|got|get|had|have|left) (?:not |no )answer(?:ed)?\b|\bno (?:answer|reply|response)\b|\bnot (?:been )?(?:answered|returned|completed)\b/.test(text)) return undefined;
  return refusal('surveys left unanswered are not a figure of their own; I have the surveys sent, the responses and the response rate ("CSAT response rate last month"), and the unanswered ones are the surveys sent less the responses');
}

/** A question that names no figure ("how was last week overall", "and voltix"): asked which one, not told the data is missing. */
export const WHICH_FIGURE: MetricReading = { kind: 'refuse', text: `Which figure do you mean? ${CAN_ASK} For example: "CSI last week", "handoff rate for Voltix this month".` };

export const quoted = (words: readonly string[]) => words.map((x) => `"${x}"`).join(', ');

/** A name the question gives that is no page, agent, reviewer or topic here: never answered for everyone. */
export function noSuchName(word: string, vocab: Vocabulary): MetricReading {
  return refusal(`I don't know "${word}": it is not a page, agent, reviewer or topic here (pages: ${vocab.pages.join(', ') || 'none yet'}); name one as it is spelt, or ask "CSI by agent" or "QA changes by reviewer" to see who there is`);
}

export function refusal(reason: string): MetricReading {
  return { kind: 'refuse', text: `I can't answer that as asked: ${reason}. ${CAN_ASK}` };
}

/** A figure asked of the future: "predict", "forecast", "will we hit 75". */
const FORECAST = /\b(?:forecast(?:s|ed|ing)?|predict(?:s|ed|ion|ions)?|projections?|projected|extrapolat\w*)\b|\bwill (?:we|it|there|they|csi|csat)\b(?! (?:be )?able to see\b)/;
/** Statistics the catalogue does not offer, asked by name. */
const OTHER_STATISTIC = /\b(?:standard dev(?:iation)?|std\.? ?dev|stdev|std|variance|mode|modal|(?:geometric|harmonic|trimmed|rolling|moving) (?:mean|average|avg)|skew(?:ness|ed)?|kurtosis|correlat(?:e|es|ed|ion|ions)|regression|coefficient of variation|z[- ]?scores?|interquartile|iqr|quartiles?|deciles?)\b|\bmost (?:common|frequent|typical|usual) (?:csat |csi |qa )?(?:score|rating|value|answer|grade)s?\b|\b(?:spread|range) of\b(?! (?:dates|days|pages|topics))/;

/** A yes-or-no question about the figure itself ("was the median under 5 minutes?"): the figure answers it. */
const ABOUT_THE_FIGURE = /^(?:was|is|were|are|did|does|has|have|had)\b/;

/** Questions whose words ask for something no query can honour: refused with the reason. */
export function unanswerable(said: Said, base: MetricQuery | undefined, text: string): MetricReading | undefined {
  if (said.repliersApart) {
    // only the first response has a bot and a human figure of its own; the rest is not split
    const split = /first response/.test(said.repliersApart);
    return refusal(split
      ? `the bot's and the humans' ${said.repliersApart} are two figures, asked one at a time ("bot ${said.repliersApart} last week", then "human ${said.repliersApart} last week")`
      : `${said.repliersApart} is not split by who replied (the bot or a human), so there is no bot and human figure to compare; response times, CSAT and QA scores are ("bot vs human response time last month")`);
  }
  const scored = oneScore(text);
  if (scored) return scored;
  // "complaints about delivery": a message has one topic, so none is both
  const twoTopics = said.filters.find((f) => f.dimension === 'topic' && !f.exclude && f.values.length === 2);
  if (twoTopics && /\b(?:about|regarding|concerning|over)\b/.test(text) && !/\b(?:and|or|vs|versus|plus|both)\b|,/.test(text)) {
    return refusal(`each customer message has one topic, so a message that is both ${twoTopics.values.join(' and ')} is not something I count; ask for ${twoTopics.values.join(' or for ')}`);
  }
  // "who complained the most", "top customers by complaints": customers ranked, who are not counted one by one
  const customersRanked = /\bwho (?:complain\w*|sent|sends|wrote|writes|asked|asks|messaged|messages|contacted|reached out|moaned)\b|\b(?:top|which|most active|busiest|biggest) (?:customers|clients|users)\b|\bcustomers who\b/.exec(text);
  const ofCustomers = said.measure === 'customerMessages' || said.measure === 'topics' || (/\bcustomers|clients|users\b/.test(customersRanked?.[0] ?? '') && (said.measure === 'messages' || said.measure === 'conversations'));
  if (customersRanked && ofCustomers) {
    return refusal(`"${customersRanked[0]}" ranks the customers themselves, and I count their messages and conversations, not each customer; ask for the count ("complaints last week") or a breakdown ("complaints by page last week")`);
  }
  // "how many handoffs did Aiko pick up": a reviewer named as the one who took them, which only agents do
  const reviewer = said.filters.find((f) => f.dimension === 'reviewer' && !f.exclude);
  if (reviewer && /^handoff/.test(said.measure ?? '') && /\b(?:take|took|taken|pick(?:s|ed)? up|grab(?:s|bed)?|handle[sd]?|hold(?:s|ing)?|held|close[sd]?|resolve[sd]?|answer(?:s|ed)?|work(?:s|ed)?)\b/.test(text)) {
    return refusal(`${reviewer.values.join(' and ')} ${reviewer.values.length > 1 ? 'are QA reviewers' : 'is a QA reviewer'} here, not an agent, and handoffs are taken by agents; "handoffs by agent" lists who took them`);
  }
  // "how many pages had handoffs": the pages are counted, not the handoffs; the breakdown lists them
  const holders = /\b(?:how many|number of|count of|no\.? of) (?:distinct |different |unique |individual |separate )?(pages|brands|agents|reviewers|staff|team members)\b(?!')/.exec(text);
  if (holders && said.measure) {
    const label = measureByName(said.measure === 'topics' ? 'customerMessages' : said.measure)?.label ?? said.measure;
    const dim = /^(?:pages|brands)$/.test(holders[1]!) ? 'page' : holders[1] === 'reviewers' ? 'reviewer' : 'agent';
    return refusal(`I count ${label}, not the ${holders[1]} that had any ("${holders[0]}"); "${label} by ${dim}" lists each ${dim} with its figure`);
  }
  // "CSAT by agent and overall": two answers (each agent's and everyone's), asked one at a time
  const overallToo = /\b(?:and|plus|with|as well as|&|vs\.?|versus|against|compared (?:to|with)) (?:the |an |our )?(?:overall|total|all[- ]up|(?:whole[- ])?team(?:'s)? (?=average|avg|figure|score|total|number|overall))(?: ?(?:figure|number|average|avg|score|total|one|too|as well))?\b|\boverall (?:and|plus|&) (?:by|per|for each)\b/.exec(text);
  if (overallToo && said.group.dim) {
    return refusal(`"${overallToo[0].trim()}" asks for two answers, each ${said.group.dim}'s and the overall figure; ask for them one at a time (the same question without "by ${said.group.dim}" gives the overall figure)`);
  }
  // "James's CSAT vs the team average", "is Fatima above the team's": one figure against everyone's
  const teamToo = /\b(?:vs\.?|versus|against|compared (?:to|with)|above|below|than|over|under|beat(?:s|ing)?) (?:the |our |a )?(?:team|overall|everyone|everybody|whole team|rest of (?:the |us)|(?:team |overall )?average|avg)\b|\b(?:team|overall|everyone's) (?:avg|average|figure)\b[^.?]*\b(?:vs\.?|versus|against|compared)\b/.exec(text);
  if (teamToo && said.filters.some((f) => !f.exclude && ['agent', 'page', 'reviewer'].includes(f.dimension))) {
    return refusal(`"${teamToo[0].trim()}" asks for two figures, the one named and everyone's; ask for them one at a time (the same question without the name gives everyone's), or "… by agent" to see each agent beside the others`);
  }
  // "how many surveys is that based on" after a figure: its base, which the answer before says under it
  const basedOn = /\b(?:is|was) (?:that|this|it) based on\b|\bhow many [a-z' ]+ (?:is|was|are|were) (?:that|this|it|those|these)(?: (?:based )?(?:on|from|over|out of))?\s*[?.!]*$/.exec(text);
  if (basedOn) return refusal(`"${basedOn[0].trim()}" asks what the figure before was based on, which each answer says under it ("Based on …"); for one name, ask its count ("CSAT surveys for Lucas last month")`);
  // "CSAT distribution": how many answers had each score, which no figure gives
  const spread = /\b(?:distribution|histogram|frequenc(?:y|ies))\b|\bbreakdown of (?:the |our )?(?:csat |survey |qa |csi |review )?(?:scores|ratings|answers|responses)\b(?! (?:by|per|for each|across)\b)|\bhow many (?:gave|rated|scored) (?:each|every)\b/.exec(text);
  if (spread && !said.group.dim) return refusal(`"${spread[0]}": I do not keep how many rows had each value; I give the average, median, 90th percentile, minimum, maximum and, for CSAT, the share of 4 or 5 (satisfied)`);
  const forecast = FORECAST.exec(text);
  if (forecast) return refusal(`"${forecast[0]}": I report what has happened and make no forecasts; ask for the figure of a past period ("last month", "the last 4 weeks") to judge from`);
  const statistic = OTHER_STATISTIC.exec(text);
  if (statistic) return refusal(`"${statistic[0]}" is a statistic I do not compute; I give the average, median, 90th percentile, minimum, maximum, total, count, share and daily average`);
  const unansweredSurveys = surveysUnanswered(text);
  if (unansweredSurveys) return unansweredSurveys;
  if (said.unanswered) return refusal(`"${said.unanswered}" is a condition I cannot count or filter by: what is held is every customer message, and the response time of those that were answered`);
  if (said.conditions.length) return refusal(`"${said.conditions.join('", "')}" is a condition, and one figure cannot be filtered by another; ask for each figure on its own`);
  if (said.unreadHours) return refusal('I could not read the time of day; name whole hours like "between 9am and 5pm", "after 6pm" or "before 8am"');
  if (said.hoursGuess) {
    const { ambiguous, why } = said.hoursGuess;
    return refusal(`"${ambiguous}" ${why}, and which would be my guess; name hours with am/pm or on the 24-hour clock ("between 9am and 11am", "between 13 and 17")${/\bdays\b/.test(why) ? ', or days with their month ("3 to 9 November")' : ''}`);
  }
  if (said.threshold && !ABOUT_THE_FIGURE.test(text)) {
    return refusal(`"${said.threshold}" is a threshold, and I give totals, averages, percentiles and shares over everything in a period, not how many fall above or below a value`);
  }
  if (said.countsCustomers) {
    return refusal('I count conversations (one per customer and page), sessions and messages, not distinct customers; ask how many conversations');
  }
  if (said.unreadPeriod) {
    // the reason the period grammar gave ("day and month order is ambiguous") and its hint go out with the refusal
    const why = said.unreadPeriodWhy;
    const instead = why?.hint ? `ask for "${why.hint}" instead, or name another period` : 'name it like "last week", "in October", "since 1 November" or "last 30 days"';
    return refusal(`I could not read the period ("${said.unreadPeriod}")${why?.reason ? `: ${why.reason}` : ''}; ${instead}`);
  }
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
  if (said.noDimension) {
    // "messages per conversation": a ratio of two counts, not a breakdown
    const ratio = /^per (?:customer|conversation|chat|session|user|ticket|visitor|order)s?$/.test(said.noDimension) && said.measure !== undefined && measureByName(said.measure)?.unit === 'count';
    return refusal(ratio
      ? `"${said.noDimension}" asks for one count divided by another, which I do not compute; ask for each count on its own ("customer messages last month", "conversations last month")`
      : `"${said.noDimension}" is not a breakdown I have`);
  }
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
export function unknownName(question: string, vocab: Vocabulary, corrected: readonly string[] = []): string | undefined {
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
    // ("Oakhaven Furnture": read as the page's word, and said so)
    if (![low, one].some((x) => known.has(x) || COMMON_CAPITALS.has(x) || corrected.includes(x))) return word;
  }
  return undefined;
}

/**
 * A page, agent or reviewer the question names that the query does not use: not a filter, not the
 * share's focus, not a row of its breakdown, and not named back in a note. Answering would give
 * the figure for everyone as if for them, so the caller refuses instead.
 */
export function nameLost(text: string, vocab: Vocabulary, query: MetricQuery, focus: string | undefined, notes: readonly string[]): string | undefined {
  const used = new Set([...(query.filters ?? []).flatMap((f) => f.values), ...(focus ? [focus] : [])].map((v) => v.toLowerCase()));
  const said = notes.join(' ').toLowerCase();
  const w = new Words(text);
  for (const [dimension, names] of [['page', vocab.pages], ['agent', vocab.agents], ['reviewer', vocab.reviewers ?? []]] as const) {
    if (query.groupBy === dimension) continue;
    const named = namesIn(w, names, dimension);
    // ("agents other than Maria": the others are the filter)
    for (const n of named.found.filter((x) => !(named.excluded ?? []).includes(x))) {
      if (used.has(n.toLowerCase()) || n.toLowerCase().split(/\s+/).some((t) => t.length >= 3 && said.includes(t))) continue;
      return n;
    }
  }
  return undefined;
}

/**
 * "complaints by page as a share of all customer messages": a topic's share of each group's own
 * customer messages, which a share by page (each page's part of the complaints) is not: refused plainly.
 */
export function shareOfEachGroup(query: MetricQuery, text: string, pages: readonly string[]): MetricReading | undefined {
  const topic = query.filters?.find((f) => f.dimension === 'topic' && !f.exclude);
  const dim = query.groupBy;
  if (query.statistic !== 'share' || query.measure !== 'customerMessages' || !topic || !dim || dim === 'topic' || !/\b(?:of|among|out of)\b[^?]*\b(?:messages|msgs)\b/.test(text)) return undefined;
  const one = dim === 'page' ? pages[0] : undefined;
  const topics = topic.values.join(' and ');
  return refusal(`${topics} as a share of each ${dim}'s customer messages is not a figure I give ${dim} by ${dim}; ask for one${one ? ` ("what share of ${one} customer messages were ${topic.values[0]} last week")` : ` ${dim} at a time`}, or for each ${dim}'s part of all ${topics} ("share of ${topic.values[0]} by ${dim}")`);
}

const NOT_PEOPLE = /^(?:he|she|they|him|her|them|his|hers|their|we|you|i|us|someone|somebody|anyone|anybody|team|company|customers?|clients?|bots?|everyone|everybody|people|staff|page|agent|reviewer|month|week|year|day|today|yesterday|tonight|brand|shop|store|business|product|ai|assistant|that|this|it|one|who|what|which)$/;
// (a present form only after "did": "the ops review", "a quarterly review" are nouns)
const DID_VERB = '(?:take|handle|close|resolve|answer|pick|grab|review|pass|flag|fix|find|log|get|do|make)';
const DONE_VERB = '(?:took|handled|closed|resolved|answered|picked|grabbed|reviewed|passed|flagged|fixed|found|logged)';
/** A word used as a person: the subject of a desk or QA verb, or the owner of a figure. */
export function personWord(w: string, text: string): boolean {
  if (NOT_PEOPLE.test(w)) return false;
  return new RegExp(`\\bdid ${w} ${DID_VERB}\\b|\\b${w} ${DONE_VERB}\\b|\\b${w}['’]s\\b`).test(text);
}

/** Queries refused as built: a share over the values named only, a period still to come. */
export function asBuilt(query: MetricQuery, m: Measure, ctx: UnderstandContext): MetricReading | undefined {
  // "what % were complaints or returns": a share over only the values named would make them 100% together
  const within = (query.statistic ?? m.defaultStatistic) === 'share' && query.groupBy ? (query.filters ?? []).find((f) => f.dimension === query.groupBy && !f.exclude) : undefined;
  if (within) {
    return refusal(`a share is of all ${DIM_PLURALS[within.dimension]}, and over ${within.values.join(' and ')} alone it would add up to 100%; ask for the share by ${within.dimension} (every ${within.dimension}'s share, ${within.values.join(' and ')} among them)`);
  }
  // a period still to come has nothing to count yet: 0 would read as measured
  const today = parsePeriod('today', ctx.now, ctx.timeZone)?.from;
  if (today && query.period && query.period.from > today) {
    return refusal(`${query.period.label} has not happened yet, and I count what has happened; ask for a past period ("last week", "last month")`);
  }
  return undefined;
}
