import { Worker } from 'node:worker_threads';
import type { ResvgRenderOptions } from '@resvg/resvg-js';

// SVG → PNG (or pixels) on one thread of our own (raster-thread.cjs), one chart at a time.
//
// Why a thread of its own rather than resvg's renderAsync and zlib on libuv's pool: resvg
// allocates with mimalloc, which hands freed memory back to the OS 10 ms after a free. Each
// chart's 2-5 MB pixmap was then faulted in and zeroed again page by page, about half of a
// chart's raster time on the 2-core host (an empty 1275×804 image: 30 ms, 17 ms without it).
// Kept for a second instead (MIMALLOC_PURGE_DELAY), the pages are reused while charts are drawn
// one after another, but every thread that draws keeps its own: on the pool's four threads,
// 50 MB more at peak. One thread keeps one set; it also encodes the PNG, so the pixels never
// cross to the event loop's heap.

export interface RgbaImage {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes per pixel. */
  pixels: Buffer;
}

interface Request {
  id: number;
  svg: string;
  options: ResvgRenderOptions;
  as: 'png' | 'rgba';
}

type Reply = { id: number; png: Uint8Array } | { id: number; width: number; height: number; pixels: Uint8Array } | { id: number; error: string };

interface Pending {
  request: Request;
  /** threads that ended while drawing it */
  lost: number;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

interface RasterThread {
  worker: Worker;
  /** the charts sent to it and not answered yet */
  pending: Map<number, Pending>;
}

let current: RasterThread | undefined;
let nextId = 1;

/** mimalloc reads its options when resvg's module loads; an operator's value wins. */
function keepFreedPagesAWhile(): void {
  process.env.MIMALLOC_PURGE_DELAY ??= '1000';
}

function start(): RasterThread {
  keepFreedPagesAWhile();
  const worker = new Worker(new URL('./raster-thread.cjs', import.meta.url));
  const self: RasterThread = { worker, pending: new Map() };
  // idle, it does not keep the process alive; while it draws, it does (see send)
  worker.unref();
  worker.on('message', (reply: Reply) => {
    const p = self.pending.get(reply.id);
    if (!p) return;
    self.pending.delete(reply.id);
    if (self.pending.size === 0) worker.unref();
    if ('error' in reply) p.reject(new Error(`chart not drawn: ${reply.error}`));
    else p.resolve(reply);
  });
  const ended = (err?: Error) => {
    if (current === self) current = undefined;
    const unanswered = [...self.pending.values()];
    self.pending.clear();
    // A chart whose thread ended (it died, or was stopped) is drawn by the next thread; one that
    // two threads ended on is not tried again, so that a chart that kills the thread cannot loop.
    for (const p of unanswered) {
      p.lost++;
      if (p.lost >= 2) p.reject(new Error(`chart not drawn: the raster thread ended twice while drawing it${err ? ` (${err.message})` : ''}`));
      else send(p);
    }
  };
  worker.on('error', ended);
  worker.on('exit', () => ended());
  return self;
}

function send(p: Pending): void {
  let self: RasterThread;
  try {
    self = current ??= start();
  } catch (err) {
    p.reject(err instanceof Error ? err : new Error(String(err)));
    return;
  }
  self.pending.set(p.request.id, p);
  self.worker.ref();
  self.worker.postMessage(p.request);
}

function draw(svg: string, options: ResvgRenderOptions, as: Request['as']): Promise<Reply> {
  return new Promise((resolve, reject) => send({ request: { id: nextId++, svg, options, as }, lost: 0, resolve, reject }));
}

const asBuffer = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export async function drawPng(svg: string, options: ResvgRenderOptions): Promise<Buffer> {
  const reply = await draw(svg, options, 'png');
  if (!('png' in reply)) throw new Error('chart not drawn: the raster thread answered without a PNG');
  return asBuffer(reply.png);
}

export async function drawRgba(svg: string, options: ResvgRenderOptions): Promise<RgbaImage> {
  const reply = await draw(svg, options, 'rgba');
  if (!('pixels' in reply)) throw new Error('chart not drawn: the raster thread answered without pixels');
  return { width: reply.width, height: reply.height, pixels: asBuffer(reply.pixels) };
}

/** Ends the thread; the charts it had not answered, and the next ones, go to a new thread. */
export async function stopRasterThread(): Promise<void> {
  const self = current;
  current = undefined;
  if (self) await self.worker.terminate();
}
