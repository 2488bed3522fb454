// Block Kit for `/qa`: the queue with its buttons, a session's transcript with what the AI did,
// review statistics, the notes modal and the help. Pure: data in, blocks out (the caller passes
// the timezone); customer text is escaped and quoted, never parsed as Slack markup.

import type { types } from '@slack/bolt';
import { formatDuration, formatPercent } from '../../domain/format.ts';
import type { QaCard, QaStats, SessionTranscript } from '../../db/qa-review-repo.ts';
import { QUEUE_DEFAULT, QUEUE_MAX, type QaTarget } from '../../domain/qa-command.ts';
import { NOTES_MAX, QA_STATUSES, type QaStatus } from '../../domain/qa.ts';
import type { Period } from '../../domain/periods.ts';
import { fitMessage, quoteEscaped, SLACK_LIMITS } from '../../domain/block-kit.ts';
import { escapeSlackText, truncate } from './format.ts';
import type { QaReviewDto } from '../../db/qa-scorecards-repo.ts';
import type { QaDisputeDto } from '../../db/qa-disputes-repo.ts';
import type { DisputeStatus } from '../../domain/qa-dispute.ts';
import { disputeLine, reviewLine } from './qa-review-blocks.ts';
import { histogramLines } from '../../domain/classification-review.ts';

export type Block = types.KnownBlock;

/** What `ack()` / `respond()` / chat.postMessage send. */
export interface QaReply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  blocks: Block[];
}

/**
 * Action ids. `qa_show` and `qa_fixed_open` are also the buttons of the QA_CHANNEL issue post
 * (src/jobs/notifications/qa-notify.ts QA_ACTIONS), so one handler serves both.
 */
export const QA_ACTION = {
  pass: 'qa_pass',
  issue: 'qa_issue_open',
  fixed: 'qa_fixed_open',
  show: 'qa_show',
  page: 'qa_show_page',
} as const;

/** callback_id of the notes / feedback modal */
export const QA_MODAL = 'qa_notes_modal';
export const NOTES_BLOCK = 'qa_notes';
export const NOTES_INPUT = 'text';

/** A button's value: the session and the qa_version it was shown at; `list`: the queue message's sessions. */
export interface QaButtonValue {
  sessionId: number;
  version: number;
  list?: number[];
}

/** A transcript page button's value. */
export interface QaPageValue {
  sessionId: number;
  offset: number;
}

/** Messages fetched for one transcript page; a page shows fewer when their text would not fit one message. */
export const TRANSCRIPT_PAGE = 15;
/** Characters of transcript one page carries, within the whole-message budget with room for the card, footer and buttons. */
export const TRANSCRIPT_PAGE_CHARS = SLACK_LIMITS.messageChars - 3_000;
/** One message's quoted text at most (escaped and quoted, as Slack counts it). */
const MESSAGE_TEXT_CHARS = 2_200;

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

const STATE_ICON: Record<QaStatus, string> = { unchecked: ':hourglass:', passed: ':white_check_mark:', issue: ':warning:', fixed: ':wrench:' };

