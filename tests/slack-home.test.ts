import { App } from '@slack/bolt';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CsiLookupResult, QaQueueResult, SupportStatsResult } from '../src/db/read/index.ts';
import { boltLogger } from '../src/bots/slack/app.ts';
import type { SlackDeps } from '../src/bots/slack/deps.ts';
import { clockTime, homeView, waited, type HomeKpis } from '../src/bots/slack/home-blocks.ts';
import { registerAppHome } from '../src/bots/slack/home.ts';
import { FastifyReceiver } from '../src/bots/slack/receiver.ts';
import { loadConfig, type Config } from '../src/config.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import { periodBetween } from '../src/domain/periods.ts';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { seedAndAnalyse } from './helpers/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack, type RecordedCall } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, capturingLogger, signed, slackClock, startHarness } from './helpers/slack-harness.ts';

// App Home: app_home_opened (signed, through our receiver into a real Bolt App) → views.publish
// on the fake Slack with the KPI summary; numbers checked against SQL. The block builder is
// also tested on its own for formatting and the "no data" cases.

// Fri 20 Nov 2026, 13:00 in Berlin
const NOW = new Date('2026-11-20T12:00:00Z');
const TZ = 'Europe/Berlin';
const THIS_WEEK = { from: '2026-11-16', to: '2026-11-22' };
const LAST_WEEK = { from: '2026-11-09', to: '2026-11-15' };

interface Block {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { text?: string }[];
}

