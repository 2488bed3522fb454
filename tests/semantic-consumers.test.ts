import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingPool, type RecordedQuery } from '../src/agents/assistant/context.ts';
import { csiLookup } from '../src/db/read/csi-lookup.ts';
import { supportStats } from '../src/db/read/support-stats.ts';
import { loadHomeKpis } from '../src/bots/slack/home.ts';
import { readMetric } from '../src/db/alerts-metrics-repo.ts';
import { runMetricQuery } from '../src/db/semantic/run.ts';
import { catalogueSessionStats } from '../src/db/semantic/session-stats.ts';
import { sessionStats } from '../src/db/sessions-repo.ts';
import { periodBetween, parsePeriod, periodBounds, type Period } from '../src/domain/periods.ts';
import type { MetricQuery } from '../src/domain/semantic/query.ts';
import { gatherDigestData } from '../src/jobs/digest/gather.ts';
import { seedAndAnalyse } from './helpers/assistant.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// One definition per number: the figures /csi, App Home, digests and /api/stats show equal what
// metric_query answers for the same measure and period (DESIGN §7, issue 16).

const TZ = 'Europe/Berlin';
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('consumers');
  await seedAndAnalyse(db.url, { conversations: 200, now: TEST_NOW, timeZone: TZ });
}, 180_000);
afterAll(async () => {
  await db?.drop();
});

const period = (text: string): Period => parsePeriod(text, TEST_NOW, TZ)!;
async function metric(q: Omit<MetricQuery, 'period'>, p: Period) {
  const r = await runMetricQuery(db.pool, { ...q, period: { from: p.from, to: p.to, label: p.label } }, TZ);
  if (!r.ok) throw new Error(r.reason);
  return r.rows;
}
const PILLARS = ['csi', 'effectiveness', 'effort', 'efficiency', 'empathy'] as const;

