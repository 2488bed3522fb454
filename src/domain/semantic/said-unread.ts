// The words of a question that no slot read. Each slot reader takes or reads its own words;
// whatever is left, less the words that never change what is counted ("please", "our", "the"),
// is a word the product does not understand. Such a word may be a condition ("urgent tickets",
// "in Spanish", "on mobile"): answering without it would give the figure of everything, so the
// question is refused when the word qualifies what is counted, and the word is named otherwise.
import { findPeriods } from '../periods.ts';
import type { Words } from './said-names.ts';
import {
  ADVERB_GROUPS, BOT_WORDS, BUSY_WORDS, CHANGE_WORDS, CHART_WORDS, DIMENSION_WORDS, DIRECTION_WORDS, FOLLOW_UP, HUMAN_WORDS, MEASURE_WORDS,
  NOW_CUES, NO_DIMENSION, OTHER_PERCENTILE, PERIOD_CUES, QA_CHANGE_WORDS, QA_STATE_WORDS, SPEED_WORDS, STATISTIC_WORDS, THRESHOLD,
  TREND_WORDS, WEEKDAYS, WHO, LEAVE_OUT, LEFT_OUT_PARTICLE, LEFT_OUT_VERB,
} from './words.ts';

/** Words read by a slot without being taken from the question (tests of the whole text). */
const READ: readonly RegExp[] = [
  BOT_WORDS, HUMAN_WORDS, CHART_WORDS, TREND_WORDS, PERIOD_CUES, NOW_CUES, NO_DIMENSION, OTHER_PERCENTILE, THRESHOLD, BUSY_WORDS,
  SPEED_WORDS, QA_CHANGE_WORDS, WHO, FOLLOW_UP,
  // the product's own words, also where another slot took the figure ("customer effort score (CES)")
  ...[MEASURE_WORDS, DIMENSION_WORDS, STATISTIC_WORDS, DIRECTION_WORDS, ADVERB_GROUPS, CHANGE_WORDS, QA_STATE_WORDS].flatMap((table) => table.map(([re]) => re)),
  // the desk's verbs beside the handoffs they close ("which agent resolved the most handoffs")
  /\b(?:resolv|clos)(?:e|es|ed|ing)\b(?:\s+(?:out|off))?(?=[^.?]*\b(?:hand[- ]?off|cases?\b))|\bwrap(?:s|ped|ping)? up\b(?=[^.?]*\b(?:hand[- ]?off|cases?\b))/,
  // the one channel held: every figure is Messenger's
  /\b(?:facebook |fb )?messenger\b|\bfacebook\b|\bfb\b/,
  /\bsatisfied\b|\bpick(?:s|ed|ing)? up\b|\b(?:took|taken|grab(?:s|bed|bing)?|claim(?:s|ed|ing)?)\b|\bmarked(?= (?:as )?(?:an? )?(?:pass(?:ed)?|issues?|fixed|failed))|\b(?:moved|changed|set|put|switched|turned) (?:to|into|as)(?= (?:pass(?:ed)?|issues?|fixed|failed|unchecked)\b)|\bqa\b|\b(?:better|worse|higher|lower|more|less|up|down)\b|\bwait(?:s|ed|ing)?\b|\b(?:respond|repl(?:y|ied|ies)|answer)(?:s|ed|ing)?\b/,
  /\bfirst\b(?= (?:human |agent |bot )?(?:response|reply|answer))|\bbreak(?:s|ing)? (?:it |them |that )?down\b|\bbroken down\b|\bsplit\b/,
  // comparisons, and what leaves something out
  /\b(?:vs\.?|versus|compar(?:e[sd]?|ing|ison)|against|than|differen(?:ce|t)|chang(?:e[sd]?|ing)|same|usual|normal(?:ly)?|usually|previous|prior|preceding|before|earlier|other)\b/,
  new RegExp(`\\b${LEAVE_OUT}(?=\\s|$)|\\bnon-|\\b(?:only|just|alone)\\b`),
  // "leave Voltix out": the verb around what is left out
  new RegExp(`\\b${LEFT_OUT_VERB}(?=\\s+(?:[a-z'-]+\\s+){1,3}${LEFT_OUT_PARTICLE}\\b)|\\b(?:aside|excluded|omitted|ignored)\\b`),
  /\bas well as\b|\balong ?with\b|\b(?:overall|in total|altogether|combined|together|as a whole|reviewed|rank(?:ed|ing|s)?|order(?:ed)?|sort(?:ed)?|list(?:ed)?|which|what|who)\b/,
  new RegExp(`\\b(?:${WEEKDAYS.join('|')})s?\\b|\\bweekends?\\b|\\bweekdays?\\b`),
  /\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b(?:noon|midnight)\b|\bo'?clock\b/,
  // answered or not, customers counted, a figure as a condition: each is refused by its own slot
  /\b(?:unanswered|unreplied|unresolved|abandoned|ignored|missed|repl(?:y|ies)|answers?|responses?)\b/,
  /\b(?:customers?|distinct|unique|individual)\b/,
  /\bhow (?:long|much|many|often|well|fast|quickly|soon)\b/,
  /\bacross (?:all |every |the |our )?(?:pages|brands|shops|stores)\b|\b(?:all|every|any) (?:pages?|brands?|shops?|stores?)\b/,
  /\b(?:with|that had|that have|having|which had|involving|where there was)\b/,
];

