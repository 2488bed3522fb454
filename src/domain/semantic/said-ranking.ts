// The ranking words of a question: top N, the place asked for ("the second best", "next to last",
// "the second one?" in a thread), a sort order, and which way round the ranking runs.
import { COUNT, countOf } from '../period-words.ts';
import { measureByName } from './catalogue.ts';
import type { Words } from './said-names.ts';
import type { UnderstandContext } from './said.ts';
import { DIRECTION_WORDS, type Direction } from './words.ts';

export function topNOf(w: Words): { limit?: number; bottom?: boolean } {
  // "top 3", "3 best", "worst 2 pages", "which 3 agents" (the ranking word itself is left for the direction)
  const m = w.take(new RegExp(`\\b(top|bottom)\\s+(${COUNT})\\b|\\b(${COUNT})(?=\\s+(?:best|worst|highest|lowest|slowest|fastest|busiest|quietest|most|least)\\b)|(?<=\\b(?:best|worst|highest|lowest|slowest|fastest|busiest|quietest|which|what)\\s+)(?!one\\b)(${COUNT})(?=\\s+[a-z])`));
  if (!m) return {};
  return { limit: countOf(m[2] ?? m[3] ?? m[4] ?? ''), ...(m[1] === 'bottom' ? { bottom: true } : {}) };
}

const PLACES: Record<string, number> = { second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, fifth: 5, '5th': 5, 'runner-up': 2, 'runner up': 2, runnerup: 2 };
const RANK_WORD = '(?:best|worst|busiest|quietest|highest|lowest|fastest|slowest|quickest|most|least|biggest|largest|smallest|strongest|weakest|longest|shortest|top|bottom)';
/** "the second best page", "third busiest hour", "came 2nd", "the runner-up": a place in a ranking. */
const PLACE = new RegExp(`\\b(second|2nd|third|3rd|fourth|4th|fifth|5th)(?=[- ]${RANK_WORD}\\b|\\s+(?:place|position)\\b)|\\brunner[- ]?up\\b|(?<=\\b(?:came|finished|ranked|placed) (?:in )?)(second|2nd|third|3rd|fourth|4th|fifth|5th)\\b`);
/** "in descending order", "lowest first": the rows sorted, none left out. */
export const SORT = /\b(?:in )?(?:descending|ascending|desc|asc) order\b|\b(?:descending|ascending)\b|\b(?:highest|lowest|biggest|smallest|most|fewest|largest|longest|shortest|slowest|fastest|best|worst) (?:ones? )?first\b/;

/** "which page came last": the last place of the ranking, i.e. the worst. */
const LAST_PLACE = /\b(?:came|finished|ranked|ranks|placed) (?:in )?last\b|\bin last place\b|\bdead last\b/;

/** "the second one?" after a breakdown: that row of it. */
const PLACE_ONE = /\b(?:the )?(second|2nd|third|3rd|fourth|4th|fifth|5th) one\b/;

/** "and second?", "the third?" alone after a breakdown: that row, as "the second one?" */
const BARE_PLACE = /^\s*(?:and |what about |how about )?(?:the )?(second|2nd|third|3rd|fourth|4th|fifth|5th)(?: place)?\s*[?.!]*\s*$/;

/** "next to last", "second from bottom", "penultimate": the second place counted from the end. */
const PLACE_FROM_END = /\b(?:next|second) (?:to|from) (?:the )?(?:last|bottom)\b|\bpenultimate\b/;

/** "who's third", "which page is 2nd": a place asked (read on the words as said; "who" is taken as the breakdown). */
const WHO_PLACE = /\b(?:who|which [a-z]+)(?:'s| is| was| came| comes| ranks?| ranked) (?:in )?(?:the )?(second|2nd|third|3rd|fourth|4th|fifth|5th)\b/;

function placeOf(w: Words): { place: number; fromEnd?: boolean } | undefined {
  if (w.take(PLACE_FROM_END)) return { place: 2, fromEnd: true };
  const m = w.take(PLACE);
  if (m) return { place: PLACES[(m[1] ?? m[2] ?? m[0]).toLowerCase()]! };
  const who = WHO_PLACE.exec(w.text);
  if (!who || !w.take(new RegExp(`\\b${who[1]}\\b`))) return undefined;
  return { place: PLACES[who[1]!]! };
}

/** The place asked for in a ranking, and which way round it runs. */
export function rankingWords(w: Words, measure: string | undefined, ctx: UnderstandContext, bottom: boolean): { place?: number; direction?: { dir: Direction; word: string } } {
  // ("the second one?" after a breakdown: its second row, in the order it was shown)
  const shown = ctx.previous?.query.groupBy ? w.take(PLACE_ONE) ?? w.take(BARE_PLACE) : undefined;
  const placed = shown ? { place: PLACES[shown[1]!]! } : placeOf(w);
  // "came second" with no ranking word: second most of a count, second best of anything else;
  // "next to last": second fewest of a count, second worst of anything else
  const counts = measure !== undefined && measureByName(measure)?.unit === 'count';
  const byPlace = placed?.fromEnd
    ? (counts ? { dir: 'asc' as const, word: 'fewest' } : { dir: 'worst' as const, word: 'worst' })
    : counts ? { dir: 'desc' as const, word: 'most' } : { dir: 'best' as const, word: 'best' };
  const asShown = shown ? { dir: ctx.previous!.query.order ?? ('desc' as const), word: 'top' } : undefined;
  // "the bottom 3 agents": the lowest figures first
  const direction = bottom ? { dir: 'asc' as const, word: 'bottom' } : directionOf(w) ?? asShown ?? (placed ? byPlace : undefined);
  return { ...(placed ? { place: placed.place } : {}), ...(direction ? { direction } : {}) };
}

function directionOf(w: Words): { dir: Direction; word: string } | undefined {
  if (w.take(LAST_PLACE)) return { dir: 'worst', word: 'worst' };
  for (const [re, dir] of DIRECTION_WORDS) {
    const m = w.take(re);
    if (m) return { dir, word: m[0] };
  }
  return undefined;
}
