import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath, parseMapOptions, readUpload, type ImportResult } from '../src/import/index.ts';
import { repairMojibake } from '../src/import/text.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/import');
const fixture = (name: string) => path.join(FIXTURES, name);
const TZ = 'Europe/Berlin';

let db: TestDatabase;
let scratch: string;
beforeAll(async () => {
  db = await createTestDatabase('import');
  scratch = await mkdtemp(path.join(tmpdir(), 'pulse-import-test-'));
});
afterAll(async () => {
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

async function q<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query<T>(sql, params)).rows;
}

const messagesOf = (fbChatId: string) =>
  q<{ text: string | null; direction: string; sender_kind: string; attachments: unknown; agent_info: unknown; mid: string; at: Date }>(
    `SELECT m.text, m.direction, m.sender_kind, m.attachments, m.agent_info, m.mid, m.social_create_time AS at
     FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1 ORDER BY m.social_create_time, m.id`,
    [fbChatId],
  );

describe('mojibake repair', () => {
  it('turns Facebook Latin-1 escapes back into UTF-8 and leaves correct text alone', () => {
    expect(repairMojibake('Caf\u00c3\u00a9')).toBe('Café');
    expect(repairMojibake('\u00f0\u009f\u0098\u0080')).toBe('😀');
    expect(repairMojibake('We\u00e2\u0080\u0099re')).toBe('We’re');
    expect(repairMojibake('Café')).toBe('Café'); // é alone is not valid UTF-8: already decoded text
    expect(repairMojibake('naïve 😀')).toBe('naïve 😀'); // code units above 0xFF: not an export string
  });
});

describe('Facebook "Download Your Information" export', () => {
  let result: ImportResult;
  beforeAll(async () => {
    result = await importPath(db.pool, fixture('dyi'), { timezone: TZ });
  });

  it('infers the page as the participant in every thread and repairs the text exactly', async () => {
    expect(result.format).toBe('facebook-dyi');
    const pages = await q<{ fb_page_id: string; name: string; conversation_count: number; message_count: number }>(
      `SELECT fb_page_id, name, conversation_count, message_count FROM pages WHERE fb_page_id LIKE 'dyi:%'`,
    );
    expect(pages).toEqual([{ fb_page_id: 'dyi:Sunny Café', name: 'Sunny Café', conversation_count: 2, message_count: 7 }]);
    const jane = await messagesOf('dyi:inbox/janedoe_abc123');
    expect(jane.map((m) => m.text)).toEqual([
      'Hello, is the Café open today?',
      'Hi Jane! Welcome to Café Olé – über-fresh coffee. How can we help?',
      null,
      'We’re open until 18:00 😀',
      'Perfect, see you mañana 👍',
    ]);
    expect(jane.map((m) => [m.direction, m.sender_kind])).toEqual([
      ['to_company', 'customer'],
      ['to_client', 'human_agent'],
      ['to_company', 'customer'],
      ['to_client', 'human_agent'],
      ['to_company', 'customer'],
    ]);
    expect(jane[2]!.attachments).toEqual([{ type: 'image', payload: { uri: 'messages/inbox/janedoe_abc123/photos/photo_1.jpg' } }]);
    expect(jane[1]!.agent_info).toEqual({ name: 'Sunny Café' });
    const mark = await messagesOf('dyi:inbox/markmuller_def456');
    expect(mark.map((m) => m.text)).toEqual(['Grüße aus München', 'Grüße zurück, Herr Müller!']);
    const customers = await q<{ name: string }>(`SELECT c.name FROM customers c JOIN pages p ON p.id = c.page_id WHERE p.fb_page_id = 'dyi:Sunny Café' ORDER BY c.name`);
    expect(customers.map((c) => c.name)).toEqual(['Jane Doe', 'Mark Müller']);
  });

  it('makes one conversation of a thread split over message_1.json and message_2.json', async () => {
    const convs = await q<{ fb_chat_id: string; total_messages: number; customer_messages: number; agent_messages: number; first_message_at: Date; last_message_at: Date }>(
      `SELECT fb_chat_id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at FROM conversations WHERE fb_chat_id LIKE 'dyi:%' ORDER BY fb_chat_id`,
    );
    expect(convs.map((c) => [c.fb_chat_id, c.total_messages, c.customer_messages, c.agent_messages])).toEqual([
      ['dyi:inbox/janedoe_abc123', 5, 3, 2],
      ['dyi:inbox/markmuller_def456', 2, 1, 1],
    ]);
    expect(convs[0]!.first_message_at.toISOString()).toBe('2026-11-02T09:00:00.000Z');
    expect(convs[0]!.last_message_at.toISOString()).toBe('2026-11-02T09:20:00.000Z');
    expect(result.conversationIds).toHaveLength(2);
  });

  it('reports a bad message by file and index, and keeps the rest', () => {
    expect(result).toMatchObject({ accepted: 7, inserted: 7, duplicates: 0, rejected: 1 });
    expect(result.errors).toEqual([
      { line: 'messages/inbox/janedoe_abc123/message_2.json#messages[2]', reason: 'missing or non-numeric timestamp_ms' },
    ]);
  });

  it('adds nothing when the same export is imported again', async () => {
    const again = await importPath(db.pool, fixture('dyi'), { timezone: TZ });
    expect(again).toMatchObject({ accepted: 7, inserted: 0, duplicates: 7, rejected: 1, conversationIds: [] });
  });

  it('cannot infer the page from a single thread, says so and names the candidates', async () => {
    const single = fixture('dyi/messages/inbox/markmuller_def456/message_1.json');
    const err = await importPath(db.pool, single, { timezone: TZ }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cannot infer the page \(owner\)/);
    expect((err as Error).message).toContain('"Mark Müller", "Sunny Café"');
    expect((err as Error).message).toContain('--owner "<name>"');
    const failed = await q<{ status: string; format: string }>(`SELECT status, format FROM uploads ORDER BY id DESC LIMIT 1`);
    expect(failed).toEqual([{ status: 'failed', format: 'facebook-dyi' }]);

    // With --owner it imports; the thread is keyed on thread_path, so it is the same conversation.
    const ok = await importPath(db.pool, single, { timezone: TZ, owner: 'sunny café' });
    expect(ok).toMatchObject({ format: 'facebook-dyi', accepted: 2, inserted: 0, duplicates: 2 });
    const wrong = await importPath(db.pool, single, { timezone: TZ, owner: 'Nobody' }).catch((e: Error) => e);
    expect((wrong as Error).message).toMatch(/--owner "Nobody" is not a participant.*"Mark Müller"/);
  });
});

