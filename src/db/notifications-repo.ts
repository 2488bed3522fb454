import type pg from 'pg';
import { maskPii } from '../domain/mask.ts';
import { isNotifyVia, type NotifyVia } from '../domain/notify-via.ts';

// notification_logs (one row per attempt; the row carrying a notification's idempotency key
// settles it: sent, or failed for good) and what a QA notification says: the session's summary,
// the change's event, the reviewer who raised an issue, the developers' addresses.

export type NotificationChannel = 'slack' | 'email' | 'messenger' | 'teams';

export interface NotificationAttempt {
  channel: NotificationChannel;
  recipient: string;
  subject?: string;
  status: 'sent' | 'failed';
  error?: string;
  context?: Record<string, unknown>;
  /** unique: the notification's key when this attempt settles it, `key#attempt-n` for a failure that will be retried */
  idempotencyKey: string;
}

/** Records an attempt; false when a row with this key already exists (someone settled it first). */
export async function recordNotification(db: pg.Pool | pg.ClientBase, a: NotificationAttempt): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO notification_logs (channel, recipient, subject, status, error, context, idempotency_key)
     VALUES ($1::"NotificationChannel", $2, $3, $4::"NotificationStatus", $5, $6, $7)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [a.channel, a.recipient, a.subject ?? null, a.status, a.error ?? null, a.context ? JSON.stringify(a.context) : null, a.idempotencyKey],
  );
  return r.rowCount === 1;
}

/** The settled outcome of a notification (its key's row), if any. */
export async function notificationOutcome(db: pg.Pool | pg.ClientBase, idempotencyKey: string): Promise<'sent' | 'failed' | undefined> {
  const { rows } = await db.query<{ status: 'sent' | 'failed' }>(`SELECT status::text AS status FROM notification_logs WHERE idempotency_key = $1`, [idempotencyKey]);
  return rows[0]?.status;
}

export interface QaNoticeSession {
  sessionId: number;
  conversationId: number;
  page: string;
  /** "M*** L***" or "customer …1234": enough to tell customers apart, not to identify one */
  customer: string;
  /** the session's first customer message, emails and phone numbers masked, at most 300 characters */
  excerpt: string | null;
  startedAt: Date;
  qaStatus: string;
  qaVersion: number;
}

export interface QaNoticeEvent {
  eventId: number;
  sessionId: number;
  toStatus: string;
  notes: string | null;
  devFeedback: string | null;
  actor: QaPerson | null;
}

export interface QaPerson {
  userId: number;
  /** the Slack user id, when the user is a Slack user */
  slackId?: string;
  name?: string;
  email?: string;
  /** how personal notifications reach them (users.notify_via); unset: all */
  notifyVia?: NotifyVia;
}

const EXCERPT_MAX = 300;

/** "Maria Lopez" → "M*** L***"; no name → "customer …" and the last 4 characters of the PSID. */
export function maskCustomer(name: string | null, psid: string | null): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length) return words.map((w) => `${[...w][0]!.toUpperCase()}***`).join(' ');
  return psid ? `customer …${psid.slice(-4)}` : 'unknown customer';
}

export async function qaNoticeSession(db: pg.Pool | pg.ClientBase, sessionId: number): Promise<QaNoticeSession | undefined> {
  const { rows } = await db.query<{
    id: number; conversation_id: number; page: string; customer_name: string | null; psid: string | null; excerpt: string | null;
    started_at: Date; qa_status: string; qa_version: number;
  }>(
    `SELECT s.id, s.conversation_id, p.name AS page, cu.name AS customer_name, cu.psid, s.started_at, s.qa_status::text AS qa_status, s.qa_version,
            (SELECT m.text FROM messages m
              WHERE m.conversation_id = s.conversation_id AND m.sender_kind = 'customer' AND m.text IS NOT NULL
                AND m.social_create_time >= s.started_at AND m.social_create_time <= s.ended_at
              ORDER BY m.social_create_time, m.id LIMIT 1) AS excerpt
       FROM sessions s
       JOIN conversations c ON c.id = s.conversation_id
       JOIN pages p ON p.id = c.page_id
       LEFT JOIN customers cu ON cu.id = c.customer_id
      WHERE s.id = $1`,
    [sessionId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const text = r.excerpt ? maskPii(r.excerpt).replace(/\s+/g, ' ').trim() : null;
  return {
    sessionId: r.id,
    conversationId: r.conversation_id,
    page: r.page,
    customer: maskCustomer(r.customer_name, r.psid),
    excerpt: text ? (text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX - 1)}…` : text) : null,
    startedAt: r.started_at,
    qaStatus: r.qa_status,
    qaVersion: r.qa_version,
  };
}

interface PersonRow { user_id: number | null; platform: string | null; external_id: string | null; name: string | null; email: string | null; notify_via?: string | null }
const person = (r: PersonRow): QaPerson | null =>
  r.user_id === null
    ? null
    : {
        userId: r.user_id,
        ...(r.platform === 'slack' && r.external_id ? { slackId: r.external_id } : {}),
        ...(r.name ? { name: r.name } : {}),
        ...(r.email?.trim() ? { email: r.email.trim() } : {}),
        ...(isNotifyVia(r.notify_via) ? { notifyVia: r.notify_via } : {}),
      };

export async function qaNoticeEvent(db: pg.Pool | pg.ClientBase, eventId: number): Promise<QaNoticeEvent | undefined> {
  const { rows } = await db.query<PersonRow & { id: number; session_id: number; to_status: string; notes: string | null; dev_feedback: string | null }>(
    `SELECT e.id, e.session_id, e.to_status::text AS to_status, e.notes, e.dev_feedback,
            u.id AS user_id, u.platform, u.external_id, u.name, u.email, u.notify_via::text AS notify_via
       FROM qa_events e LEFT JOIN users u ON u.id = e.actor_id
      WHERE e.id = $1`,
    [eventId],
  );
  const r = rows[0];
  return r ? { eventId: r.id, sessionId: r.session_id, toStatus: r.to_status, notes: r.notes, devFeedback: r.dev_feedback, actor: person(r) } : undefined;
}

/** The reviewer who raised the issue a `fixed` event answers: the actor of the last `issue` event before it. */
export async function issueRaiser(db: pg.Pool | pg.ClientBase, sessionId: number, beforeEventId: number): Promise<{ person: QaPerson | null; notes: string | null } | undefined> {
  const { rows } = await db.query<PersonRow & { notes: string | null }>(
    `SELECT e.notes, u.id AS user_id, u.platform, u.external_id, u.name, u.email, u.notify_via::text AS notify_via
       FROM qa_events e LEFT JOIN users u ON u.id = e.actor_id
      WHERE e.session_id = $1 AND e.id < $2 AND e.to_status = 'issue'
      ORDER BY e.id DESC LIMIT 1`,
    [sessionId, beforeEventId],
  );
  return rows[0] ? { person: person(rows[0]), notes: rows[0].notes } : undefined;
}

/** Developers' email addresses (users with role developer and an email who take QA email: notify_via all or email), lower-cased, distinct. */
export async function developerEmails(db: pg.Pool | pg.ClientBase): Promise<string[]> {
  const { rows } = await db.query<{ email: string }>(
    `SELECT DISTINCT lower(trim(email)) AS email FROM users WHERE role = 'developer' AND notify_via IN ('all', 'email') AND email IS NOT NULL AND trim(email) <> '' ORDER BY 1`,
  );
  return rows.map((r) => r.email);
}
