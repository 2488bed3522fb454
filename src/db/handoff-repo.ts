// Handed-off conversations in SQL: the conversation with its page, customer and assignee, its
// recent history, state changes under a row lock (checked by the rules in domain/handoff.ts and
// audited in the same transaction), blocking a customer, and the canned templates.

import type pg from 'pg';
import { isRole, type Role } from '../domain/access.ts';
import { afterAction, mayAct, type HandoffAction, type HandoffState, type HandoffStatus, type HistoryLine } from '../domain/handoff.ts';
import { recordTransfer, syncCase } from './handoff-cases-repo.ts';
import { markBotResumed } from './handoff-marks-repo.ts';
import { slackCaller } from './users-repo.ts';

type Db = pg.Pool | pg.ClientBase;

export interface HandoffConversation {
  id: number;
  pageDbId: number;
  /** Messenger page id (pages.fb_page_id), what the Send API is addressed with */
  fbPageId: string;
  pageName: string | null;
  /** pages.handoff_channel: where this page's new handoff threads go (NULL: HANDOFF_CHANNEL) */
  pageHandoffChannel?: string | null;
  customerId: number | null;
  psid: string | null;
  customerName: string | null;
  blocked: boolean;
  customerLastMessageAt: Date | null;
  state: HandoffState;
  reason: string | null;
  handoffAt: Date | null;
  channel: string | null;
  threadTs: string | null;
  assignedToId: number | null;
  assigneeSlackId: string | null;
  assigneeName: string | null;
}

const SELECT = `
  SELECT c.id, c.page_id AS "pageDbId", p.fb_page_id AS "fbPageId", p.name AS "pageName",
         p.handoff_channel AS "pageHandoffChannel", c.customer_id AS "customerId", cu.psid, cu.name AS "customerName", coalesce(cu.blocked, false) AS blocked,
         cu.last_message_at AS "customerLastMessageAt", c.handoff_state::text AS state, c.handoff_reason AS reason,
         c.handoff_at AS "handoffAt", c.handoff_channel AS channel, c.handoff_thread_ts AS "threadTs",
         c.assigned_to_id AS "assignedToId", u.external_id AS "assigneeSlackId", u.name AS "assigneeName"
    FROM conversations c
    JOIN pages p ON p.id = c.page_id
    LEFT JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN users u ON u.id = c.assigned_to_id`;

export async function loadConversation(db: Db, id: number): Promise<HandoffConversation | undefined> {
  const { rows } = await db.query<HandoffConversation>(`${SELECT} WHERE c.id = $1`, [id]);
  return rows[0];
}

/** The conversation a Slack thread mirrors, if any. */
export async function conversationByThread(db: Db, channel: string, threadTs: string): Promise<HandoffConversation | undefined> {
  const { rows } = await db.query<HandoffConversation>(`${SELECT} WHERE c.handoff_channel = $1 AND c.handoff_thread_ts = $2`, [channel, threadTs]);
  return rows[0];
}

/** Conversations with humans (waiting or human) assigned to `userId`, most recent first. */
export async function assignedConversations(db: Db, userId: number): Promise<HandoffConversation[]> {
  const { rows } = await db.query<HandoffConversation>(
    `${SELECT} WHERE c.assigned_to_id = $1 AND c.handoff_state <> 'bot' ORDER BY c.last_message_at DESC NULLS LAST, c.id DESC LIMIT 20`,
    [userId],
  );
  return rows;
}

const FROM: Record<string, HistoryLine['from']> = { customer: 'customer', bot: 'bot', human_agent: 'human' };

/** The last `limit` messages with text or attachments, oldest first. */
export async function recentHistory(db: Db, conversationId: number, limit = 10): Promise<HistoryLine[]> {
  const { rows } = await db.query<{ kind: string; text: string | null; attachments: unknown; at: Date }>(
    `SELECT sender_kind::text AS kind, text, attachments, social_create_time AS at
       FROM messages WHERE conversation_id = $1 ORDER BY social_create_time DESC, id DESC LIMIT $2`,
    [conversationId, limit],
  );
  return rows.reverse().map((r) => ({
    from: FROM[r.kind] ?? 'customer',
    text: r.text ?? (r.attachments ? '(attachment)' : ''),
    at: r.at,
  }));
}

