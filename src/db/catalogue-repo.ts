import type pg from 'pg';
import type { CatalogueProduct, FaqItem } from '../domain/customer/catalogue.ts';

// The product catalogue and the FAQ the customer agent answers from (tables products and
// faq_entries). Only active rows reach the agent. Imports upsert by natural key (sku,
// question) and touch a row only when something in it changed, so a re-import of the same file
// reports every row as unchanged and writes nothing.

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

export async function activeProducts(db: Db): Promise<CatalogueProduct[]> {
  const { rows } = await db.query<ProductRow>(
    `SELECT sku, name, aliases, price::text AS price, currency, stock, url FROM products WHERE active ORDER BY name`,
  );
  return rows;
}

export async function activeFaq(db: Db): Promise<FaqItem[]> {
  const { rows } = await db.query<FaqItem>(`SELECT id, question, answer, keywords FROM faq_entries WHERE active ORDER BY id`);
  return rows;
}

export interface ProductListing extends CatalogueProduct {
  active: boolean;
}

export async function listProducts(db: Db): Promise<ProductListing[]> {
  const { rows } = await db.query<ProductListing>(
    `SELECT sku, name, aliases, price::text AS price, currency, stock, url, active FROM products ORDER BY name`,
  );
  return rows;
}

export async function listFaq(db: Db): Promise<(FaqItem & { active: boolean })[]> {
  const { rows } = await db.query<FaqItem & { active: boolean }>(`SELECT id, question, answer, keywords, active FROM faq_entries ORDER BY id`);
  return rows;
}

/** How an upsert went, read from xmax: 0 on a fresh insert, the updating transaction otherwise. */
function count(rows: { inserted: boolean }[], total: number): UpsertCounts {
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: total - rows.length };
}

/** Inserts new SKUs, updates changed ones (and re-activates them), leaves identical rows alone. */
export async function upsertProducts(db: Db, products: readonly ProductInput[]): Promise<UpsertCounts> {
  if (products.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO products (sku, name, aliases, price, currency, stock, url)
     SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS x(sku text, name text, aliases text[], price numeric, currency text, stock int, url text)
     ON CONFLICT (sku) DO UPDATE SET
       name = EXCLUDED.name, aliases = EXCLUDED.aliases, price = EXCLUDED.price, currency = EXCLUDED.currency,
       stock = EXCLUDED.stock, url = EXCLUDED.url, active = true, updated_at = now()
     WHERE (products.name, products.aliases, products.price, products.currency, products.stock, products.url, products.active)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.aliases, EXCLUDED.price, EXCLUDED.currency, EXCLUDED.stock, EXCLUDED.url, true)
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(products)],
  );
  return count(rows, products.length);
}

/** Same as upsertProducts, keyed by the question text. */
export async function upsertFaq(db: Db, entries: readonly FaqInput[]): Promise<UpsertCounts> {
  if (entries.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO faq_entries (question, answer, keywords)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(question text, answer text, keywords text[])
     ON CONFLICT (question) DO UPDATE SET
       answer = EXCLUDED.answer, keywords = EXCLUDED.keywords, active = true, updated_at = now()
     WHERE (faq_entries.answer, faq_entries.keywords, faq_entries.active) IS DISTINCT FROM (EXCLUDED.answer, EXCLUDED.keywords, true)
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(entries)],
  );
  return count(rows, entries.length);
}
