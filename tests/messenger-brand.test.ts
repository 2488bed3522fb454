import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { createMessengerSender } from '../src/bots/messenger/send-api.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import type { AgentDecision, CustomerTurn } from '../src/bots/messenger/types.ts';
import { startSlack, type SlackService } from '../src/bots/slack/app.ts';
import { createHandoffDesk } from '../src/bots/slack/handoff.ts';
import { loadConfig } from '../src/config.ts';
import { upsertFaq, upsertProducts } from '../src/db/catalogue-repo.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph, type GraphCall } from './helpers/fake-graph.ts';
import { reply, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, eventually, nextTs, signed, slackClock } from './helpers/slack-harness.ts';
import { deliverWebhooks } from './helpers/webhook-load.ts';
import type PgBoss from 'pg-boss';
import { startTestQueue, messengerPools, type TestMessengerPools } from './helpers/root.ts';

// Brand per page (issue 19): two pages with different catalogues, FAQ, templates and handoff
// channels behind one service. Through the real webhook, the reply worker, the offline customer
// agent, the Send API sender against the fake Graph API and the desk on the fake Slack: a page
// never quotes another page's product, price, link, FAQ answer or template, also when both
// pages' customers arrive in one flood (and in one delivery); defaults fill in where a page has
// no row of its own; handoffs go to the page's own Slack channel. The LLM's tools see the
// turn's page's catalogue only.

const SECRET = 'brand-app-secret';
const SHOES = '2090000000001';
const VOLT = '2090000000002';
const TOKENS = { [SHOES]: 'EAAG-shoes', [VOLT]: 'EAAG-volt' } as const;
const DEFAULT_CHANNEL = 'C0DESKALL';
const VOLT_CHANNEL = 'C0DESKVOLT';
const AGENT = 'U0AGENTBR';

let db: TestDatabase;
let graph: FakeGraph;
let fake: FakeSlack;
let slack: SlackService;
let messenger: MessengerService;
let boss: PgBoss | undefined;
let mpools: TestMessengerPools | undefined;
let app: FastifyInstance;
let base: string;
const pageIds: Record<string, number> = {};
let n = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
const textOf = (c: GraphCall) => (c.body.message as { text: string }).text;
const sendsTo = (psid: string) => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === psid);
const message = (page: string, psid: string, text: string, at = Date.now()) => ({
  id: page, time: at, messaging: [{ sender: { id: psid }, recipient: { id: page }, timestamp: at, message: { mid: `m_brand_${++n}_${at}`, text } }],
});
const delivery = (entries: unknown[]) => {
  const body = JSON.stringify({ object: 'page', entry: entries });
  return { body, signature: signatureOf(SECRET, body) };
};

beforeAll(async () => {
  db = await createTestDatabase('messenger_brand');
  for (const [fb, name] of [[SHOES, 'Stride Shoes'], [VOLT, 'Voltix Electronics']] as const) {
    const [row] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, $2, now()) RETURNING id`, [fb, name]);
    pageIds[fb] = row!.id;
  }
  await q(`UPDATE pages SET handoff_channel = $2 WHERE id = $1`, [pageIds[VOLT], VOLT_CHANNEL]);
  const product = (sku: string, name: string, price: string, url: string) => ({ sku, name, aliases: [], price, currency: 'EUR', stock: 5, url });
  // every page's default, which Voltix overrides with its own price and link
  await upsertProducts(db.pool, [product('GIFT', 'Gift Card', '25.00', 'https://group.example/gift')]);
  await upsertProducts(db.pool, [product('SHOE-1', 'Trailblazer Boot', '89.00', 'https://shoes.example/p/shoe-1')], pageIds[SHOES]!);
  await upsertProducts(db.pool, [
    product('LAP-1', 'Nimbus Laptop', '999.00', 'https://volt.example/p/lap-1'),
    product('GIFT', 'Gift Card', '30.00', 'https://volt.example/gift'),
  ], pageIds[VOLT]!);
  await upsertFaq(db.pool, [{ question: 'Do you ship internationally?', answer: 'We ship worldwide from our Lisbon warehouse.', keywords: ['internationally', 'abroad'] }]);
  await upsertFaq(db.pool, [{ question: 'Do you ship internationally?', answer: 'Stride ships within the EU only.', keywords: ['internationally', 'abroad'] }], pageIds[SHOES]!);
  // Stride words the price answer itself; Voltix keeps the default template
  await q(`INSERT INTO message_templates (page_id, name, message_type, body, variables, updated_at)
           VALUES ($1, 'price_known', 'price_inquiry', 'Stride says: the {{product}} is {{price}}.{{link}}', '{product,price,link}', now())`, [pageIds[SHOES]]);
  await q(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, 'Ava Agent', 'agent', now())`, [AGENT]);

  graph = await startFakeGraph({ tokens: Object.values(TOKENS) });
  fake = await startFakeSlack({ token: BOT_TOKEN });
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, HANDOFF_CHANNEL: DEFAULT_CHANNEL,
    MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_API_URL: graph.apiUrl,
    MESSENGER_PAGE_TOKENS: Object.entries(TOKENS).map(([p, t]) => `${p}:${t}`).join(','), LOG_LEVEL: 'warn',
  });
  const { logger } = capturingLogger('warn');
  const sender = createMessengerSender({ pool: db.pool, config, logger, ratePerPage: 10_000 });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('not asked')) };
  slack = await startSlack({ config, boss: (boss = await startTestQueue(db.url)), pool: db.pool, assistant, logger, concurrency: 1, messenger: sender, now: slackClock });
  const desk = createHandoffDesk({ pool: db.pool, slack: slack.app.client, channel: DEFAULT_CHANNEL, logger });
  const agent = createCustomerAgent({ pool: db.pool, config, logger });
  messenger = await startMessenger({ config, pool: db.pool, pools: (mpools = messengerPools(db.url, 2)), materializerDatabaseUrl: db.url, logger, agent, desk, sender, concurrency: 2 });
  app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin, ...(slack.plugin ? [slack.plugin] : [])] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await messenger?.stop();
  await slack?.stop();
  await mpools?.end();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await fake?.close();
  await graph?.close();
  await db?.drop();
});

