import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import { loadConfig } from '../src/config.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { sessionTranscript } from '../src/db/qa-review-repo.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';
import { messengerPools, type TestMessengerPools } from './helpers/root.ts';

// Acceptance with the real customer agent (offline templates, the demo catalogue): Meta-shaped
// signed posts → replies on the fake Graph API with the right recipient, messaging_type and
// text; the catalogue's price for a known product, no invented price for an unknown one.

const SECRET = 'e2e-app-secret';
const PAGE = '5090000000001';
const TOKEN = 'EAAG-e2e';

let db: TestDatabase;
let graph: FakeGraph;
let app: FastifyInstance;
let messenger: MessengerService;
let n = 0;
const psid = () => `PSIDE2E${++n}`;
const mid = () => `m_e2e_${Date.now()}_${++n}`;
const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
const sendsTo = (user: string) => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === user);

async function post(messaging: unknown[]) {
  const raw = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging }] });
  const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(SECRET, raw) } });
  expect(res.statusCode).toBe(200);
}
const text = (user: string, t: string) => ({ sender: { id: user }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: mid(), text: t } });

let mpools: TestMessengerPools | undefined;
beforeAll(async () => {
  db = await createTestDatabase('messenger_e2e');
  await seedCatalogue(db.pool);
  await db.pool.query(`UPDATE products SET price = 49.90, currency = 'EUR' WHERE name = 'Boom Mini Speaker'`);
  graph = await startFakeGraph({ tokens: [TOKEN] });
  const config = loadConfig({ MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
  const { logger } = capturingLogger('warn');
  const agent = createCustomerAgent({ pool: db.pool, config, logger });
  messenger = await startMessenger({ config, pool: db.pool, pools: (mpools = messengerPools(db.url)), materializerDatabaseUrl: db.url, logger, agent });
  app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin] });
});
afterAll(async () => {
  await messenger?.stop();
  await app?.close();
  await graph?.close();
  await mpools?.end();
  await db?.drop();
});

