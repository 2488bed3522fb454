import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WAIT_MS } from './wait.ts';

// A local stand-in for the Slack Web API (https://docs.slack.dev/apis/web-api), speaking its wire
// format so a real client (fetch, @slack/web-api's WebClient with `slackApiUrl`) can be tested
// without the network:
// - POST https://…/api/<method>, arguments as application/x-www-form-urlencoded (JSON-valued
//   arguments such as `blocks` as JSON text), application/json (token only in the Authorization
//   header, as Slack requires for JSON), multipart/form-data, or a GET query string;
// - auth by `Authorization: Bearer xox…` (or a `token` form field): `not_authed` / `invalid_auth`;
// - answers HTTP 200 `{ ok: true, … }` or `{ ok: false, error }`; rate limits are HTTP 429 with
//   `Retry-After: <seconds>` and `{ ok: false, error: 'ratelimited' }`;
// - the external file upload flow: files.getUploadURLExternal hands out an `upload_url` on this
//   same server, which takes raw bytes or a multipart form, and files.completeUploadExternal
//   shares the file (https://docs.slack.dev/reference/methods/files.getUploadURLExternal);
//   files.info answers a file with its `shares` ({public|private: {<channel>: [{ts, thread_ts}]}});
// - files people share in Slack (addUserFile): `url_private_download` on this server answers the
//   bytes only with `Authorization: Bearer <bot token>`, else Slack's sign-in page (HTML), as
//   files.slack.com does; every download is recorded as method `download`.
// Every call is recorded, including failed and rate-limited ones.
// Outages: `setDown(true)` drops every connection (an unreachable SLACK_API_URL) and
// `setTokenRevoked(true)` answers every bot-token call `invalid_auth` (a revoked token).

export interface RecordedCall {
  /** the Web API method (`chat.postMessage`), or `upload` for a POST to an upload_url */
  method: string;
  httpMethod: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** media type of the request, without parameters (`application/json`), '' when none */
  contentType: string;
  /** the arguments as they arrived: form fields are strings, JSON-valued ones still JSON text */
  body: Record<string, unknown>;
  /** the arguments with JSON-valued fields (blocks, attachments, files, view, metadata) decoded */
  args: Record<string, unknown>;
  /** the token the call carried, from the Authorization header or a `token` field */
  token?: string;
  /** ms since the fake started */
  at: number;
  /** HTTP status answered */
  status: number;
  /** the JSON answered (text for an upload) */
  response: unknown;
  /** whether Slack would have said ok */
  ok: boolean;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  user: string;
  bot_id: string;
  /** set by chat.update */
  edited?: { ts: string };
}

export interface FakeFile {
  id: string;
  filename: string;
  /** `length` declared to files.getUploadURLExternal */
  declaredLength: number;
  altText?: string;
  snippetType?: string;
  /** the bytes POSTed to the upload_url; undefined until then */
  bytes?: Buffer;
  /** how they were sent: 'raw' body or 'multipart' form */
  uploadedAs?: 'raw' | 'multipart';
  /** set by files.completeUploadExternal */
  completed: boolean;
  title?: string;
  channelId?: string;
  channels?: string[];
  threadTs?: string;
  initialComment?: string;
}

/** A file as a message event's `files[]` carries it (https://docs.slack.dev/reference/objects/file-object). */
export interface UserFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  mode: 'hosted';
  is_external: false;
  user: string;
  url_private: string;
  url_private_download: string;
}

export interface FailOptions {
  /** HTTP status (default 429; 200 answers `{ ok: false, error }`) */
  status?: number;
  /** seconds for the Retry-After header of a 429 (default 1) */
  retryAfter?: number;
  /** error code in the body (default `ratelimited` for 429, `internal_error` otherwise) */
  error?: string;
  /** how many of the next calls fail (default 1) */
  times?: number;
}

