// The period grammar: each rule reads one phrase into a Period, or into a reason it cannot be
// read. Phrases are built from a few parts — units (day … year, fortnight), counts ("7",
// "two", "a couple of"), directions (this / last / next) and anchors (today, a named day,
// month or quarter, the period already under discussion) — so the rules are combinations of
// those parts rather than a list of fixed phrases. periods.ts runs them over a question.

import {
  COUNT, DATE_TOKEN, MONTH_WORD, ORDINAL_QUARTER, WEEKDAY_WORD, addDays, countOf, dateParts, formatDay, isoWeekday,
  monthNumber, monthOf, numericDate, ordinalNumber, resolveDay, weekdayNumber, yearOf, yearRef, ymd, type DateParts,
} from './period-words.ts';
import {
  make, previousPeriod, rolling, sameLast, shiftBack, toDate, unitContaining, unitFromToday, type Period, type RollingUnit, type Unit,
} from './period-build.ts';

/** A phrase that looks like a period but names none we can compute. */
export interface Refusal {
  refused: string;
  /** a phrase that would work instead, when there is an obvious one */
  hint?: string;
}

export type Reading = Period | Refusal;

export interface RuleContext {
  today: string;
  /** the period a relative phrase ("the week before") counts from */
  anchor?: Period;
  /** the phrase is what the question compares with, and `anchor` is its main period */
  comparing?: boolean;
}

export interface Rule {
  re: RegExp;
  /** reads relative to ctx.anchor, which periods.ts supplies once it knows the main period */
  relative?: boolean;
  build(m: RegExpExecArray, ctx: RuleContext): Reading | undefined;
}

const UNIT = '(day|week|month|quarter|year)';
const UNITS = '(days?|weeks?|fortnights?|months?|quarters?|years?)';
const YEAR_REF = '(\\d{4}(?![\\d-])|last year|this year|next year)';
const THIS = '(?:this|current|the current)';
const LAST = '(?:last|previous|prior|the previous|the prior)';
const NEXT = '(?:next|coming|the coming|the next)';
const WHOLE_DAYS = 'periods are whole days in the business timezone';

const unitOf = (word: string) => word.replace(/s$/, '') as RollingUnit;

function direction(word: string | undefined): -1 | 0 | 1 | undefined {
  if (word === undefined) return undefined;
  if (/^(?:the )?(?:last|previous|prior|past)$/.test(word)) return -1;
  if (/^(?:the )?(?:next|coming)$/.test(word)) return 1;
  return 0;
}

