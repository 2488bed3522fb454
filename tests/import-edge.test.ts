import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath, readUpload, toPulseJsonl } from '../src/import/index.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// JSON Lines formats and input the importer must refuse or partly reject.

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/import');
const fixture = (name: string) => path.join(FIXTURES, name);
const TZ = 'Europe/Berlin';

let db: TestDatabase;
let scratch: string;
beforeAll(async () => {
  db = await createTestDatabase('import_edge');
  scratch = await mkdtemp(path.join(tmpdir(), 'pulse-import-edge-'));
});
afterAll(async () => {
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

async function q<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query<T>(sql, params)).rows;
}

const messagesOf = (fbChatId: string) =>
  q<{ text: string | null; sender_kind: string; agent_info: unknown; mid: string }>(
    `SELECT m.text, m.sender_kind, m.agent_info, m.mid
     FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1 ORDER BY m.social_create_time, m.id`,
    [fbChatId],
  );


describe('JSON Lines', () => {
  it('imports the SupportPulse export format and rejects a record without mid', async () => {
    const r = await importPath(db.pool, fixture('pulse-export.jsonl'), { timezone: TZ });
    expect(r).toMatchObject({ format: 'pulse-jsonl', accepted: 2, inserted: 2, rejected: 1 });
    expect(r.errors).toEqual([{ line: 3, reason: 'missing mid' }]);
    const msgs = await messagesOf('t_pulse_1');
    expect(msgs.map((m) => [m.mid, m.sender_kind, m.text])).toEqual([
      ['m_pulse_1', 'customer', 'Where is my refund?'],
      ['m_pulse_2', 'bot', 'Refunds take 3–5 days ✅'],
    ]);
    const customer = await q<{ psid: string; name: string }>(
      `SELECT cu.psid, cu.name FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE c.fb_chat_id = 't_pulse_1'`,
    );
    expect(customer).toEqual([{ psid: '7000000001', name: 'Lena Koch' }]);
  });

  it('round-trips what toPulseJsonl writes', async () => {
    const file = path.join(scratch, 'export.jsonl');
    const line = toPulseJsonl({
      fbChatId: 't_rt', mid: 'm_rt_1', direction: 'to_client', senderKind: 'human_agent', text: 'tab\there, newline\nthere',
      attachments: null, socialCreateTime: new Date('2026-11-08T08:00:00Z'), agentInfo: { id: 'U9' }, pageFbId: 'p_rt',
      pageName: 'RT', customerPsid: null, customerName: null,
    });
    expect(line.endsWith('\n')).toBe(true);
    await writeFile(file, line);
    expect(await importPath(db.pool, file, { timezone: TZ })).toMatchObject({ format: 'pulse-jsonl', inserted: 1 });
    expect((await messagesOf('t_rt'))[0]).toMatchObject({ text: 'tab\there, newline\nthere', agent_info: { id: 'U9' } });
  });

  it('imports social-inbox JSONL by key aliases and reports a broken line', async () => {
    const r = await importPath(db.pool, fixture('social-inbox.jsonl'), { timezone: TZ });
    expect(r).toMatchObject({ format: 'jsonl', accepted: 2, inserted: 2, rejected: 1 });
    expect(r.errors[0]).toMatchObject({ line: 3, reason: expect.stringMatching(/^invalid JSON/) });
    const msgs = await messagesOf('jl_1');
    expect(msgs.map((m) => [m.text, m.agent_info])).toEqual([
      ['Hi from JSONL', null],
      ['Hi Omar', { id: 'U02', name: 'Bea' }],
    ]);
  });
});

describe('a message twice in one file', () => {
  it('a first import stores it once and counts the repeat as a duplicate', async () => {
    const file = path.join(scratch, 'repeated.csv');
    await writeFile(file, [
      'fb_chat_id,message_id,direction,message_content,social_create_time',
      'rep_1,rep_m1,to_company,Hello,2026-10-01T09:00:00Z',
      'rep_1,rep_m2,to_client,Hi! How can I help?,2026-10-01T09:01:00Z',
      'rep_1,rep_m1,to_company,Hello,2026-10-01T09:00:00Z',
      'rep_1,rep_m3,to_company,Where is my order?,2026-10-01T09:02:00Z',
    ].join('\n') + '\n');
    const r = await importPath(db.pool, file, { timezone: TZ });
    expect(r).toMatchObject({ accepted: 4, inserted: 3, duplicates: 1, rejected: 0 });
    expect((await messagesOf('rep_1')).map((m) => m.mid)).toEqual(['rep_m1', 'rep_m2', 'rep_m3']);
    expect(await q(`SELECT total_messages, customer_messages FROM conversations WHERE fb_chat_id = 'rep_1'`)).toEqual([{ total_messages: 3, customer_messages: 2 }]);
  });
});

