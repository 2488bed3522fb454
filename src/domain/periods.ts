// Natural-language reporting periods in the business timezone: finding every period phrase in
// a question (findPeriods), with its role and the words it covers, and the older one-period
// reader (parsePeriod). The grammar is in period-rules.ts, phrases made of other phrases in
// period-compose.ts, building periods in period-build.ts; the timezone decides only which day
// "today" is and, in periodBounds, which instants a day starts and ends at.

import { dayOf } from './days.ts';
import { RULES } from './period-rules.ts';
import { periodTense, type Period } from './period-build.ts';
import { CHANGE_BETWEEN, CHANGE_FROM, COMPARE_CONNECTOR, COMPARE_CUE, COMPARE_WORD, LEAD_IN, unreadPhrases, type Span } from './period-cues.ts';
import { isRefusal, periodOf, select, type Candidate } from './period-candidates.ts';
import { comparesTwo, compounds } from './period-compose.ts';

export { periodBetween, previousPeriod, shiftBack, periodTense } from './period-build.ts';
export type { Granularity, Period, Unit } from './period-build.ts';
export { boundsProblem, periodBounds } from './period-bounds.ts';
export { changesBetween } from './period-cues.ts';

/** The main period of a question, or one it is compared with ("vs last week"). */
export type PeriodRole = 'main' | 'comparison';

interface Found {
  /** [start, end) in the ORIGINAL text, covering the phrase and its lead-in ("on", "vs") */
  start: number;
  end: number;
  /** the original words of that span */
  text: string;
  role: PeriodRole;
}

export interface FoundPeriod extends Found {
  kind: 'period';
  period: Period;
  /** the period includes today, so its figures are not final */
  partial: boolean;
  /** the period starts after today: it can have no data yet */
  future: boolean;
}

/** A phrase that looks like a period but could not be read: say so, never use a default. */
export interface UnreadablePeriod extends Found {
  kind: 'unreadable';
  /** the words that could not be read, as written */
  unreadable: string;
  /** why, when known ("day and month order is ambiguous") */
  reason?: string;
  /** a phrase that would work instead, when there is an obvious one */
  hint?: string;
}

export type PeriodMatch = FoundPeriod | UnreadablePeriod;

// ── text positions ───────────────────────────────────────────────────────────────────────────

interface Normalized {
  lower: string;
  /** original index of each normalized character's start, and of the end after it */
  startAt: number[];
  endAt: number[];
}