/** The fields of the section whose title starts with `title`, by label. */
function sectionFields(blocks: Block[], title: string): Map<string, string> {
  const b = blocks.find((x) => x.type === 'section' && x.text?.text.startsWith(title));
  expect(b, `section ${title}`).toBeDefined();
  const out = new Map<string, string>();
  for (const f of b!.fields ?? []) {
    const m = /^\*(.+?)\*\n([\s\S]*)$/.exec(f.text);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}
const contexts = (blocks: Block[]) => blocks.filter((b) => b.type === 'context').map((b) => b.elements?.[0]?.text ?? '');

// ── the pure builder ────────────────────────────────────────────────────────────────────────

const values = (csi: number | null, days: number, display: string): CsiLookupResult['current'] => ({
  csi, effectiveness: csi === null ? null : 7.25, effort: csi === null ? null : 6.04, efficiency: csi === null ? null : 8.5, empathy: csi === null ? null : 5.96, days,
  display: csi === null
    ? { csi: 'no data', effectiveness: 'no data', effort: 'no data', efficiency: 'no data', empathy: 'no data', days: '0' }
    : { csi: display, effectiveness: '7.3', effort: '6.0', efficiency: '8.5', empathy: '6.0', days: days.toLocaleString('en-US') },
});

function kpis(o: { current?: CsiLookupResult['current']; previous?: CsiLookupResult['previousValues']; change?: CsiLookupResult['change']; stats?: Partial<SupportStatsResult>; qa?: QaQueueResult } = {}): HomeKpis {
  const period = { ...periodBetween(THIS_WEEK.from, THIS_WEEK.to), label: 'this week (Mon 16 Nov – Sun 22 Nov 2026)' };
  const previous = { ...periodBetween(LAST_WEEK.from, LAST_WEEK.to), label: 'last week (Mon 9 Nov – Sun 15 Nov 2026)' };
  return {
    csi: {
      period, previous, filters: {},
      current: o.current ?? values(72.44, 1234, '72.4'),
      previousValues: o.previous ?? values(70.1, 900, '70.1'),
      change: o.change ?? { csi: 2.34, display: '+2.3' },
      definition: '',
    },
    stats: {
      period, timezone: TZ, filters: {}, definitions: {},
      volumes: { conversations: 1204, messages: 15321, customerMessages: 7001, conversationDays: 1500, display: { conversations: '1,204', messages: '15,321', customerMessages: '7,001', conversationDays: '1,500' } },
      responseTimes: { firstResponseP50: 130, firstResponseP90: 3900, avgResponseP50: 60, days: 800, display: { firstResponseP50: '2 min 10 s', firstResponseP90: '1 h 5 min', avgResponseP50: '1 min' } },
      sessions: { total: 400, aiEngaged: 380, contained: 250, handoff: 120, botContainmentRate: 0.625, handoffRate: 0.3, display: { total: '400', botContainmentRate: '62.5%', handoffRate: '30.0%' } },
      ...o.stats,
    },
    qa: o.qa ?? {
      waiting: 12, byStatus: { unchecked: 12, passed: 3, issue: 1, fixed: 0 }, display: { waiting: '12' },
      oldest: [{ sessionId: 77, conversationId: 5, startedAt: '2026-11-17T08:15:00Z', page: 'Oakhaven Furniture' }],
    },
    timeZone: TZ,
    updatedAt: NOW,
  };
}

describe('the Home view builder', () => {
  it('shows the KPIs formatted as the assistant formats them', () => {
    const v = homeView(kpis());
    expect(v.type).toBe('home');
    const blocks = v.blocks as Block[];
    expect(blocks.length).toBeLessThanOrEqual(100);
    expect(Object.fromEntries(sectionFields(blocks, '*Customer Satisfaction Index*'))).toEqual({
      'This week': '72.4', 'Last week': '70.1', Change: '▲ +2.3 (up)', 'Days scored this week': '1,234',
    });
    expect(Object.fromEntries(sectionFields(blocks, '*Pillars'))).toEqual({ Effectiveness: '7.3', Effort: '6.0', Efficiency: '8.5', Empathy: '6.0' });
    expect(Object.fromEntries(sectionFields(blocks, '*Volume'))).toEqual({ Conversations: '1,204', Messages: '15,321 (7,001 from customers)' });
    expect(Object.fromEntries(sectionFields(blocks, '*Response times'))).toEqual({ 'First response, median': '2 min 10 s', 'First response, 90th percentile': '1 h 5 min' });
    expect(Object.fromEntries(sectionFields(blocks, '*Bot'))).toEqual({ 'Bot containment': '62.5%', 'Handoff rate': '30.0%', Sessions: '400' });
    // oldest waiting on the business clock (08:15Z is 09:15 in Berlin), and for how long
    expect(Object.fromEntries(sectionFields(blocks, '*QA backlog*'))).toEqual({
      'Waiting for QA (unchecked)': '12', 'Oldest waiting': '2026-11-17 09:15 (3 days ago), session 77',
    });
    expect(contexts(blocks)[0]).toBe(
      `This week: this week (Mon 16 Nov – Sun 22 Nov 2026) · last week: last week (Mon 9 Nov – Sun 15 Nov 2026) · times in ${TZ} · updated 13:00`,
    );
  });

  it('says "no data" for a week without scores or activity, never zero, and drops the pillars', () => {
    const blocks = homeView(
      kpis({
        current: values(null, 0, ''),
        change: { csi: null, display: 'no data' },
        stats: {
          volumes: { conversations: 0, messages: 0, customerMessages: 0, conversationDays: 0, display: { conversations: '0', messages: '0', customerMessages: '0', conversationDays: '0' } },
          responseTimes: { firstResponseP50: null, firstResponseP90: null, avgResponseP50: null, days: 0, display: { firstResponseP50: 'no data', firstResponseP90: 'no data', avgResponseP50: 'no data' } },
          sessions: { total: 0, aiEngaged: 0, contained: 0, handoff: 0, botContainmentRate: null, handoffRate: null, display: { total: '0', botContainmentRate: 'no data', handoffRate: 'no data' } },
        },
        qa: { waiting: 0, byStatus: { unchecked: 0, passed: 0, issue: 0, fixed: 0 }, oldest: [], display: { waiting: '0' } },
      }),
    ).blocks as Block[];
    expect(Object.fromEntries(sectionFields(blocks, '*Customer Satisfaction Index*'))).toEqual({
      'This week': 'no data', 'Last week': '70.1', Change: 'no data', 'Days scored this week': '0',
    });
    expect(blocks.some((b) => b.text?.text.startsWith('*Pillars'))).toBe(false);
    expect([...sectionFields(blocks, '*Volume').values()]).toEqual(['no data', 'no data']);
    expect([...sectionFields(blocks, '*Response times').values()]).toEqual(['no data', 'no data']);
    expect([...sectionFields(blocks, '*Bot').values()]).toEqual(['no data', 'no data', 'no data']);
    // an empty backlog is a real zero, and says nothing is waiting
    expect(Object.fromEntries(sectionFields(blocks, '*QA backlog*'))).toEqual({ 'Waiting for QA (unchecked)': '0', 'Oldest waiting': 'nothing waiting' });
  });

  it('words the direction of the change', () => {
    const field = (change: CsiLookupResult['change']) => sectionFields(homeView(kpis({ change })).blocks as Block[], '*Customer').get('Change');
    expect(field({ csi: -0.44, display: '-0.4' })).toBe('▼ -0.4 (down)');
    expect(field({ csi: 0.04, display: '0.0' })).toBe('0.0 (unchanged)');
    expect(field({ csi: -0.04, display: '0.0' })).toBe('0.0 (unchanged)');
  });

  it('formats waits and the clock', () => {
    expect(waited(59_000)).toBe('0 min');
    expect(waited(45 * 60_000)).toBe('45 min');
    expect(waited(5 * 3600_000 + 10 * 60_000)).toBe('5 h');
    expect(waited(47 * 3600_000)).toBe('47 h');
    expect(waited(3 * 86400_000 + 3600_000)).toBe('3 days');
    expect(clockTime(new Date('2026-11-20T23:05:00Z'), TZ)).toBe('00:05');
    expect(clockTime(new Date('2026-07-01T23:05:00Z'), 'UTC')).toBe('23:05');
  });

  it('escapes names that come from data', () => {
    const k = kpis();
    const v = homeView({ ...k, csi: { ...k.csi, period: { ...k.csi.period, label: '<!channel> week' } } });
    const text = JSON.stringify(v.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; week');
  });
});

// ── app_home_opened end to end ──────────────────────────────────────────────────────────────

let db: TestDatabase;
let fake: FakeSlack;
let config: Config;
const servers: FastifyInstance[] = [];

const ROLES: Record<string, Role> = { U0LEAD: 'lead', U0AGENT: 'agent' };

async function homeApp(opts: { config?: Partial<Config>; pool?: pg.Pool } = {}) {
  const { logger, lines } = capturingLogger();
  const deps: SlackDeps = {
    pool: opts.pool ?? db.pool,
    assistant: { modelName: 'unused', ask: () => Promise.reject(new Error('App Home reads the KPIs itself')) },
    config: { ...config, ...opts.config },
    logger,
    now: () => NOW,
    callerOf: (user): Promise<Caller> => Promise.resolve({ role: ROLES[user] ?? 'agent', name: user }),
    ask: () => Promise.reject(new Error('App Home queues no questions')),
  };
  const receiver = new FastifyReceiver({ signingSecret: SIGNING_SECRET, now: slackClock });
  const app = new App({ token: BOT_TOKEN, receiver, logger: boltLogger(logger), clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } } });
  registerAppHome(app, deps);
  const fastify = Fastify();
  await fastify.register(receiver.plugin);
  await fastify.ready();
  servers.push(fastify);
  return { fastify, lines };
}

