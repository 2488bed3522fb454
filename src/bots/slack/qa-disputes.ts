// Disputes in Slack (issue 20): `/qa dispute <session> <reason>` disputes the session's latest
// scorecard review; `/qa disputes` lists the open ones with Accept / Reject for team leads.
// Accept opens the scorecard modal filled with the disputed answers (its submission is handled in
// qa-review.ts); Reject asks for a reason. The rules and the writes are qa-disputes-repo's.

import type { App, BlockAction, ButtonAction, RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { findDispute, listDisputes, openDispute, resolveDispute } from '../../db/qa-disputes-repo.ts';
import { qaCards } from '../../db/qa-review-repo.ts';
import { findReview, loadScorecard } from '../../db/qa-scorecards-repo.ts';
import { RESOLVER_ROLES } from '../../domain/qa-dispute.ts';
import { formatQaScore } from '../../domain/qa-scorecard.ts';
import { fitReply, openView } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import { notice } from './qa-blocks.ts';
import {
  DISPUTE_ACTION, FIELD, REJECT_BLOCK, REJECT_MODAL, disputeListBlocks, rejectModal, reviewModal, type DisputeButtonValue, type ReviewModalMeta,
} from './qa-review-blocks.ts';
import { tellPrivately } from './qa-review.ts';

const sentence = (reason: string) => `${reason.charAt(0).toUpperCase()}${reason.slice(1)}`;

/** `/qa dispute <session> <reason>` */
export async function disputeCommand(deps: SlackDeps, user: string, sessionId: number, reason: string | undefined, respond: (r: RespondArguments) => Promise<unknown>): Promise<void> {
  const caller = await deps.callerOf(user);
  const result = await openDispute(deps.pool, { sessionId, actor: caller, ...(reason !== undefined ? { reason } : {}), source: 'slack', at: deps.now() }, deps.afterDispute);
  if (!result.ok) {
    const hint = result.kind === 'missing_reason' ? ' Write it after the session id: `/qa dispute <session id> <reason>`.' : '';
    return void (await respond(notice(`${sentence(result.reason)}.${hint} Nothing changed.`)));
  }
  const d = result.dispute;
  await respond(notice(`Dispute ${d.id} opened on ${d.review.reviewer ?? 'a reviewer'}'s review of session ${sessionId} (QA score ${formatQaScore(d.review)}). A team lead will accept or reject it.`));
}

/** `/qa disputes` */
export async function disputesCommand(deps: SlackDeps, user: string, respond: (r: RespondArguments) => Promise<unknown>): Promise<void> {
  const caller = await deps.callerOf(user);
  const open = await listDisputes(deps.pool, { status: 'open' });
  await respond(fitReply(disputeListBlocks(open, RESOLVER_ROLES.includes(caller.role))));
}

const buttonValue = (action: unknown): DisputeButtonValue | undefined => {
  try {
    const v = JSON.parse((action as ButtonAction).value ?? '') as DisputeButtonValue;
    return Number.isInteger(v.disputeId) && Number.isInteger(v.version) ? v : undefined;
  } catch {
    return undefined;
  }
};

export function registerQaDisputes(app: App, deps: SlackDeps): void {
  const log = deps.logger.child({ component: 'slack', command: '/qa disputes' });

  /** Checks the presser may settle the dispute and it is still open; tells them otherwise. */
  async function openable(client: WebClient, body: BlockAction, value: DisputeButtonValue) {
    const where = { ...(body.response_url ? { responseUrl: body.response_url } : {}), ...(body.channel?.id ? { channel: body.channel.id } : {}) };
    const caller = await deps.callerOf(body.user.id);
    const d = await findDispute(deps.pool, value.disputeId);
    let refusal: string | undefined;
    if (!RESOLVER_ROLES.includes(caller.role)) refusal = 'Only team leads and admins settle disputes. Nothing changed.';
    else if (!d) refusal = `There is no dispute ${value.disputeId}.`;
    else if (d.status !== 'open' || d.version !== value.version) refusal = `Dispute ${d.id} was ${d.status} already. Nothing changed.`;
    if (refusal || !d) {
      await tellPrivately(client, deps, body.user.id, where, refusal ?? 'Nothing changed.');
      return undefined;
    }
    return { d, where };
  }

  app.action<BlockAction>(DISPUTE_ACTION.accept, async ({ ack, body, action, client }) => {
    await ack();
    const value = buttonValue(action);
    if (!value) return;
    try {
      const ok = await openable(client, body, value);
      if (!ok) return;
      const [card, review, scorecard] = await Promise.all([qaCards(deps.pool, [ok.d.sessionId]), findReview(deps.pool, ok.d.reviewId), loadScorecard(deps.pool)]);
      const meta: ReviewModalMeta = { sessionId: ok.d.sessionId, version: review?.version ?? null, disputeId: ok.d.id, disputeVersion: ok.d.version, ...ok.where };
      await openView(client.views, {
        trigger_id: body.trigger_id,
        view: reviewModal(scorecard, { sessionId: ok.d.sessionId, page: card[0]?.page ?? '' }, JSON.stringify(meta), review, ok.d),
      });
    } catch (err) {
      log.error({ err, user: body.user.id }, 'slack: dispute accept failed');
    }
  });

  app.action<BlockAction>(DISPUTE_ACTION.reject, async ({ ack, body, action, client }) => {
    await ack();
    const value = buttonValue(action);
    if (!value) return;
    try {
      const ok = await openable(client, body, value);
      if (!ok) return;
      const meta: ReviewModalMeta = { sessionId: ok.d.sessionId, version: null, disputeId: ok.d.id, disputeVersion: ok.d.version, ...ok.where };
      await openView(client.views, { trigger_id: body.trigger_id, view: rejectModal(ok.d, JSON.stringify(meta)) });
    } catch (err) {
      log.error({ err, user: body.user.id }, 'slack: dispute reject failed');
    }
  });

  app.view(REJECT_MODAL, async ({ ack, view, body, client }) => {
    const text = view.state.values[REJECT_BLOCK]?.[FIELD]?.value?.trim() ?? '';
    if (!text) return void (await ack({ response_action: 'errors', errors: { [REJECT_BLOCK]: 'Please say why the review stands.' } }));
    await ack();
    let meta: ReviewModalMeta | undefined;
    try {
      meta = JSON.parse(view.private_metadata) as ReviewModalMeta;
    } catch {
      meta = undefined;
    }
    if (!meta || !Number.isInteger(meta.disputeId)) return void log.warn({ user: body.user.id }, 'slack: reject modal without readable metadata');
    try {
      const caller = await deps.callerOf(body.user.id);
      const result = await resolveDispute(deps.pool, {
        disputeId: meta.disputeId!, actor: caller, accept: false, note: text, source: 'slack', at: deps.now(),
        ...(meta.disputeVersion !== undefined ? { expectedVersion: meta.disputeVersion } : {}),
      }, deps.afterDispute);
      await tellPrivately(client, deps, body.user.id, meta, result.ok ? `Dispute ${meta.disputeId} rejected: the review of session ${meta.sessionId} stands.` : `${sentence(result.reason)}. Nothing changed.`);
    } catch (err) {
      log.error({ err, user: body.user.id }, 'slack: dispute rejection failed');
      await tellPrivately(client, deps, body.user.id, meta, 'Sorry, that did not work just now. Nothing changed.');
    }
  });
}
