// `/qa mine`: the open QA issues (sessions in state `issue`) that are the asker's to act on.
// Issues are not assigned to anyone: each is posted in QA_CHANNEL and emailed to every
// developer. So "mine" is defined by what qa_events record (db/qa-mine-repo.ts), and the reply
// says which definition it used:
// - a QA reviewer: the issues they raised (they are the one told when it is fixed);
// - a developer: every open issue, the ones that came back after they marked them fixed first;
// - a lead or an admin: every open issue, the ones they raised or fixed before first;
// - a support agent: nothing (agents neither raise nor fix issues).

import { openIssues, type OpenIssue } from '../../db/qa-mine-repo.ts';
import { qaCards } from '../../db/qa-review-repo.ts';
import { ROLE_LABELS, type Caller } from '../../domain/access.ts';
import { QUEUE_MAX } from '../../domain/qa-command.ts';
import { qaTargets } from '../../domain/qa.ts';
import { fitReply } from '../../notify/slack.ts';
import { cardButtons, cardSection, notice, type Block, type QaReply } from './qa-blocks.ts';
import type { SlackDeps } from './deps.ts';
import { escapeSlackText } from './format.ts';

/** `/qa mine` (any case, nothing after it). */
export const isQaMine = (text: string | undefined): boolean => /^\s*mine\s*$/i.test(text ?? '');

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function headText(caller: Caller, total: number, shown: number, pointing: number): string {
  const more = total > shown ? ` The first ${shown} are shown.` : '';
  if (caller.role === 'qa') {
    return `*Your open QA issues*: ${plural(total, 'session')} you raised ${total === 1 ? 'is' : 'are'} still waiting for a fix, oldest first.${more}`;
  }
  const all = `*Open QA issues*: ${plural(total, 'session')} in issue.`;
  const why = 'Issues are not assigned to one person (each is posted in QA_CHANNEL and emailed to every developer), so this lists all of them';
  if (pointing === 0) return `${all} ${why}, oldest first.${more}`;
  const yours = caller.role === 'developer'
    ? `${pointing} came back after you marked ${pointing === 1 ? 'it' : 'them'} fixed`
    : `${pointing} ${pointing === 1 ? 'is' : 'are'} yours (raised or fixed by you before)`;
  return `${all} ${why}: the ${pointing === 1 ? 'one' : `${pointing}`} pointing at you first (${yours}), then oldest first.${more}`;
}

function marker(item: OpenIssue, caller: Caller): string | undefined {
  if (item.fixedByYouBefore) return ':leftwards_arrow_with_hook: came back after you marked it fixed';
  if (item.raisedBy !== null && item.raisedBy === caller.userId && caller.role !== 'qa') return ':bust_in_silhouette: you raised this issue';
  return undefined;
}

export async function qaMineReply(deps: SlackDeps, slackUserId: string): Promise<QaReply> {
  const caller = await deps.callerOf(slackUserId);
  if (caller.role === 'agent' || caller.userId === undefined) {
    return notice(`/qa mine lists the open QA issues of reviewers and developers; you are ${ROLE_LABELS[caller.role]}. Try /qa queue, or ask an admin for a role.`);
  }
  const found = await openIssues(deps.pool, { userId: caller.userId, limit: QUEUE_MAX, ...(caller.role === 'qa' ? { raisedBy: caller.userId } : {}) });
  if (found.total === 0) {
    return notice(caller.role === 'qa' ? 'No open QA issues that you raised: nothing is waiting for a fix.' : 'No open QA issues: nothing is waiting for a fix.');
  }
  const cards = await qaCards(deps.pool, found.items.map((i) => i.sessionId));
  const byId = new Map(found.items.map((i) => [i.sessionId, i]));
  const pointing = found.items.filter((i) => marker(i, caller) !== undefined).length;
  const head = headText(caller, found.total, cards.length, pointing);
  const tz = deps.config.businessTimezone;
  // block ids as the queue's, so a Fixed press re-renders this list the same way
  const blocks: Block[] = [
    { type: 'section', block_id: 'qa_head', text: { type: 'mrkdwn', text: head, verbatim: true } },
    { type: 'context', block_id: 'qa_head_note', elements: [{ type: 'mrkdwn', text: `Times in ${escapeSlackText(tz)}`, verbatim: true }] },
  ];
  const list = cards.map((c) => c.sessionId);
  for (const c of cards) {
    blocks.push(cardSection(c, tz));
    const mark = marker(byId.get(c.sessionId)!, caller);
    if (mark) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mark, verbatim: true }] });
    blocks.push(cardButtons(c, qaTargets(c.qaStatus, caller.role), list));
  }
  const text = caller.role === 'qa' ? `Your open QA issues: ${found.total}.` : `Open QA issues: ${found.total}.`;
  return fitReply({ response_type: 'ephemeral' as const, text, blocks });
}

/** Answers `/qa mine` through the command's response_url (acked already); a failure is told, never thrown. */
export async function respondMine(deps: SlackDeps, slackUserId: string, respond: (r: QaReply) => Promise<unknown>, log: SlackDeps['logger']): Promise<void> {
  try {
    await respond(await qaMineReply(deps, slackUserId));
  } catch (err) {
    log.error({ err, user: slackUserId }, 'slack: /qa mine failed');
    await respond(notice('Sorry, I could not list your QA issues just now. Please try again in a minute.')).catch(() => {});
  }
}
