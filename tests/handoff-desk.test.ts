import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { HANDOFF_ACTION, actionsBlockId } from '../src/bots/slack/handoff-blocks.ts';
import type { HandoffDesk } from '../src/domain/messenger/contracts.ts';
import { markWaiting } from '../src/db/messenger-inbox-repo.ts';
import type { TestDatabase } from './helpers/db.ts';
import { startDeskHarness, type DeskHarness } from './helpers/desk-harness.ts';
import type { FakeGraph } from './helpers/fake-graph.ts';
import { BOT, type FakeSlack } from './helpers/fake-slack.ts';
import type { ResponseRecorder } from './helpers/response-url.ts';
import { eventually, nextTs, signed, slackClock } from './helpers/slack-harness.ts';
import { TEST_NOW } from './helpers/clock.ts';

// The desk (issue 19, point 6): /handoffs and the App Home list the open cases with their age,
// page, reason and assignee; Resolve gives the conversation back to the bot and closes its case
// and session; `//` notes are kept on the case and never reach the customer; Unblock lifts a
// block. Signed Slack requests to the service as it is composed, the fake Slack and fake Graph
// API; times fixed around TEST_NOW (the Slack clock).

const CHANNEL = 'C0DESK01';
const PAGE = 'PAGE300';
const PAGE_TOKEN = 'EAAG-page-token-300';
const USERS = { agent: 'U0DAGENT1', lead: 'U0DLEADR1' } as const;
const MIN = 60_000;

let h: DeskHarness;
let db: TestDatabase;
let fake: FakeSlack;
let graph: FakeGraph;
let fastify: FastifyInstance;
let desk: HandoffDesk;
let responses: ResponseRecorder;
let seq = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

/** A customer on the page whose conversation was handed off `ago` ms before TEST_NOW (last message then too). */
async function handedOff(name: string, ago: number, reason = 'human_request'): Promise<{ id: number; customerId: number; threadTs: string }> {
  const n = ++seq;
  const at = new Date(TEST_NOW.getTime() - ago);
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Acme Bikes', now()) ON CONFLICT (fb_page_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [PAGE]);
  const [cust] = await q<{ id: number }>(`INSERT INTO customers (page_id, psid, name, last_message_at) VALUES ($1, $2, $3, $4) RETURNING id`, [page!.id, `PSID3${n}`, name, at]);
  const [conv] = await q<{ id: number }>(
    `INSERT INTO conversations (fb_chat_id, page_id, customer_id, first_message_at, last_message_at, handoff_state, handoff_reason, handoff_at, updated_at)
     VALUES ($1, $2, $3, $4, $4, 'waiting', $5, $4, now()) RETURNING id`,
    [`t_desk_${n}`, page!.id, cust!.id, at, reason],
  );
  for (const [kind, text, before] of [['customer', 'my bike arrived broken', 2 * MIN], ['bot', 'Sorry! Could you send a photo?', MIN], ['customer', 'I want a person', 0]] as const) {
    await q(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, $3::"MessageDirection", $4::"SenderKind", $5, $6)`, [
      conv!.id, `m_desk_${n}_${before}`, kind === 'customer' ? 'to_company' : 'to_client', kind, text, new Date(at.getTime() - before),
    ]);
  }
  await desk.open(conv!.id, reason as 'human_request');
  const [c] = await q<{ thread: string }>(`SELECT handoff_thread_ts AS thread FROM conversations WHERE id = $1`, [conv!.id]);
  return { id: conv!.id, customerId: cust!.id, threadTs: c!.thread };
}

async function post(body: string, contentType = 'application/x-www-form-urlencoded') {
  const req = signed(body, { contentType });
  return (await fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode;
}

async function command(user: string, name: string, text: string) {
  const n = ++seq;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: CHANNEL, channel_name: 'desk', user_id: user, user_name: user.toLowerCase(),
    command: name, text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: `${responses.base}/commands/${n}`, trigger_id: `${n}.1764500000.cmd${n}`,
  }).toString();
  expect(await post(form)).toBe(200);
  return eventually(async () => responses.responses.find((r) => r.path === `/commands/${n}`)?.body, `the answer to ${name} ${text}`);
}

async function press(user: string, conversationId: number, actionId: string, parentTs: string) {
  const n = ++seq;
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.act${n}`, channel: { id: CHANNEL, name: 'desk' },
    container: { type: 'message', message_ts: parentTs, channel_id: CHANNEL, is_ephemeral: false },
    message: { type: 'message', ts: parentTs, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] },
    response_url: `${responses.base}/actions/${n}`,
    actions: [{ type: 'button', action_id: actionId, block_id: actionsBlockId(conversationId), value: String(conversationId), text: { type: 'plain_text', text: 'x' }, action_ts: `1764500000.${n}` }],
  };
  expect(await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())).toBe(200);
  return `/actions/${n}`;
}

