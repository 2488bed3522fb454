// The periods a question names: the main one, a comparison, and the words that ask for one
// (said.ts reads the other slots; understand.ts combines them with the question before).
import { changesBetween, findPeriods, parsePeriod, previousPeriod, shiftBack, type Period, type PeriodMatch, type Unit } from '../periods.ts';
import { formatRange } from '../period-words.ts';
import type { UnderstandContext } from './said.ts';
import { CHANGE_WORDS, USUAL } from './words.ts';

/** What joins a second period to the first as "and" does: "last week & the week before", "… as well as the one before". */
const JOINED = /(?:\b(?:and(?: also| then| again)?|plus|also|as well as|along ?with|together with|with|minus|relative to|(?:up|down) from)|&|\+|\/|,)\s*$/;
/** A period counted from another that no period reader took ("the 2 weeks before", "the week after", "the previous few months"). */
const UNITS_SAID = '(?:days?|weeks?|months?|quarters?|years?)';
const SECOND_UNREAD = new RegExp(`\\b(?:the (?:(?:\\d+|two|three|four|five|six|ten|few|couple of) )?|(?:\\d+|two|three|four|five|six|ten|few|couple of) )${UNITS_SAID} (?:before|prior|earlier|previous|ago|after|later)\\b|\\bthe (?:previous|prior|preceding|following) (?:\\d+ |two |three |few )?${UNITS_SAID}\\b`);
const BACK_WORDS = /\b(?:before|previous|prior|preceding|earlier)\b/;

export interface Periods {
  /** a main period phrase that could not be read (findPeriods): refused, never replaced */
  unreadable?: string;
  /** why it could not be read, and a phrase that would work, when findPeriods knows them */
  unreadableWhy?: { reason?: string; hint?: string };
  period?: Period;
  compare?: Period;
  /** a compare target that is neither a period nor the period before */
  compareWords?: string;
  /** the comparison is the period before, implied by a compare word rather than named */
  compareImplied?: boolean;
  /** "compare" with no period named: compare the default period with the one before */
  compareDefault?: boolean;
}

/**
 * "compare this week with last week": the period after a plain "with", "to" or "and", when the text
 * before it reads as the whole period by itself (so "between 1 Oct and 15 Oct" stays one range).
 */
function secondPeriod(text: string, whole: Period, ctx: UnderstandContext, previous?: Period): { period: Period; compare: Period } | undefined {
  for (const m of text.matchAll(/\b(?:with|to|and)\b/g)) {
    const left = parsePeriod(text.slice(0, m.index), ctx.now, ctx.timeZone, previous);
    if (!left || left.from !== whole.from || left.to !== whole.to) continue;
    const right = parsePeriod(text.slice(m.index + m[0].length), ctx.now, ctx.timeZone, left);
    if (!right || (right.from === left.from && right.to === left.to)) continue;
    // "the change from October to November" runs from the first to the second: the second is
    // the figure, the first what it is compared with ("compare October to November" is the other way)
    if ((m[0] === 'to' && /\bfrom\b/.test(text.slice(0, m.index))) || (m[0] === 'and' && changesBetween(text.slice(0, m.index)))) return { period: right, compare: left };
    return { period: left, compare: right };
  }
  return undefined;
}