let seq = 0;
function homeOpened(o: { user?: string; tab?: string } = {}): string {
  const eventTs = `${1764500000 + ++seq}.000100`;
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: BOT.teamId,
    api_app_id: 'A0FAKE',
    type: 'event_callback',
    event_id: `EvHOME${String(seq).padStart(6, '0')}`,
    event_time: Math.floor(slackClock().getTime() / 1000),
    authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
    event: { type: 'app_home_opened', user: o.user ?? 'U0LEAD', channel: 'D0HOME', tab: o.tab ?? 'home', event_ts: eventTs },
  });
}

async function open(fastify: FastifyInstance, o: { user?: string; tab?: string } = {}) {
  const req = signed(homeOpened(o));
  const res = await fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  return { status: res.statusCode };
}

const published = (user: string) => fake.waitFor('views.publish', (c: RecordedCall) => c.ok && c.args.user_id === user);
const blocksOf = (c: RecordedCall) => (c.args.view as { type: string; blocks: Block[] }).blocks;

async function csiSql(d: { from: string; to: string }) {
  const { rows } = await db.pool.query<{ csi: number; eff: number; effort: number; efficiency: number; empathy: number; n: number }>(
    `SELECT avg(csi) AS csi, avg(effectiveness) AS eff, avg(effort) AS effort, avg(efficiency) AS efficiency, avg(empathy) AS empathy, count(*)::int AS n
       FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN $1::date AND $2::date`,
    [d.from, d.to],
  );
  return rows[0]!;
}

