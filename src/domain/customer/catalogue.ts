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

/** `phrase` occurs in `text` as whole words (both already normalised). */
const containsPhrase = (text: string, phrase: string): boolean => phrase !== '' && ` ${text} `.includes(` ${phrase} `);

/**
 * Words of product names that name exactly one product ("nimbus", "loafer"): a customer who
 * writes only that word means that product. Words shared by several names ("table") or too
 * common ("kids", numbers) identify nothing on their own.
 */
function distinctiveWords(products: readonly CatalogueProduct[]): Map<string, CatalogueProduct> {
  const owners = new Map<string, Set<CatalogueProduct>>();
  for (const p of products) {
    for (const w of new Set(tokens(p.name).map(stem))) {
      if (w.length < 4 || STOPWORDS.has(w) || /^\d+$/.test(w)) continue;
      const set = owners.get(w) ?? new Set<CatalogueProduct>();
      set.add(p);
      owners.set(w, set);
    }
  }
  const out = new Map<string, CatalogueProduct>();
  for (const [w, set] of owners) if (set.size === 1) out.set(w, [...set][0]!);
  return out;
}

/** A catalogue prepared for matching: built once per catalogue version, not per message. */
export interface ProductIndex {
  /** normalised name, alias or SKU → the products it names */
  byPhrase: Map<string, CatalogueProduct[]>;
  /** the longest phrase, in words */
  maxWords: number;
  distinctive: Map<string, CatalogueProduct>;
}

/** Longer phrases than this are not product names; it bounds the work per message. */
const MAX_PHRASE_WORDS = 8;

export function indexProducts(products: readonly CatalogueProduct[]): ProductIndex {
  const byPhrase = new Map<string, CatalogueProduct[]>();
  let maxWords = 1;
  for (const p of products) {
    for (const phrase of new Set([p.name, ...p.aliases, p.sku].map(normalize))) {
      const words = phrase === '' ? 0 : phrase.split(' ').length;
      if (words === 0 || words > MAX_PHRASE_WORDS) continue;
      maxWords = Math.max(maxWords, words);
      const list = byPhrase.get(phrase) ?? [];
      list.push(p);
      byPhrase.set(phrase, list);
    }
  }
  return { byPhrase, maxWords, distinctive: distinctiveWords(products) };
}

const isIndex = (c: readonly CatalogueProduct[] | ProductIndex): c is ProductIndex => !Array.isArray(c);

/** Products the text names, best first (ties: named earlier first); empty when it names none. */
export function matchProducts(text: string, catalogue: readonly CatalogueProduct[] | ProductIndex): ProductMatch[] {
  const index = isIndex(catalogue) ? catalogue : indexProducts(catalogue);
  const n = normalize(text);
  if (n === '') return [];
  const words = n.split(' ');
  const offsets: number[] = [];
  words.reduce((at, w) => (offsets.push(at), at + w.length + 1), 0);
  const found = new Map<CatalogueProduct, { score: number; at: number; named: boolean }>();
  const add = (p: CatalogueProduct, score: number, at: number, named: boolean) => {
    const f = found.get(p);
    if (!f) found.set(p, { score, at, named });
    else if (!(named && f.named)) found.set(p, { score: f.score + score, at: Math.min(f.at, at), named: f.named || named });
    else f.at = Math.min(f.at, at);
  };
  // every run of up to maxWords words is looked up as a phrase: a name, alias or SKU
  for (let i = 0; i < words.length; i++) {
    let phrase = '';
    for (let len = 1; len <= index.maxWords && i + len <= words.length; len++) {
      phrase = len === 1 ? words[i]! : `${phrase} ${words[i + len - 1]!}`;
      const hit = index.byPhrase.get(phrase);
      if (hit) for (const p of hit) add(p, 3, offsets[i]!, true);
    }
  }
  const seen = new Set<string>();
  words.forEach((w, i) => {
    const s = stem(w);
    const p = index.distinctive.get(s);
    if (p && !seen.has(s)) {
      seen.add(s);
      add(p, 1, offsets[i]!, false);
    }
  });
  return [...found]
    .map(([product, f]) => ({ product, score: f.score, at: f.at }))
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
export function productsInContext(history: readonly { text: string }[], products: readonly CatalogueProduct[] | ProductIndex): ProductMatch[] {
  for (const h of history.slice(-CONTEXT_MESSAGES).reverse()) {
    const found = matchProducts(h.text, products);
    if (found.length > 0) return found;
  }
  return [];
}
