// The handoff desk's records: a case per handoff (opened when the conversation leaves the bot,
// closed when people give it back), the private `//` notes written in its thread, and the
// transfers between people with their reasons. handoff-repo.ts keeps them in step with the
// conversation's state (changeHandoff); /handoffs and the App Home list the open cases.

import type pg from 'pg';
import type { HandoffAction, HandoffState, HandoffStatus } from '../domain/handoff.ts';

type Db = pg.Pool | pg.ClientBase;

/**
 * Opens the conversation's case unless one is open (a repeated or concurrent open finds it:
 * the partial unique index allows one open case per conversation).
 */
export async function openCase(db: Db, conversationId: number, reason: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO handoff_cases (conversation_id, page_id, reason, opened_at)
     SELECT id, page_id, $2, $3 FROM conversations WHERE id = $1
     ON CONFLICT (conversation_id) WHERE resolved_at IS NULL DO NOTHING`,
    [conversationId, reason, at],
  );
}

/** How a case ends: Resolve closes it as resolved, Resume bot as given back to the bot. */
export const resolutionOf = (action: HandoffAction): 'resolved' | 'returned_to_bot' => (action === 'resolve' ? 'resolved' : 'returned_to_bot');

/**
 * The case after a person's action on the conversation (same transaction as the state change):
 * back with the bot closes the open case; with people, the case is open (a person who takes a
 * conversation back from the bot opens one) and follows the assignee; a reply that reached the
 * customer is the case's first human reply if there was none.
 */
export async function syncCase(
  client: pg.ClientBase,
  o: { conversationId: number; before: HandoffStatus; after: HandoffStatus; action: HandoffAction; actorId: number; at: Date; sent?: boolean },
): Promise<number | undefined> {
  if (o.after.state === 'bot') {
    if (o.before.state === 'bot') return undefined;
    const { rows } = await client.query<{ id: number }>(
      `UPDATE handoff_cases SET resolved_at = $2, resolved_by_id = $3, resolution = $4 WHERE conversation_id = $1 AND resolved_at IS NULL RETURNING id`,
      [o.conversationId, o.at, o.actorId, resolutionOf(o.action)],
    );
    return rows[0]?.id;
  }
  if (o.action === 'block' || o.action === 'unblock') return openCaseId(client, o.conversationId);
  await openCase(client, o.conversationId, 'taken_by_person', o.at);
  const firstReply = (o.action === 'reply' || o.action === 'canned') && o.sent === true;
  const { rows } = await client.query<{ id: number }>(
    `UPDATE handoff_cases SET assigned_to_id = $2, first_human_reply_at = CASE WHEN $3 THEN coalesce(first_human_reply_at, $4) ELSE first_human_reply_at END
      WHERE conversation_id = $1 AND resolved_at IS NULL RETURNING id`,
    [o.conversationId, o.after.assignedToId, firstReply, o.at],
  );
  return rows[0]?.id;
}

async function openCaseId(db: Db, conversationId: number): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM handoff_cases WHERE conversation_id = $1 AND resolved_at IS NULL`, [conversationId]);
  return rows[0]?.id;
}

/** The conversation's open case, else its latest one. */
export async function latestCaseId(db: Db, conversationId: number): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM handoff_cases WHERE conversation_id = $1 ORDER BY resolved_at IS NULL DESC, opened_at DESC, id DESC LIMIT 1`,
    [conversationId],
  );
  return rows[0]?.id;
}

export async function recordTransfer(db: Db, t: { caseId: number; byId: number; toId: number; reason: string; at: Date }): Promise<void> {
  await db.query(`INSERT INTO handoff_transfers (case_id, by_id, to_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)`, [t.caseId, t.byId, t.toId, t.reason, t.at]);
}

/**
 * Stores a `//` note of the thread on the conversation's open case, else its latest one. False
 * when this Slack message was stored before (a redelivered event).
 */
