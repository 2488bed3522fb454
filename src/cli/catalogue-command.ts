import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { UpsertCounts } from '../db/catalogue-repo.js';
import { formatPrice } from '../domain/customer/catalogue.js';
import { parseFaqRecords, parseProductRecords, type CsvRecordIn, type RowError } from '../domain/customer/catalogue-csv.js';
import { withDatabase } from './db-commands.js';

// `pulse catalogue import <file.csv> [--faq] [--page <page>]` and `pulse catalogue list [--faq]
// [--page <page>]`: the product catalogue and FAQ the Messenger customer agent answers from.
// Good rows are upserted in one transaction, bad rows reported by line; importing the same file
// again changes nothing. Without --page the rows are the defaults every page falls back to; with
// it they are that page's own (brand per page, issue 19).

type Out = (line: string) => void;

/** A catalogue is a few thousand rows at most; a bigger file is almost certainly the wrong one. */
const MAX_BYTES = 20 * 1024 * 1024;

export interface CatalogueImportReport {
  kind: 'products' | 'faq';
  rows: number;
  counts: UpsertCounts;
  errors: RowError[];
}

/** Comma unless the header line clearly uses semicolons or tabs (spreadsheet exports in many locales). */
function delimiterOf(text: string): string {
  const head = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const count = (c: string) => head.split(c).length - 1;
  const [best] = [',', ';', '\t'].sort((a, b) => count(b) - count(a));
  return count(best!) > 0 ? best! : ',';
}

async function records(text: string): Promise<CsvRecordIn[]> {
  const { readCsvRecords } = await import('../import/formats/csv-reader.js');
  const out: CsvRecordIn[] = [];
  async function* whole() {
    yield text;
  }
  for await (const batch of readCsvRecords(whole(), delimiterOf(text))) out.push(...batch);
  return out;
}

/** Parses and upserts one CSV file; a file that cannot be read at all throws with the reason. */
export async function importCatalogueFile(db: pg.ClientBase, file: string, kind: 'products' | 'faq', pageId: number | null = null): Promise<CatalogueImportReport> {
  const size = (await stat(file)).size;
  if (size > MAX_BYTES) throw new Error(`${file} is ${size} bytes; a catalogue file may be up to ${MAX_BYTES}`);
  const recs = await records(await readFile(file, 'utf8'));
  const faq = kind === 'faq' ? parseFaqRecords(recs) : undefined;
  const products = kind === 'products' ? parseProductRecords(recs) : undefined;
  const parsed = faq ?? products!;
  if (parsed.fileError) throw new Error(`${file}: ${parsed.fileError}`);
  const { transaction } = await import('../db/pool.js');
  const { upsertFaq, upsertProducts } = await import('../db/catalogue-repo.js');
  const counts = await transaction(db, () =>
    faq ? upsertFaq(db, faq.rows.map(({ line: _line, ...f }) => f), pageId) : upsertProducts(db, products!.rows.map(({ line: _line, ...p }) => p), pageId),
  );
  return { kind, rows: parsed.rows.length + parsed.errors.length, counts, errors: parsed.errors };
}

export function registerCatalogueCommand(program: Command, config: () => Config, out: Out): void {
  const catalogue = program.command('catalogue').description('the product catalogue and FAQ the Messenger customer agent answers from');

  catalogue
    .command('import')
    .description('upsert products (sku,name,price,currency,stock,aliases,url) or, with --faq, FAQ entries (question,answer,keywords) from a CSV file')
    .argument('<file>', 'a CSV file with a header row; aliases and keywords are ;-separated')
    .option('--faq', 'the file holds FAQ entries instead of products')
    .option('--page <page>', "the page (id, Messenger page id or name) whose own rows these are; default: every page's defaults")
    .action((file: string, opts: { faq?: boolean; page?: string }) =>
      withDatabase(config(), async (url) => {
        const { migrate } = await import('../db/migrator.js');
        const { withClient } = await import('../db/pool.js');
        const { findPage } = await import('../db/pages-repo.js');
        await migrate(url);
        const { report, scope } = await withClient(url, async (c) => {
          const page = opts.page === undefined ? undefined : await findPage(c, opts.page);
          return { report: await importCatalogueFile(c, file, opts.faq ? 'faq' : 'products', page?.id ?? null), scope: page ? ` of page ${page.name} (${page.id})` : '' };
        });
        for (const e of report.errors) out(`line ${e.line}: ${e.reason}`);
        const { inserted, updated, unchanged } = report.counts;
        const what = report.kind === 'faq' ? 'FAQ entries' : 'products';
        out(`${what}${scope}: ${inserted} added, ${updated} updated, ${unchanged} unchanged, ${report.errors.length} rejected`);
        // Scripts and CI notice a partly bad file; the good rows are imported all the same.
        if (report.errors.length > 0) throw new Error(`${report.errors.length} row(s) rejected (see the lines above); the others were imported`);
      }),
    );

  catalogue
    .command('list')
    .description('print the catalogue (or, with --faq, the FAQ)')
    .option('--faq', 'list FAQ entries instead of products')
    .option('--page <page>', "only that page's own rows and the defaults (id, Messenger page id or name)")
    .action((opts: { faq?: boolean; page?: string }) =>
      withDatabase(config(), async (url) => {
        const { migrate } = await import('../db/migrator.js');
        const { withClient } = await import('../db/pool.js');
        const { listFaq, listProducts } = await import('../db/catalogue-repo.js');
        const { findPage } = await import('../db/pages-repo.js');
        await migrate(url);
        await withClient(url, async (c) => {
          const pageId = opts.page === undefined ? undefined : (await findPage(c, opts.page)).id;
          const scope = (page: string | null) => `[${page ?? 'default'}]`;
          if (opts.faq) {
            const faq = await listFaq(c, pageId);
            for (const f of faq) out(`${f.active ? ' ' : 'x'} ${scope(f.page)} ${f.question}  [${f.keywords.join('; ')}]`);
            out(`${faq.length} FAQ entr${faq.length === 1 ? 'y' : 'ies'}`);
            return;
          }
          const products = await listProducts(c, pageId);
          for (const p of products) {
            const stock = p.stock === null ? 'stock unknown' : p.stock === 0 ? 'out of stock' : `${p.stock} in stock`;
            out(`${p.active ? ' ' : 'x'} ${scope(p.page)} ${p.sku.padEnd(12)} ${p.name.padEnd(32)} ${formatPrice(p.price, p.currency).padStart(12)}  ${stock}`);
          }
          out(`${products.length} product(s)`);
        });
      }),
    );
}
