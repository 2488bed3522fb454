import { readdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/domain/access.ts';
import type { TestDatabase } from './helpers/db.ts';
import { openApiApp, type ApiApp } from './helpers/api-app.ts';
import { multipart } from './helpers/multipart.ts';

// The HTTP contract every route keeps (session 18's round): a known path with another method is
// a 405 naming the methods; ids are strict decimals; every /api route names the field at fault and
// refuses unknown parameters; the role is checked before the body is read; a body in a type the
// route does not read is a 415 naming the one it does.

let db: TestDatabase;
let app: FastifyInstance;
let dataDir: string;
const tokens = {} as Record<Role, string>;

const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });

function expectError(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, error: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(res.json()).toMatchObject({ error, message: expect.any(String), requestId: res.headers['x-request-id'] });
}

let api: ApiApp;

beforeAll(async () => {
  api = await openApiApp('http_contract', { roles: ['admin', 'lead', 'qa', 'developer', 'agent'] });
  ({ db, app, dataDir } = api);
  Object.assign(tokens, api.tokens);
});

afterAll(async () => {
  await api?.close();
});

describe('a known path called with a method it does not take', () => {
  const cases: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; allow: string }[] = [
    { method: 'PUT', url: '/api/sessions', allow: 'GET, HEAD' },
    { method: 'DELETE', url: '/api/stats?period=today', allow: 'GET, HEAD' },
    { method: 'POST', url: '/healthz', allow: 'GET, HEAD' },
    { method: 'GET', url: '/api/sessions/7/qa', allow: 'PATCH' },
    { method: 'POST', url: '/api/sessions/7', allow: 'GET, HEAD, DELETE' },
    { method: 'PATCH', url: '/api/qa/scorecard', allow: 'GET, HEAD, PUT' },
    { method: 'GET', url: '/api/jobs/3/retry', allow: 'POST' },
    { method: 'DELETE', url: '/api/uploads', allow: 'POST' },
  ];
  for (const c of cases) {
    it(`${c.method} ${c.url} is a 405 with Allow: ${c.allow}`, async () => {
      const res = await app.inject({ method: c.method, url: c.url, headers: bearer('admin') });
      expectError(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(c.allow);
    });
  }

  it('keeps 404 for a path no route has, whatever the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/api/nothing-here', headers: bearer('admin') });
      expectError(res, 404, 'NOT_FOUND');
      expect(res.headers.allow).toBeUndefined();
    }
  });
});

/** Writes raw bytes to the listening service and reads until it closes the connection. */
async function rawExchange(port: number, request: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(request);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return Buffer.concat(chunks).toString('utf8');
}

