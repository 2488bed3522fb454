import type pg from 'pg';
import type { Config } from '../../config.ts';
import { insertErrorLog } from '../../db/errors-repo.ts';
import { coalesced } from '../../db/coalesce.ts';
import { claimSends, customerWindow, markFailed, markSentMany, type NewSend, type SentRecord } from '../../db/messenger-sends-repo.ts';
import {
  backoffMs,
  classifyGraphError,
  clipText as clip,
  describeGraphError,
  mayAct,
  ourMetadata,
  planSend,
  type GraphError,
} from '../../domain/messenger/policy.ts';
import type { Logger } from '../../logger.ts';
import { createFileSender } from './attachments.ts';
import type { MessengerSender, QuickReply, SendRequest, SendResult } from '../../domain/messenger/contracts.ts';
import { createSendLimiter, type SendLimiter } from './send-limiter.ts';
import { CONNECT_TIMEOUT, createGraphPost, fetchGraphPost, requestNeverSent, type GraphAnswer, type GraphPost } from './graph-http.ts';

// The Send API (POST {MESSENGER_API_URL}/me/messages with the page's token). Order of work:
// window policy (refuse before calling Meta), the send-log row under the idempotency key
// (a taken key is a duplicate: nothing is called), the page's rate limit (a token bucket in
// Postgres that every instance shares: send-limiter.ts), the call with
// retries for transient errors, then the outcome in messenger_sends (and the message in
// `messages`), or ErrorLog for a permanent failure. Sender actions (typing_on...) are not
// logged: repeating one is harmless. The send-log writes of concurrent sends (the reply
// worker's batch) go together, a statement and a commit for many (db/coalesce.ts).

/**
 * Default per-page rate and burst: at most rate + burst calls in any second, 275, under the 300
 * a second Meta allows a page for text messages (META_SEND_CALLS_PER_PAGE_PER_S, code 613 past it).
 */
export const DEFAULT_RATE_PER_PAGE = 250;
export const DEFAULT_BURST_PER_PAGE = 25;
export const DEFAULT_MAX_ATTEMPTS = 4;
const MAX_TEXT = 2000; // Meta's limit for message.text
const MAX_QUICK_REPLIES = 13;
const MAX_QUICK_TITLE = 20;
const TIMEOUT_MS = 10_000;
/**
 * connection failures that mean the request never left: safe to send again (with node:http,
 * graph-http.ts also marks any error before the connection was ready: `requestNeverSent`)
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', CONNECT_TIMEOUT]);

export interface SenderDeps {
  pool: pg.Pool;
  config: Pick<Config, 'messenger'>;
  logger: Logger;
  /** the transport for Send API calls instead of keep-alive node:http (graph-http.ts) */
  fetch?: typeof fetch;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  ratePerPage?: number;
  /** calls a quiet page may make at once (default DEFAULT_BURST_PER_PAGE, never above ratePerPage) */
  burstPerPage?: number;
  maxAttempts?: number;
  /** epoch ms for the rate limit, the same in every instance (tests advance it with their sleep) */
  clock?: () => number;
  /** the per-page limiter; default: the shared bucket in `pool`'s database */
  limiter?: SendLimiter;
  /** ms before a Send API call is given up (not retried: it may have been delivered) */
  timeoutMs?: number;
}

type CallOutcome = { ok: true; messageId?: string } | { ok: false; error: GraphError };

const quickReplies = (qs: QuickReply[]) =>
  qs.slice(0, MAX_QUICK_REPLIES).map((q) => ({ content_type: 'text', title: clip(q.title, MAX_QUICK_TITLE), payload: q.payload }));

