import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDOFF_ACTION, actionsBlockId } from '../src/bots/slack/handoff-blocks.ts';
import { ourMetadata } from '../src/domain/messenger/policy.ts';
import type { FakeGraph } from './helpers/fake-graph.ts';
import { BOT, type FakeSlack } from './helpers/fake-slack.ts';
import { startHandoffStack, type HandoffStack } from './helpers/handoff-stack.ts';
import type { ResponseRecorder } from './helpers/response-url.ts';
import { eventually, nextTs, slackClock } from './helpers/slack-harness.ts';

// Issue 7's handoff acceptance with every real part composed as the service does: a signed
// Messenger webhook post → the reply worker and the offline customer agent → the handoff desk
// opens a thread on the fake Slack; a reply in that thread → the Send API on the fake Graph
// API; the bot stays silent (customer messages are appended to the thread) until "Resume bot".

const SECRET = 'e2e-app-secret-91f';
const PAGE = '1090000000777';
const PAGE_TOKEN = 'EAAG-page-777';
const CHANNEL = 'C0HANDOFF';
const AGENT = 'U0AGENTE2E';
const CUSTOMER = 'PSIDE2E0001';

let stack: HandoffStack;
let graph: FakeGraph;
let fake: FakeSlack;
let responses: ResponseRecorder;
let n = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => stack.q<T>(sql, params);
const customerWrites = (text: string): Promise<void> => stack.customerMessage(CUSTOMER, { text });
const slackPost = (body: string, contentType: string) => stack.slackPost(body, contentType);

const toCustomer = () => stack.textsTo(CUSTOMER);
const conversation = () => stack.conversationOf(CUSTOMER);
const thread = (ts: string) => stack.threadTexts(ts);

