// Block Kit for the slash commands: `/csi`'s answer and the help of `/pulse` and `/csi`. Pure:
// data in, blocks out; no Slack client, no database, no clock (the caller passes `now`).
// Numbers are the tools' own display strings (CSI and pillars with one decimal, counts with
// separators), so a slash command and the assistant never disagree on a figure.

import type { types } from '@slack/bolt';
import { REPERTOIRE } from '../../domain/intents.ts';
import { parsePeriod, type Period } from '../../domain/periods.ts';
import type { CsiLookupResult } from '../../db/read/index.ts';
import { fitMessage } from '../../domain/block-kit.ts';
import { escapeSlackText, truncate } from './format.ts';

export type Block = types.KnownBlock;

/** A slash command's reply: what `ack()` or `respond()` sends. */
export interface CommandReply {
  response_type: 'ephemeral' | 'in_channel';
  /** the notification text and the fallback where blocks are not shown */
  text: string;
  blocks: Block[];
}

/** `/csi` without a period looks at the last 7 days: the assistant's own default, and never a near-empty "this week" on a Monday. */
export const CSI_DEFAULT_PERIOD = 'last 7 days';

/** The word that posts a `/csi` answer to the channel instead of only to the asker. */
export const PUBLIC_WORD = 'public';

export interface CsiArgs {
  period: Period;
  /** whether the text named the period, or CSI_DEFAULT_PERIOD was taken */
  periodGiven: boolean;
  /** what is left once the period is taken out: a page or an agent name */
  subject?: string;
  public: boolean;
}

const samePeriod = (a: Period | undefined, b: Period) => a !== undefined && a.from === b.from && a.to === b.to && a.granularity === b.granularity;

/**
 * Reads `/csi [period] [page|agent] [public]`. The period may stand anywhere ("last week Acme",
 * "Acme last week"): it is the shortest run of words that reads as the same period as the whole
 * text, and the remaining words are the page or agent. Text without a period takes
 * CSI_DEFAULT_PERIOD, so an unreadable period ("lsat week") is left as a name for the caller
 * to reject when no page or agent has it.
 */
export function parseCsiArgs(text: string, now: Date, timeZone: string): CsiArgs {
  let words = text.trim().split(/\s+/).filter(Boolean);
  const isPublic = words.some((w) => w.toLowerCase() === PUBLIC_WORD);
  words = words.filter((w) => w.toLowerCase() !== PUBLIC_WORD);
  const whole = words.length ? parsePeriod(words.join(' '), now, timeZone) : undefined;
  if (!whole) {
    const subject = words.join(' ');
    return { period: parsePeriod(CSI_DEFAULT_PERIOD, now, timeZone)!, periodGiven: false, ...(subject ? { subject } : {}), public: isPublic };
  }
  for (let len = 1; len <= words.length; len++) {
    for (let at = 0; at + len <= words.length; at++) {
      if (!samePeriod(parsePeriod(words.slice(at, at + len).join(' '), now, timeZone), whole)) continue;
      const subject = [...words.slice(0, at), ...words.slice(at + len)].join(' ');
      return { period: whole, periodGiven: true, ...(subject ? { subject } : {}), public: isPublic };
    }
  }
  return { period: whole, periodGiven: true, public: isPublic };
}

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const field = (label: string, value: string): types.MrkdwnElement => mrkdwn(`*${label}*\n${value}`);

