import { crc32 } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import type { LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALE, renderPng, renderRgba, renderSvg, resvgOptions, type RgbaImage } from '../src/charts/render.ts';
import { barChart, lineChart, periodText, type LinePoint } from '../src/domain/charts.ts';
import { decodePng } from './helpers/assistant.ts';

const days = Array.from({ length: 30 }, (_, i) => `2024-05-${String(i + 1).padStart(2, '0')}`);

function csiPoints(withNulls: boolean): LinePoint[] {
  return days.flatMap((x, i) => [
    { x, y: withNulls && i % 7 === 3 ? null : 70 + 10 * Math.sin(i / 3), series: 'Main page' },
    { x, y: withNulls && i >= 12 && i <= 14 ? null : 60 + 8 * Math.cos(i / 4), series: 'Help centre' },
  ]);
}

const TITLE = 'Daily CSI for every page over the last thirty days';

/** vega-lite's compile, failing on warnings as well: a warning usually means an ignored property. */
function compileStrict(spec: TopLevelSpec) {
  const warnings: unknown[][] = [];
  const logger: LoggerInterface = {
    level() {
      return logger;
    },
    error(...args) {
      warnings.push(args);
      return this;
    },
    warn(...args) {
      warnings.push(args);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
  const out = compile(spec, { logger });
  expect(warnings).toEqual([]);
  return out.spec;
}

// Specs are plain JSON; tests poke into them without restating vega-lite's spec unions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (spec: TopLevelSpec): Record<string, any> => spec as Record<string, any>;

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  expect(m).not.toBeNull();
  return { width: Number(m![1]), height: Number(m![2]) };
}

/** Near-black opaque pixels in rows [top, bottom): text is black, lines and grid are not. */
function darkPixels(img: RgbaImage, top = 0, bottom = img.height): number {
  let n = 0;
  for (let y = top; y < Math.min(bottom, img.height); y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.pixels[i + 3]! > 200 && img.pixels[i]! < 80 && img.pixels[i + 1]! < 80 && img.pixels[i + 2]! < 80) n++;
    }
  }
  return n;
}

describe('chart spec builders', () => {
  it('lineChart compiles cleanly and carries title, period subtitle, axis title and one line per series', () => {
    const spec = lineChart({ title: 'Daily CSI', points: csiPoints(true), yTitle: 'CSI', yDomain: [40, 100] });
    compileStrict(spec);
    const s = loose(spec);
    expect(s.title).toEqual({ text: 'Daily CSI', subtitle: '2024-05-01 – 2024-05-30' });
    expect(s.encoding.y.title).toBe('CSI');
    expect(s.encoding.y.scale.domain).toEqual([40, 100]);
    expect(s.encoding.color.field).toBe('series');
    expect(s.mark.invalid).toBe('break-paths-show-domains');
    expect(s.data.values).toHaveLength(60);
    expect(s.data.values.filter((v: { y: number | null }) => v.y === null).length).toBeGreaterThan(0);
  });

  it('lineChart without series has no colour legend; an explicit subtitle wins', () => {
    const points = days.map((x, i) => ({ x, y: i }));
    const spec = lineChart({ title: 'T', subtitle: 'May 2024', points, yTitle: 'Y' });
    compileStrict(spec);
    const s = loose(spec);
    expect(s.encoding.color).toBeUndefined();
    expect(s.title).toEqual({ text: 'T', subtitle: 'May 2024' });
  });

  it('periodText spans the earliest and latest day regardless of order', () => {
    expect(periodText(['2024-05-03', '2024-04-30', '2024-05-01'])).toBe('2024-04-30 – 2024-05-03');
    expect(periodText(['2024-05-03'])).toBe('2024-05-03');
    expect(periodText([])).toBeUndefined();
  });

  it.each([true, false])('barChart (horizontal=%s) compiles and puts labels and values on the right axes', (horizontal) => {
    const bars = [
      { label: 'Refunds', value: 120 },
      { label: 'Login', value: 80.5 },
      { label: 'Shipping', value: 33 },
    ];
    const spec = barChart({ title: 'Top topics', subtitle: 'Last 30 days', bars, xTitle: 'Conversations', horizontal });
    compileStrict(spec);
    const s = loose(spec);
    expect(s.title).toEqual({ text: 'Top topics', subtitle: 'Last 30 days' });
    const [valueCh, labelCh] = horizontal ? ['x', 'y'] : ['y', 'x'];
    expect(s.encoding[valueCh]).toMatchObject({ field: 'value', title: 'Conversations' });
    expect(s.encoding[labelCh]).toMatchObject({ field: 'label', sort: null });
    expect(s.data.values.map((v: { label: string }) => v.label)).toEqual(['Refunds', 'Login', 'Shipping']);
  });
});

