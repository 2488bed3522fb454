import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QA_ACTION, QA_MODAL, NOTES_BLOCK, NOTES_INPUT } from '../src/bots/slack/qa-blocks.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { parsePeriod, periodBounds } from '../src/domain/periods.ts';
import { startNotifications, type Notifications } from '../src/jobs/notifications/notify-worker.ts';
import { QA_ACTIONS } from '../src/jobs/notifications/qa-notify.ts';
import { httpEmailProvider } from '../src/notify/email.ts';
import { WebClient } from '@slack/web-api';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack, type RecordedCall } from './helpers/fake-slack.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, slackClock, startHarness, unacked, type Harness } from './helpers/slack-harness.ts';
import { startResponseRecorder, type RecordedResponse, type ResponseRecorder } from './helpers/response-url.ts';
import { startFakeEmail, type FakeEmailServer } from './helpers/fake-email.ts';
import { startTestQueue } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// `/qa` through the service's own Slack path (startSlack + build(), as server.ts composes them):
// signed slash commands, button presses and modal submissions to POST /slack/events, a fake
// Slack Web API, a local server standing in for response_url, and a seeded database. Every
// outcome is checked in the rows left behind: sessions, qa_events, audit_logs, the notify job.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0REVIEW';
const QA_CHANNEL = 'C0QADEVS';

let db: TestDatabase;
let fake: FakeSlack;
let config: Config;
let h: Harness;
/** the notify queue's worker, as server.ts runs it next to Slack */
let notifications: Notifications;
let responses: RecordedResponse[] = [];
let mail: FakeEmailServer;
let responseServer: ResponseRecorder;
let responseBase: string;

const USERS = { qa: 'U0QAREV', qa2: 'U0QAREV2', dev: 'U0DEVEL', agent: 'U0AGENT', lead: 'U0LEADR' } as const;
const ROLE_OF: Record<keyof typeof USERS, string> = { qa: 'qa', qa2: 'qa', dev: 'developer', agent: 'agent', lead: 'lead' };

async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(sql, params)).rows as T[];
}

let seq = 0;
async function post(body: string) {
  const req = signed(body, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

/** A slash command as Slack posts it; its response_url points at the local response server. */
async function qa(text: string, user: string, channel = CHANNEL) {
  const n = ++seq;
  const responseUrl = `${responseBase}/commands/${n}`;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: channel, channel_name: 'review', user_id: user, user_name: user.toLowerCase(),
    command: '/qa', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: responseUrl, trigger_id: `${n}.1764500000.trig${n}`,
  }).toString();
  return { ...(await post(form)), responseUrl, triggerId: `${n}.1764500000.trig${n}` };
}

interface Button { action_id: string; value: string; text: { text: string } }
interface Block { type: string; block_id?: string; text?: { text: string }; elements?: Button[] }

/** A button press on a message, as Slack sends block_actions. */
async function press(o: { user: string; actionId: string; value: string; message?: { ts: string; blocks: unknown[]; channel?: string }; ephemeral?: boolean; responseUrl?: string }) {
  const n = ++seq;
  const responseUrl = o.responseUrl ?? `${responseBase}/actions/${n}`;
  const channel = o.message?.channel ?? CHANNEL;
  const ts = o.message?.ts ?? `1764500000.${String(n).padStart(6, '0')}`;
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: o.user, username: o.user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.act${n}`, channel: { id: channel, name: 'review' },
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: o.ephemeral === true },
    ...(o.ephemeral ? {} : { message: { type: 'message', ts, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: o.message?.blocks ?? [] } }),
    response_url: responseUrl,
    actions: [{ type: 'button', action_id: o.actionId, block_id: 'b', value: o.value, text: { type: 'plain_text', text: 'x' }, action_ts: `1764500000.${n}` }],
  };
  return { ...(await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())), responseUrl, triggerId: `${n}.1764500000.act${n}` };
}

/** A modal submitted, as Slack sends view_submission. */
async function submit(user: string, view: { private_metadata: string; callback_id: string }, text: string) {
  const payload = {
    type: 'view_submission', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${++seq}.1764500000.sub`,
    view: {
      id: 'V0FAKE1', team_id: BOT.teamId, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata, hash: '1.abc', blocks: [],
      state: { values: { [NOTES_BLOCK]: { [NOTES_INPUT]: { type: 'plain_text_input', value: text } } } },
    },
  };
  return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

const session = async (id: number) =>
  (await rows<{ qa_status: string; qa_version: number; qa_notes: string | null; dev_feedback: string | null; qa_by: string | null }>(
    `SELECT s.qa_status::text, s.qa_version, s.qa_notes, s.dev_feedback, u.external_id AS qa_by FROM sessions s LEFT JOIN users u ON u.id = s.qa_by_id WHERE s.id = $1`,
    [id],
  ))[0]!;
