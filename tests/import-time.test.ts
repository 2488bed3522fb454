import { describe, expect, it } from 'vitest';
import { TimeParser } from '../src/import/time.ts';

// The import's time parser: the fixed-position fast path for canonical UTC ISO strings must
// agree with the general parser, and hand everything else to it.

const utc = new TimeParser('UTC');
const paris = new TimeParser('Europe/Paris');

describe('TimeParser', () => {
  it('reads canonical UTC ISO strings, with and without milliseconds, exactly', () => {
    expect(utc.parse('2026-08-01T09:30:05Z')).toEqual({ ms: Date.UTC(2026, 7, 1, 9, 30, 5) });
    expect(utc.parse('2026-08-01T09:30:05.123Z')).toEqual({ ms: Date.UTC(2026, 7, 1, 9, 30, 5, 123) });
    expect(paris.parse('2026-12-31T23:59:59.999Z')).toEqual({ ms: Date.UTC(2026, 11, 31, 23, 59, 59, 999) }); // Z wins over the business zone
  });

  it('agrees with the general parser on the same instant written other ways', () => {
    const ms = Date.UTC(2026, 2, 29, 1, 15);
    for (const s of ['2026-03-29T01:15:00Z', '2026-03-29T01:15:00.000Z', '2026-03-29 01:15:00Z', ' 2026-03-29T01:15:00Z ', '2026-03-29T03:15:00+02:00', '2026-03-29T01:15Z', String(ms)]) {
      expect(utc.parse(s), s).toEqual({ ms });
    }
  });

  it('rejects dates and times that do not exist, and years outside 2000–2099', () => {
    for (const s of ['2026-02-31T10:00:00Z', '2026-02-29T10:00:00Z', '2026-13-01T10:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:61Z', '2026-0a-01T10:00:00Z']) {
      expect(utc.parse(s), s).toHaveProperty('error');
    }
    expect(utc.parse('2028-02-29T10:00:00Z')).toEqual({ ms: Date.UTC(2028, 1, 29, 10) });
    expect(utc.parse('1999-12-31T23:59:59Z')).toEqual({ error: expect.stringMatching(/outside 2000-2099/) });
  });

  it('reads a time without an offset as wall-clock time in the business timezone', () => {
    expect(paris.parse('2026-08-01T09:30:00')).toEqual({ ms: Date.UTC(2026, 7, 1, 7, 30) });
  });
});
