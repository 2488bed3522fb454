import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { offlineConfig } from './helpers/assistant.ts';

// Found by probing the running service (7 Dec 2026): a QA reviewer's API token is made for a
// user without a name (`pulse token create --user U0123ABCD --role qa`), and once that user had
// changed one session's QA state the offline assistant's reviewer names held a null, so every
// question failed ("Cannot read properties of null (reading 'length')") in Slack, Bot Framework
// and `pulse ask` alike.

const NOW = new Date('2026-11-25T14:30:00Z');
let db: TestDatabase;
let opened: OpenAssistant | undefined;

beforeAll(async () => {
  db = await createTestDatabase('assistant_vocabulary');
  await seedDemoData(db.url, { conversations: 20, now: NOW, timezone: 'UTC' });
  const { userId } = await createApiToken(db.pool, { user: { kind: 'slack', externalId: 'U0NONAME1' }, role: 'qa' });
  const { rows } = await db.pool.query<{ name: string | null }>('SELECT name FROM users WHERE id = $1', [userId]);
  expect(rows[0]!.name).toBeNull();
  await db.pool.query(
    `INSERT INTO qa_events (session_id, actor_id, from_status, to_status, notes) SELECT id, $1, 'unchecked', 'passed', 'fine' FROM sessions ORDER BY id LIMIT 1`,
    [userId],
  );
  opened = await openAssistant(offlineConfig('UTC'), db.url, { now: () => NOW, pool: db.pool });
});
afterAll(async () => {
  await opened?.close();
  await db?.drop();
});

describe('the offline assistant with a reviewer who has no name', () => {
  it('still answers "What was the CSI last week?"', async () => {
    const reply = await opened!.assistant.ask({ channel: 'test', threadKey: 'noname' }, 'What was the CSI last week?');
    expect(reply.text).toMatch(/last week/i);
    expect(reply.text).not.toMatch(/went wrong|Cannot read/);
  });
});
