// Block Kit for the handoff thread's parent message: who the customer is, why they were handed
// off, the recent history, who has the conversation now, and the buttons to act on it.

import type { types } from '@slack/bolt';
import type { HandoffConversation } from '../../db/handoff-repo.ts';
import { historySummary, reasonLabel, type HistoryLine } from '../../domain/handoff.ts';
import type { OutsideLine } from '../../domain/messenger/contracts.ts';
import { SLACK_LIMITS } from '../../domain/block-kit.ts';
import { escapeSlackText, truncate } from './format.ts';

export type Block = types.KnownBlock;

export const HANDOFF_ACTION = {
  assign: 'handoff_assign',
  transfer: 'handoff_transfer',
  resume: 'handoff_resume',
  block: 'handoff_block',
  resolve: 'handoff_resolve',
  unblock: 'handoff_unblock',
} as const;

/** Told (ephemerally) to someone without a role who writes in a handoff thread. */
export const NEEDS_ROLE = 'Your reply was *not* sent to the customer: only support agents, team leads and admins answer customers here, and you have no such role yet. Ask an admin: `/pulse role @you agent`.';

/** The actions block's id carries the conversation (a users_select has no value of its own). */
export const actionsBlockId = (conversationId: number): string => `handoff_actions:${conversationId}`;
export const conversationOfBlockId = (blockId: string | undefined): number | undefined => {
  const m = /^handoff_actions:(\d+)$/.exec(blockId ?? '');
  return m ? Number(m[1]) : undefined;
};

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

export const customerLabel = (c: Pick<HandoffConversation, 'customerName' | 'psid'>): string =>
  c.customerName?.trim() || (c.psid ? `customer …${c.psid.slice(-4)}` : 'a customer');

/** "<@U1>" for a Slack user id, else the escaped name. */
export const mention = (slackId: string | null, name?: string | null): string =>
  slackId && /^[UW][A-Z0-9]+$/.test(slackId) ? `<@${slackId}>` : escapeSlackText(name ?? 'someone');

export function stateText(c: HandoffConversation): string {
  if (c.state === 'bot') return ':robot_face: Back with the bot';
  if (c.assignedToId !== null) return `:bust_in_silhouette: Assigned to ${mention(c.assigneeSlackId, c.assigneeName)}`;
  return ':hourglass_flowing_sand: Waiting for someone to take it';
}

/** The fallback text (notifications, screen readers) of the parent message. */
export const parentText = (c: HandoffConversation): string =>
  `Handoff: ${customerLabel(c)} on ${c.pageName ?? 'Messenger'} (${reasonLabel(c.reason)})`;

export interface ParentOptions {
  history: readonly HistoryLine[];
  now: Date;
  timeZone: string;
}

export function parentBlocks(c: HandoffConversation, o: ParentOptions): Block[] {
  const head = truncate(`*${escapeSlackText(customerLabel(c))}* on *${escapeSlackText(c.pageName ?? 'Messenger')}* needs a person — ${escapeSlackText(reasonLabel(c.reason))}`, SLACK_LIMITS.sectionText);
  const lines = historySummary(o.history, { now: o.now, timeZone: o.timeZone }).map(escapeSlackText);
  const summary = lines.length ? truncate(lines.join('\n'), 2900) : '_No messages stored yet._';
  const flags = [stateText(c), `conversation ${c.id}`, ...(c.blocked ? [':no_entry: customer blocked'] : [])];
  const buttons: types.ActionsBlockElement[] = [
    { type: 'button', action_id: HANDOFF_ACTION.assign, text: plain('Assign to me'), value: String(c.id), ...(c.state === 'human' ? {} : { style: 'primary' as const }) },
    { type: 'users_select', action_id: HANDOFF_ACTION.transfer, placeholder: plain('Transfer to…') },
    { type: 'button', action_id: HANDOFF_ACTION.resume, text: plain('Resume bot'), value: String(c.id) },
    { type: 'button', action_id: HANDOFF_ACTION.resolve, text: plain('Resolve'), value: String(c.id) },
  ];
  if (c.blocked) {
    buttons.push({ type: 'button', action_id: HANDOFF_ACTION.unblock, text: plain('Unblock customer'), value: String(c.id) });
  } else {
    buttons.push({
      type: 'button', action_id: HANDOFF_ACTION.block, text: plain('Block customer'), value: String(c.id), style: 'danger',
      confirm: { title: plain('Block this customer?'), text: plain('The bot will ignore their messages (they are still stored and flagged).'), confirm: plain('Block'), deny: plain('Cancel') },
    });
  }
  return [
    { type: 'section', block_id: 'handoff_head', text: mrkdwn(head) },
    { type: 'section', block_id: 'handoff_history', text: mrkdwn(summary) },
    { type: 'context', block_id: 'handoff_state', elements: [mrkdwn(flags.join('  ·  '))] },
    { type: 'actions', block_id: actionsBlockId(c.id), elements: buttons },
    { type: 'context', block_id: 'handoff_help', elements: [mrkdwn('Reply in this thread to answer the customer. Start a reply with `//` for a private note, kept on the case and never sent to the customer. *Resolve* closes the case and gives the conversation back to the bot. `/canned &lt;name&gt;` sends a template.')] },
  ];
}

/** A customer's new message in the thread. */
export function customerLine(c: Pick<HandoffConversation, 'customerName' | 'psid' | 'blocked'>, text: string): string {
  // escaped first, then cut as a whole: Slack counts `&amp;`, not `&`, against the section's 3,000
  const who = `${c.blocked ? ':no_entry: (blocked) ' : ''}*${truncate(escapeSlackText(customerLabel(c)), 200)}:* `;
  const body = text.trim() ? escapeSlackText(text.trim()) : '_(no text: an attachment or a sticker)_';
  return truncate(`${who}${body}`, SLACK_LIMITS.sectionText);
}

/** The customer's line as a verbatim block: a link they wrote is shown, never made clickable. */
export const customerBlocks = (line: string): Block[] => [{ type: 'section', block_id: 'handoff_customer', text: mrkdwn(line) }];

/**
 * A line from outside our bot and desk (humans first): a person's reply from another inbox, or
 * the customer's message seen on standby while another app owns the conversation.
 */
export function outsideLine(c: Pick<HandoffConversation, 'customerName' | 'psid' | 'blocked'>, line: OutsideLine): string {
  const body = line.text.trim() ? escapeSlackText(line.text.trim()) : '_(no text: an attachment or a sticker)_';
  if (line.kind === 'standby') {
    const who = `*${truncate(escapeSlackText(customerLabel(c)), 200)}* _(on standby: another app has this conversation; the bot stays silent)_:`;
    return truncate(`:hourglass: ${who} ${body}`, SLACK_LIMITS.sectionText);
  }
  const app = line.appId ? ` (app ${escapeSlackText(line.appId)})` : '';
  return truncate(`:busts_in_silhouette: *Reply from another inbox*${app} _(Meta Business Suite or another app; the bot pauses)_: ${body}`, SLACK_LIMITS.sectionText);
}

/** The outside line as a verbatim block, like a customer's. */
export const outsideBlocks = (line: string): Block[] => [{ type: 'section', block_id: 'handoff_outside', text: mrkdwn(line) }];
