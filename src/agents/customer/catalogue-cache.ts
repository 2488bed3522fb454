import type pg from 'pg';
import { activeFaq, activeProducts, catalogueVersion } from '../../db/catalogue-repo.ts';
import { sharedRead } from '../../db/coalesce.ts';
import { indexProducts, type CatalogueProduct, type FaqItem, type ProductIndex } from '../../domain/customer/catalogue.ts';

// The catalogue and FAQ as the agent reads them, per page (brand per page, issue 19): a page's
// own rows and the defaults, loaded and indexed once per page and catalogue version (see
// catalogueVersion), so each customer turn costs at most one cheap query (shared by the turns
// of a page that start while it waits) however big the catalogue is
// and however many pages there are, and an import or an edit is seen on the very next turn.
// The same query reads the page's brand settings, so a page's scope costs no query of its own.

export interface Catalogue {
  products: readonly CatalogueProduct[];
  index: ProductIndex;
  faq: readonly FaqItem[];
}

/** The page a turn is on, as the agent scopes it. */
export interface PageScope {
  /** pages.id; null when the page is not stored (yet): the defaults alone */
  pageId: number | null;
  language: string | null;
  greeting: string | null;
  /** business hours as written (pages.business_hours), their timezone and out-of-hours text; NULL = none set */
  hours?: { hours: string | null; timeZone: string | null; text: string | null };
}

export interface ScopedCatalogue extends Catalogue {
  page: PageScope;
}

/** The catalogue version and the page's brand, in one round trip. */
async function versionAndPage(pool: pg.Pool, fbPageId: string | undefined): Promise<{ version: string; page: PageScope }> {
  if (fbPageId === undefined) return { version: await catalogueVersion(pool), page: { pageId: null, language: null, greeting: null } };
  const { rows } = await pool.query<{ v: string; id: number | null; language: string | null; greeting: string | null; hours: string | null; tz: string | null; ooh: string | null }>({
    name: 'customer-agent-scope',
    text: `SELECT (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM products) || '/' ||
                  (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM faq_entries) AS v,
                  p.id, p.language, p.greeting, p.business_hours AS hours, p.hours_timezone AS tz, p.out_of_hours_text AS ooh
             FROM (SELECT 1) one LEFT JOIN pages p ON p.fb_page_id = $1`,
    values: [fbPageId],
  });
  const r = rows[0]!;
  return { version: r.v, page: { pageId: r.id, language: r.language, greeting: r.greeting, hours: { hours: r.hours, timeZone: r.tz, text: r.ooh } } };
}

export function catalogueCache(pool: pg.Pool): (fbPageId?: string) => Promise<ScopedCatalogue> {
  // turns of one page answered together share the version check (each still sees a check made after it began)
  const check = sharedRead((key) => versionAndPage(pool, key === '' ? undefined : key.slice(2)));
  // per page (pages.id, or 'defaults'): the loaded catalogue and the load in flight
  const current = new Map<number | 'defaults', { version: string; catalogue: Catalogue }>();
  const loading = new Map<number | 'defaults', { version: string; promise: Promise<Catalogue> }>();
  return async (fbPageId) => {
    const { version, page } = await check(fbPageId === undefined ? '' : `p:${fbPageId}`);
    const key = page.pageId ?? 'defaults';
    const have = current.get(key);
    if (have?.version === version) return { ...have.catalogue, page };
    // turns of one page arriving together while a new version loads share the one load
    let load = loading.get(key);
    if (load?.version !== version) {
      const promise = Promise.all([activeProducts(pool, page.pageId), activeFaq(pool, page.pageId)]).then(([products, faq]) => {
        const catalogue = { products, index: indexProducts(products), faq };
        current.set(key, { version, catalogue });
        return catalogue;
      });
      load = { version, promise };
      const mine = load;
      promise.catch(() => {}).finally(() => {
        if (loading.get(key) === mine) loading.delete(key);
      });
      loading.set(key, load);
    }
    return { ...(await load.promise), page };
  };
}
