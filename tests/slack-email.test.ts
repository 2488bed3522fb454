import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { setUserEmail } from '../src/db/users-repo.ts';
import { parseEmailAddress } from '../src/domain/email-address.ts';
import { startNotifications, type Notifications } from '../src/jobs/notifications/notify-worker.ts';
import { httpEmailProvider } from '../src/notify/email.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeEmail, type FakeEmailServer } from './helpers/fake-email.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { startResponseRecorder, type ResponseRecorder } from './helpers/response-url.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, startHarness, type Harness } from './helpers/slack-harness.ts';
import { startTestQueue } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// `/pulse email [address|off]` (issue 20, point 6) through signed slash commands to the
// service's Slack endpoint, and the acceptance: an address set from Slack receives the QA issue
// email (the notify worker, the fake email API) when a reviewer raises an issue with `/qa issue`.

const BOOT_ADMIN = 'U0BOOTADM';
const DEV = 'U0DEVMAIL';
const REVIEWER = 'U0REVMAIL';
const EMAIL_KEY = 'test-email-key';

let db: TestDatabase;
let fake: FakeSlack;
let mail: FakeEmailServer;
let responder: ResponseRecorder;
let notifications: Notifications;
let h: Harness;

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const emailOf = async (slackId: string) => (await q<{ email: string | null }>(`SELECT email FROM users WHERE platform = 'slack' AND external_id = $1`, [slackId]))[0]?.email;
const audits = (action: string) => q<{ actor: string | null; target: string; details: Record<string, unknown> }>(
  `SELECT u.external_id AS actor, a.target, a.details FROM audit_logs a LEFT JOIN users u ON u.id = a.actor_id WHERE a.action = $1 ORDER BY a.id`, [action]);

let n = 0;
async function command(name: '/pulse' | '/qa', user: string, text: string): Promise<{ status: number; text: string; blocksText: string; responseType?: string }> {
  const i = ++n;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: 'C0SOMEWHERE', channel_name: 'somewhere', user_id: user, user_name: user.toLowerCase(),
    command: name, text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: `${responder.base}/commands/${i}`, trigger_id: `${i}.1764500000.trig${i}`,
  }).toString();
  const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  const body = (res.body ? JSON.parse(res.body) : {}) as { text?: string; response_type?: string; blocks?: unknown[] };
  return { status: res.statusCode, text: body.text ?? '', blocksText: JSON.stringify(body.blocks ?? []), ...(body.response_type ? { responseType: body.response_type } : {}) };
}
const pulse = (user: string, text: string) => command('/pulse', user, text);

let boss: PgBoss | undefined;
beforeAll(async () => {
  db = await createTestDatabase('slackemail');
  await seedDemoData(db.url, { conversations: 10, now: TEST_NOW, timezone: 'UTC' });
  // the demo team has addresses: only the address set in these tests may receive anything
  await q(`UPDATE users SET email = NULL`);
  await q(`INSERT INTO users (platform, external_id, role, updated_at) VALUES ('slack', $1, 'qa', now())`, [REVIEWER]);
  fake = await startFakeSlack({ token: BOT_TOKEN });
  mail = await startFakeEmail({ apiKey: EMAIL_KEY });
  responder = await startResponseRecorder();
  const config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, ADMIN_SLACK_IDS: BOOT_ADMIN });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('never asks the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant, concurrency: 1 });
  notifications = await startNotifications({
    boss: (boss ??= await startTestQueue(db.url)),
    pool: db.pool,
    email: httpEmailProvider({ apiUrl: mail.url, apiKey: EMAIL_KEY, from: 'SupportPulse <qa@example.com>' }),
  });
});
afterAll(async () => {
  await notifications?.stop();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await h?.close();
  await responder?.close();
  await mail?.close();
  await fake?.close();
  await db?.drop();
});
beforeEach(() => {
  mail.reset();
});

