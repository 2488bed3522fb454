import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SlackService } from '../src/bots/slack/app.ts';
import { HANDOFF_ACTION, actionsBlockId } from '../src/bots/slack/handoff-blocks.ts';
import { startSeenWatcher, type SeenWatcher } from '../src/bots/slack/handoff-seen.ts';
import type { HandoffDesk } from '../src/bots/messenger/types.ts';
import { MessengerStore } from '../src/db/messenger-repo.ts';
import { turnContext } from '../src/db/messenger-inbox-repo.ts';
import { parseWebhookBody } from '../src/domain/messenger/events.ts';
import { humanIsTalking } from '../src/domain/messenger/human-pause.ts';
import type { TestDatabase } from './helpers/db.ts';
import { startDeskHarness, type DeskHarness } from './helpers/desk-harness.ts';
import type { FakeGraph } from './helpers/fake-graph.ts';
import { BOT, type FakeSlack } from './helpers/fake-slack.ts';
import type { ResponseRecorder } from './helpers/response-url.ts';
import { capturingLogger, eventually, nextTs, signed, slackClock } from './helpers/slack-harness.ts';

// "Seen" both ways in a handoff (issue 19, the desk) and Resume bot ending the other-inbox pause,
// on the service's composition: signed Slack events and button presses, the real Send API sender
// against the fake Graph API, read events stored as the webhook stores them, the fake Slack API.
// The sender's clock is fixed (Messenger's windows are measured on it); the agent's messages
// are stored at its time.

const CHANNEL = 'C0SEENDSK';
const PAGE = 'PAGE400';
const PAGE_TOKEN = 'EAAG-page-token-400';
const USERS = { agent: 'U0SAGENT1', lead: 'U0SLEAD01' } as const;
const NOW = new Date('2026-11-25T14:30:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

let h: DeskHarness;
let db: TestDatabase;
let fake: FakeSlack;
let graph: FakeGraph;
let slack: SlackService;
let fastify: FastifyInstance;
let desk: HandoffDesk;
let responses: ResponseRecorder;
let watcher: SeenWatcher;
let store: MessengerStore;
let clock = NOW;
let seq = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

/** A handed-off conversation whose customer last wrote `ago` before NOW; its thread's ts. */
async function handedOff(name: string, ago = HOUR): Promise<{ id: number; psid: string; threadTs: string }> {
  const n = ++seq;
  const psid = `PSID40${n}`;
  const last = new Date(NOW.getTime() - ago);
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Acme Shoes', now()) ON CONFLICT (fb_page_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [PAGE]);
  const [cust] = await q<{ id: number }>(`INSERT INTO customers (page_id, psid, name, last_message_at) VALUES ($1, $2, $3, $4) RETURNING id`, [page!.id, psid, name, last]);
  const [conv] = await q<{ id: number }>(
    `INSERT INTO conversations (fb_chat_id, page_id, customer_id, first_message_at, last_message_at, updated_at) VALUES ($1, $2, $3, $4, $4, now()) RETURNING id`,
    [`t_${psid}`, page!.id, cust!.id, last],
  );
  await customerWrites(conv!.id, 'can I talk to a person?', last);
  await desk.open(conv!.id, 'human_request');
  const [c] = await q<{ thread: string }>(`SELECT handoff_thread_ts AS thread FROM conversations WHERE id = $1`, [conv!.id]);
  return { id: conv!.id, psid, threadTs: c!.thread };
}

async function customerWrites(conversationId: number, text: string, at: Date): Promise<void> {
  await q(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, 'to_company', 'customer', $3, $4)`, [conversationId, `m_in_${++seq}`, text, at]);
  await q(`UPDATE customers SET last_message_at = $2 WHERE id = (SELECT customer_id FROM conversations WHERE id = $1)`, [conversationId, at]);
}

async function post(body: string, contentType = 'application/json') {
  const req = signed(body, { contentType });
  return (await fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode;
}

/** A person's reply in the thread, as the Events API delivers it. */
async function reply(user: string, threadTs: string, text: string) {
  const ts = nextTs();
  const body = JSON.stringify({
    token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `EvS${String(++seq).padStart(9, '0')}`, event_time: Math.floor(slackClock().getTime() / 1000),
    authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', channel: CHANNEL, channel_type: 'channel', user, text, ts, thread_ts: threadTs, event_ts: ts },
  });
  expect(await post(body)).toBe(200);
}

async function press(user: string, conversationId: number, actionId: string, parentTs: string) {
  const n = ++seq;
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.act${n}`, channel: { id: CHANNEL, name: 'handoff' },
    container: { type: 'message', message_ts: parentTs, channel_id: CHANNEL, is_ephemeral: false },
    message: { type: 'message', ts: parentTs, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] },
    response_url: `${responses.base}/actions/${n}`,
    actions: [{ type: 'button', action_id: actionId, block_id: actionsBlockId(conversationId), value: String(conversationId), text: { type: 'plain_text', text: 'x' }, action_ts: `1764500000.${n}` }],
  };
  expect(await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded')).toBe(200);
}

