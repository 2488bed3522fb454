// `/qa mine`: the open QA issues (sessions in state `issue`) that are the asker's to act on. The
// rule of which issues are "mine" and how the reply says so is src/domain/qa-mine.ts; the issues
// come from db/qa-mine-repo.ts; this file renders them.

import { openIssues } from '../../db/qa-mine-repo.ts';
import { mineHead, mineMarker, onlyRaisedBy } from '../../domain/qa-mine.ts';
import { qaCards } from '../../db/qa-review-repo.ts';
import { ROLE_LABELS } from '../../domain/access.ts';
import { QUEUE_MAX } from '../../domain/qa-command.ts';
import { qaTargets } from '../../domain/qa.ts';
import { fitReply } from '../../notify/slack.ts';
import { cardButtons, cardSection, notice, type Block, type QaReply } from './qa-blocks.ts';
import type { SlackDeps } from './deps.ts';
import { escapeSlackText } from './format.ts';

/** `/qa mine` (any case, nothing after it). */
export const isQaMine = (text: string | undefined): boolean => /^\s*mine\s*$/i.test(text ?? '');

export async function qaMineReply(deps: SlackDeps, slackUserId: string): Promise<QaReply> {
  const caller = await deps.callerOf(slackUserId);
  if (caller.role === 'agent' || caller.userId === undefined) {
    return notice(`/qa mine lists the open QA issues of reviewers and developers; you are ${ROLE_LABELS[caller.role]}. Try /qa queue, or ask an admin for a role.`);
  }
  const raisedBy = onlyRaisedBy(caller);
  const found = await openIssues(deps.pool, { userId: caller.userId, limit: QUEUE_MAX, ...(raisedBy !== undefined ? { raisedBy } : {}) });
  if (found.total === 0) {
    return notice(caller.role === 'qa' ? 'No open QA issues that you raised: nothing is waiting for a fix.' : 'No open QA issues: nothing is waiting for a fix.');
  }
  const cards = await qaCards(deps.pool, found.items.map((i) => i.sessionId));
  const byId = new Map(found.items.map((i) => [i.sessionId, i]));
  const pointing = found.items.filter((i) => mineMarker(i, caller) !== undefined).length;
  const head = mineHead(caller, found.total, cards.length, pointing);
  const tz = deps.config.businessTimezone;
  // block ids as the queue's, so a Fixed press re-renders this list the same way
  const blocks: Block[] = [
    { type: 'section', block_id: 'qa_head', text: { type: 'mrkdwn', text: head, verbatim: true } },
    { type: 'context', block_id: 'qa_head_note', elements: [{ type: 'mrkdwn', text: `Times in ${escapeSlackText(tz)}`, verbatim: true }] },
  ];
  const list = cards.map((c) => c.sessionId);
  for (const c of cards) {
    blocks.push(cardSection(c, tz));
    const mark = mineMarker(byId.get(c.sessionId)!, caller);
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
