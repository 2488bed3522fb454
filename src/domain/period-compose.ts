// Period phrases made of other phrases: parts of a period ("the first week of November", "early
// October"), "since …", "from … to …", "between … and …", and when "between A and B" compares
// two periods instead of naming one range. periods.ts runs these over the atoms its rules found.

import { COUNT, MONTH_NAMES, MONTH_WORD, WEEKDAY_WORD, addDays, countOf, formatDay, formatRange, isoWeekday, monthOf } from './period-words.ts';
import { RULES, type Reading, type Refusal } from './period-rules.ts';
import { halfOfMonth, ordinalOf, pieceOf, weekOfMonth } from './period-readers.ts';
import { make, periodBetween, sameLast, stepDay, unitContaining, unitFromToday, type Period, type Unit } from './period-build.ts';
import { CHANGE_BETWEEN, CHANGE_FROM, COMPARE_BETWEEN, COMPARE_WORD, type Span } from './period-cues.ts';
import { periodOf, select, type Candidate } from './period-candidates.ts';

/** A candidate's period as the start (or end) of a range: its own, or the day a bound names. */
const boundOf = (c: Candidate, side: 'start' | 'end') => (c.bound ? (c.bound.side === side ? c.bound.day : undefined) : periodOf(c));
const BARE_WEEKDAY = new RegExp(`^${WEEKDAY_WORD}$`);
/** A weekday named alone ("Monday"), not "last Monday" nor "Monday last week". */
const isBareWeekday = (lower: string, c: Span) => BARE_WEEKDAY.test(lower.slice(c.start, c.end));
const MONTH_NAMED = new RegExp(`\\b${MONTH_WORD}\\b`);
/** A phrase that names a month ("October", "1 Dec"), so without a year it repeats every year. */
const yearly = (lower: string, c: Span) => MONTH_NAMED.test(lower.slice(c.start, c.end));
const NAME_WORD = new RegExp(`\\b(?:${WEEKDAY_WORD}|${MONTH_WORD})\\b`, 'g');
/** A phrase's words for a label, weekday and month names capitalised: "Monday", "1 Dec". */
const capitalised = (words: string) => words.replace(NAME_WORD, (w) => w.charAt(0).toUpperCase() + w.slice(1)).replace(/\b[qh][1-4]\b/g, (w) => w.toUpperCase());
const named = (lower: string, c: Span) => capitalised(lower.slice(c.start, c.end));
const hasYear = (text: string) => /\b\d{4}\b|\b(?:last|this|next) year\b/.test(text);

/** A period as a hint says it: its words, or its date when they are numbers ("3/11" is "Tue 3 Nov 2026"). */
const spoken = (lower: string, c: Span, p: Period) => (/\d[/.]\d/.test(lower.slice(c.start, c.end)) ? p.label : (labelHead(p) ?? named(lower, c)));

/** The prefix of a label before its dates: "last week (…)" → "last week". */
const labelHead = (p: Period) => (p.label.includes(' (') ? p.label.slice(0, p.label.indexOf(' (')) : undefined);

/** Words that compare two periods or ask for a change between them: "October to November" is then no range. */
const CHANGES = /\b(?:chang\w*|compar\w*|differ\w*|vs|versus|against|went|go(?:ne|es)?|mov\w*|grow\w*|grew|drop\w*|fell|fall\w*|ris\w*|rose|improv\w*|declin\w*|shift\w*|increas\w*|decreas\w*|trend\w*)\b/;
/** "around 10 November", "roughly last week": a period given as an approximation names no exact days. */
const ROUGHLY = /\b(around|roughly|approximately|approx\.?|circa|ca\.|give or take)(?: (?:the|in|on|during|over))? $/;
const VAGUE = /\b(since |from )?(?:(?:in|at|during|around|towards?|over) )?(?:the )?(early|mid|late|middle of|tail end of|(?:very )?(?:start|beginning|end) of)[- ]?(?:the )?$/;
const PART_OF = new RegExp(
  `\\b(?:the )?(first|second|third|fourth|fifth|last|final|1st|2nd|3rd|4th|5th|latter)(?: (${COUNT}|few|several|some))? (days?|weeks?|half|${WEEKDAY_WORD}) (?:of|in) (?:the )?$`,
);
/** "the month" after "of", in "the first week of the month", "the end of the week": this one. */
const THE_UNIT = /\bthe (week|month|quarter|year)\b/g;

/**
 * Parts of a period: "the first week of November", "the second half of October" (read), "the start
 * of October" (a day only as a range's bound: "since the start of October"), and "early November",
 * "mid-November", "late last month" (refused: they name no exact days).
 */
