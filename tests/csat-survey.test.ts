import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { seedCatalogue } from '../src/db/seed/catalogue.ts';
import { rebuildSessions } from '../src/db/sessions-rebuild.ts';
import { csatTaskProvider } from '../src/jobs/csat/tasks.ts';
import { runCsatSurveys } from '../src/jobs/csat/survey.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { offlineConfig } from './helpers/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph, type GraphCall } from './helpers/fake-graph.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';
import { messengerPools, type TestMessengerPools } from './helpers/root.ts';

// The CSAT survey end to end (issue 19, point 7) with the real customer agent and the fake Graph
// API: signed webhook posts at fixed times, the survey job run at chosen instants (the clock is
// the test's), answers tapped or typed, and what Meta received.

const SECRET = 'csat-app-secret';
const PAGE = '5090000000077';
const TOKEN = 'EAAG-csat';
const T0 = new Date('2026-11-25T14:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

let db: TestDatabase;
let graph: FakeGraph;
let app: FastifyInstance;
let messenger: MessengerService;
let mpools: TestMessengerPools | undefined;
let config: Config;
let clock = T0;
let n = 0;
const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
const sendsTo = (user: string) => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === user);
const textOf = (c: GraphCall) => (c.body.message as { text: string }).text;
const quickOf = (c: GraphCall) => (c.body.message as { quick_replies?: { title: string; payload: string }[] }).quick_replies;
const run = (now: Date) => runCsatSurveys({ pool: db.pool, sender: messenger.sender, delayMinutes: 30, pauseMinutes: 30 }, now);

async function post(messaging: Record<string, unknown>) {
  const raw = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: (messaging.timestamp as number) + 1, messaging: [messaging] }] });
  const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(SECRET, raw) } });
  expect(res.statusCode).toBe(200);
}

