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

/** Builds the sessions of every conversation that has messages but none; returns how many. */
export async function repairMissingSessions(client: pg.ClientBase, now: Date): Promise<number> {
  const ids = await conversationsWithoutSessions(client);
  await rebuildConversations([client], ids, now);
  return ids.length;
}
