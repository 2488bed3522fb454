import type pg from 'pg';
import { disclosureFor } from '../../domain/customer/disclosure.ts';
import { unsureStreakAfter } from '../../domain/customer/decide.ts';
import { humanIsTalking } from '../../domain/messenger/human-pause.ts';
import { botAgentInfo, type CustomerTurn, type HandoffReason } from '../../domain/messenger/contracts.ts';
import { INBOX_MESSAGE_KINDS, parseMessaging } from '../../domain/messenger/events.ts';
import { ourSender } from '../../domain/messenger/policy.ts';
import { customerFiles } from '../../domain/messenger/attachments.ts';
import { insertErrorLog } from '../../db/errors-repo.ts';
import type { ClaimedTurn, InboxEvent, TurnContext, TurnRecord } from '../../db/messenger-inbox-repo.ts';
import { setCustomerName } from '../../db/messenger-sends-repo.ts';
import { takeCsatAnswer } from './csat.ts';
import type { ReplyWorkerDeps } from './reply-worker.ts';

// One claimed event of the reply worker's batch: answered by the customer agent, shown in the
// desk's thread, or skipped. Nothing here writes the batch's results: what a turn learnt is
// returned (Handled) and the worker writes the whole batch in its transaction.

export const HANDLED: readonly string[] = INBOX_MESSAGE_KINDS;
export const DEFAULT_TYPING_AFTER_MS = 400;

/** What answering one event leaves for the batch's writes. */
export interface Handled {
  state: 'done' | 'skipped';
  turn?: TurnRecord;
  template?: { name: string; pageId: number | null; sent: boolean };
  handoff?: HandoffReason;
}

/** One claimed event: answered, shown in the desk's thread, or skipped; its writes are the batch's. */
export async function handle(deps: ReplyWorkerDeps, t: ClaimedTurn, named: Set<string>): Promise<Handled> {
  const ev = t.event;
  if (!HANDLED.includes(ev.kind)) return { state: 'done' };
  const ctx = t.ctx;
  if (!ctx) return { state: 'skipped' };
  if (ev.kind === 'echo' || ev.kind === 'standby') return { state: await showOutside(deps, ev) };
  const text = turnTextOf(ev);
  if (ctx.blocked) {
    await insertErrorLog(deps.pool, {
      source: 'messenger',
      message: `message from blocked customer ${ev.psid} on page ${ev.pageId} not answered by the bot`,
      context: { eventKey: ev.key, conversationId: ev.conversationId, reason: ctx.blockedReason },
    });
    return { state: 'skipped' };
  }
  if (ctx.handoffState !== 'bot') {
    // humans own it: the bot stays silent, the thread shows what the customer wrote
    if (deps.desk) await deps.desk.append(ev.conversationId, text, ev.at, customerFiles(ev.key, ev.payload));
    return { state: 'done' };
  }
  if (pausedForPerson(deps, ev, ctx)) return { state: 'done' };
  return answer(deps, t, ctx, text, named);
}

/**
 * Humans first: a person's reply from another inbox (an echo our sender did not send) and what
 * the customer wrote while another app owns the conversation (standby) appear in the
 * conversation's Slack thread, when it has one. Our own echoes and standby receipts show nothing.
 */
async function showOutside(deps: ReplyWorkerDeps, ev: InboxEvent): Promise<'done'> {
  const inner = parseMessaging(ev.pageId, ev.payload, undefined);
  if (!deps.desk || !('key' in inner)) return 'done';
  const at = ev.at;
  if (inner.kind === 'echo') {
    if (ourSender(inner.metadata) !== undefined || (await sentByUs(deps.pool, inner.key))) return 'done';
    await deps.desk.mirror(ev.conversationId, { kind: 'other_inbox', text: turnTextOf(ev), at, ...(inner.appId ? { appId: inner.appId } : {}) });
  } else if (ev.kind === 'standby') {
    await deps.desk.mirror(ev.conversationId, { kind: 'standby', text: turnTextOf(ev), at });
  }
  return 'done';
}

/** An echo without our metadata may still be ours (a send logged before metadata was added). */
async function sentByUs(db: pg.Pool, mid: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM messenger_sends WHERE response_mid = $1 LIMIT 1', [mid]);
  return rows.length > 0;
}

/** A person answered in another inbox (Meta Business Suite, a CRM) lately: the bot does not talk over them. */
function pausedForPerson(deps: ReplyWorkerDeps, ev: InboxEvent, ctx: TurnContext): boolean {
  if (!humanIsTalking(ctx.lastHumanAt, ev.at, deps.humanPauseMinutes ?? 30)) return false;
  deps.logger.info({ conversationId: ev.conversationId, eventKey: ev.key, lastHumanAt: ctx.lastHumanAt }, 'messenger: bot paused, a person wrote recently');
  return true;
}

