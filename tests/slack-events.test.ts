import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { WORKING_TEXT } from '../src/bots/slack/ask-worker.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { analyticsDenial } from '../src/domain/access.ts';
import { seedAndAnalyse } from './helpers/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeSlack, type FakeSlack, type RecordedCall } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventBody, eventually, signed, slackClock, startHarness, type Harness } from './helpers/slack-harness.ts';
import { startResponseRecorder, type RecordedResponse, type ResponseRecorder } from './helpers/response-url.ts';

// The Slack channel end to end with the offline assistant: signed Events API requests to the
// Fastify app (build() + the Slack plugin), the durable ask queue, the worker and a fake Slack
// Web API. What is checked is what Slack would have received, and the rows left behind.

const NOW = new Date('2026-11-20T12:00:00Z');
const TZ = 'UTC';
const LAST_WEEK = { from: '2026-11-09', to: '2026-11-15' };

let db: TestDatabase;
let fake: FakeSlack;
let opened: OpenAssistant;
let config: Config;
let h: Harness;
// Slack's response_url endpoint for slash commands: records what the service POSTs there
let responseServer: ResponseRecorder;
let responseBase: string;
let responses: RecordedResponse[] = [];

const rows = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const delivery = async (key: string) =>
  (await rows<{ state: string; repeats: number; attempts: number; working_ts: string | null; sql: string | null; error: string | null }>(
    'SELECT state::text, repeats, attempts, working_ts, sql, error FROM slack_deliveries WHERE key = $1', [key],
  ))[0];
const finished = (key: string) =>
  eventually(async () => {
    const d = await delivery(key);
    return d && ['answered', 'refused', 'failed'].includes(d.state) ? d : undefined;
  }, `question ${key} to be finished`);

const working = () => fake.callsTo('chat.postMessage').filter((c) => c.ok && c.args.text === WORKING_TEXT);
const updatesOf = (ts: string) => fake.callsTo('chat.update').filter((c) => c.ok && c.args.ts === ts);

async function post(body: string, opts: Parameters<typeof signed>[1] = {}) {
  const req = signed(body, opts);
  return h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
}

beforeAll(async () => {
  db = await createTestDatabase('slackev');
  await seedAndAnalyse(db.url, { conversations: 120, now: NOW, timeZone: TZ });
  fake = await startFakeSlack({ token: BOT_TOKEN });
  config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ });
  opened = await openAssistant(config, db.url, { pool: db.pool, now: () => NOW });
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
  responseServer = await startResponseRecorder();
  responses = responseServer.responses;
  responseBase = responseServer.base;
});

afterAll(async () => {
  await h?.close();
  await responseServer?.close();
  await opened?.close();
  await fake?.close();
  await db?.drop();
});

beforeEach(() => {
  fake.reset();
  responses.length = 0;
});

let commandSeq = 0;
/** A signed `/pulse ask …` slash command, as Slack POSTs it. */
function pulseAsk(question: string): { form: string; responseUrl: string; triggerId: string } {
  const n = ++commandSeq;
  const responseUrl = `${responseBase}/commands/T0FAKE/${n}/hook`;
  const triggerId = `trigger.${n}.${Date.now()}`;
  const form = new URLSearchParams({
    token: 'legacy', team_id: 'T0FAKE', team_domain: 'fake', channel_id: 'C0NOTJOINED', channel_name: 'ops', user_id: 'U0LEAD', user_name: 'lead',
    command: '/pulse', text: `ask ${question}`, api_app_id: 'A0FAKE', response_url: responseUrl, trigger_id: triggerId,
  }).toString();
  return { form, responseUrl, triggerId };
}

