// A correction inside one message ("csat for Oakhaven last month, no sorry, Stride", "handoff rate
// in October, no wait, November", "handoffs by page - sorry I meant by agent"). The words after the
// cue replace what they are of the same kind as: a page a page, an agent an agent, a period a
// period, a breakdown a breakdown (and, after a cue that says it is one, a figure a figure). A bare
// ", no X" that replaces nothing is "without X" ("messages by page, no bots"); a correction whose
// target is not clear ("handoffs for Voltix, no sorry, James": the page or as well?) is refused.
import { TOPIC_WORDS } from '../intent-words.ts';
import { findPeriods } from '../periods.ts';
import { phrase } from './said-names.ts';
import type { Vocabulary } from './said.ts';
import { DIMENSION_WORDS, MEASURE_WORDS } from './words.ts';

/** Words that say the words after them correct the words before ("no sorry", "wait", "I meant"). */
const CUE_WORD = String.raw`(?:no(?! one\b|-one\b|\.?\s*\d)|nope|nah|sorry|oops|whoops|my bad|wait|hang on|actually|i mean|i meant(?: to say)?|or rather|make (?:it|that)|scratch that|correction)`;
const SEP = String.raw`[\s,!.:;()—–-]+`;
/** Cues that say so on their own, after a space too ("october sorry, november"); the others need punctuation before them. */
const CUE_SAID = String.raw`(?:sorry|oops|whoops|my bad|i meant|i mean|no wait|no sorry|or rather|make that|scratch that)`;
const CUE = new RegExp(String.raw`(?:[,;:!?.(]\s*|\s[—–-]+\s*)(${CUE_WORD}(?:${SEP}${CUE_WORD})*)${SEP}|\s(${CUE_SAID}(?:${SEP}${CUE_WORD})*)${SEP}`);
/** A cue of "no" alone: with nothing of the same kind to replace, "no bots" is "without bots". */
const BARE_NO = /^(?:no|nope|nah)$/;
/** A cue of an apology alone ("…, sorry, for James"): nothing replaced, the words after it are added. */
const APOLOGY = /^(?:sorry|oops|whoops|my bad)$/;
const PREPOSITION = /^(?:for|on|at|in|from|during|over|of|by|per)\b/;
const BREAKDOWN = /\b(?:by|per|for each|for every|split by|broken down by)\s+(?:the\s+)?([a-z]+)\b/g;

type Kind = 'page' | 'agent' | 'reviewer' | 'topic' | 'period' | 'breakdown' | 'measure';
interface Span { start: number; end: number }

