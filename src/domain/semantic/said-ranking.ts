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

const ORDINALS = ['second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
const NUMBERS = ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** A place from second to tenth: "sixth", "6th", "#6", "number six", "no. 6". */
const NTH = `(?:${ORDINALS.join('|')}|(?:[2-9]|10)(?:st|nd|rd|th)|(?:#|\\bnumber |\\bno\\. ?)(?:10|[2-9]|${NUMBERS.join('|')})(?![0-9]))`;

/** The place a word names: "sixth", "6th", "#6", "number six" = 6; "runner-up" = 2. */
export function placeNumber(word: string): number {
  const w = word.toLowerCase().replace(/^(?:#|number |no\. ?)/, '');
  if (/^runner/.test(w)) return 2;
  const digits = /^(\d+)/.exec(w);
  if (digits) return Number(digits[1]);
  return ORDINALS.includes(w) ? ORDINALS.indexOf(w) + 2 : NUMBERS.indexOf(w) + 2;
}

const RANK_WORD = '(?:best|worst|busiest|quietest|highest|lowest|fastest|slowest|quickest|most|least|biggest|largest|smallest|strongest|weakest|longest|shortest|top|bottom)';
/** "the second best page", "third busiest hour", "came 2nd", "the runner-up": a place in a ranking. */
const PLACE = new RegExp(`(?<![a-z0-9])(${NTH})(?=[- ]${RANK_WORD}\\b|\\s+(?:place|position)\\b)|\\brunner[- ]?up\\b|(?<=\\b(?:came|finished|ranked|placed) (?:in )?)(${NTH})(?![a-z0-9])`);
/** "in descending order", "lowest first": the rows sorted, none left out. */
export const SORT = /\b(?:in )?(?:descending|ascending|desc|asc) order\b|\b(?:descending|ascending)\b|\b(?:highest|lowest|biggest|smallest|most|fewest|largest|longest|shortest|slowest|fastest|best|worst) (?:ones? )?first\b/;

/** "which page came last": the last place of the ranking, i.e. the worst. */
const LAST_PLACE = /\b(?:came|finished|ranked|ranks|placed) (?:in )?last\b|\bin last place\b|\bdead last\b/;

/** "the second one?", "#2", "and number three?" after a breakdown: that row of it. */
const PLACE_ONE = new RegExp(`(?<![a-z0-9])(?:the )?(${NTH}) one\\b`);
/** The words a short follow-up may start with: "and", "ok, and", "so what about". */
const LEAD = '(?:(?:and|so|ok|okay|then|now|what about|how about),? )*';
const BARE_PLACE = new RegExp(`^\\s*${LEAD}(?:the )?(${NTH})(?: place| one| row| spot| position)?(?: then)?\\s*[?.!]*\\s*$`);

/** "the last one?", "who's last?", "in last place?" after a breakdown: the last row as it was ordered. */
const LAST_SHOWN = new RegExp(`^\\s*${LEAD}(?:(?:who|which [a-z]+|what)(?:'s| is| was| came| comes| finished| ranks?| ranked) (?:in )?)?(?:the )?(?:very )?last(?: one| place| row| spot| position)?(?: then)?\\s*[?.!]*\\s*$|\\b(?:in|at) last place\\b|\\bdead last\\b|\\b(?:came|finished|ranked|placed) (?:in )?last\\b(?! (?:week|month|year|quarter|day|time|\\d))`);

/** "and after that?", "the next one?", "who's next?" after a place was named: the place after it. */
const NEXT_PLACE = new RegExp(`^\\s*${LEAD}(?:(?:who|which [a-z]+|what)(?:'s| is| comes| came) )?(?:the )?(?:next(?: one| place| row| best| worst)?(?: down| after that)?|(?:the )?(?:one )?after (?:that|them|him|her|it)|(?:and )?then)\\s*[?.!]*\\s*$`);

/** "next to last", "second from bottom", "penultimate": the second place counted from the end. */
const PLACE_FROM_END = /\b(?:next|second) (?:to|from) (?:the )?(?:last|bottom)\b|\bpenultimate\b/;

/** "who's third", "which page is 2nd", "who's number six": a place asked (read on the words as said; "who" is taken as the breakdown). */
const WHO_PLACE = new RegExp(`\\b(?:who|which [a-z]+)(?:'s| is| was| came| comes| ranks?| ranked) (?:in )?(?:the )?(${NTH})(?![a-z0-9])`);

function placeOf(w: Words): { place: number; fromEnd?: boolean } | undefined {
  if (w.take(PLACE_FROM_END)) return { place: 2, fromEnd: true };
  const m = w.take(PLACE);
  if (m) return { place: placeNumber(m[1] ?? m[2] ?? m[0]) };
  const who = WHO_PLACE.exec(w.text);
  if (!who || !w.take(new RegExp(`(?<![a-z0-9])${who[1]!.replace(/[.#]/g, '\\$&')}(?![a-z0-9])`))) return undefined;
  return { place: placeNumber(who[1]!) };
}

const BARE_RANK = new RegExp(`^\\s*${LEAD}(?:(?:who|which|what)(?:'s| is| was) )?(?:the )?(?:very )?${RANK_WORD}(?: one)?\\s*[?.!]*\\s*$`);

/** The other end of a ranking word: the last row of a table ranked "slowest" first is the fastest. */
const OPPOSITE: Readonly<Record<string, string>> = {
  best: 'worst', worst: 'best', slowest: 'fastest', fastest: 'slowest', quickest: 'slowest', busiest: 'quietest', quietest: 'busiest',
  highest: 'lowest', lowest: 'highest', most: 'fewest', fewest: 'most', least: 'most', top: 'bottom', bottom: 'top', strongest: 'weakest', weakest: 'strongest',
  longest: 'shortest', shortest: 'longest', biggest: 'smallest', smallest: 'biggest', largest: 'smallest',
};

/** The previous question's ranking as shown: its order (a breakdown not by time is shown highest first) and its word. */
function shownRanking(previous: UnderstandContext['previous']): { dir: 'asc' | 'desc'; word: string } | undefined {
  const q = previous?.query;
  if (!q?.groupBy || previous!.change) return undefined;
  const timed = ['day', 'week', 'month', 'hour'].includes(q.groupBy);
  if (timed && !q.order) return undefined;
  const dir = q.order ?? 'desc';
  return { dir, word: previous!.winner ?? (dir === 'asc' ? 'lowest' : 'top') };
}

/** The place asked for in a ranking, and which way round it runs. */
export function rankingWords(w: Words, measure: string | undefined, ctx: UnderstandContext, bottom: boolean): { place?: number; direction?: { dir: Direction; word: string }; one?: boolean } {
  const shownAs = shownRanking(ctx.previous);
  // "slowest?", "busiest one?" alone after a breakdown: the one that ranks so, named
  const one = ctx.previous?.query.groupBy !== undefined && BARE_RANK.test(w.text);
  // "the last one?", "who's last?" after a table: its last row, i.e. the table ranked the other way round
  // (read on the words as said: "who" is taken as the breakdown)
  if (shownAs && LAST_SHOWN.test(w.text) && (w.take(LAST_SHOWN) ?? w.take(/\b(?:very )?last(?: one| place| row| spot| position)?\b/))) {
    const dir = shownAs.dir === 'asc' ? 'desc' : 'asc';
    return { direction: { dir, word: OPPOSITE[shownAs.word] ?? (dir === 'asc' ? 'lowest' : 'highest') }, one: true };
  }
  // "and after that?" after a place was named: the next place, the same way round
  if (shownAs && ctx.previous?.winner && NEXT_PLACE.test(w.text) && w.take(/\bnext(?: one| place| row| best| worst)?(?: down| after that)?\b|\b(?:one )?after (?:that|them|him|her|it)\b|\bthen\b/)) return { place: (ctx.previous.place ?? 1) + 1, direction: shownAs, one: true };
  // ("the second one?" after a breakdown: its second row, in the order it was shown)
  const shown = ctx.previous?.query.groupBy ? w.take(PLACE_ONE) ?? w.take(BARE_PLACE) : undefined;
  const placed = shown ? { place: placeNumber(shown[1]!) } : placeOf(w);
  // "came second" with no ranking word: second most of a count, second best of anything else;
  // "next to last": second fewest of a count, second worst of anything else
  const counted = measure ?? ctx.previous?.query.measure;
  const counts = counted !== undefined && measureByName(counted)?.unit === 'count';
  const byPlace = placed?.fromEnd
    ? (counts ? { dir: 'asc' as const, word: 'fewest' } : { dir: 'worst' as const, word: 'worst' })
    : counts ? { dir: 'desc' as const, word: 'most' } : { dir: 'best' as const, word: 'best' };
  // a place after a ranked table ("the runner-up?" after "who's slowest?"): counted the way it was ranked
  // ("who's third?" after a table in no asked order: third best, as a place reads)
  const asShown = placed && !placed.fromEnd && (shown || ctx.previous?.query.order) ? shownAs ?? (shown ? { dir: 'desc' as const, word: 'top' } : undefined) : undefined;
  // "the bottom 3 agents": the lowest figures first
  const direction = bottom ? { dir: 'asc' as const, word: 'bottom' } : directionOf(w) ?? asShown ?? (placed ? byPlace : undefined);
  return { ...(placed ? { place: placed.place } : {}), ...(direction ? { direction } : {}), ...(one && direction ? { one } : {}) };
}

function directionOf(w: Words): { dir: Direction; word: string } | undefined {
  if (w.take(LAST_PLACE)) return { dir: 'worst', word: 'worst' };
  for (const [re, dir] of DIRECTION_WORDS) {
    const m = w.take(re);
    if (m) return { dir, word: m[0] };
  }
  return undefined;
}