const events = (id: number) =>
  rows<{ from_status: string; to_status: string; actor: string; notes: string | null; dev_feedback: string | null }>(
    `SELECT e.from_status::text, e.to_status::text, u.external_id AS actor, e.notes, e.dev_feedback FROM qa_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.session_id = $1 ORDER BY e.id`,
    [id],
  );
/** AI-engaged sessions in a state, oldest first (the queue's order) */
const sessionsIn = async (state: string, n = 1) =>
  (await rows<{ id: number }>(`SELECT id FROM sessions WHERE ai_engaged AND qa_status = $1::"QaStatus" AND deleted_at IS NULL ORDER BY started_at, id LIMIT $2`, [state, n])).map((r) => r.id);

const responsesTo = (url: string) => responses.filter((r) => `${responseBase}${r.path}` === url);
const waitResponse = (url: string) => eventually(async () => responsesTo(url)[0], `a POST to ${url}`);
const allText = (x: unknown) => JSON.stringify(x);

let boss: PgBoss | undefined;
beforeAll(async () => {
  db = await createTestDatabase('slackqa');
  await seedDemoData(db.url, { conversations: 60, now: TEST_NOW, timezone: TZ });
  for (const [role, id] of Object.entries(USERS)) {
    await db.pool.query(`INSERT INTO users (platform, external_id, name, email, role, updated_at) VALUES ('slack', $1, $2, $3, $4::"UserRole", now())
      ON CONFLICT (platform, external_id) DO UPDATE SET role = EXCLUDED.role, email = EXCLUDED.email`,
      [id, `${role} person`, `${role}@example.com`, ROLE_OF[role as keyof typeof USERS]]);
  }
  fake = await startFakeSlack({ token: BOT_TOKEN });
  config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ, QA_CHANNEL });
  responseServer = await startResponseRecorder();
  responses = responseServer.responses;
  responseBase = responseServer.base;
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('/qa never asks the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant });
  mail = await startFakeEmail({ apiKey: 'test-email-key' });
  notifications = await startNotifications({
    boss: (boss ??= await startTestQueue(db.url)),
    pool: db.pool,
    slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl }),
    qaChannel: QA_CHANNEL,
    email: httpEmailProvider({ apiUrl: mail.url, apiKey: 'test-email-key', from: 'SupportPulse <qa@example.com>' }),
  });
});

afterAll(async () => {
  await notifications?.stop();
  await mail?.close();
  await h?.close();
  await responseServer?.close();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await fake?.close();
  await db?.drop();
});

beforeEach(() => {
  responses.length = 0;
  fake.reset();
});

