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
