// Helpers for tests that drive the team-lead assistant end to end: a seeded and analysed demo
// database, a PNG decoder to look at the charts it returns, and small text probes.
import { inflateSync } from 'node:zlib';
import { loadConfig, type Config } from '../../src/config.ts';
import { seedDemoData } from '../../src/db/seed/load.ts';
import { createOfflineScorer } from '../../src/domain/scoring/offline-scorer.ts';
import { openAnalysisPipeline } from '../../src/root/analysis.ts';

/** The configuration of an offline assistant in `timeZone` (no API key, whatever the host has). */
export function offlineConfig(timeZone: string): Config {
  const config = loadConfig({ BUSINESS_TIMEZONE: timeZone });
  if (config.llm.apiKey) throw new Error('an offline config must not carry an API key');
  return config;
}

/** Seeds the demo data as of `now` and runs the analysis to the end, so daily_analyses is filled. */
export async function seedAndAnalyse(url: string, opts: { conversations: number; now: Date; timeZone: string }): Promise<void> {
  await seedDemoData(url, { conversations: opts.conversations, now: opts.now, timezone: opts.timeZone });
  const p = await openAnalysisPipeline(url, { config: offlineConfig(opts.timeZone), scorer: createOfflineScorer() });
  try {
    await p.plan();
    await p.waitForIdle();
  } finally {
    await p.stop();
  }
}

export interface DecodedPng {
  width: number;
  height: number;
  /** row-major RGBA, 4 bytes per pixel */
  pixels: Buffer;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const isPng = (b: Buffer): boolean => b.length > PNG_SIGNATURE.length && b.subarray(0, 8).equals(PNG_SIGNATURE);

/**
 * A minimal decoder for what resvg writes: 8-bit RGBA or RGB, not interlaced. Enough to count
 * pixels in a returned chart without trusting the renderer that made it.
 */
export function decodePng(png: Buffer): DecodedPng {
  if (!isPng(png)) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.subarray(pos + 4, pos + 8).toString('latin1');
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      const interlace = data[12];
      if (depth !== 8 || interlace !== 0 || (colour !== 6 && colour !== 2)) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      }
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let add: number;
      switch (filter) {
        case 0:
          add = 0;
          break;
        case 1:
          add = a;
          break;
        case 2:
          add = b;
          break;
        case 3:
          add = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = line[x * channels]!;
      out[o + 1] = line[x * channels + 1]!;
      out[o + 2] = line[x * channels + 2]!;
      out[o + 3] = channels === 4 ? line[x * channels + 3]! : 255;
    }
    prev = line;
  }
  return { width, height, pixels: out };
}

/** Opaque pixels darker than mid-grey in rows [fromRow, toRow): text and lines, not the white ground. */
export function darkPixels(img: DecodedPng, fromRow = 0, toRow = img.height): number {
  let n = 0;
  for (let y = Math.max(0, fromRow); y < Math.min(img.height, toRow); y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 4;
      if (img.pixels[o + 3]! > 128 && img.pixels[o]! + img.pixels[o + 1]! + img.pixels[o + 2]! < 3 * 128) n++;
    }
  }
  return n;
}

/** Pixels that differ between two images of the same size. */
export function differingPixels(a: DecodedPng, b: DecodedPng): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  let n = 0;
  for (let i = 0; i < a.pixels.length; i += 4) {
    if (a.pixels[i] !== b.pixels[i] || a.pixels[i + 1] !== b.pixels[i + 1] || a.pixels[i + 2] !== b.pixels[i + 2]) n++;
  }
  return n;
}
