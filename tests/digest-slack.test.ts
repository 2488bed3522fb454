import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './helpers/response-url.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, startHarness, type Harness } from './helpers/slack-harness.ts';

// `/digest` through the service's own Slack path (startSlack + build(), as server.ts composes
// them): signed slash commands to POST /slack/events, answers read from the ack and from the
// local response_url server, outcomes checked in digest_subscriptions.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0LEADS01';
const USERS = { lead: 'U0DLEAD', admin: 'U0DADMIN', agent: 'U0DAGENT', qa: 'U0DQA' } as const;

let db: TestDatabase;
let fake: FakeSlack;
let config: Config;
let h: Harness;
let recorder: ResponseRecorder;
let seq = 0;

async function digest(text: string, user: string, channel = CHANNEL) {
  const n = ++seq;
  const responseUrl = `${recorder.base}/commands/digest-${n}`;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: channel, channel_name: 'leads', user_id: user, user_name: user.toLowerCase(),
    command: '/digest', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: responseUrl, trigger_id: `${n}.1764500000.dg${n}`,
  }).toString();
  const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  const body = res.body ? (JSON.parse(res.body) as { text?: string; response_type?: string }) : {};
  return { status: res.statusCode, text: body.text ?? '', responseType: body.response_type, responseUrl };
}

const subs = async () =>
  (await db.pool.query<{ id: number; channel: string; cron_expression: string; timezone: string; frequency: string; content: { sections: string[] }; active: boolean; created_by: string | null }>(
    `SELECT d.id, d.channel, d.cron_expression, d.timezone, d.frequency, d.content, d.active, u.external_id AS created_by
       FROM digest_subscriptions d LEFT JOIN users u ON u.id = d.created_by_id ORDER BY d.id`,
  )).rows;

