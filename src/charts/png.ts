// A minimal PNG writer for the renderer's opaque RGBA pixels. resvg's own `asPng()` compresses on
// the calling thread at a fixed level; this one deflates on libuv's thread pool at a level chosen
// for chat images (a few dozen KB more per chart, a quarter of the time).
import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** zlib level: 3 is within a few percent of 1's speed and clearly smaller; 6+ costs 3-5x the time. */
const LEVEL = 3;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// Scratch buffers for the filtered rows, reused: a fresh 2-5 MB Buffer per chart cost more than
// the deflate itself (the kernel maps and zeroes every page of it: ~15 ms CPU per chart measured,
// against 0.3 ms to refill a warm one). A few are kept, for charts encoded at the same time.
const SCRATCH_KEPT = 3;
const scratch: Buffer[] = [];

function takeScratch(size: number): Buffer {
  const i = scratch.findIndex((b) => b.length >= size);
  if (i >= 0) return scratch.splice(i, 1)[0]!;
  // a little headroom, so the next chart of a similar size fits
  return Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
}

function giveBack(buf: Buffer): void {
  if (scratch.length < SCRATCH_KEPT) scratch.push(buf);
  else {
    const smallest = scratch.reduce((m, b, i) => (b.length < scratch[m]!.length ? i : m), 0);
    if (scratch[smallest]!.length < buf.length) scratch[smallest] = buf;
  }
}

/**
 * Encodes 8-bit RGBA rows as a PNG. Every row gets filter type 0 (none): the charts are mostly
 * flat white, which deflate already squeezes, and filtering in JS would cost more than it saves.
 */
export async function encodePng(width: number, height: number, rgba: Buffer): Promise<Buffer> {
  const stride = width * 4;
  if (rgba.length !== stride * height) throw new RangeError(`expected ${stride * height} bytes of RGBA, got ${rgba.length}`);
  const buf = takeScratch((stride + 1) * height);
  const raw = buf.subarray(0, (stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    raw[at] = 0;
    rgba.copy(raw, at + 1, y * stride, (y + 1) * stride);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bits per channel
  ihdr[9] = 6; // colour type: RGBA
  // bytes 10-12: deflate compression, adaptive filtering, no interlace (all 0)
  let idat: Buffer;
  try {
    idat = await deflateAsync(raw, { level: LEVEL });
  } finally {
    giveBack(buf);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
