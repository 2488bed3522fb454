import type pg from 'pg';
import { claimSurveys, settleSurvey, unsentSurveys, type ClaimedSurvey } from '../../db/csat-repo.ts';
import { surveyMessage } from '../../domain/csat.ts';
import type { MessengerSender } from '../../domain/messenger/contracts.ts';
import type { Logger } from '../../logger.ts';

// One run of the CSAT survey job (scheduled every few minutes: tasks.ts): claim every resolved
// session at once (csat-repo claimSurveys: the rules), then send each survey through the Send
// API sender under the key `csat:<session id>`, so a survey claimed by a run that died before
// sending is sent by a later run at most once.

/** A claim this old and still pending belongs to a run that died: send it again (same key). */
const UNSENT_AFTER_MS = 10 * 60_000;

export interface CsatRunDeps {
  pool: pg.Pool;
  sender: MessengerSender;
  logger?: Logger;
  /** CSAT_DELAY_MINUTES */
  delayMinutes: number;
  /** MESSENGER_HUMAN_PAUSE_MINUTES */
  pauseMinutes: number;
}

export interface CsatRunResult {
  claimed: number;
  sent: number;
  refused: number;
  failed: number;
}

export async function runCsatSurveys(deps: CsatRunDeps, now: Date): Promise<CsatRunResult> {
  const retry = await unsentSurveys(deps.pool, now, UNSENT_AFTER_MS);
  const claimed = await claimSurveys(deps.pool, now, { delayMinutes: deps.delayMinutes, pauseMinutes: deps.pauseMinutes });
  const result: CsatRunResult = { claimed: claimed.length, sent: 0, refused: 0, failed: 0 };
  for (const s of [...retry, ...claimed]) {
    const outcome = await send(deps, s);
    result[outcome]++;
  }
  if (claimed.length + retry.length > 0) deps.logger?.info({ component: 'csat', ...result, retried: retry.length }, 'csat: surveys sent');
  return result;
}

async function send(deps: CsatRunDeps, s: ClaimedSurvey): Promise<'sent' | 'refused' | 'failed'> {
  const q = surveyMessage(s.sessionId);
  const r = await deps.sender.send({
    key: `csat:${s.sessionId}`, pageId: s.pageId, psid: s.psid, conversationId: s.conversationId, sender: 'bot',
    text: q.text, quickReplies: q.quickReplies, agentInfo: { response_type: 'csat_survey', session_id: s.sessionId },
  });
  // duplicate: an earlier run of this claim reached the send log first
  const status = r.status === 'sent' || r.status === 'duplicate' ? 'sent' : r.status;
  await settleSurvey(deps.pool, s.surveyId, status, 'reason' in r ? r.reason : undefined);
  if (status !== 'sent') deps.logger?.warn({ component: 'csat', sessionId: s.sessionId, result: r }, 'csat: survey not delivered');
  return status;
}
