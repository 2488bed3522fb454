// The handoff desk: a handed-off Messenger conversation mirrored into a Slack thread in its
// page's handoff channel (pages.handoff_channel), else HANDOFF_CHANNEL. The Messenger worker
// calls open() when the bot hands a conversation off and
// append() for each customer message while humans have it; the thread's listeners
// (handoff-listeners.ts) send people's replies back to the customer.

import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import type { HandoffDesk, HandoffReason, OutsideLine } from '../../domain/messenger/contracts.ts';
import { insertErrorLog } from '../../db/errors-repo.ts';
import { loadConversation, lockHandoff, markHandedOff, recentHistory, tryLockRow, waitLockRow, type HandoffConversation } from '../../db/handoff-repo.ts';
import { historySummary, reasonLabel } from '../../domain/handoff.ts';
import type { Logger } from '../../logger.ts';
import { postMessage, updateMessage } from '../../notify/slack.ts';
import { escapeSlackText } from './format.ts';
import { customerBlocks, customerLine, outsideBlocks, outsideLine, parentBlocks, parentText } from './handoff-blocks.ts';
import { isAttachmentPlaceholder, type CustomerFile } from '../../domain/messenger/attachments.ts';
import { customerFileForwarder } from './handoff-files.ts';

export interface HandoffDeskOptions {
  pool: pg.Pool;
  /** the Slack app's WebClient (slackApiUrl, retries) */
  slack: WebClient;
  /** HANDOFF_CHANNEL: the channel of pages without one of their own */
  channel?: string;
  logger: Logger;
  now?: () => Date;
  /** times in summaries (BUSINESS_TIMEZONE); default UTC */
  timeZone?: string;
  /** how long a thread posted during the caller's transaction waits to be recorded (default 2 min) */
  recordTimeoutMs?: number;
  /** customers' attachments: SLACK_FILE_MAX_MB in bytes (default 25 MB), origins trusted besides Meta's CDN */
  files?: { maxBytes: number; trustedOrigins?: string[]; fetch?: typeof fetch };
}

/** Neither the page nor HANDOFF_CHANNEL names a channel: said in the log and in ErrorLog, the conversation waits. */
async function noChannel(client: pg.ClientBase, log: Logger, c: HandoffConversation, reason: HandoffReason): Promise<void> {
  log.warn({ conversationId: c.id, reason, page: c.fbPageId }, 'handoff: neither the page nor HANDOFF_CHANNEL names a Slack channel; the conversation waits in SupportPulse');
  await insertErrorLog(client, {
    source: 'messenger',
    message: `handoff requested but page ${c.pageName ?? c.fbPageId} has no handoff channel and HANDOFF_CHANNEL is not set: the conversation waits for a human in SupportPulse`,
    context: { conversationId: c.id, reason, page: c.fbPageId },
  });
}

/** Re-renders a thread's parent message from the conversation as it is now. */
export async function refreshParent(o: { pool: pg.Pool | pg.ClientBase; slack: WebClient; now: Date; timeZone: string; log?: Logger }, c: HandoffConversation): Promise<void> {
  if (!c.channel || !c.threadTs) return;
  const history = await recentHistory(o.pool, c.id);
  await updateMessage(o.slack.chat, { channel: c.channel, ts: c.threadTs, text: parentText(c), blocks: parentBlocks(c, { history, now: o.now, timeZone: o.timeZone }) }, o.log);
}

