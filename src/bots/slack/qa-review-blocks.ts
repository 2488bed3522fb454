// Block Kit for scorecard reviews (issue 20): the `/qa review` modal with one select per
// category, the review lines `/qa show` adds under a session, and reading a submitted modal back
// into answers. Pure: data in, blocks out.

import type { types } from '@slack/bolt';
import type { QaDisputeDto } from '../../db/qa-disputes-repo.ts';
import type { QaReviewDto } from '../../db/qa-scorecards-repo.ts';
import { REASON_MAX } from '../../domain/qa-dispute.ts';
import { formatQaScore, type Answers, type Scorecard } from '../../domain/qa-scorecard.ts';
import type { CalibrationReport } from '../../domain/qa-calibration.ts';
import { escapeSlackText, truncate } from './format.ts';

/** callback_id of the scorecard modal */
export const REVIEW_MODAL = 'qa_review_modal';
/** block ids: one per category (`qa_cat:<key>`), the root causes and the notes */
export const CATEGORY_BLOCK = 'qa_cat:';
export const ROOT_BLOCK = 'qa_root';
export const REVIEW_NOTES_BLOCK = 'qa_review_notes';
/** action id of every input in the modal (the block id tells them apart) */
export const FIELD = 'v';
/** the N/A option's value */
export const NA = 'na';

/** What the modal carries from its opening to its submission. */
export interface ReviewModalMeta {
  sessionId: number;
  /** the caller's review's version when the modal opened (null: they had none) */
  version: number | null;
  /** where the outcome is told */
  responseUrl?: string;
  channel?: string;
  /** a lead accepting this dispute: the answers are the review's corrected ones, the notes the lead's note */
  disputeId?: number;
  disputeVersion?: number;
  /** a reviewer's blind sheet in this calibration */
  calibrationId?: number;
}

/** Action ids of the dispute buttons (`/qa disputes`) and the rejection modal. */
export const DISPUTE_ACTION = { accept: 'qa_dispute_accept', reject: 'qa_dispute_reject' } as const;
export const REJECT_MODAL = 'qa_dispute_reject_modal';
export const REJECT_BLOCK = 'qa_reject_reason';

/** A dispute button's value. */
export interface DisputeButtonValue {
  disputeId: number;
  version: number;
}

const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });

/** Slack's option text holds 75 characters, a label 2000, a hint 2000, a modal 100 blocks. */
const optionText = (s: string) => plain(truncate(s, 75));

function pointLabel(value: number, scaleMax: number): string {
  if (scaleMax === 1) return value === 1 ? 'Pass (1)' : 'Fail (0)';
  return `${value} of ${scaleMax}`;
}

/**
 * The scorecard modal for a session; `review` (the caller's own, or the disputed one) fills in
 * its answers. With `dispute`, the modal accepts that dispute with the corrected answers.
 */
