import type pg from 'pg';

// pages.conversation_count / message_count are recounted, not incremented: every writer of
// messages (imports, the webhook's materializer, replies, retention) would otherwise have to
// update the same hot page row. Imports recount after loading, the Messenger planner every minute.

/** Recounts the pages of the given conversations, or of conversations updated since a time. */
export async function recountPages(db: pg.Pool | pg.ClientBase, which: { conversationIds: number[] } | { updatedSince: Date }): Promise<number> {
  const [filter, param] = 'conversationIds' in which
    ? ['id = ANY($1::int[])', which.conversationIds]
    : ['updated_at >= $1', which.updatedSince];
  const res = await db.query(
    `UPDATE pages p SET conversation_count = s.conversations, message_count = s.messages, updated_at = now()
     FROM (SELECT page_id, count(*)::int AS conversations, coalesce(sum(total_messages), 0)::int AS messages
           FROM conversations WHERE page_id IN (SELECT DISTINCT page_id FROM conversations WHERE ${filter})
           GROUP BY page_id) s
     WHERE p.id = s.page_id AND (p.conversation_count, p.message_count) IS DISTINCT FROM (s.conversations, s.messages)`,
    [param],
  );
  return res.rowCount ?? 0;
}

export interface PageRef {
  id: number;
  fbPageId: string;
  name: string;
}

/**
 * The page an admin names on the command line: its pages.id, its Messenger page id or its name
 * (case-insensitive). Throws when nothing matches or a name is shared, saying which pages exist.
 */
export async function findPage(db: pg.Pool | pg.ClientBase, ref: string): Promise<PageRef> {
  const { rows } = await db.query<PageRef>(
    `SELECT id, fb_page_id AS "fbPageId", name FROM pages
      WHERE fb_page_id = $1 OR lower(name) = lower($1) OR id::text = $1
      ORDER BY (fb_page_id = $1) DESC, (id::text = $1) DESC, id`,
    [ref.trim()],
  );
  const exact = rows.filter((r) => r.fbPageId === ref.trim() || String(r.id) === ref.trim());
  if (exact.length > 0) return exact[0]!;
  if (rows.length === 1) return rows[0]!;
  const known = await db.query<PageRef>(`SELECT id, fb_page_id AS "fbPageId", name FROM pages ORDER BY id LIMIT 20`);
  const list = known.rows.map((p) => `${p.id} ${p.name} (${p.fbPageId})`).join('; ') || 'none yet';
  if (rows.length > 1) throw new Error(`"${ref}" names ${rows.length} pages; use the id or the Messenger page id. Pages: ${list}`);
  throw new Error(`no page "${ref}" (give its id, Messenger page id or name). Pages: ${list}`);
}

/** A page's brand settings (issue 19); null clears one (back to the default). */
export interface PageBrandSettings {
  name?: string;
  handoffChannel?: string | null;
  language?: string | null;
  greeting?: string | null;
  botDisclosure?: string | null;
  businessHours?: string | null;
  hoursTimezone?: string | null;
  outOfHoursText?: string | null;
}

const BRAND_COLUMNS: Record<keyof PageBrandSettings, string> = {
  name: 'name', handoffChannel: 'handoff_channel', language: 'language', greeting: 'greeting', botDisclosure: 'bot_disclosure',
  businessHours: 'business_hours', hoursTimezone: 'hours_timezone', outOfHoursText: 'out_of_hours_text',
};

export async function updatePageBrand(db: pg.Pool | pg.ClientBase, pageId: number, settings: PageBrandSettings): Promise<void> {
  const keys = (Object.keys(settings) as (keyof PageBrandSettings)[]).filter((k) => settings[k] !== undefined);
  if (keys.length === 0) return;
  const sets = keys.map((k, i) => `${BRAND_COLUMNS[k]} = $${i + 2}`).join(', ');
  await db.query(`UPDATE pages SET ${sets}, updated_at = now() WHERE id = $1`, [pageId, ...keys.map((k) => settings[k])]);
}

export interface PageBrand extends PageRef {
  handoffChannel: string | null;
  language: string | null;
  greeting: string | null;
  botDisclosure: string | null;
  businessHours: string | null;
  hoursTimezone: string | null;
  outOfHoursText: string | null;
  products: number;
  faq: number;
  templates: number;
}

/** Every page with its brand settings and how many catalogue, FAQ and template rows are its own. */
export async function listPageBrands(db: pg.Pool | pg.ClientBase): Promise<PageBrand[]> {
  const { rows } = await db.query<PageBrand>(
    `SELECT p.id, p.fb_page_id AS "fbPageId", p.name, p.handoff_channel AS "handoffChannel", p.language, p.greeting,
            p.bot_disclosure AS "botDisclosure", p.business_hours AS "businessHours", p.hours_timezone AS "hoursTimezone", p.out_of_hours_text AS "outOfHoursText",
            (SELECT count(*) FROM products x WHERE x.page_id = p.id)::int AS products,
            (SELECT count(*) FROM faq_entries f WHERE f.page_id = p.id)::int AS faq,
            (SELECT count(*) FROM message_templates t WHERE t.page_id = p.id)::int AS templates
       FROM pages p ORDER BY p.id`,
  );
  return rows;
}