function threadMessage(user: string, text: string, threadTs: string) {
  const ts = nextTs();
  return JSON.stringify({
    token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `EvD${String(++seq).padStart(9, '0')}`, event_time: Math.floor(slackClock().getTime() / 1000),
    authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', channel: CHANNEL, channel_type: 'channel', user, text, ts, thread_ts: threadTs, event_ts: ts },
  });
}

const threadPosts = (threadTs: string) => fake.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === threadTs);
const caseOf = async (conversationId: number) =>
  (await q<{ resolved_at: Date | null; resolution: string | null; resolver: string | null; assignee: string | null; first_human_reply_at: Date | null }>(
    `SELECT h.resolved_at, h.resolution, r.external_id AS resolver, a.external_id AS assignee, h.first_human_reply_at
       FROM handoff_cases h LEFT JOIN users r ON r.id = h.resolved_by_id LEFT JOIN users a ON a.id = h.assigned_to_id
      WHERE h.conversation_id = $1 ORDER BY h.id`, [conversationId]));

beforeAll(async () => {
  h = await startDeskHarness({ name: 'handoffdesk', channel: CHANNEL, page: PAGE, pageToken: PAGE_TOKEN, users: Object.entries(USERS).map(([key, id]) => [id, `${key} person`, key]), senderNow: slackClock, deskNow: slackClock });
  ({ db, fake, graph, responses, fastify, desk } = h);
});

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  h.reset();
});

