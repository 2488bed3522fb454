import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local stand-in for Meta's Graph API as the Messenger Platform uses it, speaking its wire
// format so the real sender (fetch with MESSENGER_API_URL) is tested without the network:
// - POST /me/messages?access_token=… with a JSON body {recipient:{id}, messaging_type, tag?,
//   message:{text, quick_replies?, metadata?} | sender_action}; answers
//   {recipient_id, message_id} (message_id only for messages), or Meta's error JSON
//   {"error":{message,type,code,error_subcode?,fbtrace_id}} with its HTTP status;
// - GET /<psid>?fields=first_name,last_name,profile_pic&access_token=… (user profile);
// - POST / GET / DELETE /me/messenger_profile (the page's Messenger profile);
// - POST /me/message_attachments (or /<page-id>/message_attachments) as multipart/form-data with
//   `message` = {"attachment":{"type","payload":{"is_reusable"}}} and the file in `filedata`;
//   answers {attachment_id} (Attachment Upload API); a later /me/messages may send
//   {attachment:{type, payload:{attachment_id}}};
// - GET /cdn/<id>/<name>: files a customer "sent" (hostFile), as Meta's CDN serves message
//   attachments (no token; a signed URL in real life).
// An unknown token is Meta's OAuthException 190. Failures can be queued: fail(kind, times).

export interface GraphCall {
  method: string;
  path: string;
  token?: string;
  body: Record<string, unknown>;
  status: number;
  response: Record<string, unknown>;
  /** ms since the fake started */
  at: number;
}

export type FailureKind = 'outside_window' | 'user_unavailable' | 'rate_limit' | 'token' | 'server_error' | 'permission';

const trace = () => randomBytes(8).toString('base64url');

/** Meta's real error bodies (https://developers.facebook.com/docs/messenger-platform/error-codes). */
export const GRAPH_ERRORS: Record<FailureKind, { status: number; error: Record<string, unknown> }> = {
  outside_window: { status: 400, error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 } },
  user_unavailable: { status: 400, error: { message: '(#551) This person isn\'t available right now.', type: 'OAuthException', code: 551, error_subcode: 1545041 } },
  rate_limit: { status: 400, error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613 } },
  token: { status: 400, error: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463 } },
  permission: { status: 403, error: { message: '(#200) Requires pages_messaging permission to manage the object', type: 'OAuthException', code: 200 } },
  server_error: { status: 500, error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true } },
};

export interface FakeGraph {
  apiUrl: string;
  calls: GraphCall[];
  /** successful message sends (not sender actions) */
  messages(): GraphCall[];
  /** successful sender actions (typing_on, typing_off, mark_seen), optionally of one kind */
  senderActions(action?: string): GraphCall[];
  /** the next `times` POST /me/messages fail this way (sender actions included) */
  fail(kind: FailureKind, times?: number): void;
  /** forgets queued failures */
  clearFailures(): void;
  /** each page token's Messenger profile as set through /me/messenger_profile */
  pageProfiles: Map<string, Record<string, unknown>>;
  /** profiles served by GET /<psid> */
  profiles: Map<string, { first_name: string; last_name: string; profile_pic?: string }>;
  /** ms to wait before answering each request */
  delayMs: number;
  /** files received by /message_attachments, with their bytes */
  attachments: GraphAttachment[];
  /** serves `bytes` at a CDN URL on this server (a customer's attachment); `chunked` sends no Content-Length */
  hostFile(f: { name: string; contentType: string; bytes: Buffer; chunked?: boolean }): string;
  /** Date.now() when the fake started: `at` of a call is ms after it */
  startedAt: number;
  close(): Promise<void>;
}

export interface GraphAttachment {
  id: string;
  type: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  token: string;
}

/** Meta's limit for an uploaded attachment. */
export const GRAPH_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;

export interface FakeGraphOptions {
  tokens: string[];
  /** sees every call as it is answered (the messenger bench's graph process keeps only what it checks) */
  onCall?: (call: GraphCall) => void;
  /** false: `calls` stays empty (a bench's tens of thousands of calls with their bodies are not kept); default true */
  keepCalls?: boolean;
}