/** The same, each finding every match (compiled once: every question is read with all of them). */
const READ_ALL: readonly RegExp[] = READ.map((re) => new RegExp(re.source, 'g'));

/**
 * Words that never change what is counted: grammar, politeness, the asking itself, and the
 * generic nouns of a figure ("numbers", "performance"). A word here is never named back.
 */
const IDLE = new Set(
  `a an the this that these those there here it its it's they them their we we're we've our ours us you your you're i i'm i'd i've me my whats hows wheres im ive her his him
  is are was were be been being am do does did done doing have has had having will would could can can't should shall may might must
  what's how's where's who's that's there's let let's
  and or but so then also too plus as if of to in on at by for from into onto over per up out off about via with
  how why when where much many
  please pls plz thanks thank thx cheers hi hey hello ok okay yes yeah yep sure kindly quick quickly question one ones
  tell show give get got getting see know knew find found look looking looks check need needed want wanted like would've
  came come comes coming arrive arrived arriving receive received receiving send sent sending write wrote written lately recently
  handled handle handles handling dealt managed served made make makes hold holds held happen happened happens occurred start started
  starting began begin open opened created take took takes taking taken spend spent time times count counting counted scored
  problem problems thing things stuff instead gave give given basically fwiw imo now hiya chance pull pulling wondering wonder looked possibly possible poss gimme real honestly honest curious genuinely move love sorry bother handy sanity asap mind btw ta saw alright appreciated appreciate fyi confirm reckon lol omg ty how'd worth needless double folks guys pls plz advance everyone everybody everything anyone anybody anything someone something last next mention mentions mentioned talk talked say said ask asked asking through often summary overview rundown recap snapshot update after before between until till since among within
  number numbers figure figures stats statistics stat metric metrics kpi kpis value values data info information report
  performance level levels score scores result results rate rates amount idea roughly approximately about around exactly
  currently actually really just even still already yet far so very pretty overall generally typically general
  team company business support desk whole entire all every each any some both either
  caused cause causes reason reasons behind drove driving explain explains spike spikes spiked dip dips dipped jump jumped
  analyse analyze analysing analyzing dig`.split(/\s+/),
);

/**
 * A word the product reads or passes over as grammar ("max", "may", "the", "per"): a short first
 * name like that is never taken for a person, while "Sam" or "Ana" means nobody else.
 */
export function productWord(word: string): boolean {
  return IDLE.has(word) || READ.some((re) => re.test(word)) || findPeriods(word, new Date(0), 'UTC').length > 0;
}

/** Words before a qualifier: "for urgent tickets", "on mobile", "in Spanish", "from Instagram". */
const QUALIFYING_BEFORE = new Set(['for', 'in', 'on', 'from', 'among', 'of', 'at', 'via', 'through', 'using', 'during', 'about', 'by']);
/** Words that skip between a preposition and its qualifier ("for the urgent ones", "from our VIPs"). */
const DETERMINERS = new Set(['the', 'a', 'an', 'our', 'all', 'those', 'these', 'any', 'my', 'your', 'their', 'only', 'just']);
/** What a figure is counted over: a word beside one of these says which of them. */
const COUNTED = /^(?:customers?|clients?|users?|people|members?|buyers?|visitors?|conversations?|convos?|chats?|threads?|tickets?|sessions?|messages?|cases?|requests?|questions?|inquir(?:y|ies)|enquir(?:y|ies)|complaints?|replies|orders?|contacts?|days?|ones?|hand-?offs?|escalations?)$/;

