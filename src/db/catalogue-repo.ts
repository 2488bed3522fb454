import type pg from 'pg';
import type { CatalogueProduct, FaqItem } from '../domain/customer/catalogue.ts';

// The product catalogue and the FAQ the customer agent answers from (tables products and
// faq_entries). Only active rows reach the agent. Imports upsert by natural key (sku,
// question) and touch a row only when something in it changed, so a re-import of the same file
// reports every row as unchanged and writes nothing.
//
// Brand per page (issue 19): a row belongs to a page (page_id) or is a default every page falls
// back to (page_id NULL). A page sees its own rows and the defaults it has no row of the same key
// for; its own inactive row hides the default too (the brand does not sell it). Never another
// page's rows. `pageId` here is pages.id; null reads or writes the defaults.

type Db = pg.Pool | pg.ClientBase;

/** A product to upsert: the catalogue's own shape (price as decimal text, e.g. "49.90"). */
export type ProductInput = CatalogueProduct;

export interface FaqInput {
  question: string;
  answer: string;
  keywords: string[];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

interface ProductRow {
  sku: string;
  name: string;
  aliases: string[];
  price: string;
  currency: string;
  stock: number | null;
  url: string | null;
}

/**
 * Changes whenever a product or FAQ row is inserted, updated or deleted, however it was written
 * (import, SQL, admin tool): row count plus the newest row version's transaction id (xmin), per
 * table. Reading it costs one scan of two small tables instead of loading and indexing them.
 */
export async function catalogueVersion(db: Db): Promise<string> {
  const { rows } = await db.query<{ v: string }>(
    `SELECT (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM products) || '/' ||
            (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM faq_entries) AS v`,
  );
  return rows[0]!.v;
}

/** The products a page quotes: its own, then the defaults it does not override (pageId null: the defaults alone). */
export async function activeProducts(db: Db, pageId: number | null = null): Promise<CatalogueProduct[]> {
  const { rows } = await db.query<ProductRow>(
    `SELECT sku, name, aliases, price, currency, stock, url FROM (
       SELECT DISTINCT ON (sku) sku, name, aliases, price::text AS price, currency, stock, url, active
         FROM products WHERE page_id = $1 OR page_id IS NULL ORDER BY sku, page_id NULLS LAST) p
      WHERE active ORDER BY name`,
    [pageId],
  );
  return rows;
}

/** The FAQ a page answers from: its own entries, then the defaults it does not override. */
export async function activeFaq(db: Db, pageId: number | null = null): Promise<FaqItem[]> {
  const { rows } = await db.query<FaqItem>(
    `SELECT id, question, answer, keywords FROM (
       SELECT DISTINCT ON (question) id, question, answer, keywords, active, page_id
         FROM faq_entries WHERE page_id = $1 OR page_id IS NULL ORDER BY question, page_id NULLS LAST) f
      WHERE active ORDER BY page_id NULLS LAST, id`,
    [pageId],
  );
  return rows;
}

export interface ProductListing extends CatalogueProduct {
  active: boolean;
  /** the page's name, or null for a default */
  page: string | null;
}

/** Every row (all pages and the defaults), or, with `pageId`, that page's own rows and the defaults. */
export async function listProducts(db: Db, pageId?: number): Promise<ProductListing[]> {
  const { rows } = await db.query<ProductListing>(
    `SELECT x.sku, x.name, x.aliases, x.price::text AS price, x.currency, x.stock, x.url, x.active, p.name AS page
       FROM products x LEFT JOIN pages p ON p.id = x.page_id
      WHERE $1::int IS NULL OR x.page_id = $1 OR x.page_id IS NULL
      ORDER BY p.name NULLS FIRST, x.name`,
    [pageId ?? null],
  );
  return rows;
}

export async function listFaq(db: Db, pageId?: number): Promise<(FaqItem & { active: boolean; page: string | null })[]> {
  const { rows } = await db.query<FaqItem & { active: boolean; page: string | null }>(
    `SELECT f.id, f.question, f.answer, f.keywords, f.active, p.name AS page
       FROM faq_entries f LEFT JOIN pages p ON p.id = f.page_id
      WHERE $1::int IS NULL OR f.page_id = $1 OR f.page_id IS NULL
      ORDER BY p.name NULLS FIRST, f.id`,
    [pageId ?? null],
  );
  return rows;
}

/** How an upsert went, read from xmax: 0 on a fresh insert, the updating transaction otherwise. */
function count(rows: { inserted: boolean }[], total: number): UpsertCounts {
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: total - rows.length };
}

/** The conflict target of a scope: each is one of the partial unique indexes of the migration. */
const conflictOn = (key: string, pageId: number | null) => (pageId === null ? `(${key}) WHERE page_id IS NULL` : `(page_id, ${key}) WHERE page_id IS NOT NULL`);

/**
 * Inserts new SKUs, updates changed ones (and re-activates them), leaves identical rows alone,
 * all in one scope: a page's rows (`pageId`) or the defaults (null).
 */
export async function upsertProducts(db: Db, products: readonly ProductInput[], pageId: number | null = null): Promise<UpsertCounts> {
  if (products.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO products (page_id, sku, name, aliases, price, currency, stock, url)
     SELECT $2::int, x.* FROM jsonb_to_recordset($1::jsonb)
       AS x(sku text, name text, aliases text[], price numeric, currency text, stock int, url text)
     ON CONFLICT ${conflictOn('sku', pageId)} DO UPDATE SET
       name = EXCLUDED.name, aliases = EXCLUDED.aliases, price = EXCLUDED.price, currency = EXCLUDED.currency,
       stock = EXCLUDED.stock, url = EXCLUDED.url, active = true, updated_at = now()
     WHERE (products.name, products.aliases, products.price, products.currency, products.stock, products.url, products.active)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.aliases, EXCLUDED.price, EXCLUDED.currency, EXCLUDED.stock, EXCLUDED.url, true)
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(products), pageId],
  );
  return count(rows, products.length);
}

/** Same as upsertProducts, keyed by the question text. */
export async function upsertFaq(db: Db, entries: readonly FaqInput[], pageId: number | null = null): Promise<UpsertCounts> {
  if (entries.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO faq_entries (page_id, question, answer, keywords)
     SELECT $2::int, x.* FROM jsonb_to_recordset($1::jsonb) AS x(question text, answer text, keywords text[])
     ON CONFLICT ${conflictOn('question', pageId)} DO UPDATE SET
       answer = EXCLUDED.answer, keywords = EXCLUDED.keywords, active = true, updated_at = now()
     WHERE (faq_entries.answer, faq_entries.keywords, faq_entries.active) IS DISTINCT FROM (EXCLUDED.answer, EXCLUDED.keywords, true)
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(entries), pageId],
  );
  return count(rows, entries.length);
}
