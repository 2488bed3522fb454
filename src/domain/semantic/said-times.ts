// The days of the week and the hours of the day a question filters by ("on weekdays",
// "excluding Mondays", "between 9am and 5pm"), as the weekday and hour dimensions' values.
import { MONTH_WORD } from '../period-words.ts';
import type { Period } from '../periods.ts';
import { THRESHOLD, WEEKDAYS, leavesOut } from './words.ts';

const WORKING_DAYS = WEEKDAYS.slice(0, 5);
const dayName = (d: string) => d[0]!.toUpperCase() + d.slice(1);

/**
 * Weekdays asked for: named ones ("on Mondays"), weekends, "on weekdays" (Monday to Friday), and
 * any of them left out ("excluding weekends", "except Mondays"): then the other days.
 */
const clock = (h: string, ampm: string | undefined): number => (Number(h) % 12) + (ampm === 'pm' ? 12 : 0) + (ampm === undefined && Number(h) === 24 ? -12 : 0);
const CLOCK = '(\\d{1,2})(?::00)?\\s*(am|pm)?';

/** Hours read, a clock time that is not a whole hour ("invalid"), or bare hours whose reading would be a guess. */
export type Hours = string[] | 'invalid' | { ambiguous: string; why: string };

// Bare numbers as hours: what may follow them ("between 9 and 11 last week", "9-11 on Mondays", "from 13 to 15?"):
// a period, a filter, the end of the question; never a month, a unit or a noun ("between 3 and 9 November", "between 3 and 5 messages")
const THEN = `(?=\\s*(?:$|[?!.,;)&+/]|o'?clock\\b|(?:on|in|of|during|for|over|at|last|this|past|previous|yesterday|today|the|each|every|since|by|per|across|and|but|vs|versus|compared|against|only|from|utc|gmt|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|weekdays?|weekends?|a week ago|\\d+ (?:days?|weeks?) ago)\\b))(?!\\s*(?:of\\s+)?${MONTH_WORD}\\b)`;
const BARE = '(\\d{1,2})(?::(\\d{2}))?';
// ("9 to 11" without "from": not after a ranking or a count back, "top 3 to 5", "last 9 to 11")
const BARE_RANGE = new RegExp(`(?:\\b(?:between|from)\\s+${BARE}\\s+(?:and|to|until|till|through|thru|-|–)\\s+|(?<![\\w/.:-])(?<!\\b(?:top|bottom|last|past|next|first|previous)\\s)${BARE}(?:\\s*[-–]\\s*|\\s+(?:to|until|till)\\s+))${BARE}(?![\\w/.:%-])${THEN}`);
const SECOND_RANGE = /^\s*(?:,|and|&|\+|plus|or)\s+(?:(?:between|from|after|before|at)\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm)?\b(?!\s*(?:st|nd|rd|th|days?|weeks?|months?)\b)/;
const SCORED = /\b(?:csat|csi|ces|scores?|scored|ratings?|rated|sentiment|empathy|effort|efficiency|effectiveness|stars?)(?:\s+(?:answers|responses|was|were|is|are|of))?\s+$/;
const BARE_ONE = new RegExp(`\\b(after|since|before|until|till|at|around)\\s+${BARE}(?![\\w/.:%-])${THEN}`);

/**
 * Hours said with no am/pm, on the 24-hour clock: "between 9 and 11" is 09:00–10:59, "from 22 to 6"
 * runs over midnight, "after 17" is 17:00–23:59. Read only where nothing else reads the numbers
 * (not "between 3 and 9 November", "between 3 and 5 messages", "CSAT between 3 and 5"). A reading
 * that would be a guess is refused (`ambiguous`): over a month or longer ("between 3 and 9 last month"
 * may be days), hours 1–12 that a 12-hour clock reads otherwise ("between 1 and 5", "after 6",
 * "between 10 and 2"); minutes other than :00 are no whole hour ("between 9:30 and 11").
 */
function bareHours(text: string, period: Period | undefined): Hours | undefined {
  const r = BARE_RANGE.exec(text);
  const one = r ? undefined : BARE_ONE.exec(text);
  if (!r && !one) return undefined;
  // ("CSAT between 3 and 5" is a threshold; "csat answers between 3 and 5" may be scores)
  if (r && THRESHOLD.exec(text)?.[0].startsWith('between')) return undefined;
  const said = (r ?? one)![0].trim();
  // "between 9 and 11 and 14 and 16": a second range of hours is not read, so neither is taken
  if (SECOND_RANGE.test(text.slice((r ?? one)!.index + (r ?? one)![0].length))) return 'invalid';
  if (r && SCORED.test(text.slice(0, r.index))) return { ambiguous: said, why: 'may be scores or hours of the day' };
  const [h1, m1, h2, m2] = r ? [r[1] ?? r[3], r[2] ?? r[4], r[5], r[6]] : [one![2], one![3], undefined, undefined];
  if ([m1, m2].some((m) => m !== undefined && m !== '00')) return 'invalid';
  const [a, b] = [Number(h1), h2 === undefined ? undefined : Number(h2)];
  if (a > 24 || (b !== undefined && b > 24)) return undefined;
  const guess = (why: string) => ({ ambiguous: said, why });
  if (period && ['month', 'quarter', 'year'].includes(period.granularity) && a >= 1 && (b === undefined || b >= 1)) {
    return guess('may be hours of the day or days of the month');
  }
  const from = a % 24;
  if (b === undefined) {
    if (from >= 1 && from <= 12) return guess('may be morning or evening');
    const word = one![1]!;
    return /^(?:after|since)$/.test(word) ? hoursFrom(from, 24) : /^(?:before|until|till)$/.test(word) ? hoursFrom(0, from) : [String(from)];
  }
  // both ends 1–12: the 24-hour reading is taken for a morning ("between 9 and 11", "from 7 to 12"), not where a 12-hour clock reads pm ("between 1 and 5", "between 10 and 2")
  if (from >= 1 && from <= 12 && b >= 1 && b <= 12 && (from < 7 || b <= from)) return guess('may be morning or afternoon');
  return clockRange(from, b);
}

