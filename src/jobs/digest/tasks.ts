import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import type { Config } from '../../config.ts';
import { findSubscription, listSubscriptions, recordSubscriptionRun, type DigestSubscription } from '../../db/digest-repo.ts';
import { sectionsOf } from '../../domain/digest-command.ts';
import { digestPeriod, isFrequency } from '../../domain/digest-schedule.ts';
import type { Logger } from '../../logger.ts';
import type { EmailProvider } from '../../notify/email.ts';
import type { ScheduledTask, TaskProvider } from '../scheduler/types.ts';
import { buildDigest } from './build.ts';
import { deliverDigest, deliveryKey, type ChannelPacer } from './deliver.ts';
import { notificationOutcome, recordNotification } from '../../db/notifications-repo.ts';

// The scheduler's view of digests: one task per active subscription, keyed `digest:<id>`,
// versioned by updated_at so an edited or cancelled subscription is reloaded. A tick reports
// on the period before its nominal time and is delivered at most once (see deliver.ts).

export interface DigestTaskOptions {
  pool: pg.Pool;
  slack?: WebClient;
  email?: EmailProvider;
  logger: Logger;
  config: Config;
  /** the clock for last_run_at; default the system clock */
  now?: () => Date;
  pacer?: ChannelPacer;
}

/** Runs one subscription's tick: build, deliver, record the outcome on the subscription. */
export async function runDigestTick(o: DigestTaskOptions, sub: DigestSubscription, scheduledFor: Date): Promise<'sent' | 'duplicate' | 'skipped'> {
  const now = o.now ?? (() => new Date());
  const log = o.logger.child({ component: 'digest', subscription: sub.id, scheduledFor: scheduledFor.toISOString() });
  // a tick already delivered costs one lookup, not a digest's queries and renders
  if ((await notificationOutcome(o.pool, deliveryKey(sub.id, scheduledFor))) === 'sent') return 'duplicate';
  if (!o.slack && !(o.email && sub.emailTo.length)) {
    await recordSubscriptionRun(o.pool, sub.id, { at: now(), status: 'skipped', error: 'neither Slack nor email is configured for this digest' });
    log.warn('digest skipped: no Slack client and no email');
    return 'skipped';
  }
  try {
    const frequency = isFrequency(sub.frequency) ? sub.frequency : 'daily';
    const period = digestPeriod(frequency, scheduledFor, sub.timezone);
    const built = await buildDigest(o, { frequency, period, timezone: sub.timezone, sections: sectionsOf(sub.content) });
    const outcome = await deliverDigest(
      { pool: o.pool, ...(o.slack ? { slack: o.slack } : {}), ...(o.email ? { email: o.email } : {}), logger: o.logger, ...(o.pacer ? { pacer: o.pacer } : {}) },
      { subscriptionId: sub.id, scheduledFor, channel: sub.channel, emailTo: sub.emailTo },
      built.digest,
      built.pngs,
    );
    if (outcome === 'sent') await recordSubscriptionRun(o.pool, sub.id, { at: now(), status: 'sent' });
    return outcome;
  } catch (err) {
    const at = now();
    await recordSubscriptionRun(o.pool, sub.id, { at, status: 'failed', error: (err as Error).message }).catch(() => {});
    // one row per failed attempt; the key's own row is written only by a delivery that completes
    await recordNotification(o.pool, {
      channel: o.slack ? 'slack' : 'email', recipient: o.slack ? sub.channel : sub.emailTo.join(', '), status: 'failed', error: (err as Error).message.slice(0, 2000),
      context: { subscriptionId: sub.id, scheduledFor: scheduledFor.toISOString() }, idempotencyKey: `${deliveryKey(sub.id, scheduledFor)}#failed-${at.toISOString()}`,
    }).catch(() => {});
    log.error({ err }, 'digest failed');
    throw err;
  }
}

export function digestTaskProvider(o: DigestTaskOptions): TaskProvider {
  return {
    name: 'digests',
    async tasks(): Promise<ScheduledTask[]> {
      const subs = await listSubscriptions(o.pool, { activeOnly: true });
      return subs.map((s) => ({
        key: `digest:${s.id}`,
        cron: s.cronExpression,
        timezone: s.timezone,
        version: s.updatedAt.toISOString(),
        run: async (scheduledFor: Date) => {
          // re-read: the subscription may have been cancelled since the schedule was loaded
          const current = await findSubscription(o.pool, s.id);
          if (!current?.active) return;
          await runDigestTick(o, current, scheduledFor);
        },
      }));
    },
  };
}
