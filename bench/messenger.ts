import type { AddressInfo } from 'node:net';
import { build } from '../src/app.ts';
import { startMessenger } from '../src/bots/messenger/index.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import type { AgentDecision, CustomerAgent, CustomerTurn } from '../src/domain/messenger/contracts.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { createPool } from '../src/db/pool.ts';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { upsertProducts } from '../src/db/catalogue-repo.ts';
import type pg from 'pg';
import { createLogger } from '../src/logger.ts';
import { startFakeGraph } from '../tests/helpers/fake-graph.ts';
import { startWebhookLoad, type DeliveryResult } from '../tests/helpers/webhook-load.ts';
import { messengerPools } from '../tests/helpers/root.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Messenger's webhook under load: signed message deliveries POSTed to /webhooks/messenger of
// the service's own HTTP app (build() + the Messenger plugin, the server's pool of 5, the
// materializer's thread turning the inbox into message rows and the reply worker answering on
// the fake Graph API meanwhile), from a load generator thread on keep-alive sockets, open loop
// at a fixed rate, after three seconds of warm-up at that rate. Figures: ack latency p50/p99
// (target p99 < 50 ms), non-200 acks (must be 0). Baseline, same run, same server: a bare
// Fastify POST route that answers at once, measured closed loop for throughput next to the
// webhook's own closed-loop throughput, and the ratio.
//   npm run bench -- messenger [--events N] [--rate R] [--customers C] [--throughput-requests T]
//                              [--concurrency K] [--reply-workers W (0: none)] [--warmup-s S] [--trace]

const log = (msg: string) => process.stderr.write(`[bench:messenger] ${msg}\n`);
const SECRET = 'bench-app-secret';
const PAGE = '4090000000001';
const TOKEN = 'EAAG-bench';
/** the second brand's page: every other delivery is its customers' */
const PAGE_2 = '4090000000002';
const TOKEN_2 = 'EAAG-bench-2';
const TARGET_P99_MS = 50;