/** The customer's read receipt, stored as the webhook stores it (parsed from Meta's body). */
async function customerReads(psid: string, watermark: Date): Promise<void> {
  const body = { object: 'page', entry: [{ id: PAGE, time: watermark.getTime(), messaging: [{ sender: { id: psid }, recipient: { id: PAGE }, timestamp: watermark.getTime(), read: { watermark: watermark.getTime() } }] }] };
  await store.store(parseWebhookBody(body).events);
}

const threadPosts = (threadTs: string) => fake.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === threadTs);
const seenPosts = (threadTs: string) => threadPosts(threadTs).filter((m) => m.text?.startsWith(':eyes:'));
const markSeenTo = (psid: string) => graph.senderActions('mark_seen').filter((c) => (c.body.recipient as { id: string }).id === psid);
const messagesTo = (psid: string) => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === psid);

beforeAll(async () => {
  // the background watcher is off: each test runs a pass itself and reads what it did
  h = await startDeskHarness({ name: 'seen', channel: CHANNEL, page: PAGE, pageToken: PAGE_TOKEN, users: Object.entries(USERS).map(([role, id]) => [id, `${role} person`, role]), senderNow: () => clock, seenPollMs: 0 });
  ({ db, fake, graph, responses, slack, fastify, desk } = h);
  watcher = startSeenWatcher({ pool: db.pool, slack: slack.app.client, logger: capturingLogger().logger, now: () => clock, timeZone: 'UTC', pollMs: 0 });
  store = new MessengerStore(db.pool);
});

afterAll(async () => {
  await watcher?.stop();
  await h?.close();
});

beforeEach(() => {
  clock = NOW;
  h.reset();
});

