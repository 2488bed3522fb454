import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HANDOFF_ACTION, NEEDS_ROLE, actionsBlockId } from '../src/bots/slack/handoff-blocks.ts';
import { TRANSFER_MODAL, TRANSFER_REASON_BLOCK, TRANSFER_REASON_FIELD } from '../src/bots/slack/handoff-desk-blocks.ts';
import type { HandoffDesk } from '../src/bots/messenger/types.ts';
import type { FastifyInstance } from 'fastify';
import type { TestDatabase } from './helpers/db.ts';
import { startDeskHarness, type DeskHarness } from './helpers/desk-harness.ts';
import type { FakeGraph } from './helpers/fake-graph.ts';
import { BOT, type FakeSlack } from './helpers/fake-slack.ts';
import type { ResponseRecorder } from './helpers/response-url.ts';
import { eventually, nextTs, signed, slackClock } from './helpers/slack-harness.ts';
import { waitFor } from './helpers/wait.ts';

// The human handoff end to end, as the service composes it: startSlack (with the real Messenger
// sender against the fake Graph API) + build(), the desk on the same WebClient, signed Slack
// events and interactions to POST /slack/events, and the fake Slack Web API. Outcomes are read
// on the fakes (thread posts, Send API calls) and in the rows left behind.

const CHANNEL = 'C0HANDOFF';
const PAGE = 'PAGE100';
const PAGE_TOKEN = 'EAAG-page-token-100';
const USERS = { agent: 'U0AGENT1', agent2: 'U0AGENT2', lead: 'U0LEADR1', qa: 'U0QAREV1' } as const;
const STRANGER = 'U0STRANGR';

let h: DeskHarness;
let db: TestDatabase;
let fake: FakeSlack;
let graph: FakeGraph;
let fastify: FastifyInstance;
let desk: HandoffDesk;
let responses: ResponseRecorder;
let seq = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
const HOUR = 3_600_000;

/** A page's customer with a conversation and three messages; the customer last wrote `ago` ms ago. */
async function conversation(name: string, ago = HOUR): Promise<{ id: number; psid: string; customerId: number }> {
  const n = ++seq;
  const psid = `PSID${n}00${n}`;
  const last = new Date(Date.now() - ago);
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Acme Shoes', now()) ON CONFLICT (fb_page_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [PAGE]);
  const [cust] = await q<{ id: number }>(`INSERT INTO customers (page_id, psid, name, last_message_at) VALUES ($1, $2, $3, $4) RETURNING id`, [page!.id, psid, name, last]);
  const [conv] = await q<{ id: number }>(
    `INSERT INTO conversations (fb_chat_id, page_id, customer_id, first_message_at, last_message_at, updated_at) VALUES ($1, $2, $3, $4, $4, now()) RETURNING id`,
    [`t_${psid}`, page!.id, cust!.id, last],
  );
  const msgs: [string, string, string, number][] = [
    ['to_company', 'customer', 'Hi, my order #123 did not arrive, tracking at https://track.example/abc', 3 * 60_000],
    ['to_client', 'bot', 'Sorry to hear that! Could you share your order number?', 2 * 60_000],
    ['to_company', 'customer', 'can I talk to a person?', 0],
  ];
  for (const [dir, kind, text, before] of msgs) {
    await q(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, $3::"MessageDirection", $4::"SenderKind", $5, $6)`, [
      conv!.id, `m_${psid}_${before}`, dir, kind, text, new Date(last.getTime() - before),
    ]);
  }
  return { id: conv!.id, psid, customerId: cust!.id };
}

const conv = async (id: number) =>
  (await q<{ state: string; assignee: string | null; channel: string | null; thread: string | null; reason: string | null }>(
    `SELECT c.handoff_state::text AS state, u.external_id AS assignee, c.handoff_channel AS channel, c.handoff_thread_ts AS thread, c.handoff_reason AS reason
       FROM conversations c LEFT JOIN users u ON u.id = c.assigned_to_id WHERE c.id = $1`, [id]))[0]!;

async function post(body: string, contentType = 'application/json', headers: Record<string, string> = {}) {
  const req = signed(body, { contentType, headers });
  const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  return res.statusCode;
}

/** A message in a channel thread, as the Events API delivers it (message.channels). */
function threadMessage(o: { user: string; text: string; threadTs: string; extra?: Record<string, unknown> }) {
  const ts = nextTs();
  const eventId = `EvH${String(++seq).padStart(9, '0')}`;
  const body = JSON.stringify({
    token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: eventId, event_time: Math.floor(slackClock().getTime() / 1000),
    authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', channel: CHANNEL, channel_type: 'channel', user: o.user, text: o.text, ts, thread_ts: o.threadTs, event_ts: ts, ...o.extra },
  });
  return { body, ts, eventId };
}

/** A block action on the thread's parent message (button, or the Transfer users_select). */
async function press(user: string, conversationId: number, actionId: string, parentTs: string, selectedUser?: string) {
  const n = ++seq;
  const action = selectedUser
    ? { type: 'users_select', action_id: actionId, block_id: actionsBlockId(conversationId), selected_user: selectedUser, action_ts: `1764500000.${n}` }
    : { type: 'button', action_id: actionId, block_id: actionsBlockId(conversationId), value: String(conversationId), text: { type: 'plain_text', text: 'x' }, action_ts: `1764500000.${n}` };
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.act${n}`, channel: { id: CHANNEL, name: 'handoff' },
    container: { type: 'message', message_ts: parentTs, channel_id: CHANNEL, is_ephemeral: false },
    message: { type: 'message', ts: parentTs, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] },
    response_url: `${responses.base}/actions/${n}`,
    actions: [action],
  };
  const status = await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
  return { status, responseUrl: `/actions/${n}` };
}

