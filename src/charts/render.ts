// Vega-Lite spec → SVG → PNG, entirely in-process and with fonts we ship. No system fonts,
// no canvas: the same spec yields the same picture on a laptop, in CI and in a slim container.
// Only the SVG is drawn on the calling thread; resvg's parse and raster and the PNG's deflate run
// on a thread of their own (raster.ts), so a chart does not hold up the event loop for most of
// its time.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import type { parse } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { drawPng, drawRgba, type RgbaImage } from './raster.ts';

export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
const asset = (name: string) => fileURLToPath(new URL(`../../assets/fonts/${name}`, import.meta.url));
// resvg 2.6 reads the whole font file again for every glyph it outlines (its font database keeps
// paths, not bytes, and takes no buffers), so a chart's ~500 glyphs cost ~500 reads of the file:
// with the 740 KB DejaVu Sans that was most of the text's cost. The first two files are DejaVu
// Sans cut to Latin, Greek, Cyrillic and common punctuation (90 KB each, glyphs and kerning
// unchanged; scripts/subset-chart-fonts.sh remakes them); they are loaded first, so they are the
// faces "DejaVu Sans" resolves to. The full files of the dejavu-fonts-ttf package follow, and
// resvg's per-character fallback takes any other character from them, so nothing drawable before
// is lost. Bold is loaded because Vega draws titles bold; without it resvg would fake bold.
export const FONT_FILES: readonly string[] = [
  asset('DejaVuSans-charts.ttf'),
  asset('DejaVuSans-Bold-charts.ttf'),
  // The package has no "exports" map, so its files resolve as plain subpaths.
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

export interface RenderOptions {
  /**
   * Pixel density. 1.5 keeps text crisp where chat images land: Slack previews a shared image at
   * most ~360 px wide (720 device px on a high-DPI screen) and its largest thumbnail is 1024 px,
   * and the charts are 650-850 px wide, so 1.5 gives ~1000-1300 px. Scale 2 drew 78% more pixels,
   * which cost as much again to raster and compress and to hold in memory.
   */
  scale?: number;
}

export type { RgbaImage } from './raster.ts';

export const DEFAULT_SCALE = 1.5;

// Vega and Vega-Lite are over a thousand modules; they are loaded on the first chart, so a
// process that never draws one (`pulse ask` with a text answer, the webhook) does not pay for them.
type Libraries = {
  parse: typeof parse;
  View: typeof import('vega').View;
  compile: typeof import('vega-lite').compile;
};
let libraries: Promise<Libraries> | undefined;
const load = (): Promise<Libraries> =>
  (libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({
    parse: vega.parse,
    View: vega.View,
    compile: vegaLite.compile,
  })));

/**
 * The font is forced here rather than in the domain builders: this renderer can only draw the
 * faces it loaded, so any other family in a spec would silently fall back or vanish.
 */
function withFont(spec: object): TopLevelSpec {
  const s = spec as TopLevelSpec & { config?: Record<string, unknown> };
  return { ...s, config: { ...s.config, font: FONT_FAMILY } } as TopLevelSpec;
}

// Compiling Vega-Lite and parsing the Vega runtime are about half of the SVG's cost, and report
// charts repeat the same spec with new numbers: the runtime is kept per spec-without-its-data,
// and the data is inserted into each View under a name. Bounded: oldest entries go first.
const DATA_NAME = 'pulse_data';
const RUNTIME_CACHE_MAX = 64;
const runtimes = new Map<string, ReturnType<typeof parse>>();

function runtimeFor({ parse, compile }: Libraries, spec: TopLevelSpec): { runtime: ReturnType<typeof parse>; values?: unknown[] } {
  const data = (spec as { data?: { values?: unknown } }).data;
  if (!data || !Array.isArray(data.values)) return { runtime: parse(compile(spec).spec) };
  const named = { ...spec, data: { name: DATA_NAME } } as TopLevelSpec;
  const key = JSON.stringify(named);
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = parse(compile(named).spec);
    runtimes.set(key, runtime);
    if (runtimes.size > RUNTIME_CACHE_MAX) runtimes.delete(runtimes.keys().next().value!);
  }
  return { runtime, values: data.values };
}

export async function renderSvg(spec: object): Promise<string> {
  const libs = await load();
  const { runtime, values } = runtimeFor(libs, withFont(spec));
  // renderer 'none': we only want the scenegraph serialised, there is no DOM or canvas.
  const view = new libs.View(runtime, { renderer: 'none' });
  // copies: vega's transforms write onto the tuples, and the caller's spec must stay as it was
  if (values) view.insert(DATA_NAME, values.map((v) => (typeof v === 'object' && v !== null ? { ...v } : v)));
  try {
    return await view.toSVG();
  } finally {
    // Releases timers and dataflow listeners; a long-lived server renders many charts.
    view.finalize();
  }
}

export function resvgOptions(opts: RenderOptions = {}): ResvgRenderOptions {
  const scale = opts.scale ?? DEFAULT_SCALE;
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`scale must be > 0, got ${scale}`);
  return {
    font: {
      fontFiles: [...FONT_FILES],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'zoom', value: scale },
    // Vega already paints its own white background; this only guards transparent specs.
    background: 'white',
  };
}

/** The chart as a PNG: the SVG drawn here, its raster and encoding on the raster thread (raster.ts). */
export async function renderPng(spec: object, opts?: RenderOptions): Promise<Buffer> {
  const options = resvgOptions(opts);
  return drawPng(await renderSvg(spec), options);
}

/** Same pixels renderPng encodes, undecoded; lets tests inspect the image without a PNG decoder. */
export async function renderRgba(spec: object, opts?: RenderOptions): Promise<RgbaImage> {
  const options = resvgOptions(opts);
  return drawRgba(await renderSvg(spec), options);
}
