// The names a question gives (pages, agents, reviewers, topics), those it leaves out, and the
// word-taking reader every slot of said.ts uses.
import { TOPIC_WORDS } from '../intent-words.ts';
import type { Dimension } from './catalogue.ts';
import type { Filter } from './query.ts';
import { LEAVE_OUT, LEFT_OUT_PARTICLE, LEFT_OUT_VERB } from './words.ts';

/** Blanks the matched words so later tables cannot read them again. */
export class Words {
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

export const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const phrase = (s: string) => new RegExp(`\\b${escape(s.toLowerCase()).replace(/[_\s]+/g, '[_\\s-]+')}s?\\b`);

// ── names ────────────────────────────────────────────────────────────────────────────────────

export interface Names {
  found: string[];
  /** a word several names share ("Acme", "Maria"): named back, never guessed */
  ambiguous: string[];
  /** of `found`, those named to be left out ("all pages except Stride Shoes") */
  excluded?: string[];
}

/**
 * Words that leave out what follows ("except Stride Shoes", "excluding weekends", "other than
 * Voltix"), up to four words before the name, none of them one that starts another slot.
 */
const EXCLUDED_BEFORE = new RegExp(`(?:\\b${LEAVE_OUT}\\s+(?:(?!(?:for|in|on|at|by|of|during|with|last|this|since)\\b)[a-z'-]+,?\\s+){0,4}|\\bnon-\\s*)$`);
/** "leave Voltix out", "count James out", "Voltix excluded", "with James left out": what is left out is around the name. */
const LEFT_OUT_VERB_BEFORE = new RegExp(`\\b${LEFT_OUT_VERB}\\s+(?:the\\s+|our\\s+)?$`);
const LEFT_OUT_AFTER = new RegExp(`^(?:'s)?\\s+(?:${LEFT_OUT_PARTICLE}\\b|(?:excluded|left out|set aside|put aside|aside|not counted|not included|ignored|omitted|removed|taken out)\\b)`);

/** Whether the name at `index` (of `length` characters) in `text` is one left out. */
export function leftOutAt(text: string, index: number, length: number): boolean {
  const before = text.slice(0, index);
  const after = text.slice(index + length);
  if (EXCLUDED_BEFORE.test(before)) return true;
  return LEFT_OUT_AFTER.test(after) && (LEFT_OUT_VERB_BEFORE.test(before) || !new RegExp(`^(?:'s)?\\s+${LEFT_OUT_PARTICLE}\\b`).test(after));
}

/**
 * Names from a vocabulary mentioned in the text: full names first, then a unique distinctive word
 * of four letters or more, or of three that `ordinary` says the product reads for nothing else.
 */
export function namesIn(w: Words, names: readonly string[], kind: string, ordinary?: (word: string) => boolean): Names {
  const found: string[] = [];
  const ambiguous: string[] = [];
  const excluded: string[] = [];
  const take = (n: string, re: RegExp): boolean => {
    const m = w.take(re);
    if (m && leftOutAt(w.text, m.index, m[0].length)) excluded.push(n);
    return m !== undefined;
  };
  for (const n of [...names].sort((a, b) => b.length - a.length)) if (take(n, phrase(n))) found.push(n);
  const shared = new Map<string, string[]>();
  for (const n of names) {
    if (found.includes(n)) continue;
    for (const t of n.toLowerCase().split(/\s+/).filter((x) => x.length >= 4 || (x.length === 3 && ordinary !== undefined && !ordinary(x)))) {
      const others = names.filter((o) => o !== n && o.toLowerCase().split(/\s+/).includes(t));
      if (others.length === 0 && take(n, phrase(t))) {
        found.push(n);
        break;
      }
      if (others.length > 0 && w.has(phrase(t))) shared.set(t, [n, ...others]);
    }
  }
  for (const [t, ns] of shared) {
    if (ns.some((n) => found.includes(n)) || !w.take(phrase(t))) continue;
    ambiguous.push(`"${t}" (several ${kind}s are called that: ${[...new Set(ns)].sort().join(', ')} — name one)`);
  }
  return { found, ambiguous, ...(excluded.length ? { excluded } : {}) };
}

/** The filters of names: those named to keep, and those named to leave out (rows without one stay). */
export function namedFilters(dimension: Dimension, n: Names): Filter[] {
  const out = n.excluded ?? [];
  const kept = n.found.filter((x) => !out.includes(x));
  return [...(kept.length ? [{ dimension, values: kept }] : []), ...(out.length ? [{ dimension, values: out, exclude: true }] : [])];
}

/** Topics named by label ("human_request") or by the everyday words for them ("delivery", "refunds"). */
export function topicsIn(w: Words, topics: readonly string[]): Names {
  const named = namesIn(w, topics, 'topic');
  const found = named.found;
  const excluded = [...(named.excluded ?? [])];
  for (const [re] of TOPIC_WORDS) {
    const labels = topics.filter((t) => re.test(t.toLowerCase().replace(/_/g, ' ')) && !found.includes(t));
    const m = labels.length === 1 ? w.take(re) : undefined;
    if (!m) continue;
    found.push(labels[0]!);
    if (leftOutAt(w.text, m.index, m[0].length)) excluded.push(labels[0]!);
  }
  return { found, ambiguous: [], ...(excluded.length ? { excluded } : {}) };
}

/** "which pages do we have", "list the reviewers", "who are our agents": the names asked for. */
const NAMES_ASKED = /^\s*(?:(?:which|what|list|show(?: me)?|name|give me|tell me)(?: all)?(?: of)?(?: the| our| your)?|who are(?: all)?(?: the| our)?) (pages|brands|agents|reviewers|topics|qa categories)(?: (?:do we have|do you have|are there|have we got|exist|there are|we have|you know|are set up|are in the data))?\s*[?.!]*\s*$/i;

export type NamesKind = 'pages' | 'agents' | 'reviewers' | 'topics' | 'qaCategories';

export function namesAsked(question: string): NamesKind | undefined {
  const m = NAMES_ASKED.exec(question);
  if (!m) return undefined;
  const word = m[1]!.toLowerCase();
  return word === 'brands' ? 'pages' : word === 'qa categories' ? 'qaCategories' : (word as NamesKind);
}
