import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';

// The fake is exercised with plain fetch in the shapes real clients use. @slack/web-api (which
// @slack/bolt brings) is not installed yet; its WebClient sends the "form" shape below: every call
// application/x-www-form-urlencoded, object arguments (blocks, files) as JSON text, the token as
// `Authorization: Bearer`, the file bytes raw in a POST to upload_url, and it retries a 429 after
// Retry-After seconds.

const TOKEN = 'xoxb-test-token';
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack({ users: { U0LEAD: { name: 'lena', real_name: 'Lena Lead', tz: 'Europe/Berlin', is_admin: true } } });
});
afterEach(() => slack.reset());
afterAll(() => slack.close());

type Json = Record<string, unknown> & { ok: boolean; error?: string };

async function form(method: string, args: Record<string, unknown>, token: string | null = TOKEN): Promise<{ status: number; headers: Headers; body: Json }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) if (v !== undefined) params.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: params.toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

async function json(method: string, args: Record<string, unknown>, token: string | null = TOKEN): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(args),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('fake Slack Web API', () => {
  it('serves under an /api/ base URL and authenticates like Slack', async () => {
    expect(slack.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const ok = await form('auth.test', {});
    expect(ok).toMatchObject({ status: 200, body: { ok: true, user_id: BOT.userId, bot_id: BOT.botId, team_id: BOT.teamId } });
    expect((await form('auth.test', {}, null)).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await form('auth.test', {}, 'not-a-slack-token')).body).toEqual({ ok: false, error: 'invalid_auth' });
    // a form field token is accepted; in a JSON body it is not (Slack wants the header for JSON)
    expect((await form('auth.test', { token: TOKEN }, null)).body.ok).toBe(true);
    expect((await json('auth.test', { token: TOKEN }, null)).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await form('chat.postMessagez', { channel: 'C1', text: 'x' })).body).toEqual({ ok: false, error: 'unknown_method' });
    expect(slack.callsTo('auth.test').map((c) => [c.status, c.ok, c.token])).toEqual([
      [200, true, TOKEN], [200, false, undefined], [200, false, 'not-a-slack-token'], [200, true, TOKEN], [200, false, undefined],
    ]);
  });

  it('only accepts the configured token when one is set', async () => {
    const strict = await startFakeSlack({ token: 'xoxb-the-one' });
    try {
      const call = (t: string) => fetch(`${strict.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${t}` } }).then((r) => r.json());
      expect(await call('xoxb-other')).toEqual({ ok: false, error: 'invalid_auth' });
      expect(await call('xoxb-the-one')).toMatchObject({ ok: true });
    } finally {
      await strict.close();
    }
  });

  it('posts, records and updates messages sent as JSON or as a form', async () => {
    const posted = await json('chat.postMessage', { channel: 'C0QA', text: 'fallback', blocks: [section('*hi*')], thread_ts: '1700000000.000100' });
    expect(posted.body).toMatchObject({ ok: true, channel: 'C0QA', ts: expect.stringMatching(/^\d{10}\.\d{6}$/), message: { text: 'fallback', bot_id: BOT.botId } });
    const viaForm = await form('chat.postMessage', { channel: 'D0DM', text: 'hello', blocks: [section('a')] });
    expect(viaForm.body.ok).toBe(true);
    expect(viaForm.body.ts).not.toBe(posted.body.ts);

    const [first, second] = slack.callsTo('chat.postMessage');
    expect(first).toMatchObject({ httpMethod: 'POST', path: '/api/chat.postMessage', contentType: 'application/json', token: TOKEN, args: { blocks: [section('*hi*')] } });
    expect(first?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // the form keeps the JSON text on the wire in `body`, decoded in `args`
    expect(second).toMatchObject({ contentType: 'application/x-www-form-urlencoded', body: { blocks: JSON.stringify([section('a')]) }, args: { blocks: [section('a')] } });
    expect(second!.at).toBeGreaterThanOrEqual(first!.at);
    expect(slack.messages.map((m) => [m.channel, m.text, m.thread_ts])).toEqual([['C0QA', 'fallback', '1700000000.000100'], ['D0DM', 'hello', undefined]]);

    const updated = await json('chat.update', { channel: 'C0QA', ts: posted.body.ts, text: 'edited', blocks: [section('edited')] });
    expect(updated.body).toMatchObject({ ok: true, channel: 'C0QA', ts: posted.body.ts, text: 'edited' });
    expect(slack.messages[0]).toMatchObject({ text: 'edited', edited: { ts: expect.any(String) } });
    expect((await json('chat.update', { channel: 'C0QA', ts: '1.000000', text: 'x' })).body).toEqual({ ok: false, error: 'message_not_found' });
  });

  it('rejects messages Slack would reject', async () => {
    expect((await json('chat.postMessage', { channel: 'C1' })).body).toEqual({ ok: false, error: 'no_text' });
    expect((await json('chat.postMessage', { text: 'x' })).body).toEqual({ ok: false, error: 'channel_not_found' });
    const tooMany = await json('chat.postMessage', { channel: 'C1', text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) });
    expect(tooMany.body).toMatchObject({ ok: false, error: 'invalid_blocks', response_metadata: { messages: [expect.stringContaining('no more than 50 items')] } });
    const longText = await json('chat.postMessage', { channel: 'C1', text: 'x', blocks: [section('y'.repeat(3001))] });
    expect(longText.body).toMatchObject({ ok: false, error: 'invalid_blocks' });
    const fields = await json('chat.postMessage', { channel: 'C1', text: 'x', blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] });
    expect(fields.body).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect((await form('chat.postMessage', { channel: 'C1', blocks: '[{"type":' })).body).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
    const bad = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{nope' });
    expect(await bad.json()).toEqual({ ok: false, error: 'invalid_json' });
    expect(slack.messages).toEqual([]);
  });

  it('warns about a JSON body without a charset, as Slack does', async () => {
    const res = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(await res.json()).toMatchObject({ ok: true, warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } });
  });

  it('posts ephemeral messages', async () => {
    expect((await json('chat.postEphemeral', { channel: 'C1', user: 'U0LEAD', text: 'only you' })).body).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect((await json('chat.postEphemeral', { channel: 'C1', text: 'x' })).body).toEqual({ ok: false, error: 'user_not_in_channel' });
    expect(slack.messages).toEqual([]);
  });

  it('runs the external upload flow with raw bytes, as WebClient.filesUploadV2 sends them', async () => {
    const reserved = await form('files.getUploadURLExternal', { filename: 'csi.png', length: String(PNG.length), alt_txt: 'CSI by day' });
    expect(reserved.body).toMatchObject({ ok: true, file_id: expect.stringMatching(/^F/), upload_url: expect.any(String) });
    const uploadUrl = String(reserved.body.upload_url);
    expect(uploadUrl.startsWith(new URL(slack.apiUrl).origin)).toBe(true);
    expect(slack.uploadedFiles).toEqual([{ id: reserved.body.file_id, filename: 'csi.png', declaredLength: PNG.length, altText: 'CSI by day', completed: false }]);

    const put = await fetch(uploadUrl, { method: 'POST', body: PNG });
    expect([put.status, await put.text()]).toEqual([200, `OK - ${PNG.length}`]);

    const done = await form('files.completeUploadExternal', {
      files: [{ id: reserved.body.file_id, title: 'CSI last week' }], channel_id: 'C0QA', thread_ts: '1700000000.000100', initial_comment: 'Chart',
    });
    expect(done.body).toMatchObject({ ok: true, files: [{ id: reserved.body.file_id, name: 'csi.png', title: 'CSI last week', mimetype: 'image/png', size: PNG.length }] });
    const [file] = slack.uploadedFiles;
    expect(file).toMatchObject({ completed: true, uploadedAs: 'raw', title: 'CSI last week', channelId: 'C0QA', threadTs: '1700000000.000100', initialComment: 'Chart' });
    expect(file!.bytes!.equals(PNG)).toBe(true);
    expect(slack.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
  });

  it("files.info shows where a completed upload is shared; a person's file downloads only with the bot token", async () => {
    const reserved = await form('files.getUploadURLExternal', { filename: 'photo.png', length: String(PNG.length) });
    const id = String(reserved.body.file_id);
    await fetch(String(reserved.body.upload_url), { method: 'POST', body: PNG });
    expect((await form('files.info', { file: id })).body).toMatchObject({ ok: true, file: { id, shares: {} } });
    await form('files.completeUploadExternal', { files: [{ id }], channel_id: 'C0DESK', thread_ts: '1700000000.000200' });
    expect((await form('files.info', { file: id })).body).toMatchObject({ ok: true, file: { id, shares: { public: { C0DESK: [{ thread_ts: '1700000000.000200' }] } } } });
    expect((await form('files.info', { file: 'F0NOPE' })).body).toEqual({ ok: false, error: 'file_not_found' });

    const shared = slack.addUserFile({ name: 'label.pdf', mimetype: 'application/pdf', bytes: Buffer.from('%PDF-1.7') });
    expect(shared).toMatchObject({ name: 'label.pdf', mimetype: 'application/pdf', size: 8, mode: 'hosted', url_private_download: expect.stringContaining(`/files-pri/${BOT.teamId}-${shared.id}/download/label.pdf`) });
    const anonymous = await fetch(shared.url_private_download);
    expect([anonymous.status, anonymous.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await anonymous.text()).toContain('Sign in to Slack');
    const authed = await fetch(shared.url_private_download, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([authed.status, authed.headers.get('content-type'), Buffer.from(await authed.arrayBuffer()).toString()]).toEqual([200, 'application/pdf', '%PDF-1.7']);
    expect(slack.callsTo('download').map((c) => [c.ok, c.token])).toEqual([[false, undefined], [true, TOKEN]]);
  });

  it('takes a multipart upload too, and refuses to complete what was never uploaded', async () => {
    const reserved = await json('files.getUploadURLExternal', { filename: 'report.csv', length: 11 });
    const body = new FormData();
    body.append('filename', new Blob([Buffer.from('a,b\n1,2\n3,4')]), 'report.csv');
    const res = await fetch(String(reserved.body.upload_url), { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(slack.uploadedFiles[0]).toMatchObject({ uploadedAs: 'multipart', bytes: Buffer.from('a,b\n1,2\n3,4') });

    const pending = await json('files.getUploadURLExternal', { filename: 'x.png', length: 3 });
    expect((await json('files.completeUploadExternal', { files: [{ id: pending.body.file_id }] })).body).toEqual({ ok: false, error: 'file_not_found' });
    expect((await json('files.completeUploadExternal', { files: [{ id: 'F_NOPE' }] })).body).toEqual({ ok: false, error: 'file_not_found' });
    expect((await json('files.completeUploadExternal', { files: [{ id: reserved.body.file_id }], thread_ts: '1.2' })).body).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect((await json('files.getUploadURLExternal', { filename: 'x.png', length: 0 })).body).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect((await fetch(`${new URL(slack.apiUrl).origin}/upload/v1/FNOPE`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('publishes Home tabs and opens modals', async () => {
    const home = await json('views.publish', { user_id: 'U0LEAD', view: { type: 'home', blocks: [section('Welcome')] } });
    expect(home.body).toMatchObject({ ok: true, view: { id: expect.stringMatching(/^V/), type: 'home', blocks: [section('Welcome')] } });
    // a form-encoded view is JSON text, as WebClient sends it
    expect((await form('views.publish', { user_id: 'U0LEAD', view: { type: 'home', blocks: [] } })).body.ok).toBe(true);
    expect((await json('views.publish', { user_id: 'U0LEAD', view: { type: 'modal', blocks: [] } })).body).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect((await json('views.publish', { view: { type: 'home', blocks: [] } })).body).toMatchObject({ ok: false, error: 'invalid_arguments' });
    const big = Array.from({ length: 101 }, () => section('x'));
    expect((await json('views.publish', { user_id: 'U0LEAD', view: { type: 'home', blocks: big } })).body).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect((await json('views.publish', { user_id: 'U0LEAD', view: { type: 'home', blocks: big.slice(1) } })).body.ok).toBe(true);

    const modal = { type: 'modal', title: { type: 'plain_text', text: 'SQL' }, blocks: [section('```select 1```')] };
    expect((await json('views.open', { trigger_id: '123.456.abc', view: modal })).body).toMatchObject({ ok: true, view: { type: 'modal' } });
    expect((await json('views.open', { view: modal })).body).toMatchObject({ ok: false, error: 'invalid_arguments' });
  });

  it('answers users.info and conversations.info', async () => {
    expect((await form('users.info', { user: 'U0LEAD' })).body).toMatchObject({ ok: true, user: { id: 'U0LEAD', real_name: 'Lena Lead', is_admin: true } });
    expect((await form('users.info', { user: 'U0OTHER' })).body).toMatchObject({ ok: true, user: { id: 'U0OTHER', tz: 'Europe/Berlin', is_bot: false } });
    expect((await form('users.info', { user: 'nobody' })).body).toEqual({ ok: false, error: 'user_not_found' });
    // GET with a query string works too
    const get = await fetch(`${slack.apiUrl}conversations.info?channel=D0DM`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await get.json()).toMatchObject({ ok: true, channel: { id: 'D0DM', is_im: true, is_channel: false } });
    expect((await form('conversations.info', { channel: 'C0QA' })).body).toMatchObject({ ok: true, channel: { id: 'C0QA', is_channel: true, is_private: false } });
    expect((await form('conversations.info', { channel: '#general' })).body).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('rate-limits the next N calls of a method with 429 + Retry-After', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 2, times: 2 });
    const a = await form('chat.postMessage', { channel: 'C1', text: 'x' });
    const b = await form('chat.postMessage', { channel: 'C1', text: 'x' });
    const c = await form('chat.postMessage', { channel: 'C1', text: 'x' });
    expect([a.status, a.headers.get('retry-after'), a.body]).toEqual([429, '2', { ok: false, error: 'ratelimited' }]);
    expect([b.status, b.headers.get('retry-after')]).toEqual([429, '2']);
    expect([c.status, c.body.ok]).toEqual([200, true]);
    // other methods are unaffected
    expect((await form('auth.test', {})).status).toBe(200);
    expect(slack.callsTo('chat.postMessage').map((x) => [x.status, x.ok])).toEqual([[429, false], [429, false], [200, true]]);
    expect(slack.messages).toHaveLength(1);
  });

  it('lets a client honour Retry-After (measured on the recorded call times)', async () => {
    slack.failNext('chat.postMessage', { retryAfter: 1 });
    let res = await form('chat.postMessage', { channel: 'C1', text: 'retry me' });
    while (res.status === 429) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
      res = await form('chat.postMessage', { channel: 'C1', text: 'retry me' });
    }
    const [limited, retried] = slack.callsTo('chat.postMessage');
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
    expect(retried!.ok).toBe(true);
  });

  it('can fail with Slack errors and server errors, and on the upload URL', async () => {
    slack.failNext('chat.postMessage', { status: 200, error: 'not_in_channel' });
    slack.failNext('chat.postMessage', { status: 500 });
    expect((await json('chat.postMessage', { channel: 'C1', text: 'x' })).body).toEqual({ ok: false, error: 'not_in_channel' });
    expect(await json('chat.postMessage', { channel: 'C1', text: 'x' })).toEqual({ status: 500, body: { ok: false, error: 'internal_error' } });
    expect((await json('chat.postMessage', { channel: 'C1', text: 'x' })).body.ok).toBe(true);

    const reserved = await json('files.getUploadURLExternal', { filename: 'a.png', length: 1 });
    slack.failNext('upload', { status: 500 });
    expect((await fetch(String(reserved.body.upload_url), { method: 'POST', body: 'x' })).status).toBe(500);
    expect((await fetch(String(reserved.body.upload_url), { method: 'POST', body: 'x' })).status).toBe(200);
  });

  it('waits for calls that already happened or are still to come', async () => {
    await json('chat.postMessage', { channel: 'C1', text: 'early' });
    await expect(slack.waitFor('chat.postMessage')).resolves.toMatchObject({ args: { text: 'early' } });

    const later = slack.waitFor('chat.postMessage', (c) => c.args.text === 'late');
    await json('chat.postMessage', { channel: 'C1', text: 'late' }); // made after the wait began
    await expect(later).resolves.toMatchObject({ ok: true, args: { channel: 'C1', text: 'late' } });

    // by default only calls answered ok count
    slack.failNext('views.publish');
    const published = slack.waitFor('views.publish');
    await json('views.publish', { user_id: 'U1X', view: { type: 'home', blocks: [] } });
    await json('views.publish', { user_id: 'U1X', view: { type: 'home', blocks: [] } });
    expect((await published).status).toBe(200);

    await expect(slack.waitFor('chat.update', undefined, 50)).rejects.toThrow(/no matching chat\.update call within 50 ms; calls: chat\.postMessage→200/);
  });

  it('forgets everything on reset', async () => {
    slack.failNext('auth.test', { times: 5 });
    await json('chat.postMessage', { channel: 'C1', text: 'x' });
    slack.reset();
    expect([slack.calls, slack.messages, slack.uploadedFiles]).toEqual([[], [], []]);
    expect((await form('auth.test', {})).status).toBe(200);
  });
});