const titled = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** A calendar day from its parts, or a refusal when it does not exist or its weekday is wrong. */
function dayFrom(parts: DateParts, today: string, year?: number): string | Refusal {
  const day = resolveDay(parts, today, year);
  if (!day) return { refused: 'no such date' };
  if (parts.weekday !== undefined && parts.weekday !== isoWeekday(day)) {
    return { refused: `${formatDay(day, true, false)} is a ${WEEKDAY_NAMES[isoWeekday(day) - 1]}`, hint: formatDay(day) };
  }
  return day;
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function range(fromText: string, toText: string, today: string): Reading | undefined {
  const a = dateParts(fromText);
  const b = dateParts(toText);
  if (!a || !b) return undefined;
  let from: string | Refusal;
  let to: string | Refusal;
  if (a.year === undefined && b.year !== undefined) {
    // "1 Nov to 15 Nov 2025": the end's year applies to the start too, unless that would invert it.
    to = dayFrom(b, today);
    from = dayFrom(a, today, b.year);
    if (typeof from === 'string' && typeof to === 'string' && from > to) from = dayFrom(a, today, b.year - 1);
  } else {
    from = dayFrom(a, today);
    const startYear = typeof from === 'string' ? yearOf(from) : undefined;
    to = b.year !== undefined ? dayFrom(b, today) : dayFrom(b, today, startYear);
    // "20 Dec to 5 Jan" crosses New Year.
    if (typeof from === 'string' && typeof to === 'string' && to < from && b.year === undefined && startYear !== undefined) {
      to = dayFrom(b, today, startYear + 1);
    }
  }
  if (typeof from !== 'string') return from;
  if (typeof to !== 'string') return to;
  return from <= to ? make('range', from, to) : { refused: 'the range ends before it starts' };
}

/** "1–15 Oct", "between 3 and 9 November", "Oct 1-15": two day numbers sharing one month. */
function dayNumberRange(first: string, last: string, monthWord: string, yearText: string | undefined, today: string): Reading | undefined {
  const month = monthNumber(monthWord);
  if (!month) return undefined;
  const [a, b] = [Number(first), Number(last)];
  if (b < a) return { refused: 'the range ends before it starts' };
  const year = yearText ? Number(yearText) : undefined;
  const from = dayFrom({ month, day: a, year }, today);
  if (typeof from !== 'string') return from;
  const to = dayFrom({ month, day: b, year: yearOf(from) }, today, yearOf(from));
  return typeof to === 'string' ? make('range', from, to) : to;
}

function quarter(q: number, yearText: string | undefined, today: string, prefix?: string): Period {
  const explicit = yearRef(yearText, today);
  const year = explicit ?? yearOf(today);
  // A quarter that has not started this year means last year's.
  const y = explicit === undefined && ymd(year, q * 3 - 2, 1) > today ? year - 1 : year;
  return unitContaining('quarter', ymd(y, q * 3, 1), prefix);
}

function isoWeek(n: number, yearText: string | undefined, today: string): Reading {
  const explicit = yearRef(yearText, today);
  const mondayOfWeek = (year: number) => {
    const jan4 = ymd(year, 1, 4);
    const monday = addDays(addDays(jan4, 1 - isoWeekday(jan4)), 7 * (n - 1));
    return n >= 1 && unitContaining('week', addDays(monday, 3)).from === monday && yearOf(addDays(monday, 3)) === year ? monday : undefined;
  };
  let year = explicit ?? yearOf(today);
  let monday = mondayOfWeek(year);
  if (explicit === undefined && (!monday || monday > today)) monday = mondayOfWeek((year -= 1));
  return monday ? make('week', monday, addDays(monday, 6), `week ${n} of ${year}`) : { refused: `${year} has no week ${n}` };
}

/** H1 or H2: a half that has not started this year means last year's. */
function half(h: 1 | 2, yearText: string | undefined, today: string): Period {
  const explicit = yearRef(yearText, today);
  const first = h === 1 ? 1 : 7;
  const year = explicit ?? (ymd(yearOf(today), first, 1) > today ? yearOf(today) - 1 : yearOf(today));
  return make('range', ymd(year, first, 1), ymd(year, first + 5, h === 1 ? 30 : 31), `H${h} ${year}`);
}

/**
 * A weekday: bare ("Monday", "on Monday") is the latest on or before today; "last Monday" the
 * latest strictly before today; "next Monday" the first after today; "this Monday" and
 * "Monday last week" the one in that ISO week.
 */
function weekday(dir: string | undefined, name: string, week: string | undefined, today: string): Period {
  const wd = weekdayNumber(name) ?? 1;
  const n = direction(dir);
  const word = (k: number) => (k === 0 ? 'this' : k === 1 ? 'next' : 'last');
  const label = week ? `${titled(name)} ${word(direction(week) ?? 0)} week` : `${n === undefined ? '' : `${word(n)} `}${titled(name)}`;
  const back = (isoWeekday(today) - wd + 7) % 7;
  let day: string;
  if (week || n === 0) day = addDays(unitFromToday('week', today, week ? (direction(week) ?? 0) : 0).from, wd - 1);
  else if (n === 1) day = addDays(today, (wd - isoWeekday(today) + 7) % 7 || 7);
  else if (n === -1) day = addDays(today, -(back || 7));
  else day = addDays(today, -back);
  return make('day', day, day, label);
}

function weekend(dir: string | undefined, today: string): Period {
  const n = direction(dir);
  const saturday = (offset: number) => addDays(unitFromToday('week', today, offset).from, 5);
  // "the weekend" is the latest one that has begun; "last weekend" the one before this week's.
  let sat = saturday(n ?? 0);
  if (n === undefined && sat > today) sat = saturday(-1);
  const name = dir ? `${dir.replace(/^the /, '')} weekend` : 'the weekend';
  return make('range', sat, addDays(sat, 1), name);
}

function monthNamed(dir: string | undefined, word: string, yearText: string | undefined, input: string, index: number, today: string): Reading | undefined {
  const month = monthNumber(word);
  const explicit = yearRef(yearText, today);
  // "may" is usually the verb; take it as the month only with a year, direction or preposition.
  if (!month || (word === 'may' && explicit === undefined && !dir && !/\b(?:in|during|for|of|since|from|to|until|between|and)\s$/.test(input.slice(0, index)))) {
    return undefined;
  }
  const current = monthOf(today);
  let year = explicit ?? (month > current ? yearOf(today) - 1 : yearOf(today));
  const n = direction(dir);
  if (explicit === undefined && n === -1 && month === current) year -= 1;
  if (explicit === undefined && n === 0) year = yearOf(today);
  if (explicit === undefined && n === 1) year = month > current ? yearOf(today) : yearOf(today) + 1;
  return unitContaining('month', ymd(year, month, 1));
}

function numericDay(text: string, today: string): Reading | undefined {
  const parts = numericDate(text.replace(/\.$/, ''));
  if (parts === 'ambiguous') {
    return { refused: 'day and month order is ambiguous', hint: 'write the month as a word (5 Jun) or as 2026-06-05' };
  }
  if (!parts) return undefined;
  const day = dayFrom(parts, today);
  return typeof day === 'string' ? make('day', day, day) : day;
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
    re: new RegExp(`\\b(?:iso |calendar )?week (\\d{1,2})(?:,? (?:of )?${YEAR_REF})?\\b`, 'g'),
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
    // "the same day last week", "same period a year earlier", "the same week the year before"
    re: new RegExp(`\\b(?:the )?same (day|weekday|week|month|quarter|year|period|time) (?:(?:last|a|one|the|the previous) )?${UNIT}(?: before| earlier| ago)?\\b`, 'g'),
    relative: true,
    build: (m, { anchor, today }) => {
      const base = anchor ?? (m[1] === 'day' || m[1] === 'weekday' ? make('day', today, today) : undefined);
      if (!base) return { refused: 'there is no period to compare with' };
      return sameLast(base, m[2] as Unit, `the same ${m[1] === 'weekday' ? 'day' : m[1]} a ${m[2]} earlier`);
    },
  },
  {
    re: /\b(?:(week|month|quarter|year)[ -]to[ -]date|([wmqy])td|since the (?:start|beginning) of (?:the |this )?(week|month|quarter|year)|(?:so far )?this (week|month|quarter|year) so far|so far this (week|month|quarter|year))\b/g,
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
  },
  { re: /\btoday\b/g, build: (_m, { today }) => make('day', today, today, 'today') },
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
    re: /\b(?:(this|last|past|previous|next|the coming|the) )?weekend\b/g,
    build: (m, { today }) => weekend(m[1] === 'the' ? undefined : m[1], today),
  },
  {
    // Named days ("Black Friday", "Easter Monday") are not weekdays; the cue scan reports them.
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
    re: new RegExp(`(?<=\\b(?:on|since|from) )(?:the )?(\\d{1,2})(?:st|nd|rd|th)\\b(?!\\s*(?:of )?(?:${MONTH_WORD}|[–—-]|to |and |until |through ))`, 'g'),
    build: (m, { today }) => {
      const day = Number(m[1]);
      for (const month of [today, addDays(today.slice(0, 8) + '01', -1)]) {
        const parts = { year: yearOf(month), month: monthOf(month), day };
        const d = resolveDay(parts, today, yearOf(month));
        if (d && d <= today) return make('day', d, d);
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
    build: (m, { today }) => numericDay(m[1] ?? m[2] ?? '', today),
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
    re: /(?<=\b(?:in|during|for|year|since|from|between|to|and|until|through) )(\d{4})(?![\d-])/g,
    build: (m) => unitContaining('year', ymd(Number(m[1]), 1, 1)),
  },
];
