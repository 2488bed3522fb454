// Display strings for the assistant's tool outputs. Every DTO carries raw numbers for
// computation next to these strings, so the model never has to round or format by itself
// (and cannot turn a missing value into a misleading zero).

export const NO_DATA = 'no data';

const isNumber = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** CSI on its 0–100 scale, one decimal: 72.44 → "72.4". */
export function formatCsi(x: number | null | undefined): string {
  return isNumber(x) ? x.toFixed(1) : NO_DATA;
}

/** A 0–10 pillar or micro-metric, one decimal. */
export function formatScore(x: number | null | undefined): string {
  return isNumber(x) ? x.toFixed(1) : NO_DATA;
}

/** A signed change, one decimal: "+2.1", "-0.4", "0.0". */
export function formatChange(x: number | null | undefined): string {
  if (!isNumber(x)) return NO_DATA;
  const s = x.toFixed(1);
  // -0.04 would otherwise read "-0.0", a change that looks like a drop but is not one.
  if (Number(s) === 0) return '0.0';
  return x > 0 ? `+${s}` : s;
}

/** "45 s", "2 min 10 s", "1 h 5 min"; zero parts are left out ("2 min", "1 h"). */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return NO_DATA;
  const sign = seconds < 0 ? '-' : '';
  const total = Math.round(Math.abs(seconds));
  if (total < 60) return `${sign}${total} s`;
  if (total < 3600) {
    const m = Math.floor(total / 60);
    const s = total % 60;
    return `${sign}${m} min${s ? ` ${s} s` : ''}`;
  }
  // Past an hour the seconds are noise for a reader; minutes are rounded instead of cut.
  const minutes = Math.round(total / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${sign}${h} h${m ? ` ${m} min` : ''}`;
}

/** A 0–1 share as a percentage, one decimal: 0.123 → "12.3%". */
export function formatPercent(share: number | null | undefined): string {
  return isNumber(share) ? `${(share * 100).toFixed(1)}%` : NO_DATA;
}

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345". */
export function formatCount(n: number | null | undefined): string {
  return isNumber(n) ? COUNT.format(n) : NO_DATA;
}
