import { App } from '@slack/bolt';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { boltLogger } from '../src/bots/slack/app.ts';
import { commandKey, registerSlashCommands } from '../src/bots/slack/commands.ts';
import { parseCsiArgs } from '../src/bots/slack/csi-blocks.ts';
import type { AskRequest, SlackDeps } from '../src/bots/slack/deps.ts';
import { FastifyReceiver } from '../src/bots/slack/receiver.ts';
import { loadConfig, type Config } from '../src/config.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import { seedAndAnalyse } from './helpers/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, signed, slackClock, startHarness, type Harness } from './helpers/slack-harness.ts';
import { startResponseRecorder, type RecordedResponse, type ResponseRecorder } from './helpers/response-url.ts';
import { WAIT_MS } from './helpers/wait.ts';

// Slash commands through the real path: signed form posts to POST /slack/events on Fastify, our
// receiver, a real Bolt App with registerSlashCommands, a fake Slack Web API (Bolt's auth.test)
// and a seeded, analysed database. Every number is checked against SQL written here.

// Fri 20 Nov 2026, 13:00 in Berlin
const NOW = new Date('2026-11-20T12:00:00Z');
const TZ = 'Europe/Berlin';
const LAST_WEEK = { from: '2026-11-09', to: '2026-11-15' };
const LAST_7_DAYS = { from: '2026-11-14', to: '2026-11-20' };
const LAST_MONTH = { from: '2026-10-01', to: '2026-10-31' };

let db: TestDatabase;
let fake: FakeSlack;
let config: Config;
/** what Slack's response_url received (slow /csi answers, failures after the ack) */
let responses: RecordedResponse[] = [];
let responseServer: ResponseRecorder;
let responseBase: string;

const ROLES: Record<string, Role> = { U0LEAD: 'lead', U0AGENT: 'agent', U0DEV: 'developer' };

interface SlashApp {
  fastify: FastifyInstance;
  asked: AskRequest[];
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

const apps: SlashApp[] = [];

/** Fastify + our receiver + a Bolt App with the slash commands, over deps the test controls. */
async function slashApp(opts: { config?: Partial<Config>; ask?: (r: AskRequest) => Promise<'queued' | 'duplicate'>; ackBudgetMs?: number } = {}): Promise<SlashApp> {
  const { logger, lines } = capturingLogger();
  const asked: AskRequest[] = [];
  const seen = new Set<string>();
  const deps: SlackDeps = {
    pool: db.pool,
    // slash commands never ask the assistant themselves: /pulse ask goes through deps.ask
    assistant: { modelName: 'unused', ask: () => Promise.reject(new Error('slash commands must queue questions, not ask directly')) },
    config: { ...config, ...opts.config },
    logger,
    now: () => NOW,
    callerOf: (user): Promise<Caller> => Promise.resolve({ role: ROLES[user] ?? 'agent', name: user }),
    ask:
      opts.ask ??
      ((r) => {
        asked.push(r);
        const dup = seen.has(r.key);
        seen.add(r.key);
        return Promise.resolve(dup ? 'duplicate' : 'queued');
      }),
  };
  const receiver = new FastifyReceiver({ signingSecret: SIGNING_SECRET, ackTimeoutMs: WAIT_MS, now: slackClock });
  const app = new App({ token: BOT_TOKEN, receiver, logger: boltLogger(logger), clientOptions: { slackApiUrl: fake.apiUrl } });
  // The real budget (2 s) would turn a lookup slowed by a loaded machine into "Working on it…";
  // the tests of the inline answer use a failing test's deadline instead, and the deferred path
  // has its own test with a budget of 0.
  registerSlashCommands(app, deps, { ackBudgetMs: opts.ackBudgetMs ?? WAIT_MS });
  const fastify = Fastify();
  await fastify.register(receiver.plugin);
  await fastify.ready();
  const s = { fastify, asked, lines, close: () => fastify.close() };
  apps.push(s);
  return s;
}

let seq = 0;
/** A slash command as Slack posts it (https://docs.slack.dev/interactivity/implementing-slash-commands). */
function commandForm(command: string, text: string, o: { user?: string; triggerId?: string } = {}): { form: string; triggerId: string; responseUrl: string } {
  const triggerId = o.triggerId ?? `${++seq}.1764500000.trigger${seq}`;
  const responseUrl = `${responseBase}/commands/T0FAKE/${seq}/hook`;
  const form = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: BOT.teamId,
    team_domain: 'fake',
    channel_id: 'C0ANALYTICS',
    channel_name: 'analytics',
    user_id: o.user ?? 'U0LEAD',
    user_name: 'lead',
    command,
    text,
    api_app_id: 'A0FAKE',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: triggerId,
  }).toString();
  return { form, triggerId, responseUrl };
}