/** "Mon 9 Nov 14:03" in `timeZone`. */
export function formatWhen(d: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

function timeOfDay(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(d);
}

/** "<@U123>" for a Slack user, else the escaped name. */
function who(by: QaCard['qaBy']): string {
  if (!by) return 'someone';
  return by.slackId && /^[UW][A-Z0-9]+$/.test(by.slackId) ? `<@${by.slackId}>` : escapeSlackText(by.name ?? 'someone');
}

/** "*passed* by <@U1> on Mon 9 Nov 14:03" */
export function stateLine(c: QaCard, timeZone: string): string {
  const base = `${STATE_ICON[c.qaStatus]} *${c.qaStatus}*`;
  if (c.qaStatus === 'unchecked' || !c.qaAt) return `${base}${c.qaStatus === 'unchecked' ? ' (waiting for review)' : ''}`;
  return `${base} by ${who(c.qaBy)} on ${formatWhen(c.qaAt, timeZone)}`;
}

const BUTTON_LABEL: Record<QaTarget, (from: QaStatus) => string> = {
  passed: (from) => (from === 'fixed' ? 'Verify (pass)' : 'Pass'),
  issue: (from) => (from === 'unchecked' ? 'Issue' : 'Reopen (issue)'),
  fixed: () => 'Mark fixed',
};

const ACTION_FOR: Record<QaTarget, string> = { passed: QA_ACTION.pass, issue: QA_ACTION.issue, fixed: QA_ACTION.fixed };

/** Buttons for the targets offered, then Show. */
export function cardButtons(c: QaCard, targets: readonly QaStatus[], list?: number[]): types.ActionsBlock {
  const value = (extra: Partial<QaButtonValue> = {}) => JSON.stringify({ sessionId: c.sessionId, version: c.qaVersion, ...(list ? { list } : {}), ...extra });
  const elements: types.Button[] = targets
    .filter((t): t is QaTarget => t !== 'unchecked')
    .map((t) => ({
      type: 'button',
      action_id: ACTION_FOR[t],
      text: plain(BUTTON_LABEL[t](c.qaStatus)),
      value: value(),
      ...(t === 'passed' ? { style: 'primary' as const } : t === 'issue' ? { style: 'danger' as const } : {}),
    }));
  elements.push({ type: 'button', action_id: QA_ACTION.show, text: plain('Show'), value: JSON.stringify({ sessionId: c.sessionId, version: c.qaVersion }) });
  // block ids change with the version: Slack asks for new ones when a message is updated
  return { type: 'actions', block_id: `qa_actions:${c.sessionId}:${c.qaVersion}`, elements };
}

/** One session in a list: what it was, and its QA state with who set it. */
export function cardSection(c: QaCard, timeZone: string): types.SectionBlock {
  const facts = [
    escapeSlackText(c.page),
    `started ${formatWhen(c.startedAt, timeZone)}`,
    `${c.messageCount} messages, ${c.aiMessageCount} by the bot${c.humanHandoff ? ', handed to a human' : ''}`,
    c.completionStatus.replace('_', ' '),
  ];
  const lines = [`*Session ${c.sessionId}* · ${facts.join(' · ')}`, stateLine(c, timeZone)];
  if (c.risk) lines.push(c.risk.score > 0 ? `_Risk ${c.risk.score}:_ ${escapeSlackText(c.risk.reasons.join('; '))}` : '_Risk 0:_ nothing points at a problem');
  if (c.qaNotes) lines.push(`_Notes:_ ${truncate(escapeSlackText(c.qaNotes), 600)}`);
  if (c.devFeedback) lines.push(`_Developer feedback:_ ${truncate(escapeSlackText(c.devFeedback), 600)}`);
  return { type: 'section', block_id: `qa_card:${c.sessionId}:${c.qaVersion}`, text: mrkdwn(lines.join('\n')) };
}

export interface QueueHead {
  waiting: number;
  pageName?: string;
  limit: number;
  pageNumber: number;
  /** ranked by risk instead of oldest first */
  order?: 'risk';
}

export function queueHead(h: QueueHead, timeZone: string): Block[] {
  const first = (h.pageNumber - 1) * h.limit + 1;
  const where = h.pageName ? ` on ${escapeSlackText(h.pageName)}` : '';
  const risky = h.order === 'risk' ? 'risky ' : '';
  const next = h.pageNumber * h.limit < h.waiting ? ` · next: \`/qa queue ${risky}${h.limit} ${h.pageNumber + 1}${h.pageName ? ` ${escapeSlackText(h.pageName)}` : ''}\`` : '';
  const order = h.order === 'risk' ? 'riskiest first (low CSI, an unsure bot, a handoff, falling sentiment, a complaint, a customer who came back)' : 'oldest first';
  return [
    {
      type: 'section',
      block_id: 'qa_head',
      text: mrkdwn(`*QA queue*: ${h.waiting} session${h.waiting === 1 ? '' : 's'} with AI involvement waiting for review${where}; ${order}, ${first}–${Math.min(first + h.limit - 1, h.waiting)} shown.`),
    },
    { type: 'context', block_id: 'qa_head_note', elements: [mrkdwn(`Times in ${escapeSlackText(timeZone)}${next}`)] },
  ];
}

/**
 * The queue message: its head, then a section and a row of buttons per session. `role` decides
 * the buttons: in a channel everyone sees them all (admin's view; each press is checked against
 * the presser's role), in an ephemeral message only what the caller may do.
 */
export function queueBlocks(head: Block[], cards: readonly QaCard[], opts: { timeZone: string; targets: (c: QaCard) => readonly QaStatus[] }): Block[] {
  const list = cards.map((c) => c.sessionId);
  const blocks: Block[] = [...head];
  for (const c of cards) blocks.push(cardSection(c, opts.timeZone), cardButtons(c, opts.targets(c), list));
  return blocks;
}

export function queueText(waiting: number): string {
  return `QA queue: ${waiting} session${waiting === 1 ? '' : 's'} waiting for review.`;
}

/** Milliseconds for a reader: "0.8 s" and "12.4 s" under a minute (bots answer in seconds), then "2 min 10 s". */
export function formatMs(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000);
}

