import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WAIT_MS } from './wait.ts';

// A local stand-in for the Bot Framework Connector service that a channel (Teams, Web Chat, the
// Emulator) exposes at an activity's `serviceUrl`, for the two calls a bot makes to reply
// (Bot Connector REST API v3, https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference):
// - POST /v3/conversations/{conversationId}/activities/{activityId}  (ReplyToActivity)
// - POST /v3/conversations/{conversationId}/activities                (SendToConversation)
// Both take an Activity as JSON and answer 200 with a ResourceResponse `{ id }`. Every call is
// recorded with its headers (the Authorization header shows whether the bot sent a token).

export interface ConnectorActivity {
  type: string;
  text?: string;
  textFormat?: string;
  replyToId?: string;
  conversation?: { id: string };
  from?: { id: string; name?: string };
  recipient?: { id: string; name?: string };
  attachments?: { contentType: string; contentUrl?: string; name?: string }[];
  [key: string]: unknown;
}

export interface ConnectorCall {
  /** 'reply' for ReplyToActivity, 'send' for SendToConversation */
  kind: 'reply' | 'send';
  conversationId: string;
  /** the activity replied to (ReplyToActivity only) */
  activityId?: string;
  activity: ConnectorActivity;
  headers: IncomingHttpHeaders;
  /** the id answered */
  id: string;
  /** Date.now() when it arrived */
  at: number;
}

export interface FakeConnector {
  /** the serviceUrl to put on activities, with a trailing slash */
  url: string;
  calls: ConnectorCall[];
  /** calls of one conversation, optionally of one activity type */
  callsIn(conversationId: string, type?: string): ConnectorCall[];
  /**
   * From now on, refuse every call into this conversation with `status` (e.g. 403, as Teams
   * answers when the bot was removed from it). Refused calls are not recorded.
   */
  refuse(conversationId: string, status: number): void;
  /** resolves when `predicate` holds for the recorded calls, or rejects after `timeoutMs` */
  waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const ROUTE = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const refused = new Map<string, number>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const m = ROUTE.exec(path);
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !m) return answer(404, { error: { code: 'NotFound', message: `no route ${req.method} ${path}` } });
      let activity: ConnectorActivity;
      try {
        activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ConnectorActivity;
      } catch {
        return answer(400, { error: { code: 'BadArgument', message: 'body is not JSON' } });
      }
      if (typeof activity?.type !== 'string') return answer(400, { error: { code: 'MissingProperty', message: 'activity.type is required' } });
      const refusal = refused.get(decodeURIComponent(m[1]!));
      if (refusal) return answer(refusal, { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } });
      const id = randomUUID();
      calls.push({
        kind: m[2] ? 'reply' : 'send',
        conversationId: decodeURIComponent(m[1]!),
        ...(m[2] ? { activityId: decodeURIComponent(m[2]) } : {}),
        activity,
        headers: req.headers,
        id,
        at: Date.now(),
      });
      answer(200, { id });
      for (const w of [...waiters]) w();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    refuse: (conversationId, status) => void refused.set(conversationId, status),
    callsIn: (conversationId, type) => calls.filter((c) => c.conversationId === conversationId && (type === undefined || c.activity.type === type)),
    waitFor(predicate, timeoutMs = WAIT_MS) {
      if (predicate(calls)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake connector: condition not met within ${timeoutMs} ms; calls: ${JSON.stringify(calls.map((c) => [c.conversationId, c.activity.type, c.activity.text?.slice(0, 60)]))}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
