// Words around period phrases: the cue that makes a period a comparison ("vs", "compared to"),
// the preposition that introduces one ("in", "on"), and period-looking phrases no rule read
// ("in the year of the dragon", "last blue moon"), which must be reported, never skipped.

import { MONTH_NAMES } from './period-words.ts';

/** Text ending in a comparison cue, matched against the text before a period phrase. */
export const COMPARE_CUE =
  /\b(?:vs|versus|compared (?:to|with)|comparing (?:it |this |that )?(?:to|with)|in comparison (?:to|with)|relative to|against|than)\.?\s+(?:(?:in|on|during|for|over) )?(?:the )?$/;

/** "compare X with Y": a connector that makes Y a comparison once the text says "compare". */
export const COMPARE_CONNECTOR = /\b(?:with|to|and)(?: (?:in|on|during|for|over))?(?: the)? $/;
export const COMPARE_WORD = /\b(?:compar\w*|differ\w*|vs|versus)\b/;

/** A change "from A to B": A is what B is compared with. */
export const CHANGE_FROM = /\b(?:chang\w*|went|go(?:ne)?|mov\w*|grow\w*|grew|drop\w*|fell|fall\w*|ris\w*|rose|improv\w*|declin\w*|shift\w*)\b.*\bfrom (?:the )?$/;

// Words that ask for a change or a comparison, as the question parser reads them ("changes" is the
// QA measure and "went to a human" a handoff, so neither is one).
const CHANGE_VERB =
  '\\b(?:chang(?:e|ed|ing)|drop(?:s|ped|ping)?|fell|fall(?:s|ing|en)?|declin(?:e|es|ed|ing)|decreas(?:e|es|ed|ing)|dip(?:s|ped)?|' +
  'ris(?:e|es|en|ing)|rose|increas(?:e|es|ed|ing)|gr[eo]w(?:s|n|th)?|climb(?:s|ed)?|jump(?:s|ed)?|(?:go|goes|going|went|gone) (?:up|down)|' +
  'improv(?:e|es|ed|ing|ements?)|worsen(?:s|ed|ing)?|(?:get|gets|getting|got|gotten) (?:better|worse))\\b';
/** A change "between A and B" (A and B whole periods): as "from A to B", A is what B is compared with. */
export const CHANGE_BETWEEN = new RegExp(`${CHANGE_VERB}.*\\bbetween (?:the )?$`);
/** Whether the text before a period ("how did CSI change between October ") asks for a change between it and the next one. */
export const changesBetween = (before: string) => new RegExp(`${CHANGE_VERB}.*\\bbetween\\b`, 'i').test(before);
/** A difference or comparison "between A and B": A against B, as "A vs B". */
export const COMPARE_BETWEEN = /\b(?:compar(?:e|ed|ing|ison)|difference)\b.*\bbetween (?:the )?$/;

/** A preposition that belongs to the period phrase after it ("in October", "on Monday"). */
export const LEAD_IN = /\b(?:in|on|between|during|for|over|within|throughout|at|of|from|to|until|till|through|since)(?: the)? $/;

export interface Span {
  start: number;
  end: number;
}

export interface UnreadSpan extends Span {
  /** introduced by "vs", "than"…: what the question compares with */
  comparison: boolean;
}

// Words that introduce a period. "since" and "ago" always do; the others only when a
// time word follows within three words ("in Voltix" is a page, "in the year of…" is not).
const CUE = /^(?:in|during|since|last|this|past|previous|between|from|on|next|until|till|before|after|vs|versus|than|against)$/;
const COMPARING = /^(?:vs|versus|than|against)$/;
const STOP = new Set([
  'by', 'per', 'and', 'or', 'with', 'vs', 'versus', 'compared', 'compare', 'than', 'at', 'to', 'which', 'what', 'who', 'how',
  'is', 'was', 'were', 'are', 'did', 'do', 'does', 'show', 'me', 'please', 'split', 'broken', 'across', 'where', 'when',
  'why', 'against', 'for', 'over', 'grouped', 'group', 'chart', 'plot', 'trend', 'csi',
  // "on Voltix each month": each and every start a breakdown, not a period
  'each', 'every',
]);
const MONTHS = MONTH_NAMES.filter((m) => m !== 'May').map((m) => m.toLowerCase());
const TIME_WORD = new RegExp(
  // "in the morning" is an hour-of-day filter, not a period, so parts of a day are not listed.
  '^(?:days?|weeks?|weekend|fortnights?|months?|years?|quarters?|half|hours?|minutes?|' +
    'tonight|moon|seasons?|summer|winter|spring|autumn|fall|holidays?|christmas|xmas|easter|decade|century|period|while|ages|' +
    'monday|tuesday|wednesday|thursday|friday|saturday|sunday|q[1-4]|h[12]|[wmqy]td|' +
    `${MONTHS.join('|')}|` +
    '\\d{1,4}[/.-]\\d{1,2}(?:[/.-]\\d{1,4})?\\.?|(?:19|20)\\d\\d|\\d{1,2}(?:st|nd|rd|th))$',
);
const WINDOW = 6;
const EVIDENCE_WITHIN = 3;

interface Word extends Span {
  text: string;
}

function wordsOf(lower: string): Word[] {
  return [...lower.matchAll(/[\p{L}\p{N}]+(?:[/.:-][\p{L}\p{N}]+)*\.?/gu)].map((m) => ({
    text: m[0].replace(/\.$/, ''), start: m.index, end: m.index + m[0].replace(/\.$/, '').length,
  }));
}

/**
 * Phrases that look like periods but that no rule read: a cue word not inside a read phrase,
 * followed (or, for "ago", preceded) by words that speak of time. Each span runs from the cue to
 * the last word before punctuation, a read phrase, a stop word or the window's end.
 */
export function unreadPhrases(lower: string, read: Span[]): UnreadSpan[] {
  const words = wordsOf(lower);
  const inRead = (w: Word) => read.some((s) => w.start < s.end && w.end > s.start);
  const broken = (a: Word, b: Word) => /[?!,;:()]/.test(lower.slice(a.end, b.start)) || read.some((s) => s.start >= a.end && s.start < b.end);
  const found: UnreadSpan[] = [];
  const taken = (i: number) => found.some((s) => words[i]!.start >= s.start && words[i]!.start < s.end);
  for (let i = 0; i < words.length; i++) {
    const cue = words[i]!;
    if (inRead(cue) || taken(i)) continue;
    if (cue.text === 'ago') {
      let j = i;
      while (j > 0 && i - j < 2 && !inRead(words[j - 1]!) && !STOP.has(words[j - 1]!.text) && !broken(words[j - 1]!, words[j]!)) j--;
      if (j < i) found.push({ start: words[j]!.start, end: cue.end, comparison: false });
      continue;
    }
    if (!CUE.test(cue.text)) continue;
    // "week on week", "month over month" are a breakdown, not a period
    if (i > 0 && i + 1 < words.length && /^(?:days?|weeks?|months?|quarters?|years?)$/.test(words[i - 1]!.text) && words[i - 1]!.text === words[i + 1]!.text) continue;
    let j = i;
    while (j + 1 < words.length && j - i < WINDOW && !broken(words[j]!, words[j + 1]!) && !inRead(words[j + 1]!) && !STOP.has(words[j + 1]!.text)) j++;
    if (j === i) continue;
    const timely = words.slice(i + 1, Math.min(j, i + EVIDENCE_WITHIN) + 1).some((w) => TIME_WORD.test(w.text));
    if (timely || cue.text === 'since') found.push({ start: cue.start, end: words[j]!.end, comparison: COMPARING.test(cue.text) });
  }
  return found;
}
