import type { CatalogueProduct } from './catalogue.ts';
// Rows of a catalogue or FAQ CSV file → validated records, with every bad row reported by its
// line number and reason (the good rows are still imported). Pure: the CSV reader hands over
// the records; src/cli/catalogue-command.ts reads the file and writes the rows.
//
// products.csv: sku,name,price[,currency][,stock][,aliases][,url]  (aliases ;-separated)
// faq.csv:      question,answer[,keywords]                         (keywords ;-separated)
// Header names are matched case-insensitively, with common alternatives (HEADER_ALIASES).

export type CsvRecordIn = { fields: string[]; line: number } | { error: string; line: number };

export interface RowError {
  line: number;
  reason: string;
}

export interface ProductRowOut extends CatalogueProduct {
  line: number;
}

export interface FaqRowOut {
  line: number;
  question: string;
  answer: string;
  keywords: string[];
}

export interface Parsed<T> {
  rows: T[];
  errors: RowError[];
}

const PRODUCT_COLUMNS = {
  sku: ['sku', 'id', 'product_id', 'code', 'item_code', 'article'],
  name: ['name', 'product', 'product_name', 'title'],
  price: ['price', 'unit_price', 'amount'],
  currency: ['currency', 'curr', 'ccy', 'currency_code'],
  stock: ['stock', 'qty', 'quantity', 'inventory', 'in_stock', 'stock_level'],
  aliases: ['aliases', 'alias', 'synonyms', 'other_names', 'also_known_as'],
  url: ['url', 'link', 'product_url', 'page'],
} as const;

const FAQ_COLUMNS = {
  question: ['question', 'q', 'title'],
  answer: ['answer', 'a', 'response', 'reply'],
  keywords: ['keywords', 'keyword', 'tags', 'terms'],
} as const;

/** A currency this shop has no price in when the file has no currency column. */
export const DEFAULT_CURRENCY = 'EUR';

const headerKey = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

function resolveHeader<K extends string>(
  header: string[],
  columns: Readonly<Record<K, readonly string[]>>,
  required: readonly K[],
): { index: Partial<Record<K, number>> } | { error: string } {
  const index: Partial<Record<K, number>> = {};
  header.forEach((h, i) => {
    const key = headerKey(h);
    for (const [col, names] of Object.entries(columns) as [K, readonly string[]][]) {
      if (names.includes(key) && index[col] === undefined) index[col] = i;
    }
  });
  const missing = required.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    return { error: `the header has no ${missing.join(', ')} column (found: ${header.map((h) => h.trim()).join(', ') || 'nothing'})` };
  }
  return { index };
}

const list = (cell: string | undefined): string[] =>
  [...new Set((cell ?? '').split(';').map((s) => s.trim()).filter(Boolean))];

