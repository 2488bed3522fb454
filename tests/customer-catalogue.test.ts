import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalogueFile } from '../src/cli/catalogue-command.ts';
import { formatPrice, indexProducts, matchFaq, matchProducts, type CatalogueProduct, type FaqItem } from '../src/domain/customer/catalogue.ts';
import { parsePrice } from '../src/domain/customer/catalogue-csv.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The catalogue and FAQ: matching customer text to products and answers (pure), the CSV
// import with its per-line errors, and that importing the same file again changes nothing.

const root = path.resolve(import.meta.dirname, '..');
const fixture = (name: string) => path.join(root, 'tests/fixtures/catalogue', name);

const product = (sku: string, name: string, aliases: string[] = [], price = '10.00'): CatalogueProduct => ({
  sku, name, aliases, price, currency: 'EUR', stock: 1, url: null,
});
const CATALOGUE = [
  product('STR-001', 'Trailrunner GTX', ['trail runner']),
  product('VOL-005', 'VX-65 4K TV', ['vx65']),
  product('OAK-002', 'Harbor Oak Dining Table'),
  product('OAK-006', 'Willow Coffee Table'),
  product('VOL-002', 'Nimbus 14 Laptop'),
];

describe('matchProducts', () => {
  it.each([
    ['How much is the Trailrunner GTX?', 'STR-001'],
    ['price of the trail runner pls', 'STR-001'],
    ['do you have STR-001', 'STR-001'],
    ['is the VX-65 4K TV in stock', 'VOL-005'],
    ['vx65 price?', 'VOL-005'],
    ['the nimbus laptop, how much', 'VOL-002'],
    ['how much is the willow?', 'OAK-006'],
    ['HARBOR oak dining table price', 'OAK-002'],
  ])('%s → %s', (text, sku) => {
    expect(matchProducts(text, CATALOGUE)[0]?.product.sku).toBe(sku);
  });

  it('a prepared index of a large catalogue finds the same products as the plain list', () => {
    const big = [...CATALOGUE, ...Array.from({ length: 3000 }, (_, i) => product(`GEN-${i}`, `Generic Widget ${i} Mk${i % 7}`, [`gw${i}`]))];
    const index = indexProducts(big);
    for (const text of ['How much is the Trailrunner GTX?', 'gw2999 in stock?', 'price of generic widget 1234 mk2', 'how much is the willow?']) {
      expect(matchProducts(text, index)).toEqual(matchProducts(text, big));
    }
    expect(matchProducts('gw2999 in stock?', index)[0]?.product.sku).toBe('GEN-2999');
    expect(matchProducts('price of generic widget 1234 mk2', index)[0]?.product.sku).toBe('GEN-1234');
  });

  it('a word several names share ("table") names none of them; unknown names match nothing', () => {
    expect(matchProducts('how much is a table?', CATALOGUE)).toEqual([]);
    expect(matchProducts('How much is the Zephyr Hoverboard?', CATALOGUE)).toEqual([]);
    expect(matchProducts('', CATALOGUE)).toEqual([]);
  });
});

describe('matchFaq', () => {
  const FAQ: FaqItem[] = [
    { id: 1, question: 'How long does shipping take?', answer: 'A', keywords: ['how long', 'shipping time'] },
    { id: 2, question: 'Do you ship internationally?', answer: 'B', keywords: ['international', 'abroad'] },
    { id: 3, question: 'What is your return policy?', answer: 'C', keywords: ['return', 'refund'] },
  ];
  it.each([
    ['how long until it ships?', 1],
    ['do you ship abroad', 2],
    ['Can I get a refund?', 3],
    ['I want to return these shoes', 3],
    ['international shipping?', 2],
  ])('%s → entry %i', (text, id) => {
    expect(matchFaq(text, FAQ)?.entry.id).toBe(id);
  });
  it('no keyword and few shared words: no answer', () => {
    expect(matchFaq('what colour is the sky', FAQ)).toBeUndefined();
  });
});

