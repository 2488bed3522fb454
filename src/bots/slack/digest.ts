// `/digest` in Slack: subscribe a channel to a scheduled digest, list and cancel subscriptions
// (team leads and admins), and preview a digest privately (through the command's response_url;
// an ephemeral message cannot carry files, so the preview says which charts the post will have).
// Parsing is src/domain/digest-command.ts; building and posting are src/jobs/digest/.

import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import { createSubscription, deactivateSubscription, listSubscriptions, type DigestSubscription } from '../../db/digest-repo.ts';
import { analyticsDenial, mayAskAnalytics, ROLE_LABELS } from '../../domain/access.ts';
import { DIGEST_SECTIONS, DIGEST_USAGE, mayManageDigests, parseDigestCommand, sectionsOf } from '../../domain/digest-command.ts';
import { digestPeriod, timeOfCron, type DigestFrequency } from '../../domain/digest-schedule.ts';
import { buildDigest } from '../../jobs/digest/build.ts';
import type { SlackDeps } from './deps.ts';
import { fitReply } from '../../notify/slack.ts';
import { escapeSlackText } from './format.ts';

const WHEN: Record<string, string> = { daily: 'every day', weekly: 'every Monday', monthly: 'on the 1st of every month' };

export function describeSubscription(s: Pick<DigestSubscription, 'id' | 'channel' | 'frequency' | 'cronExpression' | 'timezone' | 'content'>): string {
  const sections = sectionsOf(s.content);
  const which = sections.length === DIGEST_SECTIONS.length ? 'all sections' : sections.join(', ');
  return `*#${s.id}* ${s.frequency} digest in <#${s.channel}>, ${WHEN[s.frequency] ?? s.cronExpression} at ${timeOfCron(s.cronExpression) ?? s.cronExpression} ${escapeSlackText(s.timezone)} (${which})`;
}

// usage and problems carry `<id>` and what the user typed: escaped, or Slack reads them as markup
const HELP = `Scheduled support digests, managed by team leads and admins:\n${escapeSlackText(DIGEST_USAGE)}.\nSections: ${DIGEST_SECTIONS.join(', ')} (default: all). Example: \`/digest subscribe #support-leads weekly 09:00 Europe/Berlin csi qa topics\``;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, text });

async function preview(deps: SlackDeps, frequency: DigestFrequency, respond: RespondFn): Promise<void> {
  const tz = deps.config.businessTimezone;
  const period = digestPeriod(frequency, deps.now(), tz);
  try {
    const built = await buildDigest({ pool: deps.pool, config: deps.config, logger: deps.logger }, { frequency, period, timezone: tz, render: false });
    const charts = built.digest.charts.map((c) => c.title);
    const note = charts.length ? `Preview only. The posted digest also has its charts in the thread: ${charts.join(' · ')}.` : 'Preview only.';
    await respond(fitReply({
      response_type: 'ephemeral' as const, replace_original: true, text: built.digest.text,
      blocks: [...built.digest.blocks, { type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: escapeSlackText(note) }] }],
    }));
  } catch (err) {
    deps.logger.error({ err, component: 'slack', command: '/digest' }, 'digest preview failed');
    await respond({ response_type: 'ephemeral', replace_original: true, text: 'Sorry, the preview could not be built just now.' }).catch(() => {});
  }
}

async function handle(deps: SlackDeps, command: SlashCommand, respond: RespondFn): Promise<{ text: string; later?: () => Promise<void> }> {
  const parsed = parseDigestCommand(command.text ?? '', deps.config.businessTimezone);
  if (!parsed.ok) return { text: escapeSlackText(parsed.problem) };
  const cmd = parsed.command;
  if (cmd.kind === 'help') return { text: HELP };
  const caller = await deps.callerOf(command.user_id);
  if (cmd.kind === 'preview') {
    const min = deps.config.assistantMinRole;
    if (min && !mayAskAnalytics(caller.role, min)) return { text: `Sorry, ${analyticsDenial(caller.role, min)}` };
    return { text: `Building the ${cmd.frequency} digest preview…`, later: () => preview(deps, cmd.frequency, respond) };
  }
  if (!mayManageDigests(caller.role)) return { text: `Only team leads and admins manage digests; you are ${ROLE_LABELS[caller.role]}. \`/digest preview\` shows one to you.` };
  switch (cmd.kind) {
    case 'list': {
      const subs = await listSubscriptions(deps.pool);
      return { text: subs.length ? `Active digests:\n${subs.map((s) => `• ${describeSubscription(s)}`).join('\n')}` : 'No digests yet. Start one with `/digest subscribe daily`.' };
    }
    case 'unsubscribe':
      return (await deactivateSubscription(deps.pool, cmd.id))
        ? { text: `Digest #${cmd.id} is cancelled; nothing more will be posted for it.` }
        : { text: `There is no active digest #${cmd.id}; \`/digest list\` shows them.` };
    case 'subscribe': {
      const sub = await createSubscription(deps.pool, {
        channel: cmd.channel ?? command.channel_id, cron: cmd.cron, timezone: cmd.timezone, frequency: cmd.frequency, sections: cmd.sections,
        ...(caller.userId !== undefined ? { createdById: caller.userId } : {}),
      });
      deps.logger.info({ component: 'slack', subscription: sub.id, user: command.user_id }, 'digest subscription created');
      return { text: `Subscribed: ${describeSubscription(sub)}. Invite the app to that channel if it is not there yet.` };
    }
  }
}

export function registerDigest(app: App, deps: SlackDeps): void {
  app.command('/digest', async ({ command, ack, respond }) => {
    try {
      const { text, later } = await handle(deps, command, respond);
      await ack(ephemeral(text));
      if (later) await later();
    } catch (err) {
      deps.logger.error({ err, component: 'slack', command: '/digest' }, 'digest command failed');
      await ack(ephemeral('Sorry, that did not work just now. Nothing was changed.')).catch(() => {});
    }
  });
}
