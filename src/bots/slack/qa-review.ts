// `/qa review <session>` in Slack: the scorecard modal (views.open with the command's
// trigger_id, which Slack honours for 3 s, so it opens before anything slow), and its submission:
// answers checked inside the ack (Slack shows the problems under the fields and keeps the modal
// open), then saved through saveReview, which scores, versions and audits. The outcome is told
// privately where the command was typed.

import type { App, RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { qaCards } from '../../db/qa-review-repo.ts';
import { resolveDispute } from '../../db/qa-disputes-repo.ts';
import { submitCalibration } from '../../db/qa-calibrations-repo.ts';
import { findReviewBy, loadScorecard, saveReview, type SaveReviewResult } from '../../db/qa-scorecards-repo.ts';
import { answerProblems, formatQaScore, mayReview, REVIEW_ROLES } from '../../domain/qa-scorecard.ts';
import { fitReply, openView, postEphemeral } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import { notice } from './qa-blocks.ts';
import { CATEGORY_BLOCK, readReviewModal, REVIEW_MODAL, REVIEW_NOTES_BLOCK, reviewModal, ROOT_BLOCK, type ReviewModalMeta } from './qa-review-blocks.ts';

const parseMeta = (s: string | undefined): ReviewModalMeta | undefined => {
  try {
    const v = s ? (JSON.parse(s) as ReviewModalMeta) : undefined;
    return v && Number.isInteger(v.sessionId) && (v.version === null || Number.isInteger(v.version)) ? v : undefined;
  } catch {
    return undefined;
  }
};

/** Tells the user privately: through the command's response_url, else an ephemeral message. */
export async function tellPrivately(client: WebClient, deps: SlackDeps, user: string, where: { responseUrl?: string; channel?: string }, text: string): Promise<void> {
  const reply = notice(text);
  try {
    if (where.responseUrl) {
      const body: RespondArguments = { ...reply, response_type: 'ephemeral', replace_original: false };
      const res = await fetch(where.responseUrl, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(fitReply(body)) });
      if (!res.ok) throw new Error(`response_url answered ${res.status}`);
    } else if (where.channel) {
      await postEphemeral(client.chat, { channel: where.channel, user, text: reply.text, blocks: reply.blocks }, deps.logger);
    }
  } catch (err) {
    deps.logger.error({ err, user }, 'slack: telling the user failed');
  }
}

function outcome(r: SaveReviewResult, sessionId: number): string {
  if (r.ok) return `${r.created ? 'Review saved' : 'Review updated'} for session ${sessionId}: QA score ${formatQaScore(r.review)}.`;
  return `${r.reason.charAt(0).toUpperCase()}${r.reason.slice(1)}. Nothing was saved.`;
}

/**
 * Opens the scorecard modal for `sessionId`, or answers why not. `respond` answers the command;
 * the caller has acked already.
 */
export async function openReview(
  deps: SlackDeps,
  client: WebClient,
  o: { user: string; sessionId: number; triggerId: string; responseUrl?: string; channel?: string },
  respond: (r: RespondArguments) => Promise<unknown>,
): Promise<void> {
  const caller = await deps.callerOf(o.user);
  if (!mayReview(caller.role)) return void (await respond(notice(`Only ${REVIEW_ROLES.join(', ')} can score a session. Nothing was opened.`)));
  const [card] = await qaCards(deps.pool, [o.sessionId]);
  if (!card) return void (await respond(notice(`There is no session ${o.sessionId}.`)));
  const [scorecard, mine] = await Promise.all([loadScorecard(deps.pool), caller.userId !== undefined ? findReviewBy(deps.pool, o.sessionId, caller.userId) : undefined]);
  const meta: ReviewModalMeta = {
    sessionId: o.sessionId, version: mine?.version ?? null, ...(o.responseUrl ? { responseUrl: o.responseUrl } : {}), ...(o.channel ? { channel: o.channel } : {}),
  };
  await openView(client.views, { trigger_id: o.triggerId, view: reviewModal(scorecard, { sessionId: card.sessionId, page: card.page }, JSON.stringify(meta), mine) });
}

