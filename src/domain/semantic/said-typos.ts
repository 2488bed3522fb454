// Typos of the product's own words and names ("handofs", "reponse", "voltx"). Only a word no
// slot could read is corrected, only to the one product word or name a single edit away, and
// the answer says how it was read; anything else stays unread (and is refused or named).
import { MONTH_NAMES } from '../period-words.ts';
import { WEEKDAYS } from './words.ts';

const PRODUCT_WORDS = `average median percentile total number count share percentage proportion rate response responses reply
  replies respond first time times handoff handoffs escalation escalations escalated containment conversation conversations
  message messages session sessions customer customers sentiment resolution resolved effort empathy efficiency effectiveness
  satisfaction topic topics complaint complaints review reviews reviewed reviewer reviewers agent agents human humans page pages
  brand brands weekday weekdays weekend weekends yesterday today week weeks month months quarter year last previous compared
  compare handling template templates passed fixed issue issues waiting highest lowest slowest fastest busiest quietest worst best
  trend chart excluding except between qa csat csi bot`.split(/\s+/);

/** Optimal string alignment distance, stopping early above 1 (only single edits are corrected). */
function oneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, y: string) => x.slice(i + 1) === y.slice(i + 1);
  if (a.length === b.length) return rest(a, b) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

export interface Corrected {
  text: string;
  /** how each word was read: `Read "handofs" as "handoffs".` */
  remarks: string[];
  /** the words corrected, as typed */
  words: string[];
}

/** The breakdowns' words, which a short word right after "by" or "per" may be a typo of. */
const BREAKDOWN_WORDS: ReadonlySet<string> = new Set(['page', 'pages', 'agent', 'agents', 'topic', 'topics', 'week', 'weeks', 'month', 'months', 'hour', 'hours', 'day', 'days']);

/** Short words are corrected only to these, and only right after a product word ("handoff rat", "response tiem"). */
const SHORT_TARGETS: ReadonlySet<string> = new Set(['rate', 'rates', 'time', 'times', 'issue', 'issues', 'last']);

/**
 * The period words, which a word of any length is read as when it is one of them with two
 * neighbouring letters swapped ("lats week", "tihs month", "psat 7 days", "snice monday"): a slip
 * of the fingers that leaves the word's letters whole, and which no other word of the product's is.
 */
const PERIOD_WORDS: readonly string[] = ['last', 'past', 'this', 'next', 'since', 'week', 'weeks', 'month', 'months', 'year', 'years', 'day', 'days', 'today', 'yesterday', 'ago', 'previous', 'prior', 'quarter', 'fortnight', 'until', 'before', 'after'];

/** Whether b is a with two neighbouring letters swapped. */
const swapped = (a: string, b: string) => {
  if (a.length !== b.length || a === b) return false;
  const i = [...a].findIndex((c, k) => c !== b[k]);
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
};

/** The text with each unread word of five letters or more that is one edit from exactly one product word or name replaced by it. */
export function correctTypos(text: string, unread: readonly string[], names: readonly string[]): Corrected | undefined {
  const nameWords = new Set(names.flatMap((n) => n.toLowerCase().split(/[\s_]+/)).filter((t) => t.length >= 4));
  const known = new Set([...PRODUCT_WORDS, ...PERIOD_WORDS, ...WEEKDAYS, ...MONTH_NAMES.map((m) => m.toLowerCase()), ...nameWords]);
  let out = text;
  const remarks: string[] = [];
  const words: string[] = [];
  for (const word of unread) {
    if (word.length < 3 || known.has(word)) continue;
    const short = word.length < 5;
    // a short word is corrected right after a product word ("handoff rat"), or to a name's word of five letters or more ("jmes")
    const afterProductWord = new RegExp(`\\b(?:${PRODUCT_WORDS.join('|')}) ${word}\\b`).test(out);
    // ("by pgae": after "by" or "per", a breakdown's name)
    const afterBy = new RegExp(`\\b(?:by|per) ${word}\\b`).test(out);
    const allowed = (k: string) => !short || (afterProductWord && SHORT_TARGETS.has(k)) || (afterBy && BREAKDOWN_WORDS.has(k)) || (word.length === 4 && nameWords.has(k) && k.length >= 5);
    // a period word with two letters swapped is read so wherever it stands ("lats week handoffs")
    const period = PERIOD_WORDS.filter((k) => swapped(word, k));
    let near = period.length === 1 ? period : [...known].filter((k) => allowed(k) && oneEdit(word, k));
    // "respons" is one edit from "response" and from "respond": a letter left out is the likelier slip
    const longer = near.filter((k) => k.length === word.length + 1);
    if (near.length > 1 && longer.length === 1) near = longer;
    // "handofs" is one edit from "handoff" and from "handoffs": the plural one, as typed
    if (near.length > 1) near = near.filter((k) => k.endsWith('s') === word.endsWith('s'));
    if (near.length !== 1) continue;
    out = out.replace(new RegExp(`\\b${word}\\b`, 'g'), near[0]!);
    remarks.push(`Read "${word}" as "${near[0]!}".`);
    words.push(word);
  }
  return remarks.length ? { text: out, remarks, words } : undefined;
}
