import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QA_ACTION } from '../src/bots/slack/qa-blocks.ts';
import { loadConfig } from '../src/config.ts';
import { changeQaStatus } from '../src/db/qa-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import type { QaStatus } from '../src/domain/qa.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './helpers/response-url.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, startHarness, type Harness } from './helpers/slack-harness.ts';

// `/qa mine` (issue 20, point 6) through signed slash commands to the service's Slack endpoint;
// the answer arrives at the command's response_url. Issues have no assignee, so "mine" is what
// qa_events record: a reviewer's issues are those they raised (the current issue, not an earlier
// one), a developer sees every open issue with those that came back after their fix first.

let db: TestDatabase;
let fake: FakeSlack;
let responder: ResponseRecorder;
let h: Harness;

const USERS: Record<string, [string, Role]> = {
  qa1: ['U0MINEQA1', 'qa'], qa2: ['U0MINEQA2', 'qa'], dev1: ['U0MINEDEV1', 'developer'], dev2: ['U0MINEDEV2', 'developer'],
  lead: ['U0MINELEAD', 'lead'], agent: ['U0MINEAGT', 'agent'],
};
const callers: Record<string, Caller> = {};
/** sessions, in id order: s[0] issue by qa1; s[1] issue by qa2; s[2] raised by qa1, fixed by dev1, reopened by qa2; s[3] raised by qa1, fixed by dev2; s[4] passed */
let s: number[] = [];

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

async function change(sessionId: number, to: QaStatus, who: string, text: string): Promise<void> {
  const r = await changeQaStatus(db.pool, { sessionId, to, actor: callers[who]!, ...(to === 'fixed' ? { devFeedback: text } : { notes: text }), source: 'test' });
  if (!r.ok) throw new Error(r.reason);
}

interface Block { type: string; block_id?: string; text?: { text: string }; elements?: { action_id?: string; text: string | { text: string } }[] }
let n = 0;
/** `/qa <text>` as `who`; resolves with what was posted to the command's response_url. */
async function qa(who: string, text: string): Promise<{ text: string; blocks: Block[] }> {
  const i = ++n;
  const path = `/commands/mine-${i}`;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: 'C0MINE', channel_name: 'mine', user_id: USERS[who]![0], user_name: who,
    command: '/qa', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: `${responder.base}${path}`, trigger_id: `${i}.1764500000.mine${i}`,
  }).toString();
  const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  expect(res.statusCode).toBe(200);
  const posted = await eventually(async () => responder.responses.find((r) => r.path === path), `the answer to /qa ${text}`);
  expect(posted.error).toBeUndefined();
  expect(posted.body.response_type).toBe('ephemeral');
  return { text: String(posted.body.text), blocks: (posted.body.blocks ?? []) as Block[] };
}
const listed = (blocks: Block[]) => blocks.filter((b) => b.block_id?.startsWith('qa_card:')).map((b) => Number(b.block_id!.split(':')[1]));
const buttonsOf = (blocks: Block[], id: number) => blocks.find((b) => b.block_id?.startsWith(`qa_actions:${id}:`))?.elements?.map((e) => e.action_id);
const all = (blocks: Block[]) => JSON.stringify(blocks);