export function registerQaReview(app: App, deps: SlackDeps): void {
  const log = deps.logger.child({ component: 'slack', command: '/qa review' });

  /** A reviewer's blind sheet in a calibration: saved, and only its own score told. */
  async function calibrationSheet(client: WebClient, user: string, meta: ReviewModalMeta, read: ReturnType<typeof readReviewModal>): Promise<void> {
    try {
      const caller = await deps.callerOf(user);
      const r = await submitCalibration(deps.pool, { calibrationId: meta.calibrationId!, actor: caller, answers: read.answers, source: 'slack', at: deps.now() });
      const text = r.ok
        ? `Your calibration sheet for calibration ${meta.calibrationId} is saved (your QA score ${formatQaScore(r)}). The others' answers show when a lead closes it.`
        : `${r.reason.charAt(0).toUpperCase()}${r.reason.slice(1)}. Nothing was saved.`;
      await tellPrivately(client, deps, user, meta, text);
    } catch (err) {
      log.error({ err, user, calibrationId: meta.calibrationId }, 'slack: calibration sheet failed');
      await tellPrivately(client, deps, user, meta, 'Sorry, that did not work just now. Nothing was saved.');
    }
  }

  /** The scorecard modal opened by a dispute's Accept button: the corrected answers settle it. */
  async function acceptDispute(client: WebClient, user: string, meta: ReviewModalMeta, read: ReturnType<typeof readReviewModal>): Promise<void> {
    try {
      const caller = await deps.callerOf(user);
      const result = await resolveDispute(deps.pool, {
        disputeId: meta.disputeId!, actor: caller, accept: true, answers: read.answers, rootCauses: read.rootCauses, source: 'slack', at: deps.now(),
        ...(read.notes ? { note: read.notes } : {}),
        ...(meta.disputeVersion !== undefined ? { expectedVersion: meta.disputeVersion } : {}),
      }, deps.afterDispute);
      log.info({ disputeId: meta.disputeId, user, ok: result.ok }, 'slack: dispute accepted');
      const text = result.ok
        ? `Dispute ${meta.disputeId} accepted: the review of session ${meta.sessionId} now scores ${formatQaScore(result.review)}.`
        : `${result.reason.charAt(0).toUpperCase()}${result.reason.slice(1)}. Nothing changed.`;
      await tellPrivately(client, deps, user, meta, text);
    } catch (err) {
      log.error({ err, user, disputeId: meta.disputeId }, 'slack: accepting the dispute failed');
      await tellPrivately(client, deps, user, meta, 'Sorry, that did not work just now. Nothing changed.');
    }
  }

  app.view(REVIEW_MODAL, async ({ ack, view, body, client }) => {
    const meta = parseMeta(view.private_metadata);
    const read = readReviewModal(view.state.values as Parameters<typeof readReviewModal>[0]);
    if (!meta) {
      await ack();
      log.warn({ user: body.user.id }, 'slack: scorecard modal without readable metadata');
      return;
    }
    // answered inside the ack: Slack shows these under the fields and keeps the modal open
    const problems = answerProblems(await loadScorecard(deps.pool), read.answers, read.rootCauses);
    if (problems.length) {
      const blockOf = (field: string) => (field === 'rootCauses' ? ROOT_BLOCK : field === 'notes' ? REVIEW_NOTES_BLOCK : `${CATEGORY_BLOCK}${field}`);
      const errors = Object.fromEntries(problems.map((p) => [blockOf(p.field), p.problem.charAt(0).toUpperCase() + p.problem.slice(1)]));
      return void (await ack({ response_action: 'errors', errors }));
    }
    await ack();
    if (meta.disputeId !== undefined) return acceptDispute(client, body.user.id, meta, read);
    if (meta.calibrationId !== undefined) return calibrationSheet(client, body.user.id, meta, read);
    try {
      const caller = await deps.callerOf(body.user.id);
      const result = await saveReview(deps.pool, {
        sessionId: meta.sessionId, actor: caller, answers: read.answers, rootCauses: read.rootCauses, expectedVersion: meta.version, source: 'slack', at: deps.now(),
        ...(read.notes ? { notes: read.notes } : {}),
      });
      log.info({ sessionId: meta.sessionId, user: body.user.id, ok: result.ok, ...(result.ok ? { score: result.review.score } : { kind: result.kind }) }, 'slack: scorecard review');
      await tellPrivately(client, deps, body.user.id, meta, outcome(result, meta.sessionId));
    } catch (err) {
      log.error({ err, user: body.user.id, sessionId: meta.sessionId }, 'slack: scorecard review failed');
      await tellPrivately(client, deps, body.user.id, meta, 'Sorry, that did not work just now. Nothing was saved.');
    }
  });
}