export async function addNote(db: Db, n: { conversationId: number; authorId: number | null; slackTs: string; text: string; at: Date }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO handoff_notes (case_id, conversation_id, author_id, slack_ts, text, created_at)
     VALUES ((SELECT id FROM handoff_cases WHERE conversation_id = $1 ORDER BY resolved_at IS NULL DESC, opened_at DESC, id DESC LIMIT 1), $1, $2, $3, $4, $5)
     ON CONFLICT (conversation_id, slack_ts) DO NOTHING`,
    [n.conversationId, n.authorId, n.slackTs, n.text, n.at],
  );
  return (rowCount ?? 0) > 0;
}

export interface CaseNote {
  author: string | null;
  text: string;
  at: Date;
}

export async function caseNotes(db: Db, caseId: number): Promise<CaseNote[]> {
  const { rows } = await db.query<CaseNote>(
    `SELECT coalesce(u.name, u.external_id) AS author, n.text, n.created_at AS at FROM handoff_notes n LEFT JOIN users u ON u.id = n.author_id
      WHERE n.case_id = $1 ORDER BY n.created_at, n.id`,
    [caseId],
  );
  return rows;
}

/** One open case as the desk lists it. */
export interface DeskCase {
  caseId: number;
  conversationId: number;
  pageName: string;
  customerName: string | null;
  psid: string | null;
  reason: string;
  openedAt: Date;
  state: HandoffState;
  assigneeSlackId: string | null;
  assigneeName: string | null;
  channel: string | null;
  threadTs: string | null;
  notes: number;
  lastTransferReason: string | null;
}

/** The open cases, waiting ones first, then oldest first: what the desk has to do. */
export async function openCases(db: Db, limit = 50): Promise<DeskCase[]> {
  const { rows } = await db.query<DeskCase>(
    `SELECT h.id AS "caseId", c.id AS "conversationId", p.name AS "pageName", cu.name AS "customerName", cu.psid,
            h.reason, h.opened_at AS "openedAt", c.handoff_state::text AS state, u.external_id AS "assigneeSlackId", u.name AS "assigneeName",
            c.handoff_channel AS channel, c.handoff_thread_ts AS "threadTs",
            (SELECT count(*)::int FROM handoff_notes n WHERE n.case_id = h.id) AS notes,
            (SELECT t.reason FROM handoff_transfers t WHERE t.case_id = h.id ORDER BY t.created_at DESC, t.id DESC LIMIT 1) AS "lastTransferReason"
       FROM handoff_cases h
       JOIN conversations c ON c.id = h.conversation_id
       JOIN pages p ON p.id = h.page_id
       LEFT JOIN customers cu ON cu.id = c.customer_id
       LEFT JOIN users u ON u.id = c.assigned_to_id
      WHERE h.resolved_at IS NULL AND c.handoff_state <> 'bot'
      ORDER BY (c.handoff_state = 'waiting') DESC, h.opened_at, h.id
      LIMIT $1`,
    [limit],
  );
  return rows;
}

/** Lifts a customer's block. False when they were not blocked. */
export async function unblockCustomer(db: Db, customerId: number): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE customers SET blocked = false, blocked_reason = NULL WHERE id = $1 AND blocked`, [customerId]);
  return (rowCount ?? 0) > 0;
}

/**
 * Sessions closed by a Resolve: a conversation's session whose last message came before a case
 * was resolved, with the resolution inside the session gap (a customer who writes again after
 * it starts, or reopens, the episode). Called after the sessions are recomputed from messages.
 */
export async function completeResolvedSessions(db: Db, conversationIds: number[], gapMs: number): Promise<number> {
  const res = await db.query(
    `UPDATE sessions s SET completion_status = 'complete', updated_at = now()
       FROM handoff_cases h
      WHERE h.conversation_id = ANY($1::int[]) AND h.resolution = 'resolved'
        AND s.conversation_id = h.conversation_id AND s.completion_status <> 'complete'
        AND h.resolved_at >= s.ended_at AND h.resolved_at <= s.ended_at + make_interval(secs => $2::double precision / 1000)`,
    [conversationIds, gapMs],
  );
  return res.rowCount ?? 0;
}
