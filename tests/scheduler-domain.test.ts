import { describe, expect, it } from 'vitest';
import { catchUpTick, latestTick, nextTick, ScheduleError, ticksBetween, wallToInstant } from '../src/domain/schedule.ts';
import { parseCron } from '../src/jobs/scheduler/cron.ts';

// Tick computation (pure): cron expression + IANA timezone → instants, across DST.
// 2026 in Europe/Berlin: clocks go 02:00 CET → 03:00 CEST on Sun 29 March (01:00Z) and
// 03:00 CEST → 02:00 CET on Sun 25 October (01:00Z).

const BERLIN = 'Europe/Berlin';
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
const ticks = (cron: string, from: string, to: string, tz = BERLIN) => iso(ticksBetween(parseCron(cron), tz, new Date(from), new Date(to)));

describe('schedule ticks', () => {
  it('09:00 Europe/Berlin daily is 08:00Z in winter and 07:00Z in summer, once a day across the change', () => {
    expect(ticks('0 9 * * *', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-27T08:00:00.000Z', '2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('a time inside the spring-forward gap runs once, at the first instant after the gap (03:00 CEST)', () => {
    expect(ticks('30 2 * * *', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z',
    ]);
    expect(wallToInstant({ y: 2026, mo: 3, d: 29, h: 2, mi: 30, s: 0 }, BERLIN).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('several gap times collapse into one run, not one per time', () => {
    // 02:00, 02:15, 02:30, 02:45 do not exist; all stand for 03:00 CEST, as does 03:00 itself
    expect(ticks('*/15 * * * *', '2026-03-29T00:40:00Z', '2026-03-29T01:20:00Z')).toEqual([
      '2026-03-29T00:45:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z',
    ]);
  });

  it('a time occurring twice at fall-back runs once, at its first occurrence (CEST)', () => {
    expect(ticks('30 2 * * *', '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z',
    ]);
    // the repeated hour's second pass (01:00Z–01:59Z, 02:xx CET) has no ticks of its own
    expect(ticks('*/30 * * * *', '2026-10-24T23:45:00Z', '2026-10-25T02:15:00Z')).toEqual([
      '2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('other zones and six-field expressions', () => {
    expect(ticks('0 0 9 * * 1', '2026-11-01T00:00:00Z', '2026-11-20T00:00:00Z', 'America/New_York')).toEqual([
      '2026-11-02T14:00:00.000Z', '2026-11-09T14:00:00.000Z', '2026-11-16T14:00:00.000Z',
    ]);
    expect(ticks('0 9 1 * *', '2026-01-15T00:00:00Z', '2026-04-15T00:00:00Z', 'UTC')).toEqual([
      '2026-02-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z', '2026-04-01T09:00:00.000Z',
    ]);
  });

  it('nextTick is strictly after its argument', () => {
    const f = parseCron('0 9 * * *');
    expect(nextTick(f, BERLIN, new Date('2026-03-29T07:00:00Z')).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(nextTick(f, BERLIN, new Date('2026-03-29T06:59:59.999Z')).toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  it('bad expressions are clear errors', () => {
    expect(() => parseCron('61 * * * *')).toThrow(ScheduleError);
    expect(() => parseCron('61 * * * *')).toThrow(/minute/);
    expect(() => parseCron('0 9 L * *')).toThrow(/not supported/);
    expect(() => parseCron('0 9 30 2 *')).toThrow(/impossible day/);
  });
});

describe('catch-up', () => {
  const f = parseCron('0 9 * * *');
  const last = new Date('2026-03-25T08:00:00Z');
  const now = new Date('2026-03-28T12:00:00Z');

  it('finds the latest missed tick since the last recorded run', () => {
    expect(latestTick(f, BERLIN, last, now)?.toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(latestTick(f, BERLIN, last, new Date('2026-03-25T09:00:00Z'))).toBeUndefined();
    // minutely over a long downtime stays cheap and exact
    expect(latestTick(parseCron('* * * * *'), BERLIN, new Date('2025-01-01T00:00:00Z'), new Date('2026-03-29T00:00:30Z'))?.toISOString()).toBe('2026-03-29T00:00:00.000Z');
  });

  it('runs at most one missed tick, only when enabled and only for a task that ran before', () => {
    const latestBefore = latestTick(f, BERLIN, last, now);
    expect(catchUpTick({ catchUp: 1, lastRecorded: last, latestBefore })?.toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(catchUpTick({ catchUp: 0, lastRecorded: last, latestBefore })).toBeUndefined();
    expect(catchUpTick({ catchUp: 1, lastRecorded: undefined, latestBefore })).toBeUndefined();
    expect(catchUpTick({ catchUp: 1, lastRecorded: last, latestBefore: undefined })).toBeUndefined();
  });
});