export async function startFakeGraph(opts: FakeGraphOptions): Promise<FakeGraph> {
  const tokens = new Set(opts.tokens);
  const calls: GraphCall[] = [];
  const keep = opts.keepCalls ?? true;
  const record = (call: GraphCall) => {
    if (keep) calls.push(call);
    opts.onCall?.(call);
  };
  const failures: FailureKind[] = [];
  const profiles = new Map<string, { first_name: string; last_name: string; profile_pic?: string }>();
  const started = Date.now();
  let seq = 0;
  const state = { delayMs: 0 };

  const answer = (res: ServerResponse, call: Omit<GraphCall, 'at'>) => {
    record({ ...call, at: Date.now() - started });
    res.writeHead(call.status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(call.response));
  };
  const oauth = (message: string, code: number, extra: Record<string, unknown> = {}) => ({ error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: trace() } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
    const url = new URL(req.url ?? '/', 'http://x');
    const token = url.searchParams.get('access_token') ?? undefined;
    const base = { method: req.method ?? 'GET', path: url.pathname, ...(token ? { token } : {}) };
    const cdn = /^\/cdn\/(\w+)\//.exec(url.pathname)?.[1];
    if (req.method === 'GET' && cdn) return serveHosted(res, cdn, base);
    if (req.method === 'POST' && /^(\/v\d+\.\d+)?\/[^/]+\/message_attachments$/.test(url.pathname)) {
      return attachmentUpload(req, Buffer.concat(chunks), token, (status, response, body) => answer(res, { ...base, body, status, response }));
    }
    let body: Record<string, unknown> = {};
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return answer(res, { ...base, body, status: 400, response: oauth('(#100) Unable to parse JSON body', 100) });
      }
    }
    if (!token || !tokens.has(token)) {
      return answer(res, { ...base, body, status: 400, response: oauth('Invalid OAuth access token - Cannot parse access token', 190) });
    }
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    if (req.method === 'POST' && path === '/me/messages') {
      const recipient = (body.recipient as { id?: string } | undefined)?.id;
      if (!recipient) return answer(res, { ...base, body, status: 400, response: oauth('(#100) The parameter recipient is required', 100) });
      const failure = failures.shift();
      if (failure) {
        const f = GRAPH_ERRORS[failure];
        return answer(res, { ...base, body, status: f.status, response: { error: { ...f.error, fbtrace_id: trace() } } });
      }
      if (body.sender_action !== undefined) {
        // Meta takes these three (lower case) and nothing else with a sender action
        if (!['typing_on', 'typing_off', 'mark_seen'].includes(String(body.sender_action)) || body.message !== undefined) {
          return answer(res, { ...base, body, status: 400, response: oauth('(#100) Param sender_action must be one of {TYPING_ON, TYPING_OFF, MARK_SEEN}', 100) });
        }
        return answer(res, { ...base, body, status: 200, response: { recipient_id: recipient } });
      }
      const message = body.message as { text?: string } | undefined;
      if (!message || (typeof message.text !== 'string' && !('attachment' in message))) {
        return answer(res, { ...base, body, status: 400, response: oauth('(#100) Param message must be non-empty', 100) });
      }
      const attachmentId = (message as { attachment?: { payload?: { attachment_id?: string } } }).attachment?.payload?.attachment_id;
      if (attachmentId !== undefined && !attachments.some((a) => a.id === attachmentId && a.token === token)) {
        return answer(res, { ...base, body, status: 400, response: oauth('(#100) Invalid attachment_id', 100) });
      }
      if (body.messaging_type === 'MESSAGE_TAG' && typeof body.tag !== 'string') {
        return answer(res, { ...base, body, status: 400, response: oauth('(#100) Param tag is required for MESSAGE_TAG', 100) });
      }
      seq++;
      return answer(res, { ...base, body, status: 200, response: { recipient_id: recipient, message_id: `m_fake_${seq}_${trace()}` } });
    }
    if (path === '/me/messenger_profile') return messengerProfile(req.method ?? 'GET', token, url, body, (status, response) => answer(res, { ...base, body, status, response }));
    const profile = req.method === 'GET' ? profiles.get(path.slice(1)) : undefined;
    if (profile) return answer(res, { ...base, body, status: 200, response: { ...profile, id: path.slice(1) } });
    return answer(res, { ...base, body, status: 400, response: oauth(`(#100) Unsupported ${req.method} request.`, 100, { error_subcode: 33 }) });
  };

  // The Messenger Profile API: POST sets fields, DELETE {fields} removes them, GET ?fields= reads
  // them as {data:[{…}]}; Meta's own checks for a menu without Get Started and a long greeting.
  const pageProfiles = new Map<string, Record<string, unknown>>();
  const messengerProfile = (method: string, token: string, url: URL, body: Record<string, unknown>, reply: (status: number, r: Record<string, unknown>) => void) => {
    const current = pageProfiles.get(token) ?? {};
    if (method === 'GET') {
      const fields = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
      if (fields.length === 0) return reply(400, oauth('(#100) The parameter fields is required', 100));
      const data = Object.fromEntries(fields.filter((f) => f in current).map((f) => [f, current[f]]));
      return reply(200, { data: Object.keys(data).length ? [data] : [] });
    }
    if (method === 'DELETE') {
      const fields = body.fields;
      if (!Array.isArray(fields) || fields.length === 0) return reply(400, oauth('(#100) The parameter fields is required', 100));
      for (const f of fields) delete current[f as string];
      pageProfiles.set(token, current);
      return reply(200, { result: 'success' });
    }
    if (method !== 'POST' || Object.keys(body).length === 0) return reply(400, oauth('(#100) Requires one of the params: get_started, greeting, persistent_menu, ice_breakers', 100));
    if (body.persistent_menu && !body.get_started && !current.get_started) {
      return reply(400, oauth('(#100) You must set a Get Started button if you also wish to use persistent menu.', 100));
    }
    const long = ((body.greeting as { text?: string }[] | undefined) ?? []).find((g) => (g.text ?? '').length > 160);
    if (long) return reply(400, oauth('(#100) Param greeting[0][text] must be at most 160 characters long.', 100));
    pageProfiles.set(token, { ...current, ...body });
    return reply(200, { result: 'success' });
  };

  // The Attachment Upload API: multipart `message` (JSON) + `filedata` (the file).
  const attachments: GraphAttachment[] = [];
  const attachmentUpload = async (req: IncomingMessage, raw: Buffer, token: string | undefined, reply: (status: number, r: Record<string, unknown>, body: Record<string, unknown>) => void) => {
    if (!token || !tokens.has(token)) return reply(400, oauth('Invalid OAuth access token - Cannot parse access token', 190), {});
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('multipart/form-data')) return reply(400, oauth('(#100) Upload attachment failure.', 100), {});
    const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const messageField = form.get('message');
    const file = form.get('filedata');
    let message: { attachment?: { type?: string; payload?: Record<string, unknown> } } = {};
    try {
      message = JSON.parse(typeof messageField === 'string' ? messageField : '{}') as typeof message;
    } catch {
      return reply(400, oauth('(#100) Param message must be a JSON object', 100), {});
    }
    const kind = message.attachment?.type ?? '';
    const body = { message, filedata: file && typeof file !== 'string' ? { name: file.name, type: file.type, size: file.size } : null };
    if (!['image', 'video', 'audio', 'file'].includes(kind)) return reply(400, oauth('(#100) Param message[attachment][type] must be one of {image, audio, video, file, template}', 100), body);
    if (!file || typeof file === 'string') return reply(400, oauth('(#100) Upload attachment failure.', 100, { error_subcode: 2018047 }), body);
    if (file.size > GRAPH_ATTACHMENT_MAX_BYTES) return reply(400, oauth('(#100) Attachment size exceeds allowable limit', 100, { error_subcode: 2018294 }), body);
    const id = `${900_000_000_000 + attachments.length + 1}`;
    attachments.push({ id, type: kind, filename: file.name, contentType: file.type, bytes: Buffer.from(await file.arrayBuffer()), token });
    return reply(200, { attachment_id: id }, body);
  };

  // Meta's CDN for the attachments customers send (lookaside.fbsbx.com / scontent.fbcdn.net in real life).
  const hosted = new Map<string, { contentType: string; bytes: Buffer; chunked: boolean }>();
  const serveHosted = (res: ServerResponse, id: string, base: { method: string; path: string }) => {
    const f = hosted.get(id);
    record({ ...base, body: {}, status: f ? 200 : 404, response: {}, at: Date.now() - started });
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<html><body>URL signature expired</body></html>');
    }
    res.writeHead(200, { 'content-type': f.contentType, ...(f.chunked ? {} : { 'content-length': String(f.bytes.length) }) });
    if (!f.chunked) return res.end(f.bytes);
    for (let i = 0; i < f.bytes.length; i += 64 * 1024) res.write(f.bytes.subarray(i, i + 64 * 1024));
    return res.end();
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    apiUrl: `http://127.0.0.1:${port}/v26.0`,
    calls,
    messages: () => calls.filter((c) => c.path.endsWith('/me/messages') && c.status === 200 && !c.body.sender_action),
    senderActions: (action) => calls.filter((c) => c.path.endsWith('/me/messages') && c.status === 200 && c.body.sender_action !== undefined && (action === undefined || c.body.sender_action === action)),
    fail: (kind, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(kind);
    },
    clearFailures: () => {
      failures.length = 0;
    },
    profiles,
    pageProfiles,
    attachments,
    hostFile: (f) => {
      const id = `a${hosted.size + 1}${randomBytes(3).toString('hex')}`;
      hosted.set(id, { contentType: f.contentType, bytes: f.bytes, chunked: f.chunked ?? false });
      return `http://127.0.0.1:${port}/cdn/${id}/${encodeURIComponent(f.name)}?_nc_cat=1&oh=${trace()}`;
    },
    startedAt: started,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