beforeAll(async () => {
  db = await createTestDatabase('digestslack');
  await seedDemoData(db.url, { conversations: 40, now: TEST_NOW, timezone: TZ });
  for (const [role, id] of Object.entries(USERS)) {
    await db.pool.query(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, $2, $3::"UserRole", now())
      ON CONFLICT (platform, external_id) DO UPDATE SET role = EXCLUDED.role`, [id, `${role} person`, role]);
  }
  fake = await startFakeSlack({ token: BOT_TOKEN });
  recorder = await startResponseRecorder();
  config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('/digest never asks the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant });
});
afterAll(async () => {
  await h?.close();
  await recorder?.close();
  await fake?.close();
  await db?.drop();
});

describe('/digest', () => {
  it('subscribe: a lead subscribes a picked channel; cron, timezone and sections are stored', async () => {
    const r = await digest('subscribe <#C0SUPPORT|support-leads> weekly 08:30 America/New_York csi qa topics', USERS.lead);
    expect(r.status).toBe(200);
    expect(r.responseType).toBe('ephemeral');
    expect(r.text).toMatch(/^Subscribed: \*#\d+\* weekly digest in <#C0SUPPORT>, every Monday at 08:30 America\/New_York \(csi, qa, topics\)/);
    const [s] = await subs();
    expect(s).toMatchObject({ channel: 'C0SUPPORT', cron_expression: '30 8 * * 1', timezone: 'America/New_York', frequency: 'weekly', active: true, created_by: USERS.lead });
    expect(s!.content.sections).toEqual(['csi', 'qa', 'topics']);
  });

  it('subscribe without a channel uses the one the command was typed in, at 09:00 in the business timezone, all sections', async () => {
    const r = await digest('subscribe daily', USERS.admin);
    expect(r.text).toMatch(/^Subscribed: .*daily digest in <#C0LEADS01>, every day at 09:00 Europe\/Berlin \(all sections\)/);
    const s = (await subs()).at(-1)!;
    expect(s).toMatchObject({ channel: CHANNEL, cron_expression: '0 9 * * *', timezone: TZ, frequency: 'daily' });
  });

  it('list shows the active subscriptions; unsubscribe cancels one, and a second time says there is none', async () => {
    const [first, second] = await subs();
    const list = await digest('list', USERS.lead);
    expect(list.text).toContain(`*#${first!.id}* weekly digest in <#C0SUPPORT>`);
    expect(list.text).toContain(`*#${second!.id}* daily digest in <#C0LEADS01>`);

    expect((await digest(`unsubscribe ${first!.id}`, USERS.lead)).text).toBe(`Digest #${first!.id} is cancelled; nothing more will be posted for it.`);
    expect((await subs())[0]!.active).toBe(false);
    expect((await digest(`unsubscribe ${first!.id}`, USERS.lead)).text).toMatch(/There is no active digest/);
    const after = await digest('list', USERS.lead);
    expect(after.text).not.toContain(`*#${first!.id}*`);
    expect(after.text).toContain(`*#${second!.id}*`);
  });

  it.each([
    ['agent', USERS.agent],
    ['qa', USERS.qa],
    ['unknown user', 'U0NOBODY'],
  ])('a %s may not manage digests', async (_who, user) => {
    const before = await subs();
    for (const text of ['subscribe daily', 'list', `unsubscribe ${before.at(-1)!.id}`]) {
      const r = await digest(text, user);
      expect(r.text).toMatch(/^Only team leads and admins manage digests; you are (a support agent|a QA reviewer)\./);
    }
    expect(await subs()).toEqual(before);
  });

  it.each([
    ['subscribe hourly', /How often\? Say daily, weekly, monthly, not `hourly`/],
    ['subscribe daily 25:00', /`25:00` is not a time: use 24-hour HH:MM/],
    ['subscribe daily 09:00 Mars/Olympus', /`Mars\/Olympus` is not a timezone I know/],
    ['subscribe #leads daily', /I can't tell which channel `#leads` is/],
    ['subscribe daily 09:00 Europe/Berlin weather', /`weather` is not a digest section; choose from csi, pillars/],
    ['unsubscribe seven', /Say which subscription: `\/digest unsubscribe &lt;id&gt;`/],
    ['frobnicate', /I don't know `frobnicate`/],
  ])('bad input "%s" gets a clear error and changes nothing', async (text, problem) => {
    const before = await subs();
    const r = await digest(text, USERS.lead);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(problem);
    expect(await subs()).toEqual(before);
  });

  it('preview: acked at once, then the digest is sent only to the requester through the response_url', async () => {
    const r = await digest('preview weekly', USERS.agent);
    expect(r.text).toBe('Building the weekly digest preview…');
    const answer = await eventually(async () => recorder.responses.find((x) => `${recorder.base}${x.path}` === r.responseUrl), 'the preview');
    expect(answer.body.response_type).toBe('ephemeral');
    const blocks = answer.body.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0]!.type).toBe('header');
    expect(blocks[0]!.text!.text).toMatch(/^Weekly support digest · /);
    expect(String(answer.body.text)).toMatch(/^Weekly support digest/);
    expect(JSON.stringify(blocks)).toContain('Preview only.');
    // nothing was posted in the channel
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'files.completeUploadExternal')).toHaveLength(0);
  });

  it("a digest's \"Open session N in QA\" button shows that session to the one who pressed it", async () => {
    const [session] = (await db.pool.query<{ id: number; qa_version: number }>(`SELECT id, qa_version FROM sessions WHERE ai_engaged AND deleted_at IS NULL ORDER BY id LIMIT 1`)).rows;
    const n = ++seq;
    const responseUrl = `${recorder.base}/actions/digest-${n}`;
    const payload = {
      type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: USERS.lead, username: 'lead', team_id: BOT.teamId },
      api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.act`, channel: { id: CHANNEL, name: 'leads' },
      container: { type: 'message', message_ts: '1764500000.000100', channel_id: CHANNEL, is_ephemeral: false },
      message: { type: 'message', ts: '1764500000.000100', text: 'Weekly support digest', user: BOT.userId, bot_id: BOT.botId, blocks: [] },
      response_url: responseUrl,
      // exactly the button composeDigest puts on a sample session
      actions: [{ type: 'button', action_id: 'qa_show', block_id: `digest_open_qa:${session!.id}`, value: JSON.stringify({ sessionId: session!.id, version: session!.qa_version }), text: { type: 'plain_text', text: 'Open' }, action_ts: '1764500000.1' }],
    };
    const req = signed(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
    expect(res.statusCode).toBe(200);
    const shown = await eventually(async () => recorder.responses.find((x) => `${recorder.base}${x.path}` === responseUrl), 'the session');
    expect(shown.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(shown.body.blocks)).toContain(`*Session ${session!.id}*`);
  });

  it('help lists the commands', async () => {
    const r = await digest('', USERS.agent);
    expect(r.text).toContain('/digest subscribe [#channel] daily|weekly|monthly');
  });
});
