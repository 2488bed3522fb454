'use strict';
// The raster thread (see raster.ts): SVG in; a PNG, or the pixels themselves, out; one chart at a
// time. Plain JavaScript, so that it runs as it is from src/ and from dist/ (the build copies it)
// and the thread needs no TypeScript loader: under tsx, a thread registering one took ~40 MB more.
const { parentPort } = require('node:worker_threads');
const { crc32, deflateSync } = require('node:zlib');
const { Resvg } = require('@resvg/resvg-js');

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** zlib level: 3 is within a few percent of 1's speed and clearly smaller; 6+ costs 3-5x the time. */
const LEVEL = 3;

function chunk(type, data) {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// The filtered rows, reused from chart to chart: a fresh 2-5 MB buffer per chart cost more than
// the deflate itself (the kernel maps and zeroes every page of it). One is enough: this thread
// encodes one chart at a time.
let rows = Buffer.alloc(0);

/**
 * Encodes 8-bit RGBA rows as a PNG. Every row gets filter type 0 (none): the charts are mostly
 * flat white, which deflate already squeezes, and filtering in JS would cost more than it saves.
 * The background is always painted (render.ts resvgOptions), so every pixel is opaque and
 * resvg's premultiplied RGBA equals the straight RGBA that PNG stores.
 */
function encodePng(width, height, rgba) {
  const stride = width * 4;
  const size = (stride + 1) * height;
  // a little headroom, so the next chart of a similar size fits
  if (rows.length < size) rows = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
  const raw = rows.subarray(0, size);
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
  const idat = deflateSync(raw, { level: LEVEL });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

parentPort.on('message', ({ id, svg, options, as }) => {
  let reply;
  try {
    const img = new Resvg(svg, options).render();
    const pixels = img.pixels;
    // The native image behind `img` is invisible to V8, and this thread makes almost no other
    // garbage: V8 would collect only once 64 MB of buffers had been reported, holding ~8 charts'
    // images and pixels. An allocation three times their size, never written (so never mapped
    // in), makes it collect every few charts instead.
    Buffer.allocUnsafeSlow(pixels.length * 3);
    reply = as === 'png' ? { id, png: encodePng(img.width, img.height, pixels) } : { id, width: img.width, height: img.height, pixels };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  // copied to the caller: a few dozen KB for a PNG
  parentPort.postMessage(reply);
});