/** One POST /me/messages: Meta's message_id, or its error (status 0: no HTTP answer at all). */
async function postMessage(post: GraphPost, apiUrl: string, token: string, body: Record<string, unknown>, timeoutMs: number): Promise<CallOutcome> {
  let res: GraphAnswer;
  try {
    res = await post(`${apiUrl}/me/messages?access_token=${encodeURIComponent(token)}`, JSON.stringify(body), timeoutMs);
  } catch (err) {
    // a timeout or a connection cut after the request went out may still have delivered it;
    // one before the connection could carry it (TCP, or TLS's handshake) never left
    const e = err as { code?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code;
    const reason = code ? `${(err as Error).message} (${code})` : (err as Error).message;
    const neverSent = requestNeverSent(err) || (code !== undefined && NOT_SENT.has(code));
    return { ok: false, error: { status: 0, message: reason, ...(neverSent ? {} : { maybeDelivered: true }) } };
  }
  const json = res.json as { message_id?: string; error?: { code?: number; error_subcode?: number; message?: string } };
  if (res.status >= 200 && res.status < 300 && !json.error) return { ok: true, ...(json.message_id ? { messageId: json.message_id } : {}) };
  const e = json.error ?? {};
  return { ok: false, error: { status: res.status, ...(e.code !== undefined ? { code: e.code } : {}), ...(e.error_subcode !== undefined ? { subcode: e.error_subcode } : {}), message: e.message ?? res.statusText } };
}

// conversations' counters are updated in the statement: a deadlock with another writer of
// them (the materializer, another instance) is retried, the send itself is long done
function sentMarker(pool: SenderDeps['pool']) {
  return coalesced(async (sent: SentRecord[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await markSentMany(pool, sent);
        return sent.map(() => undefined);
      } catch (err) {
        if ((err as { code?: string }).code !== '40P01' || attempt >= 3) throw err;
      }
    }
  });
}

