import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDOFF_ACTION, actionsBlockId } from '../src/bots/slack/handoff-blocks.ts';
import { BOT } from './helpers/fake-slack.ts';
import { startHandoffStack, type HandoffStack } from './helpers/handoff-stack.ts';
import type { ResponseRecorder } from './helpers/response-url.ts';
import { eventually } from './helpers/slack-harness.ts';

// Issue 19 (the desk): Resume bot in Slack also ends the pause a reply from another inbox (Meta
// Business Suite) started, with every real part composed as the service does: signed Messenger
// webhook posts → the reply worker and the offline customer agent → the handoff desk on the fake
// Slack; the Resume bot button → the bot answers the customer's next message on the fake Graph API.

const SECRET = 'e2e-app-secret-91f';
const PAGE = '1090000000888';
const PAGE_TOKEN = 'EAAG-page-777';
const CHANNEL = 'C0HANDOFF';
const AGENT = 'U0AGENTE2E';
const CUSTOMER = 'PSIDRES0001';

let stack: HandoffStack;
let responses: ResponseRecorder;
let n = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => stack.q<T>(sql, params);
const customerWrites = (text: string): Promise<void> => stack.customerMessage(CUSTOMER, { text });
const slackPost = (body: string, contentType: string) => stack.slackPost(body, contentType);

const toCustomer = () => stack.textsTo(CUSTOMER);
const conversation = () => stack.conversationOf(CUSTOMER);
const thread = (ts: string) => stack.threadTexts(ts);

beforeAll(async () => {
  stack = await startHandoffStack({ name: 'resume_e2e', appSecret: SECRET, page: PAGE, pageToken: PAGE_TOKEN, channel: CHANNEL, agent: AGENT });
  ({ responses } = stack);
});

afterAll(async () => {
  await stack?.close();
});

const entryOf = (items: unknown[]) => JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: items }] });

/** A reply typed in Meta Business Suite: an echo from another app (Page Inbox), no metadata of ours. */
async function suiteReplies(text: string): Promise<void> {
  const raw = entryOf([{ sender: { id: PAGE }, recipient: { id: CUSTOMER }, timestamp: Date.now(), message: { mid: `m_suite_${++n}`, is_echo: true, app_id: 263902037430900, text } }]);
  await stack.deliver(raw);
}

const everyEventHandled = () => eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state <> 'done'`, [CUSTOMER])).length === 0, 'every event handled');

async function pressResume(conversationId: number, parentTs: string): Promise<void> {
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: AGENT, username: 'noah', team_id: BOT.teamId }, api_app_id: 'A0FAKE', token: 'legacy',
    trigger_id: `${++n}.1764500000.res`, channel: { id: CHANNEL, name: 'handoff' }, container: { type: 'message', message_ts: parentTs, channel_id: CHANNEL, is_ephemeral: false },
    message: { type: 'message', ts: parentTs, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] }, response_url: `${responses.base}/actions/res${n}`,
    actions: [{ type: 'button', action_id: HANDOFF_ACTION.resume, block_id: actionsBlockId(conversationId), value: String(conversationId), text: { type: 'plain_text', text: 'Resume bot' }, action_ts: `1764500000.${n}` }],
  };
  expect(await slackPost(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded')).toBe(200);
}

describe('Resume bot and a reply from another inbox', () => {
  it('a Business Suite reply pauses the bot; Resume bot ends the pause; a new Business Suite reply pauses it again', async () => {
    await customerWrites('can I talk to a person?');
    const opened = await eventually(async () => {
      const c = await conversation();
      return c?.thread && c.state === 'waiting' ? c : undefined;
    }, 'the handoff thread recorded');
    expect(toCustomer()).toHaveLength(1); // the bot's "a person will answer"

    await suiteReplies('Hi, Lena from the shop here');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('Lena from the shop here')), 'the Business Suite reply in the thread');

    await pressResume(opened.id, opened.thread!);
    await eventually(async () => (await conversation())!.state === 'bot', 'resume');
    await eventually(async () => thread(opened.thread!).some((t) => t.includes('gave this conversation back to the bot')), 'the resume note');

    // within MESSENGER_HUMAN_PAUSE_MINUTES of Lena's reply, yet the bot answers: Resume bot ended the pause
    await customerWrites('do you ship to Austria?');
    await eventually(async () => toCustomer().length === 2, 'the bot answering again');

    // Lena writes again from the Suite: the bot is quiet once more
    await suiteReplies('I will take this one, one moment');
    await everyEventHandled();
    await customerWrites('and to Switzerland?');
    await everyEventHandled();
    expect(toCustomer()).toHaveLength(2);
  });
});
