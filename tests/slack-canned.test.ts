import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { HandoffDesk } from '../src/bots/messenger/types.ts';
import { seedTemplates } from '../src/db/templates-repo.ts';
import { DEFAULT_TEMPLATES } from '../src/domain/customer/templates.ts';
import type { TestDatabase } from './helpers/db.ts';
import { startDeskHarness, type DeskHarness } from './helpers/desk-harness.ts';
import type { FakeGraph } from './helpers/fake-graph.ts';
import { BOT } from './helpers/fake-slack.ts';
import type { ResponseRecorder } from './helpers/response-url.ts';
import { eventually, signed } from './helpers/slack-harness.ts';

// `/canned list|add|edit|remove` (issue 19, the desk) end to end: signed slash commands to
// POST /slack/events on the service's composition, answers read from the response URL, rows and
// audit_logs read back, and a changed response sent through the fake Graph API.

const DESK = 'C0HANDOFF'; // HANDOFF_CHANNEL: no page's own desk
const BRAND_DESK = 'C0ACMEDSK'; // Acme Shoes' own handoff channel
const PAGE = 'PAGE300';
const OTHER = 'PAGE301';
const PAGE_TOKEN = 'EAAG-page-token-300';
const USERS = { agent: 'U0CAGENT1', lead: 'U0CLEAD01', admin: 'U0CADMIN1' } as const;

let h: DeskHarness;
let db: TestDatabase;
let graph: FakeGraph;
let fastify: FastifyInstance;
let desk: HandoffDesk;
let responses: ResponseRecorder;
let pageId: number;
let seq = 0;

const q = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.pool.query(sql, params)).rows as T[];

async function post(body: string, contentType: string) {
  const req = signed(body, { contentType });
  return (await fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers })).statusCode;
}

/** `/canned <text>` typed by `user` in `channel`; resolves to the private answer's text. */
async function canned(user: string, text: string, channel = DESK): Promise<string> {
  const n = ++seq;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: channel, channel_name: 'desk', user_id: user, user_name: user.toLowerCase(),
    command: '/canned', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: `${responses.base}/commands/${n}`, trigger_id: `${n}.1764500000.cmd${n}`,
  }).toString();
  expect(await post(form, 'application/x-www-form-urlencoded')).toBe(200);
  const body = await eventually(async () => responses.responses.find((r) => r.path === `/commands/${n}`)?.body, `the answer to /canned ${text}`);
  return String(body.text);
}

const rows = () => q<{ page_id: number | null; name: string; category: string; body: string; message_type: string; active: boolean; variables: string[] }>(
  `SELECT page_id, name, category, body, message_type, active, variables FROM message_templates WHERE category <> 'bot' ORDER BY name, page_id NULLS FIRST`);
const audits = (prefix: string) => q<{ action: string; actor: string | null; target: string; details: Record<string, unknown> }>(
  `SELECT a.action, u.external_id AS actor, a.target, a.details FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id WHERE a.action LIKE $1 ORDER BY a.id`, [`${prefix}%`]);