/** Lower case with runs of whitespace as one space, remembering where each character came from. */
function normalize(text: string): Normalized {
  let lower = '';
  const startAt: number[] = [];
  const endAt: number[] = [];
  let i = 0;
  for (const ch of text) {
    const isSpace = /\s/.test(ch);
    if (!(isSpace && lower.endsWith(' '))) {
      const out = isSpace ? ' ' : ch.replace(/[’‘`]/, "'").toLowerCase();
      for (let k = 0; k < out.length; k++) {
        startAt.push(i);
        endAt.push(i + ch.length);
      }
      lower += out;
    } else if (endAt.length) {
      endAt[endAt.length - 1] = i + ch.length;
    }
    i += ch.length;
  }
  return { lower, startAt, endAt };
}

// ── candidates ───────────────────────────────────────────────────────────────────────────────

/**
 * The order of day and month the question's own numeric dates show: "15/11" can only be day
 * first, "11/15" only month first. None when no date shows it, or when two dates disagree.
 */
function dateOrderOf(lower: string): 'day' | 'month' | undefined {
  const seen = new Set<'day' | 'month'>();
  for (const m of lower.matchAll(/(?<![\d/.])(\d{1,2})[/.](\d{1,2})(?:[/.]\d{2,4})?(?![\d/])/g)) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a > 12 && b >= 1 && b <= 12) seen.add('day');
    if (b > 12 && a >= 1 && a <= 12) seen.add('month');
  }
  return seen.size === 1 ? [...seen][0] : undefined;
}

function atomic(lower: string, today: string): Candidate[] {
  const out: Candidate[] = [];
  const dateOrder = dateOrderOf(lower);
  RULES.forEach((rule, order) => {
    for (const m of lower.matchAll(rule.re)) {
      const span = { start: m.index, end: m.index + m[0].length, order };
      if (rule.relative) out.push({ ...span, relative: { rule, m: m as RegExpExecArray } });
      else {
        const reading = rule.build(m as RegExpExecArray, { today, ...(dateOrder ? { dateOrder } : {}) });
        if (reading) out.push({ ...span, reading, ...(rule.compared ? { comparable: { rule, m: m as RegExpExecArray } } : {}) });
      }
    }
  });
  return out;
}

// ── roles ────────────────────────────────────────────────────────────────────────────────────

interface Placed extends Candidate {
  role: PeriodRole;
}

/** Decides each phrase's role, and widens its span over its cue or lead-in words. */
function place(lower: string, chosen: Candidate[]): Placed[] {
  const placed: Placed[] = [];
  chosen.forEach((c, i) => {
    const before = lower.slice(0, c.start);
    const cue = COMPARE_CUE.exec(before);
    const mainBefore = placed.some((p) => p.role === 'main' && !p.relative && periodOf(p));
    const connector = mainBefore && COMPARE_WORD.test(before) ? COMPARE_CONNECTOR.exec(before) : null;
    const next = chosen[i + 1];
    const changeFrom = next && ((CHANGE_FROM.test(before) && /^ (?:to|until) (?:the )?$/.test(lower.slice(c.end, next.start))) || (CHANGE_BETWEEN.test(before) && /^ and (?:the )?$/.test(lower.slice(c.end, next.start))));
    let role: PeriodRole = cue || connector || changeFrom || (c.relative && mainBefore) ? 'comparison' : 'main';
    let start = cue ? cue.index : connector ? connector.index : c.start;
    if (!cue && !connector) {
      const lead = LEAD_IN.exec(before);
      if (lead) start = lead.index;
    }
    if (placed.some((p) => p.end > start)) start = c.start;
    if (role === 'main' && placed.at(-1)?.role === 'main' && CHANGE_FROM.test(lower.slice(0, placed.at(-1)!.start))) {
      // "from last week to this week": the first is the baseline.
      placed.at(-1)!.role = 'comparison';
      role = 'main';
    }
    placed.push({ ...c, start, role });
  });
  return placed;
}

/** Reads the relative phrases ("the week before"), counting from the main period or `previous`. */
function resolveRelative(placed: Placed[], today: string, previous?: Period): void {
  const main = placed.map((p) => (p.role === 'main' && !p.relative ? periodOf(p) : undefined)).find(Boolean);
  for (const p of placed) {
    // what a comparison is compared with: the question's main period, else (a follow-up's
    // "and compared to a week ago?") the conversation's
    const against = main ?? previous;
    if (p.comparable && p.role === 'comparison' && against) {
      p.reading = p.comparable.rule.compared?.(p.comparable.m, { today, anchor: against, comparing: true }) ?? p.reading;
    }
    if (!p.relative) continue;
    const comparing = p.role === 'comparison' && main !== undefined;
    const anchor = comparing ? main : previous;
    p.reading = p.relative.rule.build(p.relative.m, { today, anchor, comparing }) ?? { refused: 'there is no period to count from' };
  }
}

// ── public ───────────────────────────────────────────────────────────────────────────────────

/**
 * Every period phrase in `text`, in text order, each with its span in the original text, its
 * role (the main period, or a comparison: "vs last week", "than the same day last week") and
 * whether it is partial or in the future. Phrases that look like periods but cannot be read
 * come back as `kind: 'unreadable'`, so the caller can say so instead of using a default.
 * `previous` is the period of the conversation so far, for follow-ups ("and the week before?").
 */
export function findPeriods(text: string, now: Date, timeZone: string, previous?: Period): PeriodMatch[] {
  const { lower, startAt, endAt } = normalize(text);
  const today = dayOf(now, timeZone);
  const atoms = atomic(lower, today);
  const placed = place(lower, select([...atoms, ...compounds(lower, atoms, today)].filter((c) => !comparesTwo(lower, c, atoms))));
  resolveRelative(placed, today, previous);
  const span = (s: Span) => {
    const start = startAt[s.start] ?? text.length;
    const end = s.end > 0 ? (endAt[s.end - 1] ?? text.length) : start;
    return { start, end, text: text.slice(start, end) };
  };
  const out: PeriodMatch[] = placed.map((p) => {
    const at = span(p);
    const r = p.reading!;
    if (isRefusal(r)) return { kind: 'unreadable', ...at, role: p.role, unreadable: at.text, reason: r.refused, ...(r.hint ? { hint: r.hint } : {}) };
    const tense = periodTense(r, today);
    return { kind: 'period', ...at, role: p.role, period: r, partial: tense === 'partial', future: tense === 'future' };
  });
  for (const s of unreadPhrases(lower, placed)) {
    const at = span(s);
    out.push({ kind: 'unreadable', ...at, role: s.comparison ? 'comparison' : 'main', unreadable: at.text });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The first period phrase in `text` ("how was CSI last week?"); undefined if none. Unreadable
 * phrases are skipped here: callers that must report them use findPeriods.
 */
export function parsePeriod(text: string, now: Date, timeZone: string, previous?: Period): Period | undefined {
  const first = findPeriods(text, now, timeZone, previous).find((f) => f.kind === 'period');
  return first?.kind === 'period' ? first.period : undefined;
}

/** Whether `p` includes the current day in `timeZone`, so its figures are still moving. */
export function isPartial(p: Period, now: Date, timeZone: string): boolean {
  return periodTense(p, dayOf(now, timeZone)) === 'partial';
}
