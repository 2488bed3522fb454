// The words the offline chat model's question understanding (intents.ts) listens for: text
// normalisation, the topic vocabulary, grouping, chart and top-N words, page and agent names,
// and the small vocabulary a follow-up ("and the week before?") may consist of.
// Nothing here knows about intents, so intents.ts stays the one place that decides.

import { COUNT, MONTH_WORD, countOf } from './period-words.ts';
import type { Unit } from './periods.ts';

// ── normalisation ────────────────────────────────────────────────────────────────────────────

/**
 * Lower case, possessive "'s" dropped ("this week's CSI" → "this week csi"), punctuation turned
 * into spaces. "#" stays because "chat #42" names a conversation; "_" stays for classification
 * names typed verbatim ("human_request").
 */
export function plainText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’'`]s\b/g, '')
    .replace(/[’'`]/g, '')
    .replace(/[^\p{L}\p{N}#_]+/gu, ' ')
    .trim();
}

// ── topics ───────────────────────────────────────────────────────────────────────────────────

/**
 * Words → the customer-message classification the topic mix is restricted to (topicsIn). The
 * values are the classifications the scorer and the demo seed write into messages.classification
 * (src/db/seed/phrases.ts, extras.ts), which is also what the topic mix lists, so a topic a user
 * reads in one answer can be asked about in the next. A classification typed verbatim works too.
 */
export const TOPIC_WORDS: readonly (readonly [RegExp, string])[] = [
  [/\bcomplain(?:ts?|s|ing|ed)?\b|\bunhappy\b|\bangry\b/, 'complaint'],
  [/\bhuman[ _]requests?\b|\basking for (?:a )?(?:human|person|agent)\b|\bhandoff requests?\b/, 'human_request'],
  [/\bprices?\b|\bpricing\b|\bprice_inquiry\b/, 'price_inquiry'],
  [/\bavailability\b|\b(?:in|out of) stock\b|\bstock\b|\bavailability_check\b/, 'availability_check'],
  [/\bshipping\b|\bdeliver(?:y|ies)\b|\bshipments?\b|\bshipping_question\b/, 'shipping_question'],
  [/\breturns?\b|\brefunds?\b|\breturn_request\b/, 'return_request'],
  [/\baccounts?\b|\blogins?\b|\bpasswords?\b|\baccount_issue\b/, 'account_issue'],
  [/\bgratitude\b|\bthanks\b|\bthank yous?\b/, 'gratitude'],
  [/\bgeneral (?:inquir(?:y|ies)|questions?)\b|\bgeneral_inquiry\b/, 'general_inquiry'],
  [/\bgreetings?\b|\bfirst contacts?\b|\bfirst_contact\b/, 'first_contact'],
];

/** The classification a topic question is about, from plain text; undefined if none. */
export function topicIn(plain: string): string | undefined {
  return TOPIC_WORDS.find(([re]) => re.test(plain))?.[1];
}

// ── modifiers ────────────────────────────────────────────────────────────────────────────────

export type GroupBy = 'page' | 'agent' | 'day';

const GROUP_BY = /\b(?:by|per|for each|each|across|broken down by|split by)\s+(page|agent|day)s?\b/;

export function groupByOf(plain: string): GroupBy | undefined {
  const m = GROUP_BY.exec(plain);
  if (m) return m[1] as GroupBy;
  return /\bdaily\b|\bday by day\b/.test(plain) ? 'day' : undefined;
}

export const wantsChart = (plain: string): boolean =>
  /\b(?:chart|graph|plot|plotted|visuali[sz]e|visual|diagram|trends?|trending)\b/.test(plain);

export const wantsTrend = (plain: string): boolean =>
  /\b(?:trends?|trending|over time|evolution|history)\b/.test(plain);

const RANKED = '(?:top|worst|slowest|lowest|oldest|bottom|first)';
const TOP_BEFORE = new RegExp(`\\b${RANKED}\\s+(${COUNT})\\b`);
const TOP_AFTER = new RegExp(`\\b(${COUNT})\\s+(?:${RANKED}|most|biggest|main|largest|common|frequent)\\b`);

/** "top 3", "the 3 slowest", "worst five": the count asked for; undefined if none. */
export function topNOf(plain: string): number | undefined {
  const m = TOP_BEFORE.exec(plain) ?? TOP_AFTER.exec(plain);
  return m ? countOf(m[1] ?? '') : undefined;
}

const SHIFT_UNIT = /\b(?:the )?(day|week|month|quarter|year) (?:before|earlier|prior)\b(?! last)/;
const SHIFT_SAME = /\bbefore that\b|\bthe (?:one|period) before\b|\bthe previous (?:one|period)\b/;

/**
 * A step back from the period already under discussion: `{ unit }` for "the week before",
 * `{}` for "before that", undefined when the text asks for no step back. "The week before last"
 * is a period of its own (periods.ts reads it), not a step back.
 */
export function shiftOf(plain: string): { unit?: Unit } | undefined {
  const m = SHIFT_UNIT.exec(plain);
  if (m) return { unit: m[1] as Unit };
  return SHIFT_SAME.test(plain) ? {} : undefined;
}

/** Opening words that mark a question as continuing the previous one. */
export const LEAD_IN = /^(?:and|but|so|ok|okay|now|then|also|(?:and )?(?:what|how) about|same (?:for|thing))\b/;

// ── page and agent names ─────────────────────────────────────────────────────────────────────

// Words too common to single out one page or agent even when only one name contains them.
const NOT_DISTINCTIVE = new Set([
  'the', 'and', 'for', 'of', 'shop', 'store', 'page', 'official', 'inc', 'ltd', 'gmbh', 'company', 'online', 'team',
]);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The name or word as typed in `question`, matched as whole words, case-insensitively. */
function typedAs(question: string, phrase: string): string | undefined {
  const words = phrase.trim().split(/\s+/).map(escape).join('\\s+');
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])${words}(?![\\p{L}\\p{N}_])`, 'iu');
  return re.exec(question)?.[0];
}

const wordsOf = (name: string) => plainText(name).split(' ').filter((w) => w.length > 0);

/** Words of `name` that appear in no other name and are not generic: "Outlet" of "Acme Outlet". */
function distinctiveWords(name: string, names: readonly string[]): string[] {
  const others = new Set(names.filter((n) => n !== name).flatMap(wordsOf));
  return wordsOf(name).filter((w) => w.length >= 3 && !NOT_DISTINCTIVE.has(w) && !others.has(w));
}

/**
 * The one known name the question mentions, as typed: the full name, else a distinctive word
 * of it. Undefined when none or several names are mentioned, since a filter must be certain.
 * A full name wins over a shorter one it contains ("Acme Home Outlet" over "Acme Home").
 */
export function nameIn(question: string, names: readonly string[] | undefined): string | undefined {
  if (!names || names.length === 0) return undefined;
  const full = names
    .map((name) => ({ name, typed: typedAs(question, name) }))
    .filter((h): h is { name: string; typed: string } => h.typed !== undefined)
    .sort((a, b) => b.name.length - a.name.length);
  const [first, ...rest] = full;
  if (first) return rest.every((h) => first.name.toLowerCase().includes(h.name.toLowerCase())) ? first.typed : undefined;
  const hits = new Map<string, string>();
  for (const name of names) {
    const typed = distinctiveWords(name, names).map((w) => typedAs(question, w)).find((t) => t !== undefined);
    if (typed) hits.set(name, typed);
  }
  return hits.size === 1 ? [...hits.values()][0] : undefined;
}

// ── follow-up vocabulary ─────────────────────────────────────────────────────────────────────

// Everything a follow-up such as "and what about the week before that, as a chart?" may say
// besides period phrases and names. A question with any other word is not taken as a follow-up,
// so "what's the weather last week?" is not CSI last week.
const FOLLOW_UP_WORDS = new Set(
  (
    'a about again also an and as at be before break broken but by can could current daily day days did display ' +
    'do does down draw during each earlier for from give graph had has have how i in instead is it just last like ' +
    'line look looked me month months now of ok okay on one only or out past per period please plot previous prior ' +
    'quarter quarters render same see show since so split than that the them then there these this those thing ' +
    'through thru till to today too top trend until us versus vs was we week weeks were what whats with would ' +
    'year years yesterday you agent agents page pages chart charts bar visual visualise visualize compared against ' +
    'between instead ones'
  ).split(' '),
);

const MONTH_ONLY = new RegExp(`^${MONTH_WORD}$`);

function isFollowUpWord(word: string, names: ReadonlySet<string>): boolean {
  return (
    FOLLOW_UP_WORDS.has(word) ||
    names.has(word) ||
    MONTH_ONLY.test(word) ||
    /^(?:\d+(?:st|nd|rd|th)?|q[1-4])$/.test(word) ||
    countOf(word) !== undefined
  );
}

/** True when the plain text says nothing but follow-up words, period words and known names. */
export function onlyFollowUpWords(plain: string, names: readonly string[]): boolean {
  const known = new Set(names.flatMap(wordsOf));
  return plain.split(' ').every((w) => w === '' || isFollowUpWord(w, known));
}
