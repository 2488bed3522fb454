import type { DisputeNotice } from '../../db/dispute-notices-repo.ts';
import type { QaPerson } from '../../db/notifications-repo.ts';
import { escapeSlackText, quoteEscaped, SLACK_LIMITS, truncate } from '../../domain/block-kit.ts';
import { formatQaScore } from '../../domain/qa-scorecard.ts';
import type { EmailNotice, SlackNotice } from './qa-messages.ts';

// What dispute notifications say (issue 20, point 4), in Slack Block Kit and email. Pure. The
// reason and the resolution are people's words: escaped for Slack (no mentions or links come out
// of them) and for HTML.

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText), verbatim: true });
const quoted = (title: string, text: string) => mrkdwn(`${title}\n${quoteEscaped(escapeSlackText(text), SLACK_LIMITS.sectionText - title.length - 1)}`);
const who = (p: QaPerson | null): string => (p?.slackId && /^[UW][A-Z0-9]+$/.test(p.slackId) ? `<@${p.slackId}>` : p?.name ? escapeSlackText(p.name) : 'someone');
const whoPlain = (p: QaPerson | null): string => p?.name ?? p?.slackId ?? 'someone';
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const score = (n: DisputeNotice) => formatQaScore({ score: n.score, autofailed: n.autofailed });

/** The leads' DM when a dispute is opened. */
export function openedSlack(n: DisputeNotice): SlackNotice {
  return {
    text: `Dispute ${n.disputeId} on session ${n.sessionId} by ${escapeSlackText(whoPlain(n.raisedBy))}: ${truncate(escapeSlackText(n.reason), 200)}`,
    blocks: [
      { type: 'section', text: mrkdwn(`:scales: *Dispute ${n.disputeId}* on ${who(n.reviewer)}'s review of *session ${n.sessionId}* (${escapeSlackText(n.page)}, QA score ${score(n)}), raised by ${who(n.raisedBy)}`) },
      { type: 'section', text: quoted('*Reason*', n.reason) },
      { type: 'context', elements: [mrkdwn('Accept (rescore) or reject it with `/qa disputes`.')] },
    ],
  };
}

const outcome = (n: DisputeNotice) => (n.status === 'accepted' ? `accepted: the review was rescored, QA score now ${score(n)}` : 'rejected: the review stands');

/** The disputer's and the reviewer's DM when a lead settles it. */
export function settledSlack(n: DisputeNotice): SlackNotice {
  return {
    text: `Dispute ${n.disputeId} on session ${n.sessionId} was ${n.status} by ${escapeSlackText(whoPlain(n.resolvedBy))}`,
    blocks: [
      { type: 'section', text: mrkdwn(`${n.status === 'accepted' ? ':white_check_mark:' : ':no_entry_sign:'} *Dispute ${n.disputeId}* on ${who(n.reviewer)}'s review of *session ${n.sessionId}* was ${outcome(n)}. Settled by ${who(n.resolvedBy)}.`) },
      { type: 'section', text: quoted('*The dispute*', n.reason) },
      ...(n.resolution ? [{ type: 'section', text: quoted(n.status === 'accepted' ? '*Note*' : '*Why it stands*', n.resolution) }] : []),
      { type: 'context', elements: [mrkdwn(`\`/qa show ${n.sessionId}\` shows the review and its disputes.`)] },
    ],
  };
}

function email(title: string, parts: [string, string | null][], n: DisputeNotice): EmailNotice {
  const shown = parts.filter((p): p is [string, string] => Boolean(p[1]));
  return {
    subject: `[SupportPulse] ${title}`,
    html: `<h2>${html(title)}</h2>` + shown.map(([k, v]) => `<h3>${html(k)}</h3><blockquote>${html(v).replace(/\n/g, '<br>')}</blockquote>`).join('') +
      `<p>Open it in Slack with <code>/qa show ${n.sessionId}</code>.</p>`,
    text: `${title}\n\n` + shown.map(([k, v]) => `${k}:\n${v}`).join('\n\n') + `\n\nOpen it in Slack with /qa show ${n.sessionId}.\n`,
  };
}

export function openedEmail(n: DisputeNotice): EmailNotice {
  return email(`Dispute ${n.disputeId} on session ${n.sessionId} (${n.page}), raised by ${whoPlain(n.raisedBy)}`, [
    ['Review', `${whoPlain(n.reviewer)}'s review, QA score ${score(n)}`], ['Reason', n.reason], ['What to do', 'Accept (rescore) or reject it with /qa disputes in Slack.'],
  ], n);
}

export function settledEmail(n: DisputeNotice): EmailNotice {
  return email(`Dispute ${n.disputeId} on session ${n.sessionId} was ${n.status}`, [
    ['Outcome', `${outcome(n)} (settled by ${whoPlain(n.resolvedBy)})`], ['The dispute', n.reason], [n.status === 'accepted' ? 'Note' : 'Why it stands', n.resolution],
  ], n);
}