export function reviewModal(
  card: Scorecard, session: { sessionId: number; page: string }, metadata: string, review?: QaReviewDto, dispute?: QaDisputeDto,
  calibration?: { id: number; mine?: Answers },
): types.ModalView {
  const previous = new Map<string, number | null>(review?.answers.map((a) => [a.key, a.value]) ?? Object.entries(calibration?.mine ?? {}));
  const intro = dispute
    ? `Dispute ${dispute.id} of ${escapeSlackText(review?.reviewer?.name ?? 'a reviewer')}'s review of session ${session.sessionId} (QA score ${review ? formatQaScore(review) : 'n/a'}):\n> ${truncate(escapeSlackText(dispute.reason).replace(/\n/g, ' '), 1500)}\nCorrect the answers and accept.`
    : calibration
      ? `Calibration ${calibration.id} of session ${session.sessionId} · ${escapeSlackText(session.page)}: score it on your own; nobody sees the answers until a lead closes it.`
      : `Session ${session.sessionId} · ${escapeSlackText(session.page)}${review ? ` · your review from before (QA score ${formatQaScore(review)})` : ''}`;
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: mrkdwn(`${intro}\nScore each category; N/A leaves it out of the QA score. An autofail category answered 0 makes the QA score 0.`) },
  ];
  for (const c of card.categories) {
    const options: types.PlainTextOption[] = [];
    for (let v = c.scaleMax; v >= 0; v--) options.push({ text: optionText(pointLabel(v, c.scaleMax)), value: String(v) });
    if (c.allowNa) options.push({ text: plain('N/A'), value: NA });
    const before = previous.get(c.key);
    const initial = before === undefined ? undefined : options.find((o) => o.value === (before === null ? NA : String(before)));
    const hint = [c.description ?? '', `weight ${c.weight}`, c.autofail ? 'autofail: 0 fails the whole review' : ''].filter(Boolean).join(' · ');
    blocks.push({
      type: 'input',
      block_id: `${CATEGORY_BLOCK}${c.key}`,
      label: plain(truncate(c.label, 200)),
      hint: plain(truncate(hint, 1900)),
      element: { type: 'static_select', action_id: FIELD, placeholder: plain('Choose'), options, ...(initial ? { initial_option: initial } : {}) },
    });
  }
  if (card.rootCauses.length) {
    const options = card.rootCauses.map((r) => ({ text: optionText(r.label), value: r.key }));
    const initial = options.filter((o) => review?.rootCauses.includes(o.value));
    blocks.push({
      type: 'input',
      block_id: ROOT_BLOCK,
      optional: true,
      label: plain('Root causes'),
      element: { type: 'multi_static_select', action_id: FIELD, placeholder: plain('What went wrong'), options, ...(initial.length ? { initial_options: initial } : {}) },
    });
  }
  blocks.push({
    type: 'input',
    block_id: REVIEW_NOTES_BLOCK,
    optional: true,
    label: plain(dispute ? 'Note for the dispute' : 'Notes'),
    element: { type: 'plain_text_input', action_id: FIELD, multiline: true, max_length: dispute ? REASON_MAX : 4000, ...(review?.notes && !dispute ? { initial_value: review.notes } : {}) },
  });
  return {
    type: 'modal',
    callback_id: REVIEW_MODAL,
    private_metadata: metadata,
    title: plain(dispute ? 'Accept dispute' : calibration ? 'QA calibration' : 'QA scorecard'),
    submit: plain(dispute ? 'Accept' : review ? 'Save review' : 'Submit review'),
    close: plain('Cancel'),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { selected_option?: { value: string } | null; selected_options?: { value: string }[]; value?: string | null }>>;

/** The answers, root causes and notes of a submitted modal; a category left empty is absent (answerProblems names it). */
export function readReviewModal(values: StateValues): { answers: Answers; rootCauses: string[]; notes?: string } {
  const answers: Answers = {};
  for (const [block, fields] of Object.entries(values)) {
    if (!block.startsWith(CATEGORY_BLOCK)) continue;
    const chosen = fields[FIELD]?.selected_option?.value;
    if (chosen === undefined) continue;
    answers[block.slice(CATEGORY_BLOCK.length)] = chosen === NA ? null : Number(chosen);
  }
  const rootCauses = values[ROOT_BLOCK]?.[FIELD]?.selected_options?.map((o) => o.value) ?? [];
  const notes = values[REVIEW_NOTES_BLOCK]?.[FIELD]?.value?.trim();
  return { answers, rootCauses, ...(notes ? { notes } : {}) };
}

const who = (r: QaReviewDto) =>
  r.reviewer?.slackId && /^[UW][A-Z0-9]+$/.test(r.reviewer.slackId) ? `<@${r.reviewer.slackId}>` : escapeSlackText(r.reviewer?.name ?? 'someone');

/** One review as a line: score, category answers, root causes, notes. */
export function reviewLine(r: QaReviewDto): string {
  const answers = r.answers.map((a) => `${escapeSlackText(a.label)} ${a.value === null ? 'N/A' : `${a.value}/${a.scaleMax}`}`).join(', ');
  const causes = r.rootCauses.length ? ` · root causes: ${escapeSlackText(r.rootCauses.join(', '))}` : '';
  const notes = r.notes ? `\n> ${truncate(escapeSlackText(r.notes).replace(/\n/g, ' '), 300)}` : '';
  return `• ${who(r)}: *QA score ${formatQaScore(r)}* (${answers})${causes}${notes}`;
}

const someone = (p: { name: string | null; slackId?: string } | null) =>
  p?.slackId && /^[UW][A-Z0-9]+$/.test(p.slackId) ? `<@${p.slackId}>` : escapeSlackText(p?.name ?? 'someone');

/** A dispute as a line: who, why, and how it was settled. */
export function disputeLine(d: QaDisputeDto): string {
  const reason = truncate(escapeSlackText(d.reason).replace(/\n/g, ' '), 300);
  const settled = d.status === 'open' ? '_open_' : `*${d.status}* by ${someone(d.resolvedBy)}${d.resolution ? `: ${truncate(escapeSlackText(d.resolution).replace(/\n/g, ' '), 300)}` : ''}`;
  return `↳ dispute ${d.id} by ${someone(d.raisedBy)}: ${reason} — ${settled}`;
}

/** `/qa disputes`: the open disputes, each with Accept / Reject for those who settle them. */
export function disputeListBlocks(disputes: readonly QaDisputeDto[], withButtons: boolean): { response_type: 'ephemeral'; text: string; blocks: types.KnownBlock[] } {
  const text = disputes.length ? `${disputes.length} open dispute${disputes.length === 1 ? '' : 's'}` : 'No open disputes.';
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(`*QA disputes*: ${text}`) }];
  for (const d of disputes.slice(0, 20)) {
    const reviewer = d.review.reviewerSlackId ? someone({ name: d.review.reviewer, slackId: d.review.reviewerSlackId }) : escapeSlackText(d.review.reviewer ?? 'someone');
    blocks.push({ type: 'section', block_id: `qa_dispute:${d.id}:${d.version}`, text: mrkdwn(`*Session ${d.sessionId}* · ${reviewer}'s review, QA score ${formatQaScore(d.review)}\n${disputeLine(d)}`) });
    if (withButtons) {
      const value = JSON.stringify({ disputeId: d.id, version: d.version } satisfies DisputeButtonValue);
      blocks.push({
        type: 'actions', block_id: `qa_dispute_actions:${d.id}:${d.version}`,
        elements: [
          { type: 'button', action_id: DISPUTE_ACTION.accept, text: plain('Accept (rescore)'), style: 'primary', value },
          { type: 'button', action_id: DISPUTE_ACTION.reject, text: plain('Reject'), style: 'danger', value },
        ],
      });
    }
  }
  return { response_type: 'ephemeral', text, blocks };
}

