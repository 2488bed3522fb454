import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { parseRoleCommand } from '../src/domain/role-command.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, signed, startHarness, type Harness } from './helpers/slack-harness.ts';

// `/pulse role @user <role>` (issue 6, part 3) through signed slash-command requests to the
// service's Slack endpoint (startSlack as server.ts runs it), users matched by Slack id in
// the database, ADMIN_SLACK_IDS bootstrapping admins.

const BOOT_ADMIN = 'U0BOOTADMIN';
let db: TestDatabase;
let fake: FakeSlack;
let h: Harness;

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const roleOf = async (slackId: string) => (await q<{ role: string }>(`SELECT role::text FROM users WHERE platform = 'slack' AND external_id = $1`, [slackId]))[0]?.role;
const auditRows = () => q<{ actor_id: number | null; action: string; target: string; details: Record<string, unknown> }>(`SELECT actor_id, action, target, details FROM audit_logs ORDER BY id`);
const userId = async (slackId: string) => (await q<{ id: number }>(`SELECT id FROM users WHERE platform = 'slack' AND external_id = $1`, [slackId]))[0]?.id;

let n = 0;
async function pulse(user: string, text: string): Promise<{ status: number; text: string; blocksText: string; responseType?: string }> {
  const form = new URLSearchParams({
    token: 'legacy-verification-token', team_id: BOT.teamId, team_domain: 'fake', channel_id: 'C0ADMIN', channel_name: 'admin',
    user_id: user, user_name: user.toLowerCase(), command: '/pulse', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/unused', trigger_id: `trig.${++n}`,
  }).toString();
  const req = signed(form, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  const body = (res.body ? JSON.parse(res.body) : {}) as { text?: string; response_type?: string; blocks?: unknown[] };
  return { status: res.statusCode, text: body.text ?? '', blocksText: JSON.stringify(body.blocks ?? []), ...(body.response_type ? { responseType: body.response_type } : {}) };
}

beforeAll(async () => {
  db = await createTestDatabase('slackrole');
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, ADMIN_SLACK_IDS: BOOT_ADMIN });
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('/pulse role never asks the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant, concurrency: 1 });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
  await db?.drop();
});
beforeEach(async () => {
  await q(`DELETE FROM audit_logs`);
});

describe('parseRoleCommand', () => {
  it('accepts escaped mentions, bare mentions and raw ids, and a role in any case', () => {
    expect(parseRoleCommand('<@U0123ABC|maria.lopez> qa')).toEqual({ ok: true, slackId: 'U0123ABC', role: 'qa' });
    expect(parseRoleCommand('<@U0123ABC|Maria Lopez> Developer')).toEqual({ ok: true, slackId: 'U0123ABC', role: 'developer' });
    expect(parseRoleCommand('<@W0GRID99> lead')).toEqual({ ok: true, slackId: 'W0GRID99', role: 'lead' });
    expect(parseRoleCommand('  U0123ABC   admin ')).toEqual({ ok: true, slackId: 'U0123ABC', role: 'admin' });
    expect(parseRoleCommand('u0123abc agent')).toEqual({ ok: true, slackId: 'U0123ABC', role: 'agent' });
  });

  it('says what is wrong otherwise', () => {
    expect(parseRoleCommand('')).toMatchObject({ ok: false, problem: expect.stringContaining('Say whose role to set') as unknown });
    expect(parseRoleCommand('@maria qa')).toMatchObject({ ok: false, problem: expect.stringContaining("I can't tell who `@maria` is") as unknown });
    expect(parseRoleCommand('<#C0123|general> qa')).toMatchObject({ ok: false, problem: expect.stringContaining("I can't tell who") as unknown });
    expect(parseRoleCommand('<@U0123ABC>')).toEqual({ ok: false, problem: 'Which role? One of admin, lead, qa, developer, agent.' });
    expect(parseRoleCommand('<@U0123ABC> owner')).toEqual({ ok: false, problem: '`owner` is not a role; use one of admin, lead, qa, developer, agent.' });
    expect(parseRoleCommand('<@U0123ABC> qa lead')).toMatchObject({ ok: false, problem: expect.stringContaining('is not a role') as unknown });
  });
});