export interface FakeSlackOptions {
  /** the only bot token accepted; default: any token starting with `xox` */
  token?: string;
  /** users.info answers; unknown U…/W… ids get a generated user */
  users?: Record<string, Record<string, unknown>>;
  /**
   * Socket Mode: the app-level token (`xapp-…`) apps.connections.open accepts, and the WebSocket
   * URL it hands out (a local fake Socket Mode server). Without them the method answers an error.
   */
  appToken?: string;
  socketModeUrl?: string;
  /** conversations.info answers; unknown C…/D…/G… ids get a generated channel */
  channels?: Record<string, Record<string, unknown>>;
}

export interface FakeSlack {
  /** base URL ending with `/api/`, as SLACK_API_URL / WebClient's `slackApiUrl` take it */
  apiUrl: string;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** messages posted (and updated) through chat.postMessage / chat.update */
  messages: FakeMessage[];
  /** every file reserved by files.getUploadURLExternal, with its bytes once uploaded */
  uploadedFiles: FakeFile[];
  /** answer the next call(s) of `method` (or `upload`) with an error, by default one 429 */
  failNext(method: string, opts?: FailOptions): void;
  /** a file a person shared in Slack: the `files[]` item of its message event, downloadable with the bot token */
  addUserFile(f: { name: string; mimetype: string; bytes: Buffer; user?: string }): UserFile;
  /**
   * The first call of `method` (already made or still to come) matching `predicate` (default:
   * answered ok); rejects after `timeoutMs` (default WAIT_MS) listing the calls seen.
   */
  waitFor(method: string, predicate?: (c: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** while true, every connection is dropped unanswered (Slack unreachable); nothing is recorded */
  setDown(down: boolean): void;
  /** while true, every call with a bot token answers `invalid_auth` (the token was revoked) */
  setTokenRevoked(revoked: boolean): void;
  /** forget calls, messages, files and pending failures (between tests) */
  reset(): void;
  close(): Promise<void>;
}

export const BOT = { userId: 'U0FAKEBOT', botId: 'B0FAKEBOT', teamId: 'T0FAKE', team: 'Fake Team' } as const;

type Answer = Record<string, unknown>;
interface Waiter {
  method: string;
  predicate: (c: RecordedCall) => boolean;
  resolve: (c: RecordedCall) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}
type Handler = (args: Record<string, unknown>) => Answer;

const JSON_FIELDS = ['blocks', 'attachments', 'files', 'view', 'metadata', 'unfurls'];
const fail = (error: string, messages?: string[]): Answer => ({ ok: false, error, ...(messages ? { response_metadata: { messages } } : {}) });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

function decodeJsonFields(body: Record<string, unknown>): Record<string, unknown> {
  const args = { ...body };
  for (const k of JSON_FIELDS) {
    const v = args[k];
    if (typeof v !== 'string') continue;
    try {
      args[k] = JSON.parse(v);
    } catch {
      // left as text: the handler reports it
    }
  }
  return args;
}

/**
 * Slack's own Block Kit checks, the documented limits (src/domain/block-kit.ts lists the sources),
 * answered as Slack does: `invalid_blocks` with one `[ERROR] … [json-pointer:…]` line per problem.
 * Slack counts the text as sent, entities included (`&amp;` is five characters).
 */
export function slackBlockProblems(blocks: unknown, max: number): string[] | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return ['[ERROR] must be an array [json-pointer:/blocks]'];
  const p: string[] = [];
  const len = (v: unknown, min: number, most: number, at: string) => {
    if (typeof v !== 'string' || v.length < min || v.length > most) p.push(`[ERROR] must be between ${min} and ${most} characters ${at}]`);
  };
  const textObject = (t: unknown, most: number, at: string) => len((t as { text?: unknown } | undefined)?.text, 1, most, `${at}/text`);
  if (blocks.length > max) p.push(`[ERROR] no more than ${max} items allowed [json-pointer:/blocks]`);
  blocks.forEach((raw: unknown, i) => {
    const b = (raw ?? {}) as { type?: unknown; block_id?: unknown; text?: { text?: unknown }; fields?: { text?: unknown }[]; elements?: Record<string, unknown>[] };
    const at = `[json-pointer:/blocks/${i}`;
    if (typeof b.type !== 'string') p.push(`[ERROR] missing required field: type ${at}]`);
    if (b.block_id !== undefined) len(b.block_id, 1, 255, `${at}/block_id`);
    if (b.text !== undefined) textObject(b.text, b.type === 'header' ? 150 : 3000, at);
    if (b.type === 'section' && b.text === undefined && b.fields === undefined) p.push(`[ERROR] must provide text or fields ${at}]`);
    if (Array.isArray(b.fields)) {
      if (b.fields.length > 10) p.push(`[ERROR] no more than 10 items allowed ${at}/fields]`);
      b.fields.forEach((f, j) => textObject(f, 2000, `${at}/fields/${j}`));
    }
    const elements = Array.isArray(b.elements) ? b.elements : [];
    if (b.type === 'context') {
      if (elements.length > 10) p.push(`[ERROR] no more than 10 items allowed ${at}/elements]`);
      elements.forEach((e, j) => {
        if (e.type !== 'image') textObject(e, 3000, `${at}/elements/${j}`);
      });
    }
    if (b.type === 'actions') {
      if (elements.length > 25) p.push(`[ERROR] no more than 25 items allowed ${at}/elements]`);
      elements.forEach((e, j) => {
        const el = `${at}/elements/${j}`;
        if (e.action_id !== undefined) len(e.action_id, 1, 255, `${el}/action_id`);
        if (e.type === 'button') {
          textObject(e.text, 75, el);
          if (e.value !== undefined) len(e.value, 1, 2000, `${el}/value`);
        }
      });
    }
  });
  return p.length > 0 ? p : undefined;
}

/** Characters of text in all blocks (text objects, fields and elements' text). */
export function blockTextChars(blocks: unknown[]): number {
  let n = 0;
  const add = (t: unknown) => {
    const text = (t as { text?: unknown } | undefined)?.text;
    if (typeof text === 'string') n += text.length;
  };
  for (const raw of blocks) {
    const b = (raw ?? {}) as { text?: unknown; fields?: unknown[]; elements?: { text?: unknown }[] };
    add(b.text);
    b.fields?.forEach(add);
    b.elements?.forEach((e) => {
      add(e);
      add(e.text);
    });
  }
  return n;
}

/**
 * Above this much block text Slack has refused messages with `msg_blocks_too_long` although every
 * element was within its limit (slackapi/bolt-js#2509); the fake draws the line here.
 */
export const MESSAGE_BLOCKS_CHARS = 13_000;
/** chat.postMessage: `msg_too_long` above 40,000 characters of `text`. */
export const MESSAGE_TEXT_CHARS = 40_000;

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', svg: 'image/svg+xml', csv: 'text/csv', txt: 'text/plain', sql: 'text/plain' };

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a multipart body with the platform's own parser (undici's Request.formData). */
async function multipart(raw: Buffer, contentType: string): Promise<{ fields: Record<string, string>; files: Buffer[] }> {
  const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
  const fields: Record<string, string> = {};
  const files: Buffer[] = [];
  for (const [k, v] of form.entries()) {
    if (typeof v === 'string') fields[k] = v;
    else files.push(Buffer.from(await v.arrayBuffer()));
  }
  return { fields, files };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const started = performance.now();
  const calls: RecordedCall[] = [];
  const messages: FakeMessage[] = [];
  const uploadedFiles: FakeFile[] = [];
  const userFiles = new Map<string, { file: UserFile; bytes: Buffer }>();
  const failures = new Map<string, FailOptions[]>();
  const waiters = new Set<Waiter>();
  const sockets = new Set<Socket>();
  const tsBase = Math.floor(Date.now() / 1000);
  let seq = 0;
  let origin = '';
  let down = false;
  let revoked = false;
  const nextTs = () => `${tsBase}.${String(++seq).padStart(6, '0')}`;
  const nextId = (prefix: string) => `${prefix}0FAKE${String(++seq).padStart(6, '0')}`;

  function record(call: RecordedCall): void {
    calls.push(call);
    for (const w of waiters) {
      if (w.method === call.method && w.predicate(call)) {
        clearTimeout(w.timer);
        waiters.delete(w);
        w.resolve(call);
      }
    }
  }

  function takeFailure(method: string): FailOptions | undefined {
    const queue = failures.get(method);
    const f = queue?.[0];
    if (!queue || !f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) queue.shift();
    return f;
  }

  const message = (args: Record<string, unknown>, channel: string, ts: string): FakeMessage => ({
    channel,
    ts,
    user: BOT.userId,
    bot_id: BOT.botId,
    ...(str(args.text) !== undefined ? { text: str(args.text) } : {}),
    ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
    ...(str(args.thread_ts) !== undefined ? { thread_ts: str(args.thread_ts) } : {}),
  });

  function checkMessage(args: Record<string, unknown>, needContent: boolean): Answer | undefined {
    const problems = slackBlockProblems(args.blocks, 50);
    if (problems) return fail(Array.isArray(args.blocks) ? 'invalid_blocks' : 'invalid_blocks_format', problems);
    if (Array.isArray(args.blocks) && blockTextChars(args.blocks) > MESSAGE_BLOCKS_CHARS) return fail('msg_blocks_too_long');
    if (typeof args.text === 'string' && args.text.length > MESSAGE_TEXT_CHARS) return fail('msg_too_long');
    if (needContent && str(args.text) === undefined && !Array.isArray(args.blocks) && args.attachments === undefined) return fail('no_text');
    return undefined;
  }

  function view(args: Record<string, unknown>, type: 'home' | 'modal'): Answer {
    const v = args.view as { type?: unknown; blocks?: unknown } | string | undefined;
    if (typeof v !== 'object' || v === null) return fail('invalid_arguments', ['[ERROR] missing required field: view']);
    if (v.type !== type) return fail('invalid_arguments', [`[ERROR] view.type must be ${type}`]);
    const problems = slackBlockProblems(v.blocks ?? [], 100);
    if (problems) return fail('invalid_blocks', problems);
    return { ok: true, view: { id: nextId('V'), team_id: BOT.teamId, app_id: 'A0FAKE', bot_id: BOT.botId, hash: nextTs(), ...v } };
  }

  const handlers: Record<string, Handler> = {
    'apps.connections.open': () => (options.socketModeUrl ? { ok: true, url: options.socketModeUrl } : fail('not_allowed_token_type')),
    'auth.test': () => ({
      ok: true, url: 'https://fake-team.slack.com/', team: BOT.team, user: 'supportpulse', team_id: BOT.teamId, user_id: BOT.userId, bot_id: BOT.botId, is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => {
      const channel = str(args.channel);
      if (!channel) return fail('channel_not_found');
      const bad = checkMessage(args, true);
      if (bad) return bad;
      const m = message(args, channel, nextTs());
      messages.push(m);
      return { ok: true, channel, ts: m.ts, message: { type: 'message', ...m } };
    },
    'chat.update': (args) => {
      const channel = str(args.channel);
      const ts = str(args.ts);
      if (!channel) return fail('channel_not_found');
      const m = messages.find((x) => x.channel === channel && x.ts === ts);
      if (!m || !ts) return fail('message_not_found');
      const bad = checkMessage(args, true);
      if (bad) return bad;
      Object.assign(m, message(args, channel, ts), { edited: { ts: nextTs() } });
      return { ok: true, channel, ts, text: m.text ?? '', message: { type: 'message', ...m } };
    },
    'chat.postEphemeral': (args) => {
      if (!str(args.channel)) return fail('channel_not_found');
      if (!str(args.user)) return fail('user_not_in_channel');
      const bad = checkMessage(args, true);
      return bad ?? { ok: true, message_ts: nextTs() };
    },
    'files.getUploadURLExternal': (args) => {
      const filename = str(args.filename);
      const length = Number(args.length);
      if (!filename || !Number.isInteger(length) || length <= 0) return fail('invalid_arguments', ['[ERROR] filename and a positive integer length are required']);
      const id = nextId('F');
      uploadedFiles.push({
        id, filename, declaredLength: length, completed: false,
        ...(str(args.alt_txt ?? args.alt_text) ? { altText: str(args.alt_txt ?? args.alt_text) } : {}),
        ...(str(args.snippet_type) ? { snippetType: str(args.snippet_type) } : {}),
      });
      return { ok: true, upload_url: `${origin}/upload/v1/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (args) => {
      const list = args.files;
      if (!Array.isArray(list) || list.length === 0) return fail('invalid_arguments', ['[ERROR] files must be a non-empty array']);
      const found: FakeFile[] = [];
      for (const entry of list as { id?: unknown; title?: unknown }[]) {
        const f = uploadedFiles.find((x) => x.id === entry.id);
        if (!f || !f.bytes) return fail('file_not_found');
        if (typeof entry.title === 'string') f.title = entry.title;
        found.push(f);
      }
      const channelId = str(args.channel_id);
      const channels = str(args.channels)?.split(',');
      const threadTs = str(args.thread_ts);
      if (threadTs && (channels?.length ?? 0) + (channelId ? 1 : 0) !== 1) return fail('invalid_arguments', ['[ERROR] thread_ts needs exactly one channel']);
      for (const f of found) {
        Object.assign(f, {
          completed: true,
          ...(channelId ? { channelId } : {}),
          ...(channels ? { channels } : {}),
          ...(threadTs ? { threadTs } : {}),
          ...(str(args.initial_comment) ? { initialComment: str(args.initial_comment) } : {}),
        });
      }
      return {
        ok: true,
        files: found.map((f) => {
          const ext = f.filename.split('.').pop()?.toLowerCase() ?? '';
          return { id: f.id, name: f.filename, title: f.title ?? f.filename, mimetype: MIME[ext] ?? 'application/octet-stream', filetype: ext, size: f.bytes?.length ?? 0, user: BOT.userId };
        }),
      };
    },
    'files.info': (args) => {
      const id = str(args.file);
      const f = uploadedFiles.find((x) => x.id === id);
      const u = userFiles.get(id ?? '');
      if (u) return { ok: true, file: { ...u.file, shares: {} } };
      if (!f || !id) return fail('file_not_found');
      const shares: Record<string, Record<string, { ts: string; thread_ts?: string }[]>> = {};
      for (const ch of f.completed ? [f.channelId, ...(f.channels ?? [])].filter((c): c is string => Boolean(c)) : []) {
        const kind = ch.startsWith('C') ? 'public' : 'private';
        (shares[kind] ??= {})[ch] = [{ ts: nextTs(), ...(f.threadTs ? { thread_ts: f.threadTs } : {}) }];
      }
      return { ok: true, file: { id, name: f.filename, title: f.title ?? f.filename, size: f.bytes?.length ?? 0, user: BOT.userId, shares } };
    },
    'views.publish': (args) => (str(args.user_id) ? view(args, 'home') : fail('invalid_arguments', ['[ERROR] missing required field: user_id'])),
    'views.open': (args) => (str(args.trigger_id) ? view(args, 'modal') : fail('invalid_arguments', ['[ERROR] missing required field: trigger_id'])),
    'users.info': (args) => {
      const id = str(args.user) ?? '';
      const known = options.users?.[id];
      if (known) return { ok: true, user: { id, ...known } };
      if (!/^[UW][A-Z0-9]{2,}$/.test(id)) return fail('user_not_found');
      return {
        ok: true,
        user: {
          id, team_id: BOT.teamId, name: id.toLowerCase(), real_name: `User ${id}`, deleted: false, is_bot: false, is_admin: false,
          tz: 'Europe/Berlin', tz_label: 'Central European Time', tz_offset: 3600, profile: { real_name: `User ${id}`, display_name: id.toLowerCase() },
        },
      };
    },
    'conversations.info': (args) => {
      const id = str(args.channel) ?? '';
      const known = options.channels?.[id];
      if (known) return { ok: true, channel: { id, ...known } };
      if (!/^[CDG][A-Z0-9]{2,}$/.test(id)) return fail('channel_not_found');
      const im = id.startsWith('D');
      return {
        ok: true,
        channel: { id, name: im ? undefined : id.toLowerCase(), is_channel: id.startsWith('C'), is_group: id.startsWith('G'), is_im: im, is_private: !id.startsWith('C'), is_archived: false, is_member: true, ...(im ? { user: 'U0FAKEUSER' } : {}) },
      };
    },
  };

  function authError(method: string, headers: IncomingHttpHeaders, body: Record<string, unknown>, json: boolean): { token?: string; error?: string } {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    // JSON bodies must carry the token in the Authorization header, never in the body
    const token = bearer ?? (json ? undefined : str(body.token));
    if (!token) return { error: 'not_authed' };
    // apps.connections.open takes the app-level token only; every other method a bot token
    if (method === 'apps.connections.open') return options.appToken && token === options.appToken ? { token } : { token, error: 'invalid_auth' };
    const valid = !revoked && (options.token ? token === options.token : token.startsWith('xox'));
    return valid ? { token } : { token, error: 'invalid_auth' };
  }

  async function api(req: IncomingMessage, res: ServerResponse, method: string, url: URL, raw: Buffer): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const base: Omit<RecordedCall, 'body' | 'args' | 'status' | 'response' | 'ok'> = {
      method, httpMethod: req.method ?? '', path: url.pathname, headers: req.headers, contentType, at: performance.now() - started,
    };
    const respond = (status: number, body: Record<string, unknown>, args: Record<string, unknown>, parsed: Record<string, unknown>, token?: string, headers?: Record<string, string>) => {
      sendJson(res, status, body, headers);
      record({ ...base, body: parsed, args, ...(token ? { token } : {}), status, response: body, ok: status === 200 && body.ok === true });
    };

    let body: Record<string, unknown> = Object.fromEntries(url.searchParams);
    if (raw.length > 0) {
      if (contentType === 'application/json') {
        try {
          body = { ...body, ...(JSON.parse(raw.toString('utf8')) as Record<string, unknown>) };
        } catch {
          respond(200, fail('invalid_json'), body, body);
          return;
        }
      } else if (contentType === 'multipart/form-data') {
        body = { ...body, ...(await multipart(raw, req.headers['content-type'] ?? '')).fields };
      } else {
        body = { ...body, ...Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) };
      }
    }
    const args = decodeJsonFields(body);
    const auth = authError(method, req.headers, body, contentType === 'application/json');

    const failure = takeFailure(method);
    if (failure) {
      const status = failure.status ?? 429;
      const headers: Record<string, string> = status === 429 ? { 'retry-after': String(failure.retryAfter ?? 1) } : {};
      respond(status, fail(failure.error ?? (status === 429 ? 'ratelimited' : 'internal_error')), args, body, auth.token, headers);
      return;
    }
    const handler = handlers[method];
    if (!handler) return respond(200, fail('unknown_method'), args, body, auth.token);
    if (auth.error) return respond(200, fail(auth.error), args, body, auth.token);
    const answer = handler(args);
    // Slack warns (but answers) when a JSON body does not say its charset
    if (answer.ok === true && contentType === 'application/json' && !/charset=/i.test(req.headers['content-type'] ?? '')) {
      Object.assign(answer, { warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } });
    }
    respond(200, answer, args, body, auth.token);
  }

  /** GET url_private_download: the bytes with the bot token, Slack's sign-in page without. */
  function download(req: IncomingMessage, res: ServerResponse, id: string, url: URL): void {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const ok = bearer !== undefined && !revoked && (options.token ? bearer === options.token : bearer.startsWith('xox'));
    const f = userFiles.get(id);
    const status = f ? 200 : 404;
    const base = { method: 'download', httpMethod: req.method ?? '', path: url.pathname, headers: req.headers, contentType: '', at: performance.now() - started, body: {}, args: { file_id: id }, ...(bearer ? { token: bearer } : {}) };
    if (!f || !ok) {
      const page = '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>';
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
      res.end(page);
      return record({ ...base, status, response: 'sign-in page', ok: false });
    }
    res.writeHead(200, { 'content-type': f.file.mimetype, 'content-length': f.bytes.length, 'content-disposition': `attachment; filename="${f.file.name}"` });
    res.end(f.bytes);
    record({ ...base, status: 200, response: { bytes: f.bytes.length }, ok: true });
  }

  async function upload(req: IncomingMessage, res: ServerResponse, id: string, url: URL, raw: Buffer): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const base = { method: 'upload', httpMethod: req.method ?? '', path: url.pathname, headers: req.headers, contentType, at: performance.now() - started, body: { bytes: raw.length }, args: { file_id: id } };
    const text = (status: number, s: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(s);
      record({ ...base, status, response: s, ok: status === 200 });
    };
    const failure = takeFailure('upload');
    if (failure) {
      const status = failure.status ?? 429;
      return text(status, failure.error ?? 'error', status === 429 ? { 'retry-after': String(failure.retryAfter ?? 1) } : {});
    }
    const file = uploadedFiles.find((f) => f.id === id);
    if (!file || req.method !== 'POST') return text(404, 'Not Found');
    if (contentType === 'multipart/form-data') {
      const form = await multipart(raw, req.headers['content-type'] ?? '');
      const first = form.files[0] ?? Buffer.from(Object.values(form.fields)[0] ?? '', 'utf8');
      Object.assign(file, { bytes: first, uploadedAs: 'multipart' });
    } else {
      Object.assign(file, { bytes: raw, uploadedAs: 'raw' });
    }
    text(200, `OK - ${file.bytes?.length ?? 0}`);
  }

  const server = createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', origin);
      const apiMethod = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname)?.[1];
      const uploadId = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(url.pathname)?.[1];
      const fileId = /^\/files-pri\/[A-Z0-9]+-([A-Z0-9]+)\/download\//.exec(url.pathname)?.[1];
      if (fileId && req.method === 'GET') return download(req, res, fileId, url);
      if (apiMethod) await api(req, res, apiMethod, url, raw);
      else if (uploadId) await upload(req, res, uploadId, url, raw);
      else sendJson(res, 404, { ok: false, error: 'not_found' });
    })().catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fake_slack_crashed', detail: String(e) });
    });
  });
  server.on('connection', (s) => {
    if (down) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${origin}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages,
    uploadedFiles,
    addUserFile: (f) => {
      const id = nextId('F');
      const ext = f.name.split('.').pop()?.toLowerCase() ?? '';
      const path = `/files-pri/${BOT.teamId}-${id}`;
      const file: UserFile = {
        id, name: f.name, title: f.name, mimetype: f.mimetype, filetype: ext, size: f.bytes.length, mode: 'hosted', is_external: false, user: f.user ?? 'U0FAKEUSER',
        url_private: `${origin}${path}/${encodeURIComponent(f.name)}`, url_private_download: `${origin}${path}/download/${encodeURIComponent(f.name)}`,
      };
      userFiles.set(id, { file, bytes: f.bytes });
      return file;
    },
    failNext: (method, opts = {}) => {
      const queue = failures.get(method) ?? [];
      queue.push({ ...opts, times: opts.times ?? 1 });
      failures.set(method, queue);
    },
    waitFor: (method, predicate = (c) => c.ok, timeoutMs = WAIT_MS) => {
      const seen = calls.find((c) => c.method === method && predicate(c));
      if (seen) return Promise.resolve(seen);
      return new Promise<RecordedCall>((resolve, reject) => {
        const w: Waiter = { method, predicate, resolve, reject, timer: undefined };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          const summary = calls.map((c) => `${c.method}→${c.status}${c.ok ? '' : ` ${JSON.stringify((c.response as { error?: string } | undefined)?.error ?? c.response)}`}`);
          reject(new Error(`fake Slack: no matching ${method} call within ${timeoutMs} ms; calls: ${summary.join(', ') || 'none'}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    setDown: (d) => {
      down = d;
      if (d) for (const s of sockets) s.destroy();
    },
    setTokenRevoked: (r) => void (revoked = r),
    reset: () => {
      calls.length = 0;
      messages.length = 0;
      uploadedFiles.length = 0;
      userFiles.clear();
      failures.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.reject(new Error('fake Slack closed'));
        }
        waiters.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
