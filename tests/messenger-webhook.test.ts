import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import type { AgentDecision, CustomerAgent, CustomerTurn } from '../src/bots/messenger/types.ts';
import { loadConfig } from '../src/config.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';
import { messengerPools, type TestMessengerPools } from './helpers/root.ts';

// The webhook end to end as the service composes it: build() + startMessenger's plugin, signed
// POSTs shaped like Meta's documented samples, the reply worker, the real Send API client
// against the fake Graph API. Outcomes are read on the fake and in the rows left behind.

const SECRET = 'test-app-secret-3b9e';
const VERIFY = 'verify-me-7c1';
const PAGE = '1090000000001';
const PAGE2 = '1090000000002';
const TOKENS = { [PAGE]: 'EAAG-page-1', [PAGE2]: 'EAAG-page-2' };

/** A stand-in agent for the plumbing: echoes, offers quick replies, hands off on "person". */
const agent: CustomerAgent & { turns: CustomerTurn[] } = {
  turns: [],
  async respond(turn: CustomerTurn): Promise<AgentDecision> {
    this.turns.push(turn);
    const classification = { intent: 'general_inquiry' as const, confidence: 0.7, sentiment: 0 };
    if (/person/i.test(turn.text)) return { kind: 'handoff', reason: 'human_request', text: 'A colleague will answer you here shortly.', classification: { ...classification, intent: 'human_request' } };
    return { kind: 'reply', text: `You said: ${turn.text}`, quickReplies: [{ title: 'Prices', payload: 'PRICES' }], classification, unsure: false };
  },
};

let db: TestDatabase;
let graph: FakeGraph;
let app: FastifyInstance;
let messenger: MessengerService;
let n = 0;
const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

const mid = () => `m_${Date.now()}_${++n}`;
const psid = () => `PSID${++n}${Date.now() % 100000}`;
const body = (entries: unknown[]) => JSON.stringify({ object: 'page', entry: entries });
const entry = (messaging: unknown[], page = PAGE) => ({ id: page, time: Date.now(), messaging });
const textEvent = (user: string, text: string, id = mid(), at = Date.now(), page = PAGE) => ({
  sender: { id: user }, recipient: { id: page }, timestamp: at, message: { mid: id, text },
});

async function post(raw: string, signature: string | null = signatureOf(SECRET, raw)) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/messenger',
    payload: raw,
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
  });
}
const sendsTo = (user: string) => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === user);

let mpools: TestMessengerPools | undefined;
beforeAll(async () => {
  db = await createTestDatabase('messenger_webhook');
  graph = await startFakeGraph({ tokens: Object.values(TOKENS) });
  graph.profiles.set('PSIDPROFILE', { first_name: 'Ada', last_name: 'Lovelace' });
  const config = loadConfig({
    MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: VERIFY, MESSENGER_API_URL: graph.apiUrl,
    MESSENGER_PAGE_TOKENS: Object.entries(TOKENS).map(([p, t]) => `${p}:${t}`).join(','), LOG_LEVEL: 'warn',
  });
  const { logger } = capturingLogger('warn');
  messenger = await startMessenger({ config, pool: db.pool, pools: (mpools = messengerPools(db.url)), materializerDatabaseUrl: db.url, logger, agent, typingAfterMs: 0 });
  app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin] });
});

afterAll(async () => {
  await messenger?.stop();
  await app?.close();
  await graph?.close();
  await mpools?.end();
  await db?.drop();
});

describe('GET /webhooks/messenger (subscription check)', () => {
  it('echoes hub.challenge as text for the right token, 403 otherwise', async () => {
    const ok = await app.inject({ url: `/webhooks/messenger?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444` });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toBe('1158201444');
    // it echoes a query parameter: browsers must not sniff it as anything but text
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    const wrong = await app.inject({ url: '/webhooks/messenger?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1' });
    expect(wrong.statusCode).toBe(403);
    const mode = await app.inject({ url: `/webhooks/messenger?hub.mode=unsubscribe&hub.verify_token=${VERIFY}&hub.challenge=1` });
    expect(mode.statusCode).toBe(403);
  });
});

