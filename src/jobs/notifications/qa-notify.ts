import type PgBoss from 'pg-boss';
import type { AfterDispute } from '../../db/qa-disputes-repo.ts';
import type { AfterQaChange } from '../../db/qa-repo.ts';
import type { DisputeStatus } from '../../domain/qa-dispute.ts';
import { ensureQueue, inTransaction } from '../queue.ts';

// QA notifications: the change's transaction only queues a job (so a notification exists
// exactly when the change committed); a pg-boss worker on the `notify` queue sends it, with
// retries, and records every attempt in notification_logs. Sending never blocks or undoes
// the change.

export const NOTIFY_QUEUE = 'notify';

/**
 * Action ids of the buttons on a QA notification in QA_CHANNEL. The qa-slack listeners own
 * the handlers; the button value is `JSON.stringify({ sessionId, version })` (QaButtonValue).
 */
export const QA_ACTIONS = {
  /** a developer opens the "fixed" modal for the session */
  fixed: 'qa_fixed_open',
  /** show the session (summary / transcript for those allowed) */
  show: 'qa_show',
} as const;

/** The value carried by every button in QA_ACTIONS. */
export interface QaButtonValue {
  sessionId: number;
  /** qa_version after the change that produced the message (expectedVersion for the next change) */
  version: number;
}

/** One queued QA notification: which change, and where the issue post goes (optional override). */
export interface QaNotifyJob {
  kind: 'qa_issue' | 'qa_fixed';
  sessionId: number;
  /** the qa_events row of the change; notifications are keyed on it (a retried job does not send twice) */
  eventId: number;
  /** qa_version after the change */
  version: number;
  qaChannel?: string;
}

/**
 * One queued dispute notification (issue 20, point 4): `open` tells the team leads (admins when
 * there is none), `accepted` / `rejected` the person who disputed and the reviewer. Keyed on the
 * dispute and its step, so a retried job does not send twice.
 */
export interface DisputeNotifyJob {
  kind: 'qa_dispute';
  disputeId: number;
  sessionId: number;
  status: DisputeStatus;
}

export type NotifyJob = QaNotifyJob | DisputeNotifyJob;

export interface QaNotificationHookOptions {
  /** a started pg-boss (the same database); the job is inserted in the change's transaction */
  boss: PgBoss;
  /** QA_CHANNEL override for the issue post; unset: the notify worker's configured channel */
  qaChannel?: string;
}

let queueReady: WeakMap<PgBoss, Promise<void>> = new WeakMap();

/** Creates the `notify` queue (retries with exponential backoff) or updates its policy. */
export async function ensureNotifyQueue(boss: PgBoss, policy: { retryLimit?: number; retryDelay?: number; retryBackoff?: boolean } = {}): Promise<void> {
  await ensureQueue(boss, NOTIFY_QUEUE, {
    retryLimit: policy.retryLimit ?? 5,
    retryDelay: policy.retryDelay ?? 5,
    retryBackoff: policy.retryBackoff ?? true,
    expireInSeconds: 120,
  });
}

function ready(boss: PgBoss): Promise<void> {
  let p = queueReady.get(boss);
  if (!p) {
    p = boss.getQueue(NOTIFY_QUEUE).then((q) => (q ? undefined : ensureNotifyQueue(boss)));
    p.catch(() => queueReady.delete(boss));
    queueReady.set(boss, p);
  }
  return p;
}

/** For tests that recreate queues: forget which boss instances already have the queue. */
export function resetNotifyQueueCache(): void {
  queueReady = new WeakMap();
}

/**
 * The `after` hook for changeQaStatus: queues the notification job(s) of a change in the
 * change's own transaction. `issue` → developers (QA_CHANNEL post + email); `fixed` → the
 * reviewer who raised the issue (Slack DM + email). Other changes notify nobody.
 */
export function qaNotificationHook(opts: QaNotificationHookOptions): AfterQaChange {
  return async (client, change) => {
    const to = change.session.qaStatus;
    const kind = to === 'issue' ? 'qa_issue' : to === 'fixed' ? 'qa_fixed' : undefined;
    if (!kind) return;
    await ready(opts.boss);
    const job: QaNotifyJob = {
      kind,
      sessionId: change.session.id,
      eventId: change.eventId,
      version: change.session.qaVersion,
      ...(opts.qaChannel ? { qaChannel: opts.qaChannel } : {}),
    };
    await opts.boss.send(NOTIFY_QUEUE, job, { db: inTransaction(client) });
  };
}

/** The `after` hook for openDispute / resolveDispute: queues the step's notifications in its transaction. */
export function disputeNotificationHook(opts: { boss: PgBoss }): AfterDispute {
  return async (client, step) => {
    await ready(opts.boss);
    const { rows } = await client.query<{ session_id: number }>(`SELECT session_id FROM qa_disputes WHERE id = $1`, [step.disputeId]);
    const job: DisputeNotifyJob = { kind: 'qa_dispute', disputeId: step.disputeId, sessionId: rows[0]!.session_id, status: step.status };
    await opts.boss.send(NOTIFY_QUEUE, job, { db: inTransaction(client) });
  };
}
