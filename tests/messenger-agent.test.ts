import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import type { AgentDecision, CustomerAgent, CustomerTurn } from '../src/bots/messenger/types.ts';
import { loadConfig } from '../src/config.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The offline customer agent against a real database holding the demo catalogue, FAQ and
// default templates: what a customer is told, and when a human takes over.

let db: TestDatabase;
let agent: CustomerAgent;

const turn = (text: string, over: Partial<CustomerTurn> = {}): CustomerTurn => ({
  pageId: '104882371956210',
  psid: 'psid-1',
  conversationId: 1,
  text,
  attachments: 0,
  isFirstMessage: false,
  unsureStreak: 0,
  customerName: 'Olivia Smith',
  history: [],
  ...over,
});

const reply = (d: AgentDecision) => {
  if (d.kind !== 'reply') throw new Error(`expected a reply, got a handoff (${d.reason}): ${d.text}`);
  return d;
};

beforeAll(async () => {
  db = await createTestDatabase('agent');
  await seedCatalogue(db.pool);
  agent = createCustomerAgent({ pool: db.pool, config: loadConfig({}), logger: createLogger('silent') });
});
afterAll(async () => {
  await db?.drop();
});

describe('prices', () => {
  it('a product in the catalogue: its exact price and currency from the table', async () => {
    await db.pool.query(`UPDATE products SET price = 49.90, currency = 'EUR' WHERE name = 'Boom Mini Speaker'`);
    const d = reply(await agent.respond(turn('How much is the Boom Mini Speaker?')));
    expect(d.text).toContain('€49.90');
    expect(d.text).toContain('Boom Mini Speaker');
    expect(d.classification.intent).toBe('price_inquiry');
    expect(d.unsure).toBe(false);
    expect(d.templateName).toBe('price_known');
  });

  it('an alias finds the product; USD prices are written $129.00', async () => {
    const d = reply(await agent.respond(turn('what does the trailrunner cost?')));
    expect(d.text).toContain('$129.00');
    expect(d.text).toContain('Trailrunner GTX');
  });

  it('an unknown product: no number at all, an offer of a human', async () => {
    const d = reply(await agent.respond(turn('How much is the Zephyr Hoverboard 3000 Pro?')));
    expect(d.text).not.toMatch(/\d/);
    expect(d.text).toMatch(/could not find/i);
    expect(d.quickReplies).toContainEqual({ title: 'Talk to a person', payload: 'SP_HUMAN' });
    expect(d.unsure).toBe(true);
  });

  it('an unknown product twice in a row: handed off (unsure_twice), still without a number', async () => {
    const d = await agent.respond(turn('price of the Zephyr Hoverboard 3000?', { unsureStreak: 1 }));
    expect(d).toMatchObject({ kind: 'handoff', reason: 'unsure_twice' });
    expect(d.text).not.toMatch(/\d/);
  });

  it('"how much?" without a product asks which one instead of guessing', async () => {
    const d = reply(await agent.respond(turn('how much?')));
    expect(d.templateName).toBe('price_ask_product');
    expect(d.unsure).toBe(false);
  });
});

describe('availability', () => {
  it('in stock: the stock count from the table', async () => {
    await db.pool.query(`UPDATE products SET stock = 7 WHERE name = 'Nimbus 14 Laptop'`);
    const d = reply(await agent.respond(turn('Do you have the Nimbus laptop in stock?')));
    expect(d.classification.intent).toBe('availability_check');
    expect(d.text).toMatch(/in stock \(7 available\)/);
  });

  it('out of stock is said so, with a person offered', async () => {
    await db.pool.query(`UPDATE products SET stock = 0 WHERE name = 'Cloudstep Knit'`);
    const d = reply(await agent.respond(turn('is the cloudstep available?')));
    expect(d.text).toMatch(/out of stock/);
    expect(d.quickReplies?.map((q) => q.payload)).toContain('SP_HUMAN');
  });

  it('unknown stock: the bot cannot answer and hands off', async () => {
    await db.pool.query(`UPDATE products SET stock = NULL WHERE name = 'Atlas Bookshelf'`);
    const d = await agent.respond(turn('Is the Atlas Bookshelf available?'));
    expect(d).toMatchObject({ kind: 'handoff', reason: 'cannot_answer' });
  });
});