describe('POST /webhooks/messenger', () => {
  it('refuses a missing or wrong signature and stores nothing', async () => {
    const user = psid();
    const raw = body([entry([textEvent(user, 'hello')])]);
    expect((await post(raw, null)).statusCode).toBe(401);
    expect((await post(raw, signatureOf('another-secret', raw))).statusCode).toBe(403);
    expect((await post(raw, 'sha1=abc')).statusCode).toBe(403);
    // signed over re-serialised JSON instead of the bytes sent: refused too
    expect((await post(raw.replace('hello', 'hellO'), signatureOf(SECRET, raw))).statusCode).toBe(403);
    const [row] = await q<{ n: number }>(`SELECT (SELECT count(*) FROM messenger_events)::int + (SELECT count(*) FROM messages)::int AS n`);
    expect(row!.n).toBe(0);
  });

  it('acknowledges Meta without browser security headers (a fixed text body for a server; helmet built a CSP per request)', async () => {
    const raw = body([entry([textEvent(psid(), 'hello')])]);
    const res = await post(raw);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('EVENT_RECEIVED');
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('answers a text message (emoji, non-ASCII, Meta\'s \\u escapes hashed as sent) with RESPONSE, no tag, after typing_on', async () => {
    const user = psid();
    const id = mid();
    // Meta sends non-ASCII escaped; the signature is over exactly these bytes
    const raw = body([entry([textEvent(user, 'Grüße 👋 ¿precio?', id)])]).replace('ü', '\\u00fc').replace('👋', '\\ud83d\\udc4b');
    const res = await post(raw);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('EVENT_RECEIVED');
    const [sent] = await eventually(async () => sendsTo(user).length > 0 && sendsTo(user));
    expect(sent!.body).toMatchObject({ recipient: { id: user }, messaging_type: 'RESPONSE', message: { text: 'You said: Grüße 👋 ¿precio?' } });
    expect(sent!.body.tag).toBeUndefined();
    expect((sent!.body.message as { quick_replies: unknown[] }).quick_replies).toEqual([{ content_type: 'text', title: 'Prices', payload: 'PRICES' }]);
    expect(sent!.token).toBe(TOKENS[PAGE]);
    const typing = graph.calls.find((c) => (c.body.recipient as { id?: string } | undefined)?.id === user && c.body.sender_action === 'typing_on');
    expect(typing && typing.at <= sent!.at).toBe(true);

    const stored = await eventually(async () => {
      const rows = await q<{ sender_kind: string; direction: string; text: string; classification: string | null; processing_time_ms: number | null }>(
        `SELECT m.sender_kind::text, m.direction::text, m.text, m.classification, m.processing_time_ms FROM messages m
           JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1 ORDER BY m.social_create_time, m.id`,
        [`${PAGE}:${user}`],
      );
      return rows.length === 2 && rows[0]!.classification !== null && rows;
    });
    expect(stored[0]).toMatchObject({ sender_kind: 'customer', direction: 'to_company', text: 'Grüße 👋 ¿precio?', classification: 'general_inquiry' });
    expect(stored[0]!.processing_time_ms).toBeGreaterThanOrEqual(0);
    expect(stored[1]).toMatchObject({ sender_kind: 'bot', direction: 'to_client', text: 'You said: Grüße 👋 ¿precio?' });
    const [conv] = await q<{ total_messages: number; customer_messages: number; agent_messages: number }>(
      `SELECT total_messages, customer_messages, agent_messages FROM conversations WHERE fb_chat_id = $1`, [`${PAGE}:${user}`]);
    expect(conv).toEqual({ total_messages: 2, customer_messages: 1, agent_messages: 1 });
    const [session] = await eventually(async () => {
      const s = await q<{ ai_engaged: boolean; completion_status: string; message_count: number }>(
        `SELECT s.ai_engaged, s.completion_status::text, s.message_count FROM sessions s JOIN conversations c ON c.id = s.conversation_id WHERE c.fb_chat_id = $1`, [`${PAGE}:${user}`]);
      return s.length === 1 && s[0]!.message_count === 2 && s;
    });
    expect(session).toMatchObject({ ai_engaged: true, completion_status: 'in_progress' });
  });

  it('answers every event of batched entries (two pages; quick reply, postback, attachment) once, in each page\'s name', async () => {
    const [a, b, c] = [psid(), psid(), psid()];
    const t = Date.now();
    const raw = body([
      entry([
        { sender: { id: a }, recipient: { id: PAGE }, timestamp: t, message: { mid: mid(), text: 'Prices', quick_reply: { payload: 'PRICES' } } },
        { sender: { id: b }, recipient: { id: PAGE }, timestamp: t + 1, postback: { title: 'Get Started', payload: 'GET_STARTED', mid: mid() } },
      ]),
      entry([{ sender: { id: c }, recipient: { id: PAGE2 }, timestamp: t + 2, message: { mid: mid(), attachments: [{ type: 'image', payload: { url: 'https://scontent.example/photo.jpg' } }] } }], PAGE2),
    ]);
    expect((await post(raw)).statusCode).toBe(200);
    await eventually(async () => sendsTo(a).length + sendsTo(b).length + sendsTo(c).length === 3);
    expect(sendsTo(a)[0]!.body.message).toMatchObject({ text: 'You said: Prices' });
    expect(sendsTo(b)[0]!.body.message).toMatchObject({ text: 'You said: Get Started' });
    expect(sendsTo(c)[0]!.body.message).toMatchObject({ text: 'You said: [1 attachment]' });
    expect(sendsTo(c)[0]!.token).toBe(TOKENS[PAGE2]);
    const turnA = agent.turns.find((x) => x.psid === a)!;
    expect(turnA).toMatchObject({ payload: 'PRICES', isFirstMessage: true, attachments: 0 });
    expect(agent.turns.find((x) => x.psid === c)).toMatchObject({ attachments: 1, pageId: PAGE2 });
    const kinds = await q<{ kind: string }>(`SELECT kind FROM messenger_events WHERE psid = ANY($1) ORDER BY kind`, [[a, b, c]]);
    expect(kinds.map((k) => k.kind)).toEqual(['attachment', 'postback', 'quick_reply']);
  });

  it('stores a resent delivery once and answers it once', async () => {
    const user = psid();
    const raw = body([entry([textEvent(user, 'once please')])]);
    const results = await Promise.all([post(raw), post(raw), post(raw)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    await eventually(async () => sendsTo(user).length === 1);
    expect((await post(raw)).statusCode).toBe(200);
    // One conversation's events are answered in timestamp order: once a later message has its
    // answer, an answer to the resent one would have been sent before it.
    expect((await post(body([entry([textEvent(user, 'and this')])]))).statusCode).toBe(200);
    await eventually(async () => sendsTo(user).length >= 2);
    expect(sendsTo(user).map((x) => (x.body.message as { text: string }).text)).toEqual(['You said: once please', 'You said: and this']);
    const [row] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1 AND m.sender_kind = 'customer'`, [`${PAGE}:${user}`]);
    expect(row!.n).toBe(2);
  });

  it('never answers echoes: ours add nothing, other tools\' are stored as human agent replies and pause the bot', async () => {
    const user = psid();
    expect((await post(body([entry([textEvent(user, 'hi there')])]))).statusCode).toBe(200);
    const [reply] = await eventually(async () => sendsTo(user).length === 1 && sendsTo(user));
    const botMid = reply!.response.message_id as string;
    const at = Date.now();
    const echoOurs = { sender: { id: PAGE }, recipient: { id: user }, timestamp: at, message: { is_echo: true, app_id: 1517776481860111, metadata: (reply!.body.message as { metadata: string }).metadata, mid: botMid, text: 'You said: hi there' } };
    const echoTool = { sender: { id: PAGE }, recipient: { id: user }, timestamp: at + 1, message: { is_echo: true, app_id: 263902037430900, mid: mid(), text: 'Hi, Maria from the shop here' } };
    expect((await post(body([entry([echoOurs, echoTool])]))).statusCode).toBe(200);
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND kind = 'echo' AND state = 'done'`, [user])).length === 2);
    // The customer answers Maria: a person is talking, so the bot stays quiet (humans first);
    // 31 minutes later (MESSENGER_HUMAN_PAUSE_MINUTES=30) it answers again. Events run in
    // timestamp order, so once the later one is answered an answer to an echo or to "thanks"
    // would have been sent before it.
    expect((await post(body([entry([{ ...textEvent(user, 'thanks'), timestamp: at + 2 }])]))).statusCode).toBe(200);
    expect((await post(body([entry([{ ...textEvent(user, 'still there?'), timestamp: at + 31 * 60_000 }])]))).statusCode).toBe(200);
    await eventually(async () => sendsTo(user).length >= 2);
    expect(sendsTo(user).map((x) => (x.body.message as { text: string }).text)).toEqual(['You said: hi there', 'You said: still there?']);
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state = 'done'`, [user])).length === 5);
    const msgs = await q<{ sender_kind: string; direction: string; text: string }>(
      `SELECT m.sender_kind::text, m.direction::text, m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1 ORDER BY m.social_create_time, m.id`,
      [`${PAGE}:${user}`],
    );
    // (the test dates "still there?" 31 minutes ahead, while the bot's reply is stored at the
    // real send time, so stored order is not the point here: what is stored is)
    expect(msgs).toHaveLength(6);
    expect(msgs).toEqual(
      expect.arrayContaining([
        { sender_kind: 'customer', direction: 'to_company', text: 'hi there' },
        { sender_kind: 'bot', direction: 'to_client', text: 'You said: hi there' },
        { sender_kind: 'human_agent', direction: 'to_client', text: 'Hi, Maria from the shop here' },
        { sender_kind: 'customer', direction: 'to_company', text: 'thanks' },
        { sender_kind: 'customer', direction: 'to_company', text: 'still there?' },
        { sender_kind: 'bot', direction: 'to_client', text: 'You said: still there?' },
      ]),
    );
  });

  it('stores delivery and read receipts and standby messages without answering; ignores unknown entries; refuses non-page bodies', async () => {
    const user = psid();
    const raw = body([
      entry([
        { sender: { id: user }, recipient: { id: PAGE }, delivery: { mids: ['m_x'], watermark: Date.now() } },
        { sender: { id: user }, recipient: { id: PAGE }, timestamp: Date.now(), read: { watermark: Date.now() } },
        { sender: { id: user }, recipient: { id: PAGE }, timestamp: Date.now(), reaction: { reaction: 'love', mid: 'm_x', action: 'react' } },
      ]),
      { id: PAGE, time: Date.now(), standby: [{ sender: { id: user }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: mid(), text: 'to the other app' } }] },
    ]);
    expect((await post(raw)).statusCode).toBe(200);
    const rows = await q<{ kind: string; state: string }>(`SELECT kind, state::text FROM messenger_events WHERE psid = $1 AND kind <> 'standby' ORDER BY kind`, [user]);
    expect(rows).toEqual([{ kind: 'delivery', state: 'done' }, { kind: 'read', state: 'done' }]);
    // standby (another app owns the conversation, issue 19): stored as the customer's message, handled, never answered
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND kind = 'standby' AND state = 'done'`, [user])).length === 1);
    const stored = await q<{ sender_kind: string; text: string }>(
      `SELECT m.sender_kind::text, m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.fb_chat_id = $1`, [`${PAGE}:${user}`]);
    expect(stored).toEqual([{ sender_kind: 'customer', text: 'to the other app' }]);
    expect(sendsTo(user)).toEqual([]);
    const other = JSON.stringify({ object: 'instagram', entry: [] });
    expect((await post(other)).statusCode).toBe(400);
    expect((await post('{not json')).statusCode).toBe(400);
  });

  it('orders by Meta\'s timestamps, not arrival: conversation times and the worker follow the timestamps', async () => {
    const user = psid();
    const t = Date.now() - 60_000;
    expect((await post(body([entry([textEvent(user, 'second', mid(), t + 2000)])])))).toMatchObject({ statusCode: 200 });
    expect((await post(body([entry([textEvent(user, 'first', mid(), t)])])))).toMatchObject({ statusCode: 200 });
    await eventually(async () => sendsTo(user).length === 2);
    const [conv] = await q<{ first_message_at: Date; last_message_at: Date }>(`SELECT first_message_at, last_message_at FROM conversations WHERE fb_chat_id = $1`, [`${PAGE}:${user}`]);
    expect(conv!.first_message_at.getTime()).toBe(t);
    const [cust] = await q<{ last_message_at: Date }>(`SELECT last_message_at FROM customers WHERE psid = $1`, [user]);
    expect(cust!.last_message_at.getTime()).toBe(t + 2000);
  });

  it('hands off without a desk: the conversation waits, ErrorLog says why, the bot then stays silent', async () => {
    const user = psid();
    expect((await post(body([entry([textEvent(user, 'can I talk to a person?')])]))).statusCode).toBe(200);
    await eventually(async () => sendsTo(user).length === 1);
    expect(sendsTo(user)[0]!.body.message).toMatchObject({ text: 'A colleague will answer you here shortly.' });
    const [conv] = await eventually(async () => {
      const r = await q<{ handoff_state: string; handoff_reason: string }>(`SELECT handoff_state::text, handoff_reason FROM conversations WHERE fb_chat_id = $1`, [`${PAGE}:${user}`]);
      return r[0]?.handoff_state === 'waiting' && r;
    });
    expect(conv!.handoff_reason).toBe('human_request');
    const logs = await q<{ message: string }>(`SELECT message FROM error_logs WHERE context->>'reason' = 'human_request' AND message LIKE 'handoff requested%'`);
    expect(logs.length).toBeGreaterThan(0);
    expect((await post(body([entry([textEvent(user, 'hello?')])]))).statusCode).toBe(200);
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state = 'done'`, [user])).length === 2);
    expect(sendsTo(user)).toHaveLength(1);
  });

  it('ignores blocked customers (stored, flagged in ErrorLog, not answered)', async () => {
    const user = psid();
    expect((await post(body([entry([textEvent(user, 'first')])]))).statusCode).toBe(200);
    await eventually(async () => sendsTo(user).length === 1);
    await q(`UPDATE customers SET blocked = true, blocked_reason = 'spam' WHERE psid = $1`, [user]);
    expect((await post(body([entry([textEvent(user, 'buy followers cheap')])]))).statusCode).toBe(200);
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state = 'skipped'`, [user])).length === 1);
    expect(sendsTo(user)).toHaveLength(1);
    const flagged = await q(`SELECT 1 FROM error_logs WHERE message LIKE $1`, [`%blocked customer ${user}%`]);
    expect(flagged).toHaveLength(1);
  });

  it('fills the customer\'s name once from the user profile API', async () => {
    expect((await post(body([entry([textEvent('PSIDPROFILE', 'hello')])]))).statusCode).toBe(200);
    await eventually(async () => sendsTo('PSIDPROFILE').length === 1);
    // set in the worker's transaction, which commits just after the reply went out
    const [c] = await eventually(async () => {
      const r = await q<{ name: string | null }>(`SELECT name FROM customers WHERE psid = 'PSIDPROFILE'`);
      return r[0]?.name ? r : false;
    });
    expect(c!.name).toBe('Ada Lovelace');
    expect(graph.calls.filter((call) => call.path.endsWith('/PSIDPROFILE'))).toHaveLength(1);
    expect(agent.turns.find((t) => t.psid === 'PSIDPROFILE')?.customerName).toBe('Ada Lovelace');
  });
});
