import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WAIT_MS } from './wait.ts';

// A local stand-in for a Resend-compatible email API (https://resend.com/docs/api-reference/emails/send-email):
// POST /emails with a JSON body {from, to, subject, html?, text?}, `Authorization: Bearer <key>`;
// answers 200 {id}. Errors as Resend answers them: {statusCode, message, name} with 401
// (missing_api_key), 403 (invalid_api_key), 422 (validation_error). An `Idempotency-Key`
// seen before answers the first email's id again and sends nothing (Resend's 24 h replay).
// `down()` makes it answer 503 to everything (or drop connections), `up()` restores it.

export interface FakeEmail {
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  id: string;
  idempotencyKey?: string;
}

export interface FakeEmailRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
}

export interface FakeEmailServer {
  /** base URL (EMAIL_API_URL); POST <url>/emails */
  url: string;
  /** emails accepted (sent), in order */
  emails: FakeEmail[];
  /** every request, including refused ones */
  requests: FakeEmailRequest[];
  /** fail every request from now on: 503 JSON error, or `reset` to destroy the connection */
  down(how?: 'status' | 'reset'): void;
  up(): void;
  waitForEmail(predicate: (e: FakeEmail) => boolean, timeoutMs?: number): Promise<FakeEmail>;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeEmail(opts: { apiKey?: string } = {}): Promise<FakeEmailServer> {
  const emails: FakeEmail[] = [];
  const requests: FakeEmailRequest[] = [];
  const byKey = new Map<string, FakeEmail>();
  let outage: 'status' | 'reset' | undefined;
  const sockets = new Set<Socket>();
  const waiters: { predicate: (e: FakeEmail) => boolean; resolve: (e: FakeEmail) => void }[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const answer = (status: number, json: unknown) => {
        requests.push({ path: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      const error = (statusCode: number, name: string, message: string) => answer(statusCode, { statusCode, name, message });
      if (outage === 'reset') {
        requests.push({ path: req.url ?? '', headers: req.headers, body, status: 0 });
        req.socket.destroy();
        return;
      }
      if (outage === 'status') return error(503, 'service_unavailable', 'the fake email API is down');
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/emails') return error(404, 'not_found', 'The requested endpoint does not exist.');
      const auth = req.headers.authorization;
      if (!auth) return error(401, 'missing_api_key', 'Missing API key in the authorization header.');
      if (opts.apiKey && auth !== `Bearer ${opts.apiKey}`) return error(403, 'invalid_api_key', 'API key is invalid');
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return error(422, 'validation_error', 'Content-Type must be application/json');
      const b = body as Record<string, unknown> | undefined;
      const to = typeof b?.to === 'string' ? [b.to] : Array.isArray(b?.to) ? (b.to as unknown[]) : undefined;
      for (const [field, ok] of [
        ['from', typeof b?.from === 'string' && b.from !== ''],
        ['to', to !== undefined && to.length > 0 && to.length <= 50 && to.every((t) => typeof t === 'string' && t.includes('@'))],
        ['subject', typeof b?.subject === 'string' && b.subject !== ''],
      ] as const) {
        if (!ok) return error(422, 'validation_error', `Invalid \`${field}\` field.`);
      }
      if (typeof b!.html !== 'string' && typeof b!.text !== 'string') return error(422, 'validation_error', 'Missing `html` or `text` field.');
      const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      const seen = key ? byKey.get(key) : undefined;
      if (seen) return answer(200, { id: seen.id });
      const email: FakeEmail = {
        from: b!.from as string,
        to: to as string[],
        subject: b!.subject as string,
        ...(typeof b!.html === 'string' ? { html: b!.html } : {}),
        ...(typeof b!.text === 'string' ? { text: b!.text } : {}),
        id: randomUUID(),
        ...(key ? { idempotencyKey: key } : {}),
      };
      emails.push(email);
      if (key) byKey.set(key, email);
      answer(200, { id: email.id });
      for (const w of [...waiters]) {
        if (w.predicate(email)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(email);
        }
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    emails,
    requests,
    down: (how = 'status') => void (outage = how),
    up: () => void (outage = undefined),
    waitForEmail: (predicate, timeoutMs = WAIT_MS) => {
      const found = emails.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve: (e: FakeEmail) => (clearTimeout(timer), resolve(e)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching email within ${timeoutMs} ms; sent: ${JSON.stringify(emails.map((e) => ({ to: e.to, subject: e.subject })))}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    reset: () => {
      emails.length = 0;
      requests.length = 0;
      byKey.clear();
      outage = undefined;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
