// A candidate period phrase: where it stands in the lowered question and what it reads as.
// periods.ts finds and places candidates, period-compose.ts builds larger ones from them; both
// use these, so they live below both and each file imports one way only.

import type { Reading, Refusal, Rule } from './period-rules.ts';
import type { Period } from './period-build.ts';
import type { Span } from './period-cues.ts';

export interface Candidate extends Span {
  order: number;
  /** "the start of October", "the end of last month": a day only as a bound of "since" or a range, vague alone */
  bound?: { side: 'start' | 'end'; day: Period };
  reading?: Reading;
  relative?: { rule: Rule; m: RegExpExecArray };
  /** the rule and match of a phrase read from today that reads otherwise as a comparison */
  comparable?: { rule: Rule; m: RegExpExecArray };
}

export const isRefusal = (r: Reading | undefined): r is Refusal => r !== undefined && 'refused' in r;
export const periodOf = (c: Candidate) => (c.reading && !isRefusal(c.reading) ? c.reading : undefined);

/** Leftmost, then longest, then the rule listed first; overlapping candidates are dropped. */
export function select(cands: Candidate[]): Candidate[] {
  const sorted = [...cands].sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || a.order - b.order);
  const chosen: Candidate[] = [];
  for (const c of sorted) if (!chosen.some((k) => c.start < k.end && c.end > k.start)) chosen.push(c);
  return chosen;
}