describe('parseEmailAddress', () => {
  it('accepts one plain address and lower-cases only its domain', () => {
    expect(parseEmailAddress('  Jane.Doe+qa@Example.COM ')).toEqual({ ok: true, address: 'Jane.Doe+qa@example.com' });
    expect(parseEmailAddress('dev@mail.example.co.uk')).toEqual({ ok: true, address: 'dev@mail.example.co.uk' });
    // Slack's escaped link for a typed address
    expect(parseEmailAddress('<mailto:Dev@Example.com|Dev@Example.com>')).toEqual({ ok: true, address: 'Dev@example.com' });
  });

  it('refuses anything else, saying why', () => {
    for (const bad of ['', 'jane', 'jane@', '@example.com', 'jane@example', 'jane@@example.com', 'a@b@example.com', 'Jane <jane@example.com>',
      'a@example.com, b@example.com', 'jane doe@example.com', '.jane@example.com', 'jane..doe@example.com', 'jane@-example.com', 'jane@example.c0m',
      `${'x'.repeat(65)}@example.com`]) {
      const r = parseEmailAddress(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.problem.length, bad).toBeGreaterThan(10);
    }
  });
});

describe('/pulse email', () => {
  it('sets, shows, repeats and clears the caller\'s own address, each change audited with from/to', async () => {
    const U = 'U0SELFMAIL';
    const none = await pulse(U, 'email');
    expect(none.status).toBe(200);
    expect(none.responseType).toBe('ephemeral');
    expect(none.text).toContain('You have no email set');

    const set = await pulse(U, 'email Sam.Lee@Example.COM');
    expect(set.responseType).toBe('ephemeral');
    expect(set.text).toBe('Your email is now Sam.Lee@example.com: QA notifications meant for you go there.');
    expect(await emailOf(U)).toBe('Sam.Lee@example.com');
    expect((await pulse(U, 'email')).text).toContain('Your email for SupportPulse notifications is Sam.Lee@example.com.');
    expect((await pulse(U, 'email Sam.Lee@example.com')).text).toBe('Your email is already Sam.Lee@example.com; nothing changed.');

    const off = await pulse(U, 'email off');
    expect(off.text).toBe('Your email is removed: SupportPulse sends you no more emails.');
    expect(await emailOf(U)).toBeNull();
    expect((await pulse(U, 'email off')).text).toBe('You had no email set; nothing changed.');

    const rows = await audits('user.email_changed');
    const mine = rows.filter((r) => r.target === `user:slack:${U}`);
    expect(mine.map((r) => [r.actor, r.details.from, r.details.to, r.details.source])).toEqual([
      [U, null, 'Sam.Lee@example.com', 'slack'],
      [U, 'Sam.Lee@example.com', null, 'slack'],
    ]);
  });

  it('refuses what is not one plain address with an ephemeral reason and changes nothing', async () => {
    const U = 'U0BADMAIL';
    await pulse(U, 'email kept@example.com');
    for (const bad of ['Kim <kim@example.com>', 'kim@example', 'kim', 'a@example.com b@example.com']) {
      const r = await pulse(U, `email ${bad}`);
      expect(r.status).toBe(200);
      expect(r.responseType).toBe('ephemeral');
      expect(r.text, bad).toMatch(/is not (one plain address|an email address).*Nothing changed\. `\/pulse email you@example\.com` sets it/s);
    }
    expect(await emailOf(U)).toBe('kept@example.com');
    expect((await audits('user.email_changed')).filter((r) => r.target === `user:slack:${U}`)).toHaveLength(1);
  });

  it('setUserEmail: someone who is not an admin cannot set another user\'s address (refusal audited, nothing changed)', async () => {
    const [victim] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, role, email, updated_at) VALUES ('slack', 'U0VICTIM', 'developer', 'mine@example.com', now()) RETURNING id`);
    const [other] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, role, updated_at) VALUES ('slack', 'U0OTHER', 'lead', now()) RETURNING id`);
    const r = await setUserEmail(db.pool, { actor: { role: 'lead', userId: other!.id, name: 'U0OTHER' }, userId: victim!.id, email: 'attacker@example.com', source: 'test' });
    expect(r).toEqual({ ok: false, kind: 'forbidden', reason: "only admins can set someone else's email; you are a team lead" });
    expect(await emailOf('U0VICTIM')).toBe('mine@example.com');
    expect((await audits('user.setting_refused')).map((a) => [a.actor, a.target, a.details.field])).toEqual([['U0OTHER', 'user:slack:U0VICTIM', 'email']]);
  });

  it('is listed in /pulse help', async () => {
    const help = await pulse('U0HELPER', 'help');
    expect(help.status).toBe(200);
    expect(help.blocksText).toContain('`/pulse email [address|off]`');
    expect(help.blocksText).toContain('`/pulse notify [slack|email|both|none]`');
  });
});