/** The Transfer modal submitted (view_submission), as Slack sends it after the person picked in the menu. */
async function submitTransfer(user: string, view: { private_metadata: string }, reason: string) {
  const payload = {
    type: 'view_submission', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${++seq}.1764500000.sub`,
    view: { id: 'V0TRANSF', team_id: BOT.teamId, type: 'modal', callback_id: TRANSFER_MODAL, private_metadata: view.private_metadata, hash: '1.abc', blocks: [],
      state: { values: { [TRANSFER_REASON_BLOCK]: { [TRANSFER_REASON_FIELD]: { type: 'plain_text_input', value: reason } } } } },
  };
  return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}

async function canned(user: string, text: string) {
  const n = ++seq;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: CHANNEL, channel_name: 'handoff', user_id: user, user_name: user.toLowerCase(),
    command: '/canned', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: `${responses.base}/commands/${n}`, trigger_id: `${n}.1764500000.cmd${n}`,
  }).toString();
  const status = await post(form, 'application/x-www-form-urlencoded');
  return { status, responseUrl: `/commands/${n}` };
}

const responseTo = (path: string) => eventually(async () => responses.responses.find((r) => r.path === path)?.body, `a response to ${path}`);
const threadPosts = (threadTs: string) => fake.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === threadTs);
const audits = (action: string) => q<{ actor: string | null; target: string; details: Record<string, unknown> }>(
  `SELECT u.external_id AS actor, a.target, a.details FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id WHERE a.action = $1 ORDER BY a.id`, [action]);

/** open() and the parent message it posted. */
async function openThread(id: number) {
  await desk.open(id, 'human_request');
  const c = await conv(id);
  return { threadTs: c.thread! };
}

beforeAll(async () => {
  h = await startDeskHarness({ name: 'handoff', channel: CHANNEL, page: PAGE, pageToken: PAGE_TOKEN, users: Object.entries(USERS).map(([key, id]) => [id, `${key} person`, key.startsWith('agent') ? 'agent' : key]) });
  ({ db, fake, graph, responses, fastify, desk } = h);
});

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  h.reset();
});

describe('handoff round trip', () => {
  it('open posts a thread with the summary and buttons; a second open posts nothing; customer messages are appended', async () => {
    const { id } = await conversation('Jane Doe');
    await desk.open(id, 'human_request');
    const parents = fake.callsTo('chat.postMessage');
    expect(parents).toHaveLength(1);
    const args = parents[0]!.args as { channel: string; text: string; blocks: { type: string; block_id?: string; text?: { text: string }; elements?: { action_id?: string }[] }[] };
    expect(args.channel).toBe(CHANNEL);
    expect(args.text).toContain('Jane Doe');
    const history = args.blocks.find((b) => b.block_id === 'handoff_history')!.text!.text;
    expect(history).toContain('Customer: can I talk to a person?');
    expect(history).toContain('[link]');
    expect(history).not.toContain('track.example');
    const actions = args.blocks.find((b) => b.type === 'actions')!.elements!.map((e) => e.action_id);
    expect(actions).toEqual([HANDOFF_ACTION.assign, HANDOFF_ACTION.transfer, HANDOFF_ACTION.resume, HANDOFF_ACTION.resolve, HANDOFF_ACTION.block]);
    const c = await conv(id);
    expect(c).toMatchObject({ state: 'waiting', channel: CHANNEL, reason: 'human_request', assignee: null });
    expect(c.thread).toBe((parents[0]!.response as { ts: string }).ts);

    await Promise.all([desk.open(id, 'human_request'), desk.open(id, 'angry')]);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);

    const at = new Date();
    await desk.append(id, 'Hello?? <b>anyone</b> @channel', at);
    await desk.append(id, 'Hello?? <b>anyone</b> @channel', at); // the worker handling the event again
    const appended = threadPosts(c.thread!);
    expect(appended).toHaveLength(1);
    expect(appended[0]!.text).toContain('Jane Doe:* Hello?? &lt;b&gt;anyone&lt;/b&gt;');
    expect(appended[0]!.text).not.toContain('@channel');
    expect(appended[0]!.blocks).toEqual([{ type: 'section', block_id: 'handoff_customer', text: { type: 'mrkdwn', text: appended[0]!.text, verbatim: true } }]);
  });

  it("a customer's long, symbol-heavy message reaches the thread: escaped first, then cut to what Slack takes (issue 17, finding 5)", async () => {
    const { id } = await conversation('Sym & <Bol>');
    const { threadTs } = await openThread(id);
    // 2,900 characters that escaping makes 12,000: cut before escaping, the section was refused
    const text = `${'<&>'.repeat(900)} 😀 and the end of it`;
    await desk.append(id, text, new Date());
    const [posted] = threadPosts(threadTs);
    expect(posted).toBeDefined();
    const section = (posted!.blocks as { text: { text: string } }[])[0]!.text.text;
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(section).toMatch(/^\*Sym &amp; &lt;Bol&gt;:\* &lt;&amp;&gt;&lt;&amp;&gt;/);
    expect(section).toMatch(/(&lt;|&amp;|&gt;)…$/);
    expect(fake.callsTo('chat.postMessage').filter((c) => !c.ok)).toEqual([]);
  });

  it('when Slack refuses the blocks anyway, the customer message arrives as plain text (issue 17, finding 5)', async () => {
    const { id } = await conversation('Refused Blocks');
    const { threadTs } = await openThread(id);
    fake.failNext('chat.postMessage', { status: 200, error: 'invalid_blocks' });
    await desk.append(id, 'Is anyone there? <3', new Date());
    const calls = fake.callsTo('chat.postMessage');
    expect(calls.map((c) => [c.ok, Array.isArray(c.args.blocks)])).toEqual([[true, true], [false, true], [true, false]]);
    const posts = threadPosts(threadTs);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toBe('*Refused Blocks:* Is anyone there? &lt;3');
    expect(posts[0]!.blocks).toBeUndefined();
  });

  it('open() called inside the caller’s transaction on the conversation (as the reply worker does) returns, and the thread is recorded once it commits', async () => {
    const { id } = await conversation('Hal Worker');
    const worker = await db.pool.connect();
    try {
      await worker.query('BEGIN');
      await worker.query(`UPDATE conversations SET handoff_state = 'waiting', handoff_reason = 'angry', handoff_at = now() WHERE id = $1 AND handoff_state = 'bot'`, [id]);
      const opened = desk.open(id, 'angry');
      // a deadlock would never return: the deadline only ends a failing run
      let returned = false;
      void opened.then(() => (returned = true));
      await waitFor(() => returned, { what: 'open() to return while the caller holds its transaction' });
      expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
      // a second open while the first is still being recorded posts nothing
      const second = desk.open(id, 'angry');
      await worker.query('COMMIT');
      await second;
    } finally {
      worker.release();
    }
    const c = await eventually(async () => ((await conv(id)).thread ? conv(id) : undefined), 'the thread recorded');
    expect(c).toMatchObject({ state: 'waiting', reason: 'angry', channel: CHANNEL });
    expect(c.thread).toBe((fake.callsTo('chat.postMessage')[0]!.response as { ts: string }).ts);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a permitted reply goes to the customer (RESPONSE inside 24 h), the conversation becomes human, and a repeated event sends once', async () => {
    const { id, psid } = await conversation('Ana Lima', 2 * HOUR);
    const { threadTs } = await openThread(id);
    const before = graph.messages().length;
    const m = threadMessage({ user: USERS.agent, text: 'Hi Ana, I am on it &amp; checking <https://shop.example/o/123|your order>', threadTs });
    expect(await post(m.body)).toBe(200);
    // the events answer waits for the listener only up to 2.5 s: on a busy machine the send may come after
    const sent = await eventually(async () => graph.messages().length > before && graph.messages().slice(before), 'the reply sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Hi Ana, I am on it & checking your order (https://shop.example/o/123)' } });
    expect(sent[0]!.body.tag).toBeUndefined();
    expect(sent[0]!.token).toBe(PAGE_TOKEN);
    const ok = await fake.waitFor('chat.postEphemeral', (c) => c.args.user === USERS.agent);
    expect(await conv(id)).toMatchObject({ state: 'human', assignee: USERS.agent });
    expect(ok.args.text).toContain('Sent to the customer');
    // the parent now says who has it
    const update = await fake.waitFor('chat.update', (c) => c.args.ts === threadTs);
    expect(JSON.stringify(update.args.blocks)).toContain(`Assigned to <@${USERS.agent}>`);

    // Slack delivers the same event again (a retry), and once more concurrently
    const retried = await Promise.all([
      post(m.body, 'application/json', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
      post(m.body, 'application/json', { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' }),
    ]);
    expect(retried).toEqual([200, 200]);
    expect(graph.messages().length).toBe(before + 1);
    expect((await audits('handoff.reply')).filter((a) => a.target === `conversation:${id}`)).toHaveLength(1);
    const [row] = await q<{ sender: string; status: string }>(`SELECT sender, status::text FROM messenger_sends WHERE idempotency_key = $1`, [`human:${CHANNEL}:${m.ts}`]);
    expect(row).toEqual({ sender: 'human', status: 'sent' });
    // the reply is in the conversation's messages, with who wrote it (per-agent analytics)
    const stored = await q<{ sender_kind: string; agent: { id: string; name: string } }>(
      `SELECT sender_kind::text, agent_info AS agent FROM messages WHERE conversation_id = $1 AND direction = 'to_client' AND sender_kind = 'human_agent'`, [id]);
    expect(stored).toEqual([{ sender_kind: 'human_agent', agent: { id: USERS.agent, name: 'agent person', via: 'slack' } }]);
    const sessions = await q<{ human_handoff: boolean; message_count: number }>(`SELECT human_handoff, message_count FROM sessions WHERE conversation_id = $1`, [id]);
    expect(sessions).toEqual([{ human_handoff: true, message_count: 4 }]);
  });

  it('uses the HUMAN_AGENT tag after 24 h and refuses with an explanation after 7 days', async () => {
    const late = await conversation('Bo Late', 50 * HOUR);
    const t1 = await openThread(late.id);
    const before = graph.messages().length;
    // "Also send to #channel" (subtype thread_broadcast) is a reply all the same
    await post(threadMessage({ user: USERS.agent, text: 'Sorry for the wait!', threadTs: t1.threadTs, extra: { subtype: 'thread_broadcast' } }).body);
    const tagged = await eventually(async () => graph.messages().length > before && graph.messages().slice(before), 'the tagged reply');
    expect(tagged).toHaveLength(1);
    expect(tagged[0]!.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Sorry for the wait!' } });

    const gone = await conversation('Cy Gone', 8 * 24 * HOUR);
    const t2 = await openThread(gone.id);
    const n = graph.calls.length;
    await post(threadMessage({ user: USERS.agent, text: 'Are you still there?', threadTs: t2.threadTs }).body);
    expect(graph.calls.length).toBe(n);
    const note = await eventually(async () => threadPosts(t2.threadTs).find((p) => /7 days/.test(p.text ?? '')), 'the refusal note');
    expect(note.text).toMatch(/Not sent to the customer: .*only within 7 days/);
  });

  it("an unpermitted user's reply, a bot's post, an edit and a // note are not sent", async () => {
    const { id } = await conversation('Di Quiet');
    const { threadTs } = await openThread(id);
    const n = graph.calls.length;
    for (const user of [STRANGER, USERS.qa]) {
      expect(await post(threadMessage({ user, text: 'I will answer this one', threadTs }).body)).toBe(200);
      const told = await fake.waitFor('chat.postEphemeral', (c) => c.args.user === user);
      expect(told.args.text).toBe(NEEDS_ROLE);
      expect(told.args.thread_ts).toBe(threadTs);
    }
    await post(threadMessage({ user: USERS.agent, text: 'from a bot', threadTs, extra: { bot_id: 'B0OTHER' } }).body);
    await post(threadMessage({ user: USERS.agent, text: 'edited', threadTs, extra: { subtype: 'message_changed' } }).body);
    await post(threadMessage({ user: USERS.agent, text: '// checking with the warehouse first', threadTs }).body);
    await post(threadMessage({ user: USERS.agent, text: `<@${BOT.userId}> what is our CSI this week?`, threadTs }).body);
    // a file Slack gives no download link for is refused in the thread, and nothing reaches Meta (handoff-attachments.test.ts: files that do)
    await post(threadMessage({ user: USERS.agent, text: '', threadTs, extra: { subtype: 'file_share', files: [{ id: 'F1', name: 'label.png' }] } }).body);
    await eventually(async () => threadPosts(threadTs).find((p) => p.text?.includes('*label.png* was not sent to the customer: Slack gave no download link for it')), 'the file refusal');
    expect(graph.calls.length).toBe(n);
    expect(await conv(id)).toMatchObject({ state: 'waiting', assignee: null });
    expect((await audits('handoff.reply.refused')).filter((a) => a.target === `conversation:${id}`).map((a) => a.details.slackId)).toEqual([STRANGER, USERS.qa]);
    // the stranger was not recorded as a user by writing in the thread
    expect(await q(`SELECT 1 FROM users WHERE external_id = $1`, [STRANGER])).toHaveLength(0);
  });
});

describe('buttons', () => {
  it('Assign to me, Transfer, Resume bot: state, assignee, notes, audit; the bot gets it back', async () => {
    const { id } = await conversation('Ed Buttons');
    const { threadTs } = await openThread(id);
    expect((await press(USERS.agent, id, HANDOFF_ACTION.assign, threadTs)).status).toBe(200);
    await eventually(async () => (await conv(id)).assignee === USERS.agent, 'the assignment');
    expect(await conv(id)).toMatchObject({ state: 'human' });
    await eventually(async () => threadPosts(threadTs).some((p) => p.text?.includes('took this conversation')), 'the assign note');

    // another agent may not take it, nor reply
    const taken = await press(USERS.agent2, id, HANDOFF_ACTION.assign, threadTs);
    expect(String((await responseTo(taken.responseUrl)).text)).toMatch(/assigned to someone else/);
    const n = graph.calls.length;
    await post(threadMessage({ user: USERS.agent2, text: 'me too', threadTs }).body);
    expect((await fake.waitFor('chat.postEphemeral', (c) => c.args.user === USERS.agent2)).args.text).toMatch(/not\* sent: this conversation is assigned to someone else/);
    expect(graph.calls.length).toBe(n);

    // a lead transfers it to agent2; a transfer to a QA reviewer is refused
    const toQa = await press(USERS.lead, id, HANDOFF_ACTION.transfer, threadTs, USERS.qa);
    expect(String((await responseTo(toQa.responseUrl)).text)).toMatch(/cannot take customer conversations/);
    // picking the person asks why (a modal); the transfer happens when the reason is given
    await press(USERS.lead, id, HANDOFF_ACTION.transfer, threadTs, USERS.agent2);
    const modal = await fake.waitFor('views.open', (c) => String((c.args.view as { private_metadata?: string }).private_metadata).includes(`"conversationId":${id}`));
    expect((await conv(id)).assignee).toBe(USERS.agent);
    expect(await submitTransfer(USERS.lead, modal.args.view as { private_metadata: string }, 'Agent 2 speaks Portuguese')).toBe(200);
    await eventually(async () => (await conv(id)).assignee === USERS.agent2, 'the transfer');
    await eventually(async () => threadPosts(threadTs).some((p) => p.text?.includes(`transferred this conversation to <@${USERS.agent2}> — reason: Agent 2 speaks Portuguese`)), 'the transfer note');
    expect((await audits('handoff.transfer')).at(-1)!.details).toMatchObject({ reason: 'Agent 2 speaks Portuguese', toSlackId: USERS.agent2 });
    expect(await q(`SELECT t.reason, u.external_id AS "to" FROM handoff_transfers t JOIN handoff_cases h ON h.id = t.case_id JOIN users u ON u.id = t.to_id WHERE h.conversation_id = $1`, [id]))
      .toEqual([{ reason: 'Agent 2 speaks Portuguese', to: USERS.agent2 }]);

    await press(USERS.agent2, id, HANDOFF_ACTION.resume, threadTs);
    await eventually(async () => (await conv(id)).state === 'bot', 'resume');
    expect(await conv(id)).toMatchObject({ assignee: null });
    const [unsure] = await q<{ unsure_streak: number }>(`SELECT unsure_streak FROM conversations WHERE id = $1`, [id]);
    expect(unsure!.unsure_streak).toBe(0);
    await eventually(async () => threadPosts(threadTs).some((p) => p.text?.includes('gave this conversation back to the bot')), 'the resume note');
    const parent = fake.callsTo('chat.update').filter((c) => c.args.ts === threadTs).at(-1)!;
    expect(JSON.stringify(parent.args.blocks)).toContain('Back with the bot');
    const trail = (await q<{ action: string; actor: string }>(`SELECT a.action, u.external_id AS actor FROM audit_logs a JOIN users u ON u.id = a.actor_id WHERE a.target = $1 ORDER BY a.id`, [`conversation:${id}`]));
    expect(trail.map((t) => `${t.action}:${t.actor}`)).toEqual([
      `handoff.assign_self:${USERS.agent}`, `handoff.assign_self.refused:${USERS.agent2}`, `handoff.reply.refused:${USERS.agent2}`,
      `handoff.transfer:${USERS.lead}`, `handoff.resume:${USERS.agent2}`,
    ]);

    // handed off again later: the same thread carries on, no new parent
    const parentsBefore = fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === undefined).length;
    await desk.open(id, 'angry');
    expect(fake.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === undefined)).toHaveLength(parentsBefore);
    expect(threadPosts(threadTs).some((p) => p.text?.includes('Handed off again'))).toBe(true);
    expect(await conv(id)).toMatchObject({ state: 'waiting', reason: 'angry', thread: threadTs });
  });

  it('Block customer: refused for an agent, done by a lead', async () => {
    const { id, customerId } = await conversation('Fa Spam');
    const { threadTs } = await openThread(id);
    const refused = await press(USERS.agent, id, HANDOFF_ACTION.block, threadTs);
    expect(String((await responseTo(refused.responseUrl)).text)).toMatch(/only team leads and admins may block/);
    expect((await q<{ blocked: boolean }>(`SELECT blocked FROM customers WHERE id = $1`, [customerId]))[0]!.blocked).toBe(false);
    await press(USERS.lead, id, HANDOFF_ACTION.block, threadTs);
    await eventually(async () => (await q<{ blocked: boolean }>(`SELECT blocked FROM customers WHERE id = $1`, [customerId]))[0]!.blocked, 'the block');
    expect((await audits('handoff.block')).map((a) => a.actor)).toContain(USERS.lead);
  });
});

describe('/canned', () => {
  it('sends a rendered template to the caller’s assigned conversation and shows it in the thread', async () => {
    await q(`INSERT INTO message_templates (name, message_type, body, variables, updated_at) VALUES
      ('greeting', 'greeting', 'Hi {{first_name}}, this is {{agent_name}} from {{page_name}}.', '{first_name,agent_name,page_name}', now()),
      ('order', 'shipping', 'Your order {{order_id}} is on its way.', '{order_id}', now())`);
    const { id, psid } = await conversation('Gil Canned');
    const { threadTs } = await openThread(id);
    await press(USERS.lead, id, HANDOFF_ACTION.assign, threadTs);
    await eventually(async () => (await conv(id)).assignee === USERS.lead, 'the assignment');

    const before = graph.messages().length;
    const r = await canned(USERS.lead, 'greeting');
    expect(r.status).toBe(200);
    expect(String((await responseTo(r.responseUrl)).text)).toContain('Sent *greeting*');
    const sent = graph.messages().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ recipient: { id: psid }, message: { text: 'Hi Gil, this is lead person from Acme Shoes.' } });
    expect(threadPosts(threadTs).some((p) => p.text?.includes('sent the *greeting* template'))).toBe(true);
    expect((await q<{ usage_count: number }>(`SELECT usage_count FROM message_templates WHERE name = 'greeting'`))[0]!.usage_count).toBe(1);

    const missing = await canned(USERS.lead, 'order');
    expect(String((await responseTo(missing.responseUrl)).text)).toMatch(/needs \{\{order_id\}\}/);
    const unknown = await canned(USERS.lead, `nope ${id}`);
    expect(String((await responseTo(unknown.responseUrl)).text)).toMatch(/no active template "nope"[\s\S]*greeting/);
    const botOnly = await conversation('Ivy Bot');
    const notHanded = await canned(USERS.lead, `greeting ${botOnly.id}`);
    expect(String((await responseTo(notHanded.responseUrl)).text)).toMatch(/never handed off/);
    const stranger = await canned(STRANGER, 'greeting');
    expect(String((await responseTo(stranger.responseUrl)).text)).toMatch(/Nothing was sent/);
    expect(graph.messages().length).toBe(before + 1);
  });

  it("brand per page: the page's own template of a name wins over the shared one; another page's never shows (issue 19)", async () => {
    const [page] = await q<{ id: number }>(`SELECT id FROM pages WHERE fb_page_id = $1`, [PAGE]);
    const [other] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('PAGE999', 'Other Brand', now()) RETURNING id`);
    await q(`INSERT INTO message_templates (page_id, name, message_type, body, variables, updated_at) VALUES
      (NULL, 'welcome_back', 'greeting', 'Welcome back (shared).', '{}', now()),
      ($1, 'welcome_back', 'greeting', 'Welcome back to Acme, {{first_name}}!', '{first_name}', now()),
      ($2, 'welcome_back', 'greeting', 'Other Brand says hello.', '{}', now()),
      ($2, 'other_only', 'greeting', 'Only for Other Brand.', '{}', now())`, [page!.id, other!.id]);
    const { id, psid } = await conversation('Hal Own');
    const { threadTs } = await openThread(id);
    await press(USERS.lead, id, HANDOFF_ACTION.assign, threadTs);
    await eventually(async () => (await conv(id)).assignee === USERS.lead, 'the assignment');
    const before = graph.messages().length;
    const r = await canned(USERS.lead, `welcome_back ${id}`);
    expect(String((await responseTo(r.responseUrl)).text)).toContain('Sent *welcome_back*');
    expect(graph.messages().slice(before).map((c) => c.body)).toEqual([expect.objectContaining({ recipient: { id: psid }, message: expect.objectContaining({ text: 'Welcome back to Acme, Hal!' }) })]);
    const counts = await q<{ page_id: number | null; usage_count: number }>(`SELECT page_id, usage_count FROM message_templates WHERE name = 'welcome_back' ORDER BY page_id NULLS FIRST`);
    expect(counts).toEqual([{ page_id: null, usage_count: 0 }, { page_id: page!.id, usage_count: 1 }, { page_id: other!.id, usage_count: 0 }]);
    const foreign = await canned(USERS.lead, `other_only ${id}`);
    const refusal = String((await responseTo(foreign.responseUrl)).text);
    expect(refusal).toMatch(/no active template "other_only"/);
    expect(refusal).not.toMatch(/Other Brand|Only for/);
    expect(graph.messages().length).toBe(before + 1);
  });
});
