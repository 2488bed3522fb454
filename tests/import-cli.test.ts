import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImportCommand } from '../src/cli/import-command.ts';
import { loadConfig } from '../src/config.ts';
import type { ImportResult } from '../src/import/index.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/import');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('import_cli');
});
afterAll(async () => {
  await db.drop();
});

async function pulse(args: string[]) {
  const lines: string[] = [];
  const after: ImportResult[] = [];
  const program = new Command('pulse').exitOverride();
  const config = loadConfig({ DATABASE_URL: db.url, BUSINESS_TIMEZONE: 'UTC' });
  registerImportCommand(program, () => config, (l) => lines.push(l), async (_url, r) => {
    after.push(r);
  });
  const error = await program.parseAsync(['import', ...args], { from: 'user' }).then(() => undefined, (e: Error) => e);
  return { lines, after, error };
}

describe('pulse import', () => {
  it('prints a summary with the first rejected rows and hands the result to afterImport', async () => {
    const { lines, after, error } = await pulse([path.join(FIXTURES, 'inbox.csv')]);
    expect(error).toBeUndefined();
    expect(lines).toEqual([
      expect.stringMatching(/^imported inbox\.csv as csv \(upload #\d+\)$/),
      '  accepted 9 rows: 9 new messages, 0 duplicates; rejected 3',
      '  rejected rows (first 3 of 3):',
      '    line 5: missing fb_chat_id',
      expect.stringMatching(/^ {4}line 9: social_create_time: unparseable time "next tuesday"/),
      '    line 12: NUL byte in message_content',
    ]);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ format: 'csv', inserted: 9 });
  });

  it('takes repeated --map options and --owner', async () => {
    const { lines, error } = await pulse([
      path.join(FIXTURES, 'mapped.csv'),
      '--map', 'Ticket Ref=fb_chat_id', '--map', 'Said=message_content', '--map', 'When=social_create_time', '--map', 'Way=direction',
      '--owner', 'Sunny Returns',
    ]);
    expect(error).toBeUndefined();
    expect(lines[1]).toBe('  accepted 2 rows: 2 new messages, 0 duplicates; rejected 0');
  });

  it('fails with the owner message for a Facebook thread it cannot attribute', async () => {
    const { error } = await pulse([path.join(FIXTURES, 'dyi/messages/inbox/janedoe_abc123')]);
    expect(error?.message).toMatch(/cannot infer the page \(owner\).*"Jane Doe", "Sunny Café".*--owner "<name>"/);
    const ok = await pulse([path.join(FIXTURES, 'dyi/messages/inbox/janedoe_abc123'), '--owner', 'Sunny Café']);
    expect(ok.lines[1]).toBe('  accepted 5 rows: 5 new messages, 0 duplicates; rejected 1');
  });

  it('fails fast on a bad --map or a missing path', async () => {
    expect((await pulse([path.join(FIXTURES, 'inbox.csv'), '--map', 'a=b'])).error?.message).toMatch(/unknown field "b"/);
    expect((await pulse([path.join(FIXTURES, 'nope.csv')])).error?.message).toMatch(/no such file or folder/);
  });
});