export function createHandoffDesk(opts: HandoffDeskOptions): HandoffDesk {
  const { pool, slack, channel: defaultChannel } = opts;
  const now = opts.now ?? (() => new Date());
  const timeZone = opts.timeZone ?? 'UTC';
  const recordTimeoutMs = opts.recordTimeoutMs ?? 120_000;
  const log = opts.logger.child({ component: 'handoff' });

  /**
   * Under the handoff lock: posts what a handoff needs in Slack and returns how to record it on
   * the conversation, or undefined when there is nothing to do.
   */
  async function post(client: pg.ClientBase, conversationId: number, reason: HandoffReason): Promise<(() => Promise<void>) | undefined> {
    const c = await loadConversation(client, conversationId);
    if (!c) throw new Error(`handoff: conversation ${conversationId} does not exist`);
    const at = now();
    if (c.channel && c.threadTs) {
      if (c.state !== 'bot') {
        // a retried job or a second trigger: people already have it, the thread is there
        log.info({ conversationId, reason, state: c.state }, 'handoff: already with humans, nothing to open');
        return undefined;
      }
      // given back to the bot earlier and handed off again: the same thread carries on
      const { channel: ch, threadTs } = c;
      const lines = historySummary(await recentHistory(client, conversationId, 5), { now: at, timeZone, max: 5 }).map(escapeSlackText);
      await postMessage(slack.chat, {
        channel: ch, thread_ts: threadTs, reply_broadcast: true,
        text: [`:arrow_right_hook: Handed off again — ${escapeSlackText(reasonLabel(reason))}. Latest messages:`, ...lines].join('\n'),
      }, log);
      await refreshParent({ pool: client, slack, now: at, timeZone, log }, { ...c, state: 'waiting', reason, assignedToId: null, assigneeSlackId: null, assigneeName: null });
      log.info({ conversationId, reason }, 'handoff: reopened in its thread');
      return () => markHandedOff(client, conversationId, { reason, at, channel: ch, threadTs });
    }
    // brand per page: the page's own desk first
    const channel = c.pageHandoffChannel ?? defaultChannel;
    if (!channel) return void (await noChannel(client, log, c, reason));
    const shown: HandoffConversation = { ...c, state: 'waiting', reason, handoffAt: at, assignedToId: null, assigneeSlackId: null, assigneeName: null };
    const history = await recentHistory(client, conversationId);
    const posted = await postMessage(slack.chat, { channel, text: parentText(shown), blocks: parentBlocks(shown, { history, now: at, timeZone }), unfurl_links: false, unfurl_media: false }, log);
    if (!posted.ts) throw new Error('handoff: Slack answered chat.postMessage without a ts');
    log.info({ conversationId, reason, threadTs: posted.ts }, 'handoff: thread opened');
    const threadTs = posted.ts;
    return () => markHandedOff(client, conversationId, { reason, at, channel: posted.channel ?? channel, threadTs });
  }

  /**
   * The Messenger worker calls open() inside its own transaction, after marking the
   * conversation waiting: that transaction holds the conversation's row until open() returns.
   * Waiting for the row here would wait forever, so when the row is taken the thread is
   * recorded on it in the background, as soon as the caller commits; the handoff lock is held
   * until then, so a second open() still finds the thread.
   */
  async function open(conversationId: number, reason: HandoffReason): Promise<void> {
    const client = await pool.connect();
    let background = false;
    try {
      await client.query('BEGIN');
      await lockHandoff(client, conversationId);
      const record = await post(client, conversationId, reason);
      if (record && !(await tryLockRow(client, conversationId))) {
        background = true;
        void finishLater(client, conversationId, record);
        return;
      }
      if (record) await record();
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      if (!background) client.release();
    }
  }

  async function finishLater(client: pg.PoolClient, conversationId: number, record: () => Promise<void>): Promise<void> {
    let broken: Error | undefined;
    try {
      await waitLockRow(client, conversationId, recordTimeoutMs);
      await record();
      await client.query('COMMIT');
      log.debug({ conversationId }, 'handoff: thread recorded after the caller committed');
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => {});
      log.error({ err, conversationId }, 'handoff: the thread was posted but could not be recorded on the conversation');
    } finally {
      client.release(broken);
    }
  }

  // Lines appended lately, so that an event the worker handles again (its transaction failed
  // after the post) is not posted twice. In memory: a retry after a restart may repeat one line
  // in the thread, which is harmless.
  const appended = recentKeys(15 * 60_000);
  // attachments keep their own durable record (handoff_files): forwarded again, each is posted once
  const forwardFiles = customerFileForwarder({ pool, slack, log, maxBytes: opts.files?.maxBytes ?? 25 * 1024 * 1024, trustedOrigins: opts.files?.trustedOrigins ?? [], ...(opts.files?.fetch ? { fetch: opts.files.fetch } : {}) });
  const attach = async (conversationId: number, files: CustomerFile[]) => {
    const c = files.length > 0 ? await loadConversation(pool, conversationId) : undefined;
    if (c) await forwardFiles(c, files);
  };

  async function append(conversationId: number, text: string, at: Date, files: CustomerFile[] = []): Promise<void> {
    const key = `${conversationId}:${at.getTime()}:${text}`;
    if (appended.has(key)) {
      log.info({ conversationId }, 'handoff: customer message already appended');
      return attach(conversationId, files);
    }
    const c = await loadConversation(pool, conversationId);
    if (!c) throw new Error(`handoff: conversation ${conversationId} does not exist`);
    if (!c.channel || !c.threadTs) {
      // no thread yet (its open failed): opening one now shows this message in its history
      log.warn({ conversationId }, 'handoff: append without a thread, opening one');
      await open(conversationId, (c.reason as HandoffReason | null) ?? 'human_request');
      return attach(conversationId, files);
    }
    // only attachments: the files' own posts name the customer, "[1 attachment]" would add nothing
    if (files.length === 0 || !isAttachmentPlaceholder(text)) {
      const line = customerLine(c, text);
      await postMessage(slack.chat, { channel: c.channel, thread_ts: c.threadTs, text: line, blocks: customerBlocks(line), unfurl_links: false, unfurl_media: false }, log);
    }
    appended.add(key, now().getTime());
    if (files.length > 0) await forwardFiles(c, files);
    log.debug({ conversationId, at }, 'handoff: customer message appended');
  }

  return { open, append, mirror: mirrorInto({ pool, slack, log, now, appended }) };
}

/** Keys seen in the last `ms`, forgotten after. */
function recentKeys(ms: number) {
  const keys = new Map<string, number>();
  return {
    has: (key: string) => keys.has(key),
    add(key: string, at: number): void {
      for (const [k, t] of keys) {
        if (at - t <= ms) break; // insertion order: the rest are newer
        keys.delete(k);
      }
      keys.set(key, at);
    },
  };
}

/** Humans first: what happened outside the bot and the desk, in the thread if there is one (never opens one). */
function mirrorInto(o: { pool: pg.Pool; slack: WebClient; log: Logger; now: () => Date; appended: ReturnType<typeof recentKeys> }): HandoffDesk['mirror'] {
  return async (conversationId: number, line: OutsideLine) => {
    const key = `${conversationId}:${line.kind}:${line.at.getTime()}:${line.text}`;
    if (o.appended.has(key)) return;
    const c = await loadConversation(o.pool, conversationId);
    if (!c?.channel || !c.threadTs) return;
    const text = outsideLine(c, line);
    await postMessage(o.slack.chat, { channel: c.channel, thread_ts: c.threadTs, text, blocks: outsideBlocks(text), unfurl_links: false, unfurl_media: false }, o.log);
    o.appended.add(key, o.now().getTime());
    o.log.debug({ conversationId, kind: line.kind }, 'handoff: outside line mirrored');
  };
}
