import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerAgent } from '../src/agents/customer/agent.ts';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { createMessengerSender } from '../src/bots/messenger/send-api.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import { brandSettings } from '../src/cli/page-command.ts';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_OUT_OF_HOURS, isOpen, nextOpening, openingWords, outOfHoursNotice, parseBusinessHours } from '../src/domain/business-hours.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';
import { messengerPools, type TestMessengerPools } from './helpers/root.ts';
import { eventually } from './helpers/slack-harness.ts';

// Business hours per page and the out-of-hours answer (issue 19, point 6): the rule in
// src/domain/business-hours.ts at fixed clocks, then a handoff through the signed webhook, the
// reply worker and the customer agent to the fake Graph API, with the agent's clock pinned to a
// Saturday evening.

const hours = (text: string) => {
  const p = parseBusinessHours(text);
  if (!p.ok) throw new Error(p.reason);
  return p.hours;
};

describe('the rule', () => {
  const WEEK = hours('mon-fri 09:00-12:30 13:30-18:00; sat 10:00-14:00');

  it('parses days as ranges and lists, several ranges a day, and refuses what it cannot read', () => {
    expect(WEEK[0]).toEqual([[540, 750], [810, 1080]]);
    expect(WEEK[5]).toEqual([[600, 840]]);
    expect(WEEK[6]).toEqual([]);
    expect(hours('fri-mon 08:00-24:00')[6]).toEqual([[480, 1440]]);
    expect(hours('mon,wed 09:00-10:00')[2]).toEqual([[540, 600]]);
    for (const bad of ['', 'weekdays 09:00-18:00', 'mon-fri', 'mon-fri 18:00-09:00', 'mon 9-17', 'mon 09:00-25:00']) {
      expect(parseBusinessHours(bad).ok, bad).toBe(false);
    }
  });

  it('is open or closed in the page\'s timezone, and says when people are back', () => {
    // Wednesday 25 Nov 2026, 14:30 UTC = 15:30 in Paris, 09:30 in New York
    const wed = new Date('2026-11-25T14:30:00Z');
    expect(isOpen(WEEK, wed, 'Europe/Paris')).toBe(true);
    expect(isOpen(WEEK, new Date('2026-11-25T11:45:00Z'), 'Europe/Paris')).toBe(false); // 12:45, the lunch break
    expect(openingWords(nextOpening(WEEK, new Date('2026-11-25T11:45:00Z'), 'Europe/Paris')!)).toBe('today at 13:30');
    expect(openingWords(nextOpening(WEEK, new Date('2026-11-25T17:10:00Z'), 'Europe/Paris')!)).toBe('tomorrow at 09:00');
    // Saturday 28 Nov, 21:00 in Paris: back on Monday
    expect(openingWords(nextOpening(WEEK, new Date('2026-11-28T20:00:00Z'), 'Europe/Paris')!)).toBe('on Monday at 09:00');
    // early on a Monday, before opening
    expect(openingWords(nextOpening(WEEK, new Date('2026-11-30T06:00:00Z'), 'Europe/Paris')!)).toBe('today at 09:00');
  });

  it('the notice: none without hours or when open; the page\'s text with {{when}}, else the default', () => {
    const sat = new Date('2026-11-28T20:00:00Z');
    expect(outOfHoursNotice({ hours: null, timeZone: 'UTC', text: null }, sat)).toBeUndefined();
    expect(outOfHoursNotice({ hours: 'mon-sun 08:00-23:00', timeZone: 'Europe/Paris', text: null }, sat)).toBeUndefined();
    expect(outOfHoursNotice({ hours: 'mon-fri 09:00-18:00', timeZone: 'Europe/Paris', text: null }, sat)).toBe(DEFAULT_OUT_OF_HOURS.replace('{{when}}', 'on Monday at 09:00'));
    expect(outOfHoursNotice({ hours: 'mon-fri 09:00-18:00', timeZone: 'Europe/Paris', text: 'Wir sind {{ when }} zurück.' }, sat)).toBe('Wir sind on Monday at 09:00 zurück.');
  });

  it('pulse page set checks --hours and --timezone before storing them; "" clears', () => {
    expect(brandSettings({ hours: 'mon-fri 09:00-18:00', timezone: 'Europe/Paris', outOfHoursText: 'Back {{when}}.' }))
      .toEqual({ businessHours: 'mon-fri 09:00-18:00', hoursTimezone: 'Europe/Paris', outOfHoursText: 'Back {{when}}.' });
    expect(brandSettings({ hours: '', timezone: '' })).toEqual({ businessHours: null, hoursTimezone: null });
    expect(() => brandSettings({ hours: 'weekdays 9-5' })).toThrow(/--hours: "weekdays" is not a day/);
    expect(() => brandSettings({ timezone: 'Mars/Olympus' })).toThrow(/unknown timezone/);
  });
});