/** The customer writes at `when` (the clock moves there); resolves when the worker has handled it. */
async function say(user: string, when: Date, text: string, quickPayload?: string) {
  clock = new Date(when.getTime() + 1000);
  const mid = `m_csat_${++n}`;
  await post({ sender: { id: user }, recipient: { id: PAGE }, timestamp: when.getTime(), message: { mid, text, ...(quickPayload ? { quick_reply: { payload: quickPayload } } : {}) } });
  await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE event_key = $1 AND state IN ('done', 'skipped')`, [mid])).length > 0, `event ${mid} handled`);
  // the session includes everything sent so far (the refresher runs after each event)
  await eventually(async () => {
    const r = await q<{ ok: boolean }>(
      `SELECT max(s.ended_at) >= (SELECT max(m.social_create_time) FROM messages m WHERE m.conversation_id = c.id) AS ok
         FROM conversations c JOIN sessions s ON s.conversation_id = c.id WHERE c.fb_chat_id = $1 GROUP BY c.id`, [`${PAGE}:${user}`]);
    return r[0]?.ok === true;
  }, 'session rebuilt');
}

const conversationOf = async (user: string) => (await q<{ id: number }>(`SELECT id FROM conversations WHERE fb_chat_id = $1`, [`${PAGE}:${user}`]))[0]!.id;
const surveysOf = async (user: string) =>
  q<{ session_id: number; status: string; handled_by: string; agent: string | null; stage: string }>(
    `SELECT v.session_id, v.status, v.handled_by, v.agent, v.stage FROM csat_surveys v WHERE v.conversation_id = $1`, [await conversationOf(user)]);

/** A person from the desk answers (as handoff-listeners does: send as human, rebuild), then Resolve hands it back to the bot. */
async function humanAnswersAndResolves(user: string, when: Date, agent: string) {
  clock = when;
  const conversationId = await conversationOf(user);
  const r = await messenger.sender.send({ key: `human:${++n}`, pageId: PAGE, psid: user, conversationId, sender: 'human', text: 'Sorted: a replacement is on its way.', agentInfo: { name: agent } });
  expect(r.status).toBe('sent');
  const c = await db.pool.connect();
  try {
    await rebuildSessions(c, [conversationId], when);
  } finally {
    c.release();
  }
  await q(`UPDATE conversations SET handoff_state = 'bot', assigned_to_id = NULL WHERE id = $1`, [conversationId]);
}

beforeAll(async () => {
  db = await createTestDatabase('csat_survey');
  await seedCatalogue(db.pool);
  graph = await startFakeGraph({ tokens: [TOKEN] });
  config = loadConfig({ MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_API_URL: graph.apiUrl, MESSENGER_PAGE_TOKENS: `${PAGE}:${TOKEN}` });
  const { logger } = capturingLogger('warn');
  const agent = createCustomerAgent({ pool: db.pool, config, logger });
  messenger = await startMessenger({ config, pool: db.pool, pools: (mpools = messengerPools(db.url)), materializerDatabaseUrl: db.url, logger, agent, now: () => clock });
  app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin] });
});
afterAll(async () => {
  await messenger?.stop();
  await app?.close();
  await graph?.close();
  await mpools?.end();
  await db?.drop();
});

describe('CSAT survey after a resolved session', () => {
  it('a bot session: one survey after 30 minutes of silence, the tapped score stored and thanked once, the comment kept, no bot answer to either', async () => {
    const user = 'PSIDCSAT1';
    await say(user, at(0), 'How much is the Boom Mini Speaker?');
    expect(sendsTo(user)).toHaveLength(1);

    expect((await run(at(20))).claimed).toBe(0); // not silent long enough
    expect(await run(at(31))).toMatchObject({ claimed: 1, sent: 1 });
    expect((await run(at(36))).claimed).toBe(0);
    expect((await run(at(90))).claimed).toBe(0);

    const sent = sendsTo(user);
    expect(sent).toHaveLength(2);
    const [survey] = await surveysOf(user);
    expect(survey).toMatchObject({ status: 'sent', handled_by: 'bot', agent: null, stage: 'score' });
    expect(sent[1]!.body).toMatchObject({ messaging_type: 'RESPONSE' });
    expect(textOf(sent[1]!)).toMatch(/rate this conversation from 1 .* to 5/);
    expect(quickOf(sent[1]!)!.map((r) => r.payload)).toEqual([1, 2, 3, 4, 5].map((s) => `CSAT:${survey!.session_id}:${s}`));

    await say(user, at(40), '4 ⭐', `CSAT:${survey!.session_id}:4`);
    const [resp] = await q<{ score: number; comment: string | null; handled_by: string; answered_at: Date; session_id: number }>(
      `SELECT score, comment, handled_by, answered_at, session_id FROM csat_responses WHERE conversation_id = $1`, [await conversationOf(user)]);
    expect(resp).toEqual({ score: 4, comment: null, handled_by: 'bot', answered_at: at(40), session_id: survey!.session_id });
    expect(sendsTo(user)).toHaveLength(3);
    expect(textOf(sendsTo(user)[2]!)).toMatch(/^Thank you for your rating! If you would like to tell us more/);
    // the tap was not a question: not classified by the agent
    expect(await q(`SELECT classification FROM messages WHERE mid = $1`, [`m_csat_${n}`])).toEqual([{ classification: null }]);

    // a second tap changes nothing and is not answered
    await say(user, at(41), '2 ⭐', `CSAT:${survey!.session_id}:2`);
    expect(sendsTo(user)).toHaveLength(3);

    await say(user, at(42), 'Quick and helpful, thanks');
    expect((await q<{ comment: string }>(`SELECT comment FROM csat_responses WHERE session_id = $1`, [survey!.session_id]))[0]!.comment).toBe('Quick and helpful, thanks');
    expect(sendsTo(user)).toHaveLength(4);
    expect(textOf(sendsTo(user)[3]!)).toMatch(/^Noted/);

    // after the survey the bot answers as usual, and the session is not asked again
    await say(user, at(50), 'How much is the Boom Mini Speaker?');
    expect(sendsTo(user)).toHaveLength(5);
    expect(textOf(sendsTo(user)[4]!)).toContain('Boom Mini Speaker');
    expect((await run(at(120))).claimed).toBe(0);
    expect(await surveysOf(user)).toHaveLength(1);
  });

  it('a typed digit right after the survey is the score; a digit after another message is an ordinary message', async () => {
    const user = 'PSIDCSAT2';
    await say(user, at(0), 'How much is the Boom Mini Speaker?');
    expect((await run(at(31))).claimed).toBe(1);
    await say(user, at(33), ' 5! ');
    const [survey] = await surveysOf(user);
    expect(await q(`SELECT score FROM csat_responses WHERE session_id = $1`, [survey!.session_id])).toEqual([{ score: 5 }]);
    expect(survey!.stage).toBe('comment');

    const other = 'PSIDCSAT3';
    await say(other, at(0), 'How much is the Boom Mini Speaker?');
    expect((await run(at(31))).claimed).toBe(1);
    await say(other, at(33), 'Do you ship to Austria?');
    await say(other, at(34), '3');
    expect(await q(`SELECT 1 FROM csat_responses WHERE conversation_id = $1`, [await conversationOf(other)])).toEqual([]);
    expect((await surveysOf(other))[0]!.stage).toBe('closed');
  });

  it('outside the 24-hour window nobody is asked', async () => {
    const user = 'PSIDCSAT4';
    await say(user, at(0), 'How much is the Boom Mini Speaker?');
    expect((await run(at(24 * 60 + 5))).claimed).toBe(0);
    expect(await surveysOf(user)).toEqual([]);
    expect(sendsTo(user)).toHaveLength(1);
  });

  it('a human session resolved by the desk is asked (by the agent who answered); never while handed off, never after a complaint escalation', async () => {
    const human = 'PSIDCSAT5';
    await say(human, at(0), 'I want to talk to a person please');
    expect((await q<{ handoff_state: string }>(`SELECT handoff_state::text FROM conversations WHERE id = $1`, [await conversationOf(human)]))[0]!.handoff_state).toBe('waiting');
    await run(at(45)); // handed off, nobody answered yet (other conversations of this file may be asked)
    expect(await surveysOf(human)).toEqual([]);

    const angry = 'PSIDCSAT6';
    await say(angry, at(0), 'Your service is terrible and my earbuds arrived broken!');
    expect((await q<{ handoff_reason: string }>(`SELECT handoff_reason FROM conversations WHERE id = $1`, [await conversationOf(angry)]))[0]!.handoff_reason).toBe('angry');

    await humanAnswersAndResolves(human, at(50), 'Dana');
    await humanAnswersAndResolves(angry, at(50), 'Dana');
    await run(at(70)); // 20 minutes of silence only
    expect(await surveysOf(human)).toEqual([]);
    await run(at(81));
    expect(await surveysOf(human)).toEqual([expect.objectContaining({ handled_by: 'human_agent', agent: 'Dana', status: 'sent' })]);
    expect(await surveysOf(angry)).toEqual([]);
    expect(sendsTo(angry).every((c) => !quickOf(c)?.some((r) => r.payload.startsWith('CSAT:')))).toBe(true);

    const [survey] = await surveysOf(human);
    await say(human, at(85), '2 ⭐', `CSAT:${survey!.session_id}:2`);
    expect(await q(`SELECT score, handled_by, agent FROM csat_responses WHERE session_id = $1`, [survey!.session_id])).toEqual([{ score: 2, handled_by: 'human_agent', agent: 'Dana' }]);
    expect(textOf(sendsTo(human).at(-1)!)).toMatch(/sorry we fell short/);
  });

  it('a button of a survey from another conversation is ignored, not stored', async () => {
    const user = 'PSIDCSAT7';
    await say(user, at(0), 'How much is the Boom Mini Speaker?');
    const foreign = (await q<{ session_id: number }>(`SELECT session_id FROM csat_surveys ORDER BY id LIMIT 1`))[0]!.session_id;
    await say(user, at(2), '5 ⭐', `CSAT:${foreign}:5`);
    expect(await q(`SELECT 1 FROM csat_responses WHERE conversation_id = $1`, [await conversationOf(user)])).toEqual([]);
    expect(sendsTo(user)).toHaveLength(1);
  });

  it('the answers are what the assistant gives for "What was our CSAT last week by page?" (not the CSI)', async () => {
    const page = (await q<{ name: string }>(`SELECT name FROM pages WHERE fb_page_id = $1`, [PAGE]))[0]!.name;
    const scores = (await q<{ score: number }>(`SELECT score FROM csat_responses ORDER BY survey_id`)).map((r) => r.score);
    expect(scores).toEqual([4, 5, 2]); // PSIDCSAT1 tapped 4, PSIDCSAT2 typed 5, PSIDCSAT5 (a human session) tapped 2
    const opened = await openAssistant(offlineConfig('UTC'), db.url, { pool: db.pool, now: () => new Date('2026-12-02T10:00:00Z') });
    try {
      const reply = await opened.assistant.ask({ channel: 'test', threadKey: 'csat' }, 'What was our CSAT last week by page?');
      expect(reply.text).toMatch(/CSAT/);
      expect(reply.text).not.toMatch(/CSI|don't have/);
      expect(reply.text).toContain(`${page}: 3.67 / 5`);
      expect(reply.text).toMatch(/23 Nov/);
    } finally {
      await opened.close();
    }
  });

  it('CSAT_SURVEY=false schedules no survey task', async () => {
    const off = loadConfig({ CSAT_SURVEY: 'false' });
    expect(off.csat).toEqual({ survey: false, delayMinutes: 30 });
    expect(await csatTaskProvider({ pool: db.pool, sender: messenger.sender, config: off }).tasks()).toEqual([]);
    const on = await csatTaskProvider({ pool: db.pool, sender: messenger.sender, config: loadConfig({ CSAT_DELAY_MINUTES: '45' }) }).tasks();
    expect(on.map((t) => [t.key, t.cron])).toEqual([['csat', '*/5 * * * *']]);
  });
});