describe("requests node's HTTP parser refuses before a route sees them", () => {
  let port: number;
  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });

  const cases = [
    { what: 'headers over 16 KB', request: `GET /api/sessions HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, error: 'HEADERS_TOO_LARGE' },
    { what: 'a request line that is not HTTP', request: 'HELLO THERE\r\n\r\n', status: 400, error: 'BAD_REQUEST' },
  ];
  for (const c of cases) {
    it(`answers ${c.what} with ${c.status} in the catalogue's shape`, async () => {
      const answer = await rawExchange(port, c.request);
      const [head, body] = answer.split('\r\n\r\n') as [string, string];
      expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${c.status} ${c.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`);
      const json = JSON.parse(body) as Record<string, unknown>;
      expect(json).toEqual({ error: c.error, message: expect.any(String), requestId: expect.any(String) });
      expect(head.toLowerCase()).toContain(`x-request-id: ${String(json.requestId)}`);
    });
  }
});

describe('ids and whole numbers are strict decimals, on every route, through one parser', () => {
  const notDecimal = ['0x10', '1e3', '%2012', '+5', '012', '12%20', '1.0', '-3'];
  const idRoutes: { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: (id: string) => string; payload?: object }[] = [
    { method: 'GET', url: (id) => `/api/sessions/${id}` },
    { method: 'GET', url: (id) => `/api/sessions/${id}/reviews` },
    { method: 'DELETE', url: (id) => `/api/sessions/${id}` },
    { method: 'GET', url: (id) => `/api/conversations/${id}/analysis` },
    { method: 'POST', url: (id) => `/api/jobs/${id}/retry` },
    { method: 'GET', url: (id) => `/api/uploads/${id}` },
    { method: 'PATCH', url: (id) => `/api/alert-rules/${id}`, payload: { active: false } },
    { method: 'POST', url: (id) => `/api/qa/disputes/${id}/reject`, payload: { note: 'no' } },
  ];
  for (const r of idRoutes) {
    it(`${r.method} ${r.url(':id')} refuses ${notDecimal.join(', ')} with 400 naming id`, async () => {
      for (const id of notDecimal) {
        const res = await app.inject({ method: r.method, url: r.url(id), headers: bearer('admin'), ...(r.payload ? { payload: r.payload } : {}) });
        expectError(res, 400, 'BAD_REQUEST');
        expect((res.json() as { fields: { field: string }[] }).fields, id).toEqual([{ field: 'id', problem: expect.stringMatching(/decimal|integer|>=/) }]);
      }
      // a plain decimal is read: no such record
      expectError(await app.inject({ method: r.method, url: r.url('16'), headers: bearer('admin'), ...(r.payload ? { payload: r.payload } : {}) }), 404, 'NOT_FOUND');
    });
  }

  it('refuses the same spellings in whole-number query parameters, naming the parameter', async () => {
    for (const [url, field] of [
      ['/api/sessions?limit=0x10', 'limit'], ['/api/jobs?limit=1e2', 'limit'], ['/api/errors?before=012', 'before'],
      ['/api/qa/disputes?session=%2B5', 'session'], ['/api/alert-events?ruleId=%2012', 'ruleId'],
    ] as const) {
      const res = await app.inject({ url, headers: bearer('admin') });
      expectError(res, 400, 'BAD_REQUEST');
      expect((res.json() as { fields: { field: string }[] }).fields, url).toEqual([{ field, problem: expect.stringContaining('decimal') }]);
    }
    expect((await app.inject({ url: '/api/sessions?limit=16', headers: bearer('admin') })).statusCode).toBe(200);
  });

  it('takes JSON body numbers and nulls as typed: "1" is not a version and null is not a note', async () => {
    const cases: { method: 'PATCH' | 'POST'; url: string; payload: object; field: string }[] = [
      { method: 'PATCH', url: '/api/sessions/1/qa', payload: { status: 'passed', version: '0' }, field: 'version' },
      { method: 'PATCH', url: '/api/sessions/1/qa', payload: { status: 'issue', notes: null }, field: 'notes' },
      { method: 'POST', url: '/api/alert-rules', payload: { name: 'x', metric: 'error_rate', comparison: 'gt', threshold: '5', channel: 'C123' }, field: 'threshold' },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: c.method, url: c.url, headers: bearer('admin'), payload: c.payload });
      expectError(res, 400, 'BAD_REQUEST');
      expect((res.json() as { fields: { field: string }[] }).fields.map((f) => f.field), JSON.stringify(c.payload)).toEqual([c.field]);
    }
  });
});

describe('the analysis and upload routes read input as the rest of the API', () => {
  const cases: { url: string; field: string }[] = [
    { url: '/api/jobs?limit=abc', field: 'limit' },
    { url: '/api/jobs?status=done', field: 'status' },
    { url: '/api/jobs?foo=1', field: 'foo' },
    { url: '/api/conversations/abc/analysis', field: 'id' },
    { url: '/api/conversations/1/analysis?verbose=1', field: 'verbose' },
    { url: '/api/metrics?name=csi', field: 'name' },
    { url: '/api/uploads/abc', field: 'id' },
    { url: '/api/uploads/1?x=1', field: 'x' },
    { url: '/api/qa/scorecard?x=1', field: 'x' },
    { url: '/api/alert-rules?x=1', field: 'x' },
  ];
  for (const c of cases) {
    it(`${c.url} is a 400 naming ${c.field}`, async () => {
      const res = await app.inject({ url: c.url, headers: bearer('admin') });
      expectError(res, 400, 'BAD_REQUEST');
      expect((res.json() as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual([c.field]);
    });
  }

  it('POST /api/ingest/messages?dryRun=1 is a 400 naming dryRun, storing nothing', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/ingest/messages?dryRun=1', headers: bearer('admin'), payload: { messages: [] } });
    expectError(res, 400, 'BAD_REQUEST');
    expect((res.json() as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['dryRun']);
  });
});

describe('the role is checked before the body is read', () => {
  const bad = { categories: 'none', rootCauses: [] };
  it('PUT /api/qa/scorecard by a lead is a 403 whatever the body: invalid, unreadable JSON, text, or valid', async () => {
    for (const [contentType, payload] of [
      ['application/json', JSON.stringify(bad)],
      ['application/json', '{"categories":'],
      ['text/plain', 'categories'],
      ['application/json', JSON.stringify({ categories: [{ key: 'tone', label: 'Tone', weight: 1, scaleMax: 4 }], rootCauses: [] })],
    ] as const) {
      const res = await app.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: { ...bearer('lead'), 'content-type': contentType }, payload });
      expectError(res, 403, 'FORBIDDEN');
    }
    // an admin with the invalid body learns what is wrong
    const res = await app.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: bearer('admin'), payload: bad });
    expectError(res, 400, 'BAD_REQUEST');
    expect((res.json() as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['categories']);
  });

  it('every role-gated route with a body answers 403 before 400 for a role it does not admit', async () => {
    const cases: { method: 'POST' | 'PUT' | 'PATCH'; url: string; role: Role }[] = [
      { method: 'PUT', url: '/api/sessions/1/reviews/mine', role: 'developer' },
      { method: 'PATCH', url: '/api/sessions/1/qa', role: 'lead' },
      { method: 'PATCH', url: '/api/sessions/1/qa', role: 'agent' },
      { method: 'POST', url: '/api/sessions/1/disputes', role: 'lead' },
      { method: 'POST', url: '/api/qa/disputes/1/accept', role: 'qa' },
      { method: 'POST', url: '/api/alert-rules', role: 'lead' },
      { method: 'PATCH', url: '/api/alert-rules/1', role: 'lead' },
      { method: 'POST', url: '/api/ingest/messages', role: 'lead' },
      { method: 'POST', url: '/api/jobs/1/retry', role: 'lead' },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: c.method, url: c.url, headers: bearer(c.role), payload: { surely: ['not', 'valid'] } });
      expect(res.statusCode, `${c.method} ${c.url}`).toBe(403);
    }
  });

  it('answers 401 without a token before reading a body, even one that is not JSON', async () => {
    for (const [contentType, payload] of [['application/json', '{"source":'], ['text/xml', '<a/>']] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/errors', headers: { 'content-type': contentType }, payload });
      expectError(res, 401, 'UNAUTHORIZED');
    }
  });
});

describe('a body in a type the route does not read', () => {
  const bodied: { method: 'POST' | 'PUT' | 'PATCH'; url: string; accepts?: string }[] = [
    { method: 'POST', url: '/api/errors' },
    { method: 'PATCH', url: '/api/sessions/1/qa' },
    { method: 'PUT', url: '/api/qa/scorecard' },
    { method: 'PUT', url: '/api/sessions/1/reviews/mine' },
    { method: 'POST', url: '/api/sessions/1/disputes' },
    { method: 'POST', url: '/api/qa/disputes/1/accept' },
    { method: 'POST', url: '/api/qa/disputes/1/reject' },
    { method: 'POST', url: '/api/alert-rules' },
    { method: 'PATCH', url: '/api/alert-rules/1' },
    { method: 'POST', url: '/api/ingest/messages' },
    { method: 'POST', url: '/api/sessions/1/archive' },
    { method: 'POST', url: '/api/uploads', accepts: 'multipart/form-data' },
  ];
  for (const r of bodied) {
    it(`${r.method} ${r.url} answers text/plain and text/xml with 415 naming ${r.accepts ?? 'application/json'}`, async () => {
      for (const [contentType, payload] of [['text/plain', '{"source":"x","message":"y"}'], ['text/xml; charset=utf-8', '<a/>']] as const) {
        const res = await app.inject({ method: r.method, url: r.url, headers: { ...bearer('admin'), 'content-type': contentType }, payload });
        expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect((res.json() as { message: string }).message).toContain(`reads ${r.accepts ?? 'application/json'}`);
        expect((res.json() as { message: string }).message).toContain(contentType);
      }
    });
  }
});

describe('a client that goes away in the middle of its body', () => {
  /** Sends the head and part of a body of `declared` bytes, then resets the connection once the service has read some of it. */
  async function abortMidBody(port: number, head: string, partial: string): Promise<void> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(head + partial);
    // the service has the partial body once it was written to the socket; the reset follows it
    await new Promise<void>((resolve) => socket.write('', () => resolve()));
    socket.resetAndDestroy();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }

  it('an upload cut off stores nothing, keeps no file and gives its slot back; a JSON body cut off stores nothing', async () => {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    const before = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads')).rows[0]!.n;
    const boundary = 'cutoff';
    const row = 'c1,customer,hello there,2026-11-01T10:00:00Z\r\n';
    // more aborted uploads than UPLOAD_CONCURRENCY (2 here): a slot kept by one would refuse the last upload with 429
    for (let i = 0; i < 3; i++) {
      await abortMidBody(
        port,
        `POST /api/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.admin}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 1000000\r\n\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="inbox.csv"\r\nContent-Type: text/csv\r\n\r\nconversation_id,sender,text,timestamp\r\n${row.repeat(2000)}`,
      );
    }
    await abortMidBody(
      port,
      `POST /api/errors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.admin}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`,
      '{"source":"cut-off","message":"' + 'x'.repeat(1000),
    );
    // a whole upload afterwards is taken (202), so every slot came back
    await expect.poll(async () => {
      const form = multipart([{ name: 'file', filename: 'inbox.csv', content: 'conversation_id,sender,text,timestamp\r\nc1,customer,hi,2026-11-01T10:00:00Z\r\n' }]);
      return (await app.inject({ method: 'POST', url: '/api/uploads', payload: form.payload, headers: { ...form.headers, ...bearer('admin') } })).statusCode;
    }, { timeout: 60_000, interval: 50 }).toBe(202);
    expect((await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads')).rows[0]!.n).toBe(before + 1);
    expect((await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM error_logs WHERE source = 'cut-off'`)).rows[0]!.n).toBe(0);
    // no partial file of the cut-off uploads is left (the whole one is removed once imported, which
    // on a loaded host takes longer than expect.poll's default second)
    await expect.poll(async () => (await readdir(path.join(dataDir, 'uploads'))).length, { timeout: 60_000, interval: 50 }).toBe(0);
  });
});

describe('an empty body named JSON', () => {
  it('is taken by the routes that read no body, and still refused by those that need one', async () => {
    const json = { ...bearer('admin'), 'content-type': 'application/json' };
    for (const [method, url] of [['DELETE', '/api/sessions/999999'], ['POST', '/api/sessions/999999/archive'], ['DELETE', '/api/alert-rules/999999'], ['POST', '/api/jobs/999999/retry']] as const) {
      expectError(await app.inject({ method, url, headers: json }), 404, 'NOT_FOUND');
    }
    for (const [method, url] of [['POST', '/api/errors'], ['PATCH', '/api/sessions/1/qa'], ['PUT', '/api/qa/scorecard']] as const) {
      expectError(await app.inject({ method, url, headers: json }), 400, 'BAD_REQUEST');
    }
    // what is in a body is still JSON's business: a forbidden prototype key is refused
    expectError(await app.inject({ method: 'POST', url: '/api/errors', headers: json, payload: '{"source":"a","message":"b","__proto__":{"x":1}}' }), 400, 'BAD_REQUEST');
  });
});