/**
 * This conversation's handoff lock, held until the transaction ends: two open() calls for one
 * conversation (a retried job, two workers) run one after the other, so only one posts a
 * thread. An advisory lock, not a row lock, so the Messenger worker's own updates of the row
 * are not held up while Slack answers.
 */
export async function lockHandoff(client: pg.ClientBase, conversationId: number): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('handoff'), $1)`, [conversationId]);
}

/**
 * Locks the conversation's row if nobody else holds it; false when someone does (the caller
 * of open() may be in the middle of its own transaction on that row). Needs a transaction.
 */
export async function tryLockRow(client: pg.ClientBase, conversationId: number): Promise<boolean> {
  await client.query('SAVEPOINT handoff_row');
  try {
    await client.query(`SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE NOWAIT`, [conversationId]);
    await client.query('RELEASE SAVEPOINT handoff_row');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== '55P03') throw err; // lock_not_available
    await client.query('ROLLBACK TO SAVEPOINT handoff_row');
    return false;
  }
}

/** Waits (up to `timeoutMs`) for the conversation's row and locks it. Needs a transaction. */
export async function waitLockRow(client: pg.ClientBase, conversationId: number, timeoutMs: number): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
  await client.query(`SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE`, [conversationId]);
}

/** Hands the conversation to humans (waiting, nobody assigned) when it is with the bot; records the thread. */
export async function markHandedOff(db: Db, id: number, o: { reason: string; at: Date; channel: string; threadTs: string }): Promise<void> {
  await db.query(
    `UPDATE conversations SET handoff_channel = $2, handoff_thread_ts = $3,
            handoff_reason = CASE WHEN handoff_state = 'bot' THEN $4 ELSE handoff_reason END,
            handoff_at = CASE WHEN handoff_state = 'bot' THEN $5 ELSE handoff_at END,
            assigned_to_id = CASE WHEN handoff_state = 'bot' THEN NULL ELSE assigned_to_id END,
            handoff_state = CASE WHEN handoff_state = 'bot' THEN 'waiting'::"HandoffState" ELSE handoff_state END,
            updated_at = now()
      WHERE id = $1`,
    [id, o.channel, o.threadTs, o.reason, o.at],
  );
  // the desk's case, from the handoff's own time (the Messenger worker marked it before the thread was posted)
  await db.query(
    `INSERT INTO handoff_cases (conversation_id, page_id, reason, opened_at)
     SELECT id, page_id, coalesce(handoff_reason, $2), coalesce(handoff_at, $3) FROM conversations WHERE id = $1 AND handoff_state <> 'bot'
     ON CONFLICT (conversation_id) WHERE resolved_at IS NULL DO NOTHING`,
    [id, o.reason, o.at],
  );
}

export async function audit(db: Db, e: { actorId: number | null; action: string; target: string; details: Record<string, unknown> }): Promise<void> {
  await db.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES ($1, $2, $3, $4)`, [e.actorId, e.action, e.target, JSON.stringify(e.details)]);
}

export interface HandoffUser {
  userId: number;
  role: Role;
  slackId: string;
  name: string | null;
}

/**
 * The recorded user behind a Slack id, without recording a new one: someone the service has
 * never seen has no role here. ADMIN_SLACK_IDS are admins from their first request on.
 */
export async function handoffUser(pool: pg.Pool, slackId: string, adminIds: readonly string[]): Promise<HandoffUser | undefined> {
  if (adminIds.includes(slackId)) {
    const c = await slackCaller(pool, slackId, { adminIds });
    return { userId: c.userId!, role: c.role, slackId, name: null };
  }
  const { rows } = await pool.query<{ id: number; role: string; name: string | null }>(
    `SELECT id, role::text AS role, name FROM users WHERE platform = 'slack' AND external_id = $1`,
    [slackId],
  );
  const r = rows[0];
  return r && isRole(r.role) ? { userId: r.id, role: r.role, slackId, name: r.name } : undefined;
}

export type ChangeResult =
  | { ok: true; before: HandoffStatus; after: HandoffStatus; conversation: HandoffConversation; caseId?: number }
  | { ok: false; reason: string };

/**
 * One person's action on a conversation: the permission is checked against the row as it is
 * now (locked), the new state written, the desk's case kept in step (handoff-cases-repo.ts) and
 * the action audited, all in one transaction. `sent`: a reply reached the customer; `reason`:
 * why a transfer was made (stored with it).
 */
