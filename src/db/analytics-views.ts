import type pg from 'pg';

// The analytics views (migration 20261206110000_plain_analytics_views) are plain views, so the
// planner pushes a WHERE down to the tables' indexes. A plain view pins every column it names:
// PostgreSQL refuses to DROP such a column or change its type. Rather than make every future
// migration drop and recreate the views by hand, the migrator sets them aside around each
// migration: it reads their definitions, drops them, applies the migration, and recreates each
// view the migration did not recreate itself, with its options, comment and grants. All of it
// happens in the migration's own transaction, so a failure leaves the old views in place.
//
// A migration that changes a column a view selects therefore just changes it; if the old
// definition no longer fits (a dropped or renamed column), the migration fails with a message
// saying so, and the fix is a CREATE VIEW for that view in the same migration.
// Only views owned by the migrating user are touched: a shared schema may hold other views.

export interface SetAsideView {
  /** schema-qualified, quoted as needed */
  name: string;
  definition: string;
  options: string[] | null;
  comment: string | null;
  grants: { grantee: string | null; privilege: string; grantable: boolean }[];
}

/** Reads and drops the migrating user's views in `schema`; returns what restoreViews needs. */
export async function setAsideViews(client: pg.ClientBase, schema = 'analytics'): Promise<SetAsideView[]> {
  // With only pg_catalog on the search path, pg_get_viewdef qualifies every other name, so the
  // definition means the same whatever path the migration leaves behind.
  const { rows: saved } = await client.query<{ path: string }>(
    `SELECT current_setting('search_path') AS path, set_config('search_path', 'pg_catalog', true)`,
  );
  const { rows } = await client.query<SetAsideView>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_get_viewdef(c.oid) AS definition, c.reloptions AS options,
            obj_description(c.oid, 'pg_class') AS comment,
            coalesce((SELECT json_agg(json_build_object(
                        'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE a.grantee::regrole::text END,
                        'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
                      FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner), '[]'::json) AS grants
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'v' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
     -- creation order: a view built on another one comes after it
     ORDER BY c.oid`,
    [schema],
  );
  await client.query(`SELECT set_config('search_path', $1, true)`, [saved[0]!.path]);
  if (rows.length > 0) await client.query(`DROP VIEW ${rows.map((v) => v.name).join(', ')}`);
  return rows;
}

/** Recreates every set-aside view that does not exist (again); the migration's own versions win. */
export async function restoreViews(client: pg.ClientBase, views: readonly SetAsideView[]): Promise<void> {
  for (const v of views) {
    const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [v.name]);
    if (rows[0]?.t) continue;
    const options = v.options && v.options.length > 0 ? ` WITH (${v.options.join(', ')})` : '';
    try {
      await client.query(`CREATE VIEW ${v.name}${options} AS ${v.definition}`);
    } catch (err) {
      const e = err as Error;
      e.message =
        `view ${v.name} no longer fits the tables (${e.message}): ` +
        'recreate it in this migration (DROP VIEW IF EXISTS, then CREATE VIEW with the new columns and its GRANTs)';
      throw e;
    }
    if (v.comment !== null) await client.query(`COMMENT ON VIEW ${v.name} IS ${quoteLiteral(v.comment)}`);
    for (const g of v.grants) {
      await client.query(
        `GRANT ${g.privilege} ON ${v.name} TO ${g.grantee ?? 'PUBLIC'}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
      );
    }
  }
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