function describeMessage(m: SessionTranscript['messages'][number], timeZone: string): string {
  const details: string[] = [];
  if (m.from === 'customer') {
    if (m.classification) details.push(`classified *${escapeSlackText(m.classification)}*${m.confidence !== null ? ` (confidence ${m.confidence.toFixed(2)})` : ''}`);
  } else {
    if (m.responseMs !== undefined) details.push(`replied after ${formatMs(m.responseMs)}`);
    if (m.from === 'bot' && m.processingMs !== null) details.push(`processed in ${formatMs(m.processingMs)}`);
    if (m.answering?.classification) details.push(`answering ${escapeSlackText(m.answering.classification)}${m.answering.confidence !== null ? ` (${m.answering.confidence.toFixed(2)})` : ''}`);
    if (m.from === 'bot') details.push(m.producedBy ? escapeSlackText(m.producedBy) : 'template or LLM not recorded');
  }
  const name = m.from === 'customer' ? 'Customer' : m.from === 'bot' ? `Bot${m.senderName ? ` (${escapeSlackText(m.senderName)})` : ''}` : `Agent${m.senderName ? ` ${escapeSlackText(m.senderName)}` : ''}`;
  const head = `*${m.n}.* \`${timeOfDay(m.at, timeZone)}\` *${name}*${details.length ? ` — _${details.join(' · ')}_` : ''}`;
  // escaped, then quoted, then cut: `&` is five characters and each line gains `> ` once quoted
  const quoted = m.text ? quoteEscaped(escapeSlackText(m.text), MESSAGE_TEXT_CHARS) : '';
  const files = m.attachments.length ? truncate(`_[${m.attachments.map(escapeSlackText).join(', ')}]_`, 300) : '';
  const body = [quoted, files].filter(Boolean).join('\n');
  return truncate(body ? `${head}\n${body}` : head, SLACK_LIMITS.sectionText);
}

export interface ShowOptions {
  timeZone: string;
  customerInitials?: string | null;
  /** the transcript, or why it is not shown to this caller */
  transcript: SessionTranscript | { denied: string };
  /** the session's scorecard reviews (shown above the transcript's first page), and their disputes */
  reviews?: readonly QaReviewDto[];
  disputes?: readonly QaDisputeDto[];
}

