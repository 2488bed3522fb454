import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { WebClient } from '@slack/web-api';
import type { AfterQaChange } from '../../db/qa-repo.ts';
import {
  developerEmails, issueRaiser, notificationOutcome, qaNoticeEvent, qaNoticeSession, recordNotification, type NotificationChannel,
} from '../../db/notifications-repo.ts';
import { wantsEmail, wantsSlack } from '../../domain/notify-via.ts';
import type { Logger } from '../../logger.ts';
import { countSlackError } from '../../observability/metrics.ts';
import type { EmailProvider } from '../../notify/email.ts';
import { postMessage } from '../../notify/slack.ts';
import { fixedEmail, fixedSlackNotice, issueEmail, issueSlackNotice } from './qa-messages.ts';
import { disputeNotificationHook, ensureNotifyQueue, NOTIFY_QUEUE, qaNotificationHook, type DisputeNotifyJob, type NotifyJob, type QaNotifyJob } from './qa-notify.ts';
import { openedEmail, openedSlack, settledEmail, settledSlack } from './dispute-messages.ts';
import { disputeNotice, disputeResolvers } from '../../db/dispute-notices-repo.ts';
import type { AfterDispute } from '../../db/qa-disputes-repo.ts';
import type { QaPerson } from '../../db/notifications-repo.ts';

// The `notify` queue's worker. A job names one QA change (its qa_events row) or one step of a
// dispute (opened, accepted, rejected); the worker works out who hears about it and sends each
// notification once:
// - each notification has a key (`qa:<event>:<channel>:<recipient>`,
//   `qa-dispute:<dispute>:<step>:<channel>:<recipient>`); a notification_logs row
//   with that key settles it (sent, or failed for good), so a retried or repeated job skips it;
// - a failed send is logged (`<key>#attempt-<n>`) and the job throws, so pg-boss retries it
//   with backoff; on the last attempt the failure is logged under the key and the job ends.
// The QA change committed long before any of this: nothing here can block or undo it.

export interface NotifyWorkerDeps {
  pool: pg.Pool;
  boss: PgBoss;
  /** Slack Web API (bot token); unset: no Slack notifications */
  slack?: Pick<WebClient, 'chat'>;
  /** unset: no emails */
  email?: EmailProvider;
  /** QA_CHANNEL: where issues are posted for the developers */
  qaChannel?: string;
  /** extra addresses that get every issue email, besides users with role developer and an email */
  issueEmailTo?: readonly string[];
  logger?: Logger;
  /** pollers on the queue (default 2) */
  concurrency?: number;
}

interface Delivery {
  key: string;
  channel: NotificationChannel;
  recipient: string;
  subject?: string;
  send(): Promise<void>;
}

/** A person's DM and email by their own preference (users.notify_via), each keyed under `base`. */
function personal(deps: NotifyWorkerDeps, base: string, p: QaPerson, slackNotice: { text: string; blocks: Record<string, unknown>[] }, mail: { subject: string; html: string; text: string }): Delivery[] {
  const out: Delivery[] = [];
  const via = p.notifyVia ?? 'all';
  const { slack, email } = deps;
  if (slack && p.slackId && wantsSlack(via)) {
    const user = p.slackId;
    out.push({
      key: `${base}:slack:${user}`, channel: 'slack', recipient: user, subject: slackNotice.text.slice(0, 200),
      // a DM: chat.postMessage to a user id posts in the app's DM with that user
      send: async () => void (await postMessage(slack.chat, { channel: user, text: slackNotice.text, blocks: slackNotice.blocks as never, unfurl_links: false, unfurl_media: false }, deps.logger)),
    });
  }
  if (email && p.email && wantsEmail(via)) {
    const to = p.email.toLowerCase();
    const key = `${base}:email:${to}`;
    out.push({ key, channel: 'email', recipient: to, subject: mail.subject, send: async () => void (await email.send({ to: [to], ...mail, idempotencyKey: key })) });
  }
  return out;
}

