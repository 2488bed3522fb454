// The Customer Satisfaction Index (DESIGN.md §5): eight micro-metrics → four pillars → CSI.
// A missing input drops out and the remaining weights are renormalised, at every level.

export const METRICS = [
  'sentimentScore',
  'sentimentShift',
  'resolutionAchieved',
  'fcrScore',
  'ces',
  'firstResponseTime',
  'avgResponseTime',
  'totalHandlingTime',
] as const;
export type MetricName = (typeof METRICS)[number];

/** Seconds for the two response times, minutes for handling time; null = missing. */
export type MicroMetrics = Record<MetricName, number | null>;

export interface Pillars {
  effectiveness: number | null;
  effort: number | null;
  efficiency: number | null;
  empathy: number | null;
}

export interface CsiResult extends Pillars {
  csi: number | null;
  missing: MetricName[];
}

export interface TimeBound {
  /** value that scores 10 */
  great: number;
  /** value that scores 0 */
  poor: number;
}

export interface CsiSettings {
  weights: { effectiveness: number; effort: number; efficiency: number; empathy: number };
  bounds: { firstResponseTime: TimeBound; avgResponseTime: TimeBound; totalHandlingTime: TimeBound };
}

export const DEFAULT_CSI_SETTINGS: CsiSettings = {
  weights: { effectiveness: 0.35, effort: 0.2, efficiency: 0.2, empathy: 0.25 },
  bounds: {
    firstResponseTime: { great: 60, poor: 3600 },
    avgResponseTime: { great: 120, poor: 3600 },
    totalHandlingTime: { great: 10, poor: 60 },
  },
};

const RANGES: Record<MetricName, [number, number]> = {
  sentimentScore: [0, 10],
  sentimentShift: [-5, 5],
  resolutionAchieved: [0, 10],
  fcrScore: [0, 10],
  ces: [1, 7],
  firstResponseTime: [0, Number.POSITIVE_INFINITY],
  avgResponseTime: [0, Number.POSITIVE_INFINITY],
  totalHandlingTime: [0, Number.POSITIVE_INFINITY],
};

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Inputs outside their documented range are clamped; NaN/Infinity count as missing. */
function clean(m: MicroMetrics): MicroMetrics {
  const out = { ...m };
  for (const name of METRICS) {
    const v = m[name];
    const [lo, hi] = RANGES[name];
    out[name] = v === null || !Number.isFinite(v) ? null : clamp(v, lo, hi);
  }
  return out;
}

/** Linear between great (10) and poor (0), clamped to 0–10. */
export function timeScore(value: number | null, bound: TimeBound): number | null {
  if (value === null) return null;
  return clamp((10 * (bound.poor - value)) / (bound.poor - bound.great), 0, 10);
}

export function pillars(metrics: MicroMetrics, settings: CsiSettings = DEFAULT_CSI_SETTINGS): Pillars {
  return pillarsOf(clean(metrics), settings);
}

/** The pillars of metrics already cleaned; weighted means written out (a day's scoring is hot). */
function pillarsOf(m: MicroMetrics, settings: CsiSettings): Pillars {
  const b = settings.bounds;
  return {
    effectiveness: mean2(m.resolutionAchieved, 0.6, m.fcrScore, 0.4),
    effort: m.ces === null ? null : ((7 - m.ces) / 6) * 10,
    efficiency: mean4(
      timeScore(m.firstResponseTime, b.firstResponseTime), 1,
      timeScore(m.avgResponseTime, b.avgResponseTime), 1,
      timeScore(m.totalHandlingTime, b.totalHandlingTime), 1,
      null, 0,
    ),
    empathy: mean2(m.sentimentScore, 0.7, m.sentimentShift === null ? null : m.sentimentShift + 5, 0.3),
  };
}

/** Weighted mean of the parts that are present, weights renormalised; null if none is. */
function mean2(a: number | null, wa: number, b: number | null, wb: number): number | null {
  return mean4(a, wa, b, wb, null, 0, null, 0);
}

/** mean2 of four parts (a null part with weight 0 stands for none): arguments, not arrays, because a day's scoring runs it per day. */
function mean4(a: number | null, wa: number, b: number | null, wb: number, c: number | null, wc: number, d: number | null, wd: number): number | null {
  let sum = 0;
  let weights = 0;
  if (a !== null) {
    sum += a * wa;
    weights += wa;
  }
  if (b !== null) {
    sum += b * wb;
    weights += wb;
  }
  if (c !== null) {
    sum += c * wc;
    weights += wc;
  }
  if (d !== null) {
    sum += d * wd;
    weights += wd;
  }
  return weights > 0 ? sum / weights : null;
}

/** CSI 0–100 = 10 × weighted mean of the pillars that are present. */
export function computeCsi(metrics: MicroMetrics, settings: CsiSettings = DEFAULT_CSI_SETTINGS): CsiResult {
  const cleaned = clean(metrics);
  const p = pillarsOf(cleaned, settings);
  const w = settings.weights;
  const mean = mean4(p.effectiveness, w.effectiveness, p.effort, w.effort, p.efficiency, w.efficiency, p.empathy, w.empathy);
  return { ...p, csi: mean === null ? null : 10 * mean, missing: METRICS.filter((n) => cleaned[n] === null) };
}
