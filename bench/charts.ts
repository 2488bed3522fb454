import { loadavg } from 'node:os';
import { DEFAULT_SCALE, renderPng } from '../src/charts/render.ts';
import type { ChartSpec } from '../src/domain/charts.ts';
import {
  bucketResponseTimes, comparisonChart, csiTrendChart, pillarChart, qaFunnelChart, responseTimeChart, topicMixChart, type ChartKind,
} from '../src/domain/charts/library.ts';
import { intArg, peakRssMb, round } from './lib/common.ts';

// Milliseconds per report chart (Vega-Lite spec → vega View → SVG → resvg raster at the renderer's
// default scale → PNG, the bundled font only), for each chart kind of the library, one chart at a
// time. Baseline, same run: a trivial spec (one bar, no title or axes) through the same path, i.e.
// the fixed cost of the pipeline. Peak RSS is the whole run's (about 230 renders).
//   npm run bench -- charts [--runs N]   (default 30 renders per kind, after 3 warm-up renders)
// Targets (issue 21): worst chart's median < 60 ms, peak RSS < 300 MB.

const log = (msg: string) => process.stderr.write(`[bench:charts] ${msg}\n`);
const TARGET_MS = 60;
const RSS_TARGET_MB = 300;

const scope = { periodLabel: 'November 2026', timezone: 'Europe/Berlin' };
const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
const prev = Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);

export const SPECS: Record<ChartKind, ChartSpec> = {
  csi_trend: csiTrendChart({ ...scope, days, current: days.map((day, i) => ({ day, csi: 68 + 6 * Math.sin(i / 4) })), previous: prev.map((day, i) => ({ day, csi: 66 + 5 * Math.cos(i / 5) })) }),
  pillars: pillarChart({ ...scope, current: { effectiveness: 7.2, effort: 6.1, efficiency: 8, empathy: 7.7 }, previous: { effectiveness: 6.9, effort: 6.5, efficiency: 7.4, empathy: 7.1 } }),
  response_times: responseTimeChart({ ...scope, buckets: bucketResponseTimes(Array.from({ length: 500 }, (_, i) => (i * 97) % 20_000)), p50: '6 min 40 s', p90: '3 h 20 min' }),
  topics: topicMixChart({ ...scope, topics: ['shipping_question', 'price_inquiry', 'availability_check', 'return_request', 'complaint'].map((topic, i) => ({ topic, share: 0.35 - i * 0.06 })) }),
  qa_funnel: qaFunnelChart({ ...scope, byStatus: { unchecked: 120, passed: 300, issue: 40, fixed: 22 } }),
  comparison: comparisonChart({ ...scope, by: 'agent', groups: Array.from({ length: 12 }, (_, i) => ({ label: `Agent number ${i + 1}`, csi: 60 + i * 2.5, days: 10 + i })) }),
};

export const TRIVIAL: ChartSpec = { data: { values: [{ x: 'a', y: 1 }] }, mark: 'bar', encoding: { x: { field: 'x', type: 'nominal', axis: null }, y: { field: 'y', type: 'quantitative', axis: null } } };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function time(spec: ChartSpec, runs: number): Promise<{ median: number; max: number; bytes: number }> {
  for (let i = 0; i < 3; i++) await renderPng(spec);
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    bytes = (await renderPng(spec)).length;
    ms.push(performance.now() - t);
  }
  return { median: median(ms), max: Math.max(...ms), bytes };
}

export async function run(args: string[]): Promise<void> {
  const runs = intArg(args, '--runs', 30);
  const baseline = await time(TRIVIAL, runs);
  log(`baseline (trivial spec): ${baseline.median.toFixed(1)} ms`);
  const perChart: Record<string, { ms: number; maxMs: number; pngKb: number; ratio: number }> = {};
  for (const [kind, spec] of Object.entries(SPECS)) {
    const t = await time(spec, runs);
    perChart[kind] = { ms: round(t.median), maxMs: round(t.max), pngKb: Math.round(t.bytes / 1024), ratio: round(t.median / baseline.median) };
    log(`${kind}: ${t.median.toFixed(1)} ms (max ${t.max.toFixed(1)}), ${Math.round(t.bytes / 1024)} KB`);
  }
  const worst = Math.max(...Object.values(perChart).map((c) => c.ms));
  const rss = peakRssMb();
  console.log(JSON.stringify({
    bench: 'charts', runs, scale: DEFAULT_SCALE, perChart, baselineMs: round(baseline.median), worstMs: round(worst),
    ratio: round(worst / baseline.median), target: TARGET_MS, met: worst < TARGET_MS, loadAverage1m: round(loadavg()[0]!), peakRssMb: rss,
    rssTargetMb: RSS_TARGET_MB, rssMet: rss < RSS_TARGET_MB,
  }));
}
