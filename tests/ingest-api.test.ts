import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { qaQueue } from '../src/db/read/qa-queue.ts';
import { sessionTranscript } from '../src/db/qa-review-repo.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { mayAskAnalytics } from '../src/domain/access.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import type { AnalysisPipeline } from '../src/jobs/analysis/pipeline.ts';
import { createLogger } from '../src/logger.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// POST /api/ingest/messages: an outside AI agent's conversations come in through a `bot`
// token, idempotently by message id, with per-message answers; the sessions they make are
// QA'd and scored like our own bot's. The bot token may do nothing else.

const NOW = new Date('2026-11-26T09:00:00Z');
const MAX = 6;

let db: TestDatabase;
let app: FastifyInstance;
let pipeline: AnalysisPipeline;
const tokens: Record<'bot' | 'qa' | 'admin', string> = { bot: '', qa: '', admin: '' };

const ingest = (body: unknown, who: keyof typeof tokens = 'bot') =>
  app.inject({ method: 'POST', url: '/api/ingest/messages', headers: { authorization: `Bearer ${tokens[who]}` }, payload: body as object });

const page = { id: '900100200300', name: 'Acme Outside Bot' };
const customer = { psid: 'psid-ext-1', name: 'Dana' };

/** One customer-day: a question, the bot's template answer, a follow-up, the bot's LLM answer, a thank-you. */
const conversation = (chat: string) => [
  { mid: `${chat}.1`, conversationId: chat, page, customer, sender: 'customer', text: 'How much is the blue kettle?', at: '2026-11-25T14:30:00Z',
    ai: { classification: 'price_inquiry', confidence: 0.92, processingMs: 41 } },
  { mid: `${chat}.2`, conversationId: chat, page, customer, sender: 'bot', text: 'The blue kettle is 39 €.', at: '2026-11-25T14:30:05Z',
    agent: { name: 'Acme Assistant' }, ai: { reply: 'template', template: 'price_answer', classification: 'price_inquiry', confidence: 0.92, processingMs: 350 } },
  { mid: `${chat}.3`, conversationId: chat, page, customer, sender: 'customer', text: 'Do you deliver it to Porto?', at: '2026-11-25T14:31:00Z',
    ai: { classification: 'availability_check', confidence: 0.48 } },
  { mid: `${chat}.4`, conversationId: chat, page, customer, sender: 'bot', direction: 'to_client', text: 'Yes, delivery to Porto takes 2 days.', at: '2026-11-25T14:31:20Z',
    ai: { reply: 'llm', model: 'gpt-4o-mini', processingMs: 1_800 } },
  { mid: `${chat}.5`, conversationId: chat, page, customer, sender: 'customer', text: 'Great, thanks!', at: '2026-11-25T14:32:00Z',
    ai: { classification: 'gratitude', confidence: 0.99 } },
];

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(text, params)).rows as T[];
}

beforeAll(async () => {
  db = await createTestDatabase('ingest_api');
  pipeline = await openAnalysisPipeline(db.url, { config: loadConfig({}), scorer: createOfflineScorer() });
  for (const role of ['bot', 'qa', 'admin'] as const) {
    tokens[role] = (await createApiToken(db.pool, { user: { kind: 'api', externalId: `ingest-${role}` }, role })).token;
  }
  app = await build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    pool: db.pool,
    plugins: [
      apiRoutes({
        pool: db.pool, timezone: 'UTC', now: () => NOW, rateLimit: { max: 10_000, exportMax: 10_000 },
        ingest: { maxMessages: MAX, afterIngest: async (ids) => void (await pipeline.plan({ conversationIds: ids })) },
      }),
    ],
  });
});

afterAll(async () => {
  await app?.close();
  await pipeline?.stop();
  await db?.drop();
});

