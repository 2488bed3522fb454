import type { WebClient } from '@slack/web-api';
import pg from 'pg';
import { notificationOutcome, recordNotification } from '../../db/notifications-repo.ts';
import type { ComposedDigest } from '../../domain/digest.ts';
import type { Logger } from '../../logger.ts';
import type { EmailProvider } from '../../notify/email.ts';
import { postMessage } from '../../notify/slack.ts';
import { digestEmail } from './email.ts';

// Delivering one digest: the message (chat.postMessage with blocks), its charts as files in the
// message's thread (files upload v2: one completeUploadExternal shares them all), and the
// email. The delivery is recorded in notification_logs under its key
// `digest:<subscriptionId>:<scheduledFor ISO>` once all is done, and each step under
// `digest-part:<subscriptionId>:<scheduledFor ISO>:message|files|email` (a prefix of its own, so
// `digest:%` counts deliveries, as /metrics does). The steps run under an advisory lock on the
// key: a retried or concurrent run skips what is done and picks up the message's ts, so nothing
// is posted twice.

export interface DeliveryTarget {
  subscriptionId: number;
  scheduledFor: Date;
  channel: string;
  emailTo: readonly string[];
}

export interface DeliveryDeps {
  pool: pg.Pool;
  slack?: WebClient;
  email?: EmailProvider;
  logger: Logger;
  pacer?: ChannelPacer;
}

export const deliveryKey = (subscriptionId: number, scheduledFor: Date) => `digest:${subscriptionId}:${scheduledFor.toISOString()}`;
export const partKey = (subscriptionId: number, scheduledFor: Date, part: 'message' | 'files' | 'email') =>
  `digest-part:${subscriptionId}:${scheduledFor.toISOString()}:${part}`;

/**
 * At most one message per second per channel, as Slack asks of chat.postMessage (files shared
 * in a channel are messages too). Per process; WebClient itself waits out a 429's Retry-After.
 */
export class ChannelPacer {
  private readonly next = new Map<string, number>();
  constructor(
    private readonly intervalMs = 1000,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async wait(channel: string): Promise<void> {
    const now = this.clock();
    const at = Math.max(now, this.next.get(channel) ?? 0);
    // reserve the slot before sleeping, so concurrent callers queue up behind each other
    this.next.set(channel, at + this.intervalMs);
    if (at > now) await this.sleep(at - now);
  }
}

const sharedPacer = new ChannelPacer();

async function withKeyLock<T>(pool: pg.Pool, key: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

async function messageTsOf(pool: pg.Pool, key: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ ts: string | null }>(`SELECT context->>'ts' AS ts FROM notification_logs WHERE idempotency_key = $1 AND status = 'sent'`, [key]);
  return rows[0]?.ts ?? undefined;
}

export type DeliveryOutcome = 'sent' | 'duplicate';

/** Posts the digest once per (subscription, scheduledFor); 'duplicate' when it already was. */
export async function deliverDigest(deps: DeliveryDeps, t: DeliveryTarget, digest: ComposedDigest, pngs: readonly Buffer[]): Promise<DeliveryOutcome> {
  const key = deliveryKey(t.subscriptionId, t.scheduledFor);
  const pacer = deps.pacer ?? sharedPacer;
  const log = deps.logger.child({ component: 'digest', key });
  const part = (p: 'message' | 'files' | 'email') => partKey(t.subscriptionId, t.scheduledFor, p);
  return withKeyLock(deps.pool, key, async () => {
    if ((await notificationOutcome(deps.pool, key)) === 'sent') return 'duplicate';
    const context = { subscriptionId: t.subscriptionId, scheduledFor: t.scheduledFor.toISOString() };

    if (deps.slack) {
      let ts = await messageTsOf(deps.pool, part('message'));
      if (!ts) {
        await pacer.wait(t.channel);
        const res = await postMessage(deps.slack.chat, { channel: t.channel, text: digest.text, blocks: digest.blocks, unfurl_links: false }, log);
        ts = res.ts;
        if (!ts) throw new Error('chat.postMessage returned no ts');
        await recordNotification(deps.pool, { channel: 'slack', recipient: t.channel, subject: digest.title, status: 'sent', context: { ...context, ts }, idempotencyKey: part('message') });
      }
      if (pngs.length && (await notificationOutcome(deps.pool, part('files'))) !== 'sent') {
        await pacer.wait(t.channel);
        await deps.slack.filesUploadV2({
          channel_id: t.channel,
          thread_ts: ts,
          file_uploads: digest.charts.slice(0, pngs.length).map((c, i) => ({ file: pngs[i]!, filename: c.filename, title: c.title, alt_text: c.title })),
        });
        await recordNotification(deps.pool, { channel: 'slack', recipient: t.channel, subject: `${digest.title} (charts)`, status: 'sent', context: { ...context, ts, files: pngs.length }, idempotencyKey: part('files') });
      }
    }

    if (deps.email && t.emailTo.length && (await notificationOutcome(deps.pool, part('email'))) !== 'sent') {
      const message = digestEmail(digest, pngs, { to: [...t.emailTo], idempotencyKey: part('email') });
      const sent = await deps.email.send(message);
      await recordNotification(deps.pool, {
        channel: 'email', recipient: t.emailTo.join(', '), subject: message.subject, status: 'sent', context: { ...context, ...(sent.id ? { id: sent.id } : {}) }, idempotencyKey: part('email'),
      });
    }

    await recordNotification(deps.pool, { channel: deps.slack ? 'slack' : 'email', recipient: deps.slack ? t.channel : t.emailTo.join(', '), subject: digest.title, status: 'sent', context, idempotencyKey: key });
    log.info({ channel: t.channel, charts: pngs.length }, 'digest delivered');
    return 'sent';
  });
}
