import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandoffDesk } from '../src/bots/slack/handoff.ts';
import type { HandoffDesk, MessengerSender } from '../src/domain/messenger/contracts.ts';
import type { TestDatabase } from './helpers/db.ts';
import type { FakeGraph } from './helpers/fake-graph.ts';
import { BOT, type FakeSlack, type UserFile } from './helpers/fake-slack.ts';
import { startHandoffStack, type HandoffStack } from './helpers/handoff-stack.ts';
import { BOT_TOKEN, capturingLogger, eventually, nextTs, signed, slackClock } from './helpers/slack-harness.ts';

// Issue 19, point 5 — attachments both ways, with every real part composed as the service does:
// a signed Messenger webhook with attachments → the reply worker → the desk downloads them from
// the fake Graph API's CDN and uploads them into the handoff thread with Slack's external upload
// flow on the fake Slack (or links them, saying why); an agent's file shared in the thread → the
// listener downloads it from Slack with the bot token → the Send API's attachment upload on the
// fake Graph API, under the 24 h / HUMAN_AGENT windows.

const SECRET = 'attach-app-secret-5e1';
const PAGE = '1090000000555';
const PAGE_TOKEN = 'EAAG-page-555';
const CHANNEL = 'C0HANDFILE';
const AGENT = 'U0AGENTFILE';
const MB = 1024 * 1024;

let stack: HandoffStack;
let db: TestDatabase;
let graph: FakeGraph;
let fake: FakeSlack;
let desk: HandoffDesk;
let sender: MessengerSender;
let app: FastifyInstance;
let n = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];
const thread = (ts: string) => fake.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === ts);
const sharedIn = (ts: string) => fake.uploadedFiles.filter((f) => f.completed && f.channelId === CHANNEL && f.threadTs === ts);
/** bytes that look like what they are: a PNG signature, then filler */
const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size - 8, n++ % 251)]);

const webhook = (psid: string, message: Record<string, unknown>): Promise<void> => stack.customerMessage(psid, message);

/** A customer asks for a person through the webhook; resolves when the thread is recorded. */
async function handedOff(psid: string): Promise<{ id: number; thread: string }> {
  await webhook(psid, { text: 'can I talk to a person?' });
  return eventually(async () => {
    const r = (await q<{ id: number; thread: string | null }>(
      `SELECT c.id, c.handoff_thread_ts AS thread FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE cu.psid = $1`, [psid]))[0];
    return r?.thread ? { id: r.id, thread: r.thread } : undefined;
  }, 'the handoff thread');
}

const settled = (psid: string) => eventually(async () => (await q(`SELECT 1 FROM messenger_events WHERE psid = $1 AND state NOT IN ('done', 'skipped', 'failed')`, [psid])).length === 0, 'every event handled');

/** A conversation handed off earlier, its customer last writing `ago` ms ago, with its thread open. */
async function openConversation(psid: string, ago: number): Promise<{ id: number; thread: string }> {
  const last = new Date(Date.now() - ago);
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Acme Shoes', now()) ON CONFLICT (fb_page_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [PAGE]);
  const [cust] = await q<{ id: number }>(`INSERT INTO customers (page_id, psid, name, last_message_at) VALUES ($1, $2, 'Mia Files', $3) RETURNING id`, [page!.id, psid, last]);
  const [conv] = await q<{ id: number }>(
    `INSERT INTO conversations (fb_chat_id, page_id, customer_id, first_message_at, last_message_at, updated_at) VALUES ($1, $2, $3, $4, $4, now()) RETURNING id`,
    [`t_${psid}`, page!.id, cust!.id, last],
  );
  await q(`INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, 'to_company', 'customer', 'my parcel is damaged', $3)`, [conv!.id, `m_${psid}`, last]);
  await desk.open(conv!.id, 'human_request');
  const [row] = await q<{ thread: string }>(`SELECT handoff_thread_ts AS thread FROM conversations WHERE id = $1`, [conv!.id]);
  return { id: conv!.id, thread: row!.thread };
}

