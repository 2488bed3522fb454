import type pg from 'pg';
import { mayDisableRowTriggers } from '../row-triggers.js';

// Per-row foreign-key triggers are about a third of the server's work in this load. Like
// `pg_restore --disable-triggers`, the writers may skip them (session_replication_role =
// replica) and the keys are then checked once, set-based, before the seed is accepted.
// Only when it is safe: the role may set the parameter (superuser, or GRANT SET on PG 15+),
// and the seeded tables carry no triggers of their own that replica mode would silence.

export const SEEDED_TABLES = ['customers', 'conversations', 'messages', 'sessions', 'qa_events'] as const;

/** Tries to switch this session to replica mode; false leaves it unchanged (triggers fire). */
export async function enterBulkMode(client: pg.ClientBase): Promise<boolean> {
  if (!(await mayDisableRowTriggers(client, SEEDED_TABLES))) return false;
  await client.query('SET session_replication_role = replica');
  return true;
}

interface ForeignKey {
  name: string;
  child: string;
  parent: string;
  child_cols: string[];
  parent_cols: string[];
}

/** Throws when a foreign key of a seeded table has a dangling reference. */
export async function checkForeignKeys(client: pg.ClientBase): Promise<void> {
  const fks = await client.query<ForeignKey>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
            array_agg(ca.attname::text ORDER BY k.ord) AS child_cols, array_agg(pa.attname::text ORDER BY k.ord) AS parent_cols
       FROM pg_constraint c
       CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child_att, parent_att, ord)
       JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_att
       JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_att
      WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])
      GROUP BY c.oid, c.conname, c.conrelid, c.confrelid`,
    [SEEDED_TABLES],
  );
  const id = (s: string) => client.escapeIdentifier(s);
  for (const fk of fks.rows) {
    // child/parent come from regclass::text, already quoted where needed.
    const present = fk.child_cols.map((c) => `x.${id(c)} IS NOT NULL`).join(' AND ');
    const match = fk.child_cols.map((c, i) => `p.${id(fk.parent_cols[i]!)} = x.${id(c)}`).join(' AND ');
    const res = await client.query<{ bad: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${fk.child} x WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${match})) AS bad`,
    );
    if (res.rows[0]?.bad) throw new Error(`demo seed produced rows in ${fk.child} that violate ${fk.name}`);
  }
}
