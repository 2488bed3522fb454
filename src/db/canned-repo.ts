// Canned responses (message_templates rows) as the desk manages them from Slack: listed by
// category, added, reworded and removed by team leads and admins. A change applies to one scope,
// a page's own rows or the shared ones (page_id NULL) every page falls back to, and is written
// with its audit_logs row in one transaction. The rules (names, categories, variables) are
// domain/canned.ts; the bot's and /canned's lookups stay in templates-repo.ts / handoff-repo.ts.

import type pg from 'pg';
import { BOT_CATEGORY, cannedBody, checkCategory, checkName } from '../domain/canned.ts';
import { audit } from './handoff-repo.ts';
import type { PageRef } from './pages-repo.ts';
import { transaction } from './pool.ts';

type Db = pg.Pool | pg.ClientBase;

export interface CannedListRow {
  id: number;
  name: string;
  category: string;
  body: string;
  pageId: number | null;
  pageName: string | null;
}

/** The pages whose handoff threads open in `channel` (pages.handoff_channel). */
export async function pagesForChannel(db: Db, channel: string): Promise<PageRef[]> {
  const { rows } = await db.query<PageRef>(`SELECT id, fb_page_id AS "fbPageId", name FROM pages WHERE handoff_channel = $1 ORDER BY id`, [channel]);
  return rows;
}

/**
 * Active responses: as page `pageId` sees them (its own, else the shared one of that name),
 * the shared ones alone (null), or every page's and the shared (undefined). `category` filters.
 */
export async function listCanned(db: Db, o: { pageId?: number | null; category?: string }): Promise<CannedListRow[]> {
  const cols = `t.id, t.name, t.category, t.body, t.page_id AS "pageId", p.name AS "pageName", t.active`;
  const from = `message_templates t LEFT JOIN pages p ON p.id = t.page_id`;
  const params: unknown[] = [o.category ?? null];
  let sql: string;
  if (o.pageId === undefined) sql = `SELECT ${cols} FROM ${from} WHERE t.active`;
  else if (o.pageId === null) sql = `SELECT ${cols} FROM ${from} WHERE t.active AND t.page_id IS NULL`;
  else {
    params.push(o.pageId);
    // a page's row of a name wins over the shared one, inactive or not (as for the bot)
    sql = `SELECT * FROM (SELECT DISTINCT ON (lower(t.name)) ${cols} FROM ${from}
            WHERE t.page_id IS NULL OR t.page_id = $2 ORDER BY lower(t.name), t.page_id NULLS LAST) x WHERE x.active`;
  }
  const { rows } = await db.query<CannedListRow>(
    `SELECT id, name, category, body, "pageId", "pageName" FROM (${sql}) r WHERE $1::text IS NULL OR category = $1 ORDER BY category, name, "pageId" NULLS FIRST LIMIT 200`,
    params,
  );
  return rows;
}

interface Row {
  id: number;
  name: string;
  category: string;
  messageType: string;
  body: string;
  variables: string[];
  active: boolean;
}

async function rowIn(client: pg.ClientBase, pageId: number | null, name: string): Promise<Row | undefined> {
  const { rows } = await client.query<Row>(
    `SELECT id, name, category, message_type AS "messageType", body, variables, active FROM message_templates
      WHERE page_id IS NOT DISTINCT FROM $1 AND lower(name) = lower($2) ORDER BY id LIMIT 1`,
    [pageId, name],
  );
  return rows[0];
}

export interface CannedChange {
  /** null: the shared responses */
  page: PageRef | null;
  name: string;
  actor: { userId: number; slackId: string };
}

export type CannedResult = { ok: true; id: number; name: string; category: string; note?: string } | { ok: false; reason: string };

const where = (page: PageRef | null) => (page ? `for ${page.name}` : 'shared by every page');

