import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import type { Role } from '../src/domain/access.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// /api/alert-rules and /api/alert-events: bearer tokens, admins write (audited), admins and
// leads read, bad input is a field-level 400.

let db: TestDatabase;
let app: FastifyInstance;
const tokens = {} as Record<Role, string>;

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, role?: Role, body?: object) =>
  app.inject({ method, url, headers: role ? { authorization: `Bearer ${tokens[role]}` } : {}, ...(body ? { payload: body } : {}) });

beforeAll(async () => {
  db = await createTestDatabase('alerts_api');
  for (const role of ['admin', 'lead', 'qa'] as const) {
    tokens[role] = (await createApiToken(db.pool, { user: { kind: 'slack', externalId: `UALR${role.toUpperCase()}` }, role })).token;
  }
  app = await build({
    prisma: db.prisma, logger: createLogger('silent'), pool: db.pool,
    plugins: [apiRoutes({ pool: db.pool, timezone: 'UTC', rateLimit: { max: 10_000, exportMax: 10_000 }, alertsChannel: 'C0ALERTS' })],
  });
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('/api/alert-rules', () => {
  it('admins create, change and delete rules; leads read; others are refused; every change is audited', async () => {
    expect((await call('GET', '/api/alert-rules')).statusCode).toBe(401);
    expect((await call('GET', '/api/alert-rules', 'qa')).statusCode).toBe(403);
    const rule = { name: 'fr-p90', metric: 'first_response_p90', comparison: 'gt', threshold: 900, windowMinutes: 1440 };
    expect((await call('POST', '/api/alert-rules', 'lead', rule)).statusCode).toBe(403);

    const created = await call('POST', '/api/alert-rules', 'admin', rule);
    expect(created.statusCode).toBe(201);
    const body = created.json() as { id: number; channel: string; cooldownMinutes: number; state: string };
    expect(body).toMatchObject({ channel: 'C0ALERTS', cooldownMinutes: 60, state: 'ok' });
    expect((await call('POST', '/api/alert-rules', 'admin', rule)).statusCode).toBe(409);

    const listed = await call('GET', '/api/alert-rules', 'lead');
    expect((listed.json() as { rules: { name: string }[] }).rules.map((r) => r.name)).toEqual(['fr-p90']);

    const patched = await call('PATCH', `/api/alert-rules/${body.id}`, 'admin', { threshold: 600, params: { mutedUntil: '2030-01-01T00:00:00.000Z' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ threshold: 600, mutedUntil: '2030-01-01T00:00:00.000Z' });
    expect((await call('PATCH', '/api/alert-rules/99999', 'admin', { threshold: 1 })).statusCode).toBe(404);

    expect((await call('DELETE', `/api/alert-rules/${body.id}`, 'admin')).statusCode).toBe(204);
    expect((await call('DELETE', `/api/alert-rules/${body.id}`, 'admin')).statusCode).toBe(404);
    const audits = await db.pool.query<{ action: string }>(`SELECT action FROM audit_logs WHERE action LIKE 'alert_rule.%' OR action = 'api.refused' ORDER BY id`);
    expect(audits.rows.map((r) => r.action)).toEqual(['api.refused', 'alert_rule.create', 'alert_rule.update', 'alert_rule.delete']);
  });

  it('a PATCH sent again (a retry, or several at once) answers the rule as it is and is audited once', async () => {
    const created = (await call('POST', '/api/alert-rules', 'admin', { name: 'retry-me', metric: 'error_rate', comparison: 'gt', threshold: 5 })).json() as { id: number };
    const url = `/api/alert-rules/${created.id}`;
    const patch = { threshold: 7.25, params: { baselineDays: 14, mutedUntil: '2030-01-01T00:00:00.000Z' } };
    const sent = await Promise.all([1, 2, 3, 4].map(() => call('PATCH', url, 'admin', patch)));
    for (const res of sent) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(sent[0]!.json());
    }
    expect(sent[0]!.json()).toMatchObject({ threshold: 7.25, params: patch.params });
    // the same params with their keys in another order are the same params
    expect((await call('PATCH', url, 'admin', { params: { mutedUntil: '2030-01-01T00:00:00.000Z', baselineDays: 14 } })).statusCode).toBe(200);
    const updates = async () => (await db.pool.query(`SELECT 1 FROM audit_logs WHERE action = 'alert_rule.update' AND target = $1`, [`alert_rule:${created.id}`])).rowCount;
    expect(await updates()).toBe(1);
    // a real change is written and audited; a name another rule has is still a 409
    expect((await call('PATCH', url, 'admin', { threshold: 8 })).json()).toMatchObject({ threshold: 8 });
    expect(await updates()).toBe(2);
    await call('POST', '/api/alert-rules', 'admin', { name: 'taken', metric: 'error_rate', comparison: 'gt', threshold: 1 });
    expect((await call('PATCH', url, 'admin', { name: 'taken' })).statusCode).toBe(409);
    expect((await call('PATCH', '/api/alert-rules/99998', 'admin', { threshold: 8 })).statusCode).toBe(404);
    expect(await updates()).toBe(2);
  });

  it('bad input is a 400 naming the field', async () => {
    const bad = await call('POST', '/api/alert-rules', 'admin', { name: 'x', metric: 'csi_dip', comparison: 'gt', threshold: 1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'BAD_REQUEST' });
    expect(JSON.stringify(bad.json())).toContain('metric');
    expect((await call('POST', '/api/alert-rules', 'admin', { name: 'y', metric: 'error_rate', comparison: 'gt', threshold: 'lots' })).statusCode).toBe(400);
    expect((await call('POST', '/api/alert-rules', 'admin', { name: 'z', metric: 'error_rate', comparison: 'gt', threshold: 1, channel: '#general' })).statusCode).toBe(400);
    expect((await call('PATCH', '/api/alert-rules/1', 'admin', {})).statusCode).toBe(400);
  });

  it('lists events newest first with paging', async () => {
    const created = (await call('POST', '/api/alert-rules', 'admin', { name: 'errs', metric: 'error_rate', comparison: 'gt', threshold: 5 })).json() as { id: number };
    for (let i = 0; i < 3; i++) {
      await db.pool.query(`INSERT INTO alert_events (rule_id, value, message, kind, session_ids) VALUES ($1, $2, 'm', $3, '{}')`, [created.id, i, i % 2 ? 'recovered' : 'fired']);
    }
    const page = (await call('GET', '/api/alert-events?limit=2', 'lead')).json() as { events: { value: number; ruleName: string; kind: string }[]; nextBeforeId: number };
    expect(page.events.map((e) => [e.value, e.kind, e.ruleName])).toEqual([[2, 'fired', 'errs'], [1, 'recovered', 'errs']]);
    const rest = (await call('GET', `/api/alert-events?limit=2&beforeId=${page.nextBeforeId}`, 'lead')).json() as { events: { value: number }[]; nextBeforeId: number | null };
    expect(rest.events.map((e) => e.value)).toEqual([0]);
    expect(rest.nextBeforeId).toBeNull();
    expect((await call('GET', '/api/alert-events?limit=0', 'lead')).statusCode).toBe(400);
  });
});
