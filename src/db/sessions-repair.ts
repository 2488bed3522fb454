import type pg from 'pg';
import { SESSION_GAP_MS } from '../domain/sessions.ts';
import { recountPages } from './pages-repo.ts';
import { rebuildSessions } from './sessions-rebuild.ts';

// Conversations whose messages have no session: an import killed between its load and its
// recount, or any other writer that died before its rebuild. They are invisible to
// /api/sessions and QA until their sessions exist, so start-up recovery (src/import/recover.ts)
// and `pulse validate --fix` build them; validation counts them (conversations_without_sessions).

/** Ids of conversations that have messages and no session, ascending. */
export async function conversationsWithoutSessions(db: pg.Pool | pg.ClientBase): Promise<number[]> {
  const res = await db.query<{ id: number }>(
    `SELECT c.id FROM conversations c
      WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.conversation_id = c.id)
        AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)
      ORDER BY c.id`,
  );
  return res.rows.map((r) => r.id);
}

/**
 * Ids of conversations whose newest message is later than their last session's end, ascending:
 * a message stored (conversations.last_message_at moves in the same statement) whose session
 * rebuild never ran — the Messenger session refresher batches rebuilds in memory for half a
 * second, so a process killed in that window leaves them behind.
 */
export async function conversationsWithStaleSessions(db: pg.Pool | pg.ClientBase): Promise<number[]> {
  const res = await db.query<{ id: number }>(
    `SELECT c.id FROM conversations c
       JOIN LATERAL (SELECT s.ended_at FROM sessions s WHERE s.conversation_id = c.id ORDER BY s.sequence DESC LIMIT 1) last ON true
      WHERE c.last_message_at > last.ended_at
      ORDER BY c.id`,
  );
  return res.rows.map((r) => r.id);
}

/**
 * Sessions, message counters and page counters of these conversations recomputed from their
 * messages (what an import does after its load), the conversations split evenly over the
 * clients so the passes run side by side. Ids ascending: concurrent rebuilders then lock in the
 * same order.
 */
export async function rebuildConversations(clients: pg.ClientBase[], conversationIds: number[], now: Date): Promise<void> {
  if (conversationIds.length === 0) return;
  const share = Math.ceil(conversationIds.length / clients.length);
  await Promise.all(
    clients.map((c, i) => rebuildSessions(c, conversationIds.slice(i * share, (i + 1) * share), now, SESSION_GAP_MS, { counters: true })),
  );
  await recountPages(clients[0]!, { conversationIds });
}

/**
 * Builds the sessions of every conversation that has messages but none, and rebuilds those whose
 * newest message no session covers yet; returns how many of each.
 */
export async function repairMissingSessions(client: pg.ClientBase, now: Date, opts: { stale?: boolean } = {}): Promise<{ missing: number; stale: number }> {
  const missing = await conversationsWithoutSessions(client);
  const stale = opts.stale === false ? [] : await conversationsWithStaleSessions(client);
  await rebuildConversations([client], [...new Set([...missing, ...stale])].sort((a, b) => a - b), now);
  return { missing: missing.length, stale: stale.length };
}
