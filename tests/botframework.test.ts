import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assistant } from '../src/agents/assistant/assistant.ts';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { build } from '../src/app.ts';
import { TestAdapter, type ConversationAccount } from 'botbuilder';
import { PulseBot } from '../src/bots/botframework/bot.ts';
import { botFrameworkRoutes, type BotFrameworkDeps } from '../src/bots/botframework/plugin.ts';
import { DurableActivities } from '../src/bots/botframework/recent-activities.ts';
import { EXAMPLE_QUESTIONS } from '../src/bots/botframework/render.ts';
import { botFrameworkCaller } from '../src/db/users-repo.ts';
import { createLogger } from '../src/logger.ts';
import { decodePng, isPng, offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeConnector, type ConnectorCall, type FakeConnector } from './helpers/fake-connector.ts';
import { capturingLogger } from './helpers/slack-harness.ts';
import { gate } from './helpers/wait.ts';

// The Bot Framework channel end to end: Emulator-style activities are POSTed to /api/messages
// on the app that build() composes, botbuilder's CloudAdapter runs the turn, and the replies
// arrive over HTTP at a fake Connector service (the activity's serviceUrl). The answers are
// compared with the same assistant asked directly, and the numbers with SQL.

const NOW = new Date('2026-11-19T23:30:00Z'); // Fri 20 Nov 2026, 00:30 in Berlin
const TZ = 'Europe/Berlin';
const LAST_WEEK = { from: '2026-11-09', to: '2026-11-15' };
const WEEK_BEFORE = { from: '2026-11-02', to: '2026-11-08' };

let db: TestDatabase;
let opened: OpenAssistant;
let connector: FakeConnector;
const apps: FastifyInstance[] = [];
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase('botframework');
  await seedAndAnalyse(db.url, { conversations: 400, now: NOW, timeZone: TZ });
  opened = await openAssistant(offlineConfig(TZ), db.url, { now: () => NOW, pool: db.pool });
  connector = await startFakeConnector();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await connector?.close();
  await opened?.close();
  await db?.drop();
});

/** The offline assistant, counting its questions and optionally held (until `hold` resolves), slower or failing. */
function assistantDouble(opts: { hold?: Promise<void>; delayMs?: number; fail?: string } = {}): Assistant & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    modelName: opened.assistant.modelName,
    async ask(thread, question, askOpts) {
      asked.push(question);
      if (opts.hold) await opts.hold;
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.fail) throw new Error(opts.fail);
      return opened.assistant.ask(thread, question, askOpts);
    },
  };
}

async function botApp(assistant: Assistant, opts: Partial<BotFrameworkDeps> = {}, log = logger): Promise<FastifyInstance> {
  const app = await build({
    prisma: db.prisma,
    logger: log,
    pool: db.pool,
    plugins: [botFrameworkRoutes({ assistant, pool: db.pool, botFramework: {}, host: '127.0.0.1', replyWithinMs: 30_000, ...opts })],
  });
  apps.push(app);
  return app;
}

