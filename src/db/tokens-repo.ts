import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Caller, Role } from '../domain/access.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { prismaOf, TX_OPTIONS, type Db, type Tx } from './client.ts';

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
 * role is left alone, the token carries its own. The user, the token and its audit row commit
 * together.
 */
export async function createApiToken(pool: pg.Pool | Db, opts: { user: UserRef; role: Role; label?: string }): Promise<CreatedToken> {
  const token = newToken();
  const label = opts.label ?? `cli ${new Date().toISOString().slice(0, 10)}`;
  return prismaOf(pool).$transaction(async (tx) => {
    const { userId, userCreated } = await tokenUser(tx, opts.user, opts.role);
    const { id } = await tx.apiToken.create({ data: { userId, label, tokenHash: hashToken(token), role: opts.role }, select: { id: true } });
    await tx.auditLog.create({ data: { actorId: userId, action: 'token.created', target: `api_token:${id}`, details: { role: opts.role, label, source: 'cli' } } });
    return { token, tokenId: id, userId, userCreated, role: opts.role };
  }, TX_OPTIONS);
}

async function tokenUser(tx: Tx, user: UserRef, role: Role): Promise<{ userId: number; userCreated: boolean }> {
  if (user.kind === 'id') {
    const found = await tx.user.findUnique({ where: { id: user.id }, select: { id: true } });
    if (!found) throw new Error(`there is no user ${user.id}; pass a Slack user id to create one`);
    return { userId: found.id, userCreated: false };
  }
  const key = { platform: user.kind === 'slack' ? 'slack' : 'api', externalId: user.externalId };
  // ON CONFLICT DO NOTHING: a concurrent creation of the same user waits and is then found,
  // where a failed INSERT would abort the whole transaction
  const { count } = await tx.user.createMany({ data: [{ ...key, role }], skipDuplicates: true });
  const found = await tx.user.findUniqueOrThrow({ where: { platform_externalId: key }, select: { id: true } });
  return { userId: found.id, userCreated: count === 1 };
}

/** Revokes a token by id; false when there is no such live token. */
export async function revokeApiToken(pool: pg.Pool | Db, tokenId: number): Promise<boolean> {
  return prismaOf(pool).$transaction(async (tx) => {
    const [revoked] = await tx.apiToken.updateManyAndReturn({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: new Date() }, select: { userId: true } });
    if (!revoked) return false;
    await tx.auditLog.create({ data: { actorId: revoked.userId, action: 'token.revoked', target: `api_token:${tokenId}`, details: { source: 'cli' } } });
    return true;
  }, TX_OPTIONS);
}

export interface TokenCaller extends Caller {
  userId: number;
  tokenId: number;
}

/** A token's last_used_at is written at most this often, so reads do not each write. */
const USE_MARK_MS = 60_000;

/**
 * The caller behind a presented token, or undefined when it is unknown or revoked. Marks the
 * token used (at most once a minute).
 */
export async function authenticateToken(pool: pg.Pool | Db, token: string): Promise<TokenCaller | undefined> {
  const prisma = prismaOf(pool);
  const row = await prisma.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, userId: true, role: true, lastUsedAt: true, revokedAt: true, user: { select: { role: true } } },
  });
  if (!row || row.revokedAt) return undefined;
  const role = row.role ?? row.user.role;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > USE_MARK_MS) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now }, select: { id: true } });
  }
  return { role, userId: row.userId, tokenId: row.id, name: `token:${row.id}` };
}

/** An audit entry for a privileged action taken with a token. */
export async function auditTokenUse(
  db: pg.Pool | Db,
  caller: TokenCaller,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await prismaOf(db).auditLog.create({
    data: {
      actorId: caller.userId,
      action,
      target,
      details: { ...details, source: 'api', tokenId: caller.tokenId, role: caller.role } as Prisma.InputJsonObject,
    },
    select: { id: true },
  });
}
