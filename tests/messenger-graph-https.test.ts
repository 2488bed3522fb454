import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT, createGraphPost, requestNeverSent, type GraphPostError } from '../src/bots/messenger/graph-http.ts';
import { createMessengerSender } from '../src/bots/messenger/send-api.ts';
import { loadConfig } from '../src/config.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { capturingLogger } from './helpers/slack-harness.ts';

// The Send API's transport over https, as the real Graph API is reached: no byte of a request
// can leave before the TLS handshake is done, so a handshake that stalls, a certificate refused
// or a connection cut during the handshake never sent the message (safe to send again), while
// a failure once the request could be written may have delivered it (never sent again).
// Local servers: the fixture certificate (tests/fixtures/tls, self-signed for 127.0.0.1).

const CERT = readFileSync(new URL('./fixtures/tls/localhost.crt', import.meta.url));
const KEY = readFileSync(new URL('./fixtures/tls/localhost.key', import.meta.url));

interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1; close() also ends the connections still open (keep-alive, stalled). */
async function listen(server: net.Server, scheme: string): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The promise's rejection (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<GraphPostError> {
  try {
    await p;
  } catch (err) {
    return err as GraphPostError;
  }
  throw new Error('expected a rejection');
}

// an https server in Meta's manner: records what arrived, answers JSON
const received: { body: string; contentType: string | undefined }[] = [];
let handshakes = 0;
const graphTls = https.createServer({ key: KEY, cert: CERT }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ recipient_id: '1', message_id: `m_${received.length}` }));
  });
});
graphTls.on('secureConnection', () => handshakes++);
// accepts TCP and never speaks TLS: the handshake stalls
const silent = net.createServer(() => {});
// cuts every connection as soon as it is made: during the client's handshake
const slammer = net.createServer((s) => s.destroy());
// plain http that reads the request and never answers
const hangingRequests: string[] = [];
const hanging = http.createServer((req) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => hangingRequests.push(body));
});

let tlsUrl: string;
let silentUrl: string;
let slammerUrl: string;
let hangingUrl: string;
const servers: Listening[] = [];

beforeAll(async () => {
  const [a, b, c, d] = await Promise.all([listen(graphTls, 'https'), listen(silent, 'https'), listen(slammer, 'https'), listen(hanging, 'http')]);
  servers.push(a, b, c, d);
  [tlsUrl, silentUrl, slammerUrl, hangingUrl] = [a.url, b.url, c.url, d.url];
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('graph-http over https', () => {
  it('posts JSON over TLS with the fixture CA trusted: status and body back, the request intact, one TLS connection for two calls', async () => {
    const post = createGraphPost({ ca: CERT });
    const before = handshakes;
    const body = JSON.stringify({ recipient: { id: 'PSID1' }, message: { text: 'héllo ✓ — 1' } });
    const first = await post(`${tlsUrl}/v26.0/me/messages?access_token=T`, body, 10_000);
    expect(first).toEqual({ status: 200, statusText: 'OK', json: { recipient_id: '1', message_id: `m_${received.length}` } });
    const second = await post(`${tlsUrl}/v26.0/me/messages?access_token=T`, JSON.stringify({ n: 2 }), 10_000);
    expect(second.status).toBe(200);
    expect(received.slice(-2)).toEqual([
      { body, contentType: 'application/json' },
      { body: '{"n":2}', contentType: 'application/json' },
    ]);
    expect(handshakes - before).toBe(1); // the keep-alive agent reused the TLS connection
  });

  it('a certificate that is not trusted: rejected before any byte of the request left, marked not sent', async () => {
    const before = received.length;
    const err = await rejection(createGraphPost()(`${tlsUrl}/v26.0/me/messages`, '{}', 10_000));
    expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(requestNeverSent(err)).toBe(true);
    expect(received.length).toBe(before);
  });

  it('a TLS handshake that never completes (TCP accepted, nothing said) times out marked not sent (CONNECT_TIMEOUT)', async () => {
    const err = await rejection(createGraphPost()(`${silentUrl}/v26.0/me/messages`, '{}', 200));
    expect(err.code).toBe(CONNECT_TIMEOUT);
    expect(requestNeverSent(err)).toBe(true);
  });

  it('a connection cut during the TLS handshake is marked not sent', async () => {
    const err = await rejection(createGraphPost()(`${slammerUrl}/v26.0/me/messages`, '{}', 10_000));
    expect(err.code).toBe('ECONNRESET');
    expect(requestNeverSent(err)).toBe(true);
  });

  it('contrast, plain http: a request written to a server that never answers times out NOT marked (it may have been delivered)', async () => {
    const err = await rejection(createGraphPost()(`${hangingUrl}/v26.0/me/messages`, '{"m":"hang"}', 500));
    expect(err.code).not.toBe(CONNECT_TIMEOUT);
    expect(requestNeverSent(err)).toBe(false);
    await expect.poll(() => hangingRequests).toContain('{"m":"hang"}');
  });
});

describe('the sender over https', () => {
  const PAGE = '2090000000077';
  const TOKEN = 'EAAG-tls-test';
  const NOW = new Date('2026-11-30T12:00:00Z');
  let db: TestDatabase;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase('messenger_graph_https');
    await db.pool.query(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'TLS test', now())`, [PAGE]);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function customer(): Promise<string> {
    const psid = `PSIDTLS${++n}`;
    await db.pool.query(`INSERT INTO customers (page_id, psid, last_message_at) SELECT id, $2, $3 FROM pages WHERE fb_page_id = $1`, [PAGE, psid, new Date(NOW.getTime() - 3_600_000)]);
    return psid;
  }

  async function sendThrough(url: string, key: string, timeoutMs?: number) {
    const config = loadConfig({ MESSENGER_API_URL: `${url}/v26.0`, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
    const waits: number[] = [];
    const s = createMessengerSender({
      pool: db.pool, config, logger: capturingLogger('fatal').logger, now: () => NOW, random: () => 0.5, sleep: async (ms) => void waits.push(ms),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    const r = await s.send({ key, pageId: PAGE, psid: await customer(), sender: 'bot', text: 'x' });
    const { rows } = await db.pool.query<{ status: string }>(`SELECT status::text FROM messenger_sends WHERE idempotency_key = $1`, [key]);
    return { r, waits, row: rows[0] };
  }

  it('an untrusted certificate never reached Meta: retried as transient, then failed without "may have been delivered"', async () => {
    const before = received.length;
    const { r, waits, row } = await sendThrough(tlsUrl, 'untrusted');
    expect(r).toMatchObject({ status: 'failed' });
    expect((r as { reason: string }).reason).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect((r as { reason: string }).reason).not.toMatch(/may have been delivered/);
    expect(waits).toHaveLength(3); // four attempts
    expect(row).toEqual({ status: 'failed' });
    expect(received.length).toBe(before);
  });

  it('a TLS handshake that stalls until the timeout never reached Meta: retried, then failed (not left pending)', async () => {
    const { r, waits, row } = await sendThrough(silentUrl, 'stalled', 100);
    expect(r).toMatchObject({ status: 'failed' });
    expect((r as { reason: string }).reason).toMatch(new RegExp(CONNECT_TIMEOUT));
    expect((r as { reason: string }).reason).not.toMatch(/may have been delivered/);
    expect(waits).toHaveLength(3);
    expect(row).toEqual({ status: 'failed' });
  });
});
