import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALE, FONT_FILES, renderPng, renderRgba, renderSvg, resvgOptions, type RgbaImage } from '../src/charts/render.ts';
import {
  bucketResponseTimes, comparisonChart, csiTrendChart, pillarChart, qaFunnelChart, responseTimeChart, topicMixChart, REPORT_WIDTH,
} from '../src/domain/charts/library.ts';
import type { ChartSpec } from '../src/domain/charts.ts';
import { decodePng } from './helpers/assistant.ts';

// The report charts: each compiles without a warning, says its period and timezone, and renders
// to a PNG with readable text. Then the font proof: the renderer draws text with the bundled
// DejaVu Sans and nothing else, whatever the host has installed.

const scope = { periodLabel: 'Mon 9 Nov – Sun 15 Nov 2026', timezone: 'Europe/Berlin' };
const days = Array.from({ length: 7 }, (_, i) => `2026-11-${String(9 + i).padStart(2, '0')}`);
const prevDays = Array.from({ length: 7 }, (_, i) => `2026-11-${String(2 + i).padStart(2, '0')}`);

const CHARTS: Record<string, ChartSpec> = {
  csi_trend: csiTrendChart({
    ...scope, days,
    current: days.map((day, i) => ({ day, csi: i === 3 ? null : 70 + i })),
    previous: prevDays.map((day, i) => ({ day, csi: 65 + i / 2 })),
  }),
  pillars: pillarChart({
    ...scope,
    current: { effectiveness: 7.2, effort: 6.1, efficiency: 8, empathy: 7.7 },
    previous: { effectiveness: 6.9, effort: 6.5, efficiency: 7.4, empathy: null },
  }),
  response_times: responseTimeChart({ ...scope, buckets: bucketResponseTimes([30, 45, 90, 400, 1200, 5000, 20_000]), p50: '6 min 40 s', p90: '3 h 20 min' }),
  topics: topicMixChart({ ...scope, topics: [{ topic: 'shipping_question', share: 0.41 }, { topic: 'price_inquiry', share: 0.3 }, { topic: 'complaint', share: 0.1 }] }),
  qa_funnel: qaFunnelChart({ ...scope, byStatus: { unchecked: 12, passed: 30, issue: 4, fixed: 2 } }),
  comparison: comparisonChart({ ...scope, by: 'page', groups: [{ label: 'Main shop', csi: 71.3, days: 40 }, { label: 'Outlet', csi: 66.2, days: 12 }, { label: 'Empty', csi: null, days: 0 }] }),
};

function compileStrict(spec: TopLevelSpec) {
  const warnings: unknown[][] = [];
  const logger: LoggerInterface = {
    level: () => logger,
    error: (...a) => (warnings.push(a), logger),
    warn: (...a) => (warnings.push(a), logger),
    info: () => logger,
    debug: () => logger,
  };
  compile(spec, { logger });
  expect(warnings).toEqual([]);
}

/** Near-black opaque pixels: text is drawn in black/dark grey, bars and lines are coloured. */
function darkPixels(img: RgbaImage): number {
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += 4) {
    if (img.pixels[i + 3]! > 200 && img.pixels[i]! < 90 && img.pixels[i + 1]! < 90 && img.pixels[i + 2]! < 90) n++;
  }
  return n;
}

function differing(a: RgbaImage, b: RgbaImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let n = 0;
  for (let i = 0; i < a.pixels.length; i += 4) if (a.pixels.readUInt32BE(i) !== b.pixels.readUInt32BE(i)) n++;
  return n;
}

const rasterise = (svg: string, font: { fontFiles?: string[]; loadSystemFonts: boolean }): RgbaImage => {
  const opts = resvgOptions({ scale: 1 });
  const img = new Resvg(svg, { ...opts, font: { ...opts.font, ...font } }).render();
  return { width: img.width, height: img.height, pixels: img.pixels };
};