/** One writer per (scope, name) at a time: two adds of one name cannot both insert. */
async function withName<T>(pool: pg.Pool, c: CannedChange, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await transaction(client, async () => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('canned'), hashtext($1))`, [`${c.page?.id ?? 0}:${c.name.toLowerCase()}`]);
      return fn(client);
    });
  } finally {
    client.release();
  }
}

const auditChange = (client: pg.ClientBase, c: CannedChange, action: string, id: number, details: Record<string, unknown>) =>
  audit(client, { actorId: c.actor.userId, action, target: `message_template:${id}`, details: { slackId: c.actor.slackId, name: c.name, pageId: c.page?.id ?? null, ...details } });

/** A new response in the scope; a removed one of that name comes back with the new text. */
export async function addCanned(pool: pg.Pool, c: CannedChange & { category: string; text: string }): Promise<CannedResult> {
  const name = checkName(c.name);
  if (!name.ok) return name;
  const category = checkCategory(c.category);
  if (!category.ok) return category;
  const checked = cannedBody(c.text);
  if (!checked.ok) return checked;
  const { body, variables } = checked.value;
  return withName(pool, c, async (client) => {
    const own = await rowIn(client, c.page?.id ?? null, c.name);
    if (own?.active) return { ok: false, reason: `"${own.name}" already exists ${where(c.page)} (category ${own.category}); change it with \`/canned edit ${own.name} <text>\`` };
    const shared = c.page && !own ? await rowIn(client, null, c.name) : undefined;
    if (shared?.active) return { ok: false, reason: `"${shared.name}" is shared by every page; \`/canned edit ${shared.name} <text>\` here words it for ${c.page!.name} only` };
    const { rows } = own
      ? await client.query<{ id: number }>(
          `UPDATE message_templates SET active = true, category = $2, body = $3, variables = $4, updated_at = now() WHERE id = $1 RETURNING id`,
          [own.id, category.value, body, variables],
        )
      : await client.query<{ id: number }>(
          `INSERT INTO message_templates (page_id, name, message_type, body, variables, category, updated_at) VALUES ($1, $2, 'canned', $3, $4, $5, now()) RETURNING id`,
          [c.page?.id ?? null, c.name, body, variables, category.value],
        );
    const id = rows[0]!.id;
    await auditChange(client, c, 'canned.add', id, { category: category.value, body, ...(own ? { restored: true, before: own.body } : {}) });
    return { ok: true, id, name: own?.name ?? c.name, category: category.value };
  });
}

/**
 * New text for a response in the scope. On a page whose response of that name is the shared
 * one, the page gets its own row (same category), and the other pages keep the shared text.
 */
export async function editCanned(pool: pg.Pool, c: CannedChange & { text: string }): Promise<CannedResult> {
  return withName(pool, c, async (client): Promise<CannedResult> => {
    const own = await rowIn(client, c.page?.id ?? null, c.name);
    const shared = c.page && !own ? await rowIn(client, null, c.name) : undefined;
    const current = own?.active ? own : shared?.active ? shared : undefined;
    if (!current) return { ok: false, reason: `there is no active response "${c.name}" ${where(c.page)}; \`/canned add <category> ${c.name} <text>\` makes one` };
    const checked = cannedBody(c.text, current.variables);
    if (!checked.ok) return checked;
    const { body, variables } = checked.value;
    if (current === own) {
      await client.query(`UPDATE message_templates SET body = $2, variables = $3, updated_at = now() WHERE id = $1`, [own.id, body, variables]);
      await auditChange(client, c, 'canned.edit', own.id, { category: own.category, before: own.body, after: body });
      return { ok: true, id: own.id, name: own.name, category: own.category };
    }
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO message_templates (page_id, name, message_type, body, variables, category, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id`,
      [c.page!.id, current.name, current.messageType, body, variables, current.category],
    );
    const id = rows[0]!.id;
    await auditChange(client, c, 'canned.edit', id, { category: current.category, before: current.body, after: body, overrides: current.id });
    return { ok: true, id, name: current.name, category: current.category, note: `now worded for ${c.page!.name} only; other pages keep the shared text` };
  });
}

/** Retires a response in the scope (kept inactive: its counts and audit trail stay readable). */
export async function removeCanned(pool: pg.Pool, c: CannedChange): Promise<CannedResult> {
  return withName(pool, c, async (client): Promise<CannedResult> => {
    const own = await rowIn(client, c.page?.id ?? null, c.name);
    if (!own?.active) {
      const shared = c.page ? await rowIn(client, null, c.name) : undefined;
      return shared?.active
        ? { ok: false, reason: `"${shared.name}" is shared by every page; \`/canned remove page:shared ${shared.name}\` removes it for all of them` }
        : { ok: false, reason: `there is no active response "${c.name}" ${where(c.page)}` };
    }
    if (own.category === BOT_CATEGORY) return { ok: false, reason: `"${own.name}" is one of the customer agent's own replies: reword it with \`/canned edit\`, it cannot be removed` };
    await client.query(`UPDATE message_templates SET active = false, updated_at = now() WHERE id = $1`, [own.id]);
    await auditChange(client, c, 'canned.remove', own.id, { category: own.category, before: own.body });
    return { ok: true, id: own.id, name: own.name, category: own.category };
  });
}