/** --fixed-agent: a fixed reply, so the figures are the channel's alone. */
const fixedAgent: CustomerAgent = {
  async respond(turn: CustomerTurn): Promise<AgentDecision> {
    return { kind: 'reply', text: `Thanks! About "${turn.text}": a colleague will confirm shortly.`, classification: { intent: 'general_inquiry', confidence: 0.5, sentiment: 0 }, unsure: false };
  },
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

/** Two pages, each with 200 products of its own (a blue jacket on both, at different prices), and 50 defaults. */
async function seedBrands(pool: pg.Pool): Promise<void> {
  const product = (sku: string, name: string, price: string) => ({ sku, name, aliases: [], price, currency: 'EUR', stock: 3, url: `https://shop.example/${sku.toLowerCase()}` });
  for (const [fb, name, price] of [[PAGE, 'Bench Outdoor', '89.00'], [PAGE_2, 'Bench Urban', '119.00']] as const) {
    const { rows } = await pool.query<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, $2, now()) RETURNING id`, [fb, name]);
    const id = rows[0]!.id;
    await upsertProducts(pool, [product(`JKT-${fb}`, 'Blue Jacket', price), ...Array.from({ length: 199 }, (_, i) => product(`P${fb}-${i}`, `${name} Item ${i}`, `${i + 1}.00`))], id);
  }
  await upsertProducts(pool, Array.from({ length: 50 }, (_, i) => product(`DEF-${i}`, `Gift Card ${i * 10}`, `${i * 10}.00`)));
}

export async function run(args: string[]): Promise<void> {
  const events = intArg(args, '--events', 5000);
  const rate = intArg(args, '--rate', 1000);
  const customers = intArg(args, '--customers', 500);
  const throughputRequests = intArg(args, '--throughput-requests', 3000);
  const concurrency = intArg(args, '--concurrency', 32);
  const warmupS = intArg(args, '--warmup-s', 3);
  // 0 is allowed: the webhook and the materializer alone
  const replyWorkers = args.includes('--reply-workers') ? Number(args[args.indexOf('--reply-workers') + 1]) : 2;
  if (!Number.isInteger(replyWorkers) || replyWorkers < 0) throw new Error('--reply-workers expects an integer ≥ 0');

  await withThrowawayPostgres(log, async (url) => {
    const graph = await startFakeGraph({ tokens: [TOKEN, TOKEN_2] });
    const config = loadConfig({ MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN},${PAGE_2}:${TOKEN_2}`, LOG_LEVEL: 'warn' });
    const logger = createLogger('warn', process.stderr);
    const prisma = createPrisma(url);
    const pool = createPool(url, 5); // the server's pool size
    const pools = messengerPools(url, replyWorkers);
    const brand = !args.includes('--fixed-agent');
    if (brand) await seedBrands(pool);
    const agent = brand ? createCustomerAgent({ pool, config, logger }) : fixedAgent;
    const messenger = await startMessenger({ config, pool, pools, materializerDatabaseUrl: url, logger, agent, ratePerPage: 100_000, concurrency: replyWorkers });
    const bare = async (f: import('fastify').FastifyInstance) => {
      f.post('/bench/bare', async (_req, reply) => reply.code(200).type('text/plain').send('EVENT_RECEIVED'));
    };
    const app = await build({ prisma, logger, pool, plugins: [messenger.plugin, bare] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    let n = 0;
    const t0 = Date.now();
    const delivery = () => {
      const i = n++;
      const page = i % 2 === 0 ? PAGE : PAGE_2;
      const body = JSON.stringify({
        object: 'page',
        entry: [{ id: page, time: t0 + i, messaging: [{ sender: { id: `PSIDBENCH${i % customers}` }, recipient: { id: page }, timestamp: t0 + i, message: { mid: `m_bench_${i}`, text: `Is the blue jacket in stock in size ${i % 50}? 🙂` } }] }],
      });
      return { body, signature: signatureOf(SECRET, body) };
    };
    const load = await startWebhookLoad({ url: base });
    try {
      // warm-up: connections, JIT, the materializer's thread, plan caches, first customers;
      // `warmupS` seconds at the measured rate (one was too few: the first measured second ran
      // at several times the steady latency), then until the inbox backlog became message rows
      log(`warm-up: ${rate * warmupS} deliveries at ${rate}/s`);
      await load.run({ path: '/webhooks/messenger', requests: Array.from({ length: rate * warmupS }, delivery), rate });
      for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messenger_events WHERE state = 'pending' AND conversation_id IS NULL`);
        if (rows[0]!.n === 0) break;
      }

      log(`${events} signed message deliveries at ${rate}/s (${customers} customers), reply worker running`);
      const measured = await load.run({ path: '/webhooks/messenger', requests: Array.from({ length: events }, delivery), rate, maxAttempts: 1 });
      const ack = measured.results.map((r: DeliveryResult) => r.firstMs);
      if (args.includes('--trace')) {
        for (let w = 0; w < events; w += rate / 4) log(`t=${(w / rate).toFixed(2)}s p50 ${round(quantile(ack.slice(w, w + rate / 4), 0.5))} ms, max ${round(quantile(ack.slice(w, w + rate / 4), 1))} ms`);
      }
      const non200 = measured.results.filter((r) => r.firstStatus !== 200).length;

      log(`throughput, closed loop (${concurrency} in flight): ${throughputRequests} webhook deliveries, then ${throughputRequests} bare POSTs`);
      const hook = await load.run({ path: '/webhooks/messenger', requests: Array.from({ length: throughputRequests }, delivery), rate: 0, concurrency, maxAttempts: 1 });
      const bareRun = await load.run({ path: '/bench/bare', requests: Array.from({ length: throughputRequests }, delivery), rate: 0, concurrency, maxAttempts: 1 });
      const hookRps = throughputRequests / hook.doneS;
      const bareRps = throughputRequests / bareRun.doneS;

      const [stored] = (await pool.query<{ events: number; messages: number }>(
        `SELECT (SELECT count(*) FROM messenger_events)::int AS events, (SELECT count(*) FROM messages WHERE sender_kind = 'customer')::int AS messages`,
      )).rows;
      log(`stored ${stored!.events} events, ${stored!.messages} customer messages; replies sent so far ${graph.messages().length}`);
      console.log(
        JSON.stringify({
          bench: 'messenger',
          events,
          rate_per_s: rate,
          achieved_rate_per_s: round(events / measured.sentS),
          customers,
          ack_p50_ms: round(quantile(ack, 0.5)),
          ack_p99_ms: round(quantile(ack, 0.99)),
          ack_max_ms: round(quantile(ack, 1)),
          target_p99_ms: TARGET_P99_MS,
          non_200_acks: non200,
          webhook_throughput_per_s: round(hookRps),
          webhook_throughput_non_200: hook.results.filter((r) => r.firstStatus !== 200).length,
          baseline: `bare Fastify POST route, same server, closed loop, ${concurrency} in flight`,
          baseline_throughput_per_s: round(bareRps),
          ratio_throughput: round(hookRps / bareRps),
          reply_workers: replyWorkers,
          brand_scoping: brand,
          replies_sent: graph.messages().length,
          peakRssMb: peakRssMb(),
        }),
      );
    } finally {
      await load.close();
      await app.close();
      await messenger.stop();
      await pools.end();
      await graph.close();
      await prisma.$disconnect();
      await pool.end();
    }
  });
}
