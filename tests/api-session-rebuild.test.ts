import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionOf } from '../src/domain/sessions.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { rebuildSessions, settleOpenSessions } from '../src/db/sessions-rebuild.ts';
import { importPath, toPulseJsonl, type PulseMessage } from '../src/import/index.ts';
import { describeRecovery, recoverImports } from '../src/import/recover.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Sessions (issue 6, part 6): completion is kept current as messages arrive (an import
// recomputes the sessions of the conversations it changed) and as time passes (an open
// session turns incomplete after the gap), independently of archive status and QA.

const HOUR = 3_600_000;

describe('completion rule', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it('is complete on a closing customer word, in progress inside the gap for the latest session, else incomplete', () => {
    expect(completionOf({ lastCustomer: { text: 'thanks, perfect!', classification: null }, endedAt: now - 20 * HOUR, isLast: false }, now)).toBe('complete');
    expect(completionOf({ lastCustomer: { text: null, classification: 'gratitude' }, endedAt: now - HOUR, isLast: true }, now)).toBe('complete');
    // A classified message follows the classifier, as the demo data does.
    expect(completionOf({ lastCustomer: { text: 'thanks', classification: 'order_status' }, endedAt: now - 20 * HOUR, isLast: true }, now)).toBe('incomplete');
    expect(completionOf({ lastCustomer: { text: 'where is my order?', classification: null }, endedAt: now - HOUR, isLast: true }, now)).toBe('in_progress');
    expect(completionOf({ lastCustomer: { text: 'where is my order?', classification: null }, endedAt: now - HOUR, isLast: false }, now)).toBe('incomplete');
    expect(completionOf({ endedAt: now - 13 * HOUR, isLast: true }, now)).toBe('incomplete');
  });
});

