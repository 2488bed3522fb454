// The period grammar: each rule reads one phrase into a Period, or into a reason it cannot be
// read. Phrases are built from a few parts — units (day … year, fortnight), counts ("7",
// "two", "a couple of"), directions (this / last / next) and anchors (today, a named day,
// month or quarter, the period already under discussion) — so the rules are combinations of
// those parts rather than a list of fixed phrases. periods.ts runs them over a question.

import { daysBetween } from './days.ts';
import {
  COUNT, DATE_TOKEN, MONTH_WORD, ORDINAL_QUARTER, WEEKDAY_WORD, addDays, countOf, dateParts, formatDay, monthOf, ordinalNumber, resolveDay, yearOf, yearRef, ymd,
} from './period-words.ts';
import {
  make, previousPeriod, rolling, sameLast, shiftBack, stepDay, toDate, unitContaining, unitFromToday, type RollingUnit, type Unit,
} from './period-build.ts';
import {
  dayFrom, dayNumberRange, dayNumbersOfMonth, direction, half, isoWeek, monthNamed, numericDay, quarter, range, unitOf, weekday, weekend, type Rule,
} from './period-readers.ts';

export type { Reading, Refusal, Rule, RuleContext } from './period-readers.ts';
import type { Refusal } from './period-readers.ts';

const UNIT = '(day|week|month|quarter|year)';
const UNITS = '(days?|weeks?|fortnights?|months?|quarters?|years?)';
const YEAR_REF = "(\\d{4}(?![\\d-])|'\\d{2}(?![\\d-])|last year|this year|next year)";
const THIS = '(?:this|current|the current)';
const LAST = '(?:last|previous|prior|the previous|the prior)';
const NEXT = '(?:next|coming|the coming|the next)';
const WHOLE_DAYS = 'periods are whole days in the business timezone';
/** The fewest days a unit has: a period no longer than that fits inside one. */
const MIN_DAYS: Record<RollingUnit, number> = { day: 1, week: 7, fortnight: 14, month: 28, quarter: 89, year: 365 };

const NAMED_DAY =
  "christmas(?: eve| day| holidays?| period| break| week| season)?|xmas(?: eve| day)?|boxing day|new year'?s?(?: eve| day)?|" +
  "(?:black|good) friday|cyber monday|easter(?: sunday| monday| weekend| holidays?)?|thanksgiving|halloween|valentine'?s(?: day)?|" +
  '(?:chinese|lunar) new year|hanukkah|diwali|ramadan|eid';