describe('/qa queue and its buttons', () => {
  it('posts the oldest unchecked AI sessions with Pass / Issue / Show; Pass passes the session, writes a QaEvent and updates the message; a repeat press changes nothing', async () => {
    const oldest = await sessionsIn('unchecked', 3);
    const r = await qa('queue 3', USERS.qa);
    expect(r.status).toBe(200);
    expect(unacked(h.lines)).toEqual([]); // the listener acked before doing the work
    const posted = await fake.waitFor('chat.postMessage', (c) => c.args.channel === CHANNEL);
    const blocks = posted.args.blocks as Block[];
    const cards = blocks.filter((b) => b.block_id?.startsWith('qa_card:')).map((b) => Number(b.block_id!.split(':')[1]));
    expect(cards).toEqual(oldest);
    const waiting = (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE ai_engaged AND qa_status = 'unchecked' AND deleted_at IS NULL`))[0]!.n;
    expect(blocks[0]!.text!.text).toContain(`*QA queue*: ${waiting} sessions`);
    const target = oldest[0]!;
    const actions = blocks.find((b) => b.block_id?.startsWith(`qa_actions:${target}:`))!.elements!;
    expect(actions.map((e) => e.action_id)).toEqual([QA_ACTION.pass, QA_ACTION.issue, QA_ACTION.show]);
    const passValue = actions[0]!.value;
    expect(JSON.parse(passValue)).toMatchObject({ sessionId: target, version: (await session(target)).qa_version, list: oldest });

    const message = { ts: posted.response && (posted.response as { ts: string }).ts, blocks };
    const p = await press({ user: USERS.qa, actionId: QA_ACTION.pass, value: passValue, message: message as { ts: string; blocks: unknown[] } });
    expect(p.status).toBe(200);
    expect(unacked(h.lines)).toEqual([]);
    const update = await fake.waitFor('chat.update', (c) => c.args.ts === message.ts);
    const s = await session(target);
    expect(s).toMatchObject({ qa_status: 'passed', qa_by: USERS.qa });
    expect(await events(target)).toEqual([{ from_status: 'unchecked', to_status: 'passed', actor: USERS.qa, notes: null, dev_feedback: null }]);
    // the message now shows the new state and who set it, and offers only what may follow "passed"
    const updated = update.args.blocks as Block[];
    const card = updated.find((b) => b.block_id?.startsWith(`qa_card:${target}:`))!;
    // an updated message gets new block ids (Slack's advice): they carry the version
    expect(card.block_id).toBe(`qa_card:${target}:${s.qa_version}`);
    expect(card.block_id).not.toBe(blocks.find((b) => b.block_id?.startsWith(`qa_card:${target}:`))!.block_id);
    expect(card.text!.text).toContain(`*passed* by <@${USERS.qa}>`);
    expect(updated.find((b) => b.block_id?.startsWith(`qa_actions:${target}:`))!.elements!.map((e) => e.action_id)).toEqual([QA_ACTION.issue, QA_ACTION.show]);
    expect(updated[0]!.text!.text).toBe(blocks[0]!.text!.text);
    // the other sessions are untouched and still offer Pass
    expect(updated.find((b) => b.block_id?.startsWith(`qa_actions:${oldest[1]}:`))!.elements!.map((e) => e.action_id)).toEqual([QA_ACTION.pass, QA_ACTION.issue, QA_ACTION.show]);

    // the same button again (a double click, a retry): told, not applied twice
    const again = await press({ user: USERS.qa, actionId: QA_ACTION.pass, value: passValue, message: message as { ts: string; blocks: unknown[] } });
    const told = await waitResponse(again.responseUrl);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(told.body.text)).toBe(`Session ${target} is already passed: you set it. Nothing changed.`);
    expect(await events(target)).toHaveLength(1);
    expect((await session(target)).qa_version).toBe(s.qa_version);
  });

  it('a stale button loses: someone else changed the session first, the presser is told and the message shows the current state', async () => {
    const [target] = await sessionsIn('unchecked', 1);
    const r = await qa('queue 1', USERS.qa);
    expect(r.status).toBe(200);
    const posted = await fake.waitFor('chat.postMessage', (c) => c.args.channel === CHANNEL);
    const blocks = posted.args.blocks as Block[];
    const value = blocks.find((b) => b.block_id?.startsWith(`qa_actions:${target}:`))!.elements!.find((e) => e.action_id === QA_ACTION.pass)!.value;
    // another reviewer passes it first, by command
    const cmd = await qa(`pass ${target} looks right`, USERS.qa2);
    expect(String((await waitResponse(cmd.responseUrl)).body.text)).toBe(`Session ${target} is now passed (was unchecked), set by you.`);
    const p = await press({ user: USERS.qa, actionId: QA_ACTION.pass, value, message: { ts: (posted.response as { ts: string }).ts, blocks } });
    const told = await waitResponse(p.responseUrl);
    expect(String(told.body.text)).toMatch(new RegExp(`^Someone else changed session ${target} first; it is now passed`));
    const s = await session(target!);
    expect(s).toMatchObject({ qa_status: 'passed', qa_by: USERS.qa2, qa_notes: 'looks right' });
    expect(await events(target!)).toHaveLength(1);
    const update = await fake.waitFor('chat.update');
    expect((update.args.blocks as Block[]).find((b) => b.block_id?.startsWith(`qa_card:${target}:`))!.text!.text).toContain(`*passed* by <@${USERS.qa2}>`);
  });

  it('Issue on the queue message opens the notes modal; its submission redraws that message; Show answers the presser privately', async () => {
    const [target] = await sessionsIn('unchecked', 1);
    await qa('queue 1', USERS.qa);
    const posted = await fake.waitFor('chat.postMessage', (c) => c.args.channel === CHANNEL);
    const blocks = posted.args.blocks as Block[];
    const message = { ts: (posted.response as { ts: string }).ts, blocks };
    const buttons = blocks.find((b) => b.block_id?.startsWith(`qa_actions:${target}:`))!.elements!;
    const show = await press({ user: USERS.lead, actionId: QA_ACTION.show, value: buttons.find((e) => e.action_id === QA_ACTION.show)!.value, message });
    const shown = (await waitResponse(show.responseUrl)).body;
    expect(shown).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(allText(shown.blocks)).toContain(`*Session ${target}*`);
    expect(allText(shown.blocks)).toMatch(/Messages 1–\d+ of \d+/);

    const p = await press({ user: USERS.qa, actionId: QA_ACTION.issue, value: buttons.find((e) => e.action_id === QA_ACTION.issue)!.value, message });
    const opened = await fake.waitFor('views.open', (c) => c.args.trigger_id === p.triggerId);
    expect((await session(target!)).qa_status).toBe('unchecked');
    await submit(USERS.qa, opened.args.view as { callback_id: string; private_metadata: string }, 'Promised a refund it cannot give');
    const update = await fake.waitFor('chat.update', (c) => c.args.ts === message.ts);
    expect(await session(target!)).toMatchObject({ qa_status: 'issue', qa_by: USERS.qa, qa_notes: 'Promised a refund it cannot give' });
    const redrawn = update.args.blocks as Block[];
    expect(redrawn[0]!.text!.text).toBe(blocks[0]!.text!.text);
    const card = redrawn.find((b) => b.block_id?.startsWith(`qa_card:${target}:`))!.text!.text;
    expect(card).toContain(`*issue* by <@${USERS.qa}>`);
    expect(card).toContain('_Notes:_ Promised a refund it cannot give');
    expect(redrawn.find((b) => b.block_id?.startsWith(`qa_actions:${target}:`))!.elements!.map((e) => e.action_id)).toEqual([QA_ACTION.fixed, QA_ACTION.show]);
    // the developers hear of it (awaited here so the post cannot land in the next test)
    await fake.waitFor('chat.postMessage', (c) => c.args.channel === QA_CHANNEL && String(c.args.text).startsWith(`QA issue on session ${target} `));
  });

  it('a button press or modal submission that Slack did not sign is refused with 401 and changes nothing', async () => {
    const [target] = await sessionsIn('unchecked', 1);
    const before = await session(target!);
    const payload = {
      type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: USERS.qa, team_id: BOT.teamId }, api_app_id: 'A0FAKE', token: 'legacy',
      trigger_id: '9.9.9', channel: { id: CHANNEL, name: 'review' }, container: { type: 'message', message_ts: '1764500000.000001', channel_id: CHANNEL, is_ephemeral: false },
      response_url: `${responseBase}/forged`,
      actions: [{ type: 'button', action_id: QA_ACTION.pass, block_id: 'b', value: JSON.stringify({ sessionId: target, version: before.qa_version }), action_ts: '1' }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const forged = signed(body, { contentType: 'application/x-www-form-urlencoded', secret: 'not-the-secret' });
    const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: body, headers: forged.headers });
    expect(res.statusCode).toBe(401);
    const modal = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', user: { id: USERS.qa }, view: { callback_id: QA_MODAL, private_metadata: JSON.stringify({ sessionId: target, to: 'issue', version: before.qa_version, origin: {} }), state: { values: { [NOTES_BLOCK]: { [NOTES_INPUT]: { value: 'x' } } } } } }) }).toString();
    const stale = signed(modal, { contentType: 'application/x-www-form-urlencoded', at: new Date(slackClock().getTime() - 10 * 60_000) });
    expect((await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: modal, headers: stale.headers })).statusCode).toBe(401);
    // A valid command sent after them is answered; the refused ones left nothing before it.
    const shown = await qa(`show ${target}`, USERS.qa);
    await waitResponse(shown.responseUrl);
    expect(await session(target!)).toEqual(before);
    expect(await events(target!)).toHaveLength(0);
    expect(responses.map((x) => `${responseBase}${x.path}`)).toEqual([shown.responseUrl]);
  });

  it('where the app cannot post, the queue goes to the asker only, and Pass replaces that ephemeral message through its response_url', async () => {
    fake.failNext('chat.postMessage', { status: 200, error: 'not_in_channel' });
    const [target] = await sessionsIn('unchecked', 1);
    const r = await qa('queue 1', USERS.qa, 'C0NOTIN');
    const reply = await waitResponse(r.responseUrl);
    expect(reply.body.response_type).toBe('ephemeral');
    const blocks = reply.body.blocks as Block[];
    const value = blocks.find((b) => b.block_id?.startsWith(`qa_actions:${target}:`))!.elements!.find((e) => e.action_id === QA_ACTION.pass)!.value;
    const p = await press({ user: USERS.qa, actionId: QA_ACTION.pass, value, ephemeral: true, message: { ts: '1764500000.999999', blocks: [], channel: 'C0NOTIN' } });
    const replaced = await waitResponse(p.responseUrl);
    expect(replaced.body.replace_original).toBe(true);
    expect(allText(replaced.body.blocks)).toContain(`*passed* by <@${USERS.qa}>`);
    expect((await session(target!)).qa_status).toBe('passed');
    expect(fake.callsTo('chat.update')).toHaveLength(0);
  });
});

describe('/qa issue and fixed', () => {
  it('`/qa issue <id>` without notes opens a modal; submitting it makes the session an issue, and the developers\' QA_CHANNEL post follows', async () => {
    const [target] = await sessionsIn('unchecked', 1);
    const r = await qa(`issue ${target}`, USERS.qa);
    expect(r.status).toBe(200);
    const opened = await fake.waitFor('views.open');
    expect(opened.args.trigger_id).toBe(r.triggerId);
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: Block[] };
    expect(view.callback_id).toBe(QA_MODAL);
    expect((await session(target!)).qa_status).toBe('unchecked');
    expect(await events(target!)).toHaveLength(0);

    // an empty submission is refused inside the ack, the modal stays open
    const empty = await submit(USERS.qa, view, '   ');
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { [NOTES_BLOCK]: expect.any(String) } });
    expect((await session(target!)).qa_status).toBe('unchecked');

    const s1 = await submit(USERS.qa, view, 'Quoted the wrong price for <the blue one> & ignored @here');
    expect(s1.status).toBe(200);
    expect(unacked(h.lines)).toEqual([]);
    const told = await waitResponse(r.responseUrl);
    expect(String(told.body.text)).toBe(`Session ${target} is now issue (was unchecked), set by you.`);
    expect(await session(target!)).toMatchObject({ qa_status: 'issue', qa_by: USERS.qa, qa_notes: 'Quoted the wrong price for <the blue one> & ignored @here' });
    expect(await events(target!)).toEqual([{ from_status: 'unchecked', to_status: 'issue', actor: USERS.qa, notes: 'Quoted the wrong price for <the blue one> & ignored @here', dev_feedback: null }]);
    // the notification hook ran in the change's transaction: one notify job for this issue
    const jobs = await rows<{ data: { kind: string; sessionId: number } }>(`SELECT data FROM pgboss.job WHERE name = 'notify' AND (data->>'sessionId')::int = $1`, [target]);
    expect(jobs.map((j) => j.data.kind)).toEqual(['qa_issue']);
    // and the notify worker posted it to QA_CHANNEL for the developers, with the notes and a Mark fixed button
    const devPost = await fake.waitFor('chat.postMessage', (c) => c.args.channel === QA_CHANNEL && String(c.args.text).startsWith(`QA issue on session ${target} `));
    expect(String(devPost.args.text)).toContain(`QA issue on session ${target}`);
    expect(allText(devPost.args.blocks)).toContain('Quoted the wrong price for &lt;the blue one&gt; &amp; ignored');
    expect(allText(devPost.args.blocks)).toContain(QA_ACTIONS.fixed);
    // and an email to the developer on the local fake email server
    const email = await mail.waitForEmail((e) => e.subject.includes(`session ${target}`));
    expect(email.to).toEqual(['dev@example.com']);
    expect(email.text).toContain('Quoted the wrong price for <the blue one> & ignored @here');

    // the same modal submitted twice: the version it was opened at is gone, nothing changes
    await submit(USERS.qa, view, 'again');
    await eventually(async () => responsesTo(r.responseUrl).length === 2, 'the second answer');
    expect(String(responsesTo(r.responseUrl)[1]!.body.text)).toBe(`Session ${target} is already issue: you set it. Nothing changed.`);
    expect(await events(target!)).toHaveLength(1);
  });

  it('`/qa fixed <id> <feedback>` by a developer marks it fixed; the same by an agent is refused, changes nothing and is audited', async () => {
    const [target] = await sessionsIn('issue', 1);
    const before = await session(target!);
    const countEvents = (await events(target!)).length;

    const refused = await qa(`fixed ${target} I changed the prompt`, USERS.agent);
    const no = await waitResponse(refused.responseUrl);
    expect(no.body.response_type).toBe('ephemeral');
    expect(String(no.body.text)).toBe('Only developers or admins can mark a session fixed; you are a support agent. Nothing changed.');
    expect(await session(target!)).toEqual(before);
    expect(await events(target!)).toHaveLength(countEvents);
    const audit = await rows<{ action: string; target: string; details: Record<string, unknown>; actor: string }>(
      `SELECT a.action, a.target, a.details, u.external_id AS actor FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id WHERE a.target = $1`,
      [`session:${target}`],
    );
    expect(audit).toEqual([{ action: 'qa.refused', target: `session:${target}`, actor: USERS.agent, details: expect.objectContaining({ from: 'issue', to: 'fixed', source: 'slack', role: 'agent' }) }]);

    const ok = await qa(`fixed ${target} Prompt now checks stock\nbefore quoting`, USERS.dev);
    expect(String((await waitResponse(ok.responseUrl)).body.text)).toBe(`Session ${target} is now fixed (was issue), set by you.`);
    expect(await session(target!)).toMatchObject({ qa_status: 'fixed', qa_by: USERS.dev, dev_feedback: 'Prompt now checks stock\nbefore quoting' });
    expect((await events(target!)).at(-1)).toEqual({ from_status: 'issue', to_status: 'fixed', actor: USERS.dev, notes: null, dev_feedback: 'Prompt now checks stock\nbefore quoting' });
  });

  it('"Mark fixed" on the QA_CHANNEL post opens the feedback modal; its submission marks the session fixed and updates that post', async () => {
    const [target] = await sessionsIn('issue', 1);
    const before = await session(target!);
    // the notice as qa-core's worker posts it (qa-messages.ts layout), into the fake's message store
    const notice = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST', headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        channel: QA_CHANNEL, text: 'QA issue',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `:warning: *QA issue on session ${target}*` } },
          { type: 'actions', block_id: `qa_notify_${target}`, elements: [
            { type: 'button', action_id: QA_ACTIONS.fixed, text: { type: 'plain_text', text: 'Mark fixed' }, value: JSON.stringify({ sessionId: target, version: before.qa_version }) },
            { type: 'button', action_id: QA_ACTIONS.show, text: { type: 'plain_text', text: 'Show session' }, value: JSON.stringify({ sessionId: target, version: before.qa_version }) },
          ] },
        ],
      }),
    }).then((r) => r.json() as Promise<{ ts: string; message: { blocks: unknown[] } }>);
    const p = await press({ user: USERS.dev, actionId: QA_ACTIONS.fixed, value: JSON.stringify({ sessionId: target, version: before.qa_version }), message: { ts: notice.ts, blocks: notice.message.blocks, channel: QA_CHANNEL } });
    expect(p.status).toBe(200);
    const opened = await fake.waitFor('views.open', (c) => c.args.trigger_id === p.triggerId);
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    await submit(USERS.dev, view, 'Fixed the stock lookup');
    const update: RecordedCall = await fake.waitFor('chat.update', (c) => c.args.ts === notice.ts);
    expect(await session(target!)).toMatchObject({ qa_status: 'fixed', qa_by: USERS.dev, dev_feedback: 'Fixed the stock lookup' });
    const blocks = update.args.blocks as Block[];
    expect(blocks[0]!.text!.text).toContain(`QA issue on session ${target}`);
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(allText(blocks.at(-1))).toContain(`*fixed* by <@${USERS.dev}>`);
  });

  it('refusals are explained privately: unknown session, an invalid transition, a role that may not, bad arguments', async () => {
    const unknown = await qa('pass 99999999', USERS.qa);
    expect(String((await waitResponse(unknown.responseUrl)).body.text)).toBe('There is no session 99999999. Nothing changed.');
    const [passed] = await sessionsIn('passed', 1);
    const before = await session(passed!);
    const invalid = await qa(`fixed ${passed} something`, USERS.dev);
    expect(String((await waitResponse(invalid.responseUrl)).body.text)).toBe('A session that is passed cannot become fixed (it can become issue). Nothing changed.');
    const lead = await qa(`pass ${passed}`, USERS.lead);
    expect(String((await waitResponse(lead.responseUrl)).body.text)).toMatch(/^Only QA reviewers or admins can mark a session passed; you are a team lead\. Nothing changed\.$/);
    expect(await session(passed!)).toEqual(before);
    // the agent pressing Issue is refused before any modal opens (and audited)
    const [unchecked] = await sessionsIn('unchecked', 1);
    const v = await session(unchecked!);
    const p = await press({ user: USERS.agent, actionId: QA_ACTION.issue, value: JSON.stringify({ sessionId: unchecked, version: v.qa_version }) });
    expect(String((await waitResponse(p.responseUrl)).body.text)).toMatch(/^Only QA reviewers or admins can mark a session issue/);
    expect(fake.callsTo('views.open')).toHaveLength(0);
    expect(await rows(`SELECT 1 FROM audit_logs WHERE target = $1 AND action = 'qa.refused'`, [`session:${unchecked}`])).toHaveLength(1);

    // a session an admin deleted (soft delete) is left alone
    const [gone] = await sessionsIn('unchecked', 1);
    await db.pool.query('UPDATE sessions SET deleted_at = now() WHERE id = $1', [gone]);
    const goneBefore = await session(gone!);
    const deleted = await qa(`issue ${gone} too late`, USERS.qa);
    expect(String((await waitResponse(deleted.responseUrl)).body.text)).toBe(`Session ${gone} was deleted. Nothing changed.`);
    expect(await session(gone!)).toEqual(goneBefore);
    const shown = await qa(`show ${gone}`, USERS.qa);
    expect(String((await waitResponse(shown.responseUrl)).body.text)).toBe(`There is no session ${gone}.`);

    const bad = await qa('pass forty-two', USERS.qa);
    expect(bad.body.response_type).toBe('ephemeral');
    expect(String(bad.body.text)).toMatch(/^Which session\? `\/qa pass &lt;session id&gt; \[notes\]`/);
    const help = await qa('frobnicate 3', USERS.qa);
    expect(String(help.body.text)).toMatch(/^I don't know `\/qa frobnicate`/);
    expect(allText(help.body.blocks)).toContain('/qa queue [n] [page]');
  });
});

describe('/qa show and stats', () => {
  it('shows a session\'s transcript masked, with classification, confidence, processing and response times, paged with More', async () => {
    // The longest AI session of the (clock-dependent) demo data, made long enough to need a
    // second page: customer messages added at its end, as an import would.
    const [longest] = await rows<{ id: number; conversation_id: number; n: number; ended_at: Date }>(
      `SELECT s.id, s.conversation_id, count(m.id)::int AS n, s.ended_at FROM sessions s JOIN messages m ON m.conversation_id = s.conversation_id
          AND m.social_create_time BETWEEN s.started_at AND s.ended_at
        WHERE s.ai_engaged GROUP BY s.id ORDER BY count(m.id) DESC, s.id LIMIT 1`,
    );
    for (let k = longest!.n; k < 18; k++) {
      await db.pool.query(
        `INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time)
         VALUES ($1, $2, 'to_company', 'customer', $3, $4)`,
        [longest!.conversation_id, `mid-qa-show-${longest!.id}-${k}`, `follow-up ${k}`, longest!.ended_at],
      );
    }
    const { id, conversation_id } = longest!;
    const n = Math.max(longest!.n, 18);
    const msgs = await rows<{ id: number; sender_kind: string; classification: string | null; classification_confidence: number | null; processing_time_ms: number | null }>(
      `SELECT m.id, m.sender_kind::text, m.classification, m.classification_confidence, m.processing_time_ms FROM sessions s JOIN messages m
          ON m.conversation_id = s.conversation_id AND m.social_create_time BETWEEN s.started_at AND s.ended_at WHERE s.id = $1 ORDER BY m.social_create_time, m.id`,
      [id],
    );
    expect(msgs).toHaveLength(n);
    expect(conversation_id).toBeGreaterThan(0);
    const firstCustomer = msgs.find((m) => m.sender_kind === 'customer' && m.classification)!;
    await db.pool.query(`UPDATE messages SET text = 'write me at jane.doe@example.com or +49 170 1234567' WHERE id = $1`, [firstCustomer.id]);

    const r = await qa(`show ${id}`, USERS.lead);
    const reply = (await waitResponse(r.responseUrl)).body;
    expect(reply.response_type).toBe('ephemeral');
    const text = allText(reply.blocks);
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).not.toContain('1234567');
    expect(text).toContain('write me at [email] or [phone]');
    expect(text).toContain(`classified *${firstCustomer.classification}* (confidence ${Number(firstCustomer.classification_confidence).toFixed(2)})`);
    expect(text).toMatch(/replied after \d/);
    expect(text).toMatch(/processed in \d/);
    expect(text).toContain(`Messages 1–15 of ${n}`);
    const nav = (reply.blocks as Block[]).find((b) => b.block_id === `qa_nav:${id}`)!;
    const more = nav.elements!.find((e) => e.text.text.startsWith('More'))!;
    const p = await press({ user: USERS.lead, actionId: more.action_id, value: more.value, ephemeral: true });
    const next = (await waitResponse(p.responseUrl)).body;
    expect(next.replace_original).toBe(true);
    expect(allText(next.blocks)).toContain(`Messages 16–${Math.min(30, n)} of ${n}`);
    expect(allText(next.blocks)).toContain('"Previous"');

    // developers see the session's QA state but not the customer's words
    const dev = await qa(`show ${id}`, USERS.dev);
    const devText = allText((await waitResponse(dev.responseUrl)).body.blocks);
    expect(devText).toContain(`*Session ${id}*`);
    expect(devText).toContain('Transcript not shown');
    expect(devText).not.toContain('[email]');
  });

  it('a transcript of long, symbol-heavy messages is paged so Slack takes every page, and no message is skipped (issue 17, finding 5)', async () => {
    const [s] = await rows<{ id: number; conversation_id: number; ended_at: Date }>(
      `SELECT s.id, s.conversation_id, s.ended_at FROM sessions s WHERE s.ai_engaged AND s.deleted_at IS NULL ORDER BY s.id DESC LIMIT 1`,
    );
    // 20 messages of 1,500 characters that escaping and quoting make ~5,000 each: 35 kB and more on one page before
    for (let k = 0; k < 20; k++) {
      await db.pool.query(
        `INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES ($1, $2, 'to_company', 'customer', $3, $4)`,
        [s!.conversation_id, `mid-qa-hostile-${s!.id}-${k}`, `${k}: ${'<&>\n'.repeat(375)}`, s!.ended_at],
      );
    }
    const seen: number[] = [];
    let reply = (await waitResponse((await qa(`show ${s!.id}`, USERS.lead)).responseUrl));
    for (let page = 0; page < 40; page++) {
      expect(reply.error).toBeUndefined();
      const blocks = reply.body.blocks as Block[];
      for (const b of blocks) {
        const m = /^\*(\d+)\.\* `/.exec(b.text?.text ?? '');
        if (m) seen.push(Number(m[1]));
      }
      const more = blocks.find((b) => b.block_id === `qa_nav:${s!.id}`)?.elements?.find((e) => e.text.text.startsWith('More'));
      if (!more) break;
      const p = await press({ user: USERS.lead, actionId: more.action_id, value: more.value, ephemeral: true });
      reply = await waitResponse(p.responseUrl);
    }
    const total = Number(/of (\d+)/.exec(allText(reply.body.blocks))![1]);
    expect(total).toBeGreaterThanOrEqual(20);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('`/qa stats` counts by state, the issue rate, changes per reviewer and the oldest waiting, for the last 7 days by default', async () => {
    const period = parsePeriod('last 7 days', slackClock(), TZ)!;
    const { start, end } = periodBounds(period, TZ);
    const r = await qa('stats', USERS.lead);
    const reply = (await waitResponse(r.responseUrl)).body;
    const counts = await rows<{ status: string; n: number }>(
      `SELECT qa_status::text AS status, count(*)::int AS n FROM sessions WHERE ai_engaged AND deleted_at IS NULL AND started_at >= $1 AND started_at < $2 GROUP BY 1`,
      [start, end],
    );
    const by = Object.fromEntries(counts.map((c) => [c.status, c.n]));
    const text = allText(reply.blocks);
    for (const st of ['unchecked', 'passed', 'issue', 'fixed']) expect(text).toContain(`*${st[0]!.toUpperCase()}${st.slice(1)}*\\n${by[st] ?? 0}`);
    const reviewed = (by.passed ?? 0) + (by.issue ?? 0) + (by.fixed ?? 0);
    expect(text).toContain(reviewed ? `(${(by.issue ?? 0) + (by.fixed ?? 0)} of ${reviewed} reviewed)` : '*Issue rate*\\nn/a (nothing reviewed)');
    // this file's own reviewer made changes today
    const mine = (await rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM qa_events e JOIN users u ON u.id = e.actor_id WHERE u.external_id = $1 AND e.created_at >= $2 AND e.created_at < $3`,
      [USERS.qa, start, end],
    ))[0]!.n;
    expect(mine).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`<@${USERS.qa}>: [^"]*`));
    const [oldest] = await sessionsIn('unchecked', 1);
    expect(text).toContain(`session ${oldest},`);
    // over a longer period the seeded reviews give an issue rate (the other branch of the answer)
    const q90 = parsePeriod('last 90 days', slackClock(), TZ)!;
    const b90 = periodBounds(q90, TZ);
    const [r90] = await rows<{ flagged: number; reviewed: number }>(
      `SELECT count(*) FILTER (WHERE qa_status IN ('issue', 'fixed'))::int AS flagged, count(*) FILTER (WHERE qa_status <> 'unchecked')::int AS reviewed
         FROM sessions WHERE ai_engaged AND deleted_at IS NULL AND started_at >= $1 AND started_at < $2`,
      [b90.start, b90.end],
    );
    expect(r90!.reviewed).toBeGreaterThan(0);
    const long = await qa('stats last 90 days', USERS.lead);
    expect(allText((await waitResponse(long.responseUrl)).body.blocks)).toContain(`(${r90!.flagged} of ${r90!.reviewed} reviewed)`);
    const bad = await qa('stats in the year of the dragon', USERS.lead);
    expect(String((await waitResponse(bad.responseUrl)).body.text)).toMatch(/^I could not read "in the year of the dragon" as a period/);
  });
});
