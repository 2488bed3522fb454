// Days and the words for them: YYYY-MM-DD arithmetic, month and number words, the date-token
// grammar, and how days are written in labels. periods.ts builds Periods on top of this; nothing
// here knows about Periods, so the two files import one way only.
// Names are spelled out rather than taken from Intl so labels never depend on ICU data.

// ── calendar arithmetic on YYYY-MM-DD (UTC date math, so no zone can shift a day) ─────────────

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
export const ymd = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
export const yearOf = (day: string) => Number(day.slice(0, 4));
export const monthOf = (day: string) => Number(day.slice(5, 7));
/** Date.UTC for any year: Date.UTC reads the years 0–99 as 1900–1999. */
export function utcMs(y: number, mo: number, d = 1, h = 0, mi = 0, s = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo, d);
  t.setUTCHours(h, mi, s, 0);
  return t.getTime();
}

export const lastDayOfMonth = (y: number, m: number) => new Date(utcMs(y, m, 0)).getUTCDate();

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Same day of month n months away, clamped to the month's end (31 Mar − 1 month = 28/29 Feb). */
export function addMonths(day: string, n: number): string {
  const index = yearOf(day) * 12 + monthOf(day) - 1 + n;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return ymd(y, m, Math.min(Number(day.slice(8, 10)), lastDayOfMonth(y, m)));
}

/** 1 = Monday … 7 = Sunday, as ISO weeks count. */
export function isoWeekday(day: string): number {
  return ((new Date(Date.parse(`${day}T00:00:00Z`)).getUTCDay() + 6) % 7) + 1;
}

const isValidDay = (y: number, m: number, d: number) => m >= 1 && m <= 12 && d >= 1 && d <= lastDayOfMonth(y, m);
export const isMonthEnd = (day: string) => Number(day.slice(8, 10)) === lastDayOfMonth(yearOf(day), monthOf(day));

// ── words ────────────────────────────────────────────────────────────────────────────────────

export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Regex source for a month word, full or abbreviated ("sept" too). Used with the `i` flag. */
export const MONTH_WORD =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

/** Full weekday names only: "sat", "sun" and "wed" are words too, and "Mondays" is a filter. */
export const WEEKDAY_WORD = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
// Abbreviations are read only in front of a date ("Mon 9 Nov"), as labels write them.
const WEEKDAY_PREFIX = '(?:\\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?,?\\s+)';

/** 1 = Monday … 7 = Sunday for a weekday word or abbreviation. */
export function weekdayNumber(word: string): number | undefined {
  const i = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].indexOf(word.toLowerCase().slice(0, 3));
  return i < 0 ? undefined : i + 1;
}

const UNIT_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TEN_WORDS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const NUMBER_WORDS: Record<string, number> = { 'couple of': 2, couple: 2, dozen: 12, 'a dozen': 12 };

/** Regex source for a count: digits, or a number in words up to 99 ("fifteen", "twenty-one", "twenty one"). */
export const COUNT =
  `(?:\\d{1,4}|(?:${TEN_WORDS.join('|')})(?:[- ](?:${UNIT_WORDS.slice(0, 9).join('|')}))?|${[...UNIT_WORDS].reverse().join('|')}|${Object.keys(NUMBER_WORDS).join('|')})`;

export function countOf(word: string): number | undefined {
  const w = word.toLowerCase();
  if (/^\d+$/.test(w)) return Number(w) > 0 ? Number(w) : undefined;
  const [tens, unit] = w.split(/[- ]/);
  const t = TEN_WORDS.indexOf(tens ?? '');
  const n = NUMBER_WORDS[w] ?? (t >= 0 ? (t + 2) * 10 + (unit ? UNIT_WORDS.indexOf(unit) + 1 : 0) : UNIT_WORDS.indexOf(w) + 1);
  return n > 0 ? n : undefined;
}

/** "first" … "fourth", "1st" … "4th" → 1–4, for quarters. */
export const ORDINAL_QUARTER = '(first|second|third|fourth|1st|2nd|3rd|4th)';
export const ordinalNumber = (word: string) => ['first', 'second', 'third', 'fourth'].indexOf(word) + 1 || Number(word.slice(0, 1));

/** 1–12 for a month word, undefined otherwise. */
export function monthNumber(word: string): number | undefined {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (w.length < 3) return undefined;
  const i = MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(w.slice(0, 3)));
  return i < 0 ? undefined : i + 1;
}

// The lookarounds keep "October 2025" from reading as "October 20" and "2025 Oct" as "25 Oct".
const DAY_NUM = '(?<![\\d-])\\d{1,2}(?:st|nd|rd|th)?(?![\\d:])';
const YEAR_TAIL = '(?:,?\\s+\\d{4}(?![\\d-]))?';

/** Regex source for one calendar day: "2026-11-02", "1 Nov", "1st of November 2026", "Nov 1, 2026". */
export const DATE_TOKEN =
  `(?:${WEEKDAY_PREFIX}?\\d{4}-\\d{2}-\\d{2}(?!\\d)` +
  `|${WEEKDAY_PREFIX}?(?:the\\s+)?${DAY_NUM}\\s+(?:of\\s+)?${MONTH_WORD}\\b\\.?${YEAR_TAIL}` +
  `|${WEEKDAY_PREFIX}?${MONTH_WORD}\\b\\.?\\s+(?:the\\s+)?${DAY_NUM}${YEAR_TAIL})`;