/**
 * A dispute's notifications: opened → the team leads (admins when there is none) but the one who
 * raised it; settled → who raised it and the reviewer, but the one who settled it.
 */
async function planDispute(deps: NotifyWorkerDeps, job: DisputeNotifyJob): Promise<Delivery[]> {
  const n = await disputeNotice(deps.pool, job.disputeId);
  if (!n) return [];
  const base = `qa-dispute:${job.disputeId}:${job.status}`;
  const people: QaPerson[] = [];
  const add = (p: QaPerson | null, except: QaPerson | null) => {
    if (p && p.userId !== except?.userId && !people.some((q) => q.userId === p.userId)) people.push(p);
  };
  if (job.status === 'open') for (const p of await disputeResolvers(deps.pool)) add(p, n.raisedBy);
  else for (const p of [n.raisedBy, n.reviewer]) add(p, n.resolvedBy);
  // the notice as of this step: a later step (settled) must not change what "opened" said
  const notice = { ...n, status: job.status };
  const [slackNotice, mail] = job.status === 'open' ? [openedSlack(notice), openedEmail(notice)] : [settledSlack(notice), settledEmail(notice)];
  return people.flatMap((p) => personal(deps, base, p, slackNotice, mail));
}

/** The notifications one QA change or dispute step makes, each with its key. */
async function plan(deps: NotifyWorkerDeps, job: NotifyJob): Promise<Delivery[]> {
  if (job.kind === 'qa_dispute') return planDispute(deps, job);
  return planChange(deps, job);
}

/** The notifications one QA change makes, each with its key. */
async function planChange(deps: NotifyWorkerDeps, job: QaNotifyJob): Promise<Delivery[]> {
  const [session, event] = await Promise.all([qaNoticeSession(deps.pool, job.sessionId), qaNoticeEvent(deps.pool, job.eventId)]);
  if (!session || !event) return [];
  const base = `qa:${job.eventId}`;
  const out: Delivery[] = [];
  const slack = deps.slack;
  const email = deps.email;
  const mail = (to: string, m: { subject: string; html: string; text: string }): Delivery => {
    const key = `${base}:email:${to}`;
    return { key, channel: 'email', recipient: to, subject: m.subject, send: async () => void (await email!.send({ to: [to], ...m, idempotencyKey: key })) };
  };
  if (job.kind === 'qa_issue') {
    const channel = job.qaChannel ?? deps.qaChannel;
    if (slack && channel) {
      const notice = issueSlackNotice(session, event, job.version);
      out.push({
        key: `${base}:slack:${channel}`, channel: 'slack', recipient: channel, subject: notice.text.slice(0, 200),
        send: async () => void (await postMessage(slack.chat, { channel, text: notice.text, blocks: notice.blocks as never, unfurl_links: false, unfurl_media: false }, deps.logger)),
      });
    }
    if (email) {
      const to = [...new Set([...(await developerEmails(deps.pool)), ...(deps.issueEmailTo ?? []).map((a) => a.trim().toLowerCase()).filter(Boolean)])];
      const m = issueEmail(session, event);
      for (const addr of to) out.push(mail(addr, m));
    }
  } else {
    const raiser = await issueRaiser(deps.pool, job.sessionId, job.eventId);
    const reviewer = raiser?.person;
    if (!reviewer) return out;
    // the reviewer's own preference (users.notify_via) decides the DM and the email
    if (slack && reviewer.slackId && wantsSlack(reviewer.notifyVia ?? 'all')) {
      const notice = fixedSlackNotice(session, event, raiser.notes, job.version);
      const user = reviewer.slackId;
      out.push({
        key: `${base}:slack:${user}`, channel: 'slack', recipient: user, subject: notice.text.slice(0, 200),
        // a DM: chat.postMessage to a user id posts in the app's DM with that user
        send: async () => void (await postMessage(slack.chat, { channel: user, text: notice.text, blocks: notice.blocks as never, unfurl_links: false, unfurl_media: false }, deps.logger)),
      });
    }
    if (email && reviewer.email && wantsEmail(reviewer.notifyVia ?? 'all')) out.push(mail(reviewer.email.toLowerCase(), fixedEmail(session, event, raiser.notes)));
  }
  return out;
}

