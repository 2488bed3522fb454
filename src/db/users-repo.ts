import type pg from 'pg';
import { isRole, ROLE_LABELS, type Caller, type Role } from '../domain/access.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { prismaOf, TX_OPTIONS, type Db } from './client.ts';

// Roles change through Prisma (setUserRole). slackCaller and botFrameworkCaller stay one SQL
// statement each: they run on every Slack / Bot Framework request, and their ON CONFLICT
// update is conditional (raise to admin only when listed, keep the first name known, leave
// updated_at alone) — Prisma's upsert would always write updated_at (@updatedAt) and needs a
// read to keep the name, which is a second round trip and a race.

export interface SlackUserOptions {
  /** ADMIN_SLACK_IDS: these users are admins from their first request on */
  adminIds: readonly string[];
  name?: string;
}

/**
 * The caller behind a Slack user id. A user seen for the first time is recorded with the
 * lowest role (agent), or admin when listed in ADMIN_SLACK_IDS; a listed user already known
 * is raised to admin. Roles are otherwise changed only by an admin.
 */
export async function slackCaller(pool: pg.Pool | pg.ClientBase, slackUserId: string, opts: SlackUserOptions): Promise<Caller> {
  const admin = opts.adminIds.includes(slackUserId);
  const { rows } = await pool.query<{ id: number; role: string }>(
    `INSERT INTO users (platform, external_id, name, role, updated_at)
     VALUES ('slack', $1, $2, CASE WHEN $3 THEN 'admin' ELSE 'agent' END::"UserRole", now())
     ON CONFLICT (platform, external_id) DO UPDATE
       SET role = CASE WHEN $3 THEN 'admin'::"UserRole" ELSE users.role END,
           name = coalesce(users.name, EXCLUDED.name),
           updated_at = CASE WHEN $3 AND users.role <> 'admin' THEN now() ELSE users.updated_at END
     RETURNING id, role::text AS role`,
    [slackUserId, opts.name ?? null, admin],
  );
  const row = rows[0]!;
  const role: Role = isRole(row.role) ? row.role : 'agent';
  return { role, userId: row.id, name: slackUserId };
}

/**
 * The caller behind a Bot Framework user (Teams, Web Chat, the Emulator): `externalId` is the
 * activity's `from.aadObjectId` when the channel sends one (Teams: stable across conversations),
 * else `from.id`. A user seen for the first time is recorded as an agent (the lowest role); an
 * admin raises it. The name is kept from the first time it is known.
 */
export async function botFrameworkCaller(pool: pg.Pool | pg.ClientBase, externalId: string, opts: { name?: string } = {}): Promise<Caller> {
  const { rows } = await pool.query<{ id: number; role: string }>(
    `INSERT INTO users (platform, external_id, name, role, updated_at)
     VALUES ('botframework', $1, $2, 'agent', now())
     ON CONFLICT (platform, external_id) DO UPDATE SET name = coalesce(users.name, EXCLUDED.name)
     RETURNING id, role::text AS role`,
    [externalId, opts.name ?? null],
  );
  const row = rows[0]!;
  const role: Role = isRole(row.role) ? row.role : 'agent';
  return { role, userId: row.id, name: externalId };
}

export type SetRoleResult =
  | { ok: true; changed: boolean; userId: number; from: Role; to: Role }
  | { ok: false; kind: 'forbidden' | 'bootstrap_admin'; reason: string };

/**
 * An admin sets a Slack user's role (the user is recorded if not seen yet). Anyone else is
 * refused, changes nothing, and the attempt is written to audit_logs (`role.refused`); a change
 * is written as `role.changed` with from/to. Users listed in ADMIN_SLACK_IDS stay admins (they
 * are raised again on their next request), so lowering them is refused with that reason.
 */
export async function setUserRole(
  pool: pg.Pool | Db,
  input: { actor: Caller; slackId: string; role: Role; adminIds: readonly string[]; source: string },
): Promise<SetRoleResult> {
  const target = `user:slack:${input.slackId}`;
  const details = (extra: Record<string, unknown>): Prisma.InputJsonObject => ({ ...extra, source: input.source, actor: input.actor.name ?? null, role: input.actor.role });
  const actorId = input.actor.userId ?? null;
  return prismaOf(pool).$transaction(async (tx): Promise<SetRoleResult> => {
    if (input.actor.role !== 'admin') {
      const reason = `only admins can change roles; you are ${ROLE_LABELS[input.actor.role]}`;
      await tx.auditLog.create({ data: { actorId, action: 'role.refused', target, details: details({ to: input.role, reason }) } });
      return { ok: false, kind: 'forbidden', reason };
    }
    if (input.role !== 'admin' && input.adminIds.includes(input.slackId)) {
      return { ok: false, kind: 'bootstrap_admin', reason: `<@${input.slackId}> is listed in ADMIN_SLACK_IDS and stays an admin; remove them there first` };
    }
    const key = { platform: 'slack', externalId: input.slackId };
    await tx.user.createMany({ data: [{ ...key, role: 'agent' }], skipDuplicates: true });
    const { id } = await tx.user.findUniqueOrThrow({ where: { platform_externalId: key }, select: { id: true } });
    // the row locked (Prisma has no FOR UPDATE), so two admins changing one user at once are
    // recorded one after the other, each with the role the other left
    await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${id} FOR UPDATE`;
    const { role: from } = await tx.user.findUniqueOrThrow({ where: { id }, select: { role: true } });
    if (from === input.role) return { ok: true, changed: false, userId: id, from, to: input.role };
    await tx.user.update({ where: { id }, data: { role: input.role }, select: { id: true } });
    await tx.auditLog.create({ data: { actorId, action: 'role.changed', target, details: details({ userId: id, from, to: input.role }) } });
    return { ok: true, changed: true, userId: id, from, to: input.role };
  }, TX_OPTIONS);
}
