// Local wall-clock facts (hour, weekday) for UTC instants in the business timezone.
// Intl formatting costs microseconds per call and the generator asks millions of times, so
// the UTC offset is computed once per UTC hour and cached: real-world offset changes (DST)
// happen on UTC hour boundaries.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  private lastBucket = NaN;
  private lastOffset = 0;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local time minus UTC, in ms, at instant `ms`. */
  offset(ms: number): number {
    const bucket = Math.floor(ms / HOUR);
    if (bucket === this.lastBucket) return this.lastOffset; // consecutive calls mostly ask about the same hour
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * HOUR;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      this.offsets.set(bucket, off);
    }
    this.lastBucket = bucket;
    this.lastOffset = off;
    return off;
  }

  hour(ms: number): number {
    return Math.floor((ms + this.offset(ms)) / HOUR) % 24;
  }

  /** 0 = Sunday ... 6 = Saturday. */
  weekday(ms: number): number {
    return (Math.floor((ms + this.offset(ms)) / DAY) + 4) % 7; // 1970-01-01 was a Thursday
  }

  isWeekend(ms: number): boolean {
    const d = this.weekday(ms);
    return d === 0 || d === 6;
  }
}