describe('greetings, FAQ and handoffs', () => {
  it('a greeting-only first message: first_contact, a welcome with quick replies', async () => {
    const d = reply(await agent.respond(turn('Hi there!', { isFirstMessage: true })));
    expect(d.classification.intent).toBe('first_contact');
    expect(d.text).toMatch(/^Hi Olivia!/);
    expect(d.quickReplies?.map((q) => q.title)).toEqual(['Prices', 'Shipping', 'Talk to a person']);
  });

  it('the "Talk to a person" quick reply hands off as human_request', async () => {
    const d = await agent.respond(turn('Talk to a person', { payload: 'SP_HUMAN' }));
    expect(d).toMatchObject({ kind: 'handoff', reason: 'human_request' });
    expect(d.classification.confidence).toBe(1);
  });

  it('the "Prices" quick reply asks which product', async () => {
    const d = reply(await agent.respond(turn('Prices', { payload: 'SP_PRICES' })));
    expect(d.templateName).toBe('price_ask_product');
  });

  it('"can I talk to a person?" → handoff human_request', async () => {
    const d = await agent.respond(turn('can I talk to a person?'));
    expect(d).toMatchObject({ kind: 'handoff', reason: 'human_request', classification: { intent: 'human_request' } });
    expect(d.text).toMatch(/person from our team/);
  });

  it('an angry complaint → handoff angry', async () => {
    const d = await agent.respond(turn('This is unacceptable, my order arrived broken and your service is terrible!'));
    expect(d).toMatchObject({ kind: 'handoff', reason: 'angry', classification: { intent: 'complaint' } });
    expect(d.classification.sentiment).toBeLessThan(0);
  });

  it('shipping questions are answered from the FAQ', async () => {
    const d = reply(await agent.respond(turn('Do you ship internationally?')));
    expect(d.classification.intent).toBe('shipping');
    expect(d.text).toContain('30 countries');
    expect(d.templateName).toBe('faq_shipping');
  });

  it('returns questions are answered from the FAQ', async () => {
    const d = reply(await agent.respond(turn('What is your return policy?')));
    expect(d.classification.intent).toBe('returns');
    expect(d.text).toContain('30 days');
  });

  it('a shipping question no FAQ entry answers: cannot_answer handoff', async () => {
    const d = await agent.respond(turn('Can the courier deliver to my boat on the lake?'));
    expect(d).toMatchObject({ kind: 'handoff', reason: 'cannot_answer' });
  });

  it('gibberish is an unsure reply the first time, a handoff the second', async () => {
    const first = reply(await agent.respond(turn('blorp zizzle')));
    expect(first.unsure).toBe(true);
    expect(first.templateName).toBe('not_understood');
    const second = await agent.respond(turn('blorp zizzle', { unsureStreak: 1 }));
    expect(second).toMatchObject({ kind: 'handoff', reason: 'unsure_twice' });
  });
});

describe('templates', () => {
  it('an edited template is used; deciding alone does not count it (the reply worker counts the send, once)', async () => {
    await db.pool.query(`UPDATE message_templates SET body = 'Yes! {{product}}: {{price}}.', usage_count = 0 WHERE name = 'price_known'`);
    const d = reply(await agent.respond(turn('price of the Breeze Sandal')));
    expect(d.text).toBe('Yes! Breeze Sandal: $39.00.');
    expect(d.templateName).toBe('price_known');
    const { rows } = await db.pool.query<{ usage_count: number }>(`SELECT usage_count FROM message_templates WHERE name = 'price_known'`);
    expect(rows[0]!.usage_count).toBe(0);
  });

  it('a template with a variable the answer lacks falls back to the default text', async () => {
    await db.pool.query(`UPDATE message_templates SET body = 'Price: {{price}} (code {{coupon}})' WHERE name = 'price_known'`);
    const d = reply(await agent.respond(turn('price of the Breeze Sandal')));
    expect(d.text).toMatch(/^The Breeze Sandal costs \$39\.00\./);
    expect(d.text).not.toContain('{{');
  });

  it('an inactive template falls back to the default text', async () => {
    await db.pool.query(`UPDATE message_templates SET active = false WHERE name = 'greeting'`);
    const d = reply(await agent.respond(turn('hello', { isFirstMessage: true, customerName: undefined })));
    expect(d.text).toMatch(/^Hi! Thanks for getting in touch/);
  });
});

describe('default templates', () => {
  it('a new agent puts missing default templates in the table on its first turn, leaving edited ones alone', async () => {
    await db.pool.query(`DELETE FROM message_templates WHERE name IN ('greeting', 'stock_in')`);
    await db.pool.query(`UPDATE message_templates SET body = 'Edited: {{product}} {{price}}' WHERE name = 'product_info'`);
    const fresh = createCustomerAgent({ pool: db.pool, config: loadConfig({}), logger: createLogger('silent') });
    await fresh.respond(turn('hello', { isFirstMessage: true }));
    const { rows } = await db.pool.query<{ name: string; body: string; message_type: string; variables: string[] }>(
      `SELECT name, body, message_type, variables FROM message_templates WHERE name IN ('greeting', 'stock_in', 'product_info') ORDER BY name`,
    );
    expect(rows.map((r) => [r.name, r.message_type])).toEqual([['greeting', 'first_contact'], ['product_info', 'general_inquiry'], ['stock_in', 'availability_check']]);
    expect(rows.find((r) => r.name === 'product_info')!.body).toBe('Edited: {{product}} {{price}}');
    expect(rows.find((r) => r.name === 'stock_in')!.variables).toEqual(['product', 'stock', 'price', 'link']);
  });
});