beforeAll(async () => {
  db = await createTestDatabase('slackqamine');
  await seedDemoData(db.url, { conversations: 10, now: TEST_NOW, timezone: 'UTC' });
  // start from no QA at all: the demo data has reviews of its own
  await q(`DELETE FROM qa_events`);
  await q(`UPDATE sessions SET qa_status = 'unchecked', qa_version = 0, qa_notes = NULL, dev_feedback = NULL, qa_by_id = NULL, qa_at = NULL`);
  for (const [key, [slackId, role]] of Object.entries(USERS)) {
    const [u] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, role, updated_at) VALUES ('slack', $1, $2::"UserRole", now()) RETURNING id`, [slackId, role]);
    callers[key] = { role, userId: u!.id, name: slackId };
  }
  s = (await q<{ id: number }>(`SELECT id FROM sessions WHERE deleted_at IS NULL ORDER BY id LIMIT 5`)).map((r) => r.id);
  await change(s[0]!, 'issue', 'qa1', 'wrong price quoted');
  await change(s[1]!, 'issue', 'qa2', 'ignored the complaint');
  await change(s[2]!, 'issue', 'qa1', 'promised a refund');
  await change(s[2]!, 'fixed', 'dev1', 'refund rule added');
  await change(s[3]!, 'issue', 'qa1', 'rude tone');
  await change(s[3]!, 'fixed', 'dev2', 'tone prompt changed');
  await change(s[2]!, 'issue', 'qa2', 'still promises refunds');
  await change(s[4]!, 'passed', 'qa1', 'fine');

  fake = await startFakeSlack({ token: BOT_TOKEN });
  responder = await startResponseRecorder();
  const config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('/qa mine never asks the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant, concurrency: 1 });
});
afterAll(async () => {
  await h?.close();
  await responder?.close();
  await fake?.close();
  await db?.drop();
});
beforeEach(() => {
  responder.responses.length = 0;
});

describe('/qa mine', () => {
  it('a reviewer: only the open issues they raised (an issue reopened by someone else is theirs, not the first reviewer\'s), without a Fixed button', async () => {
    const qa1 = await qa('qa1', 'mine');
    expect(listed(qa1.blocks)).toEqual([s[0]]);
    expect(qa1.text).toBe('Your open QA issues: 1.');
    expect(all(qa1.blocks)).toContain('1 session you raised is still waiting for a fix');
    expect(buttonsOf(qa1.blocks, s[0]!)).toEqual([QA_ACTION.show]);

    const qa2 = await qa('qa2', 'MINE');
    expect(listed(qa2.blocks)).toEqual([s[1], s[2]]);
    expect(all(qa2.blocks)).toContain('still promises refunds');
  });

  it('a developer: every open issue, the one that came back after their fix first, each with Fixed; and says issues are not assigned', async () => {
    const dev1 = await qa('dev1', 'mine');
    expect(listed(dev1.blocks)).toEqual([s[2], s[0], s[1]]);
    expect(dev1.text).toBe('Open QA issues: 3.');
    const text = all(dev1.blocks);
    expect(text).toContain('Issues are not assigned to one person');
    expect(text).toContain('1 came back after you marked it fixed');
    expect(text).toContain('came back after you marked it fixed');
    for (const id of [s[0]!, s[1]!, s[2]!]) expect(buttonsOf(dev1.blocks, id)).toEqual([QA_ACTION.fixed, QA_ACTION.show]);

    // dev2 fixed s[3], which is not open: nothing points at them, oldest issue first
    const dev2 = await qa('dev2', 'mine');
    expect(listed(dev2.blocks)).toEqual([s[0], s[1], s[2]]);
    expect(all(dev2.blocks)).not.toContain('came back after you');
  });

  it('leaves out deleted sessions; a reviewer with none is told so; an agent is told who it is for', async () => {
    await q(`UPDATE sessions SET deleted_at = now() WHERE id = $1`, [s[0]]);
    try {
      expect(listed((await qa('lead', 'mine')).blocks)).toEqual([s[1], s[2]]);
      expect((await qa('qa1', 'mine')).text).toBe('No open QA issues that you raised: nothing is waiting for a fix.');
    } finally {
      await q(`UPDATE sessions SET deleted_at = NULL WHERE id = $1`, [s[0]]);
    }
    const agent = await qa('agent', 'mine');
    expect(agent.text).toContain('/qa mine lists the open QA issues of reviewers and developers; you are a support agent.');
    expect(listed(agent.blocks)).toEqual([]);
  });

  it('is listed in /qa help (answered in the ack)', async () => {
    const form = new URLSearchParams({
      token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: 'C0MINE', user_id: USERS.dev1![0], command: '/qa', text: 'help',
      api_app_id: 'A0FAKE', response_url: `${responder.base}/commands/help`, trigger_id: '1.1764500000.help',
    }).toString();
    const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
    const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('`/qa mine`');
  });
});