/** An agent's message with files in the thread, as the Events API delivers a file share. */
async function agentShares(threadTs: string, text: string, files: (UserFile | Record<string, unknown>)[]): Promise<void> {
  const ts = nextTs();
  const body = JSON.stringify({
    token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `EvAtt${++n}`, event_time: Math.floor(slackClock().getTime() / 1000),
    authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', subtype: 'file_share', channel: CHANNEL, channel_type: 'channel', user: AGENT, text, files, upload: false, display_as_bot: false, ts, thread_ts: threadTs, event_ts: ts },
  });
  const req = signed(body, { contentType: 'application/json' });
  expect((await app.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode).toBe(200);
}

beforeAll(async () => {
  stack = await startHandoffStack({
    name: 'handoff_files', appSecret: SECRET, page: PAGE, pageToken: PAGE_TOKEN, channel: CHANNEL, agent: AGENT,
    env: { SLACK_FILE_MAX_MB: '1' }, files: true, noWaits: true,
  });
  ({ db, graph, fake, desk, sender, app } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe("a customer's attachments in the handoff thread", () => {
  it('a photo is uploaded into the thread with the v2 flow (getUploadURLExternal → bytes → completeUploadExternal), not shown as "[1 attachment]"', async () => {
    const psid = 'PSIDATT0001';
    const { thread: ts } = await handedOff(psid);
    const photo = png(200 * 1024);
    await webhook(psid, { attachments: [{ type: 'image', payload: { url: graph.hostFile({ name: 'damaged-box.jpg', contentType: 'image/jpeg', bytes: photo }) } }] });
    const [file] = await eventually(async () => (sharedIn(ts).length === 1 ? sharedIn(ts) : undefined), 'the photo shared in the thread');
    expect(file!.bytes!.equals(photo)).toBe(true);
    expect(file).toMatchObject({ filename: 'damaged-box.jpg', declaredLength: photo.length, uploadedAs: 'raw', initialComment: expect.stringContaining('sent a photo') });
    const reserve = fake.callsTo('files.getUploadURLExternal').at(-1)!;
    expect(reserve.token).toBe(BOT_TOKEN);
    expect(fake.callsTo('files.completeUploadExternal').at(-1)!.args).toMatchObject({ channel_id: CHANNEL, thread_ts: ts, files: [{ id: file!.id }] });
    await settled(psid);
    expect(thread(ts).some((m) => /\[1 attachment\]/.test(m.text ?? ''))).toBe(false);
    expect(await q(`SELECT state, bytes FROM handoff_files WHERE key LIKE 'in:%' AND slack_file_id = $1`, [file!.id])).toEqual([{ state: 'shared', bytes: photo.length }]);
  });

  it('handled again after a failure, each file is in the thread once: a shared file is not posted again, a half-shared one is finished', async () => {
    const psid = 'PSIDATT0002';
    const { thread: ts } = await handedOff(psid);
    const first = png(50 * 1024);
    const second = png(60 * 1024);
    const since = fake.calls.length;
    const calls = (method: string) => fake.calls.slice(since).filter((c) => c.method === method);
    // Slack fails the first file's share (fatal_error: worth a retry): the worker handles the event again
    fake.failNext('files.completeUploadExternal', { status: 200, error: 'fatal_error' });
    await webhook(psid, {
      text: 'two photos of the damage',
      attachments: [
        { type: 'image', payload: { url: graph.hostFile({ name: 'one.png', contentType: 'image/png', bytes: first }) } },
        { type: 'image', payload: { url: graph.hostFile({ name: 'two.png', contentType: 'image/png', bytes: second }) } },
      ],
    });
    await eventually(async () => (sharedIn(ts).length === 2 ? true : undefined), 'both photos shared');
    await settled(psid);
    const shared = sharedIn(ts);
    expect(shared.map((f) => f.filename)).toEqual(['one.png', 'two.png']);
    expect(shared[0]!.bytes!.equals(first) && shared[1]!.bytes!.equals(second)).toBe(true);
    // the first attempt stopped at the first file's share; the retry asked files.info, then shared the same upload
    expect(calls('files.info').map((c) => c.args.file)).toEqual([shared[0]!.id]);
    expect(calls('files.getUploadURLExternal').filter((c) => c.ok)).toHaveLength(2);
    expect(calls('files.completeUploadExternal').map((c) => c.ok)).toEqual([false, true, true]);
    expect(calls('upload')).toHaveLength(2);
    expect(thread(ts).filter((m) => m.text?.includes('two photos of the damage'))).toHaveLength(1);
    const attempts = await q<{ attempts: number }>(`SELECT attempts FROM messenger_events WHERE psid = $1 AND kind = 'message' ORDER BY received_at DESC LIMIT 1`, [psid]);
    expect(attempts[0]!.attempts).toBe(1);

    // and a desk made again (a restart) forwarding the same attachments posts nothing
    const key = (await q<{ key: string }>(`SELECT key FROM handoff_files WHERE slack_file_id = $1`, [shared[0]!.id]))[0]!.key;
    const [, mid] = /^in:(.+):\d+$/.exec(key)!;
    const [conv] = await q<{ id: number }>(`SELECT conversation_id AS id FROM handoff_files WHERE key = $1`, [key]);
    const again = createHandoffDesk({ pool: db.pool, slack: stack.slack.app.client, channel: CHANNEL, logger: capturingLogger('warn').logger, files: { maxBytes: MB, trustedOrigins: [graph.apiUrl] } });
    const before = fake.calls.length;
    await again.append(conv!.id, '[2 attachments]', new Date(), [0, 1].map((i) => ({ key: `in:${mid}:${i}`, kind: 'image' as const, url: graph.hostFile({ name: 'x.png', contentType: 'image/png', bytes: first }), name: 'x.png' })));
    expect(fake.calls.slice(before).filter((c) => c.method.startsWith('files.') || c.method === 'upload' || c.method === 'chat.postMessage')).toEqual([]);
  });

  it('too large (declared or streamed past SLACK_FILE_MAX_MB) or expired: a link and the reason instead of a file', async () => {
    const psid = 'PSIDATT0003';
    const { thread: ts } = await handedOff(psid);
    const shared = sharedIn(ts).length;
    await webhook(psid, {
      attachments: [
        { type: 'video', payload: { url: graph.hostFile({ name: 'unboxing.mp4', contentType: 'video/mp4', bytes: Buffer.alloc(1.5 * MB, 1) }) } },
        { type: 'file', payload: { url: graph.hostFile({ name: 'invoice.pdf', contentType: 'application/pdf', bytes: Buffer.alloc(1.2 * MB, 2), chunked: true }) } },
        { type: 'image', payload: { url: `${graph.apiUrl.replace(/\/v[\d.]+$/, '')}/cdn/gone/old.jpg` } },
      ],
    });
    const links = await eventually(async () => {
      const l = thread(ts).filter((m) => m.text?.includes(':paperclip:'));
      return l.length === 3 ? l : undefined;
    }, 'three links in the thread');
    expect(links[0]!.text).toMatch(/sent a video: <http:\/\/127\.0\.0\.1:\d+\/cdn\/\w+\/unboxing\.mp4\?[^|]*\|unboxing\.mp4>/);
    expect(links[0]!.text).toContain('Not uploaded here: it is 1.5 MB, over the 1 MB limit (SLACK_FILE_MAX_MB)');
    expect(links[1]!.text).toContain('sent a file');
    expect(links[1]!.text).toContain("Not uploaded here: it is over the 1 MB limit (SLACK_FILE_MAX_MB)");
    expect(links[2]!.text).toContain('it could not be downloaded from Meta (HTTP 404)');
    await settled(psid);
    expect(sharedIn(ts).length).toBe(shared);
    const states = await q<{ state: string; reason: string | null }>(
      `SELECT state, reason FROM handoff_files hf JOIN conversations c ON c.id = hf.conversation_id JOIN customers cu ON cu.id = c.customer_id WHERE cu.psid = $1 ORDER BY hf.key`, [psid]);
    expect(states.map((r) => r.state)).toEqual(['linked', 'linked', 'linked']);
    expect(states[0]!.reason).toContain('1.5 MB');
  });
});

describe("an agent's file in the thread reaches the customer", () => {
  it('text and file in one Slack message: the words, then the file through /message_attachments and an attachment_id send', async () => {
    const psid = 'PSIDATT0101';
    const { id, thread: ts } = await openConversation(psid, 2 * 3_600_000);
    const label = png(120 * 1024);
    const file = fake.addUserFile({ name: 'return-label.png', mimetype: 'image/png', bytes: label, user: AGENT });
    await agentShares(ts, 'Here is your return label', [file]);
    const sent = await eventually(async () => {
      const s = graph.messages().filter((c) => (c.body.recipient as { id: string }).id === psid);
      return s.length === 2 ? s : undefined;
    }, 'the text and the file sent');
    expect(sent[0]!.body.message).toMatchObject({ text: 'Here is your return label' });
    const attachment = graph.attachments.at(-1)!;
    expect(attachment).toMatchObject({ type: 'image', filename: 'return-label.png', contentType: 'image/png', token: PAGE_TOKEN });
    expect(attachment.bytes.equals(label)).toBe(true);
    expect(sent[1]!.body).toMatchObject({ messaging_type: 'RESPONSE', message: { attachment: { type: 'image', payload: { attachment_id: attachment.id } } } });
    // downloaded from Slack with the bot token
    expect((await fake.waitFor('download')).token).toBe(BOT_TOKEN);
    await fake.waitFor('chat.postEphemeral', (c) => c.args.user === AGENT && String(c.args.text).includes('Sent to the customer'));
    const stored = await eventually(async () => {
      const rows = await q<{ text: string | null; attachments: unknown; agent: { id?: string } | null }>(
        `SELECT text, attachments, agent_info AS agent FROM messages WHERE conversation_id = $1 AND sender_kind = 'human_agent' ORDER BY id`, [id]);
      return rows.length === 2 && rows[1]!.agent ? rows : undefined;
    }, 'both messages stored');
    expect(stored[1]).toMatchObject({ text: null, attachments: [{ type: 'image', payload: { attachment_id: attachment.id, name: 'return-label.png' } }], agent: { id: AGENT } });
    expect((await q<{ state: string }>(`SELECT handoff_state::text AS state FROM conversations WHERE id = $1`, [id]))[0]!.state).toBe('human');

    // the same file of the same Slack message again (a repeated event): its key is taken, nothing is uploaded or sent
    const uploads = graph.attachments.length;
    const key = (await q<{ key: string }>(`SELECT idempotency_key AS key FROM messenger_sends WHERE psid = $1 AND idempotency_key LIKE '%:file:%'`, [psid]))[0]!.key;
    const again = await sender.sendFile!({ key, pageId: PAGE, psid, conversationId: id, sender: 'human', type: 'image', filename: 'return-label.png', contentType: 'image/png', load: async () => label });
    expect(again).toEqual({ status: 'duplicate' });
    expect(graph.attachments.length).toBe(uploads);
    expect(graph.messages().filter((c) => (c.body.recipient as { id: string }).id === psid)).toHaveLength(2);
  });

  it('refusals in the thread: outside the 7-day HUMAN_AGENT window (nothing downloaded), over 25 MB, a link to another service', async () => {
    const psid = 'PSIDATT0102';
    const { thread: ts } = await openConversation(psid, 8 * 24 * 3_600_000);
    const before = { graph: graph.calls.length, downloads: fake.callsTo('download').length };
    const file = fake.addUserFile({ name: 'receipt.pdf', mimetype: 'application/pdf', bytes: Buffer.from('%PDF-1.7 receipt'), user: AGENT });
    await agentShares(ts, '', [file]);
    const note = await eventually(async () => thread(ts).find((m) => m.text?.includes('receipt.pdf')), 'the refusal in the thread');
    expect(note.text).toContain(`<@${AGENT}>: *receipt.pdf* was not sent to the customer`);
    expect(note.text).toMatch(/only within 7 days/);
    expect(fake.callsTo('download').length).toBe(before.downloads);
    expect(graph.calls.length).toBe(before.graph);

    const fresh = await openConversation('PSIDATT0103', 3_600_000);
    const big = { ...fake.addUserFile({ name: 'tour.mov', mimetype: 'video/quicktime', bytes: Buffer.from('x'), user: AGENT }), size: 30 * MB };
    const drive = { id: 'F0DRIVE1', name: 'Specs', mimetype: 'application/vnd.google-apps.document', mode: 'external', is_external: true, external_type: 'gdrive', url_private: 'https://docs.google.com/document/d/1' };
    await agentShares(fresh.thread, '', [big, drive]);
    const notes = await eventually(async () => {
      const l = thread(fresh.thread).filter((m) => m.text?.includes('was not sent to the customer'));
      return l.length === 2 ? l : undefined;
    }, 'two refusals');
    expect(notes[0]!.text).toContain("*tour.mov* was not sent to the customer: it is 30 MB, over Messenger's 25 MB limit for a file.");
    expect(notes[1]!.text).toContain('*Specs* was not sent to the customer: it is a link to another service');
    expect(graph.calls.length).toBe(before.graph);

    // Messenger refuses the send (the customer blocked the page): said in the thread, with Meta's reason
    graph.fail('user_unavailable');
    const manual = fake.addUserFile({ name: 'manual.pdf', mimetype: 'application/pdf', bytes: Buffer.from('%PDF-1.7 manual'), user: AGENT });
    await agentShares(fresh.thread, '', [manual]);
    const refused = await eventually(async () => thread(fresh.thread).find((m) => m.text?.includes('*manual.pdf* was not sent')), 'the Graph refusal');
    expect(refused.text).toContain('Messenger did not take the message (error 551): the customer is unavailable');
    expect(graph.attachments.at(-1)).toMatchObject({ type: 'file', filename: 'manual.pdf' });
  });
});

describe('the fake Graph API speaks the Attachment Upload API', () => {
  it('multipart message + filedata → attachment_id; Meta errors for a missing file, a bad type, JSON, an unknown attachment_id', async () => {
    const upload = (fields: Record<string, string | Blob>, token = PAGE_TOKEN) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      return fetch(`${graph.apiUrl}/me/message_attachments?access_token=${token}`, { method: 'POST', body: form }).then(async (r) => [r.status, await r.json()] as const);
    };
    const ok = await upload({ message: JSON.stringify({ attachment: { type: 'file', payload: { is_reusable: true } } }), filedata: new Blob([Buffer.from('%PDF')], { type: 'application/pdf' }) });
    expect(ok).toEqual([200, { attachment_id: expect.stringMatching(/^\d+$/) }]);
    expect((await upload({ message: JSON.stringify({ attachment: { type: 'file', payload: {} } }) }))[1]).toMatchObject({ error: { code: 100, error_subcode: 2018047 } });
    expect((await upload({ message: JSON.stringify({ attachment: { type: 'sticker', payload: {} } }), filedata: new Blob(['x']) }))[1]).toMatchObject({ error: { code: 100 } });
    expect((await upload({ message: '{"attachment":', filedata: new Blob(['x']) }))[1]).toMatchObject({ error: { code: 100 } });
    expect((await upload({ message: '{}' }, 'EAAG-wrong'))[1]).toMatchObject({ error: { code: 190 } });
    const json = await fetch(`${graph.apiUrl}/me/message_attachments?access_token=${PAGE_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    const unknown = await fetch(`${graph.apiUrl}/me/messages?access_token=${PAGE_TOKEN}`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { id: 'PSIDX' }, messaging_type: 'RESPONSE', message: { attachment: { type: 'image', payload: { attachment_id: '12345' } } } }),
    });
    expect([unknown.status, ((await unknown.json()) as { error: { message: string } }).error.message]).toEqual([400, '(#100) Invalid attachment_id']);
  });
});
