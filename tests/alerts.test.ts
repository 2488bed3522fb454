import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { evaluateAlerts } from '../src/jobs/alerts/evaluate.ts';
import { ChannelPacer } from '../src/jobs/digest/deliver.ts';
import { SHOW_SESSIONS_ACTION } from '../src/jobs/alerts/post.ts';
import { alertsTaskProvider } from '../src/jobs/alerts/tasks.ts';
import { ManualClock } from '../src/jobs/scheduler/clock.ts';
import { startScheduler, type Scheduler } from '../src/jobs/scheduler/scheduler.ts';
import { createLogger } from '../src/logger.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './helpers/response-url.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, startHarness, type Harness } from './helpers/slack-harness.ts';

// Alerts end to end (issue 8, part 4): rules added with /alert through the service's Slack
// path, evaluated every minute by three scheduler instances on a ManualClock, posted to a fake
// Slack with a chart and the "Show conversations" button, which lists the sessions.

const TZ = 'Europe/Berlin';
const ALERTS = 'C0ALERTS';
const ADMIN = 'U0ADMIN1';
const QA = 'U0QAUSER';
// The simulated day is the day before the suite's clock (UTC), so `/alert mute`, which counts
// from the Slack handlers' clock (TEST_NOW), covers the simulated hours.
const TODAY = new Date(TEST_NOW.getTime() - 86_400_000).toISOString().slice(0, 10);
const T0 = new Date(`${TODAY}T11:00:00Z`);

let db: TestDatabase;
let fake: FakeSlack;
let config: Config;
let h: Harness;
let responses: ResponseRecorder;
let clock: ManualClock;
let schedulers: Scheduler[] = [];
const todaysDropped: number[] = [];
const logger = createLogger('silent');
let seq = 0;

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

async function post(body: string) {
  const req = signed(body, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  return res.statusCode;
}

/** `/alert <text>` as `user`; resolves with what the command answered through response_url. */
async function alert(text: string, user: string): Promise<string> {
  const n = ++seq;
  const path = `/commands/${n}`;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: 'C0OPS', channel_name: 'ops', user_id: user, user_name: user.toLowerCase(),
    command: '/alert', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: `${responses.base}${path}`, trigger_id: `${n}.1764500000.t`,
  }).toString();
  expect(await post(form)).toBe(200);
  const r = await eventually(async () => responses.responses.find((x) => x.path === path), `the answer to /alert ${text}`);
  return String(r.body.text);
}

