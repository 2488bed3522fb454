import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath } from '../src/import/index.ts';
import { BATCH_ROWS } from '../src/import/loader.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Several batches on the two writer connections at once. Every chat has rows in every batch,
// so both writers upsert the same conversations concurrently, and a conversation's messages
// arrive from both. Counters and sessions must come out as if one writer had loaded the file.

const CHATS = 40;
/** two and a half batches, rounded so that every chat has an even number of messages */
const ROWS = CHATS * 2 * Math.ceil((BATCH_ROWS * 2.5) / (CHATS * 2));
const START = Date.UTC(2026, 9, 1);

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('import_writers');
  dir = await mkdtemp(path.join(tmpdir(), 'pulse-import-writers-'));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Row i belongs to chat i % CHATS; a chat's messages are a minute apart, with one 2-day silence in the middle. */
function csv(rows: number): string {
  let out = 'fb_chat_id,message_id,direction,message_content,social_create_time,page_id,page_name\n';
  for (let i = 0; i < rows; i++) {
    const k = Math.floor(i / CHATS);
    const at = START + k * 60_000 + (k >= ROWS / CHATS / 2 ? 2 * 86_400_000 : 0);
    out += `w_${i % CHATS},wm_${i},${k % 2 === 0 ? 'to_company' : 'to_client'},message ${i},${new Date(at).toISOString()},777,Writers Shop\n`;
  }
  return out;
}

describe('two writers', () => {
  it('load interleaved chats over several batches with exact counters and sessions, and a re-import adds nothing', async () => {
    const file = path.join(dir, 'interleaved.csv');
    await writeFile(file, csv(ROWS));
    const first = await importPath(db.pool, file, { timezone: 'UTC' });
    expect(first).toMatchObject({ accepted: ROWS, inserted: ROWS, duplicates: 0, rejected: 0 });
    expect(first.conversationIds).toHaveLength(CHATS);

    const perChat = ROWS / CHATS;
    const conversations = (
      await db.pool.query<{ total_messages: number; customer_messages: number; agent_messages: number; n: number }>(
        `SELECT c.total_messages, c.customer_messages, c.agent_messages, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id) AS n
           FROM conversations c WHERE c.fb_chat_id LIKE 'w\\_%'`,
      )
    ).rows;
    expect(conversations).toHaveLength(CHATS);
    for (const c of conversations) {
      expect(c).toEqual({ total_messages: perChat, customer_messages: perChat / 2, agent_messages: perChat / 2, n: perChat });
    }
    const page = (await db.pool.query(`SELECT conversation_count, message_count FROM pages WHERE fb_page_id = '777'`)).rows[0];
    expect(page).toEqual({ conversation_count: CHATS, message_count: ROWS });

    // The 2-day silence splits every chat into two sessions of half its messages.
    const sessions = (
      await db.pool.query<{ sequence: number; message_count: number; n: number }>(
        `SELECT s.sequence, s.message_count, count(*)::int AS n FROM sessions s JOIN conversations c ON c.id = s.conversation_id
          WHERE c.fb_chat_id LIKE 'w\\_%' GROUP BY s.sequence, s.message_count ORDER BY s.sequence`,
      )
    ).rows;
    expect(sessions).toEqual([
      { sequence: 1, message_count: perChat / 2, n: CHATS },
      { sequence: 2, message_count: perChat / 2, n: CHATS },
    ]);

    // Both writers' COPYs now fail on the unique key and fall back to ON CONFLICT DO NOTHING.
    const again = await importPath(db.pool, file, { timezone: 'UTC' });
    expect(again).toMatchObject({ accepted: ROWS, inserted: 0, duplicates: ROWS, conversationIds: [] });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE mid LIKE 'wm\\_%'`)).rows[0].n).toBe(ROWS);
  });
});