export interface Unread {
  /** the words as typed (lower case), in order */
  words: string[];
  /** one of them says which conversations, messages or customers are counted */
  qualifies: boolean;
  /** a negation no slot read ("not handed over", "did not involve a human"): what it leaves out is unknown */
  negation?: string;
}

const PASSIVE = new Set(['were', 'was', 'are', 'is', 'got', 'get', 'been', 'being']);

/** "not", "never", "didn't": unread, they reverse what the words around them would count. */
const NEGATION = /^(?:not|no|never|nobody|none|nothing|\w+n't)$/;

/**
 * The words of the question that `w` (after every slot has taken its words) and the readers that only
 * test the text left unread; `secondAt` is where a second question starts and `named` the words
 * other slots name back (both are named with those). Undefined when every word was read or is idle.
 */
export function unreadWords(w: Words, now: Date, timeZone: string, opts: { secondAt?: number; named?: readonly string[] } = {}): Unread | undefined {
  const text = w.text;
  const { secondAt } = opts;
  let rest = secondAt === undefined ? w.rest : w.rest.slice(0, secondAt) + ' '.repeat(w.rest.length - secondAt);
  const blank = (from: number, to: number) => {
    rest = rest.slice(0, from) + ' '.repeat(Math.max(0, to - from)) + rest.slice(to);
  };
  for (const p of findPeriods(text, now, timeZone)) blank(p.start, p.end);
  // words another slot names back already ("by shift", a comparison it could not read)
  for (const words of opts.named ?? []) {
    const at = text.indexOf(words);
    if (at >= 0) blank(at, at + words.length);
  }
  // matched on the question as asked: a reader's test sees the words other slots took too
  for (const re of READ_ALL) for (const m of text.matchAll(re)) blank(m.index, m.index + m[0].length);
  // ("P1 cases", "B2B clients", "the X200": a word with digits is a word too; a number alone is not)
  const tokens = [...text.matchAll(/[a-z0-9][a-z0-9'-]*/g)].filter((m) => !/^[\d'-]+$/.test(m[0])).map((m) => ({
    word: m[0].replace(/'s$/, ''),
    unread: rest.slice(m.index, m.index + m[0].length) === m[0],
  }));
  const isUnread = (t: { word: string; unread: boolean }) => t.unread && (t.word.length > 1 || /\d/.test(t.word)) && !IDLE.has(t.word);
  // "tickets", "members": what is counted, named in the product's own words or not, is no condition itself
  const words = tokens.filter((t) => isUnread(t) && !COUNTED.test(t.word));
  if (words.length === 0) return undefined;
  // a long, chatty message (over 30 words) is told from its chatter only by its clauses: named, not refused
  const qualifies = tokens.length <= 30 && tokens.some((t, i) => {
    if (!isUnread(t) || COUNTED.test(t.word)) return false;
    let j = i - 1;
    while (j >= 0 && (isUnread(tokens[j]!) || DETERMINERS.has(tokens[j]!.word))) j--;
    if (j >= 0 && QUALIFYING_BEFORE.has(tokens[j]!.word)) return true;
    // "conversations tagged urgent", "chats marked spam": a participle after what is counted, with
    // an unread word after it ("messages mentioned shipping" names a topic, which is read)
    const after = tokens[i + 1]?.word === 'as' ? tokens[i + 2] : tokens[i + 1];
    if (j === i - 1 && j >= 0 && COUNTED.test(tokens[j]!.word) && /ed$/.test(t.word) && after !== undefined && isUnread(after)) return true;
    // "handoffs were resolved": a participle said of what is counted, in the passive
    if (/ed$/.test(t.word) && i >= 2 && PASSIVE.has(tokens[i - 1]!.word) && COUNTED.test(tokens[i - 2]!.word)) return true;
    // "how many handoffs did Fatima resolve": what someone did is what is counted
    let b = i - 1;
    while (b > i - 4 && b > 0 && !isUnread(tokens[b]!) && !/^(?:did|do|does)$/.test(tokens[b]!.word)) b--;
    if (b < i - 1 && b >= 0 && /^(?:did|do|does)$/.test(tokens[b]!.word)) return true;
    let k = i + 1;
    while (k < tokens.length && isUnread(tokens[k]!)) k++;
    return k < tokens.length && COUNTED.test(tokens[k]!.word);
  });
  const negation = words.find((t) => NEGATION.test(t.word))?.word;
  return { words: [...new Set(words.map((t) => t.word))], qualifies, ...(negation ? { negation } : {}) };
}