const hoursFrom = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
// "between 6pm and 9am" runs over midnight: 18:00–23:59 and 00:00–08:59
const clockRange = (from: number, to: number): Hours =>
  from < 0 || to > 24 || from === to ? 'invalid' : from < to ? hoursFrom(from, to) : [...hoursFrom(from, 24), ...hoursFrom(0, to)];

/**
 * Hours of the day named as clock times: "between 9am and 5pm" is 09:00–16:59 ("between 6pm and 9am"
 * runs over midnight), "after 6pm"
 * 18:00–23:59, "before 8am" 00:00–07:59 (the hour dimension's values), and bare hours as bareHours
 * reads them. Undefined when none is named; "invalid" when a clock time is named that does not read
 * as a whole hour. `period`: the period the hours fall in, which tells days from hours.
 */
export function hoursOf(said: string, period?: Period): Hours | undefined {
  // midnight and noon are clock times too ("between 8pm and midnight")
  const text = said.replace(/\bmidnight\b/g, '12am').replace(/\bnoon\b/g, '12pm');
  // ("9-11am", "9am-11": a dash joins two clock times as "between … and …" does)
  const between = new RegExp(`\\b(?:between|from)\\s+${CLOCK}\\s+(?:and|to|until|till|-|–)\\s+${CLOCK}`).exec(text) ?? new RegExp(`(?<![\\w/.:-])${CLOCK}\\s*[-–]\\s*${CLOCK}\\b`).exec(text);
  const after = new RegExp(`\\b(?:after|since|from)\\s+${CLOCK}(?!\\s*(?:and|to|until|till|-))`).exec(text);
  const before = new RegExp(`\\b(?:before|until|till)\\s+${CLOCK}`).exec(text);
  // a bare number after "between" or "from" is a date ("from 1 to 10 November") or an hour (bareHours): only clock times with am/pm count here
  if (between && (between[2] || between[4])) return clockRange(clock(between[1]!, between[2] ?? between[4]), clock(between[3]!, between[4] ?? between[2]));
  if (after?.[2]) return clockRange(clock(after[1]!, after[2]), 24);
  if (before?.[2]) return clockRange(0, clock(before[1]!, before[2]));
  // "at 3pm", "in the 10am hour": that whole hour
  const hour = new RegExp(`\\b(?:at|around|in the)\\s+${CLOCK}(?:\\s+hour)?\\b`).exec(text);
  if (hour?.[2] && (hour[0].startsWith('at') || hour[0].startsWith('around') || hour[0].endsWith('hour'))) {
    const h = clock(hour[1]!, hour[2]);
    return clockRange(h, h + 1);
  }
  if (/\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b/.test(text)) return 'invalid';
  return bareHours(text, period);
}

/**
 * Parts of the day said in words ("in the mornings", "on weekday evenings", "after hours"): which
 * hours they cover is a guess, so they are named back with whole hours to ask instead.
 */
export const DAY_PARTS =
  /\b(?:(?:in|during|on|at) (?:the )?)?(?:(?:weekday|weekend|every|each) )?(?:mornings?|afternoons?|evenings?|nights?|night[- ]?time|overnight|lunch ?times?|after[- ]hours|out of hours|outside (?:of )?(?:business|office|working) hours|(?:business|office|working) hours)\b/;

export function weekdaysOf(text: string): string[] {
  const out = (re: string) => leavesOut(`${re}\\b`, text, String.raw`(?:the\s+|on\s+)?`) || new RegExp(`\\bnot(?: on)?\\s+(?:the\\s+|on\\s+)?(?:${re})\\b`).test(text);
  const named = WEEKDAYS.filter((d) => new RegExp(`\\b${d}s\\b`).test(text));
  const left = new Set<string>(named.filter((d) => out(`${d}s`)));
  if (out('weekends?')) left.add('saturday').add('sunday');
  let days: string[] = named.filter((d) => !left.has(d));
  if (/\bweekends?\b/.test(text) && !out('weekends?')) days.push('saturday', 'sunday');
  // "on weekdays", "weekdays only": the working week (by/per/which weekday is a breakdown)
  // ("the top 2 weekdays", "busiest weekdays": weekdays ranked, a breakdown too)
  if (/(?<!\b(?:by|per|each|every|which|what|across|top|bottom|best|worst|busiest|quietest|highest|lowest|\d+|two|three|four|five)\s+)(?<!-)\bweekdays\b/.test(text)) days.push(...WORKING_DAYS);
  if (left.size && days.length === 0) days = WEEKDAYS.filter((d) => !left.has(d));
  return [...new Set(days)].filter((d) => !left.has(d)).map(dayName);
}
