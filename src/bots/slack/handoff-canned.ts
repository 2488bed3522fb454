// `/canned <name> [conversation id]`: sends a MessageTemplate, its {{variables}} filled, to the
// customer of a handed-off conversation. Slash commands carry no thread, so the conversation is
// the one given by id, or else the one conversation assigned to the caller; `/canned` alone
// lists the templates. The sent text is shown in the conversation's thread. `/canned list
// [category]`, `add`, `edit` and `remove` (leads and admins) are canned-manage.ts.

import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { assignedConversations, cannedTemplate, countTemplateUse, loadConversation, type HandoffConversation, type HandoffUser } from '../../db/handoff-repo.ts';
import { parseCannedCommand } from '../../domain/canned.ts';
import { mayAct, mayHandleHandoffs, refusalText, renderTemplate, templateVars } from '../../domain/handoff.ts';
import { listAnswer, manageCanned } from './canned-manage.ts';
import type { SlackDeps } from './deps.ts';
import { escapeSlackText } from './format.ts';
import { customerLabel } from './handoff-blocks.ts';
import type { HandoffWork } from './handoff-listeners.ts';

/** The conversation a /canned is for: by id, else the caller's one assigned conversation. */
async function pickConversation(deps: SlackDeps, actor: HandoffUser, id: number | undefined): Promise<HandoffConversation | string> {
  if (id !== undefined) return (await loadConversation(deps.pool, id)) ?? `There is no conversation ${id}.`;
  const mine = await assignedConversations(deps.pool, actor.userId);
  if (mine.length === 1) return mine[0]!;
  if (!mine.length) return 'You have no handed-off conversation assigned to you. Press *Assign to me* in its thread first, or add its id: `/canned &lt;name&gt; &lt;conversation id&gt;`.';
  const list = mine.map((c) => `• ${c.id} — ${escapeSlackText(customerLabel(c))}`).join('\n');
  return `You have ${mine.length} conversations; say which one: \`/canned &lt;name&gt; &lt;conversation id&gt;\`\n${list}`;
}

export function registerCanned(app: App, deps: SlackDeps, work: HandoffWork): void {
  async function canned(client: WebClient, respond: RespondFn, o: { user: string; channel: string; text: string; key: string }): Promise<void> {
    const tell = (text: string) => respond({ response_type: 'ephemeral', text });
    const args = parseCannedCommand(o.text);
    if (args.kind === 'bad') return void (await tell(escapeSlackText(args.reason)));
    const actor = await work.actorOf(o.user);
    if (!actor || !mayHandleHandoffs(actor.role)) return void (await tell('Nothing was sent: only support agents, team leads and admins use canned responses, and you have no such role yet. Ask an admin: `/pulse role @you agent`.'));
    if (args.kind === 'list') return void (await tell(await listAnswer(deps, { scope: args.scope, channel: o.channel, category: args.category })));
    if (args.kind !== 'send') return void (await tell(await manageCanned(deps, actor, args, o.channel)));
    const c = await pickConversation(deps, actor, args.conversationId);
    if (typeof c === 'string') return void (await tell(c));
    // the thread is where people follow the conversation: no thread, no human answers
    if (!c.threadTs) return void (await tell(`Conversation ${c.id} was never handed off to people (it has no handoff thread); nothing was sent.`));
    const allowed = mayAct('canned', actor, c.assignedToId);
    if (!allowed.ok) return void (await tell(`Nothing was sent: ${allowed.reason}.`));
    const template = await cannedTemplate(deps.pool, args.name, c.pageDbId);
    if (!template) {
      const list = await listAnswer(deps, { scope: { kind: 'channel' }, channel: o.channel, page: { id: c.pageDbId, fbPageId: c.fbPageId, name: c.pageName ?? 'this page' } });
      return void (await tell(`There is no active template "${escapeSlackText(args.name)}" for this page.\n${list}`));
    }
    const rendered = renderTemplate(template.body, templateVars({ customerName: c.customerName, pageName: c.pageName, agentName: await work.displayName(client, actor) }));
    if (!rendered.ok) return void (await tell(`Nothing was sent: ${escapeSlackText(rendered.reason)}.`));
    const result = await work.sendAsHuman(client, c, actor, 'canned', o.key, rendered.text, { template: template.name });
    if (!result || result.status === 'duplicate') return;
    await countTemplateUse(deps.pool, template.id, result.status === 'sent');
    if (result.status !== 'sent') return void (await tell(escapeSlackText(refusalText(result))));
    await work.note(client, c, `<@${o.user}> sent the *${escapeSlackText(template.name)}* template:\n>${escapeSlackText(rendered.text).replace(/\n/g, '\n>')}`);
    await tell(`:white_check_mark: Sent *${escapeSlackText(template.name)}* to ${escapeSlackText(customerLabel(c))} (conversation ${c.id}).`);
  }

  app.command('/canned', async ({ command, ack, respond, client }) => {
    await ack();
    try {
      // one invocation, one send: Slack gives each command its own trigger_id
      await canned(client, respond, { user: command.user_id, channel: command.channel_id, text: command.text ?? '', key: `canned:${command.team_id || '-'}:${command.trigger_id}` });
    } catch (err) {
      work.log.error({ err, user: command.user_id }, 'handoff: /canned failed');
      await respond({ response_type: 'ephemeral', text: 'Sorry, that did not work just now. Please try again in a minute.' }).catch(() => {});
    }
  });
}
