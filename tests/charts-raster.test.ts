import { spawn } from 'node:child_process';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { drawRgba, stopRasterThread } from '../src/charts/raster.ts';
import { renderSvg, resvgOptions } from '../src/charts/render.ts';
import { barChart, lineChart } from '../src/domain/charts.ts';

// The raster thread (src/charts/raster.ts): charts drawn there must be exactly what resvg draws,
// whatever happens to the thread, and an idle thread must not keep a process alive.

const root = path.resolve(import.meta.dirname, '..');
const options = resvgOptions({ scale: 1 });

const specs = [
  barChart({ title: 'Median first response by agent', bars: Array.from({ length: 12 }, (_, i) => ({ label: `Agent ${i + 1}`, value: 300 - i * 17.5 })), xTitle: 'Seconds', horizontal: true }),
  lineChart({ title: 'Daily CSI', points: Array.from({ length: 30 }, (_, i) => ({ x: `2024-05-${String(i + 1).padStart(2, '0')}`, y: 70 + 10 * Math.sin(i / 3) })), yTitle: 'CSI' }),
  barChart({ title: 'Three', bars: [{ label: 'a', value: 1 }, { label: 'b', value: 2 }, { label: 'c', value: 3 }], xTitle: 'n' }),
];

/** What resvg draws for the SVG in this thread, synchronously. */
function direct(svg: string) {
  const img = new Resvg(svg, options).render();
  return { width: img.width, height: img.height, pixels: img.pixels };
}

afterAll(() => stopRasterThread());

describe('the raster thread', () => {
  it('draws exactly what resvg draws, for charts sent at once', async () => {
    const svgs = await Promise.all(specs.map((s) => renderSvg(s)));
    const all = [...svgs, ...svgs];
    const drawn = await Promise.all(all.map((svg) => drawRgba(svg, options)));
    for (let i = 0; i < all.length; i++) {
      const want = direct(all[i]!);
      expect([drawn[i]!.width, drawn[i]!.height]).toEqual([want.width, want.height]);
      expect(drawn[i]!.pixels.equals(want.pixels)).toBe(true);
    }
  });

  it('rejects an SVG resvg cannot read, and draws the next chart', async () => {
    await expect(drawRgba('<svg', options)).rejects.toThrow(/chart not drawn/);
    const svg = await renderSvg(specs[2]!);
    expect((await drawRgba(svg, options)).pixels.equals(direct(svg).pixels)).toBe(true);
  });

  it('charts the thread had not answered when it ended are drawn all the same, and the next chart starts a thread', async () => {
    const svgs = await Promise.all(specs.map((s) => renderSvg(s)));
    await drawRgba(svgs[2]!, options); // the thread is up
    const inFlight = svgs.map((svg) => drawRgba(svg, options));
    await stopRasterThread();
    const drawn = await Promise.all(inFlight);
    for (let i = 0; i < svgs.length; i++) expect(drawn[i]!.pixels.equals(direct(svgs[i]!).pixels)).toBe(true);
    expect((await drawRgba(svgs[0]!, options)).pixels.equals(direct(svgs[0]!).pixels)).toBe(true);
  });

  it('an idle thread does not keep the process alive', { timeout: 120_000 }, async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/processes/one-chart.ts'], { cwd: root });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'drew a chart' });
  });
});