/** The period (and a comparison period) named in the text. */
export function periodsOf(text: string, ctx: UnderstandContext, previous?: Period): Periods {
  const found = findPeriods(text, ctx.now, ctx.timeZone, previous);
  const mainFound = found.find((p) => p.kind === 'period' && p.role === 'main');
  const main = mainFound?.kind === 'period' ? mainFound.period : undefined;
  // "… than in the 7 days before": words that count back from the period read are its comparison
  const back = (p: PeriodMatch) => p.kind === 'unreadable' && (main ?? previous) !== undefined && BACK_WORDS.test(p.text.toLowerCase());
  const bad = found.find((p) => p.kind === 'unreadable' && (p.role === 'main' || p.reason !== undefined) && !back(p));
  if (bad?.kind === 'unreadable') {
    const why = { ...(bad.reason ? { reason: bad.reason } : {}), ...(bad.hint ? { hint: bad.hint } : {}) };
    return { unreadable: bad.unreadable, ...(bad.reason || bad.hint ? { unreadableWhy: why } : {}) };
  }
  if (found.some(back)) return { ...(main ? { period: main } : {}), compare: previousPeriod((main ?? previous)!) };
  // a follow-up's "compared with the week before?": counted from the question before
  const cmpFound = found.find((p) => p.kind === 'period' && p.role === 'comparison');
  if (!main && previous && cmpFound?.kind === 'period') return { compare: cmpFound.period };
  // "Voltix vs Oakhaven this week compared to last week": the last comparison word followed by a period compares periods
  const cmps = [...text.matchAll(/\b(?:vs\.?|versus|compar(?:e|ed|ing) (?:it |that |this |them )?(?:to|with)|against|(?<!\bother )than)\b/g)];
  const cmp = cmps.length > 1 ? [...cmps].reverse().find((c) => parsePeriod(text.slice(c.index + c[0].length), ctx.now, ctx.timeZone)) ?? cmps[0] : cmps[0];
  const whole = parsePeriod(text, ctx.now, ctx.timeZone, previous);
  if (!cmp) {
    const asked = /\bcompar(?:e|ed|ing|ison)\b|\bchang(?:e|ed|ing)\b(?! made)|\bdifference\b/.test(text) || CHANGE_WORDS.some(([re]) => re.test(text));
    // "how has it changed since last month": this month so far against last month
    const since = asked ? /\bsince (?:the )?(?:last|previous) (day|week|month|quarter|year)\b|\bsince (yesterday)\b/.exec(text) : null;
    if (since) {
      const unit = since[1] ?? 'day';
      const now = parsePeriod(unit === 'day' ? 'today' : `this ${unit}`, ctx.now, ctx.timeZone);
      const before = parsePeriod(unit === 'day' ? 'yesterday' : `last ${unit}`, ctx.now, ctx.timeZone);
      if (now && before) return { period: now, compare: before };
    }
    const named = asked && whole ? secondPeriod(text, whole, ctx, previous) : undefined;
    if (named) return named;
    // "handoffs last week and the week before" ("&", "plus", "as well as", "/"): both, the second as the comparison.
    // Joined by anything else ("or the week before"), the second period is named back, never dropped.
    if (!asked && main && cmpFound?.kind === 'period' && mainFound && cmpFound.start >= mainFound.end) {
      // (the reader may take a joining word into the period: "relative to the week before", "up from the week before")
      const lead = /^(.*?)\b(?:the|that|this)\b/.exec(cmpFound.text)?.[1] ?? '';
      if (JOINED.test(text.slice(0, cmpFound.start) + lead)) return { period: main, compare: cmpFound.period };
      return {
        unreadable: `${mainFound.text.trim()}", "${cmpFound.text.trim()}`,
        unreadableWhy: { reason: 'it names a second period, and I could not tell how the two go together', hint: `${headOf(main.label)} vs ${cmpFound.text.trim()}` },
      };
    }
    // "handoffs last week and the 2 weeks before": a second period no reader took is named back, never dropped
    const left = main ? SECOND_UNREAD.exec(found.reduce((t, p) => t.slice(0, p.start) + ' '.repeat(p.end - p.start) + t.slice(p.end), text)) : null;
    if (left) return { unreadable: left[0], unreadableWhy: { reason: `it names a second period besides ${headOf(main!.label)} that I could not read` } };
    if (asked && whole) return { period: whole, compare: previousPeriod(whole), compareImplied: true };
    // two periods named and nothing compares them ("messages in October for last week"): one of them is never dropped
    const mains = found.filter((p): p is Extract<PeriodMatch, { kind: 'period' }> => p.kind === 'period' && p.role === 'main');
    const other = !asked && main ? mains.find((p) => p.period.from !== main.from || p.period.to !== main.to) : undefined;
    if (other && mainFound) {
      const head = (p: Period) => p.label.replace(/ \(.*\)$/, '');
      return {
        unreadable: `${mainFound.text.trim()}", "${other.text.trim()}`,
        unreadableWhy: { reason: 'it names two periods, and a figure is over one', hint: `${head(main!)} vs ${head(other.period)}` },
      };
    }
    return { ...(whole ? { period: whole } : {}), ...(asked ? { compareDefault: true } : {}) };
  }
  // the period before the comparison word as the whole question reads it ("between 1 and 15 Oct vs
  // the period before" is one range: read alone, "compare … between 1 Oct and 15 Oct" compares two days)
  const before = mainFound?.kind === 'period' && mainFound.end <= cmp.index ? mainFound.period : parsePeriod(text.slice(0, cmp.index), ctx.now, ctx.timeZone, previous);
  const right = text.slice(cmp.index + cmp[0].length);
  // "how did that compare to October?", "CSI compared to last week": only the reference is named.
  // A follow-up keeps its period; a new question takes the current one of the reference's unit.
  // (only when the words after "compared to" are the period alone: "Voltix vs Stride Shoes last month" compares pages)
  const refText = findPeriods(right, ctx.now, ctx.timeZone).find((p) => p.kind === 'period')?.text ?? '';
  const periodAlone = refText !== '' && right.replace(refText, ' ').replace(/[?.!,]|\b(?:the|that|in|of|for|one)\b/g, ' ').trim() === '';
  const onlyRight = before || !periodAlone ? undefined : parsePeriod(right, ctx.now, ctx.timeZone, previous);
  if (onlyRight && !/\b(?:previous|prior|preceding|before|usual|normal)\b/.test(right)) {
    if (previous) return { compare: onlyRight };
    // the current one of the reference's unit: "CSI compared to last year" is this year so far against it
    const unit = onlyRight.granularity === 'day' ? 'today' : onlyRight.granularity === 'range' ? undefined : `this ${onlyRight.granularity}`;
    const current = unit ? parsePeriod(unit, ctx.now, ctx.timeZone) : undefined;
    if (current && (current.from !== onlyRight.from || current.to !== onlyRight.to)) return { period: current, compare: onlyRight };
  }
  const left = before ?? whole;
  // "today vs the same day last week": the first period moved back by that unit, weekday kept
  // (a follow-up's "compare with the same day last week" moves the period of the question before)
  // ("the same days of last month", "same dates the previous month")
  const same = /\bsame (?:days?|weekdays?|dates?|week|month|period|time|stretch)(?: (?:of|in))? (?:last|the previous|the prior|a|one) (week|month|year)\b/.exec(right);
  const sameOf = same ? before ?? parsePeriod(text.replace(same[0], ' '), ctx.now, ctx.timeZone, previous) ?? previous : undefined;
  if (same && sameOf) return { period: sameOf, compare: shiftBack(sameOf, same[1] as Unit) };
  // the comparison as read against the main period in the whole question ("yesterday vs a week ago": that day a week earlier)
  const againstMain = cmpFound?.kind === 'period' && main && left && main.from === left.from && main.to === left.to && cmpFound.end > cmp.index ? cmpFound.period : undefined;
  const r = againstMain ?? parsePeriod(right, ctx.now, ctx.timeZone, left);
  if (r && left && (r.from !== left.from || r.to !== left.to)) return { period: left, compare: r };
  // "this month compared to last?": the period before, of the same unit
  if (/\b(?:the )?(?:previous|prior|preceding) (?:period|one)\b|^\s*(?:the )?(?:last|previous)(?: one)?\s*[?.!]*\s*$/.test(right) || USUAL.test(right)) {
    return left ? { period: left, compare: previousPeriod(left) } : { compareDefault: true };
  }
  return { ...(left ? { period: left } : {}), compareWords: right.replace(/[?.!]+$/, '').trim() };
}

