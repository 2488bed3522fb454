import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import pg from 'pg';
import { transaction, withClient } from '../pool.ts';
import { refreshReplyFacts } from '../reply-facts.ts';
import { Batch, WriterPool, type BatchCounts } from './batch.ts';
import { SEEDED_TABLES, checkForeignKeys, enterBulkMode } from './bulk-mode.ts';
import { PAGES, USERS } from './catalog.ts';
import { seedCatalogue, type CatalogueSeedSummary } from './catalogue.ts';
import { DAY } from './clock.ts';
import { generateErrorLogs, generateTemplates } from './extras.ts';
import { DEFAULT_SPAN_DAYS, generateConversations } from './generate.ts';
import { DEFAULT_DEMO_CONVERSATIONS } from './defaults.ts';
import { seedHandoffCases } from './handoff-cases.ts';
import { seedQaReviews } from './qa-reviews.ts';
import { seedCsat } from './csat.ts';

// Loads the demo dataset with COPY, in batches of about BATCH_MESSAGES messages, one
// transaction per batch. Batches are self-contained, so WRITERS connections load them side by
// side while the next one is generated; at most WRITERS + 1 batches are held in memory.

export { DEFAULT_DEMO_CONVERSATIONS };
export const DEFAULT_SEED = 20261122;
const BATCH_MESSAGES = 50_000;
/**
 * Index upkeep (and foreign-key checks where they cannot be skipped) makes the server the
 * bottleneck; a second backend uses the second core while this process generates.
 */
const WRITERS = 2;
/** Generation pauses this often (in conversations) so the sockets of COPYs in flight can flush. */
const YIELD_EVERY = 50;

export interface SeedOptions {
  /** default DEFAULT_DEMO_CONVERSATIONS, or unlimited when `messages` is given */
  conversations?: number;
  /** stop after ~this many messages (at a conversation boundary), for the bench */
  messages?: number;
  seed?: number;
  now: Date;
  timezone: string;
  onProgress?: (p: { messages: number; conversations: number; totalConversations: number }) => void;
}

export interface SeedSummary {
  pages: number;
  customers: number;
  conversations: number;
  messages: number;
  sessions: number;
  users: number;
  qaEvents: number;
  templates: number;
  /** the customer agent's demo catalogue and FAQ */
  products: number;
  faqEntries: number;
  errorLogs: number;
  seconds: number;
}

export const REFUSAL = 'the database already holds data; run `pulse db reset --yes` first';

interface Totals extends BatchCounts {
  perPage: Map<number, { conversations: number; messages: number }>;
}

export async function hasData(db: pg.Pool | pg.ClientBase): Promise<boolean> {
  return pagesExist(db);
}

export async function seedDemoData(databaseUrl: string, opts: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  checkOptions(opts);
  return withClient(databaseUrl, async (client) => {
    if (await pagesExist(client)) throw new Error(REFUSAL);
    const seed = opts.seed ?? DEFAULT_SEED;
    const userIds = await insertPagesAndUsers(client, opts.now);
    const writers: pg.Client[] = [];
    let totals: Totals;
    let extras: { templates: number; errorLogs: number };
    let catalogue: CatalogueSeedSummary;
    try {
      let skipsTriggers = false;
      for (let i = 0; i < WRITERS; i++) {
        const writer = new pg.Client({ connectionString: databaseUrl });
        writers.push(writer);
        await writer.connect();
        skipsTriggers = (await enterBulkMode(writer)) || skipsTriggers;
      }
      totals = await loadConversations(writers, { ...opts, seed }, userIds);
      await refreshAllReplyFacts(client, writers);
      // Fresh statistics let the first analytics queries plan well; the two jobs overlap.
      await Promise.all([
        skipsTriggers ? checkForeignKeys(client) : undefined,
        writers[writers.length - 1]!.query(`ANALYZE ${SEEDED_TABLES.join(', ')}, message_replies`),
      ]);
      extras = await finish(client, seed, opts.now, totals);
      // The customer agent's demo catalogue, FAQ and default reply templates.
      catalogue = await seedCatalogue(client);
    } catch (err) {
      // Leave the database empty rather than half-seeded; deleting the pages cascades.
      await client.query('DELETE FROM pages WHERE id = ANY($1)', [PAGES.map((p) => p.id)]).catch(() => {});
      throw err;
    } finally {
      for (const w of writers) await w.end().catch(() => {});
    }
    return {
      pages: PAGES.length,
      customers: totals.conversations,
      conversations: totals.conversations,
      messages: totals.messages,
      sessions: totals.sessions,
      users: userIds.size,
      qaEvents: totals.qaEvents,
      templates: extras.templates + catalogue.templates,
      products: catalogue.products.inserted + catalogue.products.updated,
      faqEntries: catalogue.faq.inserted + catalogue.faq.updated,
      errorLogs: extras.errorLogs,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    };
  });
}

/** The seeded conversations' reply facts (db/reply-facts.ts), shared out among the writers. */
async function refreshAllReplyFacts(client: pg.ClientBase, writers: pg.Client[]): Promise<void> {
  const ids = (await client.query<{ id: number }>('SELECT id FROM conversations ORDER BY id')).rows.map((r) => r.id);
  const CHUNK = 5_000;
  let next = 0;
  await Promise.all(
    writers.map(async (w) => {
      for (let i = next; i < ids.length; i = next) {
        next = i + CHUNK;
        await refreshReplyFacts(w, ids.slice(i, i + CHUNK));
      }
    }),
  );
}

/** Bad options fail here, before anything is written. */
function checkOptions(opts: SeedOptions): void {
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) throw new Error('seed: `now` must be a valid Date');
  new Intl.DateTimeFormat('en-US', { timeZone: opts.timezone }); // throws RangeError for an unknown zone
  for (const key of ['conversations', 'messages'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`seed: \`${key}\` must be a non-negative integer`);
  }
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error('seed: `seed` must be an integer');
}

