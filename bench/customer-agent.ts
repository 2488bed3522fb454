import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import type { CustomerTurn } from '../src/domain/messenger/contracts.ts';
import { loadConfig } from '../src/config.ts';
import { upsertProducts } from '../src/db/catalogue-repo.ts';
import { createPool } from '../src/db/pool.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { createLogger } from '../src/logger.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// The offline customer agent's decision time per customer message (classification, catalogue
// and FAQ lookup, template), on a throwaway PostgreSQL with the demo catalogue plus
// `--products` synthetic products, one message after another.
//   npm run bench -- customer-agent [--turns N] [--products P]
// Baseline, same run, same pool: the round trip of the catalogue version query the agent runs
// per message (its floor: the agent cannot be faster than its one unavoidable query).

const log = (msg: string) => process.stderr.write(`[bench:customer-agent] ${msg}\n`);

const TEXTS = [
  'How much is the Trailrunner GTX?',
  'do you have the nimbus laptop in stock?',
  'Do you ship internationally?',
  'What is your return policy?',
  'how much is the Zephyr Hoverboard 3000?',
  'hi there!',
  'can I talk to a person?',
  'This is unacceptable, my order arrived broken!!',
  'price of generic widget 777 mk0',
  'blorp zizzle',
];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

export async function run(args: string[]): Promise<void> {
  const turns = intArg(args, '--turns', 2000);
  const extra = intArg(args, '--products', 2000);
  await withThrowawayPostgres(log, async (url) => {
    const pool = createPool(url, 4);
    try {
      await seedCatalogue(pool);
      const synthetic = Array.from({ length: extra }, (_, i) => ({
        sku: `GEN-${i}`, name: `Generic Widget ${i} Mk${i % 7}`, aliases: [`gw${i}`], price: `${(i % 500) + 1}.99`, currency: 'EUR', stock: i % 5, url: null,
      }));
      await upsertProducts(pool, synthetic);
      const agent = createCustomerAgent({ pool, config: loadConfig({}), logger: createLogger('silent') });
      const turn = (i: number): CustomerTurn => ({
        pageId: '1', psid: `p${i % 50}`, conversationId: i % 50, text: TEXTS[i % TEXTS.length]!, attachments: 0,
        isFirstMessage: i % TEXTS.length === 5, unsureStreak: 0, history: [],
      });
      const first = performance.now();
      await agent.respond(turn(0)); // loads and indexes the catalogue
      const coldMs = performance.now() - first;
      log(`catalogue of ${extra + 18} products loaded and indexed in ${round(coldMs)} ms; ${turns} turns`);
      const ms: number[] = [];
      const kinds = new Map<string, number>();
      for (let i = 0; i < turns; i++) {
        const t = performance.now();
        const d = await agent.respond(turn(i));
        ms.push(performance.now() - t);
        const k = d.kind === 'reply' ? `reply:${d.templateName}` : `handoff:${d.reason}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      const base: number[] = [];
      for (let i = 0; i < turns; i++) {
        const t = performance.now();
        await pool.query(`SELECT (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM products) || '/' ||
                                 (SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM faq_entries) AS v`);
        base.push(performance.now() - t);
      }
      console.log(
        JSON.stringify({
          bench: 'customer-agent',
          turns,
          products: extra + 18,
          cold_first_turn_ms: round(coldMs),
          turn_p50_ms: round(quantile(ms, 0.5)),
          turn_p99_ms: round(quantile(ms, 0.99)),
          turns_per_s: round(turns / (ms.reduce((a, b) => a + b, 0) / 1000)),
          decisions: Object.fromEntries([...kinds].sort()),
          baseline: 'catalogue version query alone, same pool',
          baseline_p50_ms: round(quantile(base, 0.5)),
          baseline_p99_ms: round(quantile(base, 0.99)),
          ratio_p50: round(quantile(ms, 0.5) / quantile(base, 0.5)),
          peakRssMb: peakRssMb(),
        }),
      );
    } finally {
      await pool.end();
    }
  });
}