const dayCount = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
const headOf = (label: string) => (label.includes(' (') ? label.slice(0, label.indexOf(' (')) : label);

/**
 * A period still running is counted up to today and called so — "this week so far (Mon 7 Dec
 * 2026)", "today so far (…)" — so nobody takes it for a whole one. A window whose name already
 * ends today ("last 7 days", "since Monday", "month to date") keeps its label. Compared with a whole
 * period before it (when the counts are not cut to the same days), a note says how many days each covers.
 */
export function runningPeriod(period: Period, compare: Period | undefined, today: string): { period: Period; note?: string } | undefined {
  if (period.from > today || period.to < today) return undefined;
  const endsToday = period.to === today && (period.granularity === 'range' || /\bso far\b/.test(period.label));
  const head = headOf(period.label);
  // what a label says after its dates ("; weeks run Monday to Sunday …") stays
  const rule = /; ([^)]*)\)$/.exec(period.label)?.[1];
  // a date with no name before it ("Mon 7 Dec 2026") is today itself: "Mon 7 Dec 2026 (today, so far)"
  const label = head === period.label && period.from === today ? `${period.label} (today, so far)`
    : `${/\bso far$/.test(head) ? head : `${head} so far`} (${formatRange(period.from, today)}${rule ? `; ${rule}` : ''})`;
  const now: Period = endsToday ? period : { ...period, to: today, label };
  if (!compare || compare.to >= period.from) return endsToday ? undefined : { period: now };
  const [a, b] = [dayCount(now.from, now.to), dayCount(compare.from, compare.to)];
  if (a === b) return endsToday ? undefined : { period: now };
  const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  const note = `${head.replace(/^./, (c) => c.toUpperCase())} is still running: its figure covers ${a === 1 ? 'its first day' : `its first ${days(a)}`}, against all ${days(b)} of ${headOf(compare.label)}.`;
  return { period: now, note };
}