const DURATION = /^(?:\d+ h(?: [1-5]?\d min)?|[1-5]?\d min(?: [1-5]?\d s)?|[1-5]?\d s)$/;

describe('app_home_opened', () => {
  beforeAll(async () => {
    db = await createTestDatabase('slackhome');
    await seedAndAnalyse(db.url, { conversations: 150, now: NOW, timeZone: TZ });
    fake = await startFakeSlack({ token: BOT_TOKEN });
    config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await fake?.close();
    await db?.drop();
  });
  beforeEach(() => fake.reset());

  it('publishes the Home tab with the KPI summary: this week’s CSI against last week’s, from daily_analyses', async () => {
    const { fastify } = await homeApp();
    const r = await open(fastify);
    expect(r.status).toBe(200);
    const call = await published('U0LEAD');
    expect((call.args.view as { type: string }).type).toBe('home');
    const blocks = blocksOf(call);

    const thisWeek = await csiSql(THIS_WEEK);
    const lastWeek = await csiSql(LAST_WEEK);
    expect(thisWeek.n).toBeGreaterThan(10);
    const csi = sectionFields(blocks, '*Customer Satisfaction Index*');
    expect(csi.get('This week')).toBe(thisWeek.csi.toFixed(1));
    expect(csi.get('Last week')).toBe(lastWeek.csi.toFixed(1));
    expect(csi.get('Days scored this week')).toBe(thisWeek.n.toLocaleString('en-US'));
    const change = Number((thisWeek.csi - lastWeek.csi).toFixed(1));
    expect(csi.get('Change')).toBe(change > 0 ? `▲ +${change.toFixed(1)} (up)` : change < 0 ? `▼ ${change.toFixed(1)} (down)` : '0.0 (unchanged)');
    expect(Object.fromEntries(sectionFields(blocks, '*Pillars'))).toEqual({
      Effectiveness: thisWeek.eff.toFixed(1), Effort: thisWeek.effort.toFixed(1), Efficiency: thisWeek.efficiency.toFixed(1), Empathy: thisWeek.empathy.toFixed(1),
    });

    // volumes: messages with a timestamp in this week on the Berlin clock
    const { rows: vol } = await db.pool.query<{ conversations: number; messages: number }>(
      `SELECT count(DISTINCT conversation_id)::int AS conversations, count(*)::int AS messages FROM messages
        WHERE social_create_time >= ($1::date::timestamp AT TIME ZONE '${TZ}') AND social_create_time < (($2::date + 1)::timestamp AT TIME ZONE '${TZ}')`,
      [THIS_WEEK.from, THIS_WEEK.to],
    );
    const volume = sectionFields(blocks, '*Volume');
    expect(volume.get('Conversations')).toBe(vol[0]!.conversations.toLocaleString('en-US'));
    expect(volume.get('Messages')).toMatch(new RegExp(`^${vol[0]!.messages.toLocaleString('en-US')} \\([\\d,]+ from customers\\)$`));
    for (const v of sectionFields(blocks, '*Response times').values()) expect(v).toMatch(DURATION);
    for (const v of [...sectionFields(blocks, '*Bot').values()].slice(0, 2)) expect(v).toMatch(/^\d+\.\d%$/);

    // the QA backlog: unchecked AI sessions, the oldest first
    const { rows: qa } = await db.pool.query<{ n: number; oldest: number }>(
      `SELECT count(*)::int AS n, (array_agg(id ORDER BY started_at, id))[1] AS oldest FROM sessions WHERE ai_engaged AND qa_status = 'unchecked'`,
    );
    const backlog = sectionFields(blocks, '*QA backlog*');
    expect(backlog.get('Waiting for QA (unchecked)')).toBe(qa[0]!.n.toLocaleString('en-US'));
    if (qa[0]!.n > 0) expect(backlog.get('Oldest waiting')).toMatch(new RegExp(`ago\\), session ${qa[0]!.oldest}$`));

    expect(contexts(blocks)[0]).toMatch(new RegExp(`^This week: this week \\(Mon 16 Nov – Sun 22 Nov 2026\\) · last week: last week \\(Mon 9 Nov – Sun 15 Nov 2026\\) · times in ${TZ} · updated 13:00$`));
  });

  it('publishes nothing for the Messages tab', async () => {
    const { fastify } = await homeApp();
    await open(fastify, { tab: 'messages' });
    // The Home tab opened after it is published: a view for the Messages tab would be there too.
    await open(fastify, { tab: 'home' });
    await published('U0LEAD');
    expect(fake.callsTo('views.publish')).toHaveLength(1);
  });

  it('a caller below the workspace minimum role sees why, not the numbers', async () => {
    const { fastify } = await homeApp({ config: { assistantMinRole: 'lead' } });
    await open(fastify, { user: 'U0AGENT' });
    const text = JSON.stringify(blocksOf(await published('U0AGENT')));
    expect(text).toContain('this workspace limits analytics questions to team leads and admins; you are a support agent.');
    expect(text).not.toContain('Customer Satisfaction Index');
  });

  it('a failed read is logged and shown on the tab; a failed publish is logged; the listener keeps working', async () => {
    const broken = { query: () => Promise.reject(new Error('connection terminated')) } as unknown as pg.Pool;
    const bad = await homeApp({ pool: broken });
    expect((await open(bad.fastify)).status).toBe(200);
    const errorView = JSON.stringify(blocksOf(await published('U0LEAD')));
    expect(errorView).toContain('the numbers could not be loaded just now');
    await expect.poll(() => bad.lines.some((l) => l.msg === 'slack: reading the App Home KPIs failed' && l.level === 50)).toBe(true);

    fake.reset();
    const good = await homeApp();
    fake.failNext('views.publish', { status: 200, error: 'internal_error' });
    expect((await open(good.fastify)).status).toBe(200);
    await expect.poll(() => good.lines.some((l) => l.msg === 'slack: views.publish failed' && l.level === 50)).toBe(true);
    // the next opening is served as usual
    await open(good.fastify);
    expect(sectionFields(blocksOf(await published('U0LEAD')), '*Customer Satisfaction Index*').get('This week')).toBe((await csiSql(THIS_WEEK)).csi.toFixed(1));
  });

  it('as the service composes it (build() and startSlack): views.publish with the KPI blocks', async () => {
    const opened: OpenAssistant = await openAssistant(config, db.url, { pool: db.pool, now: () => NOW });
    const h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
    try {
      expect((await open(h.fastify, { user: 'U0LEAD' })).status).toBe(200);
      const blocks = blocksOf(await published('U0LEAD'));
      // the service reads on the real clock; the figures are this real week's (possibly "no data")
      const csi = sectionFields(blocks, '*Customer Satisfaction Index*');
      expect(csi.get('This week')).toMatch(/^(?:\d+\.\d|no data)$/);
      expect(sectionFields(blocks, '*QA backlog*').get('Waiting for QA (unchecked)')).toMatch(/^[\d,]+$/);
      expect(contexts(blocks)[0]).toMatch(new RegExp(`times in ${TZ} · updated \\d\\d:\\d\\d$`));
    } finally {
      await h.close();
      await opened.close();
    }
  });
});
