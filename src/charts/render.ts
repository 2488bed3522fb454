// Vega-Lite spec → SVG → PNG, entirely in-process and with fonts we ship. No system fonts,
// no canvas: the same spec yields the same picture on a laptop, in CI and in a slim container.
import { createRequire } from 'node:module';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import type { parse } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);
// The package has no "exports" map, so its files resolve as plain subpaths. Bold is loaded
// too because Vega draws titles bold; without it resvg would fake bold from the regular face.
export const FONT_FILES: readonly string[] = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

export interface RenderOptions {
  /** Pixel density; 2 keeps text crisp on high-DPI screens, where chat images usually land. */
  scale?: number;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes per pixel. */
  pixels: Buffer;
}

const DEFAULT_SCALE = 2;

// Vega, Vega-Lite and resvg are over a thousand modules; they are loaded on the first chart, so
// a process that never draws one (`pulse ask` with a text answer, the webhook) does not pay for them.
type Libraries = { parse: typeof parse; View: typeof import('vega').View; compile: typeof import('vega-lite').compile; Resvg: typeof import('@resvg/resvg-js').Resvg };
let libraries: Promise<Libraries> | undefined;
const load = (): Promise<Libraries> =>
  (libraries ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]).then(([vega, vegaLite, resvg]) => ({
    parse: vega.parse,
    View: vega.View,
    compile: vegaLite.compile,
    Resvg: resvg.Resvg,
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

async function rasterise(spec: object, opts: RenderOptions | undefined) {
  const svg = await renderSvg(spec);
  const { Resvg } = await load();
  return new Resvg(svg, resvgOptions(opts)).render();
}

export async function renderPng(spec: object, opts?: RenderOptions): Promise<Buffer> {
  return (await rasterise(spec, opts)).asPng();
}

/** Same pixels renderPng encodes, undecoded; lets tests inspect the image without a PNG decoder. */
export async function renderRgba(spec: object, opts?: RenderOptions): Promise<RgbaImage> {
  const img = await rasterise(spec, opts);
  return { width: img.width, height: img.height, pixels: img.pixels };
}