beforeEach(() => fake.reset());

/** Each page's customers ask about each product and the shipping question; what each must (and must never) read. */
const QUESTIONS = [
  { text: 'How much is the Trailblazer Boot?', [SHOES]: /Stride says: the Trailblazer Boot is €89\.00\. .*https:\/\/shoes\.example\/p\/shoe-1/, [VOLT]: /could not find that product/ },
  { text: 'How much is the Nimbus Laptop?', [SHOES]: /could not find that product/, [VOLT]: /The Nimbus Laptop costs €999\.00\. .*https:\/\/volt\.example\/p\/lap-1/ },
  { text: 'How much is the Gift Card?', [SHOES]: /Stride says: the Gift Card is €25\.00\. .*https:\/\/group\.example\/gift/, [VOLT]: /The Gift Card costs €30\.00\. .*https:\/\/volt\.example\/gift/ },
  { text: 'Do you ship internationally?', [SHOES]: /Stride ships within the EU only\./, [VOLT]: /We ship worldwide from our Lisbon warehouse\./ },
] as const;
/** What one page's replies must never contain: the other page's prices, links, FAQ answer and template. */
const NEVER = {
  [SHOES]: [/999/, /30\.00/, /volt\.example/, /Nimbus Laptop costs/, /worldwide/, /Voltix/],
  [VOLT]: [/89\.00/, /25\.00/, /shoes\.example/, /group\.example/, /Stride/, /EU only/],
} as const;

