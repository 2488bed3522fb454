// Calibration in Slack (issue 20): `/qa calibrate <session>` (leads) starts one; `/qa calibration
// <id>` opens the scorecard for the caller's blind sheet while it is open (the submission is
// handled in qa-review.ts) and shows the agreement once closed; `/qa calibration <id> close`
// (leads) closes it and shows the agreement per category.

import type { RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { closeCalibration, startCalibration, viewCalibration } from '../../db/qa-calibrations-repo.ts';
import { qaCards } from '../../db/qa-review-repo.ts';
import { loadScorecard } from '../../db/qa-scorecards-repo.ts';
import { mayReview } from '../../domain/qa-scorecard.ts';
import { openView } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import { notice } from './qa-blocks.ts';
import { calibrationText, reviewModal, type ReviewModalMeta } from './qa-review-blocks.ts';

type Respond = (r: RespondArguments) => Promise<unknown>;
const sentence = (reason: string) => `${reason.charAt(0).toUpperCase()}${reason.slice(1)}`;

const reportReply = (text: string) => ({ response_type: 'ephemeral' as const, text, blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text, verbatim: true } }] });

export async function calibrateCommand(deps: SlackDeps, user: string, sessionId: number, respond: Respond): Promise<void> {
  const caller = await deps.callerOf(user);
  const r = await startCalibration(deps.pool, { sessionId, actor: caller, source: 'slack', at: deps.now() });
  if (!r.ok) return void (await respond(notice(`${sentence(r.reason)}. Nothing changed.`)));
  await respond(notice(`Calibration ${r.id} started on session ${sessionId}. Reviewers score it with /qa calibration ${r.id}; nobody sees the others' answers until you close it with /qa calibration ${r.id} close.`));
}

export async function calibrationCommand(
  deps: SlackDeps, client: WebClient,
  o: { user: string; calibrationId: number; close?: true; triggerId: string; responseUrl?: string; channel?: string },
  respond: Respond,
): Promise<void> {
  const caller = await deps.callerOf(o.user);
  if (o.close) {
    const r = await closeCalibration(deps.pool, { id: o.calibrationId, actor: caller, source: 'slack', at: deps.now() });
    if (!r.ok) return void (await respond(notice(`${sentence(r.reason)}. Nothing changed.`)));
    return void (await respond(reportReply(calibrationText(r.view.id, r.view.sessionId, r.view.report!))));
  }
  const view = await viewCalibration(deps.pool, o.calibrationId, caller);
  if (!view) return void (await respond(notice(`There is no calibration ${o.calibrationId}.`)));
  if (view.status === 'closed') {
    return void (await respond(view.report ? reportReply(calibrationText(view.id, view.sessionId, view.report)) : notice(`Calibration ${view.id} is closed.`)));
  }
  if (!mayReview(caller.role)) return void (await respond(notice(`Calibration ${view.id} is open: ${view.sheets} reviewer(s) have scored it. Only QA reviewers, leads and admins score.`)));
  const [card] = await qaCards(deps.pool, [view.sessionId]);
  const scorecard = await loadScorecard(deps.pool);
  const meta: ReviewModalMeta = {
    sessionId: view.sessionId, version: null, calibrationId: view.id, ...(o.responseUrl ? { responseUrl: o.responseUrl } : {}), ...(o.channel ? { channel: o.channel } : {}),
  };
  await openView(client.views, {
    trigger_id: o.triggerId,
    view: reviewModal(scorecard, { sessionId: view.sessionId, page: card?.page ?? '' }, JSON.stringify(meta), undefined, undefined, { id: view.id, ...(view.mine ? { mine: view.mine } : {}) }),
  });
}