describe('report chart specs', () => {
  it.each(Object.keys(CHARTS))('%s compiles cleanly and names the period and the timezone', (name) => {
    const spec = CHARTS[name]!;
    compileStrict(spec);
    const title = (spec as { title: { text: string; subtitle: string | string[] } }).title;
    expect([title.subtitle].flat()[0]).toBe('Mon 9 Nov – Sun 15 Nov 2026 · Europe/Berlin');
    expect(title.text.length).toBeGreaterThan(5);
  });

  it('places the previous period day by day under the current one, dashed', () => {
    const values = (CHARTS.csi_trend as { data: { values: { day: string; csi: number | null; series: string }[] } }).data.values;
    expect(values).toHaveLength(14);
    expect(values.find((v) => v.day === '2026-11-09' && v.series === 'Previous period')!.csi).toBe(65);
    expect(values.find((v) => v.day === '2026-11-12' && v.series === 'This period')!.csi).toBeNull();
    expect(JSON.stringify(CHARTS.csi_trend)).toContain('strokeDash');
  });

  it('puts the percentiles on a second subtitle line', () => {
    expect((CHARTS.response_times as { title: unknown }).title).toEqual({ text: 'First response time', subtitle: ['Mon 9 Nov – Sun 15 Nov 2026 · Europe/Berlin', 'median 6 min 40 s · p90 3 h 20 min'] });
  });

  it('buckets first response times at the bucket bounds', () => {
    expect(bucketResponseTimes([0, 59.9, 60, 299, 300, 3599, 3600, 14_399, 14_400, 1e9]).map((b) => b.count)).toEqual([2, 2, 1, 1, 2, 2]);
  });

  it('comparison drops groups without a CSI and ranks the rest best first', () => {
    const values = (CHARTS.comparison as { data: { values: { label: string }[] } }).data.values;
    expect(values.map((v) => v.label)).toEqual(['Main shop', 'Outlet']);
  });
});

describe('report charts rendered', () => {
  it.each(Object.keys(CHARTS))('%s renders a PNG of plausible size, with text', async (name) => {
    const png = await renderPng(CHARTS[name]!);
    const img = decodePng(png);
    // 560 px plot plus axes and padding, at the default scale
    expect(img.width).toBeGreaterThan(REPORT_WIDTH * DEFAULT_SCALE);
    expect(img.width).toBeLessThan(1000 * DEFAULT_SCALE);
    expect(img.height).toBeGreaterThan(150 * DEFAULT_SCALE);
    expect(img.height).toBeLessThan(700 * DEFAULT_SCALE);
    expect(png.length).toBeGreaterThan(10_000);
    expect(darkPixels(img)).toBeGreaterThan(3000);
  });
});

describe('fonts: only the bundled DejaVu Sans is ever used', () => {
  const require = createRequire(import.meta.url);
  const SERIF = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSerif.ttf');

  it('text is drawn from the bundled files alone, exactly as the renderer draws it', async () => {
    const spec = CHARTS.pillars!;
    const normal = await renderRgba(spec, { scale: 1 });
    const svg = await renderSvg(spec);
    const bundledOnly = rasterise(svg, { fontFiles: [...FONT_FILES], loadSystemFonts: false });
    const noFont = rasterise(svg, { fontFiles: [], loadSystemFonts: false });
    expect(differing(normal, bundledOnly)).toBe(0);
    // without the bundled files the text vanishes: the glyphs above came from them
    expect(darkPixels(noFont)).toBeLessThan(darkPixels(normal) / 4);
  });

  it('the cut-down DejaVu Sans files come first and lose nothing: same pixels as the full files, characters outside the cut included', async () => {
    const full = [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];
    // small files first (resvg reads a face's file once per glyph), the package's full files after
    expect(FONT_FILES.slice(2)).toEqual(full);
    for (const f of FONT_FILES.slice(0, 2)) expect(statSync(f).size).toBeLessThan(statSync(full[0]!).size / 5);
    // Armenian, a heart and a Devanagari letter are not in the cut; Cyrillic, Greek and Latin are.
    const spec = comparisonChart({ ...scope, by: 'agent', groups: [{ label: 'Արամ ♥ Ñandú', csi: 71, days: 9 }, { label: 'Жанна Ωmega देव', csi: 64, days: 7 }] });
    const svg = await renderSvg(spec);
    const ours = rasterise(svg, { fontFiles: [...FONT_FILES], loadSystemFonts: false });
    expect(differing(ours, rasterise(svg, { fontFiles: full, loadSystemFonts: false }))).toBe(0);
    // and the full files are needed for those characters: the cut alone draws them differently
    expect(differing(ours, rasterise(svg, { fontFiles: FONT_FILES.slice(0, 2), loadSystemFonts: false }))).toBeGreaterThan(100);
  });

  it('a spec asking for another family (installed on many hosts) still gets DejaVu Sans', async () => {
    const spec = CHARTS.qa_funnel!;
    const normal = await renderRgba(spec, { scale: 1 });
    // every text element asks for DejaVu Serif: a family the renderer does not load
    const serifSvg = (await renderSvg(spec)).replace(/font-family="[^"]*"/g, 'font-family="DejaVu Serif"');
    expect(serifSvg).toContain('font-family="DejaVu Serif"');
    const ours = new Resvg(serifSvg, resvgOptions({ scale: 1 })).render();
    expect(differing(normal, { width: ours.width, height: ours.height, pixels: ours.pixels })).toBe(0);

    // The check can fail: with the serif face available, the same SVG is drawn differently.
    const withSerif = rasterise(serifSvg, { fontFiles: [...FONT_FILES, SERIF], loadSystemFonts: false });
    expect(differing(normal, withSerif)).toBeGreaterThan(500);
    // And this host's own fonts would change it too when it has the face installed (most Linux hosts do).
    if (existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf')) {
      const system = rasterise(serifSvg, { fontFiles: [...FONT_FILES], loadSystemFonts: true });
      expect(differing(normal, system)).toBeGreaterThan(500);
    }
  });
});

