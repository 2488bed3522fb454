import type pg from 'pg';
import { closeSurvey, openSurvey, recordComment, recordScore, type OpenSurvey } from '../../db/csat-repo.ts';
import type { InboxEvent } from '../../db/messenger-inbox-repo.ts';
import { COMMENT_NOTED, COMMENT_WINDOW_MS, parseCsatPayload, thanksMessage, typedScore, type CsatScore } from '../../domain/csat.ts';
import type { MessengerSender } from '../../domain/messenger/contracts.ts';

// The reply worker's CSAT hook: a customer message that answers a survey (a button's payload,
// a typed digit as the first message after the survey, or the optional comment after a score)
// is stored in csat_responses and never reaches the customer agent as a question. It writes on
// its own (the worker's batch transaction only settles events): a replayed event finds its
// answer stored and its thank-you already in the send log (keys csat-thanks:<survey>, csat-noted:<survey>).

type Raw = { message?: { quick_reply?: { payload?: string }; attachments?: unknown[] }; postback?: { payload?: string } };

/**
 * True when the event was a survey answer (handled here: the bot must not answer it). `known`:
 * the conversation's open survey as the worker's claim read it (no read of its own); absent, it is read here.
 */
export async function takeCsatAnswer(
  client: pg.ClientBase | pg.Pool, sender: MessengerSender, ev: InboxEvent, text: string, known?: { openSurvey: OpenSurvey | undefined },
): Promise<boolean> {
  const raw = ev.payload as Raw;
  const payload = raw.message?.quick_reply?.payload ?? raw.postback?.payload;
  const base = { pageId: ev.pageId, psid: ev.psid, conversationId: ev.conversationId, sender: 'bot' as const };
  const thank = async (surveyId: number, sessionId: number, score: CsatScore) => {
    const t = thanksMessage(sessionId, score);
    await sender.send({ ...base, key: `csat-thanks:${surveyId}`, text: t.text, quickReplies: t.quickReplies, agentInfo: { response_type: 'csat_thanks' } });
  };

  const tapped = parseCsatPayload(payload);
  if (tapped?.kind === 'score') {
    const r = await recordScore(client, { sessionId: tapped.sessionId, conversationId: ev.conversationId, score: tapped.score, at: ev.at });
    if (r.stored) await thank(r.surveyId!, tapped.sessionId, tapped.score);
    // a second tap, or a button of a survey not in this conversation: ours, and nothing to answer
    return true;
  }
  if (tapped?.kind === 'skip') {
    await closeSurvey(client, { sessionId: tapped.sessionId, conversationId: ev.conversationId });
    return true;
  }

  const open = known ? known.openSurvey : await openSurvey(client, ev.conversationId);
  if (!open || ev.at.getTime() <= open.askedAt.getTime()) return false;
  if (open.stage === 'score') {
    const typed = payload === undefined ? typedScore(text) : undefined;
    if (typed === undefined) {
      // the customer moved on: what they wrote is a message for the bot, and later digits are too
      await closeSurvey(client, { surveyId: open.id });
      return false;
    }
    const r = await recordScore(client, { sessionId: open.sessionId, conversationId: ev.conversationId, score: typed, at: ev.at });
    if (r.stored) await thank(open.id, open.sessionId, typed);
    return true;
  }
  // the comment stage: typed text soon after the score; a button, an attachment or a late message is not a comment
  const comment = payload === undefined && (raw.message?.attachments?.length ?? 0) === 0 ? text.trim() : '';
  const inTime = open.answeredAt !== null && ev.at.getTime() - open.answeredAt.getTime() <= COMMENT_WINDOW_MS;
  if (!comment || !inTime) {
    await closeSurvey(client, { surveyId: open.id });
    return false;
  }
  if (await recordComment(client, open.id, comment.slice(0, 4000), ev.at)) {
    await sender.send({ ...base, key: `csat-noted:${open.id}`, text: COMMENT_NOTED, agentInfo: { response_type: 'csat_thanks' } });
  }
  return true;
}
