import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { isRole, type Caller, type Role } from '../domain/access.ts';

// API tokens: only their SHA-256 is stored, so a leaked database does not leak working
// tokens. A token acts with its own role (set when it was created) for its user.

const PREFIX = 'sp_';

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new random token: `sp_` + 32 random bytes, base64url (43 characters). */
export const newToken = (): string => `${PREFIX}${randomBytes(32).toString('base64url')}`;

/** `--user`: a Slack user id (U…/W…), a numeric users.id, or another external id (platform `api`). */
export type UserRef = { kind: 'slack'; externalId: string } | { kind: 'id'; id: number } | { kind: 'api'; externalId: string };

export function parseUserRef(s: string): UserRef {
  const v = s.trim();
  if (!v) throw new Error('--user must not be empty');
  if (/^\d+$/.test(v)) return { kind: 'id', id: Number(v) };
  // Slack's escaped mention <@U123|name> as well as the raw id.
  const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(v);
  if (mention) return { kind: 'slack', externalId: mention[1]! };
  if (/^[UW][A-Z0-9]{2,}$/.test(v)) return { kind: 'slack', externalId: v };
  return { kind: 'api', externalId: v };
}

export interface CreatedToken {
  token: string;
  tokenId: number;
  userId: number;
  userCreated: boolean;
  role: Role;
}

/**
 * Creates a token for the user (created when missing: platform slack for a Slack id, `api`
 * otherwise; a numeric id must exist). A new user gets the token's role; an existing user's
 * role is left alone, the token carries its own.
 */
export async function createApiToken(pool: pg.Pool | pg.ClientBase, opts: { user: UserRef; role: Role; label?: string }): Promise<CreatedToken> {
  let userId: number;
  let userCreated = false;
  if (opts.user.kind === 'id') {
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM users WHERE id = $1', [opts.user.id]);
    if (!rows[0]) throw new Error(`there is no user ${opts.user.id}; pass a Slack user id to create one`);
    userId = rows[0].id;
  } else {
    const platform = opts.user.kind === 'slack' ? 'slack' : 'api';
    const { rows } = await pool.query<{ id: number; created: boolean }>(
      `INSERT INTO users (platform, external_id, role, updated_at) VALUES ($1, $2, $3::"UserRole", now())
       ON CONFLICT (platform, external_id) DO UPDATE SET external_id = EXCLUDED.external_id
       RETURNING id, (xmax = 0) AS created`,
      [platform, opts.user.externalId, opts.role],
    );
    userId = rows[0]!.id;
    userCreated = rows[0]!.created;
  }
  const token = newToken();
  const label = opts.label ?? `cli ${new Date().toISOString().slice(0, 10)}`;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO api_tokens (user_id, label, token_hash, role) VALUES ($1, $2, $3, $4::"UserRole") RETURNING id`,
    [userId, label, hashToken(token), opts.role],
  );
  await pool.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES ($1, 'token.created', $2, $3)`, [
    userId,
    `api_token:${rows[0]!.id}`,
    JSON.stringify({ role: opts.role, label, source: 'cli' }),
  ]);
  return { token, tokenId: rows[0]!.id, userId, userCreated, role: opts.role };
}

/** Revokes a token by id; false when there is no such live token. */
export async function revokeApiToken(pool: pg.Pool | pg.ClientBase, tokenId: number): Promise<boolean> {
  const res = await pool.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING user_id`, [tokenId]);
  if (res.rowCount !== 1) return false;
  await pool.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES ($1, 'token.revoked', $2, $3)`, [
    (res.rows[0] as { user_id: number }).user_id,
    `api_token:${tokenId}`,
    JSON.stringify({ source: 'cli' }),
  ]);
  return true;
}

export interface TokenCaller extends Caller {
  userId: number;
  tokenId: number;
}

/**
 * The caller behind a presented token, or undefined when it is unknown or revoked. Marks the
 * token used (at most once a minute, so reads do not each write).
 */
export async function authenticateToken(pool: pg.Pool, token: string): Promise<TokenCaller | undefined> {
  const { rows } = await pool.query<{ id: number; user_id: number; role: string; external_id: string; stale: boolean }>(
    `SELECT t.id, t.user_id, coalesce(t.role, u.role)::text AS role, u.external_id,
            (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [hashToken(token)],
  );
  const row = rows[0];
  if (!row || !isRole(row.role)) return undefined;
  if (row.stale) await pool.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [row.id]);
  return { role: row.role, userId: row.user_id, tokenId: row.id, name: `token:${row.id}` };
}

/** An audit entry for a privileged action taken with a token. */
export async function auditTokenUse(
  db: pg.Pool | pg.ClientBase,
  caller: TokenCaller,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES ($1, $2, $3, $4)`, [
    caller.userId,
    action,
    target,
    JSON.stringify({ ...details, source: 'api', tokenId: caller.tokenId, role: caller.role }),
  ]);
}
