import { spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../src/db/migrator.ts';
import { createEmptyDatabase } from './helpers/db.ts';
import { freePort } from './helpers/net.ts';

const root = path.resolve(import.meta.dirname, '..');

function pulse(args: string[], env: Record<string, string>, asUser?: string) {
  const cmd = asUser ? 'runuser' : process.execPath;
  const argv = asUser ? ['-u', asUser, '--', process.execPath, 'bin/pulse.js', ...args] : ['bin/pulse.js', ...args];
  const proc = spawn(cmd, argv, { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env } });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

let db: { url: string; drop(): Promise<void> };
beforeAll(async () => {
  db = await createEmptyDatabase('cli');
});
afterAll(async () => {
  await db.drop();
});

describe('pulse CLI', () => {
  it('has --help on every command', async () => {
    const top = await pulse(['--help'], {});
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('db');
    for (const sub of ['migrate', 'seed', 'reset', 'status']) {
      const res = await pulse(['db', sub, '--help'], {});
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`pulse db ${sub}`);
    }
    const unknown = await pulse(['db', 'frobnicate'], {});
    expect(unknown.code).not.toBe(0);
  });

  it('migrates, seeds, reports status and resets a DATABASE_URL database', async () => {
    const env = { DATABASE_URL: db.url };
    const count = (await readMigrations()).length;
    const status0 = await pulse(['db', 'status'], env);
    expect(status0.stdout).toContain(`migrations: 0 applied, ${count} pending`);

    expect((await pulse(['db', 'migrate'], env)).stdout).toMatch(new RegExp(`applied ${count} migrations?`));
    expect((await pulse(['db', 'migrate'], env)).stdout).toContain('database is up to date');

    const seeded = await pulse(['db', 'seed', '--conversations', '30', '--seed', '7'], env);
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/seeded [\d,]+ messages in 30 conversations/);

    const again = await pulse(['db', 'seed', '--conversations', '30'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('pulse db reset --yes');

    const status = await pulse(['db', 'status'], env);
    expect(status.stdout).toMatch(/conversations 30,/);
    expect(status.stdout).toContain('(DATABASE_URL)');

    const refused = await pulse(['db', 'reset'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--yes');

    expect((await pulse(['db', 'reset', '--yes'], env)).code).toBe(0);
    expect((await pulse(['db', 'status'], env)).stdout).toMatch(/conversations 0,.*messages 0/);
  });

  it('rejects bad option values and bad configuration clearly', async () => {
    const bad = await pulse(['db', 'seed', '--conversations', 'many'], { DATABASE_URL: db.url });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--conversations must be a positive integer');
    const cfg = await pulse(['db', 'status'], { EMBEDDED_PG_PORT: 'x' });
    expect(cfg.code).toBe(1);
    expect(cfg.stderr).toContain('EMBEDDED_PG_PORT');
  });

  it('runs the embedded PostgreSQL as a normal (non-root) user too', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pulse-user-'));
    const asRoot = userInfo().uid === 0;
    if (asRoot) await chown(dir, 65534, 65534); // nobody: proves the non-root path when CI is root
    const env = { DATA_DIR: path.join(dir, 'data'), EMBEDDED_PG_PORT: String(await freePort()) };
    const res = await pulse(['db', 'migrate'], env, asRoot ? 'nobody' : undefined);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(new RegExp(`applied ${(await readMigrations()).length} migrations?`));
    await rm(dir, { recursive: true, force: true });
  });
});