function parts(lower: string, atoms: Candidate[], today: string): Candidate[] {
  const out: Candidate[] = [];
  const units = [...lower.matchAll(THE_UNIT)].filter((m) => /\bof $/.test(lower.slice(0, m.index))).map((m) => ({
    start: m.index, end: m.index + m[0].length, order: RULES.length, reading: unitFromToday(m[1] as Unit, today, 0, `this ${m[1]}`),
  }));
  for (const x of [...atoms, ...units]) {
    const px = periodOf(x);
    if (!px || px.granularity === 'range') continue;
    const before = lower.slice(0, x.start);
    const part = PART_OF.exec(before);
    if (part) {
      const n = ordinalOf(part[1] === 'latter' ? 'second' : part[1]!);
      const [count, unit] = [part[2], part[3]!];
      let reading: Reading;
      if (!count && /^(?:days|weeks)$/.test(unit)) reading = { refused: `"the ${part[1]} ${unit}" names no number of ${unit}`, hint: `the ${part[1]} 3 ${unit} of ${named(lower, x)}` };
      else if (count && !countOf(count)) reading = { refused: `"${count}" is no number of ${unit.replace(/s?$/, 's')}`, hint: `the ${part[1]} 3 ${unit.replace(/s?$/, 's')} of ${named(lower, x)}` };
      else if (unit === 'week' && !count) reading = px.granularity === 'month' ? weekOfMonth(n, px) : { refused: 'weeks are counted only within a month ("the first week of November")' };
      else if (unit !== 'half') reading = pieceOf(n, count ? countOf(count) : undefined, unit, px);
      else if (px.granularity === 'month' && (n === 1 || n === 2 || n === -1)) reading = halfOfMonth(n === 1 ? 1 : 2, px);
      else reading = { refused: 'only a month or a year is split into halves ("the first half of November", "H2 2026")' };
      out.push({ start: part.index, end: x.end, order: RULES.length, reading });
      continue;
    }
    // "the month of November" is November
    const monthNamed = px.granularity === 'month' ? /\b(?:the )?month of $/.exec(before) : null;
    if (monthNamed) out.push({ start: monthNamed.index, end: x.end, order: RULES.length, reading: px });
    const rough = ROUGHLY.exec(before);
    const roughAfter = /^(?: or so| or thereabouts|-?ish)\b/.exec(lower.slice(x.end));
    if ((rough && !/\b(?:what|how) $/.test(lower.slice(0, rough.index))) || roughAfter) {
      const words = capitalised(lower.slice(rough ? rough.index : x.start, x.end + (roughAfter?.[0].length ?? 0)));
      out.push({ start: rough ? rough.index : x.start, end: x.end + (roughAfter?.[0].length ?? 0), order: RULES.length, reading: { refused: `"${words}" names no exact days`, hint: labelHead(px) ?? px.label } });
      continue;
    }
    // "starting 1 November", "from 1 November onwards": since then
    const starting = /\b(?:starting|beginning|commencing|as of|as from|effective)(?: (?:from|on|with))?(?: the)? $/.exec(before);
    const onwards = /^ (?:onwards?|and after|and later|forward)\b/.exec(lower.slice(x.end));
    if (starting || onwards) {
      const from = /\bfrom (?:the )?$/.exec(before);
      const start = starting ? starting.index : from ? from.index : x.start;
      const end = x.end + (onwards?.[0].length ?? 0);
      out.push({ start, end, order: RULES.length, reading: px.from > today ? { refused: 'it starts after today' } : make('range', px.from, today, `${capitalised(lower.slice(start, end))}`) });
      continue;
    }
    const vague = VAGUE.exec(before);
    if (!vague) continue;
    const words = capitalised(lower.slice(vague.index + (vague[1]?.length ?? 0), x.end).replace(/^(?:in|at|during|around|towards?|over) /, ''));
    const side = /^(?:very )?(?:start|beginning) of$/.test(vague[2]!) ? 'start' : /^(?:very )?end of$/.test(vague[2]!) ? 'end' : undefined;
    const early = /^(?:early|(?:very )?(?:start|beginning) of)$/.test(vague[2]!);
    const late = /^(?:late|tail end of|(?:very )?end of)$/.test(vague[2]!);
    const month = px.granularity === 'month' ? MONTH_NAMES[monthOf(px.from) - 1]! : undefined;
    // "since the start of October" is since 1 October; "since early October" is refused, whole
    const since = vague[1] !== undefined && !side;
    const hint = since
      ? early ? `since ${formatDay(px.from, false, false)}` : undefined
      : month ? early ? `the first week of ${month}` : late ? `the last week of ${month}` : `11–20 ${month.slice(0, 3)}` : undefined;
    const refusal: Refusal = {
      refused: px.granularity === 'day' ? 'periods are whole days in the business timezone' : `"${words}" names no exact days`,
      ...(px.granularity === 'day' ? { hint: labelHead(px) ?? formatDay(px.from) } : hint ? { hint } : {}),
    };
    const start = side ? vague.index + (/^(?:since |from )?(?:(?:in|at|during|around|towards?|over) )?/.exec(lower.slice(vague.index))?.[0].length ?? 0) : vague.index;
    out.push({
      start, end: x.end, order: RULES.length, reading: refusal,
      ...(side ? { bound: { side, day: make('day', side === 'start' ? px.from : px.to, side === 'start' ? px.from : px.to, words) } } : {}),
    });
  }
  return out;
}

