import { describe, expect, it } from 'vitest';
import { computeCsi, DEFAULT_CSI_SETTINGS, pillars, timeScore, type MicroMetrics } from '../src/domain/csi.ts';
import { dayOf, daysBetween } from '../src/domain/days.ts';
import { timeMetrics } from '../src/domain/time-metrics.ts';

const full: MicroMetrics = {
  sentimentScore: 8,
  sentimentShift: 2,
  resolutionAchieved: 9,
  fcrScore: 10,
  ces: 2,
  firstResponseTime: 30, // better than great → 10
  avgResponseTime: 1860, // halfway between 120 and 3600 → 5
  totalHandlingTime: 35, // halfway between 10 and 60 → 5
};

describe('CSI formula (DESIGN.md §5)', () => {
  it('matches a hand-computed day with every metric present', () => {
    // effectiveness = 0.6·9 + 0.4·10 = 9.4
    // effort        = (7−2)/6·10 = 8.3333…
    // efficiency    = (10 + 5 + 5)/3 = 6.6667…
    // empathy       = 0.7·8 + 0.3·(2+5) = 7.7
    // CSI = 10 × (0.35·9.4 + 0.2·8.3333 + 0.2·6.6667 + 0.25·7.7) = 10 × 8.215 = 82.15
    const r = computeCsi(full);
    expect(r.effectiveness).toBeCloseTo(9.4, 10);
    expect(r.effort).toBeCloseTo(8.333333, 5);
    expect(r.efficiency).toBeCloseTo(6.666667, 5);
    expect(r.empathy).toBeCloseTo(7.7, 10);
    expect(r.csi).toBeCloseTo(82.15, 10);
    expect(r.missing).toEqual([]);
  });

  it('drops the efficiency pillar on a day with no agent reply and renormalises', () => {
    // No reply: the three time metrics are missing, efficiency is null.
    // CSI = 10 × (0.35·9.4 + 0.2·8.3333 + 0.25·7.7) / 0.8 = 10 × 6.8817 / 0.8 = 86.0208…
    const r = computeCsi({ ...full, firstResponseTime: null, avgResponseTime: null, totalHandlingTime: null });
    expect(r.efficiency).toBeNull();
    expect(r.csi).toBeCloseTo((10 * (0.35 * 9.4 + 0.2 * (50 / 6) + 0.25 * 7.7)) / 0.8, 10);
    expect(r.csi).toBeCloseTo(86.0208, 3);
    expect(r.missing).toEqual(['firstResponseTime', 'avgResponseTime', 'totalHandlingTime']);
  });

  it('renormalises inside pillars when one input is missing', () => {
    const p = pillars({ ...full, fcrScore: null, sentimentShift: null, avgResponseTime: null });
    expect(p.effectiveness).toBe(9); // resolution alone
    expect(p.empathy).toBe(8); // sentiment alone
    expect(p.efficiency).toBe(7.5); // (10 + 5) / 2
  });

  it('clamps inputs and time scores at their bounds', () => {
    expect(timeScore(10, { great: 60, poor: 3600 })).toBe(10);
    expect(timeScore(99_999, { great: 60, poor: 3600 })).toBe(0);
    expect(timeScore(1830, { great: 60, poor: 3600 })).toBe(5);
    const best = computeCsi({ sentimentScore: 14, sentimentShift: 9, resolutionAchieved: 11, fcrScore: 10, ces: 0, firstResponseTime: 0, avgResponseTime: 0, totalHandlingTime: 0 });
    expect(best.csi).toBe(100);
    const worst = computeCsi({ sentimentScore: -3, sentimentShift: -8, resolutionAchieved: -1, fcrScore: 0, ces: 9, firstResponseTime: 1e9, avgResponseTime: 1e9, totalHandlingTime: 1e9 });
    expect(worst.csi).toBe(0);
  });

  it('treats NaN as missing and returns null CSI when nothing is known', () => {
    const none = computeCsi({ sentimentScore: null, sentimentShift: null, resolutionAchieved: null, fcrScore: null, ces: Number.NaN, firstResponseTime: null, avgResponseTime: null, totalHandlingTime: null });
    expect(none.csi).toBeNull();
    expect(none.missing).toHaveLength(8);
  });

  it('uses configurable weights and bounds', () => {
    const onlyEffort = { ...DEFAULT_CSI_SETTINGS, weights: { effectiveness: 0, effort: 1, efficiency: 0, empathy: 0 } };
    expect(computeCsi(full, onlyEffort).csi).toBeCloseTo(83.3333, 3);
    const strict = { ...DEFAULT_CSI_SETTINGS, bounds: { ...DEFAULT_CSI_SETTINGS.bounds, firstResponseTime: { great: 10, poor: 50 } } };
    expect(pillars({ ...full, avgResponseTime: null, totalHandlingTime: null }, strict).efficiency).toBe(5); // 30 s halfway 10..50
  });
});

describe('time metrics', () => {
  const t = (min: number) => new Date(Date.UTC(2026, 0, 5, 9, 0) + min * 60_000);
  it('computes first, average response and capped handling time', () => {
    const m = timeMetrics([
      { direction: 'to_company', at: t(0) },
      { direction: 'to_company', at: t(1) }, // same turn: the wait starts at t0
      { direction: 'to_client', at: t(3) }, // wait 180 s; handling min(120 s, 600) = 2 min
      { direction: 'to_client', at: t(4) }, // handling 1 min, no wait
      { direction: 'to_company', at: t(30) },
      { direction: 'to_client', at: t(50) }, // wait 1200 s; handling capped at 10 min
    ]);
    expect(m.firstResponseTime).toBe(180);
    expect(m.avgResponseTime).toBe((180 + 1200) / 2);
    expect(m.totalHandlingTime).toBe(2 + 1 + 10);
  });

  it('leaves all three missing on a day without a reply', () => {
    expect(timeMetrics([{ direction: 'to_company', at: t(0) }, { direction: 'to_company', at: t(5) }])).toEqual({
      firstResponseTime: null,
      avgResponseTime: null,
      totalHandlingTime: null,
    });
  });
});

describe('business days', () => {
  it('puts an instant on the day of the business timezone', () => {
    const at = new Date('2026-03-01T23:30:00Z');
    expect(dayOf(at, 'UTC')).toBe('2026-03-01');
    expect(dayOf(at, 'Europe/Berlin')).toBe('2026-03-02');
    expect(dayOf(at, 'America/New_York')).toBe('2026-03-01');
    expect(daysBetween('2026-02-27', '2026-03-02')).toBe(3);
  });
});