export async function changeHandoff(
  pool: pg.Pool,
  input: {
    conversationId: number; actor: HandoffUser; action: HandoffAction; transferTo?: number; details?: Record<string, unknown>;
    at?: Date; sent?: boolean; reason?: string;
  },
): Promise<ChangeResult> {
  const { conversationId: id, actor, action } = input;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ state: HandoffState; assignedToId: number | null }>(
      `SELECT handoff_state::text AS state, assigned_to_id AS "assignedToId" FROM conversations WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    const target = `conversation:${id}`;
    if (!row) {
      await client.query('ROLLBACK');
      return { ok: false, reason: `conversation ${id} does not exist` };
    }
    const allowed = mayAct(action, actor, row.assignedToId);
    if (!allowed.ok) {
      await audit(client, { actorId: actor.userId, action: `handoff.${action}.refused`, target, details: { slackId: actor.slackId, role: actor.role, reason: allowed.reason, ...input.details } });
      await client.query('COMMIT');
      return allowed;
    }
    const before: HandoffStatus = { state: row.state, assignedToId: row.assignedToId };
    const after = afterAction(before, action, actor.userId, input.transferTo);
    await client.query(
      `UPDATE conversations SET handoff_state = $2::"HandoffState", assigned_to_id = $3,
              unsure_streak = CASE WHEN $2 = 'bot' THEN 0 ELSE unsure_streak END, updated_at = now()
        WHERE id = $1`,
      [id, after.state, after.assignedToId],
    );
    // back with the bot: another inbox's earlier replies no longer pause it (handoff_marks)
    if (after.state === 'bot') await markBotResumed(client, id);
    const at = input.at ?? new Date();
    const caseId = await syncCase(client, { conversationId: id, before, after, action, actorId: actor.userId, at, ...(input.sent !== undefined ? { sent: input.sent } : {}) });
    if (action === 'transfer' && caseId !== undefined && input.reason) await recordTransfer(client, { caseId, byId: actor.userId, toId: after.assignedToId!, reason: input.reason, at });
    const reason = input.reason ? { reason: input.reason } : {};
    await audit(client, { actorId: actor.userId, action: `handoff.${action}`, target, details: { slackId: actor.slackId, from: before, to: after, ...reason, ...input.details } });
    const conversation = (await loadConversation(client, id))!;
    await client.query('COMMIT');
    return { ok: true, before, after, conversation, ...(caseId !== undefined ? { caseId } : {}) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Blocks the conversation's customer (the bot then ignores and flags their messages). False when already blocked. */
export async function blockCustomer(db: Db, customerId: number, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE customers SET blocked = true, blocked_reason = $2 WHERE id = $1 AND NOT blocked`, [customerId, reason]);
  return (rowCount ?? 0) > 0;
}

export interface CannedTemplate {
  id: number;
  name: string;
  body: string;
  messageType: string;
}

export async function cannedTemplate(db: Db, name: string, pageDbId: number): Promise<CannedTemplate | undefined> {
  const { rows } = await db.query<CannedTemplate & { active: boolean }>(
    `SELECT id, name, body, message_type AS "messageType", active FROM message_templates
      WHERE lower(name) = lower($1) AND (page_id IS NULL OR page_id = $2) ORDER BY page_id NULLS LAST LIMIT 1`,
    [name, pageDbId],
  );
  const r = rows[0];
  return r?.active ? { id: r.id, name: r.name, body: r.body, messageType: r.messageType } : undefined;
}

export async function countTemplateUse(db: Db, id: number, sent: boolean): Promise<void> {
  await db.query(`UPDATE message_templates SET usage_count = usage_count + 1, success_count = success_count + $2::int, updated_at = now() WHERE id = $1`, [id, sent ? 1 : 0]);
}

/**
 * Says who wrote a human reply the sender stored (messages.agent_info, as imported chats carry
 * it), so per-agent analytics count Slack replies too.
 */
export async function tagAgentMessage(db: Db, mid: string, agent: { id: string; name: string }): Promise<void> {
  await db.query(`UPDATE messages SET agent_info = $2 WHERE mid = $1 AND agent_info IS NULL`, [mid, JSON.stringify({ id: agent.id, name: agent.name, via: 'slack' })]);
}
