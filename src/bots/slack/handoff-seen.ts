// "Seen", both ways, for a handed-off conversation (issue 19, the desk):
// - markSeenOnce: when a person takes the conversation or writes in its thread, the customer
//   sees their messages were read (Send API `sender_action: mark_seen`), once per customer
//   message. The sender applies Messenger's rule: sender actions only inside the 24 h window
//   (the HUMAN_AGENT tag does not allow them), so later it is refused and nothing is called.
// - the seen watcher: the customer's `read` events (stored by the webhook, state done) are
//   read by id; when a watermark covers an agent's message not shown yet, the thread gets one
//   ":eyes: Seen by the customer 14:32" line. The mark moves only in the transaction that
//   posted it, so a Slack failure is tried again on the next pass and nothing is shown twice;
//   a thread Slack says is gone (archived channel, app removed) is skipped, not retried.

import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import { claimMarkSeen, claimReadShown, readCursorStart, readEventsAfter, seenCandidates, type SeenCandidate } from '../../db/handoff-marks-repo.ts';
import type { HandoffConversation } from '../../db/handoff-repo.ts';
import { transaction } from '../../db/pool.ts';
import { shortTime } from '../../domain/handoff.ts';
import type { MessengerSender } from '../../domain/messenger/contracts.ts';
import type { Logger } from '../../logger.ts';
import { postMessage, slackErrorCode } from '../../notify/slack.ts';

/** Slack's answers meaning the thread cannot be written to any more (archived, app removed, deleted). */
const THREAD_GONE: ReadonlySet<string> = new Set(['channel_not_found', 'is_archived', 'not_in_channel', 'thread_not_found']);

/** Sends mark_seen for the conversation's latest customer message unless it was sent for it already. Best effort. */
export async function markSeenOnce(o: { pool: pg.Pool; sender: MessengerSender; log: Logger }, c: Pick<HandoffConversation, 'id' | 'fbPageId' | 'psid'>): Promise<void> {
  if (!c.psid) return;
  try {
    const through = await claimMarkSeen(o.pool, c.id);
    if (!through) return;
    const r = await o.sender.send({ key: `seen:${c.id}:${through.getTime()}`, pageId: c.fbPageId, psid: c.psid, conversationId: c.id, sender: 'human', senderAction: 'mark_seen' });
    if (r.status !== 'sent') o.log.info({ conversationId: c.id, result: r }, 'handoff: mark_seen not sent');
  } catch (err) {
    // a read receipt is a courtesy: the person's action goes on without it
    o.log.warn({ err, conversationId: c.id }, 'handoff: mark_seen failed');
  }
}

/** The thread line for a customer's read watermark. */
export function seenLine(watermark: Date, now: Date, timeZone: string): string {
  return `:eyes: Seen by the customer ${shortTime(watermark, now, timeZone)}`;
}

export interface SeenWatcherOptions {
  pool: pg.Pool;
  slack: Pick<WebClient, 'chat'>;
  logger: Logger;
  now?: () => Date;
  timeZone?: string;
  /** how often new read events are looked for (default 5 s; 0: only runOnce) */
  pollMs?: number;
  batch?: number;
}

export interface SeenWatcher {
  /** one pass over the read events that arrived since the last; resolves to how many lines were posted */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startSeenWatcher(opts: SeenWatcherOptions): SeenWatcher {
  const log = opts.logger.child({ component: 'handoff-seen' });
  const now = opts.now ?? (() => new Date());
  const timeZone = opts.timeZone ?? 'UTC';
  const batch = opts.batch ?? 500;
  let cursor: number | undefined;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Posts the line and moves the mark together; false when shown already (another instance). */
  async function show(c: SeenCandidate): Promise<boolean> {
    const client = await opts.pool.connect();
    try {
      return await transaction(client, async () => {
        if (!(await claimReadShown(client, c.conversationId, c.watermark))) return false;
        const text = seenLine(c.watermark, now(), timeZone);
        try {
          await postMessage(opts.slack.chat, { channel: c.channel, thread_ts: c.threadTs, text, blocks: [{ type: 'context', block_id: 'handoff_seen', elements: [{ type: 'mrkdwn', text }] }] }, log);
        } catch (err) {
          const code = slackErrorCode(err);
          if (!code || !THREAD_GONE.has(code)) throw err;
          // trying again cannot help, and must not hold up the other threads' reads: the mark stays moved
          log.warn({ conversationId: c.conversationId, channel: c.channel, code }, 'handoff: the thread is gone; "seen" not shown');
          return false;
        }
        return true;
      });
    } finally {
      client.release();
    }
  }

  async function pass(): Promise<number> {
    cursor ??= await readCursorStart(opts.pool);
    let posted = 0;
    for (;;) {
      const reads = await readEventsAfter(opts.pool, cursor, batch);
      if (reads.length === 0) return posted;
      let failed = false;
      for (const c of await seenCandidates(opts.pool, reads)) {
        try {
          if (await show(c)) posted++;
        } catch (err) {
          failed = true;
          log.warn({ err, conversationId: c.conversationId }, 'handoff: showing "seen" in the thread failed; tried again on the next pass');
        }
      }
      // a failed post keeps the cursor where it was: the same events are read again next time
      if (failed) return posted;
      cursor = reads.at(-1)!.id;
      if (reads.length < batch) return posted;
    }
  }

  /** One pass at a time: a pass asked for while one runs waits for it, then runs. */
  function runOnce(): Promise<number> {
    const next = (running ?? Promise.resolve(0)).catch(() => 0).then(pass);
    running = next;
    return next;
  }

  const schedule = () => {
    if (stopped || !opts.pollMs) return;
    timer = setTimeout(() => {
      runOnce().catch((err: unknown) => log.warn({ err }, 'handoff: the seen watcher cannot read the database, retrying')).finally(schedule);
    }, opts.pollMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