async function press(user: string, actionId: string, value: string, messageTs: string) {
  const n = ++seq;
  const path = `/actions/${n}`;
  const payload = {
    type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.a`, channel: { id: ALERTS, name: 'alerts' },
    container: { type: 'message', message_ts: messageTs, channel_id: ALERTS, is_ephemeral: false },
    message: { type: 'message', ts: messageTs, text: 'x', user: BOT.userId, bot_id: BOT.botId, blocks: [] },
    response_url: `${responses.base}${path}`,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, text: { type: 'plain_text', text: 'x' }, action_ts: `1764500000.${n}` }],
  };
  expect(await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())).toBe(200);
  return (await eventually(async () => responses.responses.find((x) => x.path === path), 'the button answer')).body;
}

const alertPosts = () => fake.messages.filter((m) => m.channel === ALERTS && !m.thread_ts);
const setTodayCsi = (csi: number, conversations: number[]) =>
  q(`UPDATE daily_analyses SET csi = $1 WHERE day = $2 AND conversation_id = ANY($3)`, [csi, TODAY, conversations]);

beforeAll(async () => {
  db = await createTestDatabase('alerts');
  // one page, six conversations, a session and a scored day for each of the last 11 days
  const [page] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('P1', 'Shop', now()) RETURNING id`);
  for (let c = 0; c < 6; c++) {
    const [conv] = await q<{ id: number }>(`INSERT INTO conversations (fb_chat_id, page_id, updated_at) VALUES ($1, $2, now()) RETURNING id`, [`chat-${c}`, page!.id]);
    for (let d = 10; d >= 0; d--) {
      const day = new Date(Date.parse(`${TODAY}T00:00:00Z`) - d * 86_400_000).toISOString().slice(0, 10);
      const [s] = await q<{ id: number }>(
        `INSERT INTO sessions (conversation_id, sequence, started_at, ended_at, message_count, ai_engaged, ai_message_count, updated_at)
         VALUES ($1, $2, $3::date + time '09:00' AT TIME ZONE 'Europe/Berlin', $3::date + time '09:30' AT TIME ZONE 'Europe/Berlin', 4, true, 2, now()) RETURNING id`,
        [conv!.id, 11 - d, day],
      );
      await q(`INSERT INTO daily_analyses (conversation_id, day, csi, message_count, updated_at) VALUES ($1, $2, 75, 4, now())`, [conv!.id, day]);
      if (d === 0 && c < 3) todaysDropped.push(s!.id);
    }
  }
  await q(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, 'qa person', 'qa', now())`, [QA]);

  fake = await startFakeSlack({ token: BOT_TOKEN });
  responses = await startResponseRecorder();
  config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ, ALERTS_CHANNEL: ALERTS, ADMIN_SLACK_IDS: ADMIN,
  });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('alerts never ask the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant });
  clock = new ManualClock(T0);
});

afterAll(async () => {
  await Promise.all(schedulers.map((s) => s.stop()));
  await h?.close();
  await responses?.close();
  await fake?.close();
  await db?.drop();
});

describe('alerts', () => {
  it('/alert validates input and lets only admins change rules', async () => {
    expect(await alert('add csi-drop csi_drop >= 10 window=1d cooldown=2h', QA)).toMatch(/only admins/);
    expect(await alert('add csi-drop csi_dip >= 10', ADMIN)).toMatch(/unknown metric "csi_dip"/);
    expect(await alert('add csi-drop csi_drop >= ten', ADMIN)).toMatch(/threshold "ten" is not a number/);
    expect(await alert('add csi-drop csi_drop >= 10 window=soon', ADMIN)).toMatch(/window "soon" is not a duration/);
    expect(await alert('mute nothing 2h', ADMIN)).toMatch(/no rule named nothing/);
    expect(await alert('list', ADMIN)).toMatch(/No alert rules yet/);
    expect(await alert('add csi-drop csi_drop >= 10 window=1d cooldown=2h', ADMIN)).toMatch(/Added: csi-drop — csi_drop ≥ 10, window 1d, cooldown 2h, <#C0ALERTS>/);
    expect(await alert('add csi-drop csi_drop >= 10', ADMIN)).toMatch(/exists already/);
    expect(await alert('add backlog qa_backlog_age > 1000000 <#C0OTHER|other>', ADMIN)).toMatch(/<#C0OTHER>/);
    expect(await alert('remove backlog', ADMIN)).toMatch(/Removed backlog/);
    expect(await alert('list', QA)).toMatch(/only admins and leads/);
    expect(await alert('list', ADMIN)).toMatch(/csi-drop .* ok/);
  });

  it('an injected CSI drop fires once with a chart and the button; nothing more within the firing or the cooldown; recovery posts once', async () => {
    schedulers = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        startScheduler({
          pool: db.pool, instanceId: id, logger, catchUp: 0, clock, reloadIntervalMs: 600_000,
          providers: [alertsTaskProvider({ pool: db.pool, slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl }), logger, timeZone: TZ, pacer: new ChannelPacer(0) })],
        }),
      ),
    );
    await clock.advanceBy(5 * 60_000);
    expect(alertPosts()).toHaveLength(0);
    expect((await q<{ state: string; last_value: number }>(`SELECT state, last_value FROM alert_rules WHERE name = 'csi-drop'`))[0]).toEqual({ state: 'ok', last_value: 0 });

    // three of six conversations score 40 today against a 75 baseline: CSI 57.5, a 17.5-point drop
    const dropped = (await q<{ id: number }>(`SELECT id FROM conversations ORDER BY id LIMIT 3`)).map((r) => r.id);
    await setTodayCsi(40, dropped);
    await clock.advanceBy(60_000);
    expect(alertPosts()).toHaveLength(1);
    const fired = alertPosts()[0]!;
    expect(fired.text).toContain('csi-drop');
    expect(fired.text).toContain('17.5 points');
    const button = (fired.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[]).find((b) => b.type === 'actions')!.elements![0]!;
    expect(button.action_id).toBe(SHOW_SESSIONS_ACTION);
    expect(button.text.text).toBe('Show conversations (3)');
    // the chart, in the firing's thread, a real PNG
    const chart = fake.uploadedFiles.find((f) => f.threadTs === fired.ts)!;
    expect(chart.completed).toBe(true);
    expect(chart.bytes!.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(chart.bytes!.length).toBeGreaterThan(5000);

    // still dropped for half an hour: the firing is not repeated
    await clock.advanceBy(30 * 60_000);
    expect(alertPosts()).toHaveLength(1);
    const [event] = await q<{ kind: string; session_ids: number[]; delivered: boolean; slack_ts: string }>(`SELECT kind, session_ids, delivered, slack_ts FROM alert_events`);
    expect(event).toEqual({ kind: 'fired', session_ids: expect.any(Array), delivered: true, slack_ts: fired.ts });
    expect([...event!.session_ids].sort()).toEqual([...todaysDropped].sort());

    // a retried evaluation of a tick already judged posts nothing
    const again = await evaluateAlerts({ pool: db.pool, slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl }), logger, timeZone: TZ }, new Date(clock.now().getTime() - 60_000));
    expect(again).toMatchObject({ fired: [], recovered: [], posted: 0 });

    // recovery: one post
    await setTodayCsi(75, dropped);
    await clock.advanceBy(60_000);
    expect(alertPosts()).toHaveLength(2);
    expect(alertPosts()[1]!.text).toMatch(/Recovered csi-drop/);
    await clock.advanceBy(10 * 60_000);
    expect(alertPosts()).toHaveLength(2);

    // dropping again 33 minutes after the firing: within the 2 h cooldown, nothing
    await setTodayCsi(40, dropped);
    await clock.advanceBy(60 * 60_000);
    expect(alertPosts()).toHaveLength(2);
    // once the cooldown is over and the drop persists, it fires again (once)
    await clock.advanceBy(40 * 60_000);
    expect(alertPosts()).toHaveLength(3);
    const kinds = await q<{ kind: string }>(`SELECT kind FROM alert_events ORDER BY id`);
    expect(kinds.map((k) => k.kind)).toEqual(['fired', 'recovered', 'fired']);
    const runs = await q<{ n: number; instances: number }>(`SELECT count(*)::int AS n, count(DISTINCT instance)::int AS instances FROM scheduled_runs WHERE task_key = 'alerts'`);
    // one run per minute across three instances: 11:00 (due at start) and each minute after
    expect(runs[0]!.n).toBe(1 + 5 + 1 + 30 + 1 + 10 + 60 + 40);
  });

  it('"Show conversations" lists the affected sessions with the QA buttons of the presser', async () => {
    const fired = alertPosts()[0]!;
    const button = (fired.blocks as { type: string; elements?: { value: string }[] }[]).find((b) => b.type === 'actions')!.elements![0]!;
    const body = await press(QA, SHOW_SESSIONS_ACTION, button.value, fired.ts);
    expect(body.response_type).toBe('ephemeral');
    expect(body.replace_original).toBe(false);
    const blocks = body.blocks as { type: string; block_id?: string; elements?: { action_id: string }[] }[];
    const listed = blocks.filter((b) => b.block_id?.startsWith('qa_card:')).map((b) => Number(b.block_id!.split(':')[1]));
    expect(listed.sort()).toEqual([...todaysDropped].sort());
    const actions = blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(3);
    expect(actions[0]!.elements!.map((e) => e.action_id)).toEqual(['qa_pass', 'qa_issue_open', 'qa_show']);
    const bad = await press(QA, SHOW_SESSIONS_ACTION, 'not json', fired.ts);
    expect(String(bad.text)).toMatch(/not one of mine/);
  });

  it('mute silences a rule until the time given', async () => {
    expect(await alert('mute csi-drop 3h', ADMIN)).toMatch(/Muted csi-drop until/);
    await setTodayCsi(75, (await q<{ id: number }>(`SELECT id FROM conversations ORDER BY id LIMIT 3`)).map((r) => r.id));
    await clock.advanceBy(5 * 60_000);
    const before = alertPosts().length;
    expect((await q<{ state: string }>(`SELECT state FROM alert_rules WHERE name = 'csi-drop'`))[0]!.state).toBe('firing');
    expect(await alert('mute csi-drop 0', ADMIN)).toMatch(/Unmuted/);
    await clock.advanceBy(60_000);
    expect(alertPosts()).toHaveLength(before + 1);
    expect(alertPosts().at(-1)!.text).toMatch(/Recovered/);
  });
});