/** A session for `/qa show` and the Show button: its card, then (for those allowed) one page of messages. */
export function showBlocks(card: QaCard, opts: ShowOptions): QaReply {
  const blocks: Block[] = [cardSection(card, opts.timeZone)];
  const t = opts.transcript;
  if ('denied' in t) {
    blocks.push({ type: 'context', elements: [mrkdwn(`Transcript not shown: ${escapeSlackText(t.denied)}`)] });
    return fitMessage({ response_type: 'ephemeral', text: `Session ${card.sessionId}: ${card.qaStatus}`, blocks });
  }
  if (opts.reviews?.length && t.offset === 0) {
    const lines = opts.reviews.flatMap((r) => [reviewLine(r), ...(opts.disputes ?? []).filter((d) => d.reviewId === r.id).reverse().map(disputeLine)]);
    blocks.push({ type: 'section', block_id: `qa_reviews:${card.sessionId}`, text: mrkdwn(truncate(`*Scorecard reviews*\n${lines.join('\n')}`, SLACK_LIMITS.sectionText)) });
  }
  // a page ends where its text would pass the message budget (the first message always shows),
  // and "More" starts after the last one shown, so no message is ever skipped
  let chars = 0;
  let shown = 0;
  for (const m of t.messages) {
    const text = describeMessage(m, opts.timeZone);
    if (shown > 0 && chars + text.length > TRANSCRIPT_PAGE_CHARS) break;
    blocks.push({ type: 'section', text: mrkdwn(text) });
    chars += text.length;
    shown += 1;
  }
  const from = shown ? t.offset + 1 : 0;
  const to = t.offset + shown;
  const who = opts.customerInitials ? ` · customer ${escapeSlackText(opts.customerInitials)}` : '';
  blocks.push({
    type: 'context',
    elements: [mrkdwn(`Messages ${from}–${to} of ${t.total}${who} · times in ${escapeSlackText(opts.timeZone)} · emails and phone numbers masked · customer text is quoted as written`)],
  });
  const nav: types.Button[] = [];
  if (t.offset > 0) nav.push({ type: 'button', action_id: `${QA_ACTION.page}:prev`, text: plain('Previous'), value: JSON.stringify({ sessionId: card.sessionId, offset: Math.max(0, t.offset - TRANSCRIPT_PAGE) } satisfies QaPageValue) });
  if (to < t.total) nav.push({ type: 'button', action_id: `${QA_ACTION.page}:more`, text: plain(`More (${to + 1}–${Math.min(to + TRANSCRIPT_PAGE, t.total)})`), value: JSON.stringify({ sessionId: card.sessionId, offset: to } satisfies QaPageValue) });
  if (nav.length) blocks.push({ type: 'actions', block_id: `qa_nav:${card.sessionId}`, elements: nav });
  return fitMessage({ response_type: 'ephemeral', text: `Session ${card.sessionId}: messages ${from}–${to} of ${t.total}`, blocks });
}

export interface ScorecardStats {
  /** mean QA score of the scorecard reviews saved in the period (the catalogue's qaScore) */
  qaScore: number | null;
  reviews: number;
  /** disputes raised in the period, by their state now */
  disputes: Record<DisputeStatus, number>;
}

