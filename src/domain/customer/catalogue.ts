import { STOPWORDS, normalize, stem, tokens } from './text.ts';

// Finding the products and FAQ entries a customer message is about. Pure: the catalogue comes
// in as data (src/db/catalogue-repo.ts reads it), so the same matcher serves the template
// answers, the LLM's product_lookup tool and the tests.

export interface CatalogueProduct {
  sku: string;
  name: string;
  aliases: string[];
  /** exactly as stored (numeric(12,2) as text, e.g. "49.90"): never a float, so never rounded */
  price: string;
  currency: string;
  /** null = unknown, 0 = out of stock */
  stock: number | null;
  url: string | null;
}

export interface FaqItem {
  id: number;
  question: string;
  answer: string;
  keywords: string[];
}

export interface ProductMatch {
  product: CatalogueProduct;
  /** 3 per full name, alias or SKU found in the text; 1 per distinctive name word */
  score: number;
  /** where in the (normalised) text it is first named: lists follow the customer's order */
  at: number;
}

const SYMBOLS: Readonly<Record<string, string>> = { EUR: '€', USD: '$', GBP: '£' };

/**
 * The one way a price is written to customers: "€49.90", "$129.00", "£15.00" for the currencies
 * with a common symbol, "49.90 CHF" otherwise. The digits are the stored decimal's, untouched.
 */
export function formatPrice(price: string, currency: string): string {
  const code = currency.toUpperCase();
  const symbol = SYMBOLS[code];
  return symbol ? `${symbol}${price}` : `${price} ${code}`;
}

/** Where `phrase` occurs in `text` as whole words (both already normalised), or -1. */
const phraseAt = (text: string, phrase: string): number => (phrase === '' ? -1 : ` ${text} `.indexOf(` ${phrase} `));
const containsPhrase = (text: string, phrase: string): boolean => phraseAt(text, phrase) >= 0;

/**
 * Words of product names that name exactly one product ("nimbus", "loafer"): a customer who
 * writes only that word means that product. Words shared by several names ("table") or too
 * common ("kids", numbers) identify nothing on their own.
 */
function distinctiveWords(products: readonly CatalogueProduct[]): Map<string, CatalogueProduct> {
  const owners = new Map<string, Set<string>>();
  for (const p of products) {
    for (const w of new Set(tokens(p.name).map(stem))) {
      if (w.length < 4 || STOPWORDS.has(w) || /^\d+$/.test(w)) continue;
      const set = owners.get(w) ?? new Set<string>();
      set.add(p.sku);
      owners.set(w, set);
    }
  }
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const out = new Map<string, CatalogueProduct>();
  for (const [w, skus] of owners) if (skus.size === 1) out.set(w, bySku.get([...skus][0]!)!);
  return out;
}

/** Products the text names, best first; empty when it names none. */
export function matchProducts(text: string, products: readonly CatalogueProduct[]): ProductMatch[] {
  const n = normalize(text);
  if (n === '') return [];
  const words = n.split(' ').map(stem);
  const found = new Map<string, { score: number; at: number }>();
  const add = (sku: string, score: number, at: number) => {
    const f = found.get(sku);
    found.set(sku, f ? { score: f.score + score, at: Math.min(f.at, at) } : { score, at });
  };
  for (const p of products) {
    const at = [p.name, ...p.aliases, p.sku].map((ph) => phraseAt(n, normalize(ph))).filter((i) => i >= 0);
    if (at.length > 0) add(p.sku, 3, Math.min(...at));
  }
  for (const [w, p] of distinctiveWords(products)) {
    const i = words.indexOf(w);
    if (i >= 0) add(p.sku, 1, words.slice(0, i).join(' ').length);
  }
  const bySku = new Map(products.map((p) => [p.sku, p]));
  return [...found]
    .map(([sku, f]) => ({ product: bySku.get(sku)!, ...f }))
    .sort((a, b) => b.score - a.score || a.at - b.at);
}

/**
 * The FAQ entry answering the text, or undefined. An entry scores 2 per keyword (a phrase,
 * matched on whole words after stemming) found in the text and 1 per other meaningful word its
 * question shares with the text; it needs at least one keyword, or three shared question words,
 * so a lone common word never picks an answer.
 */
export function matchFaq(text: string, entries: readonly FaqItem[]): { entry: FaqItem; score: number } | undefined {
  const stemmed = tokens(text).map(stem);
  if (stemmed.length === 0) return undefined;
  const joined = stemmed.join(' ');
  const words = new Set(stemmed.filter((w) => !STOPWORDS.has(w)));
  let best: { entry: FaqItem; score: number } | undefined;
  for (const e of entries) {
    const keywordHits = e.keywords.filter((k) => containsPhrase(joined, tokens(k).map(stem).join(' '))).length;
    const questionWords = new Set(tokens(e.question).map(stem).filter((w) => !STOPWORDS.has(w)));
    let shared = 0;
    for (const w of questionWords) if (words.has(w)) shared++;
    if (keywordHits === 0 && shared < 3) continue;
    const score = 2 * keywordHits + shared;
    if (!best || score > best.score) best = { entry: e, score };
  }
  return best;
}

/** How far back a follow-up ("and how much is it?") looks for the product the conversation is about. */
export const CONTEXT_MESSAGES = 4;

/**
 * The products the recent conversation is about: those named by the latest of the last
 * CONTEXT_MESSAGES messages (customer's or the bot's own) that names any. Empty when none does.
 */
export function productsInContext(history: readonly { text: string }[], products: readonly CatalogueProduct[]): ProductMatch[] {
  for (const h of history.slice(-CONTEXT_MESSAGES).reverse()) {
    const found = matchProducts(h.text, products);
    if (found.length > 0) return found;
  }
  return [];
}