/** Where a name of `names` is said: the whole name, or a word of it (four letters or more) no other name has. */
function nameSpans(text: string, names: readonly string[]): Span[] {
  const out: Span[] = [];
  for (const n of names) {
    const words = n.toLowerCase().split(/[\s_]+/).filter((t) => t.length >= 4 && !names.some((o) => o !== n && o.toLowerCase().split(/[\s_]+/).includes(t)));
    for (const re of [phrase(n), ...words.map((t) => phrase(t))]) {
      for (const m of text.matchAll(new RegExp(re.source, 'g'))) out.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  return out;
}

function topicSpans(text: string, topics: readonly string[]): Span[] {
  const out = nameSpans(text, topics);
  for (const [re] of TOPIC_WORDS) {
    if (!topics.some((t) => re.test(t.toLowerCase().replace(/_/g, ' ')))) continue;
    for (const m of text.matchAll(new RegExp(re.source, 'g'))) out.push({ start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** The spans of each kind said in `text`. */
function spansOf(text: string, vocab: Vocabulary, now: Date, timeZone: string): Map<Kind, Span[]> {
  const kinds = new Map<Kind, Span[]>();
  // (a word of a name inside the whole name, "shoes" in "stride shoes", is no span of its own)
  const put = (k: Kind, spans: Span[]) => {
    const outer = spans.filter((s) => !spans.some((o) => o !== s && o.start <= s.start && o.end >= s.end && o.end - o.start > s.end - s.start));
    if (outer.length) kinds.set(k, outer.sort((a, b) => a.start - b.start));
  };
  // (breakdowns first: the word after "by" is no name of a page)
  const breakdowns = [...text.matchAll(BREAKDOWN)].filter((m) => DIMENSION_WORDS.some(([re]) => re.exec(m[1]!)?.index === 0)).map((m) => ({ start: m.index, end: m.index + m[0].length }));
  put('breakdown', breakdowns);
  put('page', nameSpans(text, vocab.pages));
  put('agent', nameSpans(text, vocab.agents));
  put('reviewer', nameSpans(text, vocab.reviewers ?? []));
  put('topic', topicSpans(text, vocab.topics ?? []));
  // ("no, the week before": a period counted back from the one it replaces is a period too)
  put('period', findPeriods(text, now, timeZone).map((p) => ({ start: p.start, end: p.end })));
  const measure = MEASURE_WORDS.map(([re]) => re.exec(text)).find((m) => m);
  if (measure) put('measure', [{ start: measure.index, end: measure.index + measure[0].length }]);
  return kinds;
}

/** "the week before" said to replace "last week": the week before that one, as dates (it has nothing to count back from once in place). */
function counted(said: string, before: string, now: Date, timeZone: string): string {
  const alone = findPeriods(said, now, timeZone);
  const previous = findPeriods(before, now, timeZone).filter((p) => p.kind === 'period').at(-1);
  if (!previous || previous.kind !== 'period' || !alone.some((p) => p.kind === 'unreadable')) return said;
  const back = findPeriods(said, now, timeZone, previous.period).find((p) => p.kind === 'period');
  if (!back || back.kind !== 'period') return said;
  return `${said.slice(0, back.start)}from ${back.period.from} to ${back.period.to}${said.slice(back.end)}`;
}

const NAMES: readonly Kind[] = ['page', 'agent', 'reviewer', 'topic'];

export type Correction = { text: string } | { refuse: string };

/**
 * The text with a correction inside it applied; `{ refuse }` when what it corrects is not clear.
 * A text without a cue comes back as it is.
 */
export function correctionIn(text: string, vocab: Vocabulary, now: Date, timeZone: string): Correction {
  const cue = CUE.exec(text);
  if (!cue || cue.index === 0) return { text };
  const cueWords = (cue[1] ?? cue[2]!).split(/[\s,!.:;()—–-]+/).filter(Boolean).join(' ');
  const afterCue = cue.index + cue[0].length;
  const cut = /[,;]/.exec(text.slice(afterCue));
  let said = text.slice(afterCue, cut ? afterCue + cut.index : text.length).trim();
  const rest = cut ? text.slice(afterCue + cut.index) : '';
  const before = text.slice(0, cue.index);
  if (!said) return { text };
  const bare = BARE_NO.test(cueWords);
  const replacing = spansOf(said, vocab, now, timeZone);
  // "no handoffs" after sessions is no other figure asked for: a figure is corrected only after a cue that says so
  if (bare) replacing.delete('measure');
  const replaced = spansOf(before, vocab, now, timeZone);
  const kinds = [...replacing.keys()];
  const found = kinds.filter((k) => replaced.has(k));
  // "handoffs for Voltix, no sorry, James": a name of another kind than the one said before, which it may replace or join
  const mixed = kinds.some((k) => NAMES.includes(k) && !replaced.has(k) && NAMES.some((o) => o !== k && replaced.has(o)));
  if (found.length && !mixed) {
    if (found.includes('period')) said = counted(said, before, now, timeZone);
    const spans = found.map((k) => replaced.get(k)!.at(k === 'measure' ? 0 : -1)!).sort((a, b) => b.start - a.start);
    let out = before;
    for (const s of spans) {
      // "for Stride … no, for Voltix": the preposition goes with what is replaced
      const prep = /\b(?:for|on|at|in|from|during|over|of)\s+$/.exec(out.slice(0, s.start));
      const from = prep && (kinds.length > 1 || PREPOSITION.test(said)) ? prep.index : s.start;
      out = `${out.slice(0, from)}${kinds.length === 1 ? said : ''}${out.slice(s.end)}`;
    }
    return { text: `${kinds.length > 1 ? `${out.trim()} ${said}` : out}${rest}`.replace(/\s+/g, ' ').trim() };
  }
  // ", no bots", ", no Voltix": nothing of their kind to replace, so they are left out ("no, Voltix only" is no leaving out)
  if (bare && !PREPOSITION.test(said) && !/\b(?:only|just|alone|instead)\b/.test(said)) return { text: `${before} without ${said}${rest}`.replace(/\s+/g, ' ').trim() };
  // "csat last week, sorry, for James": an apology, and nothing of that kind to replace or to mix up
  if (APOLOGY.test(cueWords) && kinds.length && !mixed) return { text: `${before}, ${said}${rest}`.replace(/\s+/g, ' ').trim() };
  return { refuse: `I could not tell what "${cueWords}, ${said}" corrects (a page replaces a page, an agent an agent, a period a period, a breakdown a breakdown); ask again with the whole question as you mean it` };
}