const errorText = (err: unknown): string => {
  const e = err as { message?: unknown; data?: { error?: unknown } };
  const slackError = typeof e?.data?.error === 'string' ? ` (${e.data.error})` : '';
  return `${typeof e?.message === 'string' ? e.message : String(err)}${slackError}`.slice(0, 1000);
};

/** One attempt at one job: sends what is not settled yet; throws when something should be retried. */
export function createNotifyHandler(deps: NotifyWorkerDeps) {
  const log = deps.logger?.child({ component: 'notify' });
  return async function handle(job: NotifyJob, attempt: number, final: boolean): Promise<void> {
    const deliveries = await plan(deps, job);
    const failed: string[] = [];
    for (const d of deliveries) {
      if (await notificationOutcome(deps.pool, d.key)) continue;
      const context = { kind: job.kind, sessionId: job.sessionId, ...(job.kind === 'qa_dispute' ? { disputeId: job.disputeId, status: job.status } : { eventId: job.eventId }), attempt, ...(deps.email && d.channel === 'email' ? { provider: deps.email.kind } : {}) };
      const entry = { channel: d.channel, recipient: d.recipient, ...(d.subject ? { subject: d.subject } : {}) };
      try {
        await d.send();
      } catch (err) {
        const error = errorText(err);
        if (d.channel === 'slack') countSlackError('notify', err);
        failed.push(`${d.channel} ${d.recipient}: ${error}`);
        await recordNotification(deps.pool, { ...entry, status: 'failed', error, context: { ...context, final }, idempotencyKey: final ? d.key : `${d.key}#attempt-${attempt}` });
        log?.[final ? 'error' : 'warn']({ key: d.key, attempt, err: error }, final ? 'notification failed for good' : 'notification failed, will retry');
        continue;
      }
      await recordNotification(deps.pool, { ...entry, status: 'sent', context, idempotencyKey: d.key });
      log?.info({ key: d.key, attempt }, 'notification sent');
    }
    if (failed.length && !final) throw new Error(`${failed.length} notification(s) failed: ${failed.join('; ')}`);
  };
}

/** Starts pollers on the notify queue; returns a function that stops them. */
export async function startNotifyWorker(deps: NotifyWorkerDeps): Promise<() => Promise<void>> {
  const handle = createNotifyHandler(deps);
  const ids: string[] = [];
  for (let i = 0; i < (deps.concurrency ?? 2); i++) {
    ids.push(
      await deps.boss.work<NotifyJob>(NOTIFY_QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        if (!job) return;
        await handle(job.data, job.retryCount + 1, job.retryCount >= job.retryLimit);
      }),
    );
  }
  return async () => {
    for (const id of ids) await deps.boss.offWork({ id });
  };
}

export interface NotificationsOptions extends NotifyWorkerDeps {
  /** the notify queue's retry policy (default 5 retries, 5 s apart, doubling) */
  retry?: { retryLimit?: number; retryDelay?: number; retryBackoff?: boolean };
}

export interface Notifications {
  boss: PgBoss;
  /** pass to changeQaStatus: queues the change's notifications in its transaction */
  hook: AfterQaChange;
  /** pass to openDispute / resolveDispute: queues the dispute step's notifications in its transaction */
  disputeHook: AfterDispute;
  stop(): Promise<void>;
}

/**
 * The notify queue, its worker and the hook, on the process's one pg-boss (started; its owner,
 * the composition root, stops it gracefully after this, so a notification being sent finishes).
 */
export async function startNotifications(opts: NotificationsOptions): Promise<Notifications> {
  const { boss } = opts;
  await ensureNotifyQueue(boss, opts.retry);
  const stopWorker = await startNotifyWorker(opts);
  let stopped = false;
  return {
    boss,
    // the worker knows QA_CHANNEL; jobs carry only the change
    hook: qaNotificationHook({ boss }),
    disputeHook: disputeNotificationHook({ boss }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopWorker();
    },
  };
}
