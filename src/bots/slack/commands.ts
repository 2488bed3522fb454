// Slash commands: `/pulse ask <question>`, `/pulse help`, `/pulse role @user <role>` (admins), `/pulse email [address|off]`, `/pulse notify [slack|email|both|none]` and `/csi [period] [page|agent] [public]`.
// Slack waits 3 s for the ack (https://docs.slack.dev/interactivity/implementing-slash-commands),
// so `/pulse ask` acks at once and queues the question (deps.ask, durable); `/csi` is a fast read
// and acks with its answer, unless it takes longer than ACK_BUDGET_MS: then it acks "Working on
// it…" and sends the answer through the command's response_url (Bolt's `respond`).

import { fitReply } from '../../notify/slack.ts';
import { randomUUID } from 'node:crypto';
import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import { resolvePage, ToolInputError } from '../../agents/assistant/context.ts';
import { csiLookup } from '../../db/read/index.ts';
import { setUserRole } from '../../db/users-repo.ts';
import { analyticsDenial, mayAskAnalytics, ROLE_LABELS } from '../../domain/access.ts';
import { parseRoleCommand } from '../../domain/role-command.ts';
import { emailReply } from './email-command.ts';
import { notifyReply } from './notify-command.ts';
import { csiReply, helpReply, noticeReply, parseCsiArgs, type CommandReply } from './csi-blocks.ts';
import type { SlackDeps } from './deps.ts';
import { escapeSlackText, truncate } from './format.ts';

/** Under the receiver's own 2.5 s fallback (receiver.ts), so our ack is the one Slack gets. */
export const ACK_BUDGET_MS = 2000;

export interface SlashCommandOptions {
  /** how long `/csi` may compute before it acks "Working on it…" and answers via response_url (0: always) */
  ackBudgetMs?: number;
}

const WORKING = 'Working on it…';

/** One invocation of a slash command: Slack gives each its own trigger_id. */
export const commandKey = (c: Pick<SlashCommand, 'team_id' | 'trigger_id'>): string =>
  `command:${c.team_id || '-'}:${c.trigger_id || randomUUID()}`;

type Subject = { pageId: number; label: string } | { agent: string; label: string };

