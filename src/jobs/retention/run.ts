import type pg from 'pg';
import type { Config } from '../../config.ts';
import { retentionPlan, type RetentionTarget } from '../../domain/retention.ts';
import { transaction } from '../../db/pool.ts';

// The retention cleanup: for each configured table, delete rows older than its cutoff in
// batches (one short statement each, so no long lock and no huge transaction), then record
// what went in audit_logs (action retention.delete). Unfinished work is never deleted, however
// old: pending Messenger events and sends, queued or working Slack deliveries, and the newest
// scheduler claim of each task (the scheduler's memory of its last run).

export const RETENTION_BATCH = 5_000;

const KEEP: Readonly<Record<string, string>> = {
  messenger_events: `AND state <> 'pending'`,
  messenger_sends: `AND status <> 'pending'`,
  // an upload still under way (or stuck) stays, like the other tables' unfinished work
  handoff_files: `AND state IN ('shared', 'linked')`,
  slack_deliveries: `AND state NOT IN ('queued', 'working')`,
  scheduled_runs: `AND EXISTS (SELECT 1 FROM scheduled_runs n WHERE n.task_key = t.task_key AND n.scheduled_for > t.scheduled_for)`,
};

export interface RetentionResult {
  table: string;
  days: number;
  cutoff: Date;
  deleted: number;
}

/**
 * After messages went: conversation counters, first/last times and page counters recomputed
 * from what is left, and the analysis memory (processed_chats) moved along when it was up to
 * date, so deleting old messages does not make the planner re-score the conversation: its
 * scored days stay as they are (the history of CSI outlives the raw text).
 */
async function refreshAfterMessages(client: pg.ClientBase, conversationIds: number[]): Promise<void> {
  await client.query(
    `WITH affected AS (SELECT DISTINCT unnest($1::int[]) AS id),
     counts AS (
       SELECT a.id, count(m.id)::int AS total, (count(m.id) FILTER (WHERE m.sender_kind = 'customer'))::int AS customer,
              min(m.social_create_time) AS first, max(m.social_create_time) AS last
         FROM affected a LEFT JOIN messages m ON m.conversation_id = a.id GROUP BY a.id),
     before AS (SELECT c.id, c.fb_chat_id, c.total_messages FROM conversations c JOIN affected a ON a.id = c.id),
     chats AS (
       UPDATE processed_chats p SET message_count = k.total FROM before b JOIN counts k ON k.id = b.id
        WHERE p.fb_chat_id = b.fb_chat_id AND p.message_count = b.total_messages RETURNING p.id)
     UPDATE conversations c SET total_messages = k.total, customer_messages = k.customer, agent_messages = k.total - k.customer,
            first_message_at = k.first, last_message_at = coalesce(k.last, c.last_message_at), updated_at = now()
       FROM counts k WHERE c.id = k.id`,
    [conversationIds],
  );
  await client.query(
    `UPDATE pages p SET message_count = s.messages, updated_at = now()
       FROM (SELECT page_id, coalesce(sum(total_messages), 0)::int AS messages FROM conversations
              WHERE page_id IN (SELECT DISTINCT page_id FROM conversations WHERE id = ANY($1::int[])) GROUP BY page_id) s
      WHERE p.id = s.page_id`,
    [conversationIds],
  );
}

// Messages have no index by time alone (see the messages_human_reply_time_idx migration): old
// ones are found through the conversations that start before the cutoff, each read by
// messages_conversation_time_id_kind_idx. first_message_at is recomputed after every batch,
// so a conversation drops out once its old messages are gone.
const OLD_MESSAGES = (batch: number) => `
SELECT m.ctid FROM conversations c
  JOIN messages m ON m.conversation_id = c.id AND m.social_create_time < $1
 WHERE c.first_message_at < $1 OR c.first_message_at IS NULL
 LIMIT ${batch}`;

async function deleteBatch(client: pg.ClientBase, t: RetentionTarget, batch: number): Promise<number> {
  const select = t.table === 'messages' ? OLD_MESSAGES(batch) : `SELECT t.ctid FROM ${t.table} t WHERE t.${t.column} < $1 ${KEEP[t.table] ?? ''} LIMIT ${batch}`;
  if (t.table !== 'messages') {
    const res = await client.query(`DELETE FROM ${t.table} WHERE ctid = ANY(ARRAY(${select}))`, [t.cutoff]);
    return res.rowCount ?? 0;
  }
  return transaction(client, async () => {
    const res = await client.query<{ conversation_id: number }>(`DELETE FROM messages WHERE ctid = ANY(ARRAY(${select})) RETURNING conversation_id`, [t.cutoff]);
    if (res.rows.length > 0) await refreshAfterMessages(client, res.rows.map((r) => r.conversation_id));
    return res.rows.length;
  });
}

export async function runRetention(
  deps: { pool: pg.Pool; config: Pick<Config, 'retentionDays'>; now?: () => Date; batchSize?: number; log?: (e: { msg: string; [k: string]: unknown }) => void },
): Promise<RetentionResult[]> {
  const now = (deps.now ?? (() => new Date()))();
  const batch = deps.batchSize ?? RETENTION_BATCH;
  const results: RetentionResult[] = [];
  for (const t of retentionPlan(deps.config.retentionDays, now)) {
    const client = await deps.pool.connect();
    let deleted = 0;
    try {
      for (;;) {
        const n = await deleteBatch(client, t, batch);
        deleted += n;
        if (n < batch) break;
      }
    } finally {
      client.release();
    }
    results.push({ table: t.table, days: t.days, cutoff: t.cutoff, deleted });
    if (deleted > 0) {
      await deps.pool.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES (NULL, 'retention.delete', $1, $2)`, [
        t.table,
        JSON.stringify({ table: t.table, days: t.days, cutoff: t.cutoff.toISOString(), count: deleted, column: t.column }),
      ]);
    }
  }
  deps.log?.({ msg: 'retention run', deleted: Object.fromEntries(results.map((r) => [r.table, r.deleted])) });
  return results;
}
