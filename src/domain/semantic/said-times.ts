// The days of the week and the hours of the day a question filters by ("on weekdays",
// "excluding Mondays", "between 9am and 5pm"), as the weekday and hour dimensions' values.
import { LEAVE_OUT, WEEKDAYS } from './words.ts';

const WORKING_DAYS = WEEKDAYS.slice(0, 5);
const dayName = (d: string) => d[0]!.toUpperCase() + d.slice(1);

/**
 * Weekdays asked for: named ones ("on Mondays"), weekends, "on weekdays" (Monday to Friday), and
 * any of them left out ("excluding weekends", "except Mondays"): then the other days.
 */
const clock = (h: string, ampm: string | undefined): number => (Number(h) % 12) + (ampm === 'pm' ? 12 : 0) + (ampm === undefined && Number(h) === 24 ? -12 : 0);
const CLOCK = '(\\d{1,2})(?::00)?\\s*(am|pm)?';

/**
 * Hours of the day named as clock times: "between 9am and 5pm" is 09:00–16:59 ("between 6pm and 9am"
 * runs over midnight), "after 6pm"
 * 18:00–23:59, "before 8am" 00:00–07:59 (the hour dimension's values). Undefined when none is named;
 * "invalid" when a clock time is named that does not read as a whole hour.
 */
export function hoursOf(said: string): string[] | 'invalid' | undefined {
  // midnight and noon are clock times too ("between 8pm and midnight")
  const text = said.replace(/\bmidnight\b/g, '12am').replace(/\bnoon\b/g, '12pm');
  const between = new RegExp(`\\b(?:between|from)\\s+${CLOCK}\\s+(?:and|to|until|till|-)\\s+${CLOCK}`).exec(text);
  const after = new RegExp(`\\b(?:after|since|from)\\s+${CLOCK}(?!\\s*(?:and|to|until|till|-))`).exec(text);
  const before = new RegExp(`\\b(?:before|until|till)\\s+${CLOCK}`).exec(text);
  const hoursFrom = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
  // "between 6pm and 9am" runs over midnight: 18:00–23:59 and 00:00–08:59
  const range = (from: number, to: number) =>
    from < 0 || to > 24 || from === to ? ('invalid' as const) : from < to ? hoursFrom(from, to) : [...hoursFrom(from, 24), ...hoursFrom(0, to)];
  // a bare number after "between" or "from" is a date ("from 1 to 10 November"): only clock times with am/pm or a colon count
  if (between && (between[2] || between[4])) return range(clock(between[1]!, between[2] ?? between[4]), clock(between[3]!, between[4] ?? between[2]));
  if (after?.[2]) return range(clock(after[1]!, after[2]), 24);
  if (before?.[2]) return range(0, clock(before[1]!, before[2]));
  // "at 3pm", "in the 10am hour": that whole hour
  const hour = new RegExp(`\\b(?:at|around|in the)\\s+${CLOCK}(?:\\s+hour)?\\b`).exec(text);
  if (hour?.[2] && (hour[0].startsWith('at') || hour[0].startsWith('around') || hour[0].endsWith('hour'))) {
    const h = clock(hour[1]!, hour[2]);
    return range(h, h + 1);
  }
  if (/\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b/.test(text)) return 'invalid';
  return undefined;
}

/**
 * Parts of the day said in words ("in the mornings", "on weekday evenings", "after hours"): which
 * hours they cover is a guess, so they are named back with whole hours to ask instead.
 */
export const DAY_PARTS =
  /\b(?:(?:in|during|on|at) (?:the )?)?(?:(?:weekday|weekend|every|each) )?(?:mornings?|afternoons?|evenings?|nights?|night[- ]?time|overnight|lunch ?times?|after[- ]hours|out of hours|outside (?:of )?(?:business|office|working) hours|(?:business|office|working) hours)\b/;

export function weekdaysOf(text: string): string[] {
  const out = (re: string) => new RegExp(`(?:\\b(?:${LEAVE_OUT}|not(?: on)?)\\s+(?:the\\s+|on\\s+)?|\\bnon-)(?:${re})\\b`).test(text);
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