/** "▲ +2.1 (up)", "▼ -0.4 (down)", "0.0 (unchanged)", or "no data" without both periods. */
export function direction(change: { csi: number | null; display: string }): string {
  if (change.csi === null) return change.display;
  const shown = Number(change.display);
  if (shown > 0) return `▲ ${change.display} (up)`;
  if (shown < 0) return `▼ ${change.display} (down)`;
  return `${change.display} (unchanged)`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export interface CsiBlocksOptions {
  /** the page or agent it is about, as resolved ("Oakhaven Furniture", "agent Noah Williams") */
  scope?: string;
  timeZone: string;
  public: boolean;
}

/** `/csi`'s answer: the CSI, the previous period and the direction, the pillars, the days scored. */
export function csiReply(r: CsiLookupResult, opts: CsiBlocksOptions): CommandReply {
  const scope = opts.scope ? ` for ${escapeSlackText(opts.scope)}` : '';
  const title = `CSI ${escapeSlackText(r.period.label)}${scope}`;
  const context: Block = {
    type: 'context',
    elements: [mrkdwn(`${escapeSlackText(capital(r.period.label))} · times in ${escapeSlackText(opts.timeZone)} · CSI 0–100, pillars 0–10, means over scored conversation-days`)],
  };
  const responseType = opts.public ? 'in_channel' : 'ephemeral';
  if (r.current.days === 0) {
    const text = `No data for ${r.period.label}${opts.scope ? ` for ${opts.scope}` : ''}: nothing was recorded or scored in that period.`;
    return fitMessage({ response_type: responseType, text, blocks: [{ type: 'section', text: mrkdwn(`*${title}*\n${escapeSlackText(text)}`) }, context] });
  }
  const c = r.current;
  const prev = r.previousValues;
  const previous = prev.days === 0 ? 'no data' : prev.display.csi;
  const blocks: Block[] = [
    {
      type: 'section',
      text: mrkdwn(`*${title}*`),
      fields: [
        field('CSI', c.display.csi),
        field(`Previous (${escapeSlackText(r.previous.label)})`, previous),
        field('Change', direction(r.change)),
        field('Days scored', c.display.days),
        field('Effectiveness', c.display.effectiveness),
        field('Effort', c.display.effort),
        field('Efficiency', c.display.efficiency),
        field('Empathy', c.display.empathy),
      ],
    },
    context,
  ];
  const text = `CSI ${r.period.label}${opts.scope ? ` for ${opts.scope}` : ''}: ${c.display.csi} (previous period ${previous}, change ${r.change.display}).`;
  return fitMessage({ response_type: responseType, text, blocks });
}

/** Example questions, one per kind the assistant understands (src/domain/intents.ts). */
function examples(): string[] {
  return REPERTOIRE.filter((r) => r.kind !== 'help' && r.kind !== 'unknown' && r.kind !== 'sql').map((r) =>
    // transcripts are not for everyone (src/domain/access.ts): say so before someone is refused
    r.kind === 'conversation' ? `${r.examples[0]!} (team leads, QA reviewers and admins)`
      : r.kind === 'qa_update' ? `${r.examples[0]!} (QA reviewers and admins; developers mark sessions fixed)`
      : r.examples[0]!,
  );
}

/**
 * The help of `/pulse` and `/csi`. `problem` says what went wrong first (an unknown
 * subcommand, a period or name that could not be read), so a typo gets help, never an error.
 */
export function helpReply(opts: { timeZone: string; problem?: string }): CommandReply {
  const blocks: Block[] = [];
  if (opts.problem) blocks.push({ type: 'section', text: mrkdwn(`:warning: ${truncate(escapeSlackText(opts.problem), 2900)}`) });
  blocks.push(
    { type: 'header', text: { type: 'plain_text', text: 'SupportPulse', emoji: false } },
    {
      type: 'section',
      text: mrkdwn(
        [
          '*Commands*',
          '• `/pulse ask &lt;question&gt;`: ask the analytics assistant; the answer comes back here',
          '• `/pulse help`: this help',
          '• `/pulse role @user &lt;role&gt;`: admins set a role (admin, lead, qa, developer, agent)',
          '• `/pulse email [address|off]`: your own email for QA notifications (alone: shows it; `off` removes it)',
          '• `/pulse notify [slack|email|both|none]`: how QA notifications meant for you reach you (alone: shows it)',
          `• \`/csi [period] [page|agent] [${PUBLIC_WORD}]\`: the CSI at a glance, only to you (the ${CSI_DEFAULT_PERIOD} unless you name a period; add \`${PUBLIC_WORD}\` to post it to the channel)`,
          'You can also mention me in a channel or send me a direct message, and ask follow-ups in the thread.',
        ].join('\n'),
      ),
    },
    { type: 'section', text: mrkdwn(['*Ask in your own words*, for example:', ...examples().map((e) => `• ${escapeSlackText(e)}`)].join('\n')) },
    {
      type: 'context',
      elements: [
        mrkdwn(`Periods: yesterday, last week, this month, last 30 days, Q3, October, 2026-10-01 to 2026-10-31 · times in ${escapeSlackText(opts.timeZone)} · examples: \`/csi last week\`, \`/csi this month Oakhaven ${PUBLIC_WORD}\``),
      ],
    },
  );
  const text = opts.problem ? `${escapeSlackText(opts.problem)} Try /pulse help.` : 'SupportPulse: /pulse ask &lt;question&gt;, /pulse help, /csi [period] [page|agent] [public].';
  return fitMessage({ response_type: 'ephemeral', text, blocks });
}

/** A short ephemeral sentence (refusals, failures). */
export function noticeReply(text: string): CommandReply {
  return fitMessage({ response_type: 'ephemeral', text: escapeSlackText(text), blocks: [{ type: 'section', text: mrkdwn(escapeSlackText(text)) }] });
}