describe('/pulse notify', () => {
  it('shows the default (all), sets a choice (audited), warns when email is chosen without an address, refuses an unknown word', async () => {
    const U = 'U0PREFS';
    const shown = await pulse(U, 'notify');
    expect(shown.responseType).toBe('ephemeral');
    expect(shown.text).toContain('QA notifications meant for you come as a Slack DM and an email (when your address is set). You have no email set yet');

    const email = await pulse(U, 'notify Email');
    expect(email.text).toBe('From now on QA notifications meant for you come as an email only (when your address is set). You have no email set yet: `/pulse email you@example.com`.');
    const slack = await pulse(U, 'notify slack');
    expect(slack.text).toBe('From now on QA notifications meant for you come as a Slack DM only.');
    expect((await pulse(U, 'notify slack')).text).toBe('Already a Slack DM only; nothing changed.');

    const bad = await pulse(U, 'notify carrier-pigeon');
    expect(bad.text).toContain('`carrier-pigeon` is not a choice. Nothing changed.');
    expect((await q<{ v: string }>(`SELECT notify_via::text AS v FROM users WHERE external_id = $1`, [U]))[0]!.v).toBe('slack');
    const rows = (await audits('user.notify_changed')).filter((r) => r.target === `user:slack:${U}`);
    expect(rows.map((r) => [r.actor, r.details.from, r.details.to])).toEqual([[U, 'all', 'email'], [U, 'email', 'slack']]);
  });
});

describe('acceptance: an email reaches a developer whose address was set from Slack', () => {
  it('/pulse role makes them a developer, /pulse email sets the address, /qa issue by a reviewer sends the issue email there', async () => {
    expect((await pulse(BOOT_ADMIN, `role <@${DEV}> developer`)).text).toContain('is now a developer');
    expect((await pulse(DEV, 'email Dana.Dev@Example.ORG')).text).toContain('Your email is now Dana.Dev@example.org');

    const [target] = await q<{ id: number }>(`SELECT id FROM sessions WHERE ai_engaged AND qa_status = 'unchecked' AND deleted_at IS NULL ORDER BY id LIMIT 1`);
    const r = await command('/qa', REVIEWER, `issue ${target!.id} The bot promised a refund we do not offer`);
    expect(r.status).toBe(200);

    const email = await mail.waitForEmail((e) => e.subject.includes(String(target!.id)));
    // developerEmails lower-cases the whole address for the recipient list
    expect(email.to).toEqual(['dana.dev@example.org']);
    expect(email.text).toContain('The bot promised a refund we do not offer');
    expect(mail.emails.map((e) => e.to).flat()).toEqual(['dana.dev@example.org']);
    // the worker records the send once the API has answered
    const sent = await eventually(async () => (await q<{ recipient: string; status: string }>(`SELECT recipient, status::text FROM notification_logs WHERE channel = 'email'`))[0], 'the email logged');
    expect(sent).toEqual({ recipient: 'dana.dev@example.org', status: 'sent' });
  });
});