let seq = 0;
/** An activity as the Bot Framework Emulator posts it. */
function emulatorActivity(conversationId: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    type: 'message',
    id: `act-${seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    serviceUrl: connector.url,
    conversation: { id: conversationId },
    from: { id: 'user-lea', name: 'Lea', role: 'user' },
    recipient: { id: 'bot-pulse', name: 'SupportPulse', role: 'bot' },
    locale: 'en-US',
    text,
    ...extra,
  };
}

const post = (app: FastifyInstance, activity: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/messages', payload: activity, headers });

const messages = (conversationId: string): ConnectorCall[] => connector.callsIn(conversationId, 'message');

const direct = (threadKey: string, question: string) => opened.assistant.ask({ channel: 'direct', threadKey }, question);

async function csiOf(d: { from: string; to: string }): Promise<{ csi: number; n: number }> {
  const { rows } = await db.pool.query<{ csi: number; n: number }>(
    'SELECT avg(csi) AS csi, count(*)::int AS n FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN $1::date AND $2::date',
    [d.from, d.to],
  );
  return rows[0]!;
}

/** "CSI last week (…): 72.4 over 123 scored conversation-days" → 72.4 and 123. */
function headline(text: string): { label: string; csi: string; days: number } {
  const m = /^Average CSI, (.+?): (\S+)\n[^]*?Based on ([\d,]+) conversation-days/.exec(text);
  expect(m, text).not.toBeNull();
  return { label: m![1]!, csi: m![2]!, days: Number(m![3]!.replace(/,/g, '')) };
}

describe('Bot Framework /api/messages (local mode, as the Emulator talks to it)', () => {
  it('answers "What was the CSI last week?" with the same text as the assistant asked directly, and the SQL mean', async () => {
    const app = await botApp(opened.assistant);
    const activity = emulatorActivity('conv-csi', 'What was the CSI last week?');
    const res = await post(app, activity);
    expect(res.statusCode).toBe(200);

    const calls = connector.callsIn('conv-csi');
    expect(calls.map((c) => c.activity.type)).toEqual(['typing', 'message']);
    const reply = calls[1]!;
    expect(reply.kind).toBe('reply');
    expect(reply.activityId).toBe(activity.id);
    expect(reply.activity.textFormat).toBe('markdown');
    expect(reply.activity.from?.id).toBe('bot-pulse');
    expect(reply.activity.recipient?.id).toBe('user-lea');
    // Local mode: the bot sends no token to the channel.
    expect(reply.headers.authorization).toBeUndefined();

    const expected = await direct('csi-last-week', 'What was the CSI last week?');
    expect(reply.activity.text).toBe(expected.text);
    const shown = headline(reply.activity.text!);
    expect(shown.label).toBe('last week (Mon 9 Nov – Sun 15 Nov 2026)');
    const sql = await csiOf(LAST_WEEK);
    expect(sql.n).toBeGreaterThan(10);
    expect(shown.csi).toBe(sql.csi.toFixed(1));
    expect(shown.days).toBe(sql.n);

    // The asker is a users row of its own (platform botframework, lowest role), and the
    // conversation is the assistant's thread.
    const user = await db.pool.query(`SELECT role::text AS role, name FROM users WHERE platform = 'botframework' AND external_id = 'user-lea'`);
    expect(user.rows).toEqual([{ role: 'agent', name: 'Lea' }]);
    const thread = await db.pool.query(
      `SELECT count(m.*)::int AS n FROM agent_threads t JOIN agent_messages m ON m.thread_id = t.id WHERE t.channel = 'botframework' AND t.thread_key = 'conv-csi'`,
    );
    expect(thread.rows[0].n).toBeGreaterThanOrEqual(2);
  });

  it('sends a chart as an image/png attachment whose bytes are the PNG the assistant drew', async () => {
    const app = await botApp(opened.assistant);
    const question = 'Show the CSI trend for the last 30 days';
    // A Teams user: the users row is keyed by the Entra object id, not the conversation-scoped id.
    const res = await post(app, emulatorActivity('conv-chart', question, { from: { id: '29:abc', name: 'Noor', aadObjectId: 'aad-noor' } }));
    expect(res.statusCode).toBe(200);
    const [reply] = messages('conv-chart');
    expect(reply).toBeDefined();
    const expected = await direct('chart', question);
    expect(reply!.activity.text).toBe(expected.text);
    expect(expected.charts).toHaveLength(1);

    expect(reply!.activity.attachments).toHaveLength(1);
    const att = reply!.activity.attachments![0]!;
    expect(att.contentType).toBe('image/png');
    expect(att.name).toMatch(/\.png$/);
    const prefix = 'data:image/png;base64,';
    expect(att.contentUrl!.startsWith(prefix)).toBe(true);
    const png = Buffer.from(att.contentUrl!.slice(prefix.length), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(isPng(png)).toBe(true);
    expect(decodePng(png).width).toBeGreaterThan(300);
    expect(png.equals(expected.charts[0]!.png)).toBe(true);

    const users = await db.pool.query(`SELECT external_id FROM users WHERE platform = 'botframework' AND name = 'Noor'`);
    expect(users.rows).toEqual([{ external_id: 'aad-noor' }]);
  });

  it('follows up in the same conversation with memory: "and the week before?"', async () => {
    const app = await botApp(opened.assistant);
    expect((await post(app, emulatorActivity('conv-follow', 'What was the CSI last week?'))).statusCode).toBe(200);
    expect((await post(app, emulatorActivity('conv-follow', 'and the week before?'))).statusCode).toBe(200);
    const replies = messages('conv-follow').map((c) => c.activity.text!);
    expect(replies).toHaveLength(2);

    const shown = headline(replies[1]!);
    expect(shown.label).toBe('the week before (Mon 2 Nov – Sun 8 Nov 2026)');
    const sql = await csiOf(WEEK_BEFORE);
    expect(shown.csi).toBe(sql.csi.toFixed(1));
    expect(shown.days).toBe(sql.n);

    // The same two questions asked directly give the same two answers.
    await direct('follow', 'What was the CSI last week?');
    expect(replies[1]).toBe((await direct('follow', 'and the week before?')).text);
    // Without the conversation's memory the follow-up is not understood as a week.
    const fresh = await botApp(opened.assistant);
    await post(fresh, emulatorActivity('conv-no-memory', 'and the week before?'));
    expect(messages('conv-no-memory')[0]!.activity.text).not.toBe(replies[1]);
  });

  it('delivers a slow answer proactively after the HTTP request was answered', async () => {
    // The answer is held until the HTTP request has been answered: it cannot be in that answer.
    const answer = gate();
    const slow = assistantDouble({ hold: answer.promise });
    const app = await botApp(slow, { replyWithinMs: 300 });
    const res = await post(app, emulatorActivity('conv-slow', 'What was the CSI last week?'));
    expect(res.statusCode).toBe(200);
    // At that point the user has seen the typing indicator and nothing else.
    expect(connector.callsIn('conv-slow').map((c) => c.activity.type)).toEqual(['typing']);

    answer.release();
    await connector.waitFor(() => messages('conv-slow').length === 1);
    const reply = messages('conv-slow')[0]!;
    expect(reply.activity.text).toBe((await direct('slow', 'What was the CSI last week?')).text);
    expect(reply.activity.conversation?.id).toBe('conv-slow');
    expect(reply.activity.recipient?.id).toBe('user-lea');
    expect(slow.asked).toEqual(['What was the CSI last week?']);
  });

  it('answers an activity delivered three times (channel retries with the same id, once after a restart) once', async () => {
    const counting = assistantDouble({ delayMs: 500 });
    const app = await botApp(counting, { replyWithinMs: 100 });
    const activity = emulatorActivity('conv-dup', 'What was the CSI last week?');
    // The retry arrives while the first delivery is still being answered, and once more after.
    const [a, b] = await Promise.all([post(app, activity), post(app, activity)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    await connector.waitFor(() => messages('conv-dup').length >= 1);
    expect((await post(app, activity)).statusCode).toBe(200);
    // A new activity in the same conversation is answered: the check is per activity id.
    await post(app, emulatorActivity('conv-dup', 'and the week before?'));
    await connector.waitFor(() => messages('conv-dup').length >= 2);
    // The same activity once more after a restart (a new app on the same database).
    const restarted = await botApp(counting, { replyWithinMs: 100 });
    expect((await post(restarted, activity)).statusCode).toBe(200);
    // Answers in one conversation are given in order: once a question sent after the repeat has
    // been answered, a second answer to the repeat would have come before it.
    await post(restarted, emulatorActivity('conv-dup', 'How many conversations were there last week?'));
    await connector.waitFor(() => messages('conv-dup').length >= 3);
    expect(messages('conv-dup')).toHaveLength(3);
    expect(counting.asked).toEqual(['What was the CSI last week?', 'and the week before?', 'How many conversations were there last week?']);
    const kept = await db.pool.query(`SELECT activity_id FROM botframework_activities WHERE conversation_id = 'conv-dup'`);
    expect(kept.rowCount).toBe(3);
  });

  it('welcomes members added to the conversation (not the bot itself) with example questions', async () => {
    const app = await botApp(opened.assistant);
    const update = (members: { id: string }[]) =>
      emulatorActivity('conv-welcome', '', { type: 'conversationUpdate', text: undefined, membersAdded: members });
    expect((await post(app, update([{ id: 'bot-pulse' }]))).statusCode).toBe(200);
    expect(messages('conv-welcome')).toHaveLength(0);
    expect((await post(app, update([{ id: 'bot-pulse' }, { id: 'user-lea' }]))).statusCode).toBe(200);
    const welcome = messages('conv-welcome');
    expect(welcome).toHaveLength(1);
    for (const q of EXAMPLE_QUESTIONS) expect(welcome[0]!.activity.text).toContain(q);
  });

  it('turns a failure into a friendly message, a log entry and an error_logs row, never silence', async () => {
    const failing = assistantDouble({ fail: 'model provider unreachable' });
    const app = await botApp(failing);
    expect((await post(app, emulatorActivity('conv-fail', 'What was the CSI last week?'))).statusCode).toBe(200);
    const [reply] = messages('conv-fail');
    expect(reply!.activity.text).toMatch(/^Sorry, I could not answer that/);
    const ref = /reference E(\d+)\)/.exec(reply!.activity.text!);
    expect(ref).not.toBeNull();
    expect(reply!.activity.text).not.toContain('unreachable');
    const logged = await db.pool.query(`SELECT source, message, context FROM error_logs WHERE id = $1`, [Number(ref![1])]);
    expect(logged.rows).toEqual([
      { source: 'botframework', message: 'model provider unreachable', context: expect.objectContaining({ conversation: 'conv-fail', stage: 'answer' }) },
    ]);
  });

  it('refuses below ASSISTANT_MIN_ROLE by the role in the users table, and answers once an admin raises it', async () => {
    const counting = assistantDouble();
    const app = await botApp(counting, { minRole: 'lead' });
    const ask = () => post(app, emulatorActivity('conv-role', 'What was the CSI last week?', { from: { id: 'user-omar', name: 'Omar' } }));
    expect((await ask()).statusCode).toBe(200);
    expect(messages('conv-role')[0]!.activity.text).toMatch(/needs the \*\*lead\*\* role or higher, and yours is \*\*agent\*\*/);
    expect(counting.asked).toEqual([]);
    await db.pool.query(`UPDATE users SET role = 'lead' WHERE platform = 'botframework' AND external_id = 'user-omar'`);
    expect((await ask()).statusCode).toBe(200);
    expect(messages('conv-role')[1]!.activity.text).toBe((await direct('role', 'What was the CSI last week?')).text);
    expect(counting.asked).toEqual(['What was the CSI last week?']);
  });

  it('records a reply the channel refuses (the turn fails) in error_logs', async () => {
    const app = await botApp(opened.assistant);
    connector.refuse('conv-gone', 403);
    const activity = emulatorActivity('conv-gone', 'What was the CSI last week?');
    expect((await post(app, activity)).statusCode).toBe(200);
    const logged = await db.pool.query(`SELECT message, context FROM error_logs WHERE source = 'botframework' AND context->>'conversation' = 'conv-gone'`);
    expect(logged.rows).toHaveLength(1);
    expect(logged.rows[0].context).toMatchObject({ stage: 'turn', activityId: activity.id });
    expect(connector.callsIn('conv-gone')).toHaveLength(0);
  });

  it('puts the replies in the HTTP response for deliveryMode expectReplies, and strips a Teams mention of the bot', async () => {
    const app = await botApp(opened.assistant);
    const activity = emulatorActivity('conv-expect', '<at>SupportPulse</at> What was the CSI last week?', {
      deliveryMode: 'expectReplies',
      entities: [{ type: 'mention', text: '<at>SupportPulse</at>', mentioned: { id: 'bot-pulse', name: 'SupportPulse' } }],
    });
    const res = await post(app, activity);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { activities: { type: string; text?: string }[] };
    expect(body.activities.map((a) => a.type)).toEqual(['message']);
    expect(body.activities[0]!.text).toBe((await direct('expect', 'What was the CSI last week?')).text);
    expect(connector.callsIn('conv-expect')).toHaveLength(0);
  });
});

describe("botbuilder's TestAdapter", () => {
  it('drives the same handler: typing, then the answer the assistant gives directly, with memory per conversation', async () => {
    const bot = new PulseBot({
      assistant: opened.assistant,
      callerOf: (from) => botFrameworkCaller(db.pool, from.aadObjectId ?? from.id, { name: from.name }),
      sendLater: () => Promise.reject(new Error('not expected: the answer is sent inside the turn')),
      reportError: async (err) => {
        throw err;
      },
      log: logger,
      replyWithinMs: 30_000,
      claims: new DurableActivities(db.pool),
    });
    const adapter = new TestAdapter((context) => bot.run(context), { channelId: 'test', conversation: { id: 'testadapter-1' } as ConversationAccount });
    const first = await direct('testadapter', 'What was the CSI last week?');
    const second = await direct('testadapter', 'and the week before?');
    await adapter
      .send('What was the CSI last week?')
      .assertReply((a) => expect(a.type).toBe('typing'))
      .assertReply((a) => expect(a.text).toBe(first.text))
      .send('and the week before?')
      .assertReply((a) => expect(a.type).toBe('typing'))
      .assertReply((a) => expect(a.text).toBe(second.text))
      .startTest();
  });
});

describe('Bot Framework /api/messages with MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD', () => {
  it('refuses a request without a valid Bot Framework token with 401 and answers nothing', async () => {
    const counting = assistantDouble();
    const app = await botApp(counting, { botFramework: { appId: '00000000-0000-0000-0000-000000000001', appPassword: 'not-used-here' } });
    const noToken = await post(app, emulatorActivity('conv-auth', 'What was the CSI last week?', { from: { id: 'intruder' } }));
    expect(noToken.statusCode).toBe(401);
    const garbage = await post(app, emulatorActivity('conv-auth', 'What was the CSI last week?', { from: { id: 'intruder' } }), {
      authorization: 'Bearer not-a-jwt',
    });
    expect(garbage.statusCode).toBe(401);
    expect(counting.asked).toEqual([]);
    expect(connector.callsIn('conv-auth')).toHaveLength(0);
    const users = await db.pool.query(`SELECT 1 FROM users WHERE external_id = 'intruder'`);
    expect(users.rowCount).toBe(0);
  });

  it('is disabled (503, nothing processed) when only one of the two is set', async () => {
    const counting = assistantDouble();
    const app = await botApp(counting, { botFramework: { appId: '00000000-0000-0000-0000-000000000001' } });
    const res = await post(app, emulatorActivity('conv-half', 'What was the CSI last week?'));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'BOTFRAMEWORK_DISABLED' });
    expect(counting.asked).toEqual([]);
  });
});

describe('Bot Framework without MICROSOFT_APP_ID, reachable from other machines', () => {
  const botUsers = async (ids: string[]) =>
    (await db.pool.query<{ external_id: string }>(`SELECT external_id FROM users WHERE platform = 'botframework' AND external_id = ANY($1)`, [ids])).rows;

  it('refuses every request on a HOST that is not loopback (403, coded), says why at start, asks nothing and stores nobody', async () => {
    const counting = assistantDouble();
    const { logger: log, lines } = capturingLogger();
    const app = await botApp(counting, { host: '0.0.0.0' }, log);
    const res = await post(app, emulatorActivity('conv-open', 'What was the CSI last week?', { from: { id: 'stranger-1', name: 'Mallory', aadObjectId: 'aad-stranger-1' } }));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'BOTFRAMEWORK_LOCAL_MODE_REFUSED', message: expect.stringMatching(/loopback HOST.*BOTFRAMEWORK_ALLOW_ANONYMOUS/) });
    expect(lines.some((l) => l.level === 50 && /refuses every request.*HOST is 0\.0\.0\.0/.test(String(l.msg)))).toBe(true);
    expect(counting.asked).toEqual([]);
    expect(connector.callsIn('conv-open')).toHaveLength(0);
    expect(await botUsers(['stranger-1', 'aad-stranger-1'])).toEqual([]);
  });

  it('with BOTFRAMEWORK_ALLOW_ANONYMOUS: a loud warning, answers, but no identity (no lead role from a claimed aadObjectId, no users row per sender)', async () => {
    await db.pool.query(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('botframework', 'aad-lead-anon', 'Real Lead', 'lead', now())`);
    const counting = assistantDouble();
    const { logger: log, lines } = capturingLogger();
    const app = await botApp(counting, { host: '0.0.0.0', botFramework: { allowAnonymous: true }, minRole: 'lead' }, log);

    // claiming the lead's Entra id gets the anonymous default, which is below ASSISTANT_MIN_ROLE
    expect((await post(app, emulatorActivity('conv-anon-claim', 'What was the CSI last week?', { from: { id: '29:fake', name: 'Mallory', aadObjectId: 'aad-lead-anon' } }))).statusCode).toBe(200);
    expect(messages('conv-anon-claim')[0]!.activity.text).toMatch(/needs the \*\*lead\*\* role or higher, and yours is \*\*agent\*\*/);
    expect(counting.asked).toEqual([]);

    // without a minimum role an anonymous caller is answered, and leaves no users row behind
    const open = await botApp(counting, { host: '0.0.0.0', botFramework: { allowAnonymous: true } });
    for (const id of ['invented-1', 'invented-2']) {
      expect((await post(open, emulatorActivity(`conv-anon-${id}`, 'What was the CSI last week?', { from: { id, name: id } }))).statusCode).toBe(200);
      expect(messages(`conv-anon-${id}`)).toHaveLength(1);
    }
    expect(counting.asked).toHaveLength(2);
    expect(await botUsers(['invented-1', 'invented-2', '29:fake'])).toEqual([]);
    expect(lines.some((l) => l.level === 40 && /WARNING: \/api\/messages is OPEN TO ANONYMOUS CALLERS on HOST 0\.0\.0\.0/.test(String(l.msg)))).toBe(true);
  });

  it('sends replies only to a loopback serviceUrl without authentication (no request forgery), in local and anonymous mode', async () => {
    const counting = assistantDouble();
    for (const opts of [{}, { host: '0.0.0.0', botFramework: { allowAnonymous: true } }] as Partial<BotFrameworkDeps>[]) {
      const app = await botApp(counting, opts);
      for (const serviceUrl of ['http://169.254.169.254/latest/', 'https://attacker.example/', 'http://localhost.attacker.example/', 'file:///etc/passwd']) {
        const res = await post(app, emulatorActivity('conv-ssrf', 'What was the CSI last week?', { serviceUrl }));
        expect(res.statusCode, serviceUrl).toBe(403);
        expect(res.json()).toMatchObject({ error: 'BOTFRAMEWORK_SERVICE_URL_REFUSED' });
      }
      // the Emulator's own addresses are fine
      expect((await post(app, emulatorActivity('conv-ssrf-ok', 'What was the CSI last week?', { serviceUrl: connector.url.replace('127.0.0.1', 'localhost') }))).statusCode).toBe(200);
    }
    expect(counting.asked).toEqual(['What was the CSI last week?', 'What was the CSI last week?']);
  });

  it('answers a body that is not an activity (empty, no type, no conversation, no serviceUrl, an array) with 400 BAD_REQUEST, asks nothing and logs no error', async () => {
    const counting = assistantDouble();
    const app = await botApp(counting);
    const before = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM error_logs');
    for (const body of [{}, { text: 'hi' }, { type: 'message', text: 'What was the CSI last week?' }, { type: 7, conversation: { id: 'c' } }, { type: 'message', conversation: { id: 'c' }, text: 'hi' }]) {
      const res = await post(app, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json(), JSON.stringify(body)).toMatchObject({ error: 'BAD_REQUEST', requestId: expect.any(String) });
    }
    const arr = await app.inject({ method: 'POST', url: '/api/messages', payload: '[1]', headers: { 'content-type': 'application/json' } });
    expect(arr.statusCode).toBe(400);
    expect(counting.asked).toEqual([]);
    expect((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM error_logs')).rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('rate-limits /api/messages per client (429 RATE_LIMITED)', async () => {
    const app = await botApp(opened.assistant, { botFramework: { ratePerMinute: 3 } });
    // conversationUpdate naming only the bot: a turn with nothing to send
    const quiet = () => post(app, emulatorActivity('conv-rate', '', { type: 'conversationUpdate', text: undefined, membersAdded: [{ id: 'bot-pulse' }] }));
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await quiet()).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await quiet();
    expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED' });
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
