// Meta's other half: webhook deliveries to the service, as a load generator. It runs in a
// process of its own, in a session of its own (its timing must not depend on the service's
// event loop, nor share the service's CPU: Meta's servers are elsewhere; as a worker thread of
// the service's process it was weighed with the service under Linux autogroup scheduling and
// waited for a core as long as it ran, 0.2-0.3 s per 5 s flood, one answer read 30 ms after it
// was written), and speaks HTTP/1.1 over raw keep-alive sockets with the requests' bytes built
// before the clock starts: a fetch-based sender spent more CPU per request than the webhook
// it measured, and on two cores that capped the rate it could offer near 550/s. Times are on
// process.hrtime's clock (CLOCK_MONOTONIC), the same in every process of the host.

export interface DeliveryResult {
  /** status of the first attempt (0 = network error) */
  firstStatus: number;
  /** ms to the first attempt's answer */
  firstMs: number;
  /** attempts until a 200 (or the limit) */
  attempts: number;
  ok: boolean;
  /** the first attempt sent and answered, ms on process.hrtime's clock (CLOCK_MONOTONIC: shared by every process of the host) */
  sentAt: number;
  doneAt: number;
}

const DELIVERY_PROCESS = `
const net = require('node:net');
const { host, port, maxSockets } = JSON.parse(process.env.WEBHOOK_LOAD_TARGET);
// the service that started it is gone: so is its load
process.on('disconnect', () => process.exit(0));
process.title = 'webhook load generator';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const clock = () => Number(process.hrtime.bigint()) / 1e6;
const wireOf = (path, r) => {
  const body = Buffer.from(r.body, 'utf8');
  const head = 'POST ' + path + ' HTTP/1.1\\r\\nHost: ' + host + ':' + port + '\\r\\nContent-Type: application/json\\r\\n' +
    'X-Hub-Signature-256: ' + r.signature + '\\r\\nContent-Length: ' + body.length + '\\r\\nConnection: keep-alive\\r\\n\\r\\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
};

// one request at a time per socket; an answer is complete once its header and
// Content-Length bytes of body arrived
const idle = [];
let open = 0;
const waitingForSocket = [];
function connect() {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, noDelay: true });
    open++;
    s.lgAnswer = null;
    s.lgBuf = Buffer.alloc(0);
    s.on('connect', () => resolve(s));
    s.on('data', (chunk) => {
      s.lgBuf = s.lgBuf.length ? Buffer.concat([s.lgBuf, chunk]) : chunk;
      const end = s.lgBuf.indexOf('\\r\\n\\r\\n');
      if (end < 0 || !s.lgAnswer) return;
      const head = s.lgBuf.subarray(0, end).toString('latin1');
      const m = /content-length:\\s*(\\d+)/i.exec(head);
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (s.lgBuf.length < total) return;
      const status = Number(head.slice(9, 12));
      const keep = !/connection:\\s*close/i.test(head);
      s.lgBuf = s.lgBuf.subarray(total);
      const p = s.lgAnswer; s.lgAnswer = null;
      p(status, keep);
    });
    const fail = () => {
      if (s.lgDead) return;
      s.lgDead = true; open--;
      const i = idle.indexOf(s); if (i >= 0) idle.splice(i, 1);
      resolve(null);
      if (s.lgAnswer) { const p = s.lgAnswer; s.lgAnswer = null; p(0, false); }
      s.destroy();
      release(null);
    };
    s.on('error', fail);
    s.on('close', fail);
  });
}
async function acquire() {
  while (idle.length) { const s = idle.pop(); if (!s.lgDead) return s; }
  if (open < maxSockets) return connect();
  return new Promise((r) => waitingForSocket.push(r));
}
function release(s) {
  const w = waitingForSocket.shift();
  if (w) { if (s) w(s); else acquire().then(w); return; }
  if (s) idle.push(s);
}
async function attempt(bytes) {
  const s = await acquire();
  if (!s) return 0;
  return new Promise((resolve) => {
    s.lgAnswer = (status, keep) => {
      if (keep && status) release(s); else if (!s.lgDead) { s.lgDead = true; open--; s.destroy(); release(null); }
      resolve(status);
    };
    s.write(bytes);
  });
}
async function one(wire, i, retryDelayMs, maxAttempts) {
  const r = { firstStatus: 0, firstMs: 0, attempts: 0, ok: false, sentAt: 0, doneAt: 0 };
  while (r.attempts < maxAttempts) {
    const t = performance.now();
    const sentAt = clock();
    const status = await attempt(wire[i]);
    if (r.attempts === 0) { r.firstStatus = status; r.firstMs = performance.now() - t; r.sentAt = sentAt; r.doneAt = clock(); }
    r.attempts++;
    if (status === 200) { r.ok = true; return r; }
    await sleep(retryDelayMs);
  }
  return r;
}
async function run(job) {
  const { path, requests, rate, concurrency, retryDelayMs, maxAttempts } = job;
  const wire = requests.map((r) => wireOf(path, r));
  // connections are opened before the clock starts: handshakes are not what is measured
  const want = Math.min(maxSockets, concurrency || 64) - idle.length;
  if (want > 0) for (const s of await Promise.all(Array.from({ length: want }, connect))) if (s) idle.push(s);
  const started = performance.now();
  if (concurrency > 0) {
    const results = new Array(wire.length);
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < wire.length) { const i = next++; results[i] = await one(wire, i, retryDelayMs, maxAttempts); }
    }));
    const s = (performance.now() - started) / 1000;
    return { results, sentS: s, doneS: s };
  }
  // open loop: each request leaves at its scheduled time whether or not earlier ones were
  // answered; requests that fell due during one timer tick leave together
  const all = new Array(wire.length);
  let i = 0;
  while (i < wire.length) {
    const now = performance.now();
    while (i < wire.length && started + (i * 1000) / rate <= now) { all[i] = one(wire, i, retryDelayMs, maxAttempts); i++; }
    if (i < wire.length) {
      const wait = started + (i * 1000) / rate - performance.now();
      // a timer even for less than a millisecond (it fires on the next 1 ms tick): polling with
      // setImmediate until the next request fell due kept this thread busy, taking most of a
      // core from the service it measures on a two-core machine
      if (wait > 0) await sleep(wait); else await new Promise((r) => setImmediate(r));
    }
  }
  const sentS = (performance.now() - started) / 1000;
  const results = await Promise.all(all);
  return { results, sentS, doneS: (performance.now() - started) / 1000 };
}
process.on('message', (job) => {
  if (job === 'close') { for (const s of idle) s.destroy(); process.disconnect(); return; }
  run(job).then((r) => process.send(r), (err) => process.send({ error: String(err && err.stack || err) }));
});
`;