describe('renderPng / renderSvg', () => {
  const line = lineChart({ title: TITLE, points: csiPoints(true), yTitle: 'CSI', yDomain: [40, 100] });

  it('produces a PNG whose IHDR size is the SVG size times the scale', async () => {
    const svg = await renderSvg(line);
    const { width, height } = svgSize(svg);
    // 720×360 plot plus axes, title and legend.
    expect(width).toBeGreaterThan(720);
    expect(width).toBeLessThan(1000);
    expect(height).toBeGreaterThan(360);
    expect(height).toBeLessThan(600);

    expect(pngSize(await renderPng(line, { scale: 1 }))).toEqual({ width, height });
    expect(pngSize(await renderPng(line))).toEqual({ width: Math.ceil(width * DEFAULT_SCALE), height: Math.ceil(height * DEFAULT_SCALE) });
  });

  it('writes the font family it loads into every text element', async () => {
    const svg = await renderSvg(line);
    const families = new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]));
    expect(families).toEqual(new Set(['DejaVu Sans']));
    expect(svg).toContain(TITLE);
  });

  it('draws the title text, and only because the bundled font is loaded', async () => {
    const untitled = { ...line, title: undefined } as TopLevelSpec;
    const withTitle = await renderRgba(line, { scale: 1 });
    const without = await renderRgba(untitled, { scale: 1 });
    // The titled chart is taller by exactly the title block; the band above the plot of the
    // titled chart holds the title and nothing else.
    const band = withTitle.height - without.height;
    expect(band).toBeGreaterThan(20);
    const titleInk = darkPixels(withTitle, 0, band - 5);
    expect(titleInk).toBeGreaterThan(500);
    expect(darkPixels(without, 0, band - 5)).toBeLessThan(titleInk / 5);

    // Same SVG, same resvg, but no font files and no system fonts: text silently disappears.
    const svg = await renderSvg(line);
    const bare = new Resvg(svg, { ...resvgOptions({ scale: 1 }), font: { loadSystemFonts: false } }).render();
    const noFont: RgbaImage = { width: bare.width, height: bare.height, pixels: bare.pixels };
    expect(noFont.width).toBe(withTitle.width);
    expect(darkPixels(noFont, 0, band - 5)).toBe(0);
    // Tick labels, axis title and legend go too.
    expect(darkPixels(noFont)).toBeLessThan(darkPixels(withTitle) / 4);
  });

  it('renders a line chart with gaps, and horizontal and vertical bar charts', async () => {
    const lineImg = await renderRgba(line, { scale: 1 });
    expect(darkPixels(lineImg)).toBeGreaterThan(1000);

    const bars = Array.from({ length: 12 }, (_, i) => ({ label: `Agent ${i + 1}`, value: 300 - i * 17.5 }));
    for (const horizontal of [true, false]) {
      const spec = barChart({ title: 'Slowest agents', bars, xTitle: 'Median first response (s)', horizontal });
      const png = await renderPng(spec, { scale: 1 });
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(720);
      expect(height).toBeGreaterThan(300);
      expect(png.length).toBeGreaterThan(5_000);
    }
  });

  it('draws calendar days on the same ticks whatever the host timezone', async () => {
    const spec = lineChart({ title: 'T', points: days.map((x, i) => ({ x, y: i })), yTitle: 'Y' });
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      const utc = await renderSvg(spec);
      process.env.TZ = 'America/Los_Angeles';
      const la = await renderSvg(spec);
      process.env.TZ = 'Pacific/Kiritimati';
      const east = await renderSvg(spec);
      expect(utc).toContain('>01 May<');
      expect(la).toBe(utc);
      expect(east).toBe(utc);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('rejects a nonsensical scale', async () => {
    await expect(renderPng(line, { scale: 0 })).rejects.toThrow(RangeError);
  });
});

describe('renderer: event loop, memory and PNG encoding', () => {
  const bars = barChart({
    title: 'Median first response by agent',
    bars: Array.from({ length: 12 }, (_, i) => ({ label: `Agent number ${i + 1}`, value: 300 - i * 17.5 })),
    xTitle: 'Seconds',
    horizontal: true,
  });

  it('rasterises and compresses off the event loop: immediates keep running while a chart is drawn', async () => {
    await renderPng(bars); // libraries loaded, runtime cached
    let ticks = 0;
    let drawing = true;
    const tick = () => {
      ticks++;
      if (drawing) setImmediate(tick);
    };
    setImmediate(tick);
    await renderPng(bars);
    drawing = false;
    // resvg's parse and raster and zlib's deflate complete on the thread pool, so the loop
    // turns (and runs the immediate) before the PNG is there. A synchronous raster, as before,
    // finished the whole chart within microtasks: 0 ticks.
    expect(ticks).toBeGreaterThan(0);
  });

  it('a long run of charts does not hold every rendered image until an unrelated full GC', async () => {
    for (let i = 0; i < 5; i++) await renderPng(bars);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 60; i++) await renderPng(bars);
    // Each image is 1-3 MB of native memory. Before, V8 never learnt of it and kept the handles
    // (and the images) until a full GC that little JS garbage triggers: +330 MB over these 60.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('writes a valid PNG (chunk CRCs included) holding exactly the pixels it drew', async () => {
    const png = await renderPng(bars, { scale: 1 });
    const rgba = await renderRgba(bars, { scale: 1 });
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height]).toEqual([rgba.width, rgba.height]);
    expect(decoded.pixels.equals(rgba.pixels)).toBe(true);
    const types: string[] = [];
    for (let pos = 8; pos < png.length; ) {
      const len = png.readUInt32BE(pos);
      types.push(png.subarray(pos + 4, pos + 8).toString('latin1'));
      expect(png.readUInt32BE(pos + 8 + len)).toBe(crc32(png.subarray(pos + 4, pos + 8 + len)));
      pos += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('charts encoded at the same time each keep their own pixels (the row buffers are reused)', async () => {
    const trend = lineChart({ title: TITLE, points: csiPoints(false), yTitle: 'CSI' });
    const specs = [bars, trend, barChart({ title: 'Three', bars: [{ label: 'a', value: 1 }, { label: 'b', value: 2 }, { label: 'c', value: 3 }], xTitle: 'n' })];
    // twice as many at once as buffers are kept, so some are fresh and some reused
    const all = [...specs, ...specs];
    const pngs = await Promise.all(all.map((s) => renderPng(s, { scale: 1 })));
    for (let i = 0; i < all.length; i++) {
      expect(decodePng(pngs[i]!).pixels.equals((await renderRgba(all[i]!, { scale: 1 })).pixels)).toBe(true);
    }
  });
});