const SECRET = 'hours-app-secret-7c1';
const PAGES = { closed: '1090000000301', open: '1090000000302', custom: '1090000000303' } as const;
const TOKEN = (page: string) => `EAAG-hours-${page}`;
/** Saturday 28 Nov 2026, 20:00 UTC: 21:00 in Paris, 15:00 in New York. */
const SATURDAY_EVENING = new Date('2026-11-28T20:00:00Z');

describe('a handoff outside the page\'s hours, through the webhook, the worker and the Send API', () => {
  let db: TestDatabase;
  let graph: FakeGraph;
  let messenger: MessengerService;
  let app: FastifyInstance;
  let mpools: TestMessengerPools | undefined;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase('hours');
    const page = (fb: string, name: string, h: string | null, tz: string | null, text: string | null) =>
      db.pool.query(`INSERT INTO pages (fb_page_id, name, business_hours, hours_timezone, out_of_hours_text, updated_at) VALUES ($1, $2, $3, $4, $5, now())`, [fb, name, h, tz, text]);
    await page(PAGES.closed, 'Paris Shop', 'mon-fri 09:00-18:00', 'Europe/Paris', null);
    await page(PAGES.open, 'Late Shop', 'mon-sun 08:00-23:00', 'Europe/Paris', null);
    await page(PAGES.custom, 'NY Shop', 'mon-fri 09:00-17:00', 'America/New_York', 'Our New York team is back {{when}} (New York time).');
    graph = await startFakeGraph({ tokens: Object.values(PAGES).map(TOKEN) });
    const config = loadConfig({
      MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_API_URL: graph.apiUrl, LOG_LEVEL: 'warn',
      MESSENGER_PAGE_TOKENS: Object.values(PAGES).map((p) => `${p}:${TOKEN(p)}`).join(','),
    });
    const logger = createLogger('silent');
    const sender = createMessengerSender({ pool: db.pool, config, logger });
    const agent = createCustomerAgent({ pool: db.pool, config, logger, now: () => SATURDAY_EVENING });
    messenger = await startMessenger({ config, pool: db.pool, pools: (mpools = messengerPools(db.url, 1)), materializerDatabaseUrl: db.url, logger, agent, sender, concurrency: 1 });
    app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin] });
  });

  afterAll(async () => {
    await app?.close();
    await messenger?.stop();
    await mpools?.end();
    await graph?.close();
    await db?.drop();
  });

  /** A customer's message on `page`; resolves with what the bot sent them. */
  async function askForAPerson(page: string): Promise<string> {
    const psid = `PSIDHOURS${++n}`;
    // Meta's own timestamps: the 24-hour window is the sender's, on the real clock
    const raw = JSON.stringify({
      object: 'page',
      entry: [{ id: page, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: page }, timestamp: Date.now(), message: { mid: `m_hours_${n}`, text: 'can I talk to a person?' } }] }],
    });
    const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(SECRET, raw) } });
    expect(res.statusCode).toBe(200);
    return eventually(async () => {
      const sent = graph.messages().find((c) => (c.body.recipient as { id: string }).id === psid && (c.body.message as { text?: string } | undefined)?.text);
      return sent ? (sent.body.message as { text: string }).text : undefined;
    }, `the answer on page ${page}`);
  }

  it('tells the customer when people are back (the default text, the page\'s own), and nothing more while open', async () => {
    const closed = await askForAPerson(PAGES.closed);
    expect(closed).toMatch(/getting a person from our team/);
    expect(closed.endsWith(`\n\n${DEFAULT_OUT_OF_HOURS.replace('{{when}}', 'on Monday at 09:00')}`)).toBe(true);

    const custom = await askForAPerson(PAGES.custom);
    expect(custom.endsWith('\n\nOur New York team is back on Monday at 09:00 (New York time).')).toBe(true);

    const open = await askForAPerson(PAGES.open);
    expect(open).toMatch(/getting a person from our team/);
    expect(open).not.toMatch(/back|not in right now/);

    // each was a handoff: the conversations wait for a person, each with its case
    await eventually(async () => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM handoff_cases WHERE resolved_at IS NULL`)).rows[0]!.n) === 3, 'three open cases');
  });
});