export function statsBlocks(s: QaStats, opts: { period: Period; timeZone: string; scorecards?: ScorecardStats; confidence?: { counts: number[]; corrected: number } }): QaReply {
  const reviewed = s.byStatus.passed + s.byStatus.issue + s.byStatus.fixed;
  const total = reviewed + s.byStatus.unchecked;
  const flagged = s.byStatus.issue + s.byStatus.fixed;
  const fields = QA_STATUSES.map((st) => mrkdwn(`*${st[0]!.toUpperCase()}${st.slice(1)}*\n${s.byStatus[st]}`));
  fields.push(mrkdwn(`*Issue rate*\n${reviewed ? `${formatPercent(flagged / reviewed)} (${flagged} of ${reviewed} reviewed)` : 'n/a (nothing reviewed)'}`));
  fields.push(
    mrkdwn(
      `*Oldest waiting*\n${s.oldestWaiting ? `session ${s.oldestWaiting.sessionId}, ${escapeSlackText(s.oldestWaiting.page)}, since ${formatWhen(s.oldestWaiting.startedAt, opts.timeZone)} (${s.waitingAll} waiting in all)` : 'nothing waiting'}`,
    ),
  );
  const people = s.reviewers.slice(0, 15).map((r) => {
    const name = r.slackId && /^[UW][A-Z0-9]+$/.test(r.slackId) ? `<@${r.slackId}>` : escapeSlackText(r.name);
    const parts = QA_STATUSES.filter((st) => r.counts[st]).map((st) => `${r.counts[st]} ${st}`);
    return `• ${name}: ${parts.join(', ')}`;
  });
  const label = escapeSlackText(opts.period.label);
  const blocks: Block[] = [
    { type: 'section', text: mrkdwn(`*QA ${label}*: ${total} session${total === 1 ? '' : 's'} with AI involvement started in the period, by QA state now`) },
    { type: 'section', fields },
    ...(opts.scorecards ? [scorecardSection(opts.scorecards)] : []),
    ...(opts.confidence ? [confidenceSection(opts.confidence)] : []),
    { type: 'section', text: mrkdwn(`*Changes per reviewer in the period*\n${people.length ? people.join('\n') : 'none'}${s.reviewers.length > 15 ? `\n…and ${s.reviewers.length - 15} more` : ''}`) },
    { type: 'context', elements: [mrkdwn(`Issue rate = sessions now issue or fixed / sessions reviewed · times in ${escapeSlackText(opts.timeZone)}`)] },
  ];
  return fitMessage({ response_type: 'ephemeral', text: `QA ${opts.period.label}: ${s.byStatus.passed} passed, ${s.byStatus.issue} issue, ${s.byStatus.fixed} fixed, ${s.byStatus.unchecked} unchecked`, blocks });
}

/** The classifier's confidence on the period's customer messages, as text bars (classification review). */
function confidenceSection(c: { counts: number[]; corrected: number }): Block {
  const total = c.counts.reduce((a, n) => a + n, 0);
  const bars = histogramLines(c.counts).join('\n');
  const head = `*Classification confidence* (customer messages: ${total}; labels corrected by reviewers: ${c.corrected})`;
  return { type: 'section', text: mrkdwn(total ? `${head}\n\`\`\`${bars}\`\`\`\nUnsure ones: \`/qa queue lowconf\`` : `${head}\nnone classified`) };
}

function scorecardSection(c: ScorecardStats): Block {
  const d = c.disputes;
  const score = c.qaScore === null ? 'no scorecard reviews' : `${c.qaScore.toFixed(1)} average over ${c.reviews} scorecard review${c.reviews === 1 ? '' : 's'}`;
  return {
    type: 'section',
    fields: [
      mrkdwn(`*QA score*\n${score}`),
      mrkdwn(`*Disputes raised*\n${d.open + d.accepted + d.rejected} (${d.open} open, ${d.accepted} accepted, ${d.rejected} rejected)`),
    ],
  };
}

/** The modal asking for an issue's notes or a fix's feedback; `metadata` comes back on submission. */
export function notesModal(card: { sessionId: number; qaStatus: QaStatus }, to: 'issue' | 'fixed', metadata: string): types.ModalView {
  const issue = to === 'issue';
  return {
    type: 'modal',
    callback_id: QA_MODAL,
    private_metadata: metadata,
    // a modal title holds at most 24 characters: the session id goes in the text
    title: plain(issue ? 'QA issue' : 'Mark fixed'),
    submit: plain(issue ? 'Flag issue' : 'Mark fixed'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: mrkdwn(`Session ${card.sessionId} is *${card.qaStatus}*. ${issue ? 'What did the AI get wrong?' : 'What was changed to fix it?'}`) },
      {
        type: 'input',
        block_id: NOTES_BLOCK,
        label: plain(issue ? 'Notes for the developers' : 'Developer feedback'),
        element: { type: 'plain_text_input', action_id: NOTES_INPUT, multiline: true, min_length: 1, max_length: NOTES_MAX },
      },
    ],
  };
}