async function pagesExist(client: pg.Pool | pg.ClientBase): Promise<boolean> {
  const res = await client.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pages) AS found');
  return res.rows[0]?.found === true;
}

/** Returns Slack external id → users.id; users that already exist (e.g. admins) are kept. */
async function insertPagesAndUsers(client: pg.ClientBase, now: Date): Promise<Map<string, number>> {
  const since = new Date(now.getTime() - 120 * DAY);
  return transaction(client, async () => {
    // The lock makes a concurrent seeder wait here and then see our pages, instead of racing us.
    await client.query('LOCK TABLE pages IN SHARE ROW EXCLUSIVE MODE');
    if (await pagesExist(client)) throw new Error(REFUSAL);
    for (const p of PAGES) {
      await client.query(
        `INSERT INTO pages (id, fb_page_id, name, status, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $5)`,
        [p.id, p.fbPageId, p.name, since, now],
      );
    }
    for (const u of USERS) {
      await client.query(
        `INSERT INTO users (platform, external_id, name, email, role, created_at, updated_at)
         VALUES ('slack', $1, $2, $3, $4, $5, $5) ON CONFLICT (platform, external_id) DO NOTHING`,
        [u.externalId, u.name, u.email, u.role, since],
      );
    }
    const res = await client.query<{ id: number; external_id: string }>(
      `SELECT id, external_id FROM users WHERE platform = 'slack' AND external_id = ANY($1)`,
      [USERS.map((u) => u.externalId)],
    );
    return new Map(res.rows.map((r) => [r.external_id, r.id]));
  });
}

async function loadConversations(
  clients: pg.ClientBase[],
  opts: SeedOptions & { seed: number },
  userIds: ReadonlyMap<string, number>,
): Promise<Totals> {
  const maxConversations = opts.conversations ?? (opts.messages === undefined ? DEFAULT_DEMO_CONVERSATIONS : Infinity);
  const maxMessages = opts.messages ?? Infinity;
  const stream = generateConversations({ seed: opts.seed, now: opts.now, timezone: opts.timezone, spanDays: DEFAULT_SPAN_DAYS });
  const generated = { conversations: 0, messages: 0 };
  const done = () => generated.conversations >= maxConversations || generated.messages >= maxMessages;
  const totals: Totals = { conversations: 0, messages: 0, sessions: 0, qaEvents: 0, perPage: new Map() };

  const report = () => {
    const perConversation = generated.messages / Math.max(1, generated.conversations);
    const estimate = Number.isFinite(maxConversations) ? maxConversations : Math.ceil(maxMessages / perConversation);
    opts.onProgress?.({
      messages: totals.messages,
      conversations: totals.conversations,
      totalConversations: done() ? generated.conversations : Math.max(estimate, generated.conversations),
    });
  };

  const pool = new WriterPool(clients);
  try {
    while (!done()) {
      const batch = new Batch(userIds);
      while (!done() && batch.messageCount < BATCH_MESSAGES) {
        const c = stream.next().value;
        batch.add(c);
        generated.conversations++;
        generated.messages += c.messages.length;
        // Let the event loop feed the COPY streams in flight while this batch is being built.
        if (generated.conversations % YIELD_EVERY === 0) await yieldToEventLoop();
      }
      await pool.submit(async (client) => {
        await batch.write(client);
        addBatch(totals, batch);
        report();
      });
    }
    await pool.drain();
  } catch (err) {
    await pool.settle(); // no batch may commit once the caller starts cleaning up
    throw err;
  }
  return totals;
}

function addBatch(totals: Totals, batch: Batch): void {
  const c = batch.counts;
  totals.conversations += c.conversations;
  totals.messages += c.messages;
  totals.sessions += c.sessions;
  totals.qaEvents += c.qaEvents;
  for (const [id, p] of batch.perPage) {
    const t = totals.perPage.get(id) ?? { conversations: 0, messages: 0 };
    totals.perPage.set(id, { conversations: t.conversations + p.conversations, messages: t.messages + p.messages });
  }
}

async function finish(client: pg.ClientBase, seed: number, now: Date, totals: Totals): Promise<{ templates: number; errorLogs: number }> {
  return transaction(client, async () => {
    for (const [pageId, counts] of totals.perPage) {
      await client.query('UPDATE pages SET conversation_count = $2, message_count = $3, updated_at = $4 WHERE id = $1', [pageId, counts.conversations, counts.messages, now]);
    }
    let templates = 0;
    for (const t of generateTemplates(seed, now)) {
      const res = await client.query(
        `INSERT INTO message_templates (page_id, name, message_type, body, variables, active, usage_count, success_count, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
        [t.pageId, t.name, t.messageType, t.body, t.variables, t.active, t.usageCount, t.successCount, new Date(t.createdAt), new Date(t.updatedAt)],
      );
      templates += res.rowCount ?? 0;
    }
    const logs = generateErrorLogs(seed, now, DEFAULT_SPAN_DAYS);
    for (const e of logs) {
      await client.query('INSERT INTO error_logs (source, message, context, created_at) VALUES ($1, $2, $3, $4)', [e.source, e.message, e.context, new Date(e.at)]);
    }
    await seedQaReviews(client, seed, now);
    await seedCsat(client, seed, now);
    await seedHandoffCases(client);
    // We supplied the ids, so the serial sequences must be moved past them.
    for (const table of ['pages', 'customers', 'conversations', 'messages', 'sessions', 'qa_events']) {
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM ${table}`);
    }
    return { templates, errorLogs: logs.length };
  });
}