describe('sessions kept current', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('api_rebuild');
    dir = await mkdtemp(path.join(tmpdir(), 'pulse-rebuild-'));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const msg = (mid: string, at: number, senderKind: PulseMessage['senderKind'], text: string): PulseMessage => ({
    fbChatId: 't_rebuild',
    mid,
    direction: senderKind === 'customer' ? 'to_company' : 'to_client',
    senderKind,
    text,
    attachments: null,
    socialCreateTime: new Date(at),
    agentInfo: null,
    pageFbId: '555',
    pageName: 'Rebuild Shop',
    customerPsid: '9001',
    customerName: 'Ann',
  });

  async function importMessages(name: string, messages: PulseMessage[]) {
    const file = path.join(dir, name);
    await writeFile(file, messages.map(toPulseJsonl).join(''));
    return importPath(db.pool, file, { timezone: 'UTC' });
  }

  const sessions = async () =>
    (
      await db.pool.query(
        `SELECT s.id, s.sequence, s.message_count, s.ai_engaged, s.ai_message_count, s.human_handoff,
                s.completion_status::text AS completion, s.archive_status::text AS archive, s.qa_status::text AS qa
           FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE c.fb_chat_id = 't_rebuild' ORDER BY s.sequence`,
      )
    ).rows;

  it('an import builds the sessions; a later one updates completion and AI flags and keeps archive and QA', async () => {
    const day1 = Date.now() - 3 * 24 * HOUR;
    await importMessages('a.jsonl', [msg('r1', day1, 'customer', 'Where is my order 1234?'), msg('r2', day1 + 60_000, 'bot', 'It ships tomorrow.')]);
    let s = await sessions();
    expect(s).toEqual([{ id: expect.any(Number), sequence: 1, message_count: 2, ai_engaged: true, ai_message_count: 1, human_handoff: false, completion: 'incomplete', archive: 'active', qa: 'unchecked' }]);
    const firstId = s[0].id;
    await db.pool.query(`UPDATE sessions SET archive_status = 'archived', qa_status = 'passed', qa_version = 1 WHERE id = $1`, [firstId]);

    // The customer's thank-you arrives late (same episode), and a new episode starts an hour ago.
    const recent = Date.now() - HOUR;
    await importMessages('b.jsonl', [
      msg('r3', day1 + 5 * 60_000, 'customer', 'Thanks a lot, perfect!'),
      msg('r4', recent, 'customer', 'Can I talk to a person about a refund?'),
      msg('r5', recent + 60_000, 'human_agent', 'Sure, I am here.'),
    ]);
    s = await sessions();
    expect(s).toEqual([
      { id: firstId, sequence: 1, message_count: 3, ai_engaged: true, ai_message_count: 1, human_handoff: false, completion: 'complete', archive: 'archived', qa: 'passed' },
      { id: expect.any(Number), sequence: 2, message_count: 2, ai_engaged: false, ai_message_count: 0, human_handoff: true, completion: 'in_progress', archive: 'active', qa: 'unchecked' },
    ]);

    // Importing the same file again changes nothing.
    await importMessages('b.jsonl', [msg('r3', day1 + 5 * 60_000, 'customer', 'Thanks a lot, perfect!')]);
    expect(await sessions()).toEqual(s);

    // Time passes: the open session turns incomplete once the gap is over; the complete one stays.
    expect(await settleOpenSessions(db.pool, new Date())).toBe(0);
    expect(await settleOpenSessions(db.pool, new Date(Date.now() + 12 * HOUR))).toBeGreaterThanOrEqual(1);
    expect((await sessions()).map((x) => x.completion)).toEqual(['complete', 'incomplete']);
  });

  it('start-up recovery rebuilds the sessions of a message stored whose rebuild never ran (a process killed before its session refresher flushed)', async () => {
    const before = await sessions();
    expect(before.length).toBeGreaterThan(0);
    const last = before[before.length - 1]!;
    // what the Messenger materializer commits for a customer message (src/db/messenger-repo.ts):
    // the row and the conversation's counters and last_message_at; the rebuild comes later
    const at = new Date(Date.now() - 30 * 60_000);
    await db.pool.query(
      `WITH ins AS (
         INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time)
         SELECT id, 'r-late', 'to_company', 'customer', 'Are you still there?', $1 FROM conversations WHERE fb_chat_id = 't_rebuild' RETURNING conversation_id
       )
       UPDATE conversations c SET total_messages = total_messages + 1, customer_messages = customer_messages + 1, last_message_at = GREATEST(last_message_at, $1)
         FROM ins WHERE c.id = ins.conversation_id`,
      [at],
    );
    expect(await sessions()).toEqual(before);
    const report = await recoverImports(db.pool, new Date());
    expect(report).toMatchObject({ sessionsRepaired: 0, sessionsRefreshed: 1 });
    expect(describeRecovery(report)).toEqual([expect.stringMatching(/rebuilt the sessions of 1 conversation\(s\) whose newest messages no session covered/)]);
    const after = await sessions();
    expect(after[after.length - 1]).toMatchObject({ id: last.id, message_count: last.message_count + 1 });
    // nothing left to do: a second start finds everything covered
    expect(await recoverImports(db.pool, new Date())).toMatchObject({ sessionsRepaired: 0, sessionsRefreshed: 0 });
  });

  it('agrees with the demo data: recomputing seeded sessions changes nothing', async () => {
    const seeded = await createTestDatabase('api_rebuild_seed');
    try {
      const now = new Date('2026-11-22T12:00:00Z');
      await seedDemoData(seeded.url, { conversations: 120, seed: 3, now, timezone: 'UTC' });
      const before = (await seeded.pool.query('SELECT * FROM sessions ORDER BY id')).rows;
      const ids = (await seeded.pool.query<{ id: number }>('SELECT id FROM conversations ORDER BY id')).rows.map((r) => r.id);
      const client = await seeded.pool.connect();
      try {
        expect(await rebuildSessions(client, ids, now)).toBe(0);
      } finally {
        client.release();
      }
      expect((await seeded.pool.query('SELECT * FROM sessions ORDER BY id')).rows).toEqual(before);
      // ...and a clock 30 days later would close every open session.
      const later = await seeded.pool.connect();
      try {
        await rebuildSessions(later, ids, new Date(now.getTime() + 30 * 24 * HOUR));
      } finally {
        later.release();
      }
      expect((await seeded.pool.query(`SELECT count(*)::int AS n FROM sessions WHERE completion_status = 'in_progress'`)).rows[0].n).toBe(0);
    } finally {
      await seeded.drop();
    }
  });
});