describe('POST /api/ingest/messages', () => {
  it('stores a batch once: sent again, every message is a duplicate and nothing new is stored', async () => {
    const first = await ingest({ messages: conversation('ext-chat-1') });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ accepted: 5, duplicates: 0, rejected: 0 });
    expect(first.json().results.map((r: { status: string }) => r.status)).toEqual(Array(5).fill('accepted'));

    const again = await ingest({ messages: conversation('ext-chat-1') });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 5, rejected: 0 });
    expect(again.json().results[0]).toEqual({ index: 0, mid: 'ext-chat-1.1', status: 'duplicate', reason: 'stored already' });

    const stored = await sql<{ n: number; conversations: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT conversation_id)::int AS conversations FROM messages WHERE mid LIKE 'ext-chat-1.%'`,
    );
    expect(stored[0]).toEqual({ n: 5, conversations: 1 });
    const [conv] = await sql<{ total_messages: number; customer_messages: number; agent_messages: number; page: string; customer: string }>(
      `SELECT c.total_messages, c.customer_messages, c.agent_messages, p.name AS page, cu.name AS customer
         FROM conversations c JOIN pages p ON p.id = c.page_id JOIN customers cu ON cu.id = c.customer_id WHERE c.fb_chat_id = 'ext-chat-1'`,
    );
    expect(conv).toEqual({ total_messages: 5, customer_messages: 3, agent_messages: 2, page: 'Acme Outside Bot', customer: 'Dana' });
  });

  it('keeps the AI decisions where our own bot keeps them', async () => {
    const rows = await sql<{ mid: string; classification: string | null; confidence: number | null; processing_time_ms: number | null; agent_info: Record<string, unknown> | null }>(
      `SELECT mid, classification, classification_confidence AS confidence, processing_time_ms, agent_info FROM messages WHERE mid LIKE 'ext-chat-1.%' ORDER BY mid`,
    );
    expect(rows[0]).toMatchObject({ classification: 'price_inquiry', confidence: 0.92, processing_time_ms: 41, agent_info: null });
    expect(rows[1]).toMatchObject({
      classification: null, processing_time_ms: 350,
      agent_info: { name: 'Acme Assistant', response_type: 'template', template: 'price_answer', intent: 'price_inquiry', confidence: 0.92, source: 'ingest' },
    });
    expect(rows[3]!.agent_info).toMatchObject({ response_type: 'llm', model: 'gpt-4o-mini' });
    // reply facts: each customer message and the reply that answered it
    const facts = await sql<{ asked: Date; replied: Date; kind: string }>(
      `SELECT r.asked_at AS asked, r.replied_at AS replied, r.reply_kind AS kind FROM message_replies r
         JOIN conversations c ON c.id = r.conversation_id WHERE c.fb_chat_id = 'ext-chat-1' ORDER BY r.asked_at`,
    );
    expect(facts.map((f) => [f.asked.toISOString(), f.replied.toISOString(), f.kind])).toEqual([
      ['2026-11-25T14:30:00.000Z', '2026-11-25T14:30:05.000Z', 'bot'],
      ['2026-11-25T14:31:00.000Z', '2026-11-25T14:31:20.000Z', 'bot'],
    ]);
  });

  it('makes a session that waits in the QA queue, shows how the bot answered, and can be reviewed', async () => {
    const [session] = await sql<{ id: number; ai_engaged: boolean; completion_status: string; message_count: number }>(
      `SELECT s.id, s.ai_engaged, s.completion_status::text, s.message_count FROM sessions s
         JOIN conversations c ON c.id = s.conversation_id WHERE c.fb_chat_id = 'ext-chat-1'`,
    );
    expect(session).toMatchObject({ ai_engaged: true, completion_status: 'complete', message_count: 5 });
    const queue = await qaQueue(db.pool, { limit: 100 });
    expect(queue.oldest.map((q) => q.sessionId)).toContain(session!.id);

    const transcript = await sessionTranscript(db.pool, session!.id, { offset: 0, limit: 10 });
    expect(transcript?.messages.map((m) => m.producedBy ?? null)).toEqual([null, 'template price_answer', null, 'LLM (gpt-4o-mini)', null]);

    const reviewed = await app.inject({
      method: 'PATCH', url: `/api/sessions/${session!.id}/qa`, headers: { authorization: `Bearer ${tokens.qa}` }, payload: { status: 'passed' },
    });
    expect(reviewed.statusCode).toBe(200);
    expect(reviewed.json().session.qaStatus).toBe('passed');
  });

  it("queues the conversation's day for analysis, which scores it", async () => {
    await pipeline.waitForIdle();
    const days = await sql<{ day: string; csi: number | null; analyzed: boolean; message_count: number }>(
      `SELECT d.day::text AS day, d.csi, d.analyzed_at IS NOT NULL AS analyzed, d.message_count FROM daily_analyses d
         JOIN conversations c ON c.id = d.conversation_id WHERE c.fb_chat_id = 'ext-chat-1'`,
    );
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ day: '2026-11-25', analyzed: true, message_count: 5 });
    expect(days[0]!.csi).toEqual(expect.any(Number));
  });

  it('answers per message: rejected ones with their reason (207), the others stored, a mid repeated in the batch a duplicate', async () => {
    const good = conversation('ext-chat-2').slice(0, 2);
    const res = await ingest({
      messages: [
        good[0],
        { ...good[1], mid: 'ext-chat-2.bad-time', at: '25/11/2026 14:30' },
        { ...good[0], mid: 'ext-chat-2.no-text', text: '   ' },
        { ...good[0], mid: 'ext-chat-2.wrong-way', direction: 'to_client' },
        { ...good[0], mid: 'ext-chat-2.extra', colour: 'blue' },
        good[0],
      ],
    });
    expect(res.statusCode).toBe(207);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 1, duplicates: 1, rejected: 4 });
    expect(body.results).toEqual([
      { index: 0, mid: 'ext-chat-2.1', status: 'accepted' },
      { index: 1, mid: 'ext-chat-2.bad-time', status: 'rejected', reason: expect.stringMatching(/^at: at must be an ISO 8601 time/) },
      { index: 2, mid: 'ext-chat-2.no-text', status: 'rejected', reason: 'text: a message needs text or attachments' },
      { index: 3, mid: 'ext-chat-2.wrong-way', status: 'rejected', reason: 'direction: a customer message goes to_company' },
      { index: 4, mid: 'ext-chat-2.extra', status: 'rejected', reason: expect.stringContaining('colour') },
      { index: 5, mid: 'ext-chat-2.1', status: 'duplicate', reason: 'the same mid as messages[0]' },
    ]);
    expect(await sql(`SELECT mid FROM messages WHERE mid LIKE 'ext-chat-2.%'`)).toEqual([{ mid: 'ext-chat-2.1' }]);
  });

  it('refuses a malformed body with 400 and a batch over INGEST_MAX_MESSAGES with 413, storing nothing', async () => {
    for (const body of [{}, { messages: 'all of them' }, { messages: [] }, { messages: [], extra: 1 }]) {
      const res = await ingest(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST' });
    }
    const tooMany = Array.from({ length: MAX + 1 }, (_, i) => ({ ...conversation('ext-chat-3')[0], mid: `ext-chat-3.${i}` }));
    const res = await ingest({ messages: tooMany });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'BATCH_TOO_LARGE' });
    expect(await sql(`SELECT mid FROM messages WHERE mid LIKE 'ext-chat-3.%'`)).toEqual([]);
  });

  it('lets a bot token ingest and nothing else; other roles but admin may not ingest', async () => {
    const bot = { authorization: `Bearer ${tokens.bot}` };
    for (const [method, url, payload] of [
      ['GET', '/api/sessions', undefined],
      ['GET', '/api/stats', undefined],
      ['POST', '/api/errors', { source: 'bot', message: 'hello' }],
      ['PATCH', '/api/sessions/1/qa', { status: 'passed' }],
      ['GET', '/api/metrics', undefined],
    ] as const) {
      const res = await app.inject({ method, url, headers: bot, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().message).toMatch(/may only send messages to POST \/api\/ingest\/messages/);
    }
    const qa = await ingest({ messages: conversation('ext-chat-4') }, 'qa');
    expect(qa.statusCode).toBe(403);
    const admin = await ingest({ messages: conversation('ext-chat-4') }, 'admin');
    expect(admin.statusCode).toBe(200);
    expect(mayAskAnalytics('bot')).toBe(false);
  });

  it('appends a later batch to the conversation: its session, counters and reply facts follow', async () => {
    const chat = conversation('ext-chat-5');
    expect((await ingest({ messages: chat.slice(0, 2) })).json()).toMatchObject({ accepted: 2 });
    expect((await ingest({ messages: chat.slice(2) })).json()).toMatchObject({ accepted: 3 });
    const [row] = await sql<{ total: number; sessions: number; n: number; completion: string; facts: number }>(
      `SELECT c.total_messages AS total, count(s.id)::int AS sessions, max(s.message_count) AS n, max(s.completion_status::text) AS completion,
              (SELECT count(*)::int FROM message_replies r WHERE r.conversation_id = c.id) AS facts
         FROM conversations c JOIN sessions s ON s.conversation_id = c.id WHERE c.fb_chat_id = 'ext-chat-5' GROUP BY c.id`,
    );
    expect(row).toEqual({ total: 5, sessions: 1, n: 5, completion: 'complete', facts: 2 });
  });

  it('is documented in the OpenAPI document with its message schema', async () => {
    const doc = (await app.inject('/docs/json')).json();
    const op = doc.paths['/api/ingest/messages'].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '207', '400', '401', '403', '413', '429']));
    const item = op.requestBody.content['application/json'].schema.properties.messages.items;
    expect(item.required).toEqual(expect.arrayContaining(['mid', 'conversationId', 'page', 'sender', 'at']));
    expect(item.properties.ai.properties.reply.enum).toEqual(['template', 'llm']);
  });
});