interface Ack {
  status: number;
  body: { response_type?: string; text?: string; blocks?: Block[] };
}
interface Block {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { text?: string }[];
}

async function slash(s: SlashApp, command: string, text: string, o: { user?: string; triggerId?: string } = {}): Promise<Ack & { triggerId: string; responseUrl: string }> {
  const { form, triggerId, responseUrl } = commandForm(command, text, o);
  const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
  const res = await s.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  const body = res.body ? (JSON.parse(res.body) as Ack['body']) : {};
  return { status: res.statusCode, body, triggerId, responseUrl };
}

/** "*CSI*\n72.4" fields of a section, by label. */
function fields(blocks: Block[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of blocks ?? []) for (const f of b.fields ?? []) {
    const m = /^\*(.+?)\*\n([\s\S]*)$/.exec(f.text);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}
const allText = (blocks: Block[] | undefined) => JSON.stringify(blocks ?? []);

const csiSql = async (d: { from: string; to: string }, extra = '', params: unknown[] = []) =>
  (
    await db.pool.query<{ csi: number | null; eff: number; effort: number; efficiency: number; empathy: number; n: number }>(
      `SELECT avg(da.csi) AS csi, avg(da.effectiveness) AS eff, avg(da.effort) AS effort, avg(da.efficiency) AS efficiency,
              avg(da.empathy) AS empathy, count(*)::int AS n
         FROM daily_analyses da JOIN conversations c ON c.id = da.conversation_id JOIN pages p ON p.id = c.page_id
        WHERE da.csi IS NOT NULL AND da.day BETWEEN $1::date AND $2::date ${extra}`,
      [d.from, d.to, ...params],
    )
  ).rows[0]!;

beforeAll(async () => {
  db = await createTestDatabase('slashcmd');
  await seedAndAnalyse(db.url, { conversations: 150, now: NOW, timeZone: TZ });
  fake = await startFakeSlack({ token: BOT_TOKEN });
  config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ });
  responseServer = await startResponseRecorder();
  responses = responseServer.responses;
  responseBase = responseServer.base;
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await responseServer?.close();
  await fake?.close();
  await db?.drop();
});

beforeEach(() => {
  responses.length = 0;
});