function likePattern(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A human agent by id, full name, or one word of the name ("Noah" for "Noah Williams") when
 * only one agent has it. Agents have no table of their own: they are read off their replies.
 */
async function findAgent(deps: SlackDeps, name: string): Promise<{ agent?: string; ambiguous?: string[] }> {
  const word = name.trim().toLowerCase();
  const { rows } = await deps.pool.query<{ id: string; name: string }>(
    `SELECT DISTINCT agent_info->>'id' AS id, agent_info->>'name' AS name FROM messages
      WHERE sender_kind = 'human_agent' AND agent_info->>'name' IS NOT NULL
        AND (agent_info->>'id' = $1 OR lower(agent_info->>'name') = $2
             OR lower(agent_info->>'name') LIKE $3 OR lower(agent_info->>'name') LIKE $4 OR lower(agent_info->>'name') LIKE $5)
      LIMIT 20`,
    [name.trim(), word, `${likePattern(word)} %`, `% ${likePattern(word)}`, `% ${likePattern(word)} %`],
  );
  const exact = rows.find((r) => r.id === name.trim() || r.name.toLowerCase() === word);
  if (exact) return { agent: exact.name };
  const names = [...new Set(rows.map((r) => r.name))];
  if (names.length === 1) return { agent: names[0]! };
  return names.length > 1 ? { ambiguous: names } : {};
}

/** The page or agent a `/csi` names; a page wins over an agent of the same name. */
async function resolveSubject(deps: SlackDeps, name: string): Promise<Subject | { problem: string }> {
  let pageProblem: string;
  try {
    const page = await resolvePage(deps.pool, name);
    if (page) return { pageId: page.id, label: page.name };
    pageProblem = `no page matches "${name}"`;
  } catch (err) {
    if (!(err instanceof ToolInputError)) throw err;
    pageProblem = err.message;
  }
  const found = await findAgent(deps, name);
  if (found.agent) return { agent: found.agent, label: `agent ${found.agent}` };
  if (found.ambiguous) return { problem: `"${name}" matches several agents: ${found.ambiguous.join(', ')}.` };
  return { problem: `I could not read "${name}" as a period, a page or an agent: ${pageProblem}, and no agent is called that.` };
}

async function csiAnswer(deps: SlackDeps, command: SlashCommand): Promise<CommandReply> {
  const tz = deps.config.businessTimezone;
  const caller = await deps.callerOf(command.user_id);
  if (!mayAskAnalytics(caller.role, deps.config.assistantMinRole)) {
    return noticeReply(`Sorry, ${analyticsDenial(caller.role, deps.config.assistantMinRole!)} An admin can change your role.`);
  }
  if (/^\s*help\s*$/i.test(command.text ?? '')) return helpReply({ timeZone: tz });
  const args = parseCsiArgs(command.text ?? '', deps.now(), tz);
  let subject: Subject | undefined;
  if (args.subject) {
    const found = await resolveSubject(deps, args.subject);
    if ('problem' in found) return helpReply({ timeZone: tz, problem: found.problem });
    subject = found;
  }
  const result = await csiLookup(deps.pool, {
    period: args.period,
    timezone: tz,
    ...(subject && 'pageId' in subject ? { pageId: subject.pageId } : {}),
    ...(subject && 'agent' in subject ? { agent: subject.agent } : {}),
  });
  return csiReply(result, { timeZone: tz, public: args.public, ...(subject ? { scope: subject.label } : {}) });
}

const sleep = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

function registerCsi(app: App, deps: SlackDeps, budgetMs: number): void {
  const log = deps.logger.child({ component: 'slack', command: '/csi' });
  const failed = noticeReply('Sorry, I could not look up the CSI just now. Please try again in a minute.');
  app.command('/csi', async ({ command, ack, respond }) => {
    const work = csiAnswer(deps, command).catch((err: unknown) => {
      log.error({ err, user: command.user_id }, 'slack: /csi failed');
      return failed;
    });
    // a budget of 0 always defers: racing a 0 ms timer, a fast lookup could still win
    const quick = budgetMs > 0 ? await Promise.race([work, sleep(budgetMs)]) : undefined;
    if (quick) {
      await ack(quick);
      return;
    }
    await ack({ response_type: 'ephemeral', text: WORKING });
    await sendLate(respond, await work, log);
  });
}

async function sendLate(respond: RespondFn, reply: CommandReply, log: SlackDeps['logger']): Promise<void> {
  try {
    await respond(reply);
  } catch (err) {
    log.error({ err }, 'slack: answering through response_url failed');
  }
}

function registerPulse(app: App, deps: SlackDeps): void {
  const log = deps.logger.child({ component: 'slack', command: '/pulse' });
  app.command('/pulse', async ({ command, ack, respond }) => {
    const text = (command.text ?? '').trim();
    const [sub = '', ...rest] = text.split(/\s+/);
    const question = rest.join(' ').trim();
    const tz = deps.config.businessTimezone;
    if (sub.toLowerCase() === 'ask' && question) {
      await ack({ response_type: 'ephemeral', text: `${WORKING} _${truncate(escapeSlackText(question), 300)}_` });
      try {
        const key = commandKey(command);
        const outcome = await deps.ask({
          key,
          ...(command.team_id ? { team: command.team_id } : {}),
          channel: command.channel_id,
          user: command.user_id,
          text: question,
          responseUrl: command.response_url,
        });
        if (outcome === 'duplicate') log.info({ key }, 'slack: repeated /pulse ask ignored');
      } catch (err) {
        log.error({ err, user: command.user_id }, 'slack: queueing /pulse ask failed');
        await sendLate(respond, noticeReply('Sorry, I could not take your question just now. Please ask again in a minute.'), log);
      }
      return;
    }
    if (sub.toLowerCase() === 'email') {
      await ack(await emailReply(deps, command.user_id, question, log));
      return;
    }
    if (sub.toLowerCase() === 'notify') {
      await ack(await notifyReply(deps, command.user_id, question, log));
      return;
    }
    if (sub.toLowerCase() === 'role') {
      await ack(await roleReply(deps, command.user_id, question, log));
      return;
    }
    const known = sub === '' || sub.toLowerCase() === 'help';
    const problem = sub.toLowerCase() === 'ask'
      ? 'Ask a question after `ask`, for example `/pulse ask What was the CSI last week?`.'
      : known ? undefined : `I don't know \`/pulse ${truncate(sub, 40)}\`. Here is what I can do.`;
    await ack(helpReply({ timeZone: tz, ...(problem ? { problem } : {}) }));
  });
}

/** A reply that may mention users: `text` is ours, ids are checked ([UW][A-Z0-9]+), nothing else is unescaped. */
const mentionReply = (text: string): CommandReply => fitReply({
  response_type: 'ephemeral',
  text: text.replace(/<@([A-Z0-9]+)>/g, '$1'),
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }],
});

/**
 * `/pulse role @user <role>`: admins set roles; anyone else is told why and the attempt is
 * audited (setUserRole). Fast (two small queries), so it acks with the answer.
 */
async function roleReply(deps: SlackDeps, user: string, args: string, log: SlackDeps['logger']): Promise<CommandReply> {
  const parsed = parseRoleCommand(args);
  if (!parsed.ok) return noticeReply(parsed.problem);
  try {
    const caller = await deps.callerOf(user);
    const r = await setUserRole(deps.pool, { actor: caller, slackId: parsed.slackId, role: parsed.role, adminIds: deps.config.adminSlackIds, source: 'slack' });
    if (!r.ok) {
      log.info({ user, target: parsed.slackId, role: parsed.role, kind: r.kind }, 'slack: role change refused');
      return r.kind === 'forbidden' ? noticeReply(`Sorry, ${r.reason}. Ask an admin to change roles.`) : mentionReply(`Sorry, ${r.reason}.`);
    }
    log.info({ user, target: parsed.slackId, from: r.from, to: r.to }, 'slack: role changed');
    return r.changed
      ? mentionReply(`<@${parsed.slackId}> is now ${ROLE_LABELS[r.to]} (was ${ROLE_LABELS[r.from]}).`)
      : mentionReply(`<@${parsed.slackId}> is already ${ROLE_LABELS[r.to]}; nothing changed.`);
  } catch (err) {
    log.error({ err, user }, 'slack: /pulse role failed');
    return noticeReply('Sorry, I could not change the role just now. Please try again in a minute.');
  }
}

/** Slash commands: /pulse (ask, help; anything else gets help) and /csi. */
export function registerSlashCommands(app: App, deps: SlackDeps, opts: SlashCommandOptions = {}): void {
  registerPulse(app, deps);
  registerCsi(app, deps, opts.ackBudgetMs ?? ACK_BUDGET_MS);
}
