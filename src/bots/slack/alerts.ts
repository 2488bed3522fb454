// `/alert` (list for admins and leads; add, remove, mute for admins) and the "Show
// conversations" button of a posted firing, which lists the affected sessions to the presser
// with the QA buttons their role allows.
import type { App } from '@slack/bolt';
import { createRule, deleteRule, listRules, muteRule, type AlertRule } from '../../db/alerts-repo.ts';
import { findEvent } from '../../db/alerts-repo.ts';
import { qaCards } from '../../db/qa-review-repo.ts';
import { ALERT_USAGE, parseAlertCommand, type AlertCommand } from '../../domain/alerts-command.ts';
import { comparisonSymbol, formatMetricValue, formatMinutes } from '../../domain/alerts.ts';
import type { Caller } from '../../domain/access.ts';
import { qaTargets } from '../../domain/qa.ts';
import { SHOW_SESSIONS_ACTION } from '../../jobs/alerts/post.ts';
import type { SlackDeps } from './deps.ts';
import { fitMessage } from '../../domain/block-kit.ts';
import { escapeSlackText } from './format.ts';
import { formatWhen, queueBlocks, type Block } from './qa-blocks.ts';

interface Reply {
  response_type: 'ephemeral';
  text: string;
  blocks: Block[];
}

const reply = (text: string): Reply => fitMessage<Reply>({ response_type: 'ephemeral', text: text.replace(/[*`]/g, ''), blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }] });
/** The usage, escaped: `<name>` and `>` are Slack markup otherwise. */
const USAGE = escapeSlackText(ALERT_USAGE);

function ruleLine(r: AlertRule, now: Date, timeZone: string): string {
  const muted = r.mutedUntil && r.mutedUntil > now ? ` · muted until ${formatWhen(r.mutedUntil, timeZone)}` : '';
  const state = r.state === 'firing' ? ':rotating_light: firing' : 'ok';
  const last = r.lastValue === null ? '' : ` · last ${formatMetricValue(r.metric, r.lastValue)}`;
  return `*${escapeSlackText(r.name)}* — ${r.metric} ${comparisonSymbol(r.comparison)} ${r.threshold}, window ${formatMinutes(r.windowMinutes)}, cooldown ${formatMinutes(r.cooldownMinutes)}, <#${r.channel}> · ${state}${last}${muted}${r.active ? '' : ' · inactive'}`;
}

/** What `/alert …` answers; exported for tests of the parsing-to-reply path without Slack. */
export async function alertReply(deps: SlackDeps, caller: Caller, cmd: AlertCommand): Promise<Reply> {
  const tz = deps.config.businessTimezone;
  const now = deps.now();
  if (cmd.kind === 'help') return reply(`*Alerts*\n${USAGE}`);
  if (cmd.kind === 'error') return reply(`${escapeSlackText(cmd.message)}\n${USAGE}`);
  if (cmd.kind === 'list') {
    if (caller.role !== 'admin' && caller.role !== 'lead') return reply('Sorry, only admins and leads may see alert rules.');
    const rules = await listRules(deps.pool);
    return reply(rules.length ? `*Alert rules* (${rules.length})\n${rules.map((r) => `• ${ruleLine(r, now, tz)}`).join('\n')}` : 'No alert rules yet. Add one with `/alert add`.');
  }
  if (caller.role !== 'admin') return reply('Sorry, only admins may change alert rules.');
  switch (cmd.kind) {
    case 'add': {
      const channel = cmd.channel ?? deps.config.channels.alerts;
      if (!channel) return reply('Which channel? Add a #channel to the command, or set ALERTS_CHANNEL.');
      const rule = await createRule(deps.pool, {
        name: cmd.name, metric: cmd.metric, comparison: cmd.comparison, threshold: cmd.threshold, windowMinutes: cmd.windowMinutes, cooldownMinutes: cmd.cooldownMinutes, channel,
      });
      return rule ? reply(`Added: ${ruleLine(rule, now, tz)}`) : reply(`A rule named *${escapeSlackText(cmd.name)}* exists already; remove it first or pick another name.`);
    }
    case 'remove':
      return (await deleteRule(deps.pool, { name: cmd.name })) ? reply(`Removed *${escapeSlackText(cmd.name)}*.`) : reply(`There is no rule named *${escapeSlackText(cmd.name)}*.`);
    case 'mute': {
      const until = cmd.minutes === 0 ? null : new Date(now.getTime() + cmd.minutes * 60_000);
      const rule = await muteRule(deps.pool, cmd.name, until);
      if (!rule) return reply(`There is no rule named *${escapeSlackText(cmd.name)}*.`);
      return reply(until ? `Muted *${escapeSlackText(rule.name)}* until ${formatWhen(until, tz)} (${tz}).` : `Unmuted *${escapeSlackText(rule.name)}*.`);
    }
  }
}

/** The sessions behind an alert event, with QA buttons for this caller. */
export async function showSessionsReply(deps: SlackDeps, caller: Caller, eventId: number): Promise<Reply> {
  const e = await findEvent(deps.pool, eventId);
  if (!e) return reply('That alert is no longer stored.');
  const cards = await qaCards(deps.pool, e.sessionIds);
  if (cards.length === 0) return reply(`No sessions to show for *${escapeSlackText(e.ruleName)}* (they may have been deleted).`);
  const head: Block[] = [
    { type: 'section', block_id: 'alert_sessions_head', text: { type: 'mrkdwn', verbatim: true, text: `*${escapeSlackText(e.ruleName)}*: ${cards.length} session${cards.length === 1 ? '' : 's'} behind this alert` } },
  ];
  return fitMessage<Reply>({ response_type: 'ephemeral', text: `${escapeSlackText(e.ruleName)}: ${cards.length} sessions`, blocks: queueBlocks(head, cards, { timeZone: deps.config.businessTimezone, targets: (c) => qaTargets(c.qaStatus, caller.role) }) });
}

export function registerAlerts(app: App, deps: SlackDeps): void {
  const log = deps.logger.child({ component: 'slack', command: '/alert' });

  app.command('/alert', async ({ command, ack, respond }) => {
    // parsing is instant; the answer comes through response_url so slow queries never miss the 3 s ack
    await ack();
    try {
      const caller = await deps.callerOf(command.user_id);
      await respond(await alertReply(deps, caller, parseAlertCommand(command.text ?? '')));
    } catch (err) {
      log.error({ err, user: command.user_id }, 'slack: /alert failed');
      await respond(reply('Sorry, that did not work just now. Please try again in a minute.'));
    }
  });

  app.action(SHOW_SESSIONS_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    let eventId: number | undefined;
    try {
      const v = 'value' in action && typeof action.value === 'string' ? (JSON.parse(action.value) as { eventId?: unknown }) : {};
      eventId = typeof v.eventId === 'number' && Number.isInteger(v.eventId) ? v.eventId : undefined;
    } catch {
      eventId = undefined;
    }
    if (eventId === undefined) return void (await respond({ ...reply('That button is not one of mine.'), replace_original: false }));
    try {
      const caller = await deps.callerOf(body.user.id);
      await respond({ ...(await showSessionsReply(deps, caller, eventId)), replace_original: false });
    } catch (err) {
      log.error({ err, eventId }, 'slack: showing alert sessions failed');
      await respond({ ...reply('Sorry, I could not list the sessions just now.'), replace_original: false });
    }
  });
}
