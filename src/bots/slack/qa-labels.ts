// Classification review in Slack (issue 20, point 10): `/qa queue lowconf [below x] [n]` lists
// the customer messages of the last 30 days the classifier was least sure of (not corrected yet),
// and `/qa label <message id> <label>` corrects one. The correction is kept apart from the
// model's label and audited (db/message-labels-repo.ts); topic counts take it from then on.

import { correctLabel, lowConfidenceMessages } from '../../db/message-labels-repo.ts';
import { customerDataDenial, mayReadCustomerData } from '../../domain/access.ts';
import { TOPIC_LABELS } from '../../domain/topics.ts';
import { fitReply } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import { formatWhen, notice, type Block, type QaReply } from './qa-blocks.ts';
import { escapeSlackText } from './format.ts';

const WINDOW_DAYS = 30;

export async function lowconfReply(deps: SlackDeps, user: string, cmd: { below: number; limit: number }): Promise<QaReply> {
  const caller = await deps.callerOf(user);
  if (!mayReadCustomerData(caller.role)) return notice(`Sorry, ${customerDataDenial(caller.role)}`);
  const end = deps.now();
  const start = new Date(end.getTime() - WINDOW_DAYS * 86_400_000);
  const found = await lowConfidenceMessages(deps.pool, { below: cmd.below, start, end, limit: cmd.limit });
  if (found.total === 0) return notice(`No customer message of the last ${WINDOW_DAYS} days was classified with confidence under ${cmd.below} (corrected ones left out).`);
  const tz = deps.config.businessTimezone;
  const head = `*Unsure classifications*: ${found.total} customer message${found.total === 1 ? '' : 's'} of the last ${WINDOW_DAYS} days classified with confidence under ${cmd.below}, least sure first${found.total > found.items.length ? `; the first ${found.items.length} are shown` : ''}. Correct one with \`/qa label <message id> <label>\`.`;
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: head, verbatim: true } }];
  for (const m of found.items) {
    const where = `${escapeSlackText(m.page)} · ${formatWhen(m.at, tz)}${m.sessionId !== null ? ` · session ${m.sessionId}` : ''}`;
    const text = [`*Message ${m.messageId}* · \`${escapeSlackText(m.label ?? 'unlabelled')}\` at ${m.confidence.toFixed(2)} · ${where}`, `> ${escapeSlackText(m.excerpt) || '_(no text)_'}`].join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Labels: ${TOPIC_LABELS.join(', ')} · times in ${escapeSlackText(tz)}`, verbatim: true }] });
  return fitReply({ response_type: 'ephemeral' as const, text: `Unsure classifications: ${found.total}.`, blocks });
}

export async function labelReply(deps: SlackDeps, user: string, cmd: { messageId: number; label: string }): Promise<QaReply> {
  const caller = await deps.callerOf(user);
  const r = await correctLabel(deps.pool, { messageId: cmd.messageId, label: cmd.label, actor: caller, source: 'slack', at: deps.now() });
  if (!r.ok) return notice(`${r.reason.charAt(0).toUpperCase()}${r.reason.slice(1)}. Nothing changed.`);
  if (r.unchanged) return notice(`Message ${r.messageId} is labelled ${r.to} already. Nothing changed.`);
  return notice(`Message ${r.messageId} is now labelled ${r.to} (was ${r.from ?? 'unlabelled'}; the model said ${r.modelLabel ?? 'nothing'}). Topic counts use your label from now on.`);
}