// ── dates written in text ────────────────────────────────────────────────────────────────────

export interface DateParts {
  year?: number;
  month: number;
  day: number;
  /** 1–7 when the text names the weekday too ("Mon 9 Nov"), to be checked against the date */
  weekday?: number;
}

/** Splits a string matched by DATE_TOKEN; the year stays unknown when the text leaves it out. */
export function dateParts(token: string): DateParts | undefined {
  const named = new RegExp(`^${WEEKDAY_PREFIX}`, 'i').exec(token);
  const weekday = named ? weekdayNumber(named[0]) : undefined;
  const rest = named ? token.slice(named[0].length) : token;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(rest);
  if (iso) return { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]), weekday };
  const monthWord = new RegExp(MONTH_WORD, 'i').exec(rest);
  const day = /(?<!\d)(\d{1,2})(?!\d)/.exec(rest);
  const year = /(\d{4})/.exec(rest);
  const month = monthWord ? monthNumber(monthWord[0]) : undefined;
  if (!month || !day) return undefined;
  return { year: year ? Number(year[1]) : undefined, month, day: Number(day[1]), weekday };
}

/** Resolves "2025", "last year", "this year" or nothing to a year number. */
export function yearRef(ref: string | undefined, today: string): number | undefined {
  if (!ref) return undefined;
  if (ref === 'last year') return yearOf(today) - 1;
  if (ref === 'this year') return yearOf(today);
  // "October '25": a two-digit year is this century's
  if (ref.startsWith("'")) return 2000 + Number(ref.slice(1));
  return Number(ref);
}

/**
 * Reads a numeric date: "25/11", "11/25", "25.11.2026", "2026/11/25". Day and month order is
 * whichever reading is a real date; when both are ("05/06", "12/11") and differ, the text is
 * ambiguous and the result says so rather than guessing a convention.
 */
export function numericDate(text: string): DateParts | 'ambiguous' | undefined {
  const m = /^(\d{1,4})[/.](\d{1,2})(?:[/.](\d{1,4}))?\.?$/.exec(text);
  if (!m) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), m[3] === undefined ? undefined : Number(m[3])];
  if ((m[1] ?? '').length === 4) return c !== undefined ? { year: a, month: b, day: c } : undefined;
  const year = c === undefined ? undefined : c < 100 ? 2000 + c : c;
  if (year !== undefined && year < 1000) return undefined;
  const fits = (month: number, day: number) => isValidDay(year ?? 2000, month, day);
  const dayFirst = fits(b, a);
  const monthFirst = fits(a, b);
  if (dayFirst && monthFirst && a !== b) return 'ambiguous';
  if (dayFirst) return { year, month: b, day: a };
  if (monthFirst) return { year, month: a, day: b };
  return undefined;
}

/**
 * A day written without a year: the latest one that has come, unless the next one is near (at most
 * NEAR_FUTURE_DAYS ahead, and nearer than the last): on 7 Dec 2026 "21 December" is 21 Dec 2026,
 * still to come (and refused as such), while on 18 Nov "1 March" is 1 Mar 2026, not next year's;
 * on 7 Jan 2027 "25 December" is 25 Dec 2026. Reports ask about what has happened, so a far date
 * is the past one.
 */
export function resolveDay(parts: DateParts, today: string, year?: number): string | undefined {
  const y = year ?? parts.year;
  if (y !== undefined) return isValidDay(y, parts.month, parts.day) ? ymd(y, parts.month, parts.day) : undefined;
  const days = (day: string) => (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000;
  const candidates = [yearOf(today) - 1, yearOf(today), yearOf(today) + 1]
    .filter((c) => isValidDay(c, parts.month, parts.day))
    .map((c) => ymd(c, parts.month, parts.day));
  const past = candidates.filter((d) => days(d) <= 0).pop();
  const next = candidates.find((d) => days(d) > 0);
  if (next && days(next) <= NEAR_FUTURE_DAYS && (!past || days(next) < -days(past))) return next;
  return past ?? next;
}

const NEAR_FUTURE_DAYS = 45;

// ── labels ───────────────────────────────────────────────────────────────────────────────────

function weekdayName(day: string): string {
  return WEEKDAY_NAMES[isoWeekday(day) % 7] ?? '';
}

function shortMonth(month: number): string {
  return (MONTH_NAMES[month - 1] ?? '').slice(0, 3);
}

/** "Mon 9 Nov" or, with the year, "Mon 9 Nov 2026". */
export function formatDay(day: string, withYear = true, withWeekday = true): string {
  const text = `${Number(day.slice(8, 10))} ${shortMonth(Number(day.slice(5, 7)))}`;
  const dated = withWeekday ? `${weekdayName(day)} ${text}` : text;
  return withYear ? `${dated} ${day.slice(0, 4)}` : dated;
}

/** "Mon 9 Nov – Sun 15 Nov 2026"; the year is written once unless the range spans two. */
export function formatRange(from: string, to: string, withWeekday = true): string {
  if (from === to) return formatDay(from, true, withWeekday);
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  return `${formatDay(from, !sameYear, withWeekday)} – ${formatDay(to, true, withWeekday)}`;
}

export function formatMonth(year: number, month: number): string {
  return `${MONTH_NAMES[month - 1] ?? ''} ${year}`;
}
