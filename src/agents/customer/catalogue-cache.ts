import type pg from 'pg';
import { activeFaq, activeProducts, catalogueVersion } from '../../db/catalogue-repo.ts';
import { indexProducts, type CatalogueProduct, type FaqItem, type ProductIndex } from '../../domain/customer/catalogue.ts';

// The catalogue and FAQ as the agent reads them: loaded and indexed once per version (see
// catalogueVersion), so each customer turn costs one cheap query however big the catalogue is,
// and an import or an edit is seen on the very next turn.

export interface Catalogue {
  products: readonly CatalogueProduct[];
  index: ProductIndex;
  faq: readonly FaqItem[];
}

export function catalogueCache(pool: pg.Pool): () => Promise<Catalogue> {
  let current: { version: string; catalogue: Catalogue } | undefined;
  let loading: { version: string; promise: Promise<Catalogue> } | undefined;
  return async () => {
    const version = await catalogueVersion(pool);
    if (current?.version === version) return current.catalogue;
    // turns arriving together while a new version loads share the one load
    if (loading?.version !== version) {
      const promise = Promise.all([activeProducts(pool), activeFaq(pool)]).then(([products, faq]) => {
        const catalogue = { products, index: indexProducts(products), faq };
        current = { version, catalogue };
        return catalogue;
      });
      promise.catch(() => {}).finally(() => {
        if (loading?.promise === promise) loading = undefined;
      });
      loading = { version, promise };
    }
    return loading.promise;
  };
}
