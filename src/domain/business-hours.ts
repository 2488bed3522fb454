// A page's business hours and the answer a customer handed off outside them gets (issue 19).
// Hours are written as people say them: "mon-fri 09:00-18:00; sat 10:00-14:00" (days as
// ranges or lists, one or more time ranges each, segments joined by ";"), in the page's
// timezone. Pure: the clock value and the timezone come in.

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** Minutes after local midnight, [from, to), per ISO weekday index (0 = Monday). */
export type WeeklyHours = readonly (readonly [number, number][])[];

export type ParsedHours = { ok: true; hours: WeeklyHours } | { ok: false; reason: string };

const EXAMPLE = 'write them like "mon-fri 09:00-18:00; sat 10:00-14:00"';

function dayIndex(word: string): number {
  return DAYS.indexOf(word.slice(0, 3).toLowerCase() as (typeof DAYS)[number]);
}

function minutes(hhmm: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return undefined;
  return h * 60 + min;
}

/** The days of "mon-fri", "sat", "mon,wed,fri" (a range may wrap: "fri-mon"). */
function days(spec: string): number[] | undefined {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-');
    const from = dayIndex(a ?? '');
    const to = b === undefined ? from : dayIndex(b);
    if (from < 0 || to < 0) return undefined;
    for (let d = from; ; d = (d + 1) % 7) {
      out.push(d);
      if (d === to) break;
    }
  }
  return out;
}

export function parseBusinessHours(text: string): ParsedHours {
  const week: [number, number][][] = DAYS.map(() => []);
  const segments = text.split(';').map((s) => s.trim()).filter(Boolean);
  if (!segments.length) return { ok: false, reason: `no hours given: ${EXAMPLE}` };
  for (const segment of segments) {
    const [spec, ...ranges] = segment.split(/\s+/);
    const ds = days(spec ?? '');
    if (!ds) return { ok: false, reason: `"${spec}" is not a day or a range of days (mon … sun): ${EXAMPLE}` };
    if (!ranges.length) return { ok: false, reason: `"${segment}" has no times: ${EXAMPLE}` };
    for (const range of ranges) {
      const [a, b] = range.split('-');
      const from = minutes(a ?? '');
      const to = minutes(b ?? '');
      if (from === undefined || to === undefined || to <= from) return { ok: false, reason: `"${range}" is not a time range such as 09:00-18:00 (the end after the start, same day)` };
      for (const d of ds) week[d]!.push([from, to]);
    }
  }
  return { ok: true, hours: week.map((r) => r.sort((x, y) => x[0] - y[0])) };
}

/** The local weekday (0 = Monday) and minute of the day of `at` in `timeZone`. */
function localMinute(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: dayIndex(get('weekday')), minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function isOpen(hours: WeeklyHours, at: Date, timeZone: string): boolean {
  const { day, minute } = localMinute(at, timeZone);
  return hours[day]!.some(([from, to]) => minute >= from && minute < to);
}

export interface Opening {
  /** 0 today, 1 tomorrow, … */
  daysAhead: number;
  weekday: string;
  time: string;
}

/** When people are next in, at or after `at`; undefined for a week without hours. */
export function nextOpening(hours: WeeklyHours, at: Date, timeZone: string): Opening | undefined {
  const now = localMinute(at, timeZone);
  for (let ahead = 0; ahead <= 7; ahead++) {
    const day = (now.day + ahead) % 7;
    const ranges = hours[day]!;
    const start = ahead === 0 ? ranges.find(([, to]) => to > now.minute) : ranges[0];
    if (!start) continue;
    const from = Math.max(start[0], ahead === 0 ? now.minute : 0);
    return { daysAhead: ahead, weekday: DAY_NAMES[day]!, time: `${String(Math.floor(from / 60)).padStart(2, '0')}:${String(from % 60).padStart(2, '0')}` };
  }
  return undefined;
}

/** "today at 14:00", "tomorrow at 09:00", "on Monday at 09:00". */
export function openingWords(o: Opening): string {
  if (o.daysAhead === 0) return `today at ${o.time}`;
  if (o.daysAhead === 1) return `tomorrow at ${o.time}`;
  return `on ${o.weekday} at ${o.time}`;
}

export const DEFAULT_OUT_OF_HOURS = 'Our team is not in right now. People are back {{when}} and will answer you here then.';

/**
 * What a customer handed off at `at` is told about the hours: nothing when the page has no
 * hours or is open; else the page's text (or the default) with {{when}} filled.
 */
export function outOfHoursNotice(page: { hours: string | null; timeZone: string; text: string | null }, at: Date): string | undefined {
  if (!page.hours) return undefined;
  const parsed = parseBusinessHours(page.hours);
  if (!parsed.ok || isOpen(parsed.hours, at, page.timeZone)) return undefined;
  const next = nextOpening(parsed.hours, at, page.timeZone);
  const when = next ? openingWords(next) : 'as soon as they can';
  return (page.text?.trim() || DEFAULT_OUT_OF_HOURS).replace(/\{\{\s*when\s*\}\}/gi, when);
}
