import { insertErrorLog } from '../../db/errors-repo.ts';
import { setMessageAttachments } from '../../db/handoff-files-repo.ts';
import { claimSend, customerWindow, markFailed, markSent } from '../../db/messenger-sends-repo.ts';
import type { FileSendRequest, SendResult } from '../../domain/messenger/contracts.ts';
import { backoffMs, classifyGraphError, describeGraphError, ourMetadata, planSend, type GraphError } from '../../domain/messenger/policy.ts';
import type { SenderDeps } from './send-api.ts';

// A person's file to a customer through the Send API (issue 19, point 5), in two calls:
// POST {MESSENGER_API_URL}/me/message_attachments as multipart form data (`message` =
// {"attachment":{"type":…,"payload":{"is_reusable":false}}}, `filedata` = the bytes) answers an
// attachment_id (https://developers.facebook.com/docs/messenger-platform/reference/attachment-upload-api);
// POST /me/messages then sends {attachment:{type, payload:{attachment_id}}} under the same
// rules as a human's text: RESPONSE within 24 h of the customer's last message, HUMAN_AGENT tag
// within 7 days, nothing after. The idempotency key is claimed in messenger_sends before the
// upload, so a repeated Slack event never sends the file twice.

const TIMEOUT_MS = 120_000;
/** as send-api.ts's DEFAULT_MAX_ATTEMPTS (not imported: send-api.ts imports this file) */
const MAX_ATTEMPTS = 4;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: GraphError };
type GraphJson = { attachment_id?: string; message_id?: string; error?: { code?: number; error_subcode?: number; message?: string } };

async function graphCall(doFetch: typeof fetch, url: string, init: RequestInit): Promise<Outcome<GraphJson>> {
  let res: Response;
  try {
    res = await doFetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    return { ok: false, error: { status: 0, message: (err as Error).message } };
  }
  const json = (await res.json().catch(() => ({}))) as GraphJson;
  if (res.ok && !json.error) return { ok: true, value: json };
  const e = json.error ?? {};
  return { ok: false, error: { status: res.status, ...(e.code !== undefined ? { code: e.code } : {}), ...(e.error_subcode !== undefined ? { subcode: e.error_subcode } : {}), message: e.message ?? res.statusText } };
}

const codes = (e: GraphError) => ({ ...(e.code !== undefined ? { code: e.code } : {}), ...(e.subcode !== undefined ? { subcode: e.subcode } : {}) });

export function createFileSender(deps: SenderDeps): (req: FileSendRequest) => Promise<SendResult> {
  const doFetch = deps.fetch ?? fetch;
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const maxAttempts = deps.maxAttempts ?? MAX_ATTEMPTS;
  const apiUrl = deps.config.messenger.apiUrl.replace(/\/+$/, '');
  const log = deps.logger.child({ component: 'messenger-send' });

  /** Transient errors are retried with backoff, as text sends are. */
  async function withRetries<T>(call: () => Promise<Outcome<T>>): Promise<{ outcome: Outcome<T>; attempts: number }> {
    let outcome: Outcome<T> = { ok: false, error: { status: 0 } };
    let attempt = 0;
    while (attempt < maxAttempts) {
      outcome = await call();
      attempt++;
      if (outcome.ok || classifyGraphError(outcome.error) === 'permanent') break;
      if (attempt < maxAttempts) await sleep(backoffMs(attempt - 1, random()));
    }
    return { outcome, attempts: attempt };
  }

  const upload = (token: string, req: FileSendRequest, bytes: Uint8Array) => () => {
    const form = new FormData();
    form.set('message', JSON.stringify({ attachment: { type: req.type, payload: { is_reusable: false } } }));
    form.set('filedata', new Blob([bytes], { type: req.contentType }), req.filename);
    return graphCall(doFetch, `${apiUrl}/me/message_attachments?access_token=${encodeURIComponent(token)}`, { method: 'POST', body: form });
  };

  const send = (token: string, body: Record<string, unknown>) => () =>
    graphCall(doFetch, `${apiUrl}/me/messages?access_token=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  return async (req) => {
    const token = deps.config.messenger.pageTokens.get(req.pageId);
    if (!token) return { status: 'refused', reason: `no page token for page ${req.pageId} in MESSENGER_PAGE_TOKENS` };
    const window = await customerWindow(deps.pool, req.pageId, req.psid);
    const plan = planSend('human', window?.lastMessageAt ?? null, now());
    if (!plan.ok) return { status: 'refused', reason: plan.reason };
    const loaded = await req.load();
    if (!(loaded instanceof Uint8Array)) return { status: 'refused', reason: loaded.error };

    const message = (attachmentId: string) => ({ attachment: { type: req.type, payload: { attachment_id: attachmentId } }, metadata: ourMetadata('human', req.key) });
    const body = (attachmentId: string): Record<string, unknown> => ({
      recipient: { id: req.psid }, messaging_type: plan.messagingType, message: message(attachmentId), ...(plan.tag ? { tag: plan.tag } : {}),
    });
    const id = await claimSend(deps.pool, {
      key: req.key, pageId: req.pageId, psid: req.psid, conversationId: req.conversationId ?? null, sender: 'human',
      messagingType: plan.messagingType, tag: plan.tag ?? null, text: null,
      payload: { recipient: { id: req.psid }, file: { type: req.type, filename: req.filename, contentType: req.contentType, bytes: loaded.byteLength } },
    });
    if (id === undefined) return { status: 'duplicate' };

    const uploaded = await withRetries(upload(token, req, loaded));
    let outcome: Outcome<GraphJson> = uploaded.outcome;
    let attempts = uploaded.attempts;
    if (uploaded.outcome.ok) {
      const attachmentId = uploaded.outcome.value.attachment_id;
      if (!attachmentId) {
        outcome = { ok: false, error: { status: 200, message: 'the attachment upload answered without an attachment_id' } };
      } else {
        const sent = await withRetries(send(token, body(attachmentId)));
        outcome = sent.outcome;
        attempts += sent.attempts;
      }
    }
    if (outcome.ok) {
      const mid = outcome.value.message_id ?? null;
      await markSent(deps.pool, id, {
        mid, attempts, conversationId: req.conversationId ?? null, senderKind: 'human_agent', text: null, at: now(),
        ...(req.agentInfo ? { agentInfo: req.agentInfo } : {}),
      });
      // the stored message says what was sent, as a customer's attachment is stored
      if (mid) await setMessageAttachments(deps.pool, mid, [{ type: req.type, payload: { attachment_id: (uploaded.outcome as { value: GraphJson }).value.attachment_id, name: req.filename } }]);
      return { status: 'sent', ...(mid ? { messageId: mid } : {}) };
    }
    const reason = describeGraphError(outcome.error);
    await markFailed(deps.pool, id, { attempts, ...codes(outcome.error), error: reason });
    await insertErrorLog(deps.pool, {
      source: 'messenger',
      message: `Send API refused a human file to ${req.psid} on page ${req.pageId}: ${reason}`,
      context: { key: req.key, pageId: req.pageId, psid: req.psid, conversationId: req.conversationId ?? null, attempts, error: outcome.error, file: req.filename },
    }).catch((err: unknown) => log.error({ err }, 'messenger: could not write ErrorLog'));
    log.warn({ key: req.key, error: outcome.error, attempts }, `messenger: file send failed (${reason})`);
    return { status: 'failed', ...codes(outcome.error), reason };
  };
}