/** Month and day of the named days whose date never moves, for the hint. */
const FIXED_DAYS: [RegExp, number, number][] = [
  [/^(?:christmas|xmas)(?: day)?$/, 12, 25], [/^(?:christmas|xmas) eve$/, 12, 24], [/^boxing day$/, 12, 26],
  [/^new year'?s? eve$/, 12, 31], [/^new year'?s? day$/, 1, 1], [/^halloween$/, 10, 31], [/^valentine'?s(?: day)?$/, 2, 14],
];

function namedDay(dir: string | undefined, name: string, yearText: string | undefined, today: string): Refusal {
  const refused = 'holidays and named days are not read as periods; name the dates';
  const fixed = FIXED_DAYS.find(([re]) => re.test(name));
  if (!fixed) return { refused };
  const [, month, day] = fixed;
  const n = direction(dir === 'the' ? undefined : dir);
  let year = yearRef(yearText, today) ?? yearOf(today);
  // alone, the nearest such day, as a date without a year ("over christmas" on 7 Dec: 25 Dec 2026)
  if (yearText === undefined && n === undefined) year = yearOf(resolveDay({ month, day }, today) ?? today);
  if (yearText === undefined && n === -1 && ymd(year, month, day) > today) year -= 1;
  if (yearText === undefined && n === -1 && ymd(year, month, day) === today) year -= 1;
  if (yearText === undefined && n === 1 && ymd(year, month, day) <= today) year += 1;
  return { refused, hint: formatDay(ymd(year, month, day), true, false) };
}

// Rules are tried everywhere in the text; where matches overlap the longest wins, and at equal
// length the rule listed first.
export const RULES: Rule[] = [
  {
    re: /\b(?:the )?day before yesterday\b/g,
    build: (_m, { today }) => make('day', addDays(today, -2), addDays(today, -2), 'the day before yesterday'),
  },
  {
    re: /\b(?:the )?day after tomorrow\b/g,
    build: (_m, { today }) => make('day', addDays(today, 2), addDays(today, 2), 'the day after tomorrow'),
  },
  {
    re: /\b(?:the )?(week|month|quarter|year) before last\b/g,
    build: (m, { today }) => unitFromToday(m[1] as Unit, today, -2, `the ${m[1]} before last`),
  },
  {
    // "previous" counts from today, except in a comparison: "October vs the previous month".
    re: new RegExp(`\\b(?:the )?(?:previous|prior|preceding) (?:(${COUNT}) )?${UNITS}\\b(?! of\\b)`, 'g'),
    relative: true,
    build: (m, { anchor, comparing, today }) => {
      const unit = unitOf(m[2] ?? 'day');
      const n = m[1] === undefined ? undefined : countOf(m[1]);
      if (m[1] !== undefined && (!n || n > 3660)) return undefined;
      if (comparing && anchor) {
        if (n === undefined) return unit === 'fortnight' ? rolling(1, unit, addDays(anchor.from, -1), 'the fortnight before') : shiftBack(anchor, unit);
        return rolling(n, unit, addDays(anchor.from, -1), `the ${n} ${unit}${n === 1 ? '' : 's'} before`);
      }
      if (n !== undefined) return rolling(n, unit, today);
      return unit === 'fortnight' ? rolling(1, unit, today, 'past fortnight') : unitFromToday(unit, today, -1, `last ${unit}`);
    },
  },
  {
    // ISO week numbers: "week 46", "week 46 of 2025"; a week not yet begun this year is last year's.
    // ("by day of week 2 weeks ago": the number counts the units after it, not a week of the year)
    re: new RegExp(`\\b(?:iso |calendar )?week (\\d{1,2})(?:,? (?:of )?${YEAR_REF})?\\b(?! ${UNITS}\\b)`, 'g'),
    build: (m, { today }) => isoWeek(Number(m[1]), m[2], today),
  },
  {
    re: new RegExp(`\\b(?:the |a |one )?${UNIT} (?:before|earlier|prior)\\b`, 'g'),
    relative: true,
    build: (m, { anchor }) => (anchor ? shiftBack(anchor, m[1] as Unit) : { refused: 'there is no earlier period to count back from' }),
  },
  {
    re: /\b(?:before that|the (?:one|period) before|the previous (?:one|period)|the prior period)\b/g,
    relative: true,
    build: (_m, { anchor }) => (anchor ? previousPeriod(anchor) : { refused: 'there is no earlier period to count back from' }),
  },
  {
    // "this time yesterday", "the same time last week", "by this time last week": a moment of a day.
    // Periods are whole days, and the whole day's figure answers another question: refused, with
    // the whole day (or the day by hour) to ask for instead. "this time last month" is a day (below).
    re: new RegExp(
      `\\b(?:(?:by|at|around|until|till|up to|up until) )?(?:this|the same|same) time (?:(yesterday|the day before yesterday)|(last|a|one|${COUNT}) (days?|weeks?)(?: ago| before| earlier)?|last (${WEEKDAY_WORD}))\\b|\\bby this time (?:last|a|one) (month|quarter|year)(?: ago)?\\b`,
      'g',
    ),
    build: (m) => {
      const n = m[2] === undefined || /^(?:last|a|one)$/.test(m[2]) ? 1 : countOf(m[2]);
      if (!n) return undefined;
      const days = /^week/.test(m[3] ?? '') ? 7 * n : n;
      const hint = m[1] ?? (m[4] ? `last ${m[4].charAt(0).toUpperCase()}${m[4].slice(1)}` : m[5] ? undefined : days === 1 ? 'yesterday' : days === 7 ? 'the same day last week' : `${days} days ago`);
      return { refused: `"${m[0]}" is a time of day, and ${WHOLE_DAYS}: the whole day can be answered, or the day by hour`, ...(hint ? { hint } : {}) };
    },
  },
  {
    // "the same day last week", "same period a year earlier", "the same week the year before"
    re: new RegExp(`\\b(?:the )?same (day|weekday|week|month|quarter|year|period|time) (?:(?:last|a|one|the|the previous) )?${UNIT}(?: before| earlier| ago)?\\b`, 'g'),
    relative: true,
    build: (m, { anchor, today }) => {
      // alone, "the same day (time) last month" is today's date a month earlier, as "this time last month"
      const base = anchor ?? (m[1] === 'day' || m[1] === 'weekday' || m[1] === 'time' ? make('day', today, today) : undefined);
      if (!base) return { refused: 'there is no period to compare with' };
      return sameLast(base, m[2] as Unit, `the same ${m[1] === 'weekday' ? 'day' : m[1]} a ${m[2]} earlier`);
    },
  },
  {
    re: /\b(?:(week|month|quarter|year)[ -]to[ -]date|([wmqy])td|since (?:the )?(?:start|beginning) of (?:the |this )?(week|month|quarter|year)|(?:so far )?this (week|month|quarter|year) so far|so far this (week|month|quarter|year))\b/g,
    build: (m, { today }) => {
      const letter: Record<string, Unit> = { w: 'week', m: 'month', q: 'quarter', y: 'year' };
      const unit = (m[1] ?? (m[2] ? letter[m[2]] : undefined) ?? m[3] ?? m[4] ?? m[5]) as Unit;
      return toDate(unit, today);
    },
  },
  {
    re: new RegExp(`\\bbetween (${DATE_TOKEN}) and (${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => range(m[1] ?? '', m[2] ?? '', today),
  },
  {
    re: new RegExp(`(?:\\bfrom )?(${DATE_TOKEN})(?: (?:to|until|till|through|thru) |\\s*[–—]\\s*| - )(${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => range(m[1] ?? '', m[2] ?? '', today),
  },
  {
    re: new RegExp(`(?:\\b(?:between|from) (?:the )?)?(?<![\\d-])(\\d{1,2})(?:st|nd|rd|th)?(?:\\s*[–—-]\\s*| (?:to|until|till|through|and) (?:the )?)(\\d{1,2})(?:st|nd|rd|th)?(?: of)? (${MONTH_WORD})\\b\\.?(?:,? (\\d{4})(?![\\d-]))?`, 'g'),
    build: (m, { today }) => (/ and /.test(m[0]) && !m[0].startsWith('between') ? undefined : dayNumberRange(m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4], today)),
  },
  {
    re: new RegExp(`\\b(${MONTH_WORD})\\.? (\\d{1,2})(?:st|nd|rd|th)?\\s*(?:[–—-]|to|until|through)\\s*(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,? (\\d{4})(?![\\d-]))?`, 'g'),
    build: (m, { today }) => dayNumberRange(m[2] ?? '', m[3] ?? '', m[1] ?? '', m[4], today),
  },
  {
    re: new RegExp(`\\b(?:the )?(?:last|past|previous|prior|next) (?:${COUNT}|few|several|couple of) (?:hours?|minutes?)\\b|\\b(?:this|yesterday|tomorrow) (?:morning|afternoon|evening|night)\\b|\\btonight\\b|\\blast night\\b|\\b(?:this|the last|the past) hour\\b`, 'g'),
    build: (m) => ({ refused: WHOLE_DAYS, hint: /yesterday|last night/.test(m[0]) ? 'yesterday' : /tomorrow/.test(m[0]) ? 'tomorrow' : 'today' }),
  },
  {
    // "the last 3 full weeks": whole calendar units before the one running, never a part of this one
    re: new RegExp(`\\b(?:the )?(?:last|past|previous|prior) (?:(${COUNT}) )?(?:full|complete|whole|entire|calendar) ${UNITS}\\b`, 'g'),
    build: (m, { today }) => {
      const n = m[1] === undefined ? 1 : countOf(m[1]);
      const unit = unitOf(m[2] ?? 'week');
      if (!n || n > 3660 || (m[1] === undefined && /s$/.test(m[2] ?? ''))) return undefined;
      const [u, k] = unit === 'fortnight' ? (['week', 2 * n] as const) : ([unit, n] as const);
      const from = unitFromToday(u, today, -k).from;
      const to = unitFromToday(u, today, -1).to;
      return n === 1 && unit !== 'fortnight' ? unitFromToday(u, today, -1, `last full ${u}`) : make('range', from, to, `the last ${n === 1 ? '' : `${n} `}full ${unit}${n === 1 ? '' : 's'}`);
    },
  },
  {
    // "this time last month" is one day: today's date a month earlier
    re: /\b(?:at )?this (?:time|day|date) (?:last|a|one) (week|month|quarter|year)(?: ago)?\b/g,
    build: (m, { today }) => {
      const day = stepDay(today, m[1] as Unit, -1);
      return make('day', day, day, `the same day last ${m[1]}`);
    },
  },
  {
    // "between the 3rd and the 9th": days of this month once the last of them has come, else last month's (said)
    re: new RegExp(`\\b(?:between|from) (?:the )?(\\d{1,2})(st|nd|rd|th)? (?:and|to|until|till|through|thru|-|–) (?:the )?(\\d{1,2})(st|nd|rd|th)?\\b(?!\\s*(?:of )?(?:${MONTH_WORD}\\b|[\\d/.:%]|(?:days?|weeks?|months?|hours?|h|hrs?|mins?|minutes?|am|pm|seconds?|s|sec|points?|pts|stars?|percent)\\b))`, 'g'),
    build: (m, { today }) => {
      if (!m[2] && !m[4] && !/\bthe\b/.test(m[0])) return undefined;
      const [a, b] = [Number(m[1]), Number(m[3])];
      if (a < 1 || a > 31 || b < 1 || b > 31) return { refused: 'no such date' };
      return dayNumbersOfMonth(a, b, today);
    },
  },
  {
    re: new RegExp(`\\b(?:the )?(last|past|previous|prior|next|trailing|rolling) (${COUNT}) ${UNITS}\\b`, 'gi'),
    build: (m, { today }) => {
      const n = countOf(m[2] ?? '');
      return n && n <= 3660 ? rolling(n, unitOf(m[3] ?? 'day'), today, undefined, m[1] === 'next') : undefined;
    },
  },
  {
    // "the past week" is the trailing seven days, not the previous calendar week.
    re: /\b(?:the )?(?:this )?past (week|fortnight|month|quarter|year)\b|\b(?:the )?last (fortnight)\b/g,
    build: (m, { today }) => rolling(1, (m[1] ?? m[2] ?? 'week') as RollingUnit, today, `past ${m[1] ?? m[2]}`),
  },
  {
    re: new RegExp(`\\b(${COUNT}|an?) ${UNITS} ago\\b`, 'g'),
    build: (m, { today }) => {
      const n = /^an?$/.test(m[1] ?? '') ? 1 : countOf(m[1] ?? '');
      const unit = unitOf(m[2] ?? 'day');
      if (!n || n > 3660) return undefined;
      const [u, k] = unit === 'fortnight' ? (['week', 2 * n] as const) : ([unit, n] as const);
      return unitFromToday(u, today, -k, `${n === 1 ? 'a' : n} ${unit}${n === 1 ? '' : 's'} ago`);
    },
    // Compared with a period shorter than its unit, "ago" moves that period back: "the day before
    // yesterday vs a week ago" is that day a week earlier, "this month vs a year ago" this month a
    // year earlier. "last week vs two weeks ago" (the same unit) still counts from today.
    compared: (m, { anchor }) => {
      const n = /^an?$/.test(m[1] ?? '') ? 1 : countOf(m[1] ?? '');
      const unit = unitOf(m[2] ?? 'day');
      if (!n || n > 3660 || anchor.granularity === unit || daysBetween(anchor.from, anchor.to) + 1 > MIN_DAYS[unit]) return undefined;
      const [u, k] = unit === 'fortnight' ? (['week', 2 * n] as const) : ([unit, n] as const);
      return sameLast(anchor, u, `${n === 1 ? 'a' : n} ${unit}${n === 1 ? '' : 's'} earlier`, k);
    },
  },
  { re: /\btoday\b/g, build: (_m, { today }) => make('day', today, today, 'today') },
  // "from 20 November till now": now, as the end of a range, is today
  { re: /(?<=\b(?:to|until|till|til|through|thru) |\bbetween\b[^,;?]{1,40} and )(?:now|the present)\b/g, build: (_m, { today }) => make('day', today, today, 'today') },
  {
    // words that speak of a time but name no days: refused with a period that reads
    re: new RegExp(`\\b(?:recently|lately|of late|these days|in recent (?:days|weeks|months))\\b|\\b(?:the )?(?:last|past|previous|next|coming) (?:few|several|some|many) (days|weeks|months|years)\\b`, 'g'),
    build: (m) => (m[1]
      ? { refused: `"${m[0].replace(/^the /, '')}" is no number of ${m[1]}`, hint: `the last ${m[1] === 'days' ? 7 : 3} ${m[1]}` }
      : { refused: `"${m[0]}" names no exact days`, hint: 'the last 7 days' }),
  },
  {
    // working days are not set up: periods are calendar days, and weekdays a filter
    re: new RegExp(`\\b(?:the )?(?:last|past|previous|prior|next) (?:(${COUNT}) )?(?:working|business|work) days?\\b`, 'g'),
    build: () => ({ refused: 'working days are not set up (periods are calendar days; weekdays are a filter)', hint: 'last week on weekdays' }),
  },
  { re: /\byesterday\b/g, build: (_m, { today }) => make('day', addDays(today, -1), addDays(today, -1), 'yesterday') },
  { re: /\btomorrow\b/g, build: (_m, { today }) => make('day', addDays(today, 1), addDays(today, 1), 'tomorrow') },
  {
    re: new RegExp(`\\b(${THIS}|${LAST}|${NEXT}) ${UNIT}\\b(?! of\\b)`, 'g'),
    build: (m, { today }) => {
      const n = direction(m[1]) ?? 0;
      const unit = m[2] as Unit;
      return unitFromToday(unit, today, n, `${n === 0 ? 'this' : n === 1 ? 'next' : 'last'} ${unit}`);
    },
  },
  {
    // "each weekend", "every weekend" are the weekend days, a filter, not one weekend
    re: /(?<!\b(?:each|every|all|any|per|most) )\b(?:(this|last|past|previous|next|the coming|the) )?weekend\b(?! before\b| of\b)/g,
    build: (m, { today }) => weekend(m[1] === 'the' ? undefined : m[1], today),
  },
  {
    re: /\b(?:the )?weekend before last\b/g,
    build: (_m, { today }) => {
      const p = weekend('last', today);
      return make('range', addDays(p.from, -7), addDays(p.to, -7), 'the weekend before last');
    },
  },
  {
    // "last weekend vs the weekend before": a week before the main period's weekend
    re: /\b(?:the )?weekend before(?! last\b)\b/g,
    relative: true,
    build: (_m, { anchor }) => (anchor ? make('range', addDays(anchor.from, -7), addDays(anchor.to, -7), 'the weekend before') : { refused: 'there is no earlier period to count back from' }),
  },
  {
    // Holidays and named days are not read: their dates differ by country and custom, and "over
    // Christmas" may mean the day or the season. The phrase is refused whole, with its year words,
    // so "christmas last year" never becomes "last year"; a day with a fixed date gets it as a hint.
    re: new RegExp(`\\b(?:(this|last|next|the) )?(${NAMED_DAY})(?:,? (?:of )?${YEAR_REF})?(?![\\w'])`, 'g'),
    build: (m, { today }) => namedDay(m[1], m[2] ?? '', m[3], today),
  },
  {
    // Named days ("Black Friday", "Easter Monday") are not weekdays; the rule above reports them.
    re: new RegExp(`(?<!\\b(?:black|good|cyber|easter|ash|holy|palm|maundy|super bowl) )\\b(?:(this|last|past|previous|next|the coming) )?(${WEEKDAY_WORD})\\b(?:,? (?:of )?(this|last|previous|next) week)?`, 'g'),
    build: (m, { today }) => weekday(m[1], m[2] ?? 'monday', m[3], today),
  },
  {
    re: new RegExp(`\\bq([1-4])(?:,? (?:of )?${YEAR_REF})?\\b|\\b(\\d{4})[ -]q([1-4])\\b`, 'g'),
    build: (m, { today }) => (m[1] ? quarter(Number(m[1]), m[2], today) : quarter(Number(m[4]), m[3], today)),
  },
  {
    re: new RegExp(`\\b(?:the )?${ORDINAL_QUARTER} quarter(?:,? (?:of )?(?:the year )?${YEAR_REF})?\\b`, 'g'),
    build: (m, { today }) => quarter(ordinalNumber(m[1] ?? ''), m[2], today),
  },
  {
    re: new RegExp(`\\b(?:the )?(first|second|1st|2nd) half(?: of)?(?: the year)?(?:,? ${YEAR_REF})?|\\bh([12])(?:,? ${YEAR_REF})?\\b`, 'g'),
    build: (m, { today }) => half(/^(?:first|1st|1)$/.test(m[1] ?? m[3] ?? '') ? 1 : 2, m[2] ?? m[4], today),
  },
  {
    // "on the 5th": that day of this month, or of last month while it is still ahead.
    re: new RegExp(`(?<=\\b(?:on|since|from|between) )(?:the )?(\\d{1,2})(?:st|nd|rd|th)\\b(?!\\s*(?:of )?(?:${MONTH_WORD}|[–—-])|\\s*(?:to|and|until|through) (?:the )?\\d)`, 'g'),
    build: (m, { today }) => {
      const day = Number(m[1]);
      for (const month of [today, addDays(today.slice(0, 8) + '01', -1)]) {
        const parts = { year: yearOf(month), month: monthOf(month), day };
        const d = resolveDay(parts, today, yearOf(month));
        // a day of last month: the label says why that month
        if (d && d <= today) {
          if (month === today) return make('day', d, d);
          const nth = `the ${m[1]}${m[0].replace(/^.*\d/, '')}`;
          return { ...make('day', d, d), label: `${nth} (${formatDay(d)}; ${nth} of this month is still ahead, so last month's)` };
        }
      }
      return { refused: 'no such date' };
    },
  },
  {
    // "11/2026": a month; four digits cannot be a day or a month, so this is never ambiguous.
    re: /(?<![\d/.])(\d{1,2})[/.](\d{4})(?![\d/.])/g,
    build: (m) => (Number(m[1]) >= 1 && Number(m[1]) <= 12 ? unitContaining('month', ymd(Number(m[2]), Number(m[1]), 1)) : { refused: 'no such month' }),
  },
  {
    // Numeric dates only after a word that introduces a date, or with a year: "4.5" is a score.
    re: /(?<=\b(?:on|since|from|between|until|till|to|through|and|for) )(?:the )?(\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\.?)(?![\d/.])|(?<![\d/.])(\d{1,4}[/.]\d{1,2}[/.]\d{2,4})(?![\d/.])/g,
    build: (m, { today, dateOrder }) => numericDay(m[1] ?? m[2] ?? '', today, dateOrder),
  },
  {
    re: new RegExp(`(${DATE_TOKEN})`, 'gi'),
    build: (m, { today }) => {
      const parts = dateParts(m[1] ?? '');
      const day = parts && dayFrom(parts, today);
      if (day === undefined) return undefined;
      return typeof day === 'string' ? make('day', day, day) : day;
    },
  },
  {
    re: new RegExp(`\\b(?:(this|last|previous|next) )?(${MONTH_WORD})\\b\\.?(?:,? (?:of )?${YEAR_REF})?`, 'g'),
    build: (m, { today }) => monthNamed(m[1], m[2] ?? '', m[3], m.input, m.index, today),
  },
  {
    re: /(?<=\b(?:in|during|for|year|since|from|between|to|and|until|through) )(\d{4})(?![\d-])|\b(?:the )?(?:calendar )?year (\d{4})(?![\d-])/g,
    build: (m) => unitContaining('year', ymd(Number(m[1] ?? m[2]), 1, 1)),
  },
];
