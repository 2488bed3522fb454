// The desk around the handoff threads: `//` notes kept on the case, Resolve (back to the bot,
// case and session closed), a transfer's reason asked for in a modal, and `/handoffs`, which
// lists the waiting and assigned conversations (the App Home shows the same list).

import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { addNote, caseNotes, completeResolvedSessions, latestCaseId, openCases } from '../../db/handoff-cases-repo.ts';
import { loadConversation, type HandoffConversation } from '../../db/handoff-repo.ts';
import { rebuildSessions } from '../../db/sessions-rebuild.ts';
import { parseHandoffsArgs, transferReason } from '../../domain/handoff-desk.ts';
import { mayHandleHandoffs } from '../../domain/handoff.ts';
import { SESSION_GAP_MS } from '../../domain/sessions.ts';
import { openView } from '../../notify/slack.ts';
import type { MessageLike } from './app.ts';
import { escapeSlackText } from './format.ts';
import { deskBlocks, deskText, notesText, transferModal, TRANSFER_MODAL, TRANSFER_REASON_BLOCK, TRANSFER_REASON_FIELD, type TransferMeta } from './handoff-desk-blocks.ts';
import { onAction, type HandoffWork } from './handoff-listeners.ts';

/** A `//` message in a handoff thread: kept on the case, never sent to the customer. */
export async function storeNote(work: HandoffWork, c: HandoffConversation, m: MessageLike, text: string): Promise<void> {
  if (!text || typeof m.user !== 'string') return;
  const actor = await work.actorOf(m.user);
  const stored = await addNote(work.deps.pool, { conversationId: c.id, authorId: actor?.userId ?? null, slackTs: m.ts, text, at: work.deps.now() });
  work.log.info({ conversationId: c.id, stored }, 'handoff: private note');
}

/** After Resolve: the sessions recomputed, so the resolved one reads complete (completeResolvedSessions). */
export async function afterResolve(work: HandoffWork, conversationId: number): Promise<void> {
  const db = await work.deps.pool.connect();
  try {
    await rebuildSessions(db, [conversationId], work.deps.now());
    // a conversation whose sessions were all there already: rebuildSessions changed nothing, and ran no hook
    await completeResolvedSessions(db, [conversationId], SESSION_GAP_MS);
  } catch (err) {
    work.log.warn({ err, conversationId }, 'handoff: closing the session after Resolve failed (the next rebuild does it)');
  } finally {
    db.release();
  }
}

/** The Transfer menu: a person who may take customers gets the reason modal; anyone else, a refusal. */
export async function transferReasonModal(work: HandoffWork, client: WebClient, respond: RespondFn, triggerId: string, conversationId: number, to: string): Promise<void> {
  const target = await work.actorOf(to);
  if (!target || !mayHandleHandoffs(target.role)) {
    await respond({ response_type: 'ephemeral', replace_original: false, text: `Nothing changed: <@${to}> cannot take customer conversations (support agents, team leads and admins can).` });
    return;
  }
  await openView(client.views, { trigger_id: triggerId, view: transferModal({ conversationId, to }) });
}

function parseMeta(raw: string): TransferMeta | undefined {
  try {
    const m = JSON.parse(raw) as Partial<TransferMeta>;
    return Number.isInteger(m.conversationId) && typeof m.to === 'string' ? { conversationId: m.conversationId!, to: m.to } : undefined;
  } catch {
    return undefined;
  }
}

/** A respond() for work done from a modal (no response_url): said privately in the thread. */
function whisperer(work: HandoffWork, client: WebClient, c: HandoffConversation, user: string): RespondFn {
  const say = async (msg: string | { text?: string }): Promise<void> => work.whisper(client, c, user, typeof msg === 'string' ? msg : (msg.text ?? ''));
  // onAction reads nothing from respond()'s answer: the response_url's reply has no meaning here
  return say as unknown as RespondFn;
}

export function registerDeskActions(app: App, work: HandoffWork): void {
  const { deps, log } = work;

  app.view(TRANSFER_MODAL, async ({ ack, view, body, client }) => {
    const reason = transferReason(view.state.values[TRANSFER_REASON_BLOCK]?.[TRANSFER_REASON_FIELD]?.value);
    if (!reason) return void (await ack({ response_action: 'errors', errors: { [TRANSFER_REASON_BLOCK]: 'Please say why you transfer this conversation.' } }));
    await ack();
    const meta = parseMeta(view.private_metadata);
    if (!meta) return void log.warn({ user: body.user.id }, 'handoff: transfer modal without readable metadata');
    const c = await loadConversation(deps.pool, meta.conversationId);
    if (!c) return;
    try {
      await onAction(work, client, whisperer(work, client, c, body.user.id), body.user.id, 'transfer', c.id, meta.to, reason);
    } catch (err) {
      log.error({ err, conversationId: c.id }, 'handoff: transfer failed');
      await work.whisper(client, c, body.user.id, 'Sorry, that did not work just now. Nothing was changed.');
    }
  });

  app.command('/handoffs', async ({ command, ack, respond, client }) => {
    await ack();
    const tell = (text: string) => respond({ response_type: 'ephemeral', text });
    try {
      const args = parseHandoffsArgs(command.text ?? '');
      if (args.kind === 'bad') return void (await tell(escapeSlackText(args.reason)));
      const actor = await work.actorOf(command.user_id);
      if (!actor || !mayHandleHandoffs(actor.role)) return void (await tell('The handoff desk is for support agents, team leads and admins, and you have no such role yet. Ask an admin: `/pulse role @you agent`.'));
      if (args.kind === 'list') {
        const cases = await openCases(deps.pool);
        const now = deps.now();
        return void (await respond({ response_type: 'ephemeral', text: deskText(cases, now), blocks: deskBlocks(cases, now) }));
      }
      const c = await loadConversation(deps.pool, args.conversationId);
      if (!c) return void (await tell(`There is no conversation ${args.conversationId}.`));
      if (args.kind === 'notes') {
        const caseId = await latestCaseId(deps.pool, c.id);
        return void (await tell(caseId !== undefined ? notesText(c.id, await caseNotes(deps.pool, caseId)) : `Conversation ${c.id} has never been handed off.`));
      }
      const done = await onAction(work, client, respond, command.user_id, args.kind, c.id);
      if (done) await tell(args.kind === 'resolve' ? `:white_check_mark: Conversation ${c.id} resolved: back with the bot, its case closed.` : `Conversation ${c.id}: the customer is unblocked.`);
    } catch (err) {
      log.error({ err, user: command.user_id }, 'handoff: /handoffs failed');
      await tell('Sorry, that did not work just now. Please try again in a minute.').catch(() => {});
    }
  });
}
