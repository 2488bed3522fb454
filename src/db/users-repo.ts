import type pg from 'pg';
import { isRole, ROLE_LABELS, type Caller, type Role } from '../domain/access.ts';
import type { NotifyVia } from '../domain/notify-via.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { prismaOf, TX_OPTIONS, type Db, type Tx } from './client.ts';

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
  | { ok: false; kind: 'forbidden' | 'bootstrap_admin' | 'not_found'; reason: string };

/** Whose role or email: a Slack user id (recorded if not seen yet), or a users.id that must exist. */
export type UserTarget = { slackId: string; userId?: never } | { userId: number; slackId?: never };

/** How audit rows name a user: Slack users by their Slack id (as `/pulse role` always has), others by users.id. */
const auditTarget = (u: { id: number; platform: string; externalId: string }): string =>
  u.platform === 'slack' ? `user:slack:${u.externalId}` : `user:${u.id}`;

/** The target's row in the transaction, a Slack user recorded (as an agent) when missing; locked. */
async function lockTarget(tx: Tx, target: UserTarget): Promise<{ id: number; platform: string; externalId: string; role: Role; email: string | null; notifyVia: NotifyVia } | undefined> {
  let id = target.userId;
  if (target.slackId !== undefined) {
    const key = { platform: 'slack', externalId: target.slackId };
    await tx.user.createMany({ data: [{ ...key, role: 'agent' }], skipDuplicates: true });
    ({ id } = await tx.user.findUniqueOrThrow({ where: { platform_externalId: key }, select: { id: true } }));
  }
  // the row locked (Prisma has no FOR UPDATE), so two admins changing one user at once are
  // recorded one after the other, each with the value the other left
  await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${id} FOR UPDATE`;
  return (await tx.user.findUnique({ where: { id: id! }, select: { id: true, platform: true, externalId: true, role: true, email: true, notifyVia: true } })) ?? undefined;
}

/**
 * An admin sets a user's role (a Slack user is recorded if not seen yet; a users.id must exist).
 * Anyone else is refused, changes nothing, and the attempt is written to audit_logs
 * (`role.refused`); a change is written as `role.changed` with from/to. Users listed in
 * ADMIN_SLACK_IDS stay admins (they are raised again on their next request), so lowering them
 * is refused with that reason.
 */
export async function setUserRole(
  pool: pg.Pool | Db,
  input: UserTarget & { actor: Caller; role: Role; adminIds: readonly string[]; source: string },
): Promise<SetRoleResult> {
  const details = (extra: Record<string, unknown>): Prisma.InputJsonObject => ({ ...extra, source: input.source, actor: input.actor.name ?? null, role: input.actor.role });
  const actorId = input.actor.userId ?? null;
  return prismaOf(pool).$transaction(async (tx): Promise<SetRoleResult> => {
    if (input.actor.role !== 'admin') {
      const reason = `only admins can change roles; you are ${ROLE_LABELS[input.actor.role]}`;
      const target = input.slackId !== undefined ? `user:slack:${input.slackId}` : `user:${input.userId}`;
      await tx.auditLog.create({ data: { actorId, action: 'role.refused', target, details: details({ to: input.role, reason }) } });
      return { ok: false, kind: 'forbidden', reason };
    }
    if (input.slackId !== undefined && input.role !== 'admin' && input.adminIds.includes(input.slackId)) {
      return { ok: false, kind: 'bootstrap_admin', reason: `<@${input.slackId}> is listed in ADMIN_SLACK_IDS and stays an admin; remove them there first` };
    }
    const user = await lockTarget(tx, input);
    if (!user) return { ok: false, kind: 'not_found', reason: `there is no user ${input.userId}` };
    if (user.platform === 'slack' && input.role !== 'admin' && input.adminIds.includes(user.externalId)) {
      return { ok: false, kind: 'bootstrap_admin', reason: `<@${user.externalId}> is listed in ADMIN_SLACK_IDS and stays an admin; remove them there first` };
    }
    const { id, role: from } = user;
    if (from === input.role) return { ok: true, changed: false, userId: id, from, to: input.role };
    await tx.user.update({ where: { id }, data: { role: input.role }, select: { id: true } });
    await tx.auditLog.create({ data: { actorId, action: 'role.changed', target: auditTarget(user), details: details({ userId: id, from, to: input.role }) } });
    return { ok: true, changed: true, userId: id, from, to: input.role };
  }, TX_OPTIONS);
}

export type SetSettingResult<T> =
  | { ok: true; changed: boolean; userId: number; from: T; to: T }
  | { ok: false; kind: 'forbidden' | 'not_found'; reason: string };
export type SetEmailResult = SetSettingResult<string | null>;

type Setting = { field: 'email'; value: string | null } | { field: 'notifyVia'; value: NotifyVia };
const SETTING_ACTION: Record<Setting['field'], string> = { email: 'user.email_changed', notifyVia: 'user.notify_changed' };
const SETTING_NAME: Record<Setting['field'], string> = { email: 'email', notifyVia: 'notification preference' };

/** A personal setting, changed by the user themself or an admin; a change audited with from/to, a refusal as `user.setting_refused`. */
async function setSetting<T extends Setting>(
  pool: pg.Pool | Db,
  input: UserTarget & { actor: Caller; source: string },
  setting: T,
): Promise<SetSettingResult<T['value']>> {
  const details = (extra: Record<string, unknown>): Prisma.InputJsonObject => ({ ...extra, source: input.source, actor: input.actor.name ?? null, role: input.actor.role });
  const actorId = input.actor.userId ?? null;
  return prismaOf(pool).$transaction(async (tx): Promise<SetSettingResult<T['value']>> => {
    const user = await lockTarget(tx, input);
    if (!user) return { ok: false, kind: 'not_found', reason: `there is no user ${input.userId}` };
    if (input.actor.role !== 'admin' && input.actor.userId !== user.id) {
      const reason = `only admins can set someone else's ${SETTING_NAME[setting.field]}; you are ${ROLE_LABELS[input.actor.role]}`;
      await tx.auditLog.create({ data: { actorId, action: 'user.setting_refused', target: auditTarget(user), details: details({ userId: user.id, field: setting.field, reason }) } });
      return { ok: false, kind: 'forbidden', reason };
    }
    const from = user[setting.field] as T['value'];
    if (from === setting.value) return { ok: true, changed: false, userId: user.id, from, to: setting.value };
    await tx.user.update({ where: { id: user.id }, data: { [setting.field]: setting.value }, select: { id: true } });
    await tx.auditLog.create({ data: { actorId, action: SETTING_ACTION[setting.field], target: auditTarget(user), details: details({ userId: user.id, from, to: setting.value }) } });
    return { ok: true, changed: true, userId: user.id, from, to: setting.value };
  }, TX_OPTIONS);
}

