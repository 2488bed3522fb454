// QA assignments in Slack (issue 20, point 3): `/qa rules [add <rule> | remove <id>]` for the
// sampling rules (leads and admins change them, anyone may read them), `/qa queue mine` for a
// reviewer's assigned sessions, `/qa workload` for leads: per reviewer assigned, done, overdue.
// The rules are domain/qa-sampling.ts's; the reads and writes db/qa-assignments-repo.ts's.

import { addRule, listRules, myAssignments, removeRule, workload } from '../../db/qa-assignments-repo.ts';
import { qaCards } from '../../db/qa-review-repo.ts';
import { ROLE_LABELS, type Role } from '../../domain/access.ts';
import { QUEUE_MAX } from '../../domain/qa-command.ts';
import { describeRule, isOverdue, parseRule } from '../../domain/qa-sampling.ts';
import { qaTargets } from '../../domain/qa.ts';
import { fitReply } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import { cardButtons, cardSection, formatWhen, notice, type Block, type QaReply } from './qa-blocks.ts';
import { escapeSlackText } from './format.ts';

/** Who changes sampling rules and reads the team's workload. */
export const LEAD_ROLES: readonly Role[] = ['lead', 'admin'];

/** Workload counts assignments made in the last 30 days, and open ones of any age. */
const WORKLOAD_DAYS = 30;

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } });

export async function rulesReply(deps: SlackDeps, user: string, cmd: { action: 'list' } | { action: 'add'; text: string } | { action: 'remove'; ruleId: number }): Promise<QaReply> {
  const caller = await deps.callerOf(user);
  if (cmd.action !== 'list' && !LEAD_ROLES.includes(caller.role)) {
    return notice(`Only team leads and admins change sampling rules; you are ${ROLE_LABELS[caller.role]}. Nothing changed.`);
  }
  if (cmd.action === 'add') {
    const parsed = parseRule(cmd.text);
    if (!parsed.ok) return notice(`${parsed.problem} Nothing changed.`);
    const id = await addRule(deps.pool, parsed.rule, caller, 'slack');
    return notice(`Rule ${id} added: ${describeRule(parsed.rule)}. Each morning at 06:00 the last complete ${parsed.rule.period} is sampled and shared among the QA reviewers.`);
  }
  if (cmd.action === 'remove') {
    const ok = await removeRule(deps.pool, cmd.ruleId, caller, 'slack', deps.now());
    return notice(ok ? `Rule ${cmd.ruleId} removed: it samples nothing more; its assignments stay.` : `There is no active rule ${cmd.ruleId}. Nothing changed.`);
  }
  const rules = await listRules(deps.pool);
  if (rules.length === 0) return notice('No sampling rules: nothing is assigned to reviewers. A lead adds one with `/qa rules add 5 per agent per week`.');
  const lines = rules.map((r) => `• *Rule ${r.id}*: ${escapeSlackText(describeRule(r.rule))} · ${r.open} open`);
  return fitReply({ response_type: 'ephemeral' as const, text: `Sampling rules: ${rules.length}.`, blocks: [section(`*Sampling rules*\n${lines.join('\n')}`)] });
}

/** `/qa queue mine`: the asker's open assignments, soonest due first, with the queue's buttons. */
export async function assignedReply(deps: SlackDeps, user: string): Promise<QaReply> {
  const caller = await deps.callerOf(user);
  if (caller.userId === undefined) return notice('You have no assignments: sampling rules assign sessions to QA reviewers.');
  const found = await myAssignments(deps.pool, caller.userId, QUEUE_MAX);
  if (found.total === 0) return notice('Nothing is assigned to you: your review queue is empty.');
  const tz = deps.config.businessTimezone;
  const now = deps.now();
  const cards = await qaCards(deps.pool, found.items.map((a) => a.sessionId));
  const byId = new Map(found.items.map((a) => [a.sessionId, a]));
  const overdue = found.items.filter((a) => isOverdue({ dueAt: a.dueAt, doneAt: null }, now)).length;
  const more = found.total > cards.length ? ` The first ${cards.length} are shown.` : '';
  const head = `*Your review queue*: ${found.total} assigned session${found.total === 1 ? '' : 's'}${overdue ? `, ${overdue} overdue` : ''}, soonest due first. A scorecard review (\`/qa review <id>\`) or a verdict completes one.${more}`;
  const blocks: Block[] = [
    { type: 'section', block_id: 'qa_head', text: { type: 'mrkdwn', text: head, verbatim: true } },
    { type: 'context', block_id: 'qa_head_note', elements: [{ type: 'mrkdwn', text: `Times in ${escapeSlackText(tz)}`, verbatim: true }] },
  ];
  const list = cards.map((c) => c.sessionId);
  for (const c of cards) {
    const a = byId.get(c.sessionId)!;
    blocks.push(cardSection(c, tz));
    const late = isOverdue({ dueAt: a.dueAt, doneAt: null }, now);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${late ? ':rotating_light: *overdue*, was due' : ':calendar: due'} ${formatWhen(a.dueAt, tz)} · rule ${a.ruleId}`, verbatim: true }] });
    blocks.push(cardButtons(c, qaTargets(c.qaStatus, caller.role), list));
  }
  return fitReply({ response_type: 'ephemeral' as const, text: `Your review queue: ${found.total}${overdue ? `, ${overdue} overdue` : ''}.`, blocks });
}

/** `/qa workload` (leads): per reviewer assigned / done / overdue. */
export async function workloadReply(deps: SlackDeps, user: string): Promise<QaReply> {
  const caller = await deps.callerOf(user);
  if (!LEAD_ROLES.includes(caller.role)) return notice(`The reviewers' workload is for team leads and admins; you are ${ROLE_LABELS[caller.role]}. Try \`/qa queue mine\`.`);
  const now = deps.now();
  const rows = await workload(deps.pool, new Date(now.getTime() - WORKLOAD_DAYS * 86_400_000), now);
  if (rows.length === 0) return notice('No QA reviewers yet: give someone the role with `/pulse role @person qa`.');
  const tz = deps.config.businessTimezone;
  const who = (r: (typeof rows)[number]) => (r.slackId && /^[UW][A-Z0-9]+$/.test(r.slackId) ? `<@${r.slackId}>` : escapeSlackText(r.name ?? `user ${r.userId}`));
  const lines = rows.map((r) => {
    const late = r.overdue ? ` · :rotating_light: *${r.overdue} overdue* (oldest due ${formatWhen(r.oldestDue!, tz)})` : ' · none overdue';
    return `• ${who(r)}: ${r.assigned} assigned · ${r.done} done · ${r.assigned - r.done} open${late}`;
  });
  const overdue = rows.reduce((n, r) => n + r.overdue, 0);
  const head = `*Review workload*: assignments of the last ${WORKLOAD_DAYS} days and any still open; overdue = not reviewed by its due time (the rule's days after its period).`;
  return fitReply({ response_type: 'ephemeral' as const, text: `Review workload: ${rows.length} reviewers, ${overdue} overdue.`, blocks: [section(head), section(lines.join('\n'))] });
}