beforeAll(async () => {
  h = await startDeskHarness({ name: 'canned', channel: DESK, page: PAGE, pageToken: PAGE_TOKEN, users: Object.entries(USERS).map(([role, id]) => [id, `${role} person`, role]) });
  ({ db, graph, responses, fastify, desk } = h);
  [{ id: pageId }] = await q<{ id: number }>(`INSERT INTO pages (fb_page_id, name, handoff_channel, updated_at) VALUES ($1, 'Acme Shoes', $2, now()) RETURNING id`, [PAGE, BRAND_DESK]) as [{ id: number }];
  await q(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ($1, 'Volt Electronics', now())`, [OTHER]);
  // the customer agent's own replies, as seeding leaves them: category 'bot'
  await seedTemplates(db.pool, DEFAULT_TEMPLATES);
});

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  h.reset();
});

describe('/canned add, list, edit, remove', () => {
  it('a lead adds a shared response with a category; an agent may not; list filters by category', async () => {
    const added = await canned(USERS.lead, 'add Shipping late_order Sorry {{first_name}}, your parcel is late &amp; on its way: <https://track.example/x|tracking>');
    expect(added).toMatch(/Added \*late_order\* \(category shipping\) shared by every page/);
    expect(await rows()).toEqual([{
      page_id: null, name: 'late_order', category: 'shipping', message_type: 'canned', active: true, variables: ['first_name'],
      body: 'Sorry {{first_name}}, your parcel is late & on its way: tracking (https://track.example/x)',
    }]);

    expect(await canned(USERS.agent, 'add general thanks Thank you!')).toMatch(/only team leads and admins/);
    expect(await canned(USERS.lead, 'add shipping late_order again')).toMatch(/already exists shared by every page .*\/canned edit late_order/);
    expect(await canned(USERS.admin, 'add general order_no Your order {{order_id}}')).toMatch(/\{\{order_id\}\} cannot be filled/);
    expect(await canned(USERS.admin, 'add bot hello Hello')).toMatch(/customer agent's own replies/);
    expect(await canned(USERS.admin, 'add general 7up Hello')).toMatch(/is not a name/);
    expect(await canned(USERS.admin, 'add general thanks Thank you, {{first_name}}!')).toMatch(/Added \*thanks\*/);
    expect((await rows()).map((r) => r.name)).toEqual(['late_order', 'thanks']);

    // agents list; the bot's own replies come last
    const all = await canned(USERS.agent, 'list');
    expect(all.indexOf('*general* (1)')).toBeGreaterThan(-1);
    expect(all.indexOf('*shipping* (1)')).toBeGreaterThan(all.indexOf('*general* (1)'));
    expect(all.indexOf(`*bot* (${DEFAULT_TEMPLATES.length})`)).toBeGreaterThan(all.indexOf('*shipping* (1)'));
    expect(all).toContain('late &amp; on its way');
    // the usage is escaped: Slack would read a bare <name> as markup
    expect(all).toContain('`/canned add &lt;category&gt; &lt;name&gt; &lt;text&gt;`');
    expect(all).not.toMatch(/<(name|text|category)>/);
    const shipping = await canned(USERS.agent, 'list shipping');
    expect(shipping).toContain('`late_order`');
    expect(shipping).not.toContain('`thanks`');

    const trail = await audits('canned.');
    expect(trail.map((a) => `${a.action}:${a.actor}`)).toEqual([`canned.add:${USERS.lead}`, `canned.add.refused:${USERS.agent}`, `canned.add:${USERS.admin}`]);
    expect(trail[0]!.details).toMatchObject({ name: 'late_order', category: 'shipping', pageId: null, body: expect.stringContaining('Sorry {{first_name}}') });
    expect(trail[0]!.target).toMatch(/^message_template:\d+$/);
  });

  it("in a page's own desk a change is the page's: edit words a shared response for that page only, and /canned sends the page's text", async () => {
    const edited = await canned(USERS.lead, 'edit late_order Acme here, {{first_name}}: your shoes are on their way.', BRAND_DESK);
    expect(edited).toMatch(/Changed \*late_order\* \(category shipping\) for Acme Shoes \(now worded for Acme Shoes only; other pages keep the shared text\)/);
    const late = (await rows()).filter((r) => r.name === 'late_order');
    expect(late.map((r) => [r.page_id, r.category, r.body.slice(0, 10)])).toEqual([[null, 'shipping', 'Sorry {{fi'], [pageId, 'shipping', 'Acme here,']]);
    // the page's desk lists its view; page:Volt lists the other page's (the shared text)
    expect(await canned(USERS.agent, 'list shipping', BRAND_DESK)).toMatch(/for Acme Shoes[\s\S]*Acme here/);
    expect(await canned(USERS.agent, `list page:${OTHER} shipping`, BRAND_DESK)).toMatch(/for Volt Electronics[\s\S]*Sorry \{\{first_name\}\}/);

    // a second edit changes the page's row, with before/after in the audit
    await canned(USERS.lead, 'edit late_order Acme: {{first_name}}, your shoes ship today.', BRAND_DESK);
    const [last] = (await audits('canned.edit')).slice(-1);
    expect(last!.details).toMatchObject({ before: 'Acme here, {{first_name}}: your shoes are on their way.', after: 'Acme: {{first_name}}, your shoes ship today.', pageId });

    // an agent sends it to a handed-off Acme customer: the page's text reaches Messenger
    const [cust] = await q<{ id: number }>(`INSERT INTO customers (page_id, psid, name, last_message_at) VALUES ($1, 'PSID3001', 'Rita Ray', now()) RETURNING id`, [pageId]);
    const [conv] = await q<{ id: number }>(`INSERT INTO conversations (fb_chat_id, page_id, customer_id, first_message_at, last_message_at, updated_at) VALUES ('t_3001', $1, $2, now(), now(), now()) RETURNING id`, [pageId, cust!.id]);
    await desk.open(conv!.id, 'human_request');
    const before = graph.messages().length;
    expect(await canned(USERS.agent, `late_order ${conv!.id}`, BRAND_DESK)).toMatch(/Sent \*late_order\*/);
    expect(graph.messages().slice(before).map((m) => m.body.message)).toEqual([expect.objectContaining({ text: 'Acme: Rita, your shoes ship today.' })]);
  });

  it('remove retires a response in its scope; the shared one needs page:shared; the bot\'s own replies stay', async () => {
    expect(await canned(USERS.lead, 'remove thanks', BRAND_DESK)).toMatch(/shared by every page; `\/canned remove page:shared thanks`/);
    expect(await canned(USERS.agent, 'remove page:shared thanks')).toMatch(/only team leads and admins/);
    expect(await canned(USERS.lead, 'remove page:shared thanks', BRAND_DESK)).toMatch(/Removed \*thanks\* \(category general\) shared by every page/);
    expect((await rows()).find((r) => r.name === 'thanks')).toMatchObject({ active: false });
    expect(await canned(USERS.agent, 'list')).not.toContain('`thanks`');
    expect(await canned(USERS.admin, 'remove greeting')).toMatch(/customer agent's own replies: reword it/);
    expect(await canned(USERS.admin, 'remove nothing_here')).toMatch(/no active response "nothing_here" shared by every page/);
    // added again, the retired row comes back with the new text
    expect(await canned(USERS.lead, 'add general thanks Thanks a lot!')).toMatch(/Added \*thanks\*/);
    expect((await rows()).filter((r) => r.name === 'thanks')).toEqual([expect.objectContaining({ active: true, body: 'Thanks a lot!', page_id: null })]);
    const removed = await audits('canned.remove');
    expect(removed.map((a) => `${a.action}:${a.actor}`)).toEqual([`canned.remove.refused:${USERS.agent}`, `canned.remove:${USERS.lead}`]);
    expect(removed[1]!.details).toMatchObject({ name: 'thanks', before: 'Thank you, {{first_name}}!' });
  });

  it('the bot\'s own reply may be reworded, keeping its variables', async () => {
    expect(await canned(USERS.admin, 'edit price_known The {{product}} is {{price}}.{{link}}')).toMatch(/Changed \*price_known\* \(category bot\)/);
    expect(await canned(USERS.admin, 'edit price_known The {{product}} is {{cost}}.')).toMatch(/\{\{cost\}\} cannot be filled/);
    const [g] = await q<{ body: string; category: string; variables: string[] }>(`SELECT body, category, variables FROM message_templates WHERE name = 'price_known'`);
    expect(g).toEqual({ body: 'The {{product}} is {{price}}.{{link}}', category: 'bot', variables: ['product', 'price', 'link'] });
  });
});
