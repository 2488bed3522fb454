import type pg from 'pg';
import { DEFAULT_TEMPLATES } from '../../domain/customer/templates.ts';
import { upsertFaq, upsertProducts, type FaqInput, type ProductInput, type UpsertCounts } from '../catalogue-repo.ts';
import { seedTemplates } from '../templates-repo.ts';
import { PAGES } from './catalog.ts';

// The demo catalogue and FAQ the customer agent answers from: the demo pages' products (the
// ones the seeded dialogues talk about, at the same prices, in USD like the dialogues) and the
// policies the seeded bot answers quote (free shipping over $50, 30-day returns...), plus the
// agent's default templates. Idempotent: upserts by SKU / question, templates by name.

/** Aliases customers use for some demo products; the matcher also knows each name's distinctive words. */
const ALIASES: Readonly<Record<string, string[]>> = {
  'Trailrunner GTX': ['trailrunner', 'trail runner', 'trail shoes'],
  'Cloudstep Knit': ['cloudstep'],
  'Metro Leather Loafer': ['metro loafer', 'loafers'],
  'Kids Flash Sneaker': ['flash sneaker', 'kids sneakers'],
  'Summit Hiking Boot': ['summit boot', 'hiking boots'],
  'Breeze Sandal': ['breeze sandals', 'sandals'],
  'Aurora X2 Earbuds': ['aurora x2', 'aurora earbuds', 'earbuds'],
  'Nimbus 14 Laptop': ['nimbus 14', 'nimbus laptop'],
  'Pulse Smartwatch S': ['pulse watch', 'smartwatch'],
  'Boom Mini Speaker': ['boom mini', 'bluetooth speaker'],
  'VX-65 4K TV': ['vx65', 'vx 65', '65 inch tv'],
  'PowerCell 20000 Power Bank': ['powercell', 'power bank'],
  'Linden 3-Seat Sofa': ['linden sofa', 'linden'],
  'Harbor Oak Dining Table': ['harbor table', 'dining table'],
  'Nordic Lounge Chair': ['nordic chair', 'lounge chair'],
  'Cedar Queen Bed Frame': ['cedar bed', 'bed frame'],
  'Atlas Bookshelf': ['atlas shelf', 'bookcase'],
  'Willow Coffee Table': ['willow table', 'coffee table'],
};

/** Stock per product in page order: mostly in stock, some sold out, one unknown (a supplier item). */
const STOCK: readonly (number | null)[] = [34, 0, 12, 57, 8, 120, 45, 6, 0, 80, 3, 210, 2, null, 9, 4, 15, 0];

/** The demo products, each with the demo page (pages.id) that sells it. */
export function demoProducts(): (ProductInput & { pageId: number })[] {
  let i = 0;
  return PAGES.flatMap((page) =>
    page.products.map((p, n) => {
      const sku = `${page.key.slice(0, 3).toUpperCase()}-${String(n + 1).padStart(3, '0')}`;
      return {
        pageId: page.id,
        sku,
        name: p.name,
        aliases: ALIASES[p.name] ?? [],
        price: p.price.toFixed(2),
        currency: 'USD',
        stock: STOCK[i++] ?? null,
        url: `https://shop.example/${page.key}/p/${sku.toLowerCase()}`,
      };
    }),
  );
}

export const DEMO_FAQ: readonly FaqInput[] = [
  { question: 'How long does shipping take?', answer: 'Standard delivery takes 3-5 business days and express delivery 1-2 business days.', keywords: ['how long', 'delivery time', 'shipping time', 'when will it arrive', 'arrive'] },
  { question: 'How much does shipping cost?', answer: 'Orders over $50 ship free. Below that, standard shipping is $4.95 and express delivery is $12.99.', keywords: ['shipping cost', 'free shipping', 'delivery cost', 'express', 'postage'] },
  { question: 'Do you ship internationally?', answer: 'We ship to 30 countries; the options and prices for your country appear at checkout.', keywords: ['international', 'internationally', 'abroad', 'countries', 'overseas', 'ship to'] },
  { question: 'How can I track my order?', answer: 'You get a tracking link by email as soon as your order ships. You can also see it at https://shop.example/orders.', keywords: ['track', 'tracking', 'where is my order', 'order status'] },
  { question: 'What is your return policy?', answer: 'You can return unused items within 30 days for a full refund. Start a return at https://shop.example/returns.', keywords: ['return', 'return policy', 'send back', 'returns'] },
  { question: 'How long does a refund take?', answer: 'Refunds reach your account 5-7 business days after we receive the item.', keywords: ['refund', 'money back', 'reimburse'] },
  { question: 'Can I exchange an item for another size?', answer: 'Exchanges are free within 30 days. Start one at https://shop.example/returns and choose the new size.', keywords: ['exchange', 'swap', 'another size', 'different size', 'does not fit'] },
  { question: 'Which payment methods do you accept?', answer: 'We accept cards, PayPal and Apple Pay, and you can split a payment into 4 interest-free installments at checkout.', keywords: ['payment', 'pay', 'paypal', 'card', 'installments', 'klarna'] },
  { question: 'Is there a warranty?', answer: 'Every product has a 2-year warranty against manufacturing defects.', keywords: ['warranty', 'guarantee'] },
  { question: 'Do you have a student discount?', answer: 'Students get 15% off after verifying with their school email at https://shop.example/students.', keywords: ['student', 'student discount', 'discount code', 'coupon', 'promo code'] },
  { question: 'Do you price match?', answer: 'Yes, we match the price of authorised retailers within 14 days of purchase.', keywords: ['price match', 'cheaper elsewhere', 'match the price'] },
];

export interface CatalogueSeedSummary {
  products: UpsertCounts;
  faq: UpsertCounts;
  /** default templates inserted (existing names are left as they are) */
  templates: number;
}

/**
 * Seeds the demo catalogue, FAQ and the customer agent's default templates. Safe to run again.
 * Each demo page's products are its own when that page exists (the shoe shop never quotes the
 * electronics brand's laptop), else defaults for every page; the FAQ is shared by all pages.
 */
export async function seedCatalogue(db: pg.Pool | pg.ClientBase): Promise<CatalogueSeedSummary> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM pages WHERE id = ANY($1::int[])', [PAGES.map((p) => p.id)]);
  const present = new Set(rows.map((r) => r.id));
  const products: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  const all = demoProducts();
  for (const scope of [...PAGES.map((p) => p.id), null]) {
    const mine = all.filter((p) => (present.has(p.pageId) ? p.pageId === scope : scope === null)).map(({ pageId: _page, ...p }) => p);
    const c = await upsertProducts(db, mine, scope);
    products.inserted += c.inserted;
    products.updated += c.updated;
    products.unchanged += c.unchanged;
  }
  const faq = await upsertFaq(db, DEMO_FAQ);
  const templates = await seedTemplates(db, DEFAULT_TEMPLATES);
  return { products, faq, templates };
}
