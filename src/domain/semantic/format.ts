// Display strings for catalogue figures: the unit decides how a number is written.
import type { Measure, Statistic, Unit } from './catalogue.ts';
import { WEEKDAY_NAMES } from './catalogue.ts';

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.round(s / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

export function formatValue(value: number | null, unit: Unit, statistic: Statistic): string {
  if (value === null || !Number.isFinite(value)) return 'no data';
  if (statistic === 'share' || statistic === 'rate' || unit === 'share') return `${(value * 100).toFixed(1)}%`;
  if (statistic === 'count') return Math.round(value).toLocaleString('en-US');
  if (statistic === 'perDay') return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  switch (unit) {
    case 'seconds':
      return formatDuration(value);
    case 'minutes':
      return `${value.toFixed(1)} min`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'shift':
      return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
    case 'ces':
      return value.toFixed(2);
    case 'csat':
      return `${value.toFixed(2)} / 5`;
    default:
      return value.toFixed(1);
  }
}

/**
 * A change between two figures in the figures' own unit: "−28 min 10 s", "+3", "+1.2 pts" for
 * shares and rates (percentage points, not percent), so a delta never reads as a bare number.
 */
export function formatDelta(delta: number, unit: Unit, statistic: Statistic): string {
  const sign = delta >= 0 ? '+' : '−';
  const a = Math.abs(delta);
  if (statistic === 'share' || statistic === 'rate' || unit === 'share') return `${sign}${(a * 100).toFixed(1)} pts`;
  if (statistic === 'perDay') return `${sign}${a.toLocaleString('en-US', { maximumFractionDigits: 1 })}`;
  if (statistic === 'count' || unit === 'count') return `${sign}${Math.round(a).toLocaleString('en-US')}`;
  switch (unit) {
    case 'seconds':
      // under a second the rounded duration would read "−0 s" between two figures that differ
      return `${sign}${a > 0 && a < 0.95 ? `${a.toFixed(1)} s` : formatDuration(a)}`;
    case 'minutes':
      return `${sign}${a.toFixed(1)} min`;
    case 'shift':
    case 'ces':
    case 'csat':
      return `${sign}${a.toFixed(2)}`;
    default:
      return `${sign}${a.toFixed(1)}`;
  }
}

/** "conversation-days" → "conversation-day", "QA changes" → "QA change", "replies" → "reply": the last word made singular. */
export function singular(plural: string): string {
  if (/ies$/.test(plural)) return plural.replace(/ies$/, 'y');
  return plural.replace(/(?<!s)s$/, '');
}

/**
 * A count with its noun in the right number: "1 CSAT survey", "1,204 CSAT surveys". `noun` is the
 * plural; `shown` the count as displayed, when the caller has it already.
 */
export function counted(n: number, noun: string, shown = n.toLocaleString('en-US')): string {
  return `${shown} ${n === 1 ? singular(noun) : noun}`;
}

const STAT_WORDS: Record<Statistic, string> = {
  mean: 'average', median: 'median', p90: '90th percentile', min: 'minimum', max: 'maximum', sum: 'total', count: 'number of', rate: '', share: 'share of', perDay: 'daily average of',
};

/** "median first response time", "average CSI", "number of messages", "handoff rate". */
export function describeFigure(m: Measure, statistic: Statistic): string {
  const word = STAT_WORDS[statistic];
  return word ? `${word} ${m.label}` : m.label;
}

/** A group key as people read it: weekday numbers become names, hours a clock range. */
export function formatKey(dimension: string | undefined, key: unknown): string {
  if (key === null || key === undefined) return dimension === 'agent' ? 'no human agent' : dimension === 'reviewer' ? 'nobody' : 'unknown';
  if (dimension === 'weekday') return WEEKDAY_NAMES[Number(key) - 1] ?? String(key);
  if (dimension === 'hour') return `${String(key).padStart(2, '0')}:00–${String(key).padStart(2, '0')}:59`;
  if (key instanceof Date) return key.toISOString().slice(0, 10);
  return String(key);
}
