// Turns tool results into Vega-Lite specs. Layout and wording only: fonts and rasterising are
// the renderer's business (src/charts/render.ts), so these specs stay plain JSON that can be
// logged, diffed in tests, or pasted into the Vega editor.
import type { TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

export interface LinePoint {
  /** Calendar day, YYYY-MM-DD. */
  x: string;
  /** null = no data that day; drawn as a gap, never as zero. */
  y: number | null;
  /** One line per distinct series (e.g. per page). */
  series?: string;
}

export interface LineChartInput {
  title: string;
  /** Defaults to the period covered by the points ("2024-05-01 – 2024-05-30"). */
  subtitle?: string;
  points: LinePoint[];
  yTitle: string;
  yDomain?: [number, number];
}

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartInput {
  title: string;
  subtitle?: string;
  /** Drawn in the given order: callers already rank their results. */
  bars: Bar[];
  /** Title of the value axis (the x axis when horizontal, the y axis otherwise). */
  xTitle: string;
  /** Long labels (topics, agent names) read better horizontally. Default false. */
  horizontal?: boolean;
}

export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 360;
// Horizontal charts grow with the number of bars so three bars are not drawn as slabs and
// thirty are not squashed; the floor keeps axis and title from crowding a single bar.
const BAR_STEP = 30;
const MIN_BAR_HEIGHT = 120;
// Vega estimates text width without a canvas, and overestimates for DejaVu Sans, so the
// limit is generous; labels beyond it get an ellipsis rather than eating the plot.
const LABEL_LIMIT = 260;

// Sized for a chat client that shows the image at roughly its natural width.
const BASE_CONFIG = {
  title: { fontSize: 18, subtitleFontSize: 13, subtitleColor: '#555', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8, labelLimit: LABEL_LIMIT },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: LABEL_LIMIT },
  view: { stroke: null },
} as const;

function title(text: string, subtitle: string | undefined): { text: string; subtitle?: string } {
  return subtitle ? { text, subtitle } : { text };
}

/** "first – last" over the points' days; YYYY-MM-DD sorts lexicographically. */
export function periodText(days: readonly string[]): string | undefined {
  if (days.length === 0) return undefined;
  let first = days[0]!;
  let last = first;
  for (const d of days) {
    if (d < first) first = d;
    if (d > last) last = d;
  }
  return first === last ? first : `${first} – ${last}`;
}

export function lineChart(input: LineChartInput): ChartSpec {
  const hasSeries = input.points.some((p) => p.series !== undefined);
  const values = input.points.map((p) => ({ x: p.x, y: p.y, series: p.series ?? '' }));
  const subtitle = input.subtitle ?? periodText(input.points.map((p) => p.x));

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: title(input.title, subtitle),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    config: BASE_CONFIG,
    data: { values },
    mark: {
      type: 'line',
      point: true,
      strokeWidth: 2,
      // A missing day must look missing: break the line instead of bridging it or dropping to 0.
      invalid: 'break-paths-show-domains',
    },
    encoding: {
      x: {
        field: 'x',
        // The days are calendar days, not instants: UTC keeps the axis from shifting a day
        // when the renderer runs in another timezone.
        timeUnit: 'utcyearmonthdate',
        type: 'temporal',
        title: null,
        axis: { format: '%d %b', labelAngle: 0, labelOverlap: true },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: input.yTitle,
        scale: input.yDomain ? { domain: input.yDomain, zero: false } : { zero: false },
      },
      ...(hasSeries
        ? { color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } } }
        : {}),
    },
  };
}

export function barChart(input: BarChartInput): ChartSpec {
  const horizontal = input.horizontal ?? false;
  const values = input.bars.map((b) => ({ label: b.label, value: b.value }));
  // sort: null keeps the caller's ranking instead of alphabetising the labels.
  const labelEnc = { field: 'label', type: 'nominal', sort: null, title: null } as const;
  const valueEnc = { field: 'value', type: 'quantitative', title: input.xTitle } as const;
  const height = horizontal ? Math.max(MIN_BAR_HEIGHT, input.bars.length * BAR_STEP) : CHART_HEIGHT;
  // Many vertical bars only fit with slanted labels.
  const labelAngle = !horizontal && input.bars.length > 8 ? -40 : 0;

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: title(input.title, input.subtitle),
    width: CHART_WIDTH,
    height,
    config: BASE_CONFIG,
    data: { values },
    encoding: horizontal
      ? { y: labelEnc, x: valueEnc }
      : { x: { ...labelEnc, axis: { labelAngle } }, y: valueEnc },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      {
        // Values printed on the bars: a chart in chat is read, not hovered.
        mark: horizontal
          ? { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11 }
          : { type: 'text', align: 'center', baseline: 'bottom', dy: -3, fontSize: 11 },
        encoding: { text: { field: 'value', type: 'quantitative', format: ',.2~f' } },
      },
    ],
  };
}
