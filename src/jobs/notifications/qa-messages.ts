import type { QaNoticeEvent, QaNoticeSession, QaPerson } from '../../db/notifications-repo.ts';
import { escapeSlackText, quoteEscaped, SLACK_LIMITS, truncate } from '../../domain/block-kit.ts';
import { QA_ACTIONS, type QaButtonValue } from './qa-notify.ts';

// What QA notifications say, in Slack Block Kit and in email (HTML and plain text). Pure.
// Customer text and notes are untrusted: escaped for Slack (no mentions or links can come out
// of them) and for HTML.

export interface SlackNotice {
  text: string;
  blocks: Record<string, unknown>[];
}

export interface EmailNotice {
  subject: string;
  html: string;
  text: string;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText), verbatim: true });
/** A titled quote of escaped text, cut after quoting (what Slack counts) so the title always shows. */
const quoted = (title: string, escaped: string) => mrkdwn(`${title}\n${quoteEscaped(escaped, SLACK_LIMITS.sectionText - title.length - 1)}`);
const who = (p: QaPerson | null | undefined): string => (p?.slackId ? `<@${p.slackId}>` : p?.name ? escapeSlackText(p.name) : 'someone');
const whoPlain = (p: QaPerson | null | undefined): string => p?.name ?? p?.slackId ?? 'someone';
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function buttons(s: QaNoticeSession, version: number, fixed: boolean): Record<string, unknown> {
  const value = JSON.stringify({ sessionId: s.sessionId, version } satisfies QaButtonValue);
  return {
    type: 'actions',
    block_id: `qa_notify_${s.sessionId}`,
    elements: [
      ...(fixed ? [{ type: 'button', action_id: QA_ACTIONS.fixed, text: { type: 'plain_text', text: 'Mark fixed' }, style: 'primary', value }] : []),
      { type: 'button', action_id: QA_ACTIONS.show, text: { type: 'plain_text', text: 'Show session' }, value },
    ],
  };
}

function summaryFields(s: QaNoticeSession) {
  return {
    type: 'section',
    fields: [
      mrkdwn(`*Session*\n${s.sessionId} (conversation ${s.conversationId})`),
      mrkdwn(`*Page*\n${escapeSlackText(s.page)}`),
      mrkdwn(`*Customer*\n${escapeSlackText(s.customer)}`),
      mrkdwn(`*Started*\n${s.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`),
    ],
  };
}

/** The QA_CHANNEL post for developers when a reviewer marks a session `issue`. */
export function issueSlackNotice(s: QaNoticeSession, e: QaNoticeEvent, version: number): SlackNotice {
  const notes = e.notes ?? '';
  return {
    // the notification text is parsed by Slack as well: escaped like the blocks
    text: `QA issue on session ${s.sessionId} (${escapeSlackText(s.page)}) by ${escapeSlackText(whoPlain(e.actor))}: ${truncate(escapeSlackText(notes), 200)}`,
    blocks: [
      { type: 'section', text: mrkdwn(`:warning: *QA issue on session ${s.sessionId}*, raised by ${who(e.actor)}`) },
      summaryFields(s),
      ...(s.excerpt ? [{ type: 'section', text: quoted('*Customer wrote*', escapeSlackText(s.excerpt)) }] : []),
      { type: 'section', text: quoted('*Notes*', escapeSlackText(notes)) },
      buttons(s, version, true),
    ],
  };
}

/** The reviewer's Slack DM when a developer marks the issue they raised `fixed`. */
export function fixedSlackNotice(s: QaNoticeSession, e: QaNoticeEvent, issueNotes: string | null, version: number): SlackNotice {
  const feedback = e.devFeedback ?? '';
  return {
    text: `Session ${s.sessionId} you flagged was marked fixed by ${escapeSlackText(whoPlain(e.actor))}: ${truncate(escapeSlackText(feedback), 200)}`,
    blocks: [
      { type: 'section', text: mrkdwn(`:wrench: *Session ${s.sessionId}*, which you flagged, was marked fixed by ${who(e.actor)}. Please check it again.`) },
      summaryFields(s),
      ...(issueNotes ? [{ type: 'section', text: quoted('*Your notes*', escapeSlackText(issueNotes)) }] : []),
      { type: 'section', text: quoted('*Developer feedback*', escapeSlackText(feedback)) },
      buttons(s, version, false),
    ],
  };
}

function emailBody(title: string, s: QaNoticeSession, parts: [string, string | null][]): { html: string; text: string } {
  const rows: [string, string][] = [
    ['Session', `${s.sessionId} (conversation ${s.conversationId})`],
    ['Page', s.page],
    ['Customer', s.customer],
    ['Started', `${s.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`],
  ];
  const shown = parts.filter((p): p is [string, string] => Boolean(p[1]));
  return {
    html:
      `<h2>${html(title)}</h2><table>` +
      rows.map(([k, v]) => `<tr><th align="left">${html(k)}</th><td>${html(v)}</td></tr>`).join('') +
      `</table>` +
      shown.map(([k, v]) => `<h3>${html(k)}</h3><blockquote>${html(v).replace(/\n/g, '<br>')}</blockquote>`).join('') +
      `<p>Open it in Slack with <code>/qa show ${s.sessionId}</code>.</p>`,
    text:
      `${title}\n\n` +
      rows.map(([k, v]) => `${k}: ${v}`).join('\n') +
      '\n\n' +
      shown.map(([k, v]) => `${k}:\n${v}`).join('\n\n') +
      `\n\nOpen it in Slack with /qa show ${s.sessionId}.\n`,
  };
}

export function issueEmail(s: QaNoticeSession, e: QaNoticeEvent): EmailNotice {
  const title = `QA issue on session ${s.sessionId} (${s.page})`;
  return { subject: `[SupportPulse] ${title}`, ...emailBody(`${title}, raised by ${whoPlain(e.actor)}`, s, [['Customer wrote', s.excerpt], ['Notes', e.notes]]) };
}

export function fixedEmail(s: QaNoticeSession, e: QaNoticeEvent, issueNotes: string | null): EmailNotice {
  const title = `Session ${s.sessionId} was marked fixed`;
  return {
    subject: `[SupportPulse] ${title}`,
    ...emailBody(`${title} by ${whoPlain(e.actor)}`, s, [['Your notes', issueNotes], ['Developer feedback', e.devFeedback]]),
  };
}
