// Block Kit for the desk: the list of open cases (`/handoffs` and the App Home's section), a
// case's private notes, and the modal asking why a conversation is transferred.

import type { types } from '@slack/bolt';
import type { CaseNote, DeskCase } from '../../db/handoff-cases-repo.ts';
import { caseAge } from '../../domain/handoff-desk.ts';
import { reasonLabel } from '../../domain/handoff.ts';
import { escapeSlackText, truncate } from './format.ts';
import { customerLabel, mention } from './handoff-blocks.ts';

export type Block = types.KnownBlock;

export const TRANSFER_MODAL = 'handoff_transfer_reason';
export const TRANSFER_REASON_BLOCK = 'handoff_transfer_reason';
export const TRANSFER_REASON_FIELD = 'reason';

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

/** One case, one line: conversation, customer, page, age, reason, who has it. */
export function deskLine(c: DeskCase, now: Date): string {
  const who = c.state === 'waiting' ? ':hourglass_flowing_sand: waiting' : `:bust_in_silhouette: ${mention(c.assigneeSlackId, c.assigneeName)}`;
  const transfer = c.lastTransferReason ? ` · transferred: _${escapeSlackText(truncate(c.lastTransferReason, 120))}_` : '';
  const notes = c.notes ? ` · ${c.notes} note${c.notes === 1 ? '' : 's'}` : '';
  return `*${c.conversationId}* ${escapeSlackText(customerLabel(c))} · ${escapeSlackText(c.pageName)} · ${caseAge(c.openedAt, now)} · ${escapeSlackText(reasonLabel(c.reason))} · ${who}${transfer}${notes}`;
}

/** The open cases as sections of lines (each under Slack's 3,000 characters), or that there are none. */
export function deskBlocks(cases: readonly DeskCase[], now: Date): Block[] {
  const waiting = cases.filter((c) => c.state === 'waiting').length;
  const head = `*Handoff desk:* ${waiting} waiting, ${cases.length - waiting} assigned`;
  if (!cases.length) return [{ type: 'section', text: mrkdwn(`${head}. Nobody is waiting for a person.`) }];
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(head) }];
  let chunk: string[] = [];
  const flush = () => {
    if (chunk.length) blocks.push({ type: 'section', text: mrkdwn(chunk.join('\n')) });
    chunk = [];
  };
  for (const c of cases) {
    const line = `• ${deskLine(c, now)}`;
    if ([...chunk, line].join('\n').length > 2900) flush();
    chunk.push(line);
  }
  flush();
  blocks.push({ type: 'context', elements: [mrkdwn('Age: since the handoff. Open the thread to answer; `/handoffs notes <id>` shows a case\'s private notes.')] });
  return blocks;
}

/** The plain-text fallback of the list. */
export const deskText = (cases: readonly DeskCase[], now: Date): string =>
  cases.length ? cases.map((c) => deskLine(c, now)).join('\n') : 'Nobody is waiting for a person.';

export function notesText(conversationId: number, notes: readonly CaseNote[]): string {
  if (!notes.length) return `No private notes on the case of conversation ${conversationId}.`;
  const lines = notes.map((n) => `• ${escapeSlackText(n.author ?? 'someone')} (${n.at.toISOString().slice(0, 16).replace('T', ' ')} UTC): ${escapeSlackText(n.text)}`);
  return truncate(`*Private notes on conversation ${conversationId}* (never sent to the customer):\n${lines.join('\n')}`, 3000);
}

export interface TransferMeta {
  conversationId: number;
  to: string;
}

/** Asks why before a transfer: the reason is stored, audited and shown in the thread. */
export function transferModal(meta: TransferMeta): types.ModalView {
  return {
    type: 'modal',
    callback_id: TRANSFER_MODAL,
    private_metadata: JSON.stringify(meta),
    title: plain('Transfer conversation'),
    submit: plain('Transfer'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: mrkdwn(`Transfer conversation ${meta.conversationId} to ${mention(meta.to)}.`) },
      {
        type: 'input', block_id: TRANSFER_REASON_BLOCK, label: plain('Why? (shown in the thread)'),
        element: { type: 'plain_text_input', action_id: TRANSFER_REASON_FIELD, multiline: true, min_length: 1, max_length: 500 },
      },
    ],
  };
}

/** A Home view with the desk's section at the end (Slack allows 100 blocks per view; the list takes at most 40 cases). */
export function withDesk<V extends { blocks: Block[] }>(view: V, cases: readonly DeskCase[], now: Date): V {
  const desk = deskBlocks(cases, now);
  const room = 100 - view.blocks.length - 2;
  if (room <= 0) return view;
  return { ...view, blocks: [...view.blocks, { type: 'divider' }, { type: 'header', text: plain('Handoff desk') }, ...desk.slice(0, room)] };
}