describe('/csi', () => {
  it('`/csi last week` answers at once, only to the asker, with the CSI of last week from daily_analyses', async () => {
    const s = await slashApp();
    const r = await slash(s, '/csi', 'last week');
    expect(r.status).toBe(200);
    expect(r.body.response_type).toBe('ephemeral');
    const e = await csiSql(LAST_WEEK);
    expect(e.n).toBeGreaterThan(10);
    const f = fields(r.body.blocks);
    expect(f.get('CSI')).toBe(e.csi!.toFixed(1));
    expect(f.get('Days scored')).toBe(e.n.toLocaleString('en-US'));
    expect(f.get('Effectiveness')).toBe(e.eff.toFixed(1));
    expect(f.get('Effort')).toBe(e.effort.toFixed(1));
    expect(f.get('Efficiency')).toBe(e.efficiency.toFixed(1));
    expect(f.get('Empathy')).toBe(e.empathy.toFixed(1));
    // the previous period is the week before, and the direction follows the change
    const before = await csiSql({ from: '2026-11-02', to: '2026-11-08' });
    const prevLabel = [...f.keys()].find((k) => k.startsWith('Previous'))!;
    expect(prevLabel).toBe('Previous (the week before (Mon 2 Nov – Sun 8 Nov 2026))');
    expect(f.get(prevLabel)).toBe(before.csi!.toFixed(1));
    const change = Number((e.csi! - before.csi!).toFixed(1));
    expect(f.get('Change')).toBe(change > 0 ? `▲ +${change.toFixed(1)} (up)` : change < 0 ? `▼ ${change.toFixed(1)} (down)` : '0.0 (unchanged)');
    // title and context: period and timezone
    expect(r.body.blocks![0]!.text!.text).toBe('*CSI last week (Mon 9 Nov – Sun 15 Nov 2026)*');
    const context = r.body.blocks!.find((b) => b.type === 'context')!;
    expect(context.elements![0]!.text).toContain(`times in ${TZ}`);
    expect(r.body.text).toContain(e.csi!.toFixed(1));
  });

  it('`/csi last week public` posts the same answer in the channel', async () => {
    const s = await slashApp();
    const r = await slash(s, '/csi', 'last week public');
    expect(r.body.response_type).toBe('in_channel');
    expect(fields(r.body.blocks).get('CSI')).toBe((await csiSql(LAST_WEEK)).csi!.toFixed(1));
  });

  it('without a period it is the last 7 days', async () => {
    const s = await slashApp();
    const r = await slash(s, '/csi', '');
    expect(r.body.blocks![0]!.text!.text).toMatch(/^\*CSI last 7 days \(Sat 14 Nov – Fri 20 Nov 2026\)\*$/);
    expect(fields(r.body.blocks).get('CSI')).toBe((await csiSql(LAST_7_DAYS)).csi!.toFixed(1));
  });

  it('for a page, named in part and in either order', async () => {
    const s = await slashApp();
    const { rows } = await db.pool.query<{ id: number; name: string }>('SELECT id, name FROM pages ORDER BY name LIMIT 1');
    const page = rows[0]!;
    const e = await csiSql(LAST_MONTH, 'AND c.page_id = $3', [page.id]);
    const word = page.name.split(' ')[0]!;
    for (const text of [`last month ${word}`, `${page.name} last month`]) {
      const r = await slash(s, '/csi', text);
      expect(r.body.blocks![0]!.text!.text, text).toBe(`*CSI last month (October 2026) for ${page.name}*`);
      expect(fields(r.body.blocks).get('CSI'), text).toBe(e.csi!.toFixed(1));
      expect(fields(r.body.blocks).get('Days scored'), text).toBe(e.n.toLocaleString('en-US'));
    }
  });

  it('for an agent, by first name: the conversation-days on which that agent replied', async () => {
    const s = await slashApp();
    const { rows } = await db.pool.query<{ name: string }>(
      `SELECT agent_info->>'name' AS name FROM messages WHERE sender_kind = 'human_agent' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    const name = rows[0]!.name;
    const first = name.split(' ')[0]!;
    const e = await csiSql(
      LAST_MONTH,
      `AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = da.conversation_id AND m.sender_kind = 'human_agent'
          AND m.agent_info->>'name' = $3 AND (m.social_create_time AT TIME ZONE '${TZ}')::date = da.day)`,
      [name],
    );
    expect(e.n).toBeGreaterThan(0);
    const r = await slash(s, '/csi', `last month ${first}`);
    expect(r.body.blocks![0]!.text!.text).toBe(`*CSI last month (October 2026) for agent ${name}*`);
    expect(fields(r.body.blocks).get('CSI')).toBe(e.csi!.toFixed(1));
    expect(fields(r.body.blocks).get('Days scored')).toBe(String(e.n));
  });

  it('a period without data says so instead of showing zero', async () => {
    const s = await slashApp();
    const r = await slash(s, '/csi', '2020-01-01 to 2020-03-31');
    expect(r.body.response_type).toBe('ephemeral');
    expect(r.body.text).toMatch(/^No data for Wed 1 Jan – Tue 31 Mar 2020: nothing was recorded or scored in that period\.$/);
    expect(fields(r.body.blocks).size).toBe(0);
    expect(allText(r.body.blocks)).not.toMatch(/\b0\.0\b/);
  });

  it('a period or name it cannot read gets help with the reason, not an error', async () => {
    const s = await slashApp();
    for (const text of ['lsat week', 'last week Nowhere Shop']) {
      const r = await slash(s, '/csi', text);
      expect(r.status).toBe(200);
      expect(r.body.response_type).toBe('ephemeral');
      const name = text === 'lsat week' ? 'lsat week' : 'Nowhere Shop';
      expect(r.body.blocks![0]!.text!.text).toContain(`I could not read "${name}" as a period, a page or an agent`);
      expect(r.body.blocks![0]!.text!.text).toContain('pages: ');
      expect(allText(r.body.blocks)).toContain('/pulse ask');
    }
  });

  it('a workspace minimum role refuses callers below it, politely and only to them', async () => {
    const s = await slashApp({ config: { assistantMinRole: 'lead' } });
    const refused = await slash(s, '/csi', 'last week', { user: 'U0AGENT' });
    expect(refused.body.response_type).toBe('ephemeral');
    expect(refused.body.text).toBe('Sorry, this workspace limits analytics questions to team leads and admins; you are a support agent. An admin can change your role.');
    const lead = await slash(s, '/csi', 'last week', { user: 'U0LEAD' });
    expect(fields(lead.body.blocks).get('CSI')).toBe((await csiSql(LAST_WEEK)).csi!.toFixed(1));
  });

  it('when the lookup is slower than the ack budget: "Working on it…" at once, the answer through response_url', async () => {
    const s = await slashApp({ ackBudgetMs: 0 });
    const r = await slash(s, '/csi', 'last week public');
    expect(r.body).toMatchObject({ response_type: 'ephemeral', text: 'Working on it…' });
    await expect.poll(() => responses.length).toBe(1);
    expect(responses[0]!.path).toBe(new URL(r.responseUrl).pathname);
    const late = responses[0]!.body as Ack['body'];
    expect(late.response_type).toBe('in_channel');
    expect(fields(late.blocks).get('CSI')).toBe((await csiSql(LAST_WEEK)).csi!.toFixed(1));
  });

  it('`/csi help` is the help', async () => {
    const s = await slashApp();
    const r = await slash(s, '/csi', 'help');
    expect(r.body.response_type).toBe('ephemeral');
    expect(r.body.blocks![0]!.type).toBe('header');
    expect(allText(r.body.blocks)).toContain('Summarise conversation 42 (team leads, QA reviewers and admins)');
  });

  it('reads periods and names apart, wherever they stand', () => {
    const p = (t: string) => {
      const a = parseCsiArgs(t, NOW, TZ);
      return { from: a.period.from, to: a.period.to, given: a.periodGiven, subject: a.subject, public: a.public };
    };
    expect(p('last week')).toEqual({ ...LAST_WEEK, given: true, subject: undefined, public: false });
    expect(p('Oakhaven last week public')).toEqual({ ...LAST_WEEK, given: true, subject: 'Oakhaven', public: true });
    expect(p('2026-10-01 to 2026-10-31 Noah')).toEqual({ ...LAST_MONTH, given: true, subject: 'Noah', public: false });
    expect(p('PUBLIC')).toEqual({ ...LAST_7_DAYS, given: false, subject: undefined, public: true });
    expect(p('lsat week')).toEqual({ ...LAST_7_DAYS, given: false, subject: 'lsat week', public: false });
    expect(p('last 30 days Oakhaven Furniture')).toEqual({ from: '2026-10-22', to: '2026-11-20', given: true, subject: 'Oakhaven Furniture', public: false });
  });
});

describe('/pulse', () => {
  it.each([['help'], [''], ['foo'], ['ask']])('`/pulse %s` gets help (ephemeral Block Kit), never an error', async (text) => {
    const s = await slashApp();
    const r = await slash(s, '/pulse', text);
    expect(r.status).toBe(200);
    expect(r.body.response_type).toBe('ephemeral');
    const all = allText(r.body.blocks);
    expect(all).toContain('/pulse ask &lt;question&gt;');
    expect(all).toContain('/pulse help');
    expect(all).toContain('/csi [period] [page|agent] [public]');
    expect(all).toContain('What was the CSI last week?');
    // role administration (issue 6): offered; its own tests are in slack-role.test.ts
    expect(all).toContain('/pulse role @user &lt;role&gt;');
    const head = r.body.blocks![0]!;
    if (text === 'help' || text === '') expect(head.type).toBe('header');
    else if (text === 'ask') expect(head.text!.text).toContain('Ask a question after `ask`');
    else expect(head.text!.text).toContain(`I don't know \`/pulse ${text.split(' ')[0]}\``);
    expect(s.asked).toHaveLength(0);
  });

  it('`/pulse ask <question>` acks at once and queues the question once, with a key for this invocation', async () => {
    const s = await slashApp();
    const r = await slash(s, '/pulse', 'ask   What was the CSI last week?');
    expect(r.status).toBe(200);
    expect(r.body.response_type).toBe('ephemeral');
    expect(r.body.text).toMatch(/^Working on it… _What was the CSI last week\?_$/);
    expect(s.asked).toEqual([
      {
        key: commandKey({ team_id: BOT.teamId, trigger_id: r.triggerId }),
        team: BOT.teamId,
        channel: 'C0ANALYTICS',
        user: 'U0LEAD',
        text: 'What was the CSI last week?',
        responseUrl: r.responseUrl,
      },
    ]);
    expect(s.asked[0]!.key).toBe(`command:${BOT.teamId}:${r.triggerId}`);
    // the same invocation delivered again carries the same key: deps.ask (durable) answers it once
    await slash(s, '/pulse', 'ask What was the CSI last week?', { triggerId: r.triggerId });
    expect(s.asked.map((a) => a.key)).toEqual([s.asked[0]!.key, s.asked[0]!.key]);
    expect(s.lines.some((l) => l.msg === 'slack: repeated /pulse ask ignored')).toBe(true);
    // a new invocation with the same words is a new question
    const again = await slash(s, '/pulse', 'ask What was the CSI last week?');
    expect(s.asked.at(-1)!.key).toBe(`command:${BOT.teamId}:${again.triggerId}`);
  });

  it('a question that cannot be queued is logged and the asker told so through response_url', async () => {
    const s = await slashApp({ ask: () => Promise.reject(new Error('database is down')) });
    const r = await slash(s, '/pulse', 'ask How fast do we reply?');
    expect(r.body.text).toMatch(/^Working on it…/);
    await expect.poll(() => responses.length).toBe(1);
    expect(responses[0]!.body).toMatchObject({ response_type: 'ephemeral', text: 'Sorry, I could not take your question just now. Please ask again in a minute.' });
    expect(s.lines.some((l) => l.msg === 'slack: queueing /pulse ask failed' && l.level === 50)).toBe(true);
  });
});

