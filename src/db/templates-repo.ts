import type pg from 'pg';
import { templateVariables, type TemplateSpec } from '../domain/customer/templates.ts';

// MessageTemplates (table message_templates): the customer agent's reply texts. Seeding
// inserts missing defaults by name and never overwrites a body a team has edited.
// A page may word a template itself (a row with its page_id and the template's name): the bot
// uses the page's row, else the default one (page_id NULL), never another page's.

type Db = pg.Pool | pg.ClientBase;

export interface StoredTemplate {
  name: string;
  messageType: string;
  body: string;
}

/**
 * Active templates by name as page `pageId` (pages.id) says them: its own row, else the default;
 * a page's inactive row hides the default (the built-in text is used). null: the defaults alone.
 */
export async function activeTemplates(db: Db, names: readonly string[], pageId: number | null = null): Promise<Map<string, StoredTemplate>> {
  const { rows } = await db.query<StoredTemplate>(
    `SELECT name, "messageType", body FROM (
       SELECT DISTINCT ON (name) name, message_type AS "messageType", body, active FROM message_templates
        WHERE name = ANY($1::text[]) AND (page_id = $2 OR page_id IS NULL) ORDER BY name, page_id NULLS LAST) t
      WHERE active`,
    [names, pageId],
  );
  return new Map(rows.map((r) => [r.name, r]));
}

/**
 * One more use of a template, and one more success when Meta accepted the message. Called
 * once per reply the sender claimed (not for a duplicate of one), so a retried event does
 * not count its template twice.
 */
export async function countTemplateUse(db: Db, name: string, sent: boolean, pageId: number | null = null): Promise<void> {
  // the row the page used: its own, else the default (as activeTemplates chose it)
  await db.query(
    `UPDATE message_templates SET usage_count = usage_count + 1, success_count = success_count + $2::int, updated_at = now()
      WHERE id = (SELECT id FROM message_templates WHERE name = $1 AND (page_id = $3 OR page_id IS NULL) ORDER BY page_id NULLS LAST LIMIT 1)`,
    [name, sent ? 1 : 0, pageId],
  );
}

/**
 * countTemplateUse for a batch of replies at once (the reply worker's): `used` more uses and
 * `succeeded` more successes of each (name, page), one statement for them all.
 */
export async function countTemplateUses(db: Db, uses: readonly { name: string; pageId: number | null; used: number; succeeded: number }[]): Promise<void> {
  if (uses.length === 0) return;
  await db.query(
    // two pages falling back to one default row add up on that row (an UPDATE … FROM would count one)
    `WITH u AS (
       SELECT (SELECT id FROM message_templates WHERE name = u.name AND (page_id = u.page_id OR page_id IS NULL) ORDER BY page_id NULLS LAST LIMIT 1) AS id,
              u.used, u.succeeded
         FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) AS u(name, page_id, used, succeeded)
     ), g AS (SELECT id, sum(used)::int AS used, sum(succeeded)::int AS succeeded FROM u WHERE id IS NOT NULL GROUP BY id)
     UPDATE message_templates t SET usage_count = t.usage_count + g.used, success_count = t.success_count + g.succeeded, updated_at = now()
       FROM g WHERE t.id = g.id`,
    [uses.map((u) => u.name), uses.map((u) => u.pageId), uses.map((u) => u.used), uses.map((u) => u.succeeded)],
  );
}

/** Inserts the templates that do not exist yet; returns how many were inserted. Idempotent. */
export async function seedTemplates(db: Db, specs: readonly TemplateSpec[]): Promise<number> {
  const rows = specs.map((s) => ({ name: s.name, message_type: s.messageType, body: s.body, variables: templateVariables(s.body) }));
  const { rowCount } = await db.query(
    // category 'bot': the customer agent's own replies, apart from the desk's canned responses
    `INSERT INTO message_templates (name, message_type, body, variables, category, updated_at)
     SELECT x.name, x.message_type, x.body, x.variables, 'bot', now()
       FROM jsonb_to_recordset($1::jsonb) AS x(name text, message_type text, body text, variables text[])
     ON CONFLICT (name) WHERE page_id IS NULL DO NOTHING`,
    [JSON.stringify(rows)],
  );
  return rowCount ?? 0;
}