describe('mark_seen when a person takes the conversation or writes in it', () => {
  it('is sent once per customer message: on Assign to me, not again on the reply, again after the customer writes', async () => {
    const { id, psid, threadTs } = await handedOff('Mia Seen');
    await press(USERS.agent, id, HANDOFF_ACTION.assign, threadTs);
    await eventually(async () => threadPosts(threadTs).some((p) => p.text?.includes('took this conversation')), 'the assign note');
    expect(markSeenTo(psid).map((c) => c.body)).toEqual([{ recipient: { id: psid }, sender_action: 'mark_seen' }]);

    await reply(USERS.agent, threadTs, 'Hi Mia, looking into it');
    await eventually(async () => messagesTo(psid).length === 1, 'the reply sent');
    expect(markSeenTo(psid)).toHaveLength(1);

    await customerWrites(id, 'thanks, it is order 42', new Date(NOW.getTime() + 2 * MIN));
    clock = new Date(NOW.getTime() + 3 * MIN);
    await reply(USERS.agent, threadTs, 'Found it');
    await eventually(async () => messagesTo(psid).length === 2, 'the second reply sent');
    const calls = graph.calls.filter((c) => (c.body.recipient as { id?: string } | undefined)?.id === psid).map((c) => c.body.sender_action ?? 'message');
    // the seen goes before the reply that follows it
    expect(calls).toEqual(['mark_seen', 'message', 'mark_seen', 'message']);
    const [mark] = await q<{ through: Date }>(`SELECT seen_sent_through AS through FROM handoff_marks WHERE conversation_id = $1`, [id]);
    expect(mark!.through.toISOString()).toBe('2026-11-25T14:32:00.000Z');
  });

  it('the first reply marks seen when nobody pressed Assign; a reply outside 24 h (HUMAN_AGENT tag) sends no sender action', async () => {
    const fresh = await handedOff('Noa First');
    await reply(USERS.agent, fresh.threadTs, 'Hello Noa');
    await eventually(async () => messagesTo(fresh.psid).length === 1, 'the reply sent');
    expect(markSeenTo(fresh.psid)).toHaveLength(1);

    const late = await handedOff('Ola Late', 50 * HOUR);
    await reply(USERS.agent, late.threadTs, 'Sorry for the wait!');
    const [sent] = await eventually(async () => messagesTo(late.psid).length === 1 && messagesTo(late.psid), 'the tagged reply');
    expect(sent!.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    expect(markSeenTo(late.psid)).toEqual([]);
    expect(graph.calls.filter((c) => (c.body.recipient as { id?: string } | undefined)?.id === late.psid && c.body.sender_action)).toEqual([]);
  });
});

describe("the customer's seen in the thread", () => {
  it('one line per watermark that covers a new agent message; re-reads, duplicates and old watermarks show nothing', async () => {
    const { psid, threadTs } = await handedOff('Pia Reads');
    await reply(USERS.agent, threadTs, 'Your parcel left today');
    await eventually(async () => messagesTo(psid).length === 1, 'the reply sent');

    // a watermark from before the agent wrote covers nothing of theirs
    await customerReads(psid, new Date(NOW.getTime() - MIN));
    expect(await watcher.runOnce()).toBe(0);

    await customerReads(psid, new Date(NOW.getTime() + 2 * MIN));
    expect(await watcher.runOnce()).toBe(1);
    expect(seenPosts(threadTs).map((p) => p.text)).toEqual([':eyes: Seen by the customer 14:32']);

    // reading again, and Meta delivering the same read twice, add nothing
    await customerReads(psid, new Date(NOW.getTime() + 5 * MIN));
    await customerReads(psid, new Date(NOW.getTime() + 5 * MIN));
    expect(await watcher.runOnce()).toBe(0);

    // the agent writes again; the next read shows once more
    clock = new Date(NOW.getTime() + 10 * MIN);
    await reply(USERS.agent, threadTs, 'It arrives tomorrow');
    await eventually(async () => messagesTo(psid).length === 2, 'the second reply sent');
    await customerReads(psid, new Date(NOW.getTime() + 11 * MIN));
    expect(await watcher.runOnce()).toBe(1);
    expect(seenPosts(threadTs).map((p) => p.text)).toEqual([':eyes: Seen by the customer 14:32', ':eyes: Seen by the customer 14:41']);
    expect(seenPosts(threadTs)[1]!.blocks).toEqual([{ type: 'context', block_id: 'handoff_seen', elements: [{ type: 'mrkdwn', text: ':eyes: Seen by the customer 14:41' }] }]);
  });

  it('a Slack failure leaves the mark where it was: the next pass shows it, once', async () => {
    const { psid, threadTs } = await handedOff('Quinn Retry');
    await reply(USERS.agent, threadTs, 'On it');
    await eventually(async () => messagesTo(psid).length === 1, 'the reply sent');
    await customerReads(psid, new Date(NOW.getTime() + MIN));
    fake.failNext('chat.postMessage', { status: 200, error: 'internal_error' });
    expect(await watcher.runOnce()).toBe(0);
    expect(seenPosts(threadTs)).toEqual([]);
    expect(await watcher.runOnce()).toBe(1);
    expect(await watcher.runOnce()).toBe(0);
    expect(seenPosts(threadTs)).toHaveLength(1);
  });

  it('a thread Slack says is gone is skipped, and the reads behind it are still shown', async () => {
    const gone = await handedOff('Ria Archived');
    const next = await handedOff('Sam Next');
    for (const c of [gone, next]) {
      await reply(USERS.agent, c.threadTs, 'Hello');
      await eventually(async () => messagesTo(c.psid).length === 1, 'the reply sent');
    }
    await customerReads(gone.psid, new Date(NOW.getTime() + MIN));
    await customerReads(next.psid, new Date(NOW.getTime() + MIN));
    fake.failNext('chat.postMessage', { status: 200, error: 'is_archived' });
    expect(await watcher.runOnce()).toBe(1);
    expect(seenPosts(gone.threadTs)).toEqual([]);
    expect(seenPosts(next.threadTs)).toHaveLength(1);
    expect(await watcher.runOnce()).toBe(0);
  });
});

describe('Resume bot ends the pause a reply from another inbox started', () => {
  it('before Resume the bot stays quiet after a Business Suite reply; after it, the bot answers', async () => {
    const { id, threadTs } = await handedOff('Rae Suite', 5 * MIN);
    // a person answered from Meta Business Suite: an echo we did not send, stored as a human agent's message
    const suiteAt = new Date(NOW.getTime() - 2 * MIN);
    await q(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, 'm_suite_1', 'to_client', 'human_agent', 'Hi from the Suite', $2)`, [id, suiteAt]);
    const customerAt = new Date(NOW.getTime() + 5 * MIN);
    const before = await db.pool.connect().then(async (c) => { try { return await turnContext(c, id, customerAt, null); } finally { c.release(); } });
    expect(before!.lastHumanAt?.toISOString()).toBe(suiteAt.toISOString());
    expect(humanIsTalking(before!.lastHumanAt, customerAt, 30)).toBe(true);

    await press(USERS.lead, id, HANDOFF_ACTION.resume, threadTs);
    await eventually(async () => threadPosts(threadTs).some((p) => p.text?.includes('gave this conversation back to the bot')), 'the resume note');
    const after = await db.pool.connect().then(async (c) => { try { return await turnContext(c, id, customerAt, null); } finally { c.release(); } });
    expect(after!.handoffState).toBe('bot');
    expect(after!.lastHumanAt).toBeNull();
    expect(humanIsTalking(after!.lastHumanAt, customerAt, 30)).toBe(false);
    const [mark] = await q<{ resumed: Date | null }>(`SELECT bot_resumed_at AS resumed FROM handoff_marks WHERE conversation_id = $1`, [id]);
    expect(mark!.resumed).not.toBeNull();
  });
});
