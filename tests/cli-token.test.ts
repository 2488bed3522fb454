import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// `pulse token create|revoke` as a user runs it: a real process against DATABASE_URL; the
// printed token (stdout's last line, alone) then works against the API with its role.

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
beforeAll(async () => {
  db = await createTestDatabase('cli_token');
});
afterAll(async () => {
  await db.drop();
});

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1)!;

describe('pulse token', () => {
  it('creates the Slack user when missing, prints the token once as the last line, and the token works with its role', async () => {
    const env = { DATABASE_URL: db.url };
    const res = await pulse(['token', 'create', '--user', 'U0TOKEN1', '--role', 'qa'], env);
    expect(res.code, res.stderr).toBe(0);
    const token = lastLine(res.stdout);
    expect(token).toMatch(/^sp_[A-Za-z0-9_-]{43}$/);
    expect(res.stdout.trimEnd()).toBe(token);
    expect(res.stderr).toMatch(/new user/);
    const { rows: users } = await db.pool.query(`SELECT id, platform, role::text FROM users WHERE external_id = 'U0TOKEN1'`);
    expect(users).toEqual([{ id: expect.any(Number), platform: 'slack', role: 'qa' }]);
    const { rows: stored } = await db.pool.query('SELECT id, token_hash, role::text FROM api_tokens WHERE user_id = $1', [users[0].id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toContain(token);
    expect(await db.pool.query(`SELECT 1 FROM audit_logs WHERE action = 'token.created'`)).toMatchObject({ rowCount: 1 });

    const app = await build({ prisma: db.prisma, logger: createLogger('silent'), pool: db.pool, plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC' })] });
    try {
      const ok = await app.inject({ url: '/api/stats', headers: { authorization: `Bearer ${token}` } });
      expect(ok.statusCode).toBe(200);
      // qa may not delete
      expect((await app.inject({ method: 'DELETE', url: '/api/sessions/1', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(403);

      // A second token for the same user (by users.id) with another role; the user's own role is left alone.
      const second = await pulse(['token', 'create', '--user', String(users[0].id), '--role', 'admin', '--label', 'ops'], env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).not.toMatch(/new user/);
      const admin = lastLine(second.stdout);
      expect(admin).not.toBe(token);
      expect((await db.pool.query(`SELECT role::text FROM users WHERE id = $1`, [users[0].id])).rows[0].role).toBe('qa');
      expect((await app.inject({ method: 'DELETE', url: '/api/sessions/999', headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(404);

      const revoked = await pulse(['token', 'revoke', String(stored[0].id)], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((await app.inject({ url: '/api/stats', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
      expect((await pulse(['token', 'revoke', String(stored[0].id)], env)).code).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('refuses a bad role, an unknown users.id and a missing --user, creating nothing', async () => {
    const env = { DATABASE_URL: db.url };
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n;
    const badRole = await pulse(['token', 'create', '--user', 'U0TOKEN2', '--role', 'boss'], env);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/--role must be one of admin, lead, qa, developer, agent/);
    const unknownId = await pulse(['token', 'create', '--user', '987654', '--role', 'lead'], env);
    expect(unknownId.code).toBe(1);
    expect(unknownId.stderr).toMatch(/no user 987654/);
    expect((await pulse(['token', 'create', '--role', 'lead'], env)).code).not.toBe(0);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(before);
    expect((await db.pool.query(`SELECT 1 FROM users WHERE external_id = 'U0TOKEN2'`)).rowCount).toBe(0);
  });
});