/** The bot's turn: the agent's decision (typing shown when it takes a while), the reply, what it learnt. */
async function answer(deps: ReplyWorkerDeps, t: ClaimedTurn, ctx: TurnContext, text: string, named: Set<string>): Promise<Handled> {
  const ev = t.event;
  // a CSAT survey's answer is stored and thanked (jobs/messenger/csat.ts), never answered as a question
  if (await takeCsatAnswer(deps.pool, deps.sender, ev, text, { openSurvey: ctx.openSurvey })) return { state: 'done' };
  const log = deps.logger.child({ component: 'messenger-worker' });
  const started = performance.now();
  // the window read with the claim: the sender does not read it again for each call
  const base = { pageId: ev.pageId, psid: ev.psid, conversationId: ev.conversationId, customerLastMessageAt: t.customerLastMessageAt };
  const typing = () => deps.sender.send({ ...base, key: `typing:${ev.key}`, sender: 'bot', senderAction: 'typing_on' });
  const typingAfterMs = deps.typingAfterMs ?? DEFAULT_TYPING_AFTER_MS;
  if (typingAfterMs === 0) await typing();
  const decide = async () => {
    let customerName = ctx.customerName ?? undefined;
    if (!customerName && deps.lookupName && !named.has(`${ev.pageId}:${ev.psid}`)) {
      named.add(`${ev.pageId}:${ev.psid}`);
      customerName = await deps.lookupName(ev.pageId, ev.psid);
      if (customerName) await setCustomerName(deps.pool, ev.pageId, ev.psid, customerName);
    }
    const payload = payloadOf(ev);
    const turn: CustomerTurn = {
      pageId: ev.pageId, psid: ev.psid, conversationId: ev.conversationId,
      text,
      ...(payload !== undefined ? { payload } : {}),
      attachments: attachmentsOf(ev),
      isFirstMessage: ctx.isFirstMessage,
      unsureStreak: ctx.unsureStreak,
      ...(customerName ? { customerName } : {}),
      ...(ctx.botSpoke ? {} : { disclosure: disclosureFor({ name: ctx.pageName, custom: ctx.pageDisclosure }) }),
      history: ctx.history,
    };
    return deps.agent.respond(turn);
  };
  const pending = decide();
  // typing_on is sent (and awaited, so it reaches Meta before the reply) only when the answer is late
  const decision = typingAfterMs === 0 ? await pending : await slowThen(pending, typingAfterMs, typing);
  const sent = await deps.sender.send({
    ...base,
    key: `reply:${ev.key}`,
    sender: 'bot',
    text: decision.text,
    ...(decision.kind === 'reply' && decision.quickReplies?.length ? { quickReplies: decision.quickReplies } : {}),
    ...(decision.writtenBy ? { agentInfo: botAgentInfo(decision.writtenBy, decision.classification) } : {}),
  });
  if (sent.status === 'refused' || sent.status === 'failed') log.warn({ eventKey: ev.key, sent }, 'messenger: bot reply not delivered');
  return {
    state: 'done',
    turn: {
      messageId: ev.messageId,
      intent: decision.classification.intent,
      confidence: decision.classification.confidence,
      processingMs: performance.now() - started,
      conversationId: ev.conversationId,
      unsureStreak: unsureStreakAfter(decision, ctx.unsureStreak),
    },
    // counted with the send it belongs to: 'duplicate' means an earlier attempt of this event claimed it
    ...(decision.kind === 'reply' && decision.templateName && (sent.status === 'sent' || sent.status === 'failed')
      ? { template: { name: decision.templateName, pageId: ctx.pageDbId, sent: sent.status === 'sent' } }
      : {}),
    ...(decision.kind === 'handoff' ? { handoff: decision.reason } : {}),
  };
}

/** `work`'s result; when it is not there after `ms`, `meanwhile` runs (and is awaited) first. */
async function slowThen<T>(work: Promise<T>, ms: number, meanwhile: () => Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const first = await Promise.race([work.then(() => 'ready' as const, () => 'ready' as const), late]);
  clearTimeout(timer);
  if (first === 'late') await meanwhile();
  return work;
}

type Raw = { message?: { text?: string; quick_reply?: { payload?: string }; attachments?: unknown[] }; postback?: { title?: string; payload?: string } };

function turnTextOf(ev: InboxEvent): string {
  const raw = ev.payload as Raw;
  const text = raw.message?.text ?? raw.postback?.title;
  if (text) return text;
  const payload = payloadOf(ev);
  if (payload) return payload;
  const n = attachmentsOf(ev);
  return n > 0 ? `[${n} attachment${n > 1 ? 's' : ''}]` : '';
}

function payloadOf(ev: InboxEvent): string | undefined {
  const raw = ev.payload as Raw;
  return raw.message?.quick_reply?.payload ?? raw.postback?.payload;
}

const attachmentsOf = (ev: InboxEvent) => {
  const a = (ev.payload as Raw).message?.attachments;
  return Array.isArray(a) ? a.length : 0;
};