describe('CSV from a social-inbox tool', () => {
  let first: ImportResult;
  beforeAll(async () => {
    first = await importPath(db.pool, fixture('inbox.csv'), { timezone: TZ });
  });

  it('rejects exactly the three malformed rows, by line number and reason', () => {
    expect(first.format).toBe('csv');
    expect(first.rejected).toBe(3);
    expect(first.errors).toEqual([
      { line: 5, reason: 'missing fb_chat_id' },
      { line: 9, reason: expect.stringMatching(/^social_create_time: unparseable time "next tuesday"/) },
      { line: 12, reason: 'NUL byte in message_content' },
    ]);
  });

  it('lands every valid row with its direction, sender and time', async () => {
    expect(first).toMatchObject({ accepted: 9, inserted: 9, duplicates: 0 });
    const t1 = await messagesOf('t_1001');
    expect(t1.map((m) => [m.mid, m.text, m.at.toISOString()])).toEqual([
      ['m_1001_1', 'Hi, is my order shipped?', '2026-11-02T09:00:00.000Z'],
      ['m_1001_2', 'Hello! Yes, it left today 😀', '2026-11-02T09:03:00.000Z'],
      ['m_1001_3', 'Thanks', '2026-11-02T09:05:00.000Z'], // epoch seconds
    ]);
    expect(t1[1]!.agent_info).toEqual({ id: 'U01', name: 'Ann Agent' });
    const t2 = await messagesOf('t_1002');
    expect(t2.map((m) => m.text)).toEqual(['No message id on this one', 'Line one\nline two of the same message', 'Got it']);
    // No offset: wall-clock time in the business timezone (Berlin, UTC+1 in November).
    expect(t2[0]!.at.toISOString()).toBe('2026-11-02T09:05:00.000Z');
    expect(t2[0]!.mid).toMatch(/^imp_/);
    expect(t2[2]!.at.toISOString()).toBe('2026-11-02T10:03:00.000Z'); // epoch milliseconds
    expect(t2[2]!.agent_info).toEqual({ name: 'Bob Agent' });
    const t3 = await messagesOf('t_1003');
    expect(t3.map((m) => [m.text, m.sender_kind])).toEqual([
      ['Do you ship to Spain?', 'customer'],
      ['Sí, mañana', 'bot'],
      ['👍', 'customer'],
    ]);
    const page = await q<{ name: string; conversation_count: number; message_count: number }>(
      `SELECT name, conversation_count, message_count FROM pages WHERE fb_page_id = '104882371956210'`,
    );
    expect(page).toEqual([{ name: 'Sunny Shop', conversation_count: 3, message_count: 9 }]);
    const upload = await readUpload(db.pool, first.uploadId);
    expect(upload).toMatchObject({ fileName: 'inbox.csv', format: 'csv', status: 'completed', rowsAccepted: 9, rowsRejected: 3 });
    expect(upload!.errors.map((e) => e.line)).toEqual([5, 9, 12]);
    expect(upload!.startedAt).not.toBeNull();
    expect(upload!.finishedAt).not.toBeNull();
  });

  it('adds nothing when the same file is imported twice', async () => {
    const again = await importPath(db.pool, fixture('inbox.csv'), { timezone: TZ });
    expect(again).toMatchObject({ accepted: 9, inserted: 0, duplicates: 9, rejected: 3, conversationIds: [] });
    expect((await q<{ n: number }>(`SELECT count(*)::int n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id LIKE 't_100%'`))[0]!.n).toBe(9);
  });

  it('adds only the new messages of an overlapping export, and names their conversations', async () => {
    const overlap = await importPath(db.pool, fixture('inbox-overlap.csv'), { timezone: TZ });
    expect(overlap).toMatchObject({ accepted: 6, inserted: 3, duplicates: 3, rejected: 0 });
    const ids = await q<{ id: number; fb_chat_id: string }>(`SELECT id, fb_chat_id FROM conversations WHERE fb_chat_id IN ('t_1003', 't_1004') ORDER BY id`);
    expect(overlap.conversationIds).toEqual(ids.map((r) => r.id));
    const counts = await q<{ fb_chat_id: string; total_messages: number; agent_messages: number }>(
      `SELECT fb_chat_id, total_messages, agent_messages FROM conversations WHERE fb_chat_id LIKE 't_100%' ORDER BY fb_chat_id`,
    );
    expect(counts.map((c) => [c.fb_chat_id, c.total_messages, c.agent_messages])).toEqual([
      ['t_1001', 3, 1],
      ['t_1002', 3, 1],
      ['t_1003', 4, 2],
      ['t_1004', 2, 1],
    ]);
    const page = await q<{ message_count: number; conversation_count: number }>(`SELECT message_count, conversation_count FROM pages WHERE fb_page_id = '104882371956210'`);
    expect(page).toEqual([{ message_count: 12, conversation_count: 4 }]);
  });

  it('recognises common header aliases, another delimiter and a BOM', async () => {
    const r = await importPath(db.pool, fixture('aliases.csv'), { timezone: TZ });
    expect(r).toMatchObject({ format: 'csv', accepted: 2, inserted: 2, rejected: 0 });
    const msgs = await messagesOf('c_alias_1');
    expect(msgs.map((m) => [m.text, m.direction, m.agent_info])).toEqual([
      ['Bonjour, vous livrez en Belgique ?', 'to_company', null],
      ['Oui, bien sûr !', 'to_client', { name: 'Claire' }],
    ]);
    const page = await q<{ fb_page_id: string }>(`SELECT p.fb_page_id FROM pages p JOIN conversations c ON c.page_id = p.id WHERE c.fb_chat_id = 'c_alias_1'`);
    expect(page).toEqual([{ fb_page_id: 'name:Maison Sunny' }]);
  });

  it('needs --map for headers it does not know, and then imports them', async () => {
    const err = await importPath(db.pool, fixture('mapped.csv'), { timezone: TZ }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/a CSV whose headers are Ticket Ref, Said, When, Way, Handled By \(no column for fb_chat_id/);
    const map = parseMapOptions(['Ticket Ref=fb_chat_id', 'said=message_content', 'WHEN=social_create_time', 'Way=direction', 'Handled By=agentInfo']);
    const r = await importPath(db.pool, fixture('mapped.csv'), { timezone: TZ, map, owner: 'Sunny Returns' });
    expect(r).toMatchObject({ accepted: 2, inserted: 2, rejected: 0 });
    const msgs = await messagesOf('tk_9');
    expect(msgs.map((m) => [m.text, m.direction, m.agent_info])).toEqual([
      ['My parcel is damaged', 'to_company', null],
      ['Sorry to hear that - a replacement is on its way', 'to_client', { name: 'Dan' }],
    ]);
    expect(() => parseMapOptions(['x=nonsense'])).toThrow(/unknown field "nonsense"/);
    expect(() => parseMapOptions(['no-equals-sign'])).toThrow(/column=field/);
  });
});

describe('Facebook export folder', () => {
  it('imports a copy of the export folder wherever it lives (keyed on thread_path, not on paths)', async () => {
    const copy = path.join(scratch, 'my export');
    await cp(fixture('dyi'), copy, { recursive: true });
    const r = await importPath(db.pool, copy, { timezone: TZ });
    expect(r).toMatchObject({ inserted: 0, duplicates: 7 });
  });
});