/**
 * Sets or clears (`email: null`) a user's email address: the user themself or an admin. The
 * address must already be validated (domain/email-address.ts). A change is written to
 * audit_logs as `user.email_changed` with from/to in the same transaction. The QA notify
 * worker reads the address when it sends.
 */
export function setUserEmail(pool: pg.Pool | Db, input: UserTarget & { actor: Caller; email: string | null; source: string }): Promise<SetEmailResult> {
  return setSetting(pool, input, { field: 'email', value: input.email });
}

/** Sets how personal QA notifications reach a user (domain/notify-via.ts); audited as `user.notify_changed`. */
export function setUserNotifyVia(pool: pg.Pool | Db, input: UserTarget & { actor: Caller; via: NotifyVia; source: string }): Promise<SetSettingResult<NotifyVia>> {
  return setSetting(pool, input, { field: 'notifyVia', value: input.via });
}

/** A user's notification preference (`all` for an unknown user: the default). */
export async function userNotifyVia(pool: pg.Pool | Db, userId: number): Promise<NotifyVia> {
  const u = await prismaOf(pool).user.findUnique({ where: { id: userId }, select: { notifyVia: true } });
  return u?.notifyVia ?? 'all';
}

/** A user's email address (null when none is set or there is no such user). */
export async function userEmail(pool: pg.Pool | Db, userId: number): Promise<string | null> {
  const u = await prismaOf(pool).user.findUnique({ where: { id: userId }, select: { email: true } });
  return u?.email?.trim() ? u.email : null;
}

/** The users.id of a user known by platform and external id (an API user made by `pulse token create`), if any. */
export async function userIdOf(pool: pg.Pool | Db, platform: string, externalId: string): Promise<number | undefined> {
  const u = await prismaOf(pool).user.findUnique({ where: { platform_externalId: { platform, externalId } }, select: { id: true } });
  return u?.id;
}