beforeAll(async () => {
  stack = await startHandoffStack({ name: 'handoff_e2e', appSecret: SECRET, page: PAGE, pageToken: PAGE_TOKEN, channel: CHANNEL, agent: AGENT });
  ({ graph, fake, responses } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe('handoff round trip through the webhook, the worker and Slack', () => {
  it('"can I talk to a person?" → thread; reply → customer; bot silent until Resume bot', async () => {
    await customerWrites('can I talk to a person?');
    const opened = await eventually(async () => {
      const c = await conversation();
      return c?.thread && c.state === 'waiting' ? c : undefined;
    }, 'the handoff thread recorded');
    const parent = fake.messages.find((m) => m.channel === CHANNEL && m.ts === opened.thread)!;
    expect(JSON.stringify(parent.blocks)).toContain('can I talk to a person?');
    expect(toCustomer()).toHaveLength(1); // the bot's "a person will answer" and nothing else

    // while waiting, a customer message is appended, not answered
    await customerWrites('hello? anyone there?');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('hello? anyone there?')), 'the message appended');

    // a person answers in the thread
    const ts = nextTs();
    const event = {
      token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `EvE2E${++n}`, event_time: Math.floor(slackClock().getTime() / 1000),
      event: { type: 'message', channel: CHANNEL, channel_type: 'channel', user: AGENT, text: 'Hi! Noah here, how can I help?', ts, thread_ts: opened.thread, event_ts: ts },
    };
    expect(await slackPost(JSON.stringify(event), 'application/json')).toBe(200);
    // the events answer waits for the listener only up to 2.5 s: on a busy machine the send may come after
    await eventually(async () => toCustomer().at(-1) === 'Hi! Noah here, how can I help?', 'the reply sent');
    expect(graph.messages().at(-1)!.body).toMatchObject({ messaging_type: 'RESPONSE' });
    await eventually(async () => (await conversation())!.state === 'human', 'the conversation with a human');

    await customerWrites('what is the price of the trail runner?');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('price of the trail runner')), 'the second message appended');
    expect(toCustomer()).toHaveLength(2);

    // Resume bot: the next customer message is the bot's again
    const payload = {
      type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: AGENT, username: 'noah', team_id: BOT.teamId }, api_app_id: 'A0FAKE', token: 'legacy',
      trigger_id: '1.1764500000.e2e', channel: { id: CHANNEL, name: 'handoff' }, container: { type: 'message', message_ts: opened.thread, channel_id: CHANNEL, is_ephemeral: false },
      message: { type: 'message', ts: opened.thread, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] }, response_url: `${responses.base}/actions/e2e`,
      actions: [{ type: 'button', action_id: HANDOFF_ACTION.resume, block_id: actionsBlockId(opened.id), value: String(opened.id), text: { type: 'plain_text', text: 'Resume bot' }, action_ts: '1764500000.1' }],
    };
    expect(await slackPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded')).toBe(200);
    await eventually(async () => (await conversation())!.state === 'bot', 'resume');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('gave this conversation back to the bot')), 'the resume note');
    const appended = thread(opened.thread!).length;
    await customerWrites('do you ship to Austria?');
    await eventually(async () => toCustomer().length === 3, 'the bot answering again');
    expect(thread(opened.thread!).some((t) => t.includes('ship to Austria'))).toBe(false);
    expect(thread(opened.thread!).length).toBe(appended);
  });

  it('humans first: a Business Suite reply and standby messages appear in the thread; our own echoes and receipts do not; the bot stays silent', async () => {
    const customer = 'PSIDE2E0002';
    const entryOf = (items: unknown[], field: 'messaging' | 'standby' = 'messaging') => JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), [field]: items }] });
    const deliver = (raw: string) => stack.deliver(raw);
    const sentTo = () => graph.messages().filter((c) => (c.body.recipient as { id: string }).id === customer);
    await deliver(entryOf([{ sender: { id: customer }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: `m_hf_${++n}`, text: 'can I talk to a person?' } }]));
    const opened = await eventually(async () => {
      const r = (await q<{ id: number; thread: string | null }>(
        `SELECT c.id, c.handoff_thread_ts AS thread FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE cu.psid = $1`, [customer]))[0];
      return r?.thread ? r : undefined;
    }, 'the handoff thread');
    const posts = () => thread(opened.thread!);
    const before = posts().length;

    // a person answers in Meta Business Suite: an echo from another app (Page Inbox's app id, no metadata of ours)
    await deliver(entryOf([{ sender: { id: PAGE }, recipient: { id: customer }, timestamp: Date.now(), message: { mid: `m_hf_${++n}`, is_echo: true, app_id: 263902037430900, text: 'Hi, Lena from the shop here <3' } }]));
    await eventually(async () => posts().some((t) => t.includes('Reply from another inbox') && t.includes('app 263902037430900') && t.includes('Lena from the shop here &lt;3')), 'the Business Suite reply in the thread');

    // Page Inbox owns the conversation now: the customer's message and Lena's reply come on standby, with a read receipt
    await deliver(entryOf([
      { sender: { id: customer }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: `m_hf_${++n}`, text: 'thanks Lena, it is order 555' } },
      { sender: { id: PAGE }, recipient: { id: customer }, timestamp: Date.now() + 1, message: { mid: `m_hf_${++n}`, is_echo: true, app_id: 263902037430900, text: 'Found it, refund on its way.' } },
      { sender: { id: customer }, recipient: { id: PAGE }, timestamp: Date.now() + 2, read: { watermark: Date.now() + 2 } },
    ], 'standby'));
    await eventually(async () => posts().some((t) => t.includes('on standby') && t.includes('thanks Lena, it is order 555')), 'the standby message in the thread');
    await eventually(async () => posts().some((t) => t.includes('Reply from another inbox') && t.includes('refund on its way')), 'the standby echo in the thread');

    // one of our own messages echoed back (our metadata): not mirrored
    await deliver(entryOf([{ sender: { id: PAGE }, recipient: { id: customer }, timestamp: Date.now() + 3, message: { mid: `m_hf_${++n}`, is_echo: true, app_id: 42, metadata: ourMetadata('human', 'human:C0HANDOFF:1'), text: 'from our desk' } }]));
    await eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state <> 'done'`, [customer])).length === 0, 'every event handled');
    expect(posts().filter((t) => t.includes('from our desk'))).toEqual([]);
    expect(posts().length).toBe(before + 3);

    // all of it stored: the customer's words and both replies from the other inbox; the bot said only its handoff line
    const stored = await q<{ sender_kind: string; text: string }>(
      `SELECT m.sender_kind::text, m.text FROM messages m JOIN customers cu ON cu.psid = $1 JOIN conversations c ON c.customer_id = cu.id AND c.id = m.conversation_id ORDER BY m.social_create_time, m.id`, [customer]);
    expect(stored.map((m) => `${m.sender_kind}: ${m.text.split('\n').at(-1)}`)).toEqual([
      'customer: can I talk to a person?',
      'bot: Of course. I am getting a person from our team; they will reply here shortly.',
      'human_agent: Hi, Lena from the shop here <3',
      'customer: thanks Lena, it is order 555',
      'human_agent: Found it, refund on its way.',
      'human_agent: from our desk',
    ]);
    expect(sentTo()).toHaveLength(1);
    const kinds = await q<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM messenger_events WHERE psid = $1 GROUP BY kind ORDER BY kind`, [customer]);
    expect(kinds).toEqual([{ kind: 'echo', n: 2 }, { kind: 'message', n: 1 }, { kind: 'standby', n: 3 }]);
  });
});
