import { describe, expect, it } from 'vitest';
import { CHECKS, COMPONENT_WEIGHTS, COMPONENTS, fixesFor, healthStatus, healthTrend, latencyScore, penalty, scoreHealth } from '../src/domain/validation.ts';
import { formatHealthReport } from '../src/domain/validation-report.ts';

// The pure scoring rules of validation: penalties and caps, weights, latency scores, status
// bands, trend, fixes, and the printed report.

const fast = [{ name: 'db_roundtrip', ms: 5, goodMs: 25, poorMs: 500 }];

describe('health scoring', () => {
  it('weights sum to 1 and every check belongs to a component', () => {
    expect(COMPONENTS.reduce((s, c) => s + COMPONENT_WEIGHTS[c], 0)).toBeCloseTo(1, 10);
    for (const rule of Object.values(CHECKS)) expect(COMPONENTS).toContain(rule.component);
  });

  it('a clean system scores 100 and is healthy', () => {
    const r = scoreHealth([], fast);
    expect(r).toMatchObject({ healthScore: 100, status: 'healthy', issues: [], recommendations: [] });
  });

  it('penalties grow per item up to the cap, and a component never goes below 0', () => {
    expect(penalty('orphan_messages', 0)).toBe(0);
    expect(penalty('orphan_messages', 2)).toBe(40);
    expect(penalty('orphan_messages', 1000)).toBe(60);
    const r = scoreHealth(
      [
        { check: 'orphan_messages', count: 1000, samples: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] },
        { check: 'orphan_sessions', count: 5, samples: [] },
        { check: 'fk_constraints', count: 3, samples: ['x'] },
      ],
      fast,
    );
    expect(r.componentScores.database_integrity).toBe(0);
    expect(r.healthScore).toBe(75);
    expect(r.status).toBe('warning');
    expect(r.issues[0]!.samples).toHaveLength(10);
  });

  it('orders issues critical first and gives one recommendation per check', () => {
    const r = scoreHealth([{ check: 'empty_texts', count: 3, samples: [] }, { check: 'unsent_replies', count: 1, samples: [9] }], fast);
    expect(r.issues.map((i) => [i.check, i.severity])).toEqual([['unsent_replies', 'critical'], ['empty_texts', 'warning']]);
    expect(r.issues[1]!.message).toBe('3 recent message(s) have neither text nor attachments');
    expect(r.recommendations).toHaveLength(2);
  });

  it('scores latency linearly between good and poor, and reports slow queries', () => {
    expect(latencyScore({ ms: 10, goodMs: 100, poorMs: 1100 })).toBe(100);
    expect(latencyScore({ ms: 600, goodMs: 100, poorMs: 1100 })).toBe(50);
    expect(latencyScore({ ms: 5000, goodMs: 100, poorMs: 1100 })).toBe(0);
    const r = scoreHealth([], [{ name: 'csi_lookup', ms: 600, goodMs: 100, poorMs: 1100 }, { name: 'db_roundtrip', ms: 1, goodMs: 25, poorMs: 500 }]);
    expect(r.componentScores.performance).toBe(75);
    expect(r.healthScore).toBe(96.3); // 100 − 0.15 × 25, rounded to one decimal
    expect(r.issues).toEqual([expect.objectContaining({ check: 'slow_query:csi_lookup', severity: 'warning', component: 'performance' })]);
  });

  it('status bands: healthy from 90, warning from 70, critical below', () => {
    expect([healthStatus(90), healthStatus(89.9), healthStatus(70), healthStatus(69.9)]).toEqual(['healthy', 'warning', 'warning', 'critical']);
  });

  it('offers each fix once, only for fixable issues', () => {
    const r = scoreHealth([{ check: 'stuck_jobs', count: 2, samples: [1, 2] }, { check: 'stale_metrics', count: 1, samples: [] }, { check: 'orphan_sessions', count: 1, samples: [] }], fast);
    expect(fixesFor(r.issues).sort()).toEqual(['refresh_metrics', 'requeue_stuck_jobs']);
    expect(fixesFor(scoreHealth([{ check: 'orphan_sessions', count: 1, samples: [] }], fast).issues)).toEqual([]);
  });

  it('trend compares the oldest and newest runs with a one-point dead band', () => {
    expect(healthTrend([])).toBe('unknown');
    expect(healthTrend([80])).toBe('unknown');
    expect(healthTrend([80, 70, 80.5])).toBe('flat');
    expect(healthTrend([70, 90])).toBe('up');
    expect(healthTrend([90, 70])).toBe('down');
  });
});

describe('formatHealthReport', () => {
  it('prints the score, every component, the issues with fix hints, and the fixes applied', () => {
    const report = scoreHealth([{ check: 'stuck_jobs', count: 1, samples: [57] }], fast);
    const lines = formatHealthReport(
      { report, runId: 7, fixes: [{ fix: 'requeue_stuck_jobs', ok: true, affected: [57] }], lastAnalysisAt: new Date('2026-12-01T06:02:00Z'), metricsAt: null },
      (d) => d.toISOString(),
    );
    expect(lines[0]).toBe('System health: 97.8/100 (healthy) — validation run #7');
    expect(lines.filter((l) => /\(weight \d+ %\)$/.test(l))).toHaveLength(5);
    expect(lines).toContain('  CRITICAL 1 analysis job(s) in progress for longer than their timeout — e.g. 57 [fixable with --fix]');
    expect(lines).toContain('Last analysis run: 2026-12-01T06:02:00.000Z; metric cache: never computed');
    expect(lines).toContain('  done   requeue_stuck_jobs (57)');
  });
});