export function qaHelp(problem?: string): QaReply {
  const blocks: Block[] = [];
  if (problem) blocks.push({ type: 'section', text: mrkdwn(`:warning: ${truncate(escapeSlackText(problem), 2900)}`) });
  blocks.push({
    type: 'section',
    text: mrkdwn(
      [
        '*QA review*',
        `• \`/qa queue [n] [page]\`: the oldest unchecked sessions the AI took part in (${QUEUE_DEFAULT} by default, at most ${QUEUE_MAX}), with Pass / Issue / Show buttons; \`page\` is a page number or a Messenger page name`,
        '• `/qa queue risky [n] [page]`: the same sessions, riskiest first, each with why',
        '• `/qa show &lt;id&gt;`: the transcript, with what the AI decided for each message',
        '• `/qa pass &lt;id&gt; [notes]`, `/qa issue &lt;id&gt; [notes]`: QA reviewers and admins (without notes, `issue` asks for them)',
        '• `/qa fixed &lt;id&gt; [feedback]`: developers and admins (without feedback, it asks for it)',
        '• `/qa mine`: open issues that are yours: a reviewer\'s are the ones they raised; issues are not assigned, so developers see all of them, those that came back after their fix first',
        '• `/qa review &lt;id&gt;`: score the session on the scorecard (QA reviewers, leads and admins); scoring it again replaces your answers',
        '• `/qa dispute &lt;id&gt; &lt;reason&gt;`: dispute the session\'s latest scorecard review (developers, admins, the agent who replied in it)',
        '• `/qa disputes`: the open disputes; team leads and admins accept (rescore) or reject them',
        '• `/qa calibrate &lt;id&gt;` (leads): several reviewers score the session blind with `/qa calibration &lt;n&gt;`; `/qa calibration &lt;n&gt; close` reports their agreement',
        '• `/qa queue mine`: the sessions assigned to you by the sampling rules, soonest due first; your scorecard review or verdict completes each',
        '• `/qa rules`: the sampling rules; leads and admins `/qa rules add 5 per agent per week` (or `risky bot 6 per day`, `10% bot per week due 2`) and `/qa rules remove &lt;id&gt;`',
        '• `/qa workload` (leads): per reviewer assigned, done and overdue',
        '• `/qa queue lowconf [below 0.6] [n]`: customer messages of the last 30 days the classifier was unsure of; `/qa label &lt;message id&gt; &lt;label&gt;` corrects one (QA reviewers, leads, admins); topic counts use the correction',
        '• `/qa stats [period]`: counts by state, issue rate, changes per reviewer, the oldest waiting (default: last 7 days)',
      ].join('\n'),
    ),
  });
  return fitMessage({ response_type: 'ephemeral', text: problem ? `${escapeSlackText(problem)} Try /qa help.` : 'QA review: /qa queue, show, pass, issue, fixed, stats.', blocks });
}

export function notice(text: string): QaReply {
  return fitMessage({ response_type: 'ephemeral', text: escapeSlackText(text), blocks: [{ type: 'section', text: mrkdwn(escapeSlackText(text)) }] });
}

/** A context line for a message that is not ours (the QA_CHANNEL post): the new state and who set it. */
export function changedLine(c: QaCard, timeZone: string): types.ContextBlock {
  return { type: 'context', block_id: `qa_state:${c.sessionId}:${c.qaVersion}`, elements: [mrkdwn(`Session ${c.sessionId} is now ${stateLine(c, timeZone)}`)] };
}