/** The modal asking a lead why a dispute is rejected. */
export function rejectModal(d: QaDisputeDto, metadata: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL,
    private_metadata: metadata,
    title: plain('Reject dispute'),
    submit: plain('Reject'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: mrkdwn(`Dispute ${d.id} of the review of session ${d.sessionId}:\n> ${truncate(escapeSlackText(d.reason).replace(/\n/g, ' '), 1500)}`) },
      { type: 'input', block_id: REJECT_BLOCK, label: plain('Why the review stands'), element: { type: 'plain_text_input', action_id: FIELD, multiline: true, min_length: 1, max_length: REASON_MAX } },
    ],
  };
}

/** A closed calibration's report: agreement per category and each reviewer's alignment. */
export function calibrationText(id: number, sessionId: number, r: CalibrationReport): string {
  const cats = r.categories.map((c) => `• ${escapeSlackText(c.label)}: ${c.agreement.toFixed(0)}% agreement (${c.answers.map((a) => (a === null ? 'N/A' : String(a))).join(', ')})`);
  const people = r.alignment.map((a) => `• ${escapeSlackText(a.reviewer)}: ${a.alignment === null ? 'n/a' : a.alignment.toFixed(1)}`);
  return [
    `*Calibration ${id}* of session ${sessionId}: ${r.reviewers} reviewers, *${r.agreement.toFixed(1)}% agreement*`,
    ...cats,
    '_Reviewer alignment (100 = on the consensus):_',
    ...people,
  ].join('\n');
}