describe('Slack events through the Fastify app', () => {
  it('answers a mention in its thread: working message first, then Block Kit with the right CSI and a Show SQL button', async () => {
    const { body, eventId, ts } = eventBody({ text: 'What was the CSI last week?' });
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    const d = await finished(eventId);
    expect(d.state).toBe('answered');

    const [csi] = await rows<{ csi: number }>('SELECT avg(csi) AS csi FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN $1::date AND $2::date', [LAST_WEEK.from, LAST_WEEK.to]);
    const w = working();
    expect(w).toHaveLength(1);
    expect(w[0]!.args).toMatchObject({ channel: 'C0ANALYTICS', thread_ts: ts });
    const workingTs = (w[0]!.response as { ts: string }).ts;
    expect(d.working_ts).toBe(workingTs);
    const [update] = updatesOf(workingTs);
    expect(String(update!.args.text)).toContain(csi!.csi.toFixed(1));
    const blocks = update!.args.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[];
    expect(blocks.find((b) => b.type === 'context')).toBeDefined();
    const button = blocks.find((b) => b.type === 'actions')?.elements?.[0];
    expect(button).toMatchObject({ action_id: 'show_sql', value: eventId });
    expect(d.sql).toMatch(/daily_analyses|analytics\./i);
    // the answer is in the fake's message store as an edit of the working message, in the thread
    expect(fake.messages.find((m) => m.ts === workingTs)).toMatchObject({ thread_ts: ts, edited: expect.anything() });
  });

  it('answers a mention whose text carries a NUL character or a lone surrogate, instead of failing it on every retry', async () => {
    for (const text of ['What was the CSI last week?\u0000', 'What was the CSI last week? \ud800']) {
      const { body, eventId } = eventBody({ text });
      const res = await post(body);
      expect(res.statusCode).toBe(200);
      expect((await finished(eventId)).state).toBe('answered');
    }
  });

  it('keeps the conversation per Slack thread: a follow-up mention in the thread is understood', async () => {
    const first = eventBody({ text: 'What was the CSI last week?' });
    await post(first.body);
    await finished(first.eventId);
    const follow = eventBody({ text: 'and the week before?', threadTs: first.ts });
    await post(follow.body);
    const d = await finished(follow.eventId);
    expect(d.state).toBe('answered');
    const [before] = await rows<{ csi: number }>(`SELECT avg(csi) AS csi FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN '2026-11-02' AND '2026-11-08'`);
    const [update] = updatesOf(d.working_ts!);
    expect(String(update!.args.text)).toContain(before!.csi.toFixed(1));
    expect(String(update!.args.text)).toContain('2 Nov');
    // both answers live in the same thread, under the first question
    expect(working().map((c) => c.args.thread_ts)).toEqual([first.ts, first.ts]);
    const threads = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM agent_threads WHERE channel = 'slack' AND thread_key = $1`, [`T0FAKE:C0ANALYTICS:${first.ts}`]);
    expect(threads[0]!.n).toBe(1);
  });

  it('shows the SQL of that answer, ephemerally, when the Show SQL button is pressed', async () => {
    const { body, eventId, ts } = eventBody({ text: 'What was the CSI last week?' });
    await post(body);
    const d = await finished(eventId);
    const payload = {
      type: 'block_actions', team: { id: 'T0FAKE', domain: 'fake' }, user: { id: 'U0LEAD', team_id: 'T0FAKE' }, api_app_id: 'A0FAKE',
      token: 'legacy', trigger_id: '1.2.3', channel: { id: 'C0ANALYTICS', name: 'analytics' },
      container: { type: 'message', message_ts: d.working_ts, channel_id: 'C0ANALYTICS', is_ephemeral: false },
      message: { type: 'message', ts: d.working_ts, text: 'x' },
      actions: [{ type: 'button', action_id: 'show_sql', block_id: 'b1', value: eventId, action_ts: '1764500000.1' }],
    };
    const form = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await post(form, { contentType: 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
    const eph = await fake.waitFor('chat.postEphemeral');
    expect(eph.args).toMatchObject({ channel: 'C0ANALYTICS', user: 'U0LEAD', thread_ts: ts });
    expect(String(eph.args.text)).toContain('```');
    expect(String(eph.args.text)).toContain(d.sql!.split('\n')[1]!.trim().slice(0, 20).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });

  it('refuses a bad signature and a stale timestamp with 401, and processes nothing', async () => {
    const before = (await rows<{ n: number }>('SELECT count(*)::int AS n FROM slack_deliveries'))[0]!.n;
    const bad = eventBody({ text: 'What was the CSI last week?' });
    const forged = signed(bad.body, { secret: 'not-the-secret' });
    const r1 = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: bad.body, headers: forged.headers });
    expect(r1.statusCode).toBe(401);
    // the right signature over a body changed after signing
    const good = signed(bad.body);
    const r2 = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: bad.body.replace('CSI', 'CSJ'), headers: good.headers });
    expect(r2.statusCode).toBe(401);
    const stale = eventBody({ text: 'What was the CSI last week?' });
    const r3 = await post(stale.body, { at: new Date(slackClock().getTime() - 6 * 60_000) });
    expect(r3.statusCode).toBe(401);
    // A valid event sent after them is answered: had a refused one been taken, it would have a
    // row too, and its working message and answer would be among the calls.
    const valid = eventBody({ text: 'What was the CSI last week?' });
    expect((await post(valid.body)).statusCode).toBe(200);
    expect((await finished(valid.eventId)).state).toBe('answered');
    expect((await rows<{ n: number }>('SELECT count(*)::int AS n FROM slack_deliveries'))[0]!.n).toBe(before + 1);
    const calls = fake.calls.filter((c) => c.method !== 'auth.test');
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(calls[0]!.args.thread_ts).toBe(valid.ts);
    const refusals = h.lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('slack: request refused'));
    expect(refusals.map((l) => l.reason)).toEqual(expect.arrayContaining(['signature_mismatch', 'stale_timestamp']));
  });

  it('answers the same event delivered three times, and again after a restart, exactly once', async () => {
    const { body, eventId } = eventBody({ text: 'How many sessions are waiting for QA?' });
    expect((await post(body)).statusCode).toBe(200);
    expect((await post(body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })).statusCode).toBe(200);
    expect((await post(body, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } })).statusCode).toBe(200);
    const d = await finished(eventId);
    expect(d.state).toBe('answered');

    // "server restart": a new app, receiver, queue and worker on the same database
    await h.close();
    h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
    expect((await post(body, { headers: { 'x-slack-retry-num': '3', 'x-slack-retry-reason': 'http_error' } })).statusCode).toBe(200);
    // A new question after the repeat is answered by the restarted worker. The repeat added no
    // job (counted below; jobs are enqueued before the event is answered), so nothing more can
    // come for it, and the worker that would have run it has shown it is running.
    const later = eventBody({ text: 'How many sessions are waiting for QA?' });
    expect((await post(later.body)).statusCode).toBe(200);
    expect((await finished(later.eventId)).state).toBe('answered');

    const ours = working().filter((c) => c.args.thread_ts !== later.ts);
    expect(ours).toHaveLength(1);
    const workingTs = (ours[0]!.response as { ts: string }).ts;
    expect(updatesOf(workingTs)).toHaveLength(1);
    const after = await delivery(eventId);
    expect(after).toMatchObject({ state: 'answered', repeats: 3, attempts: 1 });
    const jobs = await rows<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'slack-ask' AND data->>'key' = $1`, [eventId]);
    expect(jobs[0]!.n).toBe(1);
    expect(h.lines.some((l) => l.msg === 'slack: retried delivery' && l.retryNum === 3 && l.retryReason === 'http_error')).toBe(true);
  });

  it('a job retried after a Slack error posts neither a second working message nor a second answer', async () => {
    fake.failNext('chat.update', { status: 200, error: 'internal_error' });
    const { body, eventId } = eventBody({ text: 'What was the CSI last week?' });
    await post(body);
    const d = await finished(eventId);
    expect(d).toMatchObject({ state: 'answered', attempts: 2 });
    expect(working()).toHaveLength(1);
    const workingTs = (working()[0]!.response as { ts: string }).ts;
    expect(fake.callsTo('chat.update').map((c) => c.ok)).toEqual([false, true]);
    expect(updatesOf(workingTs)).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After: 2 and then delivers, nothing lost', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    const { body, eventId } = eventBody({ text: 'Message volume last week' });
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    const d = await finished(eventId);
    expect(d.state).toBe('answered');
    const posts = fake.callsTo('chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1950);
    expect(updatesOf(d.working_ts!)).toHaveLength(1);
  });

  it('turns an assistant error into a friendly message in the thread, an error_logs row and a log line', async () => {
    const { body, eventId } = eventBody({ text: `What was the CSI ${'really '.repeat(700)}last week?` });
    await post(body);
    const d = await finished(eventId);
    expect(d.state).toBe('failed');
    // the row is settled first (a retry must not ask again), the friendly message follows
    const update = await eventually(async () => updatesOf(d.working_ts!)[0], 'the friendly message');
    expect(String(update.args.text)).toMatch(/^Sorry, that question is too long for me/);
    const logs = await rows<{ message: string; context: { key: string } }>(`SELECT message, context FROM error_logs WHERE source = 'slack' AND context->>'key' = $1`, [eventId]);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toMatch(/^assistant: question too long/);
    expect(h.lines.some((l) => l.level === 50 && l.key === eventId)).toBe(true);
  });

  it('answers a direct message at the top level of the DM, and ignores bot messages, edits and subtypes', async () => {
    const ignored = [
      eventBody({ dm: true, text: 'from a bot', extra: { bot_id: 'B0OTHER' } }),
      eventBody({ dm: true, text: 'edited', extra: { edited: { user: 'U0LEAD', ts: '1.2' } } }),
      eventBody({ dm: true, text: 'joined', extra: { subtype: 'channel_join' } }),
    ];
    for (const e of ignored) expect((await post(e.body)).statusCode).toBe(200);
    const { body, eventId } = eventBody({ dm: true, text: 'What was the CSI last week?' });
    await post(body);
    const d = await finished(eventId);
    expect(d.state).toBe('answered');
    const w = working();
    expect(w).toHaveLength(1);
    expect(w[0]!.args.channel).toBe('D0DIRECT1');
    expect(w[0]!.args.thread_ts).toBeUndefined();
    const keys = (await rows<{ key: string }>('SELECT key FROM slack_deliveries WHERE key = ANY($1)', [ignored.map((e) => e.eventId)])).map((r) => r.key);
    expect(keys).toEqual([]);
  });

  it('refuses analytics below ASSISTANT_MIN_ROLE with a friendly explanation, and answers once the role is raised', async () => {
    const strict = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ, ASSISTANT_MIN_ROLE: 'lead' });
    await h.close();
    h = await startHarness({ config: strict, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
    const asked = eventBody({ user: 'U0AGENT7', text: 'What was the CSI last week?' });
    await post(asked.body);
    const d = await finished(asked.eventId);
    expect(d.state).toBe('refused');
    const reply = fake.callsTo('chat.postMessage').filter((c: RecordedCall) => c.ok);
    expect(reply).toHaveLength(1);
    expect(String(reply[0]!.args.text)).toBe(`Sorry, ${analyticsDenial('agent', 'lead')} An admin can change your role.`);
    expect(reply[0]!.args.thread_ts).toBe(asked.ts);

    await db.pool.query(`UPDATE users SET role = 'lead' WHERE platform = 'slack' AND external_id = 'U0AGENT7'`);
    const again = eventBody({ user: 'U0AGENT7', text: 'What was the CSI last week?' });
    await post(again.body);
    expect((await finished(again.eventId)).state).toBe('answered');
    await h.close();
    h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
  });

  it('answers `/pulse ask` through the response_url, replacing the "Working on it…" ack, once per invocation', async () => {
    const cmd = pulseAsk('What was the CSI last week?');
    const ack = await post(cmd.form, { contentType: 'application/x-www-form-urlencoded' });
    expect(ack.statusCode).toBe(200);
    expect(String(ack.json<{ text: string }>().text)).toMatch(/^Working on it…/);
    // Slack does not retry commands, but the same invocation delivered twice is still answered once
    await post(cmd.form, { contentType: 'application/x-www-form-urlencoded' });
    const d = await finished(`command:T0FAKE:${cmd.triggerId}`);
    expect(d.state).toBe('answered');
    // A second invocation is answered after it: a second answer to the first would be in by then.
    const next = pulseAsk('How many sessions are waiting for QA?');
    await post(next.form, { contentType: 'application/x-www-form-urlencoded' });
    expect((await finished(`command:T0FAKE:${next.triggerId}`)).state).toBe('answered');
    expect(responses.map((x) => x.path)).toEqual([new URL(cmd.responseUrl).pathname, new URL(next.responseUrl).pathname]);
    const [csi] = await rows<{ csi: number }>('SELECT avg(csi) AS csi FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN $1::date AND $2::date', [LAST_WEEK.from, LAST_WEEK.to]);
    expect(responses[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(String(responses[0]!.body.text)).toContain(csi!.csi.toFixed(1));
    expect(JSON.stringify(responses[0]!.body.blocks)).toContain('show_sql');
    // nothing was posted in a channel the bot may not be in
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('shows the SQL of an ephemeral `/pulse ask` answer through the button\'s response_url', async () => {
    const cmd = pulseAsk('What was the CSI last week?');
    await post(cmd.form, { contentType: 'application/x-www-form-urlencoded' });
    const key = `command:T0FAKE:${cmd.triggerId}`;
    const d = await finished(key);
    responses.length = 0;
    const payload = {
      type: 'block_actions', team: { id: 'T0FAKE', domain: 'fake' }, user: { id: 'U0LEAD', team_id: 'T0FAKE' }, api_app_id: 'A0FAKE',
      token: 'legacy', trigger_id: '9.9.9', channel: { id: 'C0NOTJOINED', name: 'ops' },
      container: { type: 'message', message_ts: '1764500000.000001', channel_id: 'C0NOTJOINED', is_ephemeral: true },
      response_url: `${responseBase}/actions/T0FAKE/1/hook`,
      actions: [{ type: 'button', action_id: 'show_sql', block_id: 'b1', value: key, action_ts: '1764500000.2' }],
    };
    const res = await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(200);
    await eventually(async () => responses.length > 0, 'the SQL through response_url');
    expect(responses[0]!.path).toBe('/actions/T0FAKE/1/hook');
    expect(responses[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(responses[0]!.body.text)).toContain('```');
    expect(String(responses[0]!.body.text)).toContain(d.sql!.split('\n')[0]!); // "-- csi_lookup"
    expect(fake.callsTo('chat.postEphemeral')).toHaveLength(0);
  });

  it('tells a `/pulse ask` asker when Slack refuses the chart in that channel, instead of retrying forever', async () => {
    fake.failNext('files.completeUploadExternal', { status: 200, error: 'not_in_channel' });
    const cmd = pulseAsk('Show the CSI trend for the last 30 days');
    await post(cmd.form, { contentType: 'application/x-www-form-urlencoded' });
    const d = await finished(`command:T0FAKE:${cmd.triggerId}`);
    expect(d.state).toBe('answered');
    expect(responses).toHaveLength(2);
    expect(responses[0]!.body).toMatchObject({ replace_original: true });
    expect(String(responses[1]!.body.text)).toMatch(/could not be attached here \(Slack said `not_in_channel`\)/);
    expect(responses[1]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  });
});
