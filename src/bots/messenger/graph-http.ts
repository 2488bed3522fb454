import http from 'node:http';
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';

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

/**
 * POSTs `body` (JSON) to `url`; rejects on a network error or when `timeoutMs` passes. A rejection
 * that came before the connection could carry the request is a GraphPostError with
 * `requestSent: false` (and code CONNECT_TIMEOUT when it was the deadline): see `requestNeverSent`.
 */
export type GraphPost = (url: string, body: string, timeoutMs: number) => Promise<GraphAnswer>;

/** err.code when no connection was ready within the deadline: the request never left */
export const CONNECT_TIMEOUT = 'GRAPH_CONNECT_TIMEOUT';

/** What createGraphPost rejects with: Node's error, marked when the request cannot have left. */
export interface GraphPostError extends Error {
  code?: string;
  /** false: the error came before the connection could carry the request (safe to send again) */
  requestSent?: false;
}

/** Whether `err` (from a GraphPost) says that no byte of the request can have reached the server. */
export const requestNeverSent = (err: unknown): boolean => (err as GraphPostError | null)?.requestSent === false;

export interface GraphPostOptions {
  /** extra CA certificate(s) trusted for https besides Node's bundled ones (tests: a local server's) */
  ca?: string | Buffer | Array<string | Buffer>;
}

export function createGraphPost(opts: GraphPostOptions = {}): GraphPost {
  // idle sockets closed after 4 s, before a server's usual 5 s keep-alive timeout, so a call
  // rarely meets a socket the server is closing (fetch's default is the same)
  const ca = opts.ca === undefined ? undefined : [...tls.rootCertificates, ...[opts.ca].flat()];
  const agents = {
    http: new http.Agent({ keepAlive: true, timeout: 4_000 }),
    https: new https.Agent({ keepAlive: true, timeout: 4_000, ...(ca ? { ca } : {}) }),
  };
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
      // `ready`: the connection can carry the request. Before that no byte of it can have left
      // (http buffers it until TCP connects, a TLS socket until its handshake is done), so a
      // failure then (refused, reset or closed mid-handshake, a certificate refused, the deadline)
      // is safe to send again. Over TCP that is 'connect'; over TLS only 'secureConnect': a
      // handshake that stalls or fails happens after TCP connected. A socket the agent reuses is
      // ready already (it carried a call); on a new one Node 20 has no public "handshake done"
      // flag (getProtocol() answers the version before it), but `authorized` turns true with it
      // (this agent never sets rejectUnauthorized: false). After ready, an error or the deadline
      // may come after Meta took the message, even a reset on a reused keep-alive socket
      // (the server may have closed it idle, or after reading the request): not marked.
      let ready = false;
      req.once('socket', (s) => {
        if (req.reusedSocket || (secure ? (s as TLSSocket).authorized : !s.connecting)) ready = true;
        else s.once(secure ? 'secureConnect' : 'connect', () => (ready = true));
      });
      const timer = setTimeout(() => {
        const err = Object.assign(new Error('The operation was aborted due to timeout'), ready ? {} : { code: CONNECT_TIMEOUT });
        req.destroy(err);
      }, timeoutMs);
      req.on('error', (err: GraphPostError) => {
        clearTimeout(timer);
        if (!ready) err.requestSent = false;
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