export interface DeliveryJob {
  /** path and query, e.g. /webhooks/messenger */
  path: string;
  requests: { body: string; signature: string }[];
  /** per second, open loop; 0 with `concurrency` for a closed loop (throughput) */
  rate: number;
  concurrency?: number;
  retryDelayMs?: number;
  maxAttempts?: number;
}

export interface DeliveryRun {
  results: DeliveryResult[];
  sentS: number;
  doneS: number;
}

/**
 * A load generator for one server, kept warm between runs (its thread's JIT and its
 * keep-alive connections), so a warm-up run really warms the measured one. Requests carry
 * body + X-Hub-Signature-256; a non-200 is resent after `retryDelayMs` (default 250), as Meta
 * resends failed deliveries, up to `maxAttempts` (default 400).
 */
export async function startWebhookLoad(o: { url: string; maxSockets?: number }): Promise<{ run(job: DeliveryJob): Promise<DeliveryRun>; close(): Promise<void> }> {
  const target = new URL(o.url);
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', DELIVERY_PROCESS], {
    // detached: a session of its own (setsid), so the scheduler weighs it apart from this process
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, NODE_OPTIONS: '', WEBHOOK_LOAD_TARGET: JSON.stringify({ host: target.hostname, port: Number(target.port), maxSockets: o.maxSockets ?? 256 }) },
  });
  let failure: Error | undefined;
  child.on('error', (err) => {
    failure = err;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const onExit = (code: number | null) => reject(new Error(`delivery process exited (${code})`));
        child.once('exit', onExit);
        child.once('message', (m: DeliveryRun | { error: string }) => {
          child.off('exit', onExit);
          if ('error' in m) reject(new Error(m.error));
          else resolve(m);
        });
        child.send({ concurrency: 0, retryDelayMs: 250, maxAttempts: 400, ...job });
      }),
    close: async () => {
      if (child.connected) child.send('close');
      const timeout = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** One run on a fresh generator: POSTs `requests` to `url` at `rate`/s (see startWebhookLoad). */
export async function deliverWebhooks(o: Omit<DeliveryJob, 'path'> & { url: string; maxSockets?: number }): Promise<DeliveryRun> {
  const load = await startWebhookLoad({ url: o.url, ...(o.maxSockets ? { maxSockets: o.maxSockets } : {}) });
  try {
    const { url, maxSockets: _m, ...job } = o;
    const u = new URL(url);
    return await load.run({ ...job, path: u.pathname + u.search });
  } finally {
    await load.close();
  }
}