describe('figures elsewhere equal metric_query', () => {
  it('/csi (csi_lookup): the CSI and each pillar of last week, and CSI by page', async () => {
    const p = period('last week');
    const r = await csiLookup(db.pool, { period: p, timezone: TZ, groupBy: 'page' });
    for (const k of PILLARS) expect(r.current[k], k).toBeCloseTo((await metric({ measure: k }, p))[0]!.value!, 9);
    const byPage = await metric({ measure: 'csi', groupBy: 'page' }, p);
    expect(byPage.length).toBeGreaterThan(1);
    for (const g of r.groups!) expect(g.csi).toBeCloseTo(byPage.find((x) => x.key === g.label)!.value!, 9);
  });

  it('/csi for one page (by id, as /csi names it, or a piece of its name): CSI, pillars and the days they are over', async () => {
    const p = period('last week');
    const [page] = (await db.pool.query<{ id: number; name: string }>(`SELECT id, name FROM pages ORDER BY id LIMIT 1`)).rows;
    const only = [{ dimension: 'page' as const, values: [page!.name] }];
    for (const scope of [{ pageId: page!.id }, { pageName: page!.name.slice(1, 6).toLowerCase() }]) {
      const ran: RecordedQuery[] = [];
      const r = await csiLookup(recordingPool(db.pool, ran), { period: p, timezone: TZ, ...scope, groupBy: 'day' });
      expect(ran.some((q) => /FROM daily_analyses da/.test(q.text))).toBe(false);
      for (const k of PILLARS) expect(r.current[k], k).toBeCloseTo((await metric({ measure: k, filters: only }, p))[0]!.value!, 9);
      expect(r.current.days).toBe((await metric({ measure: 'csi', filters: only }, p))[0]!.base);
      const perDay = await metric({ measure: 'csi', filters: only, groupBy: 'day' }, p);
      expect(r.groups!.map((g) => [g.key, g.days])).toEqual(perDay.filter((x) => x.base > 0).map((x) => [x.key, x.base]));
    }
  });

  it('/csi for one agent (by id or name): CSI and pillars over the conversation-days that agent replied in', async () => {
    const p = period('last 30 days');
    const [a] = (await db.pool.query<{ id: string; name: string }>(
      `SELECT agent_info->>'id' AS id, agent_info->>'name' AS name FROM messages WHERE sender_kind = 'human_agent' GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`,
    )).rows;
    const only = [{ dimension: 'agent' as const, values: [a!.name] }];
    for (const agent of [a!.id, a!.name.toLowerCase()]) {
      const ran: RecordedQuery[] = [];
      const r = await csiLookup(recordingPool(db.pool, ran), { period: p, timezone: TZ, agent });
      // read through the compiler (its statements are over the analytics views), not csi_lookup's own SQL
      expect(ran.some((q) => q.text.includes('FROM analytics.daily_analyses d')), agent).toBe(true);
      expect(ran.some((q) => /FROM daily_analyses da/.test(q.text)), agent).toBe(false);
      expect(r.current.days, agent).toBeGreaterThan(0);
      for (const k of PILLARS) expect(r.current[k], `${agent} ${k}`).toBeCloseTo((await metric({ measure: k, filters: only }, p))[0]!.value!, 9);
      expect(r.current.days).toBe((await metric({ measure: 'csi', filters: only }, p))[0]!.base);
    }
  });

  it('App Home: this week\'s CSI and last week\'s', async () => {
    const k = await loadHomeKpis(db.pool, { now: TEST_NOW, timeZone: TZ });
    expect(k.csi.current.csi).toBeCloseTo((await metric({ measure: 'csi' }, k.csi.period))[0]!.value!, 9);
    expect(k.csi.previousValues.csi).toBeCloseTo((await metric({ measure: 'csi' }, k.csi.previous))[0]!.value!, 9);
  });

  it('App Home: the week\'s volumes, first response median and p90, sessions and handoff rate', async () => {
    const k = await loadHomeKpis(db.pool, { now: TEST_NOW, timeZone: TZ });
    const p = k.csi.period;
    const ran: RecordedQuery[] = [];
    await supportStats(recordingPool(db.pool, ran), { period: p, timezone: TZ, sections: ['volumes', 'responseTimes', 'sessions'] });
    for (const view of ['analytics.messages m', 'analytics.daily_analyses d', 'analytics.sessions s']) expect(ran.some((q) => q.text.includes(`FROM ${view}`)), view).toBe(true);
    const one = async (q: Omit<MetricQuery, 'period'>) => (await metric(q, p))[0]!;
    expect(k.stats.volumes!.messages).toBe((await one({ measure: 'messages' })).value);
    expect(k.stats.volumes!.customerMessages).toBe((await one({ measure: 'customerMessages' })).value);
    expect(k.stats.volumes!.conversations).toBe((await one({ measure: 'conversations' })).value);
    const p50 = await one({ measure: 'firstResponseTime', statistic: 'median' });
    expect(k.stats.responseTimes!.firstResponseP50).toBe(p50.value);
    expect(k.stats.responseTimes!.days).toBe(p50.base);
    expect(k.stats.responseTimes!.display.firstResponseP90).toBe((await one({ measure: 'firstResponseTime', statistic: 'p90' })).display);
    expect(k.stats.sessions!.total).toBe((await one({ measure: 'sessions' })).value);
    expect(k.stats.sessions!.handoff).toBe((await one({ measure: 'handoffs' })).value);
    expect(k.stats.sessions!.display.handoffRate).toBe((await one({ measure: 'handoffRate' })).display);
  });

  it('the weekly digest: CSI, CSI per day and per page, messages', async () => {
    const p = period('last week');
    const d = await gatherDigestData(db.pool, { frequency: 'weekly', period: p, timezone: TZ });
    expect(d.csi.current.csi).toBeCloseTo((await metric({ measure: 'csi' }, p))[0]!.value!, 9);
    const perDay = await metric({ measure: 'csi', groupBy: 'day' }, p);
    for (const g of d.csi.groups!) expect(g.csi, g.key).toBeCloseTo(perDay.find((x) => x.key === g.key)!.value!, 9);
    const perPage = await metric({ measure: 'csi', groupBy: 'page' }, p);
    for (const g of d.byPage) expect(g.csi, g.label).toBeCloseTo(perPage.find((x) => x.key === g.label)!.value!, 9);
    const s = await supportStats(db.pool, { period: p, timezone: TZ, sections: ['volumes'] });
    expect(s.volumes!.messages).toBe((await metric({ measure: 'messages' }, p))[0]!.value);
    expect(s.volumes!.customerMessages).toBe((await metric({ measure: 'customerMessages' }, p))[0]!.value);
    expect(s.volumes!.conversations).toBe((await metric({ measure: 'conversations' }, p))[0]!.value);
  });

  it('the weekly digest: the handoffs now and the period\'s QA sessions by state', async () => {
    const p = period('last week');
    const picked = (await db.pool.query<{ id: number }>(`SELECT id FROM conversations WHERE handoff_state = 'bot' AND handoff_at IS NULL ORDER BY id LIMIT 2`)).rows.map((r) => r.id);
    await db.pool.query(`UPDATE conversations SET handoff_state = 'waiting', handoff_at = now() WHERE id = ANY($1)`, [picked]);
    try {
      const d = await gatherDigestData(db.pool, { frequency: 'weekly', period: p, timezone: TZ });
      const now = async (measure: string) => (await runMetricQuery(db.pool, { measure }, TZ) as { rows: { value: number }[] }).rows[0]!.value;
      expect(d.handoff).toEqual({ waiting: await now('handoffsWaiting'), human: await now('handoffsAssigned') });
      expect(d.handoff.waiting).toBeGreaterThanOrEqual(2);
      const byState = await metric({ measure: 'qaSessions', groupBy: 'qa_state' }, p);
      for (const [state, n] of Object.entries(d.qaPeriod)) expect(byState.find((x) => x.key === state)?.value ?? 0, state).toBe(n);
      expect(d.display.issueRate).toBe((await metric({ measure: 'issueRate' }, p))[0]!.display);
    } finally {
      await db.pool.query(`UPDATE conversations SET handoff_state = 'bot', handoff_at = NULL WHERE id = ANY($1)`, [picked]);
    }
  });

  it('alerts: the CSI drop (baseline week minus this window) and the first response p90', async () => {
    const at = TEST_NOW;
    const window = periodBetween('2026-11-19', '2026-11-25'); // the 7 days up to TEST_NOW's day
    const baseline = periodBetween('2026-11-12', '2026-11-18');
    const ran: RecordedQuery[] = [];
    const drop = await readMetric(recordingPool(db.pool, ran), { metric: 'csi_drop', windowMinutes: 7 * 1440, params: { baselineDays: 7 } }, at, TZ);
    expect(ran.filter((q) => q.text.includes('FROM analytics.daily_analyses d')).length).toBe(2);
    const current = (await metric({ measure: 'csi' }, window))[0]!.value!;
    const before = (await metric({ measure: 'csi' }, baseline))[0]!.value!;
    expect(drop.value).toBeCloseTo(before - current, 9);
    const p90 = await readMetric(db.pool, { metric: 'first_response_p90', windowMinutes: 7 * 1440, params: {} }, at, TZ);
    expect(p90.value).toBeCloseTo((await metric({ measure: 'firstResponseTime', statistic: 'p90' }, window))[0]!.value!, 9);
  });

  it('/api/stats: sessions, handoffs and sessions by QA state in a period, as the old count gave them too', async () => {
    const p = period('last 30 days');
    const { start, end } = periodBounds(p, TZ);
    const ran: RecordedQuery[] = [];
    const s = await catalogueSessionStats(recordingPool(db.pool, ran), { filters: { from: start, to: end }, period: p }, TZ);
    expect(ran.filter((q) => q.text.includes('FROM analytics.sessions s')).length).toBe(4);
    expect(s).toEqual(await sessionStats(db.pool, { from: start, to: end }));
    expect(s.total).toBeGreaterThan(0);
    expect(s.total).toBe((await metric({ measure: 'sessions' }, p))[0]!.value);
    expect(s.humanHandoff).toBe((await metric({ measure: 'handoffs' }, p))[0]!.value);
    const byState = await metric({ measure: 'sessions', groupBy: 'qa_state' }, p);
    for (const [state, n] of Object.entries(s.byQaStatus)) expect(byState.find((x) => x.key === state)?.value ?? 0, state).toBe(n);
  });

  it('/api/stats: with no period (all time) and for a page named by id, Facebook id or name', async () => {
    expect(await catalogueSessionStats(db.pool, { filters: {} }, TZ)).toEqual(await sessionStats(db.pool, {}));
    const [page] = (await db.pool.query<{ id: number; fb_page_id: string; name: string }>(`SELECT id, fb_page_id, name FROM pages ORDER BY id LIMIT 1`)).rows;
    for (const ref of [String(page!.id), page!.fb_page_id, page!.name.toUpperCase(), 'no such page']) {
      const s = await catalogueSessionStats(db.pool, { filters: { page: ref } }, TZ);
      expect(s, ref).toEqual(await sessionStats(db.pool, { page: ref }));
    }
    const all = await metric({ measure: 'sessions', filters: [{ dimension: 'page', values: [page!.name] }] }, { from: '0001-01-01', to: '9999-12-30', label: 'all time' } as Period);
    expect((await catalogueSessionStats(db.pool, { filters: { page: page!.fb_page_id } }, TZ)).total).toBe(all[0]!.value);
  });
});
