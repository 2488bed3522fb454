import http from 'node:http';
import https from 'node:https';

// How the Send API reaches Meta: one JSON POST per call over keep-alive connections
// (node:http's Agent), not fetch. Why: Node 20's fetch registers every response's body stream
// in a FinalizationRegistry (and its request's controller in another, behind WeakRefs), and V8
// only clears those at a full collection, so each call's request, response, stream and
// controller objects outlived the young generation whatever their use. At the reply worker's
// ~330 sends a second that promoted ~150 MB of garbage per 5,000 replies into the old
// generation: a mark-compact about every 15 s, 28-47 ms on the thread that acknowledges
// webhooks (docs/MESSENGER.md §6). These objects die young.

export interface GraphAnswer {
  status: number;
  statusText: string;
  /** the parsed JSON body ({} when it is not JSON) */
  json: Record<string, unknown>;
}

/** POSTs `body` (JSON) to `url`; rejects on a network error or when `timeoutMs` passes (err.code below). */
export type GraphPost = (url: string, body: string, timeoutMs: number) => Promise<GraphAnswer>;

/** err.code when no connection was made within the deadline: the request never left */
export const CONNECT_TIMEOUT = 'GRAPH_CONNECT_TIMEOUT';

export function createGraphPost(): GraphPost {
  // idle sockets closed after 4 s, before a server's usual 5 s keep-alive timeout, so a call
  // rarely meets a socket the server is closing (fetch's default is the same)
  const agents = { http: new http.Agent({ keepAlive: true, timeout: 4_000 }), https: new https.Agent({ keepAlive: true, timeout: 4_000 }) };
  return (url, body, timeoutMs) =>
    new Promise<GraphAnswer>((resolve, reject) => {
      const u = new URL(url);
      const secure = u.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      const req = (secure ? https : http).request(u, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      });
      let connected = false;
      req.once('socket', (s) => {
        if (!s.connecting) connected = true;
        else s.once('connect', () => (connected = true));
      });
      const timer = setTimeout(() => {
        const err = Object.assign(new Error('The operation was aborted due to timeout'), connected ? {} : { code: CONNECT_TIMEOUT });
        req.destroy(err);
      }, timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        res.once('end', () => {
          clearTimeout(timer);
          let json: Record<string, unknown> = {};
          try {
            const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
          } catch {
            // not JSON: the status says what happened
          }
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', json });
        });
      });
      req.end(payload);
    });
}

/** The same over an injected fetch (tests that watch or fake the transport). */
export function fetchGraphPost(doFetch: typeof fetch): GraphPost {
  return async (url, body, timeoutMs) => {
    const res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, statusText: res.statusText, json: json && typeof json === 'object' ? json : {} };
  };
}
