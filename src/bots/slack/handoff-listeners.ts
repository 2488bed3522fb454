// The handoff thread's listeners: people's replies in a handoff thread go to the customer
// through the Send API; Assign to me / Transfer / Resume bot / Resolve / Block and Unblock
// customer change who has the conversation. Every change is checked and audited by
// changeHandoff (handoff-repo.ts); the thread says what happened. `/canned` lives in
// handoff-canned.ts; `//` notes, the transfer reason modal and `/handoffs` in handoff-desk.ts.

import type { App, BlockAction, ButtonAction, RespondFn, UsersSelectAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { audit, blockCustomer, changeHandoff, conversationByThread, handoffUser, tagAgentMessage, type HandoffConversation, type HandoffUser } from '../../db/handoff-repo.ts';
import { unblockCustomer } from '../../db/handoff-cases-repo.ts';
import { rebuildSessions } from '../../db/sessions-rebuild.ts';
import { mayAct, mayHandleHandoffs, refusalText, threadReply, type HandoffAction } from '../../domain/handoff.ts';
import type { MessengerSender, SendResult } from '../../domain/messenger/contracts.ts';
import type { SlackDeps } from './deps.ts';
import type { MessageLike } from './app.ts';
import { escapeSlackText } from './format.ts';
import { HANDOFF_ACTION, NEEDS_ROLE, conversationOfBlockId, mention } from './handoff-blocks.ts';
import { registerCanned } from './handoff-canned.ts';
import { markSeenOnce } from './handoff-seen.ts';
import { hasAgentFiles, onAgentFiles } from './handoff-agent-files.ts';
import { afterResolve, registerDeskActions, storeNote, transferReasonModal } from './handoff-desk.ts';
import { postEphemeral, postMessage } from '../../notify/slack.ts';
import { refreshParent } from './handoff.ts';

export interface HandoffSlackOptions {
  /** HANDOFF_CHANNEL (pages may have channels of their own: pages.handoff_channel) */
  channel?: string;
  sender: MessengerSender;
}

type ThreadMessage = MessageLike;

/** The work behind the listeners, shared with /canned. */
export function handoffWork(deps: SlackDeps, opts: HandoffSlackOptions) {
  const log = deps.logger.child({ component: 'handoff' });
  const timeZone = deps.config.businessTimezone;
  const actorOf = (slackId: string) => handoffUser(deps.pool, slackId, deps.config.adminSlackIds);

  /** A note everyone in the thread sees. */
  async function note(client: WebClient, c: Pick<HandoffConversation, 'channel' | 'threadTs'>, text: string): Promise<void> {
    if (!c.channel || !c.threadTs) return;
    await postMessage(client.chat, { channel: c.channel, thread_ts: c.threadTs, text }, log).catch((err: unknown) => log.error({ err }, 'handoff: thread note failed'));
  }

  async function whisper(client: WebClient, c: Pick<HandoffConversation, 'channel' | 'threadTs'>, user: string, text: string): Promise<void> {
    if (!c.channel) return;
    await postEphemeral(client.chat, { channel: c.channel, user, text, ...(c.threadTs ? { thread_ts: c.threadTs } : {}) }, log)
      .catch((err: unknown) => log.error({ err, user }, 'handoff: ephemeral note failed'));
  }

  /** The person's name as the customer-facing records show it: users.name, else their Slack profile. */
  async function displayName(client: WebClient, actor: HandoffUser): Promise<string | null> {
    if (actor.name) return actor.name;
    try {
      const u = await client.users.info({ user: actor.slackId });
      const p = u.user?.profile;
      return p?.display_name || p?.real_name || u.user?.real_name || null;
    } catch {
      return null;
    }
  }

  /** The conversation's sessions after a human reply (counts, human_handoff), as the worker does after a customer message. */
  async function rebuild(conversationId: number): Promise<void> {
    const db = await deps.pool.connect();
    try {
      await rebuildSessions(db, [conversationId], deps.now());
    } catch (err) {
      log.warn({ err, conversationId }, 'handoff: rebuilding the sessions failed (the next customer message does it)');
    } finally {
      db.release();
    }
  }

  async function refresh(client: WebClient, c: HandoffConversation): Promise<void> {
    await refreshParent({ pool: deps.pool, slack: client, now: deps.now(), timeZone, log }, c).catch((err: unknown) => log.error({ err, conversationId: c.id }, 'handoff: updating the thread parent failed'));
  }

  /**
   * Sends a person's text to the customer under `key` (the same key is sent at most once), then
   * records that a human has the conversation. A repeated delivery ('duplicate') does nothing more.
   */
  async function sendAsHuman(client: WebClient, c: HandoffConversation, actor: HandoffUser, action: 'reply' | 'canned', key: string, text: string, details: Record<string, unknown>): Promise<SendResult | undefined> {
    if (!c.psid) {
      await note(client, c, 'Not sent: this conversation has no Messenger customer to answer.');
      return undefined;
    }
    let result: SendResult;
    await markSeenOnce({ pool: deps.pool, sender: opts.sender, log }, c);
    try {
      result = await opts.sender.send({ key, pageId: c.fbPageId, psid: c.psid, conversationId: c.id, sender: 'human', text });
    } catch (err) {
      log.error({ err, conversationId: c.id, key }, 'handoff: send failed');
      await note(client, c, `${mention(actor.slackId)}'s message could not be sent just now (Messenger did not answer). Please send it again.`);
      return undefined;
    }
    if (result.status === 'duplicate') {
      log.info({ conversationId: c.id, key }, 'handoff: repeated delivery, already sent');
      return result;
    }
    if (result.status === 'sent' && result.messageId) {
      const name = (await displayName(client, actor)) ?? actor.slackId;
      await tagAgentMessage(deps.pool, result.messageId, { id: actor.slackId, name }).catch((err: unknown) => log.warn({ err, key }, 'handoff: naming the agent on the message failed'));
      await rebuild(c.id);
    }
    const changed = await changeHandoff(deps.pool, { conversationId: c.id, actor, action, at: deps.now(), sent: result.status === 'sent', details: { ...details, key, result: result.status } });
    if (changed.ok && (changed.before.state !== changed.after.state || changed.before.assignedToId !== changed.after.assignedToId)) await refresh(client, changed.conversation);
    if (result.status === 'refused' || result.status === 'failed') await note(client, c, `${mention(actor.slackId)}: ${escapeSlackText(refusalText(result))}`);
    return result;
  }

  return { deps, opts, actorOf, displayName, note, whisper, refresh, sendAsHuman, log };
}

export type HandoffWork = ReturnType<typeof handoffWork>;

/** A message in a handoff thread: a person's reply to the customer, a note, or nothing of ours. */
async function onThreadMessage(work: HandoffWork, client: WebClient, m: ThreadMessage, eventId: string, botUserId?: string): Promise<void> {
  const { deps, whisper, sendAsHuman, actorOf, log } = work;
  // a handoff thread is in HANDOFF_CHANNEL or a page's own channel: the conversation lookup
  // (unique on channel and thread) tells, whichever channel it is
  if (!m.thread_ts || m.thread_ts === m.ts) return;
  // a person's files, with or without words: handoff-agent-files.ts sends both, in order
  if (hasAgentFiles(m)) return onAgentFiles(work, client, m, eventId, botUserId);
  // people's new messages only: not bots (our own notes included), edits or joins; a reply
  // also sent to the channel ("thread_broadcast") is a reply all the same
  const plain = m.subtype === undefined || m.subtype === 'thread_broadcast';
  if (!plain || m.bot_id !== undefined || m.edited !== undefined || typeof m.user !== 'string') return;
  // a question to SupportPulse in the thread is the assistant's (app_mention), not the customer's
  if (botUserId && m.text?.includes(`<@${botUserId}>`)) return;
  const c = await conversationByThread(deps.pool, m.channel, m.thread_ts);
  if (!c) return;
  const reply = threadReply(m.text ?? '');
  if (reply.kind === 'note') return storeNote(work, c, m, reply.text);
  if (reply.kind !== 'send') return;
  const actor = await actorOf(m.user);
  if (!actor || !mayHandleHandoffs(actor.role)) {
    log.warn({ user: m.user, conversationId: c.id }, 'handoff: reply by a user without a role, not sent');
    await audit(deps.pool, { actorId: actor?.userId ?? null, action: 'handoff.reply.refused', target: `conversation:${c.id}`, details: { slackId: m.user, role: actor?.role ?? null, ts: m.ts, eventId } });
    return whisper(client, c, m.user, NEEDS_ROLE);
  }
  const allowed = mayAct('reply', actor, c.assignedToId);
  if (!allowed.ok) {
    await audit(deps.pool, { actorId: actor.userId, action: 'handoff.reply.refused', target: `conversation:${c.id}`, details: { slackId: m.user, role: actor.role, reason: allowed.reason, ts: m.ts, eventId } });
    return whisper(client, c, m.user, `Your reply was *not* sent: ${allowed.reason}.`);
  }
  const result = await sendAsHuman(client, c, actor, 'reply', `human:${m.channel}:${m.ts}`, reply.text, { ts: m.ts, eventId });
  if (result?.status === 'sent') await whisper(client, c, m.user, ':white_check_mark: Sent to the customer.');
}

/** A button on a thread's parent message, or a transfer (with its reason, from the modal); false when nothing changed. */
export async function onAction(
  work: HandoffWork, client: WebClient, respond: RespondFn, user: string, action: HandoffAction, conversationId: number, transferTo?: string, reason?: string,
): Promise<boolean> {
  const { deps, note, refresh, actorOf, log } = work;
  const tell = async (text: string): Promise<false> => {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
    return false;
  };
  const actor = await actorOf(user);
  if (!actor || !mayHandleHandoffs(actor.role)) return tell('Nothing changed: only support agents, team leads and admins act on handed-off conversations. Ask an admin: `/pulse role @you agent`.');
  let target: HandoffUser | undefined;
  if (action === 'transfer') {
    target = transferTo ? await actorOf(transferTo) : undefined;
    if (!target || !mayHandleHandoffs(target.role)) return tell(`Nothing changed: ${transferTo ? `<@${transferTo}>` : 'that person'} cannot take customer conversations (support agents, team leads and admins can).`);
  }
  const changed = await changeHandoff(deps.pool, {
    conversationId, actor, action, at: deps.now(), ...(reason ? { reason } : {}), ...(target ? { transferTo: target.userId, details: { toSlackId: target.slackId } } : {}),
  });
  if (!changed.ok) return tell(`Nothing changed: ${changed.reason}.`);
  const c = changed.conversation;
  if (action === 'assign_self') await markSeenOnce({ pool: deps.pool, sender: work.opts.sender, log }, c);
  if (action === 'block' && c.customerId !== null) {
    const blocked = await blockCustomer(deps.pool, c.customerId, `blocked in Slack by ${user}`);
    if (!blocked) return tell('This customer was already blocked.');
    c.blocked = true;
  }
  if (action === 'unblock' && c.customerId !== null) {
    const unblocked = await unblockCustomer(deps.pool, c.customerId);
    if (!unblocked) return tell('This customer is not blocked.');
    c.blocked = false;
  }
  const same = changed.before.state === changed.after.state && changed.before.assignedToId === changed.after.assignedToId;
  // a transfer to the person who has it is still a reason given; block and unblock change the customer, not the state
  if (same && action !== 'block' && action !== 'unblock' && !(action === 'transfer' && reason)) return tell('Nothing to change: it already is that way.');
  if (action === 'resolve') await afterResolve(work, c.id);
  await refresh(client, c);
  const who = mention(user);
  const text: Record<HandoffAction, string> = {
    assign_self: `${who} took this conversation. The bot stays silent.`,
    transfer: `${who} transferred this conversation to ${mention(target?.slackId ?? null)}${reason ? ` — reason: ${escapeSlackText(reason)}` : ''}.`,
    resume: `${who} gave this conversation back to the bot. It answers the customer's next message; reply here to take it back.`,
    block: `${who} blocked this customer: the bot ignores their messages from now on (they are still stored and flagged).`,
    resolve: `:white_check_mark: ${who} resolved this conversation: the case is closed and the bot answers the customer's next message. Reply here to take it back.`,
    unblock: `${who} unblocked this customer: the bot answers their messages again.`,
    reply: '',
    canned: '',
  };
  await note(client, c, text[action]);
  log.info({ conversationId, action, user }, 'handoff: action');
  return true;
}


const conversationOf = (body: BlockAction, action: { value?: string }): number | undefined => {
  const fromValue = Number(action.value);
  if (Number.isInteger(fromValue) && fromValue > 0) return fromValue;
  const blockId = (body.actions[0] as { block_id?: string } | undefined)?.block_id;
  return conversationOfBlockId(blockId);
};

/** Registers the thread listener, the parent message's buttons and `/canned`. */
export function registerHandoff(app: App, deps: SlackDeps, opts: HandoffSlackOptions): void {
  const work = handoffWork(deps, opts);

  app.event('message', async ({ event, body, client, context }) => {
    await onThreadMessage(work, client, event as ThreadMessage, String(body.event_id), context.botUserId);
  });

  const button = (actionId: string, action: HandoffAction) =>
    app.action<BlockAction>(actionId, async ({ ack, body, action: a, client, respond }) => {
      await ack();
      const id = conversationOf(body, a as ButtonAction);
      if (!id) return;
      try {
        await onAction(work, client, respond, body.user.id, action, id);
      } catch (err) {
        work.log.error({ err, conversationId: id, action }, 'handoff: action failed');
        await respond({ response_type: 'ephemeral', replace_original: false, text: 'Sorry, that did not work just now. Nothing was changed.' }).catch(() => {});
      }
    });
  button(HANDOFF_ACTION.assign, 'assign_self');
  button(HANDOFF_ACTION.resume, 'resume');
  button(HANDOFF_ACTION.block, 'block');

  button(HANDOFF_ACTION.resolve, 'resolve');
  button(HANDOFF_ACTION.unblock, 'unblock');

  // the person picked, the reason is asked for in a modal (handoff-desk.ts) before anything changes
  app.action<BlockAction>(HANDOFF_ACTION.transfer, async ({ ack, body, action, client, respond }) => {
    await ack();
    const a = action as UsersSelectAction;
    const id = conversationOfBlockId(a.block_id);
    if (!id) return;
    try {
      await transferReasonModal(work, client, respond, body.trigger_id, id, a.selected_user);
    } catch (err) {
      work.log.error({ err, conversationId: id }, 'handoff: transfer failed');
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'Sorry, that did not work just now. Nothing was changed.' }).catch(() => {});
    }
  });

  registerCanned(app, deps, work);
  registerDeskActions(app, work);
}