describe('bad input', () => {
  it('names what it found and what is supported when the format is unknown', async () => {
    const json = await importPath(db.pool, fixture('unknown.json'), { timezone: TZ }).catch((e: Error) => e);
    expect((json as Error).message).toMatch(/found a JSON object without participants\/messages \(its keys: foo, bar\)/);
    expect((json as Error).message).toMatch(/Supported: a Facebook "Download Your Information" Messenger export/);
    const csv = await importPath(db.pool, fixture('unknown.csv'), { timezone: TZ }).catch((e: Error) => e);
    expect((csv as Error).message).toMatch(/found a CSV whose headers are a, b, c/);
    const upload = await q<{ status: string; format: string; error_report: unknown }>(`SELECT status, format, error_report FROM uploads ORDER BY id DESC LIMIT 1`);
    expect(upload[0]).toMatchObject({ status: 'failed', format: 'unknown' });
    expect(upload[0]!.error_report).toEqual([{ line: 'unknown.csv', reason: expect.stringMatching(/^import failed: unrecognised file format/) }]);
  });

  it('rejects invalid UTF-8 and lone surrogates, keeping the good rows', async () => {
    const file = path.join(scratch, 'encoding.csv');
    const good = Buffer.from('chat_id,text,time,direction\nenc_1,fine,2026-11-09T10:00:00Z,to_company\n');
    const badUtf8 = Buffer.concat([Buffer.from('enc_1,caf'), Buffer.from([0xe9]), Buffer.from(',2026-11-09T10:01:00Z,to_company\n')]);
    await writeFile(file, Buffer.concat([good, badUtf8, Buffer.from('enc_1,"multi-line\nis fine",2026-11-09T10:02:00Z,to_client\nenc_1,short row\n')]));
    const r = await importPath(db.pool, file, { timezone: TZ });
    expect(r.errors).toEqual([
      { line: 3, reason: 'invalid UTF-8 (U+FFFD replacement character) in message_content' },
      { line: 6, reason: 'expected 4 fields, found 2' },
    ]);
    expect(r.accepted).toBe(2);

    const jsonl = path.join(scratch, 'surrogate.jsonl');
    await writeFile(jsonl, '{"chat_id":"enc_2","text":"half \\ud83d emoji","time":"2026-11-09T10:00:00Z","direction":"to_company"}\n');
    const s = await importPath(db.pool, jsonl, { timezone: TZ });
    expect(s.errors).toEqual([{ line: 1, reason: 'invalid encoding (lone UTF-16 surrogate) in message_content' }]);
  });

  it('counts lines right with CRLF, quoted newlines, blank lines and an unclosed quote', async () => {
    const file = path.join(scratch, 'crlf.csv');
    const lines = [
      'chat_id,text,time,direction', // 1
      'q_1,"two\r\nlines",2026-11-09T10:00:00Z,to_company', // 2-3
      '', // 4
      'q_1,,,', // 5
      ',,,', // 6: what spreadsheets leave behind, not an error
      'q_1,bad time,nope,to_company', // 7
      'q_1,"never closed,2026-11-09T10:01:00Z,to_company', // 8
      'q_1,swallowed by the quote,2026-11-09T10:02:00Z,to_company', // 9
    ];
    await writeFile(file, `${lines.join('\r\n')}\r\n`);
    const r = await importPath(db.pool, file, { timezone: TZ });
    expect(r.errors).toEqual([
      { line: 5, reason: 'missing social_create_time' },
      { line: 7, reason: expect.stringMatching(/^social_create_time: unparseable time "nope"/) },
      { line: 8, reason: 'unclosed quote: the rest of the file from this line could not be read' },
    ]);
    expect(r.accepted).toBe(1);
    expect((await messagesOf('q_1'))[0]!.text).toBe('two\r\nlines');
  });

  it('keeps counts exact but caps the stored error list', async () => {
    const file = path.join(scratch, 'many-errors.csv');
    const lines = ['chat_id,text,time,direction'];
    for (let i = 0; i < 1_205; i++) lines.push(`cap_1,row ${i},not a time,to_company`);
    lines.push('cap_1,the only good row,2026-11-09T10:00:00Z,to_company');
    await writeFile(file, `${lines.join('\n')}\n`);
    const r = await importPath(db.pool, file, { timezone: TZ });
    expect(r).toMatchObject({ accepted: 1, rejected: 1_205 });
    expect(r.errors).toHaveLength(1_000);
    const upload = await readUpload(db.pool, r.uploadId);
    expect(upload).toMatchObject({ rowsRejected: 1_205, rowsAccepted: 1 });
    expect(upload!.errors).toHaveLength(1_000);
  });
});