/** "49.90", "49,90", "€49.90", "1 149.00" → "49.90" / "1149.00"; undefined when it is not a price. */
export function parsePrice(cell: string): string | undefined {
  const s = cell.trim().replace(/^[€$£]\s*|\s*[€$£]$/g, '').replace(/[\s\u00a0]/g, '');
  const m = /^(\d{1,10})(?:[.,](\d{1,2}))?$/.exec(s);
  if (!m) return undefined;
  return `${String(Number(m[1]))}.${(m[2] ?? '').padEnd(2, '0')}`;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function dataRecords(records: readonly CsvRecordIn[], errors: RowError[]): { header: string[] | undefined; data: { fields: string[]; line: number }[] } {
  let header: string[] | undefined;
  const data: { fields: string[]; line: number }[] = [];
  for (const r of records) {
    if ('error' in r) {
      errors.push({ line: r.line, reason: r.error });
      continue;
    }
    if (r.fields.every((f) => f.trim() === '')) continue; // blank line
    if (!header) header = r.fields;
    else data.push(r);
  }
  return { header, data };
}

export function parseProductRecords(records: readonly CsvRecordIn[]): Parsed<ProductRowOut> & { fileError?: string } {
  const errors: RowError[] = [];
  const { header, data } = dataRecords(records, errors);
  if (!header) return { rows: [], errors, fileError: 'the file is empty' };
  const resolved = resolveHeader<keyof typeof PRODUCT_COLUMNS>(header, PRODUCT_COLUMNS, ['sku', 'name', 'price']);
  if ('error' in resolved) return { rows: [], errors, fileError: resolved.error };
  const col = resolved.index;
  const cell = (f: string[], c: keyof typeof PRODUCT_COLUMNS) => (col[c] === undefined ? undefined : (f[col[c]] ?? '').trim());
  const rows: ProductRowOut[] = [];
  const seen = new Map<string, number>();
  for (const { fields: f, line } of data) {
    const bad = (reason: string) => void errors.push({ line, reason });
    if (f.length !== header.length) {
      bad(`expected ${header.length} fields like the header, found ${f.length}`);
      continue;
    }
    const sku = cell(f, 'sku')!;
    const name = cell(f, 'name')!;
    const priceCell = cell(f, 'price')!;
    const price = parsePrice(priceCell);
    const currencyCell = cell(f, 'currency');
    const currency = currencyCell === undefined ? DEFAULT_CURRENCY : currencyCell.toUpperCase();
    const stockCell = cell(f, 'stock') ?? '';
    const url = cell(f, 'url') ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/.test(sku)) bad(sku === '' ? 'sku is empty' : `sku "${sku}" may only hold letters, digits and . _ - / (up to 64)`);
    else if (name === '') bad('name is empty');
    else if (price === undefined) bad(priceCell === '' ? 'price is empty' : `price "${priceCell}" is not an amount like 49.90`);
    else if (!/^[A-Z]{3}$/.test(currency)) bad(currency === '' ? 'currency is empty' : `currency "${currencyCell}" is not a 3-letter code like EUR`);
    else if (stockCell !== '' && !/^\d{1,9}$/.test(stockCell)) bad(`stock "${stockCell}" is not a whole number ≥ 0 (leave it empty when unknown)`);
    else if (url !== '' && !isHttpUrl(url)) bad(`url "${url}" is not an http(s) URL`);
    else if (seen.has(sku)) bad(`sku "${sku}" already appears on line ${seen.get(sku)}`);
    else {
      seen.set(sku, line);
      rows.push({ line, sku, name, aliases: list(cell(f, 'aliases')), price, currency, stock: stockCell === '' ? null : Number(stockCell), url: url || null });
    }
  }
  return { rows, errors: errors.sort((a, b) => a.line - b.line) };
}

export function parseFaqRecords(records: readonly CsvRecordIn[]): Parsed<FaqRowOut> & { fileError?: string } {
  const errors: RowError[] = [];
  const { header, data } = dataRecords(records, errors);
  if (!header) return { rows: [], errors, fileError: 'the file is empty' };
  const resolved = resolveHeader<keyof typeof FAQ_COLUMNS>(header, FAQ_COLUMNS, ['question', 'answer']);
  if ('error' in resolved) return { rows: [], errors, fileError: resolved.error };
  const col = resolved.index;
  const rows: FaqRowOut[] = [];
  const seen = new Map<string, number>();
  for (const { fields: f, line } of data) {
    const bad = (reason: string) => void errors.push({ line, reason });
    if (f.length !== header.length) {
      bad(`expected ${header.length} fields like the header, found ${f.length}`);
      continue;
    }
    const question = (f[col.question!] ?? '').trim();
    const answer = (f[col.answer!] ?? '').trim();
    const keywords = col.keywords === undefined ? [] : list(f[col.keywords]).map((k) => k.toLowerCase());
    if (question === '') bad('question is empty');
    else if (answer === '') bad('answer is empty');
    else if (answer.length > 1900) bad(`answer is ${answer.length} characters; Messenger messages hold up to 2000`);
    else if (seen.has(question)) bad(`the same question already appears on line ${seen.get(question)}`);
    else {
      seen.set(question, line);
      rows.push({ line, question, answer, keywords });
    }
  }
  return { rows, errors: errors.sort((a, b) => a.line - b.line) };
}
