import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local stand-in for an OpenAI-compatible API: `POST /v1/chat/completions` answered in the
// real wire format, so tests exercise the real @langchain/openai + openai SDK stack (headers,
// status handling, timeouts, response parsing) without the network. Each request takes the
// next scripted reply; every request is recorded for assertions.

/** One message of a request as the client sent it: tool calls and results keep their wire fields. */
export interface ChatMessage {
  role: string;
  content: unknown;
  name?: string;
  /** role 'tool': the id of the call this message answers */
  tool_call_id?: string;
  /** role 'assistant': the calls it made, arguments as JSON text */
  tool_calls?: WireToolCall[];
}

/** A tool call in the Chat Completions wire format. */
export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
  tools?: { type: 'function'; function: { name: string; parameters?: unknown } }[];
  tool_choice?: unknown;
  [k: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: ChatCompletionRequest;
  /** ms since the fake server started, to measure back-off */
  receivedAt: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** A tool call to script: `args` is sent as its JSON text; a string is sent as is (malformed on purpose). */
export interface ScriptedToolCall {
  name: string;
  args: Record<string, unknown> | string;
  /** default `call_<request>_<index>` */
  id?: string;
}

/**
 * - content: a normal completion whose assistant text is `content` (sent as the arguments of a
 *   tool call instead when the request forced a function, as function calling would);
 * - toolCalls: the model calls tools: an assistant message with `tool_calls` (and `content`,
 *   null unless given), finish_reason `tool_calls`, as the real API answers with tools bound;
 * - status: an HTTP error such as 429 (with Retry-After) or 500, with OpenAI's error body;
 * - hang: never answer, as a stuck upstream would; the client's timeout has to fire;
 * - delayed: answer `then` after `ms` milliseconds, as a slow model would;
 * - held: answer `then` once `until` resolves: a slow model whose answer the test releases after
 *   it has seen what must happen first (no guess of how long "slow" is on a loaded machine).
 */
export type FakeReply =
  | { kind: 'delayed'; ms: number; then: FakeReply }
  | { kind: 'held'; until: Promise<unknown>; then: FakeReply }
  | { kind: 'content'; content: string; usage?: Usage; finishReason?: string }
  | { kind: 'toolCalls'; calls: ScriptedToolCall[]; content?: string; usage?: Usage }
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string }
  | { kind: 'hang' };

export type Script = FakeReply | ((req: RecordedRequest) => FakeReply);

export const reply = {
  content: (content: string, usage?: Usage): FakeReply => ({ kind: 'content', content, usage }),
  json: (value: unknown, usage?: Usage): FakeReply => ({ kind: 'content', content: JSON.stringify(value), usage }),
  toolCalls: (calls: ScriptedToolCall[], content?: string, usage?: Usage): FakeReply => ({
    kind: 'toolCalls', calls, ...(content !== undefined ? { content } : {}), ...(usage ? { usage } : {}),
  }),
  rateLimited: (retryAfterSeconds: number): FakeReply => ({
    kind: 'status', status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, message: 'Rate limit reached for requests',
  }),
  serverError: (status = 500): FakeReply => ({ kind: 'status', status, message: 'The server had an error while processing your request.' }),
  hang: (): FakeReply => ({ kind: 'hang' }),
  delayed: (ms: number, then: FakeReply): FakeReply => ({ kind: 'delayed', ms, then }),
  held: (until: Promise<unknown>, then: FakeReply): FakeReply => ({ kind: 'held', until, then }),
};

export interface FakeOpenAI {
  /** base URL including `/v1`, as OPENAI_BASE_URL would be set */
  baseUrl: string;
  requests: RecordedRequest[];
  /** queue replies for the next requests, in order */
  enqueue(...scripts: Script[]): void;
  /** what to answer once the queue is empty (default: HTTP 500 "no scripted reply") */
  setFallback(script: Script): void;
  /** forget recorded requests and queued replies, restore the default fallback (between tests) */
  reset(): void;
  close(): Promise<void>;
}

const estimateTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

function completionBody(req: ChatCompletionRequest, r: Extract<FakeReply, { kind: 'content' }>, id: number, raw: string): unknown {
  const forced = req.tool_choice && typeof req.tool_choice === 'object' ? (req.tool_choice as { function?: { name?: string } }).function?.name : undefined;
  const usage = r.usage ?? { prompt_tokens: estimateTokens(raw), completion_tokens: estimateTokens(r.content) };
  const message = forced
    ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: `call_${id}`, type: 'function', function: { name: forced, arguments: r.content } }] }
    : { role: 'assistant', content: r.content, refusal: null };
  return {
    id: `chatcmpl-fake-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finishReason ?? (forced ? 'tool_calls' : 'stop') }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function toolCallsBody(req: ChatCompletionRequest, r: Extract<FakeReply, { kind: 'toolCalls' }>, id: number, raw: string): unknown {
  const tool_calls: WireToolCall[] = r.calls.map((c, i) => ({
    id: c.id ?? `call_${id}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args) },
  }));
  const usage = r.usage ?? { prompt_tokens: estimateTokens(raw), completion_tokens: estimateTokens(JSON.stringify(tool_calls)) };
  return {
    id: `chatcmpl-fake-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message: { role: 'assistant', content: r.content ?? null, refusal: null, tool_calls }, logprobs: null, finish_reason: 'tool_calls' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const started = performance.now();
  const requests: RecordedRequest[] = [];
  const queue: Script[] = [];
  const noReply: Script = { kind: 'status', status: 500, message: 'fake-openai: no scripted reply left' };
  let fallback: Script = noReply;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        send(res, 404, { error: { message: `fake-openai: no route ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: null } });
        return;
      }
      const recorded: RecordedRequest = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: JSON.parse(raw) as ChatCompletionRequest,
        receivedAt: performance.now() - started,
      };
      requests.push(recorded);
      const script = queue.shift() ?? fallback;
      answer(typeof script === 'function' ? script(recorded) : script);
      function answer(r: FakeReply): void {
        if (r.kind === 'delayed') {
          setTimeout(() => answer(r.then), r.ms);
          return;
        }
        if (r.kind === 'held') {
          void r.until.then(() => answer(r.then));
          return;
        }
        if (r.kind === 'hang') return; // the socket stays open until the client gives up or close()
        if (r.kind === 'status') {
          const type = r.status === 429 ? 'requests' : r.status >= 500 ? 'server_error' : 'invalid_request_error';
          send(res, r.status, { error: { message: r.message ?? 'error', type, param: null, code: r.status === 429 ? 'rate_limit_exceeded' : null } }, r.headers);
          return;
        }
        if (r.kind === 'toolCalls') {
          send(res, 200, toolCallsBody(recorded.body, r, requests.length, raw));
          return;
        }
        send(res, 200, completionBody(recorded.body, r, requests.length, raw));
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
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...scripts) => void queue.push(...scripts),
    setFallback: (script) => void (fallback = script),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      fallback = noReply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy(); // hung requests would otherwise keep close() waiting
        server.close(() => resolve());
      }),
  };
}
