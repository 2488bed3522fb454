import type pg from 'pg';
import { isRole, type Caller, type Role } from '../domain/access.ts';

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
