import type { Assistant } from '../../src/agents/assistant/assistant.ts';
import { loadConfig } from '../../src/config.ts';
import { seedDemoData } from '../../src/db/seed/load.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { TEST_NOW } from './clock.ts';
import { startResponseRecorder, type RecordedResponse, type ResponseRecorder } from './response-url.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, startHarness, type Harness } from './slack-harness.ts';

// The QA tests' Slack fixture: a seeded test database, the fake Slack Web API, a response_url
// recorder and the Slack service as server.ts composes it; `/qa` commands and button presses
// signed as Slack sends them, and the private answers they get.

export interface QaSlack {
  db: TestDatabase;
  fake: FakeSlack;
  h: Harness;
  responses: RecordedResponse[];
  /** the response_url recorder's base URL (a response's URL is base + its path) */
  base: string;
  /** users.id of each user made from `users` */
  userIds: Record<string, number>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** `/qa <text>` typed by `user`; resolves once acked, with the command's response_url */
  qa(text: string, user: string): Promise<{ status: number; body: Record<string, unknown>; responseUrl: string; triggerId: string }>;
  /** a press of a button with `actionId` and `value` */
  press(user: string, actionId: string, value: string): Promise<{ status: number; responseUrl: string; triggerId: string }>;
  /** a modal submitted (view_submission) with these state values */
  submit(user: string, callbackId: string, privateMetadata: string, values: Record<string, Record<string, unknown>>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** the first answer posted to a response_url */
  answer(url: string): Promise<RecordedResponse>;
  /** its text */
  textOf(url: string): Promise<string>;
  /** clears recorded answers and fake Slack calls */
  reset(): void;
  close(): Promise<void>;
}

export interface QaSlackOptions {
  name: string;
  timezone: string;
  channel: string;
  /** slack user id → role; each becomes a user named `<key> person` */
  users: Record<string, { slackId: string; role: string }>;
  conversations?: number;
  /** extra environment for loadConfig */
  env?: Record<string, string>;
}

export async function startQaSlack(opts: QaSlackOptions): Promise<QaSlack> {
  const db = await createTestDatabase(opts.name);
  await seedDemoData(db.url, { conversations: opts.conversations ?? 60, now: TEST_NOW, timezone: opts.timezone });
  const rows = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
  const userIds: Record<string, number> = {};
  for (const [k, u] of Object.entries(opts.users)) {
    const [r] = await rows<{ id: number }>(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, $2, $3::"UserRole", now()) RETURNING id`, [
      u.slackId, `${k} person`, u.role,
    ]);
    userIds[k] = r!.id;
  }
  const fake = await startFakeSlack({ token: BOT_TOKEN });
  const config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: opts.timezone, ...opts.env });
  const recorder: ResponseRecorder = await startResponseRecorder();
  const responses = recorder.responses;
  const assistant: Assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('/qa never asks the assistant')) } as unknown as Assistant;
  const h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant });

  let seq = 0;
  const post = async (body: string) => {
    const req = signed(body, { contentType: 'application/x-www-form-urlencoded' });
    const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  };
  const qa = async (text: string, user: string) => {
    const n = ++seq;
    const responseUrl = `${recorder.base}/commands/${n}`;
    const form = new URLSearchParams({
      token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: opts.channel, channel_name: 'qa', user_id: user, user_name: user.toLowerCase(),
      command: '/qa', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: responseUrl, trigger_id: `${n}.1764500000.trig${n}`,
    }).toString();
    return { ...(await post(form)), responseUrl, triggerId: `${n}.1764500000.trig${n}` };
  };
  const press = async (user: string, actionId: string, value: string) => {
    const n = ++seq;
    const responseUrl = `${recorder.base}/actions/${n}`;
    const payload = {
      type: 'block_actions', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
      api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${n}.1764500000.act${n}`, channel: { id: opts.channel, name: 'qa' },
      container: { type: 'message', message_ts: `1764500000.${n}`, channel_id: opts.channel, is_ephemeral: true }, response_url: responseUrl,
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, text: { type: 'plain_text', text: 'x' }, action_ts: `1764500000.${n}` }],
    };
    return { ...(await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString())), responseUrl, triggerId: `${n}.1764500000.act${n}` };
  };
  const submit = async (user: string, callbackId: string, privateMetadata: string, values: Record<string, Record<string, unknown>>) => {
    const payload = {
      type: 'view_submission', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
      api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${++seq}.1764500000.sub`,
      view: { id: `V0QA${seq}`, team_id: BOT.teamId, type: 'modal', callback_id: callbackId, private_metadata: privateMetadata, hash: '1.abc', blocks: [], state: { values } },
    };
    return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };
  const answer = (url: string) => eventually(async () => responses.find((r) => `${recorder.base}${r.path}` === url), `a POST to ${url}`);
  return {
    db, fake, h, responses, base: recorder.base, userIds, rows, qa, press, submit, answer,
    textOf: async (url) => String((await answer(url)).body.text),
    reset: () => {
      responses.length = 0;
      fake.reset();
    },
    close: async () => {
      await h?.close();
      await recorder?.close();
      await fake?.close();
      await db?.drop();
    },
  };
}
