import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import { z } from 'zod';
import { formatPrice, matchFaq, matchProducts, type CatalogueProduct, type FaqItem, type ProductIndex } from '../../domain/customer/catalogue.ts';

// The only tools the customer-facing LLM gets: read-only lookups in the public catalogue and
// FAQ that were already loaded for this turn. No SQL, no CSI, no other customers, no internal
// data: whatever a customer talks the model into calling, the worst outcome is a product or an
// FAQ answer that is public anyway. Every result is recorded, because the reply's numbers must
// come from these results (guard.ts).

export interface CustomerToolData {
  products: readonly CatalogueProduct[];
  /** the products prepared for matching (indexProducts); built from `products` when absent */
  index?: ProductIndex;
  faq: readonly FaqItem[];
}

export interface ToolLog {
  /** the JSON text of every tool result of this turn, in order */
  results: string[];
}

function stockText(stock: number | null): string {
  if (stock === null) return 'unknown';
  return stock > 0 ? `in stock (${stock} available)` : 'out of stock';
}

export function productLookup(query: string, data: CustomerToolData): unknown {
  const found = matchProducts(query, data.index ?? data.products).slice(0, 3);
  if (found.length === 0) return { found: false, note: 'No product in our catalogue matches this. Do not guess a price; offer a person from the team.' };
  return {
    found: true,
    products: found.map(({ product: p }) => ({ name: p.name, sku: p.sku, price: formatPrice(p.price, p.currency), stock: stockText(p.stock), url: p.url })),
  };
}

export function faqLookup(question: string, data: CustomerToolData): unknown {
  const hit = matchFaq(question, data.faq);
  return hit ? { found: true, question: hit.entry.question, answer: hit.entry.answer } : { found: false };
}

export function customerTools(data: CustomerToolData, log: ToolLog): StructuredToolInterface[] {
  const record = (value: unknown): string => {
    const text = JSON.stringify(value);
    log.results.push(text);
    return text;
  };
  return [
    tool(async ({ query }) => record(productLookup(query, data)), {
      name: 'product_lookup',
      description: 'Finds products of our shop by name, alias or SKU: exact price with currency, stock, link. The only source of prices and stock.',
      schema: z.object({ query: z.string().min(1).max(200).describe('the product name, alias or SKU as the customer wrote it') }),
    }),
    tool(async ({ question }) => record(faqLookup(question, data)), {
      name: 'faq_lookup',
      description: 'Finds the answer to a common question (shipping, returns, payment, warranty, opening hours...).',
      schema: z.object({ question: z.string().min(1).max(500).describe('the customer question, in their words') }),
    }),
  ];
}