describe('prices', () => {
  it('are written with the symbol for EUR, USD and GBP, else with the code, digits untouched', () => {
    expect(formatPrice('49.90', 'EUR')).toBe('€49.90');
    expect(formatPrice('129.00', 'usd')).toBe('$129.00');
    expect(formatPrice('15.00', 'GBP')).toBe('£15.00');
    expect(formatPrice('1149.00', 'CHF')).toBe('1149.00 CHF');
  });
  it.each([
    ['49.90', '49.90'], ['49,9', '49.90'], ['€24', '24.00'], ['1 149.00', '1149.00'], ['007.5', '7.50'],
    ['forty', undefined], ['-2', undefined], ['1.999', undefined], ['', undefined],
  ])('parsePrice(%j) = %j', (cell, want) => {
    expect(parsePrice(cell)).toBe(want);
  });
});

describe('CSV import', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('catalogue');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const withConn = async <T>(fn: (c: import('pg').PoolClient) => Promise<T>): Promise<T> => {
    const c = await db.pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };

  it('products: good rows upserted, bad rows reported by line and reason', async () => {
    const report = await withConn((c) => importCatalogueFile(c, fixture('products.csv'), 'products'));
    expect(report.errors).toEqual([
      { line: 5, reason: 'price "forty" is not an amount like 49.90' },
      { line: 6, reason: 'sku is empty' },
      { line: 7, reason: 'stock "-2" is not a whole number ≥ 0 (leave it empty when unknown)' },
      { line: 8, reason: 'url "ftp://files.example/x" is not an http(s) URL' },
      { line: 9, reason: 'sku "ACM-100" already appears on line 2' },
      { line: 10, reason: 'expected 7 fields like the header, found 3' },
      { line: 12, reason: 'currency "dollars" is not a 3-letter code like EUR' },
    ]);
    expect(report.counts).toEqual({ inserted: 4, updated: 0, unchanged: 0 });
    const { rows } = await db.pool.query(`SELECT sku, name, aliases, price::text AS price, currency, stock, url FROM products ORDER BY sku`);
    expect(rows).toEqual([
      { sku: 'ACM-100', name: 'Acme Trail Jacket', aliases: ['trail jacket', 'acme jacket'], price: '149.90', currency: 'EUR', stock: 12, url: 'https://shop.example/p/acm-100' },
      { sku: 'ACM-101', name: 'Acme Rain Poncho', aliases: ['poncho'], price: '39.50', currency: 'EUR', stock: 0, url: null },
      { sku: 'ACM-102', name: 'Acme Thermo Flask', aliases: ['flask', 'thermos'], price: '24.00', currency: 'EUR', stock: null, url: 'https://shop.example/p/acm-102' },
      { sku: 'ACM-107', name: 'Acme Headlamp', aliases: ['headlamp', 'head torch'], price: '19.99', currency: 'USD', stock: 40, url: 'https://shop.example/p/acm-107' },
    ]);
  });

  it('importing the same file again adds and changes nothing', async () => {
    const before = await db.pool.query(`SELECT id, updated_at FROM products ORDER BY id`);
    const report = await withConn((c) => importCatalogueFile(c, fixture('products.csv'), 'products'));
    expect(report.counts).toEqual({ inserted: 0, updated: 0, unchanged: 4 });
    const after = await db.pool.query(`SELECT id, updated_at FROM products ORDER BY id`);
    expect(after.rows).toEqual(before.rows);
  });

  it('FAQ: good rows upserted once, bad rows reported', async () => {
    const first = await withConn((c) => importCatalogueFile(c, fixture('faq.csv'), 'faq'));
    expect(first.errors).toEqual([
      { line: 4, reason: 'question is empty' },
      { line: 5, reason: 'answer is empty' },
      { line: 6, reason: 'the same question already appears on line 2' },
    ]);
    expect(first.counts).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const again = await withConn((c) => importCatalogueFile(c, fixture('faq.csv'), 'faq'));
    expect(again.counts).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    const { rows } = await db.pool.query(`SELECT question, answer, keywords FROM faq_entries ORDER BY id`);
    expect(rows).toEqual([
      { question: 'How long does delivery take?', answer: 'Delivery takes 2-4 business days.', keywords: ['delivery', 'how long', 'arrive'] },
      { question: 'Can I return a jacket?', answer: 'Yes, within 30 days, unworn and with its tags.', keywords: ['return', 'refund'] },
    ]);
  });

  it('a file without the required columns is refused as a whole', async () => {
    await expect(withConn((c) => importCatalogueFile(c, fixture('faq.csv'), 'products'))).rejects.toThrow(/no sku, name, price column/);
  });

  it('the demo seed is idempotent too', async () => {
    const first = await seedCatalogue(db.pool);
    expect(first.products.inserted).toBeGreaterThanOrEqual(15);
    expect(first.faq.inserted).toBeGreaterThanOrEqual(10);
    expect(first.templates).toBeGreaterThan(10);
    const second = await seedCatalogue(db.pool);
    expect(second).toEqual({
      products: { inserted: 0, updated: 0, unchanged: first.products.inserted },
      faq: { inserted: 0, updated: 0, unchanged: first.faq.inserted },
      templates: 0,
    });
  });

  it('`pulse catalogue import` prints the bad lines, imports the rest and exits non-zero; `list` shows the prices', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: '/tmp', DATABASE_URL: db.url };
    const run = (args: string[]) => {
      const proc = spawn(process.execPath, ['bin/pulse.js', ...args], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
    };
    await db.pool.query(`UPDATE products SET price = 139.00 WHERE sku = 'ACM-100'`);
    const res = await run(['catalogue', 'import', fixture('products.csv')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('line 5: price "forty" is not an amount like 49.90');
    expect(res.stdout).toContain('products: 0 added, 1 updated, 3 unchanged, 7 rejected');
    expect(res.stderr).toMatch(/7 row\(s\) rejected/);
    const list = await run(['catalogue', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ACM-100\s+Acme Trail Jacket\s+€149\.90\s+12 in stock/);
    expect(list.stdout).toMatch(/ACM-102\s+Acme Thermo Flask\s+€24\.00\s+stock unknown/);
  });

  it('`pulse catalogue import --page` imports a page\'s own rows beside the defaults; `pulse page set/list` keep its brand (issue 19)', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: '/tmp', DATABASE_URL: db.url };
    const run = (args: string[]) => {
      const proc = spawn(process.execPath, ['bin/pulse.js', ...args], { cwd: root, env });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
    };
    const { rows: [page] } = await db.pool.query<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('7090000000001', 'Trail Outfitters', now()) RETURNING id`);
    const defaults = async () => (await db.pool.query(`SELECT sku, price::text AS price FROM products WHERE page_id IS NULL ORDER BY sku`)).rows;
    const before = await defaults();

    const res = await run(['catalogue', 'import', fixture('products.csv'), '--page', 'trail outfitters']);
    expect(res.stdout).toContain(`products of page Trail Outfitters (${page!.id}): 4 added, 0 updated, 0 unchanged, 7 rejected`);
    expect(await defaults()).toEqual(before);
    const own = await db.pool.query(`SELECT sku FROM products WHERE page_id = $1 ORDER BY sku`, [page!.id]);
    expect(own.rows.map((r: { sku: string }) => r.sku)).toEqual(['ACM-100', 'ACM-101', 'ACM-102', 'ACM-107']);

    const set = await run(['page', 'set', '7090000000001', '--handoff-channel', 'C0TRAIL', '--language', 'German', '--greeting', 'Servus {{first_name}}!']);
    expect(set.code, set.stderr).toBe(0);
    const list = await run(['page', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/Trail Outfitters \(7090000000001\)\n\s+handoff channel: C0TRAIL; language: German; own rows: 4 product\(s\), 0 FAQ, 0 template\(s\)\n\s+greeting: Servus \{\{first_name\}\}!/);

    const bad = await run(['catalogue', 'import', fixture('products.csv'), '--page', 'No Such Shop']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no page "No Such Shop".*Trail Outfitters \(7090000000001\)/);
    expect(await defaults()).toEqual(before);
  });
});
