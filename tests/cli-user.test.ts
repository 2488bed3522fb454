import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// `pulse user set <user> [--email] [--role]` as an admin runs it: a real process against
// DATABASE_URL; the rows left behind (users, audit_logs) are checked, including that a refused
// or invalid command writes nothing.

const root = path.resolve(import.meta.dirname, '..');

function pulse(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ['bin/pulse.js', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env } });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

let db: TestDatabase;
let env: Record<string, string>;
const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const userRow = async (where: string, params: unknown[]) =>
  (await q<{ id: number; platform: string; external_id: string; role: string; email: string | null }>(`SELECT id, platform, external_id, role::text, email FROM users WHERE ${where}`, params))[0];
const audits = () => q<{ actor_id: number | null; action: string; target: string; details: Record<string, unknown> }>(`SELECT actor_id, action, target, details FROM audit_logs ORDER BY id`);

beforeAll(async () => {
  db = await createTestDatabase('cli_user');
  env = { DATABASE_URL: db.url, ADMIN_SLACK_IDS: 'U0BOOT' };
});
afterAll(async () => {
  await db.drop();
});

describe('pulse user set', () => {
  it('sets a Slack user\'s role and email (recording the user), each change audited with from/to; a repeat changes nothing', async () => {
    const res = await pulse(['user', 'set', 'U0NEWDEV', '--role', 'Developer', '--email', 'New.Dev@Example.COM'], env);
    expect(res.code, res.stderr).toBe(0);
    const u = (await userRow(`platform = 'slack' AND external_id = $1`, ['U0NEWDEV']))!;
    expect(u).toMatchObject({ role: 'developer', email: 'New.Dev@example.com' });
    expect(res.stdout).toBe(`user ${u.id}: role agent → developer (a developer)\nuser ${u.id}: email none → New.Dev@example.com\n`);
    expect(await audits()).toEqual([
      { actor_id: null, action: 'role.changed', target: 'user:slack:U0NEWDEV', details: { userId: u.id, from: 'agent', to: 'developer', source: 'cli', actor: 'terminal', role: 'admin' } },
      { actor_id: null, action: 'user.email_changed', target: 'user:slack:U0NEWDEV', details: { userId: u.id, from: null, to: 'New.Dev@example.com', source: 'cli', actor: 'terminal', role: 'admin' } },
    ]);

    // by users.id: the same user; nothing to change, nothing audited
    const again = await pulse(['user', 'set', String(u.id), '--role', 'developer', '--email', 'New.Dev@example.com'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`user ${u.id}: role already developer\nuser ${u.id}: email already New.Dev@example.com\n`);
    expect(await audits()).toHaveLength(2);

    const off = await pulse(['user', 'set', String(u.id), '--email', 'off', '--notify', 'slack'], env);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toBe(`user ${u.id}: email New.Dev@example.com → none\nuser ${u.id}: notify all → slack\n`);
    expect((await userRow('id = $1', [u.id]))!).toMatchObject({ email: null });
    expect((await q<{ v: string }>(`SELECT notify_via::text AS v FROM users WHERE id = $1`, [u.id]))[0]!.v).toBe('slack');
    expect((await userRow('id = $1', [u.id]))!.email).toBeNull();
    expect((await audits()).slice(-2)).toMatchObject([
      { action: 'user.email_changed', details: { from: 'New.Dev@example.com', to: null } },
      { action: 'user.notify_changed', details: { from: 'all', to: 'slack', source: 'cli' } },
    ]);
  });

  it('refuses an invalid address or role, an unknown user, and lowering an ADMIN_SLACK_IDS admin, writing nothing', async () => {
    await q(`DELETE FROM audit_logs`);
    await q(`INSERT INTO users (platform, external_id, role, email, updated_at) VALUES ('slack', 'U0KEEP', 'qa', 'keep@example.com', now()), ('slack', 'U0BOOT', 'admin', NULL, now())`);
    const cases: [string[], RegExp][] = [
      [['user', 'set', 'U0KEEP', '--email', 'Kim <kim@example.com>', '--role', 'lead'], /--email: "Kim <kim@example.com>" is not one plain address/],
      [['user', 'set', 'U0KEEP', '--email', 'kim@example', '--role', 'lead'], /is not a domain like "example.com"/],
      [['user', 'set', 'U0KEEP', '--role', 'owner', '--email', 'k@example.com'], /--role must be one of admin, lead, qa, developer, agent, got "owner"/],
      [['user', 'set', 'U0KEEP'], /say what to set/],
      [['user', 'set', 'U0KEEP', '--notify', 'sms', '--role', 'lead'], /--notify must be slack, email, both or none, got "sms"/],
      [['user', 'set', '999999', '--role', 'qa'], /there is no user 999999/],
      [['user', 'set', 'some-api-client', '--email', 'a@example.com'], /there is no user "some-api-client"/],
      [['user', 'set', 'U0BOOT', '--role', 'qa', '--email', 'boot@example.com'], /U0BOOT is listed in ADMIN_SLACK_IDS and stays an admin/],
    ];
    for (const [args, message] of cases) {
      const r = await pulse(args, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await userRow(`external_id = $1`, ['U0KEEP'])).toMatchObject({ role: 'qa', email: 'keep@example.com' });
    expect(await userRow(`external_id = $1`, ['U0BOOT'])).toMatchObject({ role: 'admin', email: null });
    expect(await audits()).toEqual([]);
  });

  it('reaches an API user by its external id', async () => {
    const [u] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, role, updated_at) VALUES ('api', 'reporting-bot', 'agent', now()) RETURNING id`);
    const r = await pulse(['user', 'set', 'reporting-bot', '--email', 'reports@example.com'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`user ${u!.id}: email none → reports@example.com\n`);
    expect((await audits()).at(-1)).toMatchObject({ action: 'user.email_changed', target: `user:${u!.id}` });
  });
});
