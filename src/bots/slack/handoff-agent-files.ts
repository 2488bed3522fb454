// An agent's files in a handoff thread go to the customer (issue 19, point 5). A Slack message
// with files[] (subtype file_share, or files on a plain message) is checked like a text reply
// (role, assignment), its words are sent first under the text path's own key, then each file:
// checked (Slack holds it, not a program, within Messenger's 25 MB), downloaded from
// url_private_download with the bot token and sent through the Send API's attachment upload
// (src/bots/messenger/attachments.ts) under the same 24 h / HUMAN_AGENT rules. Whatever is not
// sent is said in the thread with the reason.

import type { WebClient } from '@slack/web-api';
import { audit, changeHandoff, conversationByThread, tagAgentMessage, type HandoffConversation, type HandoffUser } from '../../db/handoff-repo.ts';
import { rebuildSessions } from '../../db/sessions-rebuild.ts';
import { mayAct, mayHandleHandoffs, refusalText, threadReply } from '../../domain/handoff.ts';
import { MESSENGER_FILE_MAX_BYTES, formatBytes, planOutgoingFile, type SlackFileInfo } from '../../domain/messenger/attachments.ts';
import type { SendResult } from '../../domain/messenger/contracts.ts';
import { downloadCapped, trustedUrl } from '../../notify/download.ts';
import type { MessageLike } from './app.ts';
import { escapeSlackText } from './format.ts';
import { NEEDS_ROLE, mention } from './handoff-blocks.ts';
import type { HandoffWork } from './handoff-listeners.ts';

/** Where Slack serves files (files.slack.com); the bot token is sent nowhere else. */
const SLACK_FILE_HOSTS: readonly string[] = ['slack.com', 'slack-files.com'];

export type FilesMessage = MessageLike & { files: SlackFileInfo[]; user: string };

/** A person's message carrying files (not a bot's, not an edit). */
export const hasAgentFiles = (m: MessageLike & { files?: unknown }): m is FilesMessage =>
  Array.isArray(m.files) && m.files.length > 0 && typeof m.user === 'string' && m.bot_id === undefined && m.edited === undefined &&
  (m.subtype === undefined || m.subtype === 'file_share' || m.subtype === 'thread_broadcast');

export async function onAgentFiles(work: HandoffWork, client: WebClient, m: FilesMessage, eventId: string, botUserId?: string): Promise<void> {
  const { deps, whisper, actorOf, log } = work;
  if (!m.thread_ts || m.thread_ts === m.ts) return;
  if (botUserId && m.text?.includes(`<@${botUserId}>`)) return;
  const c = await conversationByThread(deps.pool, m.channel, m.thread_ts);
  if (!c) return;
  const reply = threadReply(m.text ?? '');
  // a `//` note with a file stays among colleagues
  if (reply.kind === 'note') return;
  const actor = await actorOf(m.user);
  const refused = (details: Record<string, unknown>) => audit(deps.pool, { actorId: actor?.userId ?? null, action: 'handoff.reply.refused', target: `conversation:${c.id}`, details: { slackId: m.user, ts: m.ts, eventId, files: m.files.length, ...details } });
  if (!actor || !mayHandleHandoffs(actor.role)) {
    log.warn({ user: m.user, conversationId: c.id }, 'handoff: files by a user without a role, not sent');
    await refused({ role: actor?.role ?? null });
    return whisper(client, c, m.user, NEEDS_ROLE);
  }
  const allowed = mayAct('reply', actor, c.assignedToId);
  if (!allowed.ok) {
    await refused({ role: actor.role, reason: allowed.reason });
    return whisper(client, c, m.user, `Your message and its files were *not* sent: ${allowed.reason}.`);
  }
  if (!work.opts.sender.sendFile) return whisper(client, c, m.user, 'Files are *not* sent to the customer here: only text replies are. Nothing was sent.');
  if (!c.psid) return work.note(client, c, 'Not sent: this conversation has no Messenger customer to answer.');

  let sent = false;
  // the words first, under the text path's key: a repeated event sends neither twice
  if (reply.kind === 'send') {
    const text = await work.sendAsHuman(client, c, actor, 'reply', `human:${m.channel}:${m.ts}`, reply.text, { ts: m.ts, eventId });
    if (!text || text.status === 'refused' || text.status === 'failed') {
      if (text) await work.note(client, c, `${mention(actor.slackId)}: the attached file${m.files.length > 1 ? 's were' : ' was'} not sent either.`);
      return;
    }
    sent = text.status === 'sent';
  }
  let filesSent = 0;
  for (const f of m.files) {
    const result = await sendOne(work, client, c as HandoffConversation & { psid: string }, actor, m, f);
    if (result === 'sent') filesSent++;
  }
  if (filesSent > 0 && reply.kind !== 'send') {
    // files alone: the person has the conversation now, as after a text reply
    const changed = await changeHandoff(deps.pool, { conversationId: c.id, actor, action: 'reply', details: { ts: m.ts, eventId, files: filesSent } });
    if (changed.ok && (changed.before.state !== changed.after.state || changed.before.assignedToId !== changed.after.assignedToId)) await work.refresh(client, changed.conversation);
  }
  if (filesSent > 0) await rebuild(work, c.id);
  if (sent || filesSent > 0) await whisper(client, c, m.user, ':white_check_mark: Sent to the customer.');
}