describe('the renderer keeps compiled runtimes per spec shape', () => {
  it('draws exactly what a fresh compile draws, for new data in a known shape, and leaves the spec untouched', async () => {
    const { parse, View } = await import('vega');
    const fresh = async (spec: ChartSpec) => {
      const view = new View(parse(compile({ ...spec, config: { ...(spec as { config: object }).config, font: 'DejaVu Sans' } } as TopLevelSpec).spec), { renderer: 'none' });
      try {
        return await view.toSVG();
      } finally {
        view.finalize();
      }
    };
    const a = CHARTS.csi_trend!;
    const b = csiTrendChart({ ...scope, days, current: days.map((day, i) => ({ day, csi: 50 + 3 * i })), previous: prevDays.map((day) => ({ day, csi: 60 })) });
    const before = JSON.stringify(b);
    expect(await renderSvg(a)).toBe(await fresh(a));
    // same shape, other numbers: served by the cached runtime, still drawn from its own data
    const svgB = await renderSvg(b);
    expect(svgB).toBe(await fresh(b));
    expect(svgB).not.toBe(await renderSvg(a));
    expect(JSON.stringify(b)).toBe(before);
  });

  it('leaves nothing of one chart in the next: fewer days after more, and back, match fresh Views', async () => {
    const { parse, View } = await import('vega');
    const fresh = async (spec: ChartSpec) => {
      const view = new View(parse(compile({ ...spec, config: { ...(spec as { config: object }).config, font: 'DejaVu Sans' } } as TopLevelSpec).spec), { renderer: 'none' });
      try {
        return await view.toSVG();
      } finally {
        view.finalize();
      }
    };
    const shape = { periodLabel: 'Shape test', timezone: 'UTC' };
    const month = Array.from({ length: 30 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);
    const long = csiTrendChart({ ...shape, days: month, current: month.map((day, i) => ({ day, csi: 40 + i })), previous: [] });
    const short = csiTrendChart({ ...shape, days: month.slice(0, 3), current: [{ day: month[0]!, csi: 90 }], previous: [{ day: month[5]!, csi: 10 }] });
    const first = await renderSvg(long);
    expect(first).toBe(await fresh(long));
    expect(await renderSvg(short)).toBe(await fresh(short));
    expect(await renderSvg(long)).toBe(first);
  });

  it('charts of one shape drawn at the same time each get their own data', async () => {
    const specs = [60, 70, 80].map((base) =>
      pillarChart({ ...scope, current: { effectiveness: base / 10, effort: 6, efficiency: 7, empathy: 8 }, previous: { effectiveness: 5, effort: 5, efficiency: 5, empathy: null } }),
    );
    const together = await Promise.all(specs.map((s) => renderSvg(s)));
    const oneByOne: string[] = [];
    for (const s of specs) oneByOne.push(await renderSvg(s));
    expect(together).toEqual(oneByOne);
    expect(new Set(together).size).toBe(3);
  });
});
