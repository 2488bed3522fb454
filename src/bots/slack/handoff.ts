// The handoff desk: a handed-off Messenger conversation mirrored into a Slack thread in
// HANDOFF_CHANNEL. The Messenger worker calls open() when the bot hands a conversation off and
// append() for each customer message while humans have it; the thread's listeners
// (handoff-listeners.ts) send people's replies back to the customer.

import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import type { HandoffDesk, HandoffReason } from '../messenger/types.ts';
import { loadConversation, markHandedOff, recentHistory, withHandoffLock, type HandoffConversation } from '../../db/handoff-repo.ts';
import { historySummary, reasonLabel } from '../../domain/handoff.ts';
import type { Logger } from '../../logger.ts';
import { escapeSlackText } from './format.ts';
import { customerLine, parentBlocks, parentText } from './handoff-blocks.ts';

export interface HandoffDeskOptions {
  pool: pg.Pool;
  /** the Slack app's WebClient (slackApiUrl, retries) */
  slack: WebClient;
  /** HANDOFF_CHANNEL */
  channel: string;
  logger: Logger;
  now?: () => Date;
  /** times in summaries (BUSINESS_TIMEZONE); default UTC */
  timeZone?: string;
}

/** Re-renders a thread's parent message from the conversation as it is now. */
export async function refreshParent(o: { pool: pg.Pool | pg.ClientBase; slack: WebClient; now: Date; timeZone: string }, c: HandoffConversation): Promise<void> {
  if (!c.channel || !c.threadTs) return;
  const history = await recentHistory(o.pool, c.id);
  await o.slack.chat.update({ channel: c.channel, ts: c.threadTs, text: parentText(c), blocks: parentBlocks(c, { history, now: o.now, timeZone: o.timeZone }) });
}

export function createHandoffDesk(opts: HandoffDeskOptions): HandoffDesk {
  const { pool, slack, channel } = opts;
  const now = opts.now ?? (() => new Date());
  const timeZone = opts.timeZone ?? 'UTC';
  const log = opts.logger.child({ component: 'handoff' });

  async function open(conversationId: number, reason: HandoffReason): Promise<void> {
    await withHandoffLock(pool, conversationId, async (client) => {
      const c = await loadConversation(client, conversationId);
      if (!c) throw new Error(`handoff: conversation ${conversationId} does not exist`);
      const at = now();
      if (c.channel && c.threadTs) {
        if (c.state !== 'bot') {
          // a retried job or a second trigger: people already have it, the thread is there
          log.info({ conversationId, reason, state: c.state }, 'handoff: already with humans, nothing to open');
          return;
        }
        // given back to the bot earlier and handed off again: the same thread carries on
        await markHandedOff(client, conversationId, { reason, at, channel: c.channel, threadTs: c.threadTs });
        const lines = historySummary(await recentHistory(client, conversationId, 5), { now: at, timeZone, max: 5 }).map(escapeSlackText);
        await slack.chat.postMessage({
          channel: c.channel, thread_ts: c.threadTs, reply_broadcast: true,
          text: [`:arrow_right_hook: Handed off again — ${escapeSlackText(reasonLabel(reason))}. Latest messages:`, ...lines].join('\n'),
        });
        await refreshParent({ pool: client, slack, now: at, timeZone }, { ...c, state: 'waiting', reason, assignedToId: null, assigneeSlackId: null, assigneeName: null });
        log.info({ conversationId, reason }, 'handoff: reopened in its thread');
        return;
      }
      const shown: HandoffConversation = { ...c, state: 'waiting', reason, handoffAt: at, assignedToId: null, assigneeSlackId: null, assigneeName: null };
      const history = await recentHistory(client, conversationId);
      const posted = await slack.chat.postMessage({ channel, text: parentText(shown), blocks: parentBlocks(shown, { history, now: at, timeZone }), unfurl_links: false, unfurl_media: false });
      if (!posted.ts) throw new Error('handoff: Slack answered chat.postMessage without a ts');
      await markHandedOff(client, conversationId, { reason, at, channel: posted.channel ?? channel, threadTs: posted.ts });
      log.info({ conversationId, reason, threadTs: posted.ts }, 'handoff: thread opened');
    });
  }

  async function append(conversationId: number, text: string, at: Date): Promise<void> {
    const c = await loadConversation(pool, conversationId);
    if (!c) throw new Error(`handoff: conversation ${conversationId} does not exist`);
    if (!c.channel || !c.threadTs) {
      // no thread yet (its open failed): opening one now shows this message in its history
      log.warn({ conversationId }, 'handoff: append without a thread, opening one');
      await open(conversationId, (c.reason as HandoffReason | null) ?? 'human_request');
      return;
    }
    await slack.chat.postMessage({ channel: c.channel, thread_ts: c.threadTs, text: customerLine(c, text), unfurl_links: false, unfurl_media: false });
    log.debug({ conversationId, at }, 'handoff: customer message appended');
  }

  return { open, append };
}
