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

/** Weighted mean over the parts that are present, weights renormalised; null if none is. */
export function weightedMean(parts: [value: number | null, weight: number][]): number | null {
  let sum = 0;
  let weights = 0;
  for (const [value, weight] of parts) {
    if (value === null) continue;
    sum += value * weight;
    weights += weight;
  }
  return weights > 0 ? sum / weights : null;
}

/** Linear between great (10) and poor (0), clamped to 0–10. */
export function timeScore(value: number | null, bound: TimeBound): number | null {
  if (value === null) return null;
  return clamp((10 * (bound.poor - value)) / (bound.poor - bound.great), 0, 10);
}

export function pillars(metrics: MicroMetrics, settings: CsiSettings = DEFAULT_CSI_SETTINGS): Pillars {
  const m = clean(metrics);
  const b = settings.bounds;
  return {
    effectiveness: weightedMean([[m.resolutionAchieved, 0.6], [m.fcrScore, 0.4]]),
    effort: m.ces === null ? null : ((7 - m.ces) / 6) * 10,
    efficiency: weightedMean([
      [timeScore(m.firstResponseTime, b.firstResponseTime), 1],
      [timeScore(m.avgResponseTime, b.avgResponseTime), 1],
      [timeScore(m.totalHandlingTime, b.totalHandlingTime), 1],
    ]),
    empathy: weightedMean([[m.sentimentScore, 0.7], [m.sentimentShift === null ? null : m.sentimentShift + 5, 0.3]]),
  };
}

/** CSI 0–100 = 10 × weighted mean of the pillars that are present. */
export function computeCsi(metrics: MicroMetrics, settings: CsiSettings = DEFAULT_CSI_SETTINGS): CsiResult {
  const p = pillars(metrics, settings);
  const w = settings.weights;
  const mean = weightedMean([
    [p.effectiveness, w.effectiveness],
    [p.effort, w.effort],
    [p.efficiency, w.efficiency],
    [p.empathy, w.empathy],
  ]);
  const cleaned = clean(metrics);
  return { ...p, csi: mean === null ? null : 10 * mean, missing: METRICS.filter((n) => cleaned[n] === null) };
}