describe('the desk', () => {
  it('/handoffs lists the waiting and assigned conversations with age, page, reason and assignee; the App Home shows the same', async () => {
    const waiting = await handedOff('Wanda Wait', 2 * 60 * MIN + 5 * MIN, 'angry');
    const taken = await handedOff('Tom Taken', 30 * MIN);
    await press(USERS.agent, taken.id, HANDOFF_ACTION.assign, taken.threadTs);
    await eventually(async () => (await caseOf(taken.id))[0]?.assignee === USERS.agent, 'the case follows the assignee');

    const answer = await command(USERS.agent, '/handoffs', '');
    const text = JSON.stringify(answer.blocks);
    expect(text).toContain('1 waiting, 1 assigned');
    const lines = String(answer.text).split('\n');
    // waiting first, then by age
    expect(lines[0]).toMatch(new RegExp(`^\\*${waiting.id}\\* Wanda Wait · Acme Bikes · 2 h 5 min · upset \\(complaint, negative tone\\) · :hourglass_flowing_sand: waiting`));
    expect(lines[1]).toMatch(new RegExp(`^\\*${taken.id}\\* Tom Taken · Acme Bikes · 30 min · asked for a person · :bust_in_silhouette: <@${USERS.agent}>`));

    // someone without a desk role sees nothing of it
    expect(String((await command('U0NOBODY1', '/handoffs', '')).text)).toMatch(/for support agents, team leads and admins/);

    // the App Home of a person who answers customers ends with the same list
    const event = JSON.stringify({
      token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `EvD${String(++seq).padStart(9, '0')}`, event_time: Math.floor(slackClock().getTime() / 1000),
      event: { type: 'app_home_opened', user: USERS.agent, channel: 'D0HOME', tab: 'home', event_ts: nextTs() },
    });
    expect(await post(event, 'application/json')).toBe(200);
    const home = await fake.waitFor('views.publish', (c) => c.args.user_id === USERS.agent);
    const blocks = JSON.stringify((home.args.view as { blocks: unknown[] }).blocks);
    expect(blocks).toContain('Handoff desk');
    expect(blocks).toContain(`*${waiting.id}* Wanda Wait · Acme Bikes · 2 h 5 min`);
  });

  it('Resolve hands the conversation back to the bot and closes its case and session, without a word to the customer', async () => {
    const c = await handedOff('Rae Resolve', 10 * MIN);
    await press(USERS.lead, c.id, HANDOFF_ACTION.assign, c.threadTs);
    await eventually(async () => (await caseOf(c.id))[0]?.assignee === USERS.lead, 'the assignment');
    expect((await caseOf(c.id))[0]!.first_human_reply_at).toBeNull();
    // the lead answers in the thread: the case's first human reply
    expect(await post(threadMessage(USERS.lead, 'We are on it, a new bike is on its way.', c.threadTs), 'application/json')).toBe(200);
    const replied = await eventually(async () => (await caseOf(c.id))[0]?.first_human_reply_at, 'the first human reply on the case');
    expect(replied!.getTime()).toBeGreaterThanOrEqual(TEST_NOW.getTime());
    const [before] = await q<{ completion_status: string }>(`SELECT completion_status::text FROM sessions WHERE conversation_id = $1`, [c.id]);
    expect(before!.completion_status).toBe('in_progress');
    const sends = graph.messages().length;

    await press(USERS.lead, c.id, HANDOFF_ACTION.resolve, c.threadTs);
    await eventually(async () => (await caseOf(c.id))[0]?.resolved_at, 'the case closed');
    const [k] = await caseOf(c.id);
    expect(k).toMatchObject({ resolution: 'resolved', resolver: USERS.lead });
    expect(k!.resolved_at!.getTime()).toBeGreaterThanOrEqual(TEST_NOW.getTime());
    const [conv] = await q<{ state: string; assigned: number | null }>(`SELECT handoff_state::text AS state, assigned_to_id AS assigned FROM conversations WHERE id = $1`, [c.id]);
    expect(conv).toEqual({ state: 'bot', assigned: null });
    await eventually(async () => (await q<{ s: string }>(`SELECT completion_status::text AS s FROM sessions WHERE conversation_id = $1`, [c.id]))[0]?.s === 'complete', 'the session closed');
    await eventually(async () => threadPosts(c.threadTs).some((p) => p.text?.includes('resolved this conversation')), 'the resolve note');
    expect(graph.messages().length).toBe(sends);
    expect((await q(`SELECT 1 FROM audit_logs WHERE action = 'handoff.resolve' AND target = $1`, [`conversation:${c.id}`]))).toHaveLength(1);
    // no longer on the desk
    const list = await command(USERS.lead, '/handoffs', '');
    expect(String(list.text)).not.toContain('Rae Resolve');

    // handed off again by the bot (the Messenger worker's markWaiting): a new case
    await markWaiting(db.pool, c.id, 'cannot_answer', new Date(TEST_NOW.getTime() + MIN));
    expect((await caseOf(c.id)).map((x) => x.resolution)).toEqual(['resolved', null]);
  });

  it('a // note in the thread is stored on the case, listed by /handoffs notes, and never sent to the customer', async () => {
    const c = await handedOff('Nia Note', 5 * MIN);
    const sends = graph.calls.length;
    expect(await post(threadMessage(USERS.agent, '// called the courier, parcel is at the depot', c.threadTs), 'application/json')).toBe(200);
    const [note] = await eventually(async () => {
      const rows = await q<{ text: string; author: string }>(`SELECT n.text, u.external_id AS author FROM handoff_notes n JOIN handoff_cases h ON h.id = n.case_id JOIN users u ON u.id = n.author_id WHERE h.conversation_id = $1`, [c.id]);
      return rows.length ? rows : undefined;
    }, 'the stored note');
    expect(note).toEqual({ text: 'called the courier, parcel is at the depot', author: USERS.agent });
    const notes = await command(USERS.agent, '/handoffs', `notes ${c.id}`);
    expect(String(notes.text)).toContain('agent person');
    expect(String(notes.text)).toContain('called the courier, parcel is at the depot');
    expect(String((await command(USERS.agent, '/handoffs', '')).text)).toMatch(new RegExp(`\\*${c.id}\\* Nia Note .* 1 note`));
    expect(graph.calls.length).toBe(sends);
  });

  it('Unblock lifts a block (leads and admins only) and the thread says so', async () => {
    const c = await handedOff('Ulf Unblock', 5 * MIN);
    await press(USERS.lead, c.id, HANDOFF_ACTION.block, c.threadTs);
    const blocked = async () => (await q<{ blocked: boolean }>(`SELECT blocked FROM customers WHERE id = $1`, [c.customerId]))[0]!.blocked;
    await eventually(blocked, 'the block');
    // the parent now offers Unblock instead of Block
    const parent = await fake.waitFor('chat.update', (u) => u.args.ts === c.threadTs && JSON.stringify(u.args.blocks).includes(HANDOFF_ACTION.unblock));
    expect(JSON.stringify(parent.args.blocks)).not.toContain(`"${HANDOFF_ACTION.block}"`);

    const refused = await press(USERS.agent, c.id, HANDOFF_ACTION.unblock, c.threadTs);
    const told = await eventually(async () => responses.responses.find((r) => r.path === refused)?.body, 'the refusal');
    expect(String(told.text)).toMatch(/only team leads and admins may unblock/);
    expect(await blocked()).toBe(true);

    await press(USERS.lead, c.id, HANDOFF_ACTION.unblock, c.threadTs);
    await eventually(async () => !(await blocked()), 'the unblock');
    await eventually(async () => threadPosts(c.threadTs).some((p) => p.text?.includes('unblocked this customer')), 'the unblock note');
    // the command does the same
    await press(USERS.lead, c.id, HANDOFF_ACTION.block, c.threadTs);
    await eventually(blocked, 'blocked again');
    expect(String((await command(USERS.lead, '/handoffs', `unblock ${c.id}`)).text)).toBe(`Conversation ${c.id}: the customer is unblocked.`);
    expect(await blocked()).toBe(false);
  });
});