describe('one brand per page', () => {
  it('two pages with different catalogues in one flood: each customer gets their own page\'s product, price, link, FAQ and template, from their page\'s token', async () => {
    const CUSTOMERS = 24; // per page; each asks one of the four questions
    const asked = new Map<string, { page: typeof SHOES | typeof VOLT; q: (typeof QUESTIONS)[number] }>();
    const requests: { body: string; signature: string }[] = [];
    const t0 = Date.now();
    for (let i = 0; i < CUSTOMERS; i++) {
      const question = QUESTIONS[i % QUESTIONS.length]!;
      const entries = ([SHOES, VOLT] as const).map((page) => {
        const psid = `PSIDBR${page.slice(-1)}${String(i).padStart(3, '0')}`;
        asked.set(psid, { page, q: question });
        return message(page, psid, question.text, t0 + i);
      });
      // both pages' customers in one delivery half of the time, one delivery each otherwise
      if (i % 2 === 0) requests.push(delivery(entries));
      else requests.push(delivery([entries[0]]), delivery([entries[1]]));
    }
    const flood = await deliverWebhooks({ url: `${base}/webhooks/messenger`, requests, rate: 400, maxAttempts: 1 });
    expect(flood.results.filter((r) => r.firstStatus !== 200)).toEqual([]);

    await eventually(async () => [...asked.keys()].every((psid) => sendsTo(psid).length > 0), 'a reply to every customer of both pages');
    for (const [psid, { page, q: question }] of asked) {
      const sent = sendsTo(psid);
      expect(sent, psid).toHaveLength(1);
      expect(sent[0]!.token, `${psid} answered with its page's token`).toBe(TOKENS[page]);
      const text = textOf(sent[0]!);
      expect(text, `${psid} (${page}) asked "${question.text}"`).toMatch(question[page]);
      for (const bad of NEVER[page]) expect(text, `${psid} (${page}) must never read ${bad}`).not.toMatch(bad);
    }
    // the template counted on the row each page used (Stride's own, the default for Voltix), committed with each event
    await eventually(async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM messenger_events WHERE psid = ANY($1::text[]) AND state = 'done'`, [[...asked.keys()]]))[0]!.n === asked.size, 'every event settled');
    const counts = await q<{ page_id: number | null; usage_count: number }>(`SELECT page_id, usage_count FROM message_templates WHERE name = 'price_known' ORDER BY page_id NULLS LAST`);
    const priced = (page: string) => [...asked.values()].filter((a) => a.page === page && a.q.text !== QUESTIONS[3].text && !(a.q[page] as RegExp).source.includes('could not')).length;
    expect(counts).toEqual([{ page_id: pageIds[SHOES], usage_count: priced(SHOES) }, { page_id: null, usage_count: priced(VOLT) }]);
  });

  it('a page\'s greeting and a deactivated own row: the page\'s text, and the default product hidden for that page only', async () => {
    await q(`UPDATE pages SET greeting = 'Welcome to Stride, {{first_name}}! Ask me about boots.' WHERE id = $1`, [pageIds[SHOES]]);
    await q(`INSERT INTO products (page_id, sku, name, price, currency, active, updated_at) VALUES ($1, 'GIFT', 'Gift Card', 25.00, 'EUR', false, now())`, [pageIds[SHOES]]);
    try {
      const [a, b, c] = ['PSIDBRGREET1', 'PSIDBRGIFT1', 'PSIDBRGIFT2'];
      await deliverWebhooks({ url: `${base}/webhooks/messenger`, rate: 50, maxAttempts: 1, requests: [
        delivery([message(SHOES, a, 'hi')]),
        delivery([message(SHOES, b, 'How much is the Gift Card?'), message(VOLT, c, 'How much is the Gift Card?')]),
      ] });
      await eventually(async () => [a, b, c].every((p) => sendsTo(p).length > 0), 'three replies');
      expect(textOf(sendsTo(a)[0]!)).toMatch(/Welcome to Stride! Ask me about boots\.$/);
      expect(textOf(sendsTo(b)[0]!)).toMatch(/could not find that product/);
      expect(textOf(sendsTo(c)[0]!)).toMatch(/The Gift Card costs €30\.00/);
    } finally {
      await q(`UPDATE pages SET greeting = NULL WHERE id = $1`, [pageIds[SHOES]]);
      await q(`DELETE FROM products WHERE page_id = $1 AND sku = 'GIFT'`, [pageIds[SHOES]]);
    }
  });

  it('handoffs open in the page\'s own Slack channel (else HANDOFF_CHANNEL), and a reply in the page\'s channel reaches the customer', async () => {
    const [shoeCustomer, voltCustomer] = ['PSIDBRHUMAN1', 'PSIDBRHUMAN2'];
    await deliverWebhooks({ url: `${base}/webhooks/messenger`, rate: 50, maxAttempts: 1, requests: [
      delivery([message(SHOES, shoeCustomer, 'can I talk to a person?'), message(VOLT, voltCustomer, 'can I talk to a person?')]),
    ] });
    const threads = await eventually(async () => {
      const rows = await q<{ psid: string; channel: string | null; thread: string | null; id: number }>(
        `SELECT cu.psid, c.handoff_channel AS channel, c.handoff_thread_ts AS thread, c.id FROM conversations c JOIN customers cu ON cu.id = c.customer_id
          WHERE cu.psid = ANY($1::text[]) AND c.handoff_thread_ts IS NOT NULL`, [[shoeCustomer, voltCustomer]]);
      return rows.length === 2 && new Map(rows.map((r) => [r.psid, r]));
    }, 'both handoff threads');
    expect(threads.get(shoeCustomer)!.channel).toBe(DEFAULT_CHANNEL);
    expect(threads.get(voltCustomer)!.channel).toBe(VOLT_CHANNEL);
    expect(fake.messages.filter((m) => m.channel === VOLT_CHANNEL && !m.thread_ts).map((m) => m.text)).toEqual([expect.stringContaining('Voltix Electronics')]);

    // a person answers in the Voltix channel's thread: the listener hears it there too
    const volt = threads.get(voltCustomer)!;
    const ts = nextTs();
    const event = {
      token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `EvBRAND${++n}`, event_time: Math.floor(slackClock().getTime() / 1000),
      event: { type: 'message', channel: VOLT_CHANNEL, channel_type: 'channel', user: AGENT, text: 'Hi, Ava from Voltix here.', ts, thread_ts: volt.thread, event_ts: ts },
    };
    const req = signed(JSON.stringify(event), { contentType: 'application/json' });
    expect((await app.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode).toBe(200);
    await eventually(async () => sendsTo(voltCustomer).some((c) => textOf(c) === 'Hi, Ava from Voltix here.'), 'the reply sent to the Voltix customer');
    expect(sendsTo(voltCustomer).at(-1)!.token).toBe(TOKENS[VOLT]);
  });

  it('a page without a handoff channel and no HANDOFF_CHANNEL: nothing posted, ErrorLog says which page, the conversation waits', async () => {
    const { logger } = capturingLogger('error');
    const deskWithoutDefault = createHandoffDesk({ pool: db.pool, slack: slack.app.client, logger });
    const [conv] = await q<{ id: number }>(`SELECT c.id FROM conversations c WHERE c.page_id = $1 AND c.handoff_thread_ts IS NULL LIMIT 1`, [pageIds[SHOES]]);
    await deskWithoutDefault.open(conv!.id, 'human_request');
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
    const logs = await q<{ message: string }>(`SELECT message FROM error_logs WHERE context->>'conversationId' = $1`, [String(conv!.id)]);
    expect(logs.map((l) => l.message)).toEqual([expect.stringContaining('page Stride Shoes has no handoff channel and HANDOFF_CHANNEL is not set')]);
    expect((await q<{ thread: string | null }>(`SELECT handoff_thread_ts AS thread FROM conversations WHERE id = $1`, [conv!.id]))[0]!.thread).toBeNull();
  });
});

describe("the LLM's tools are the turn's page's", () => {
  let fakeAi: FakeOpenAI;
  beforeAll(async () => {
    fakeAi = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fakeAi?.close();
  });

  const turn = (page: string, text: string): CustomerTurn => ({
    pageId: page, psid: 'psid-llm', conversationId: 1, text, attachments: 0, isFirstMessage: false, unsureStreak: 0, history: [],
  });
  const toolResult = (i: number) => JSON.parse(String(fakeAi.requests[i]!.body.messages.find((m) => m.role === 'tool')?.content)) as Record<string, unknown>;

  it('product_lookup on one page does not find another page\'s product; the page\'s language reaches the prompt', async () => {
    await q(`UPDATE pages SET language = 'Portuguese' WHERE id = $1`, [pageIds[SHOES]]);
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fakeAi.baseUrl, CUSTOMER_AGENT_LLM: 'true' });
    const agent = createCustomerAgent({ pool: db.pool, config, logger: createLogger('silent') });
    try {
      fakeAi.enqueue(
        reply.json({ intent: 'price_inquiry', confidence: 0.9, sentiment: 0 }),
        reply.toolCalls([{ name: 'product_lookup', args: { query: 'Nimbus Laptop' }, id: 'call_1' }]),
        reply.content('Desculpe, não encontrei esse produto.'),
      );
      const d: AgentDecision = await agent.respond(turn(SHOES, 'How much is the Nimbus Laptop?'));
      expect(toolResult(2)).toMatchObject({ found: false });
      expect(JSON.stringify(fakeAi.requests[1]!.body.messages)).toContain('This shop page writes in Portuguese');
      expect(d.text).not.toMatch(/999|volt\.example/);

      fakeAi.reset();
      fakeAi.enqueue(
        reply.json({ intent: 'price_inquiry', confidence: 0.9, sentiment: 0 }),
        reply.toolCalls([{ name: 'product_lookup', args: { query: 'Gift Card' }, id: 'call_2' }]),
        reply.content('The Gift Card costs €30.00.'),
      );
      await agent.respond(turn(VOLT, 'How much is the Gift Card?'));
      expect(toolResult(2)).toMatchObject({ found: true, products: [{ name: 'Gift Card', price: '€30.00', url: 'https://volt.example/gift' }] });
      expect(JSON.stringify(fakeAi.requests[1]!.body.messages)).not.toContain('This shop page writes in');
    } finally {
      await q(`UPDATE pages SET language = NULL WHERE id = $1`, [pageIds[SHOES]]);
    }
  });
});
