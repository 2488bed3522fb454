// Alert rules: which metrics exist, how a value is compared, and the state machine
// ok → firing → ok with a cooldown. Pure: the evaluator passes values and `now`.
//
// - ok, condition true, outside cooldown → fire (post once), state firing
// - ok, condition true, within cooldown of the last firing → nothing (stays ok; fires when the
//   cooldown is over and the condition still holds)
// - firing, condition false → recover (post once), state ok
// - firing, condition true → nothing (the firing was posted already)
// - no data (value null) or muted → nothing; the state is kept

export const ALERT_METRICS = [
  'csi_drop', 'first_response_p90', 'error_rate', 'failed_jobs', 'qa_backlog_age', 'handoff_wait', 'import_failures', 'health_score',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
export const isAlertMetric = (s: string): s is AlertMetric => (ALERT_METRICS as readonly string[]).includes(s);

export const COMPARISONS = ['gt', 'gte', 'lt', 'lte'] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const isComparison = (s: string): s is Comparison => (COMPARISONS as readonly string[]).includes(s);

export const METRIC_INFO: Record<AlertMetric, { label: string; unit: string; help: string }> = {
  csi_drop: { label: 'CSI drop', unit: 'points', help: 'CSI over the window vs the baselineDays before it (baseline − current)' },
  first_response_p90: { label: 'First response p90', unit: 's', help: '90th percentile of first response time over the window\'s days' },
  error_rate: { label: 'Error rate', unit: 'errors/h', help: 'error_logs per hour over the window' },
  failed_jobs: { label: 'Failed jobs', unit: 'jobs', help: 'analysis jobs failed within the window' },
  qa_backlog_age: { label: 'QA backlog age', unit: 'h', help: 'age of the oldest unchecked AI session' },
  handoff_wait: { label: 'Handoff wait', unit: 'conversations', help: 'conversations waiting for a human longer than the window' },
  import_failures: { label: 'Import failures', unit: 'uploads', help: 'uploads failed within the window' },
  health_score: { label: 'Health score', unit: 'points', help: 'latest validation run\'s health score' },
};

const SYMBOL: Record<Comparison, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤' };
export const comparisonSymbol = (c: Comparison): string => SYMBOL[c];

export function holds(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'gt': return value > threshold;
    case 'gte': return value >= threshold;
    case 'lt': return value < threshold;
    case 'lte': return value <= threshold;
  }
}

export type AlertState = 'ok' | 'firing';

export interface RuleState {
  state: AlertState;
  comparison: Comparison;
  threshold: number;
  cooldownMinutes: number;
  lastFiredAt: Date | null;
  /** muted (from params.mutedUntil) until this instant */
  mutedUntil: Date | null;
}

export type AlertDecision =
  | { action: 'fire'; state: 'firing' }
  | { action: 'recover'; state: 'ok' }
  | { action: 'none'; state: AlertState; why: 'no-data' | 'muted' | 'cooldown' | 'unchanged' };

export function decideAlert(rule: RuleState, value: number | null, now: Date): AlertDecision {
  if (value === null || !Number.isFinite(value)) return { action: 'none', state: rule.state, why: 'no-data' };
  if (rule.mutedUntil && rule.mutedUntil.getTime() > now.getTime()) return { action: 'none', state: rule.state, why: 'muted' };
  const bad = holds(value, rule.comparison, rule.threshold);
  if (rule.state === 'firing') return bad ? { action: 'none', state: 'firing', why: 'unchanged' } : { action: 'recover', state: 'ok' };
  if (!bad) return { action: 'none', state: 'ok', why: 'unchanged' };
  const coolUntil = rule.lastFiredAt ? rule.lastFiredAt.getTime() + rule.cooldownMinutes * 60_000 : -Infinity;
  if (now.getTime() < coolUntil) return { action: 'none', state: 'ok', why: 'cooldown' };
  return { action: 'fire', state: 'firing' };
}

export function formatMetricValue(metric: AlertMetric, value: number): string {
  // two decimals for small values (0.25 errors/h), one above; no trailing zeros
  const n = String(Number(value.toFixed(Math.abs(value) < 10 ? 2 : 1)));
  return `${n} ${METRIC_INFO[metric].unit}`;
}

export interface AlertRuleLike {
  name: string;
  metric: AlertMetric;
  comparison: Comparison;
  threshold: number;
  windowMinutes: number;
}

/** "60m", "2h", "1d" */
export function formatMinutes(m: number): string {
  if (m % 1440 === 0) return `${m / 1440}d`;
  if (m % 60 === 0) return `${m / 60}h`;
  return `${m}m`;
}

export function firedText(r: AlertRuleLike, value: number): string {
  return `:rotating_light: Alert *${r.name}*: ${METRIC_INFO[r.metric].label} is ${formatMetricValue(r.metric, value)} (${comparisonSymbol(r.comparison)} ${formatMetricValue(r.metric, r.threshold)}) over the last ${formatMinutes(r.windowMinutes)}`;
}

export function recoveredText(r: AlertRuleLike, value: number): string {
  return `:white_check_mark: Recovered *${r.name}*: ${METRIC_INFO[r.metric].label} is back to ${formatMetricValue(r.metric, value)} (threshold ${comparisonSymbol(r.comparison)} ${formatMetricValue(r.metric, r.threshold)})`;
}

/** Instants at which the chart samples the metric: `count` points ending at `now`, one window apart (at least an hour). */
export function chartSampleTimes(now: Date, windowMinutes: number, count = 12): Date[] {
  const step = Math.max(windowMinutes, 60) * 60_000;
  return Array.from({ length: count }, (_, i) => new Date(now.getTime() - (count - 1 - i) * step));
}