/** One file: checked, downloaded when the window allows, sent; a refusal is said in the thread. */
async function sendOne(work: HandoffWork, client: WebClient, c: HandoffConversation & { psid: string }, actor: HandoffUser, m: FilesMessage, f: SlackFileInfo): Promise<SendResult['status']> {
  const { deps, log } = work;
  const name = f.name ?? f.id;
  const tell = (why: string) => work.note(client, c, `${mention(actor.slackId)}: *${escapeSlackText(name)}* was not sent to the customer: ${escapeSlackText(why)}`);
  const plan = planOutgoingFile(f);
  if (!plan.ok) {
    await tell(`${plan.reason}.`);
    return 'refused';
  }
  if (!trustedUrl(plan.url, SLACK_FILE_HOSTS, [deps.config.slack.apiUrl])) {
    await tell('its download link is not on Slack.');
    return 'refused';
  }
  const token = client.token ?? deps.config.slack.botToken;
  const load = async (): Promise<Uint8Array | { error: string }> => {
    const d = await downloadCapped(plan.url, { maxBytes: MESSENGER_FILE_MAX_BYTES, headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!d.ok) return { error: d.reason === 'too_large' ? `it is over Messenger's ${formatBytes(MESSENGER_FILE_MAX_BYTES)} limit for a file` : `it could not be downloaded from Slack (${d.detail})` };
    // without the files:read scope Slack answers its sign-in page, not the file
    if (d.contentType === 'text/html' && plan.contentType !== 'text/html') return { error: 'Slack answered a web page instead of the file (does the app have the files:read scope?)' };
    return d.bytes;
  };
  let result: SendResult;
  try {
    result = await work.opts.sender.sendFile!({
      key: `human:${m.channel}:${m.ts}:file:${f.id}`, pageId: c.fbPageId, psid: c.psid, conversationId: c.id, sender: 'human',
      type: plan.type, filename: plan.name, contentType: plan.contentType, load,
    });
  } catch (err) {
    log.error({ err, conversationId: c.id, file: f.id }, 'handoff: file send failed');
    await tell('Messenger did not answer just now. Please share it again.');
    return 'failed';
  }
  if (result.status === 'sent' && result.messageId) {
    const who = (await work.displayName(client, actor)) ?? actor.slackId;
    await tagAgentMessage(deps.pool, result.messageId, { id: actor.slackId, name: who }).catch((err: unknown) => log.warn({ err }, 'handoff: naming the agent on the file failed'));
  }
  if (result.status === 'refused' || result.status === 'failed') await tell(refusalText(result).replace(/^Not sent(?: to the customer)?: /, ''));
  return result.status;
}

async function rebuild(work: HandoffWork, conversationId: number): Promise<void> {
  const db = await work.deps.pool.connect();
  try {
    await rebuildSessions(db, [conversationId], work.deps.now());
  } catch (err) {
    work.log.warn({ err, conversationId }, 'handoff: rebuilding the sessions failed (the next customer message does it)');
  } finally {
    db.release();
  }
}