/**
 * Phrases made of other phrases: "since <period>" runs from its start to today; "from <period>
 * to <period>" and "between … and …" from the first's start to the second's end.
 */
export function compounds(lower: string, found: Candidate[], today: string): Candidate[] {
  const out: Candidate[] = [];
  const atoms = [...found, ...parts(lower, found, today)];
  out.push(...atoms.slice(found.length));
  for (const x of atoms) {
    const px = boundOf(x, 'start');
    const since = px && /\bsince (?:the )?$/.exec(lower.slice(0, x.start));
    if (px && since) {
      const head = x.bound ? capitalised(lower.slice(x.start, x.end)) : labelHead(px);
      out.push({
        start: since.index, end: x.end, order: RULES.length,
        reading: px.from > today ? { refused: 'it starts after today' } : make('range', px.from, today, head && `since ${head}`),
      });
    }
    if (!px) continue;
    const weekOf = px.granularity === 'day' && !x.bound ? /\b(?:the )?(week|month|weekend) (?:of|starting|beginning|commencing) (?:the )?$/.exec(lower.slice(0, x.start)) : null;
    // "the weekend of 28 November": the Saturday and Sunday of that day's week
    const saturday = addDays(unitContaining('week', px.from).from, 5);
    if (weekOf?.[1] === 'weekend') out.push({ start: weekOf.index, end: x.end, order: RULES.length, reading: make('range', saturday, addDays(saturday, 1), `the weekend of ${formatDay(px.from, false)}`) });
    else if (weekOf) out.push({ start: weekOf.index, end: x.end, order: RULES.length, reading: unitContaining(weekOf[1] as Unit, px.from, `the ${weekOf[1]} of ${formatDay(px.from, false)}`) });
    // "the week ending 29 November": the seven days to that day
    const ending = px.granularity === 'day' && !x.bound ? /\b(?:the )?week (?:ending|ended|to) (?:the )?$/.exec(lower.slice(0, x.start)) : null;
    if (ending) out.push({ start: ending.index, end: x.end, order: RULES.length, reading: periodBetween(addDays(px.from, -6), px.from, `the week ending ${formatDay(px.from, false)} (${formatRange(addDays(px.from, -6), px.from)})`) });
    // one end only: "after 1 December" runs from the day after to today; "until 30 November" has no start
    const open = x.bound ? null : /\b(until|till|til|up to|up until|before|prior to|after|following)(?: the)? $/.exec(lower.slice(0, x.start));
    if (open) {
      const words = `${open[1]} ${named(lower, x)}`;
      const after = /^(?:after|following)$/.test(open[1]!);
      const next = addDays(px.to, 1);
      out.push({
        start: open.index, end: x.end, order: RULES.length,
        reading: !after ? { refused: `"${words}" names an end but no start` } : next > today ? { refused: 'it starts after today' } : make('range', next, today, words),
      });
    }
    const opener = /\b(from|between) (?:the )?$/.exec(lower.slice(0, x.start));
    if (opener && CHANGE_FROM.test(lower.slice(0, x.start))) continue;
    for (const y of atoms) {
      const py = boundOf(y, 'end');
      const gap = py && y.start > x.end ? lower.slice(x.end, y.start) : undefined;
      if (!py || gap === undefined) continue;
      // "Monday to Friday", "this month until today": a range without "from", unless the question compares or asks for a change
      const toWithout = !opener && /^ (?:to|until|till|through|thru) (?:the )?$/.test(gap) && !CHANGES.test(lower);
      const joined = opener?.[1] === 'between' ? /^ and (?:the )?$/.test(gap) : opener ? /^ (?:to|until|till|through|thru) (?:the )?$|^\s*[–—-]\s*$/.test(gap) : toWithout || /^\s*[–—]\s*$/.test(gap);
      const relativeY = atoms.some((r) => r.relative && r.start < y.end && r.end > y.start);
      if (!joined && !opener && !relativeY && /^(?:,| and| &|,? or) (?:in |on |during |for )?(?:the )?$/.test(gap) && !x.bound && !y.bound && !COMPARE_WORD.test(lower.slice(0, y.start)) && !CHANGE_FROM.test(lower.slice(0, x.start))) {
        // "October and November": two periods, one after the other, are one; any other two are refused, never one of them dropped
        const next = py.granularity === px.granularity && py.granularity !== 'range' && py.from === addDays(px.to, 1);
        const words = `${named(lower, x)} and ${named(lower, y)}`;
        out.push({
          start: x.start, end: y.end, order: RULES.length,
          reading: next && /and|&/.test(gap) ? make('range', px.from, py.to, words) : { refused: /\bor\b/.test(gap) ? 'it names two periods as a choice' : 'it names two periods, and a figure is over one', hint: `${spoken(lower, x, px)} vs ${spoken(lower, y, py)}` },
        });
        continue;
      }
      if (!joined) continue;
      let [from, to] = [px.from, py.to];
      const [weeklyX, weeklyY] = [isBareWeekday(lower, x), isBareWeekday(lower, y)];
      // A weekday named alone repeats every week: "between Monday and Wednesday" runs from the
      // start read alone (the latest on or before today) to the first such end day after it; "from
      // Monday to Wednesday last week" from the latest such start day before that Wednesday.
      if (weeklyX && weeklyY) to = addDays(from, (isoWeekday(py.from) - isoWeekday(from) + 7) % 7);
      else if (weeklyY && to < from) to = addDays(from, (isoWeekday(py.from) - isoWeekday(from) + 7) % 7);
      else if (weeklyX && to < from) from = addDays(to, -((isoWeekday(to) - isoWeekday(px.from) + 7) % 7));
      else if (to < from && yearly(lower, x) && yearly(lower, y) && !hasYear(lower.slice(x.start, y.end))) {
        // Months and dates named without years repeat every year: "from October to January" is the
        // latest such range that has begun. Nothing else moves a year ahead.
        if (stepDay(to, 'year', 1) >= from && from <= today) to = stepDay(to, 'year', 1);
        else from = sameLast(px, 'year', '').from;
      }
      if ((weeklyX || weeklyY) && to > today && from <= today) {
        // still running: up to today, and the label says so
        out.push({ start: opener ? opener.index : x.start, end: y.end, order: RULES.length, reading: make('range', from, today, `${named(lower, x)} to ${named(lower, y)} so far`) });
        continue;
      }
      out.push({
        start: opener ? opener.index : x.start, end: y.end, order: RULES.length,
        reading: to < from ? { refused: 'the range ends before it starts' } : periodBetween(from, to),
      });
    }
  }
  return out;
}