describe('/pulse role', () => {
  it('an admin (from ADMIN_SLACK_IDS) sets a role by escaped mention; audited as role.changed with from/to', async () => {
    await q(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', 'U0NEWREVIEW', 'new reviewer', 'agent', now())`);
    expect(await roleOf('U0NEWREVIEW')).toBe('agent');
    const r = await pulse(BOOT_ADMIN, 'role <@U0NEWREVIEW|new.reviewer> qa');
    expect(r.status).toBe(200);
    expect(r.responseType).toBe('ephemeral');
    expect(r.blocksText).toContain('<@U0NEWREVIEW> is now a QA reviewer (was a support agent).');
    expect(r.text).toBe('U0NEWREVIEW is now a QA reviewer (was a support agent).');
    expect(await roleOf('U0NEWREVIEW')).toBe('qa');
    const a = await auditRows();
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      actor_id: await userId(BOOT_ADMIN),
      action: 'role.changed',
      target: 'user:slack:U0NEWREVIEW',
      details: { from: 'agent', to: 'qa', userId: await userId('U0NEWREVIEW'), source: 'slack', actor: BOOT_ADMIN, role: 'admin' },
    });
  });

  it('accepts a bare mention and a raw id, and records a user not seen yet', async () => {
    expect((await pulse(BOOT_ADMIN, 'role <@U0DEVNEW> developer')).text).toBe('U0DEVNEW is now a developer (was a support agent).');
    expect(await roleOf('U0DEVNEW')).toBe('developer');
    expect((await pulse(BOOT_ADMIN, 'role U0DEVNEW lead')).text).toBe('U0DEVNEW is now a team lead (was a developer).');
    expect(await roleOf('U0DEVNEW')).toBe('lead');
    // the same role again changes and audits nothing
    expect((await pulse(BOOT_ADMIN, 'role U0DEVNEW lead')).text).toBe('U0DEVNEW is already a team lead; nothing changed.');
    expect((await auditRows()).map((x) => x.details.to)).toEqual(['developer', 'lead']);
  });

  it('an admin made by another admin may set roles too', async () => {
    await pulse(BOOT_ADMIN, 'role U0SECONDADM admin');
    expect((await pulse('U0SECONDADM', 'role U0HELPER qa')).text).toBe('U0HELPER is now a QA reviewer (was a support agent).');
  });

  it('a non-admin is refused with an ephemeral explanation, nothing changes, and the attempt is audited', async () => {
    await pulse(BOOT_ADMIN, 'role U0LEADX lead');
    await q(`DELETE FROM audit_logs`);
    const before = await q(`SELECT id, role::text, updated_at FROM users ORDER BY id`);
    const r = await pulse('U0LEADX', 'role <@U0LEADX|me> admin');
    expect(r.responseType).toBe('ephemeral');
    expect(r.text).toBe('Sorry, only admins can change roles; you are a team lead. Ask an admin to change roles.');
    expect(await q(`SELECT id, role::text, updated_at FROM users ORDER BY id`)).toEqual(before);
    const a = await auditRows();
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      actor_id: await userId('U0LEADX'),
      action: 'role.refused',
      target: 'user:slack:U0LEADX',
      details: { to: 'admin', source: 'slack', actor: 'U0LEADX', role: 'lead', reason: 'only admins can change roles; you are a team lead' },
    });
    // a stranger (first request: an agent) too
    expect((await pulse('U0STRANGER', 'role U0STRANGER admin')).text).toContain('you are a support agent');
    expect(await roleOf('U0STRANGER')).toBe('agent');
    expect((await auditRows()).map((x) => x.action)).toEqual(['role.refused', 'role.refused']);
  });

  it('a bootstrap admin cannot be lowered (ADMIN_SLACK_IDS would raise them again); usage problems are explained', async () => {
    const r = await pulse(BOOT_ADMIN, `role <@${BOOT_ADMIN}> agent`);
    expect(r.text).toBe(`Sorry, ${BOOT_ADMIN} is listed in ADMIN_SLACK_IDS and stays an admin; remove them there first.`);
    expect(await roleOf(BOOT_ADMIN)).toBe('admin');
    expect((await pulse(BOOT_ADMIN, 'role <@U0X> owner')).text).toBe('`owner` is not a role; use one of admin, lead, qa, developer, agent.');
    expect((await pulse(BOOT_ADMIN, 'role')).text).toContain('Say whose role to set');
    expect(await auditRows()).toEqual([]);
  });

  it('the help lists /pulse role', async () => {
    const r = await pulse('U0ANYONE', 'help');
    expect(r.blocksText).toContain('/pulse role @user &lt;role&gt;');
  });
});
