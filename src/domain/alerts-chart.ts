// The chart posted with a firing: the metric sampled over time, with the threshold as a red
// rule, in the report charts' theme (src/domain/charts/library.ts). Spec only.
import type { ChartSpec } from './charts.ts';
import { COLOURS, REPORT_HEIGHT, REPORT_WIDTH, THEME } from './charts/library.ts';
import { METRIC_INFO, type AlertMetric } from './alerts.ts';

export interface AlertChartInput {
  ruleName: string;
  metric: AlertMetric;
  threshold: number;
  /** the samples, oldest first; null = no data at that time (drawn as a gap) */
  points: { at: Date; value: number | null }[];
  timezone: string;
}

/** The wall-clock time in `timeZone`, written as if UTC: Vega then labels it on a utc scale. */
function wallAsUtc(at: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:00Z`;
}

/** "Fri 20 Nov 13:00": the latest sample, in the chart's timezone. */
function lastLabel(input: AlertChartInput): string {
  const last = input.points.at(-1)?.at;
  if (!last) return 'now';
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: input.timezone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(last)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

export function alertChart(input: AlertChartInput): ChartSpec {
  const info = METRIC_INFO[input.metric];
  const values = input.points.map((p) => ({ at: wallAsUtc(p.at, input.timezone), value: p.value }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${info.label}: ${input.ruleName}`, subtitle: `${input.points.length} samples to ${lastLabel(input)} · ${input.timezone}` },
    width: REPORT_WIDTH,
    height: REPORT_HEIGHT,
    config: THEME,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: { size: 50 }, strokeWidth: 3, color: COLOURS.current, invalid: 'break-paths-show-domains' },
        encoding: {
          x: { field: 'at', type: 'temporal', title: null, scale: { type: 'utc' }, axis: { format: '%d %b %H:%M', labelAngle: 0, labelOverlap: true, tickCount: 5 } },
          y: { field: 'value', type: 'quantitative', title: info.unit, scale: { zero: false } },
        },
      },
      {
        data: { values: [{ threshold: input.threshold }] },
        mark: { type: 'rule', color: COLOURS.bad, strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  } as ChartSpec;
}
