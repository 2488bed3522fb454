import type { RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { resolvePage, ToolInputError } from '../../agents/assistant/context.ts';
import { conversationLookup } from '../../db/read/conversation-lookup.ts';
import { qaCards, qaQueuePage, qaRiskPage, qaStats, sessionTranscript } from '../../db/qa-review-repo.ts';
import { confidenceHistogram } from '../../db/message-labels-repo.ts';
import { sessionReviews } from '../../db/qa-scorecards-repo.ts';
import { disputeCounts, listDisputes } from '../../db/qa-disputes-repo.ts';
import { metricRows } from '../../db/semantic/value.ts';
import { analyticsDenial, customerDataDenial, mayAskAnalytics, mayReadCustomerData } from '../../domain/access.ts';
import type { QaCommand } from '../../domain/qa-command.ts';
import { qaTargets } from '../../domain/qa.ts';
import { parsePeriod, periodBounds } from '../../domain/periods.ts';
import { fitReply, postMessage } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import type { QaSlackOptions } from './qa.ts';
import { TRANSCRIPT_PAGE, notice, qaHelp, queueBlocks, queueHead, queueText, showBlocks, statsBlocks, type QaReply } from './qa-blocks.ts';

// The reads behind `/qa queue`, `/qa show` and `/qa stats` (src/bots/slack/qa.ts registers them).

const DEFAULT_PERIOD = 'last 7 days';

export const slackError = (err: unknown): string | undefined => (err as { data?: { error?: string } } | undefined)?.data?.error;

export interface QaContext {
  deps: SlackDeps;
  log: SlackDeps['logger'];
  tz: string;
  opts: QaSlackOptions;
}

/** The reads behind queue, show and stats: nothing here changes anything. */
export function qaReads({ deps, log, tz }: QaContext) {
  async function show(user: string, sessionId: number, offset: number): Promise<QaReply> {
    const caller = await deps.callerOf(user);
    const [card] = await qaCards(deps.pool, [sessionId]);
    if (!card) return notice(`There is no session ${sessionId}.`);
    if (!mayReadCustomerData(caller.role)) return showBlocks(card, { timeZone: tz, transcript: { denied: customerDataDenial(caller.role) } });
    const [transcript, conv, reviews, disputes] = await Promise.all([
      sessionTranscript(deps.pool, sessionId, { offset, limit: TRANSCRIPT_PAGE }),
      conversationLookup(deps.pool, { conversationId: card.conversationId, maxMessages: 1 }),
      sessionReviews(deps.pool, sessionId),
      listDisputes(deps.pool, { sessionId }),
    ]);
    if (!transcript) return notice(`There is no session ${sessionId}.`);
    return showBlocks(card, { timeZone: tz, customerInitials: conv?.customerInitials ?? null, transcript, reviews, disputes });
  }

  async function analyticsRefusal(user: string): Promise<QaReply | undefined> {
    const caller = await deps.callerOf(user);
    const min = deps.config.assistantMinRole;
    return min && !mayAskAnalytics(caller.role, min) ? notice(`Sorry, ${analyticsDenial(caller.role, min)} An admin can change your role.`) : undefined;
  }

  async function queue(client: WebClient, cmd: Extract<QaCommand, { kind: 'queue' }>, user: string, channel: string, respond: (r: RespondArguments) => Promise<unknown>): Promise<void> {
    const refused = await analyticsRefusal(user);
    if (refused) return void (await respond(refused));
    let page: { id: number; name: string } | undefined;
    try {
      page = cmd.pageName ? await resolvePage(deps.pool, cmd.pageName) : undefined;
    } catch (err) {
      if (!(err instanceof ToolInputError)) throw err;
      return void (await respond(qaHelp(`${err.message}.`)));
    }
    const pageOpts = { limit: cmd.limit, offset: (cmd.pageNumber - 1) * cmd.limit, ...(page ? { pageId: page.id } : {}) };
    const found = cmd.order === 'risk' ? await qaRiskPage(deps.pool, { ...pageOpts, tz }) : await qaQueuePage(deps.pool, pageOpts);
    if (found.cards.length === 0) {
      const what = found.waiting === 0 ? `Nothing is waiting for review${page ? ` on ${page.name}` : ''}.` : `Page ${cmd.pageNumber} is past the end: ${found.waiting} waiting.`;
      return void (await respond(notice(what)));
    }
    const head = queueHead({ waiting: found.waiting, limit: cmd.limit, pageNumber: cmd.pageNumber, ...(page ? { pageName: page.name } : {}), ...(cmd.order ? { order: cmd.order } : {}) }, tz);
    const text = queueText(found.waiting);
    try {
      await postMessage(client.chat, { channel, text, blocks: queueBlocks(head, found.cards, { timeZone: tz, targets: (c) => qaTargets(c.qaStatus, 'admin') }) }, log);
    } catch (err) {
      // the app is not in this channel (or it is someone else's DM): the list goes to the asker only
      log.info({ channel, error: slackError(err) }, 'slack: /qa queue posted privately');
      const caller = await deps.callerOf(user);
      await respond(fitReply({ response_type: 'ephemeral', text, blocks: queueBlocks(head, found.cards, { timeZone: tz, targets: (c) => qaTargets(c.qaStatus, caller.role) }) }));
    }
  }

  async function stats(user: string, periodText: string | undefined): Promise<QaReply> {
    const refused = await analyticsRefusal(user);
    if (refused) return refused;
    const period = parsePeriod(periodText ?? DEFAULT_PERIOD, deps.now(), tz);
    if (!period) return qaHelp(`I could not read "${periodText}" as a period (try last week, this month, 2026-10-01 to 2026-10-31).`);
    const { start, end } = periodBounds(period, tz);
    // the QA score through the catalogue, so /qa stats and the assistant give the same figure
    const [stats, score, disputes, confidence] = await Promise.all([
      qaStats(deps.pool, start, end),
      metricRows(deps.pool, { measure: 'qaScore', statistic: 'mean', period }, tz),
      disputeCounts(deps.pool, start, end),
      confidenceHistogram(deps.pool, start, end),
    ]);
    return statsBlocks(stats, { period, timeZone: tz, scorecards: { qaScore: score[0]?.value ?? null, reviews: score[0]?.base ?? 0, disputes }, confidence });
  }

  return { show, queue, stats };
}