describe('as the service composes it', () => {
  let opened: OpenAssistant;
  let h: Harness;
  beforeAll(async () => {
    opened = await openAssistant(config, db.url, { pool: db.pool, now: () => NOW });
    h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
  });
  afterAll(async () => {
    await h?.close();
    await opened?.close();
  });

  const viaService = async (text: string) => {
    const { form } = commandForm('/csi', text);
    const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
    const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
    expect(res.statusCode).toBe(200);
    return JSON.parse(res.body) as Ack['body'];
  };

  it('`/csi last week` through build() and startSlack answers with the right number', async () => {
    // The service runs on the suite's clock (TEST_NOW), the data was seeded around NOW: the answer
    // must match SQL for the period that clock calls "last week"…
    const body = await viaService('last week');
    expect(body.response_type).toBe('ephemeral');
    const period = parseCsiArgs('last week', slackClock(), TZ).period;
    const e = await csiSql(period);
    if (e.n === 0) expect(body.text).toMatch(/^No data for last week/);
    else expect(fields(body.blocks).get('CSI')).toBe(e.csi!.toFixed(1));
    // …and the same week named by its dates gives the seeded week's number, in the channel when asked
    const dated = await viaService(`${LAST_WEEK.from} to ${LAST_WEEK.to} public`);
    expect(dated.response_type).toBe('in_channel');
    expect(fields(dated.blocks).get('CSI')).toBe((await csiSql(LAST_WEEK)).csi!.toFixed(1));
  });
});
