import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prismaOf } from '../src/db/client.ts';
import { createPool } from '../src/db/pool.ts';
import { authenticateToken, createApiToken, revokeApiToken } from '../src/db/tokens-repo.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The token repository over Prisma (issue 18, part 6), on real Postgres: what commits together,
// and that the Prisma client runs on the caller's pool instead of opening its own.

let db: TestDatabase;
const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

beforeAll(async () => {
  db = await createTestDatabase('tokens');
});
afterAll(async () => {
  await db?.drop();
});

describe('API tokens', () => {
  it('a token whose audit row cannot be written is not created, nor is its new user', async () => {
    await q(`ALTER TABLE audit_logs ADD CONSTRAINT audit_refuse_test CHECK (details->>'label' IS DISTINCT FROM 'refused by the test') NOT VALID`);
    try {
      await expect(createApiToken(db.pool, { user: { kind: 'slack', externalId: 'UREFUSED' }, role: 'qa', label: 'refused by the test' })).rejects.toThrow(/audit_refuse_test/);
    } finally {
      await q(`ALTER TABLE audit_logs DROP CONSTRAINT audit_refuse_test`);
    }
    expect(await q(`SELECT id FROM users WHERE external_id = 'UREFUSED'`)).toEqual([]);
    expect(await q(`SELECT id FROM api_tokens WHERE label = 'refused by the test'`)).toEqual([]);
  });

  it('two tokens created at once for one new user: both work, the user is created once', async () => {
    const made = await Promise.all([1, 2, 3].map((i) => createApiToken(db.pool, { user: { kind: 'api', externalId: 'same-new-user' }, role: 'lead', label: `t${i}` })));
    expect(new Set(made.map((m) => m.userId)).size).toBe(1);
    expect(made.filter((m) => m.userCreated)).toHaveLength(1);
    expect(await q(`SELECT id FROM users WHERE external_id = 'same-new-user'`)).toHaveLength(1);
    for (const m of made) expect(await authenticateToken(db.pool, m.token)).toMatchObject({ role: 'lead', userId: m.userId, tokenId: m.tokenId });
  });

  it('revoking: once true with one audit row, then false; the token no longer authenticates', async () => {
    const t = await createApiToken(db.pool, { user: { kind: 'api', externalId: 'revoked-user' }, role: 'admin' });
    expect(await revokeApiToken(db.pool, t.tokenId)).toBe(true);
    expect(await revokeApiToken(db.pool, t.tokenId)).toBe(false);
    expect(await q(`SELECT actor_id FROM audit_logs WHERE action = 'token.revoked' AND target = $1`, [`api_token:${t.tokenId}`])).toEqual([{ actor_id: t.userId }]);
    expect(await authenticateToken(db.pool, t.token)).toBeUndefined();
  });
});

describe('Prisma on a pool', () => {
  it('opens no connections of its own: the backends are the pool’s, one client per pool', async () => {
    const pool = createPool(db.url, 2);
    try {
      const prisma = prismaOf(pool);
      expect(prismaOf(pool)).toBe(prisma);
      const t = await createApiToken(pool, { user: { kind: 'api', externalId: 'pooled' }, role: 'qa' });
      await Promise.all([1, 2, 3, 4].map(() => authenticateToken(pool, t.token)));
      const [row] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      // db.pool's own idle connections are counted too; the new pool never exceeds its 2
      expect(pool.totalCount).toBeLessThanOrEqual(2);
      expect(row!.n).toBeLessThanOrEqual(pool.totalCount + db.pool.totalCount);
    } finally {
      await pool.end();
    }
  });
});
