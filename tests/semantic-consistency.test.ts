import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMetricQuery, type MetricResult } from '../src/db/semantic/run.ts';
import { MEASURES, SOURCES, dimensionsOf, type Dimension, type Measure, type Statistic } from '../src/domain/semantic/catalogue.ts';
import type { MetricQuery } from '../src/domain/semantic/query.ts';
import { seedAndAnalyse } from './helpers/assistant.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Every measure of the catalogue against itself, over every dimension it allows: a breakdown's
// counts add up to the total, a filter gives the breakdown's row for its value, leaving a value
// out gives the rest, and the compared period is the same figure asked for that period alone.
// The other compiler tests check chosen figures against hand-written SQL; these check that no
// measure × dimension pair (including ones nobody has asked yet) disagrees with the others.

const TZ = 'Europe/Berlin';
const PERIOD = { from: '2026-10-26', to: '2026-11-22', label: 'four weeks' };
const BEFORE = { from: '2026-09-28', to: '2026-10-25', label: 'the four weeks before' };
const TIME_DIMENSIONS = new Set<Dimension>(['day', 'week', 'month', 'hour', 'weekday']);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('semantic_consistency');
  await seedAndAnalyse(db.url, { conversations: 150, now: TEST_NOW, timeZone: TZ });
}, 180_000);

afterAll(async () => {
  await db?.drop();
});

const current = (m: Measure) => SOURCES[m.source].current === true;
const ask = async (m: Measure, q: Omit<MetricQuery, 'measure' | 'period'>, period = PERIOD): Promise<Extract<MetricResult, { ok: true }>> => {
  const r = await runMetricQuery(db.pool, { measure: m.name, ...(current(m) ? {} : { period }), ...q }, TZ);
  if (!r.ok) throw new Error(`${m.name} ${JSON.stringify(q)}: ${r.reason}`);
  return r;
};
/** one row per group for each row of the source: a conversation-day with two agents counts under both */
const singleValued = (m: Measure, d: Dimension) => !SOURCES[m.source].groupJoins?.[d] && !(m.source === 'conversation_days' && d === 'agent');
const dims = (m: Measure) => dimensionsOf(m).filter((d) => !(m.without ?? []).includes(d));
const total = (rows: { value: number | null }[]) => rows.reduce((n, r) => n + (r.value ?? 0), 0);
const labelled = (m: Measure, d: Dimension) => `${m.name} by ${d}`;

describe('the catalogue agrees with itself', () => {
  it('a breakdown of a count or a sum adds up to the total, and its bases to the total base', async () => {
    let checked = 0;
    for (const m of MEASURES) {
      for (const statistic of (['count', 'sum'] as Statistic[]).filter((s) => m.statistics.includes(s))) {
        if (m.distinct) continue; // distinct things counted in two groups count once in the total
        const whole = (await ask(m, { statistic })).rows[0]!;
        for (const d of dims(m).filter((x) => singleValued(m, x))) {
          const rows = (await ask(m, { statistic, groupBy: d })).rows;
          expect(total(rows), `${labelled(m, d)} (${statistic})`).toBeCloseTo(whole.value ?? 0, 6);
          expect(rows.reduce((n, r) => n + r.base, 0), `${labelled(m, d)} base`).toBe(whole.base);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  }, 300_000);

  it('a filter on a value gives that value\'s row of the breakdown, and leaving it out gives the rest of a count', async () => {
    let checked = 0;
    for (const m of MEASURES) {
      for (const d of dims(m).filter((x) => !TIME_DIMENSIONS.has(x))) {
        const rows = (await ask(m, { groupBy: d })).rows.filter((r) => r.base > 0 && r.key !== undefined);
        // the breakdown names a missing value in words ("no human agent"), which no filter takes
        const named = rows.filter((r) => !['no human agent', 'nobody', 'unknown'].includes(r.key!));
        const row = named[0];
        if (!row) continue;
        const only = (await ask(m, { filters: [{ dimension: d, values: [row.key!] }] })).rows[0]!;
        expect(only.base, `${labelled(m, d)} = ${row.key} base`).toBe(row.base);
        if (row.value === null) expect(only.value).toBeNull();
        else expect(only.value, `${labelled(m, d)} = ${row.key}`).toBeCloseTo(row.value, 6);
        if (m.statistics.includes('count') && !m.distinct && singleValued(m, d)) {
          const whole = (await ask(m, { statistic: 'count' })).rows[0]!;
          const rest = (await ask(m, { statistic: 'count', filters: [{ dimension: d, values: [row.key!], exclude: true }] })).rows[0]!;
          expect((rest.value ?? 0) + (only.base), `${labelled(m, d)} ≠ ${row.key}`).toBe(whole.value);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  }, 300_000);

  it('the compared period of a figure is that figure asked for the compared period alone', async () => {
    let checked = 0;
    for (const m of MEASURES.filter((x) => !current(x))) {
      const both = (await ask(m, { compareTo: BEFORE })).rows;
      const now = (await ask(m, {})).rows[0]!;
      const then = (await ask(m, {}, BEFORE)).rows[0]!;
      const pick = (p: 'current' | 'previous') => both.find((r) => r.period === p);
      for (const [p, alone] of [['current', now], ['previous', then]] as const) {
        const row = pick(p);
        expect(row?.base ?? 0, `${m.name} ${p} base`).toBe(alone.base);
        if (alone.base > 0 && alone.value !== null) expect(row!.value, `${m.name} ${p}`).toBeCloseTo(alone.value, 6);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  }, 300_000);

  it('a daily average is the days\' counts over the days of the period, from the first record on', async () => {
    let checked = 0;
    // the second period starts before any data: its divisor starts at the first record
    for (const period of [PERIOD, { from: '2026-01-01', to: PERIOD.to, label: 'this year' }]) {
      for (const m of MEASURES.filter((x) => x.statistics.includes('perDay'))) {
        // a day's count of distinct things (conversations active that day) is summed over the days
        const count = total((await ask(m, { statistic: 'count', groupBy: 'day' }, period)).rows);
        const asked = await ask(m, { statistic: 'perDay' }, period);
        if (count === 0) continue;
        const from = asked.recordedFrom ?? period.from;
        const days = (Date.parse(period.to) - Date.parse(from)) / 86_400_000 + 1;
        expect((asked.rows[0]!.value ?? 0) * days, `${m.name} per day × ${days} days from ${from}`).toBeCloseTo(count, 6);
        if (period !== PERIOD) expect(from > period.from, `${m.name}: data recorded from ${from}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  }, 300_000);
});