export function createMessengerSender(deps: SenderDeps): MessengerSender {
  const post = deps.fetch ? fetchGraphPost(deps.fetch) : createGraphPost();
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const rate = deps.ratePerPage ?? DEFAULT_RATE_PER_PAGE;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const limiter =
    deps.limiter ??
    createSendLimiter({ pool: deps.pool, ratePerS: rate, burst: Math.min(rate, deps.burstPerPage ?? DEFAULT_BURST_PER_PAGE), clock: deps.clock ?? Date.now, sleep });
  const log = deps.logger.child({ component: 'messenger-send' });
  const claim = coalesced((sends: NewSend[]) => claimSends(deps.pool, sends));
  const markSent = sentMarker(deps.pool);
  const apiUrl = deps.config.messenger.apiUrl.replace(/\/+$/, '');

  async function call(pageId: string, token: string, body: Record<string, unknown>): Promise<CallOutcome> {
    await limiter.acquire(pageId);
    return postMessage(post, apiUrl, token, body, deps.timeoutMs ?? TIMEOUT_MS);
  }

  /** Transient errors are retried with backoff; returns the last outcome and the attempts made. */
  async function callWithRetries(pageId: string, token: string, body: Record<string, unknown>): Promise<{ outcome: CallOutcome; attempts: number }> {
    let outcome: CallOutcome = { ok: false, error: { status: 0 } };
    let attempt = 0;
    while (attempt < maxAttempts) {
      outcome = await call(pageId, token, body);
      attempt++;
      if (outcome.ok || classifyGraphError(outcome.error) === 'permanent') break;
      if (attempt < maxAttempts) await sleep(backoffMs(attempt - 1, random()));
    }
    return { outcome, attempts: attempt };
  }

  async function senderAction(req: SendRequest, token: string, lastMessageAt: Date | null): Promise<SendResult> {
    if (!mayAct(lastMessageAt, now())) return { status: 'refused', reason: 'outside the 24-hour window' };
    const outcome = await call(req.pageId, token, { recipient: { id: req.psid }, sender_action: req.senderAction });
    if (outcome.ok) return { status: 'sent' };
    log.warn({ pageId: req.pageId, error: outcome.error }, `messenger: ${req.senderAction} failed`);
    return { status: 'failed', ...codes(outcome.error), reason: describeGraphError(outcome.error) };
  }

  /** The send log (and the stored message) after Meta answered; a refusal also goes to ErrorLog. */
  async function record(req: SendRequest, id: number, text: string, outcome: CallOutcome, attempts: number): Promise<SendResult> {
    if (outcome.ok) {
      await markSent({
        id,
        mid: outcome.messageId ?? null,
        attempts,
        conversationId: req.conversationId ?? null,
        senderKind: req.sender === 'bot' ? 'bot' : 'human_agent',
        text,
        at: now(),
        ...(req.agentInfo ? { agentInfo: req.agentInfo } : {}),
      });
      return { status: 'sent', ...(outcome.messageId ? { messageId: outcome.messageId } : {}) };
    }
    const reason = describeGraphError(outcome.error);
    // a call that may have been delivered stays pending in the log: unknown, and never sent again
    if (!outcome.error.maybeDelivered) await markFailed(deps.pool, id, { attempts, ...codes(outcome.error), error: reason });
    await insertErrorLog(deps.pool, {
      source: 'messenger',
      message: `Send API refused a ${req.sender} message to ${req.psid} on page ${req.pageId}: ${reason}`,
      context: { key: req.key, pageId: req.pageId, psid: req.psid, conversationId: req.conversationId ?? null, attempts, error: outcome.error },
    }).catch((err: unknown) => log.error({ err }, 'messenger: could not write ErrorLog'));
    log.warn({ key: req.key, error: outcome.error, attempts }, `messenger: send failed (${reason})`);
    return { status: 'failed', ...codes(outcome.error), reason };
  }

  return {
    // a person's file from a handoff thread (attachments.ts): upload, then send the attachment_id
    sendFile: createFileSender(deps),
    async send(req: SendRequest): Promise<SendResult> {
      const token = deps.config.messenger.pageTokens.get(req.pageId);
      if (!token) return { status: 'refused', reason: `no page token for page ${req.pageId} in MESSENGER_PAGE_TOKENS` };
      // the reply worker read the window with the turn; other callers have it read here
      const lastMessageAt = req.customerLastMessageAt !== undefined ? req.customerLastMessageAt : ((await customerWindow(deps.pool, req.pageId, req.psid))?.lastMessageAt ?? null);
      if (req.senderAction) return senderAction(req, token, lastMessageAt);
      if (!req.text && !req.quickReplies?.length) return { status: 'refused', reason: 'nothing to send (no text)' };

      const plan = planSend(req.sender, lastMessageAt, now());
      if (!plan.ok) return { status: 'refused', reason: plan.reason };
      const text = clip(req.text ?? '', MAX_TEXT);
      const message: Record<string, unknown> = { text, metadata: ourMetadata(req.sender, req.key) };
      if (req.quickReplies?.length) message.quick_replies = quickReplies(req.quickReplies);
      const body: Record<string, unknown> = { recipient: { id: req.psid }, messaging_type: plan.messagingType, message };
      if (plan.tag) body.tag = plan.tag;

      const id = await claim({
        key: req.key,
        pageId: req.pageId,
        psid: req.psid,
        conversationId: req.conversationId ?? null,
        sender: req.sender,
        messagingType: plan.messagingType,
        tag: plan.tag ?? null,
        text,
        payload: body,
      });
      if (id === undefined) return { status: 'duplicate' };

      const { outcome, attempts } = await callWithRetries(req.pageId, token, body);
      return record(req, id, text, outcome, attempts);
    },
  };
}

const codes = (e: GraphError) => ({ ...(e.code !== undefined ? { code: e.code } : {}), ...(e.subcode !== undefined ? { subcode: e.subcode } : {}) });

/** Best effort: the customer's name from the user profile API, or undefined. */
export async function lookupProfileName(
  deps: Pick<SenderDeps, 'config' | 'fetch'>,
  pageId: string,
  psid: string,
): Promise<string | undefined> {
  const token = deps.config.messenger.pageTokens.get(pageId);
  if (!token) return undefined;
  const url = `${deps.config.messenger.apiUrl.replace(/\/+$/, '')}/${encodeURIComponent(psid)}?fields=first_name,last_name,profile_pic&access_token=${encodeURIComponent(token)}`;
  try {
    const res = await (deps.fetch ?? fetch)(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    const p = (await res.json()) as { first_name?: string; last_name?: string };
    const name = [p.first_name, p.last_name].filter((s) => typeof s === 'string' && s.trim()).join(' ').trim();
    return name || undefined;
  } catch {
    return undefined;
  }
}