/**
 * "the difference between October and November", "how did CSI change between last week and this
 * week": with a word of change or comparison before it, "between A and B" where A and B are two
 * whole periods (a day, week, month, quarter or year each) compares them and is no range. Without
 * one ("handoffs between October and November", "between 1 and 15 November") it stays a range. A
 * weekday named alone is left a range: "Monday and Wednesday last week" shares its week; so is a
 * range compared with another period after it ("… vs the period before").
 */
export function comparesTwo(lower: string, c: Candidate, atoms: Candidate[]): boolean {
  const opener = /^between (?:the )?/.exec(lower.slice(c.start, c.end));
  const before = lower.slice(0, c.start + (opener?.[0].length ?? 0));
  if (!opener || !(CHANGE_BETWEEN.test(before) || COMPARE_BETWEEN.test(before))) return false;
  // "compare CSI between 1 and 15 Oct vs the period before": the range is compared with something else
  if (/^\s*(?:vs\.?|versus|against|compared (?:to|with)|with)\b/.test(lower.slice(c.end))) return false;
  const inside = select(atoms.filter((a) => a.start >= c.start + opener[0].length && a.end <= c.end && periodOf(a)));
  if (inside.length !== 2) return false;
  const [x, y] = inside as [Candidate, Candidate];
  const whole = (a: Candidate) => periodOf(a)!.granularity !== 'range' && !isBareWeekday(lower, a);
  return x.start === c.start + opener[0].length && y.end === c.end && /^ and (?:the )?$/.test(lower.slice(x.end, y.start)) && whole(x) && whole(y);
}
