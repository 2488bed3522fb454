import type pg from 'pg';
import { templateVariables, type TemplateSpec } from '../domain/customer/templates.ts';

// MessageTemplates (table message_templates): the customer agent's reply texts. Seeding
// inserts missing defaults by name and never overwrites a body a team has edited.

type Db = pg.Pool | pg.ClientBase;

export interface StoredTemplate {
  name: string;
  messageType: string;
  body: string;
}

/** Active templates by name (global ones: page_id null). */
export async function activeTemplates(db: Db, names: readonly string[]): Promise<Map<string, StoredTemplate>> {
  const { rows } = await db.query<StoredTemplate>(
    `SELECT name, message_type AS "messageType", body FROM message_templates
      WHERE active AND page_id IS NULL AND name = ANY($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * One more use of a template, and one more success when Meta accepted the message. Called
 * once per reply the sender claimed (not for a duplicate of one), so a retried event does
 * not count its template twice.
 */
export async function countTemplateUse(db: Db, name: string, sent: boolean): Promise<void> {
  await db.query(
    `UPDATE message_templates SET usage_count = usage_count + 1, success_count = success_count + $2::int, updated_at = now()
      WHERE name = $1 AND page_id IS NULL`,
    [name, sent ? 1 : 0],
  );
}

/** Inserts the templates that do not exist yet; returns how many were inserted. Idempotent. */
export async function seedTemplates(db: Db, specs: readonly TemplateSpec[]): Promise<number> {
  const rows = specs.map((s) => ({ name: s.name, message_type: s.messageType, body: s.body, variables: templateVariables(s.body) }));
  const { rowCount } = await db.query(
    `INSERT INTO message_templates (name, message_type, body, variables, updated_at)
     SELECT x.name, x.message_type, x.body, x.variables, now()
       FROM jsonb_to_recordset($1::jsonb) AS x(name text, message_type text, body text, variables text[])
     ON CONFLICT (name) DO NOTHING`,
    [JSON.stringify(rows)],
  );
  return rowCount ?? 0;
}