describe('Messenger with the real customer agent', () => {
  it('a price question for a catalogue product: the catalogue\'s price, as a RESPONSE to that customer', async () => {
    const user = psid();
    await post([text(user, 'How much is the Boom Mini Speaker?')]);
    const [sent] = await eventually(async () => sendsTo(user).length > 0 && sendsTo(user));
    expect(sent!.body).toMatchObject({ recipient: { id: user }, messaging_type: 'RESPONSE' });
    expect(sent!.body.tag).toBeUndefined();
    expect((sent!.body.message as { text: string }).text).toContain('€49.90');
    const [m] = await eventually(async () => {
      const r = await q<{ classification: string | null; processing_time_ms: number | null }>(
        `SELECT classification, processing_time_ms FROM messages WHERE sender_kind = 'customer' AND text = 'How much is the Boom Mini Speaker?'`);
      return r[0]?.classification ? r : false;
    });
    expect(m).toMatchObject({ classification: 'price_inquiry' });
    expect(m!.processing_time_ms).toBeGreaterThanOrEqual(0);
    // the stored reply says who wrote it and what it answered (issue 20: transcript truth)
    const [bot] = await eventually(async () => {
      const r = await q<{ agent_info: Record<string, unknown> | null; id: number; conversation_id: number }>(
        `SELECT m.agent_info, m.id, m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.fb_chat_id = $1 AND m.sender_kind = 'bot'`, [`${PAGE}:${user}`]);
      return r.length > 0 && r;
    });
    expect(bot!.agent_info).toEqual({ response_type: 'template', template: 'price_known', intent: 'price_inquiry', confidence: expect.any(Number) });
    await eventually(async () => (await q(`SELECT 1 FROM sessions WHERE conversation_id = $1`, [bot!.conversation_id])).length > 0);
    const session = (await q<{ id: number }>(`SELECT id FROM sessions WHERE conversation_id = $1`, [bot!.conversation_id]))[0]!;
    const transcript = await sessionTranscript(db.pool, session.id, { offset: 0, limit: 10 });
    expect(transcript!.messages.find((x) => x.from === 'bot')).toMatchObject({ producedBy: 'template price_known', answering: { classification: 'price_inquiry' } });
  });

  it('a page\'s own disclosure text replaces the default in a new conversation\'s first reply', async () => {
    await db.pool.query(`UPDATE pages SET bot_disclosure = 'Automated assistant of {{page_name}} here; write "talk to a person" for our team.' WHERE fb_page_id = $1`, [PAGE]);
    try {
      const user = psid();
      await post([text(user, 'How much is the Boom Mini Speaker?')]);
      const [sent] = await eventually(async () => sendsTo(user).length > 0 && sendsTo(user));
      const name = (await q<{ name: string }>(`SELECT name FROM pages WHERE fb_page_id = $1`, [PAGE]))[0]!.name;
      // its template count is committed with the event: wait for that, so the next test counts from here
      await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state = 'done'`, [user])).length === 1);
      expect((sent!.body.message as { text: string }).text).toMatch(new RegExp(`^Automated assistant of ${name} here; write "talk to a person" for our team\\.\\n\\nThe Boom Mini Speaker costs €49\\.90`));
    } finally {
      await db.pool.query(`UPDATE pages SET bot_disclosure = NULL WHERE fb_page_id = $1`, [PAGE]);
    }
  });

  it('an event handled again after a crash (back to pending): not answered twice, its template counted once', async () => {
    const user = psid();
    const usage = async () => (await q<{ usage_count: number; success_count: number }>(`SELECT usage_count, success_count FROM message_templates WHERE name = 'price_known'`))[0]!;
    const before = await usage();
    const m = text(user, 'How much is the Boom Mini Speaker?');
    await post([m]);
    await eventually(async () => sendsTo(user).length > 0);
    const key = m.message.mid;
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE event_key = $1 AND state = 'done'`, [key])).length > 0);
    expect(await usage()).toEqual({ usage_count: before.usage_count + 1, success_count: before.success_count + 1 });

    // the worker died after sending, before its transaction marked the event done
    await q(`UPDATE messenger_events SET state = 'pending', processed_at = NULL WHERE event_key = $1`, [key]);
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE event_key = $1 AND state = 'done'`, [key])).length > 0);
    expect(sendsTo(user)).toHaveLength(1);
    expect(await usage()).toEqual({ usage_count: before.usage_count + 1, success_count: before.success_count + 1 });
  });

  it('a question answered, then "thanks!": welcomed (no handoff), and the session completes', async () => {
    const user = psid();
    await post([text(user, 'How much is the Boom Mini Speaker?')]);
    await eventually(async () => sendsTo(user).length === 1);
    const [session] = await eventually(async () => {
      const r = await q<{ completion_status: string }>(`SELECT s.completion_status::text FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE c.fb_chat_id = $1`, [`${PAGE}:${user}`]);
      return r.length === 1 && r;
    });
    expect(session).toEqual({ completion_status: 'in_progress' });
    await post([text(user, 'Perfect, thanks a lot!')]);
    await eventually(async () => sendsTo(user).length === 2);
    expect((sendsTo(user)[1]!.body.message as { text: string }).text).not.toContain('automated assistant');
    expect((sendsTo(user)[1]!.body.message as { text: string }).text).toMatch(/^You are welcome/);
    const [done] = await eventually(async () => {
      const r = await q<{ completion_status: string; message_count: number }>(
        `SELECT s.completion_status::text, s.message_count FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE c.fb_chat_id = $1`, [`${PAGE}:${user}`]);
      return r[0]?.message_count === 4 && r;
    });
    expect(done).toEqual({ completion_status: 'complete', message_count: 4 });
    const [conv] = await q<{ handoff_state: string }>(`SELECT handoff_state::text FROM conversations WHERE fb_chat_id = $1`, [`${PAGE}:${user}`]);
    expect(conv).toEqual({ handoff_state: 'bot' });
  });

  it('an unknown product: no invented price, an offer of a human (quick reply)', async () => {
    const user = psid();
    await post([text(user, 'How much is the Zephyr Hoverboard 3000 Pro?')]);
    const [sent] = await eventually(async () => sendsTo(user).length > 0 && sendsTo(user));
    const message = sent!.body.message as { text: string; quick_replies?: { title: string; payload: string }[] };
    // the bot's first message in the conversation: the disclosure, then the answer
    const [disclosure, answer] = message.text.split('\n\n');
    expect(disclosure).toMatch(/^You are chatting with the automated assistant of .+\. To reach a person from our team at any time, write "talk to a person"\.$/);
    expect(answer).not.toMatch(/\d/);
    expect(message.quick_replies).toContainEqual({ content_type: 'text', title: 'Talk to a person', payload: 'SP_HUMAN' });
    // the customer taps it: the quick reply is answered (handed off), once
    await post([{ sender: { id: user }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: mid(), text: 'Talk to a person', quick_reply: { payload: 'SP_HUMAN' } } }]);
    await eventually(async () => sendsTo(user).length === 2);
    const [conv] = await eventually(async () => {
      const r = await q<{ handoff_state: string }>(`SELECT handoff_state::text FROM conversations WHERE fb_chat_id = $1`, [`${PAGE}:${user}`]);
      return r[0]?.handoff_state === 'waiting' && r;
    });
    expect(conv).toEqual({ handoff_state: 'waiting' });
  });

  it('a batch (postback, attachment, echo of another tool): each customer event answered once, the echo never', async () => {
    const [a, b] = [psid(), psid()];
    const t = Date.now();
    await post([
      { sender: { id: a }, recipient: { id: PAGE }, timestamp: t, postback: { title: 'Get Started', payload: 'GET_STARTED', mid: mid() } },
      { sender: { id: b }, recipient: { id: PAGE }, timestamp: t + 1, message: { mid: mid(), attachments: [{ type: 'image', payload: { url: 'https://scontent.example/p.jpg' } }] } },
      { sender: { id: PAGE }, recipient: { id: a }, timestamp: t + 2, message: { is_echo: true, app_id: 263902037430900, mid: mid(), text: 'Welcome! (sent from Business Suite)' } },
    ]);
    await eventually(async () => sendsTo(a).length === 1 && sendsTo(b).length === 1);
    // a answers the person who wrote from Business Suite: the bot stays quiet for 30 minutes
    // (humans first); a's message after that is answered, after every earlier event of the
    // conversation (timestamp order), so an answer to the echo or to "thanks" would come first
    await post([{ ...text(a, 'thanks'), timestamp: t + 3 }]);
    await post([{ ...text(a, 'one more question'), timestamp: t + 31 * 60_000 }]);
    await eventually(async () => sendsTo(a).length >= 2);
    expect(sendsTo(a)).toHaveLength(2);
    expect(sendsTo(a)[0]!.body).toMatchObject({ messaging_type: 'RESPONSE', recipient: { id: a } });
    expect((sendsTo(a)[0]!.body.message as { text: string }).text.length).toBeGreaterThan(0);
    // the bot's messages are stored once Meta answered (the send log's writes go in groups): wait for all six
    const kinds = await eventually(async () => {
      const r = await q<{ sender_kind: string }>(`SELECT m.sender_kind::text FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1 ORDER BY m.social_create_time, m.id`, [`${PAGE}:${a}`]);
      return r.length >= 6 && r;
    });
    // stored order depends on the real send times against the test's timestamps: the kinds are the point
    expect(kinds.map((k) => k.sender_kind).sort()).toEqual(['bot', 'bot', 'customer', 'customer', 'customer', 'human_agent']);
  });
});
