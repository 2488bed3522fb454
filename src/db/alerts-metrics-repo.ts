import type pg from 'pg';
import type { AlertMetric } from '../domain/alerts.ts';
import { dayOf } from '../domain/days.ts';
import { metricValue } from './semantic/value.ts';

// The value behind each alert metric at an instant, and the sessions behind it (listed by the
// "Show conversations" button). Day-based metrics (CSI, first response) are the metrics
// catalogue's figures over the window's business days, read through its compiler; the others
// (no catalogue measure) read their tables over [at − window, at].

type Db = pg.Pool | pg.ClientBase;

export interface MetricInput {
  metric: AlertMetric;
  windowMinutes: number;
  params: Record<string, unknown>;
}

export interface MetricReading {
  /** null: no data to judge by (no scored days, no validation run yet) */
  value: number | null;
  sessionIds: number[];
}

const SESSION_LIMIT = 20;
const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The window's days: the last ⌈window / 1 day⌉ days up to `at`'s day, inclusive. */
function windowDays(at: Date, windowMinutes: number, timeZone: string): { from: string; to: string } {
  const to = dayOf(at, timeZone);
  return { from: addDays(to, 1 - Math.max(1, Math.ceil(windowMinutes / 1440))), to };
}

// Sessions of these conversations that were open on the given days.
const SESSIONS_ON_DAYS = `
  SELECT s.id FROM picked p JOIN sessions s ON s.conversation_id = p.conversation_id AND s.deleted_at IS NULL
     AND (s.started_at AT TIME ZONE $tz)::date <= p.day AND (s.ended_at AT TIME ZONE $tz)::date >= p.day
   ORDER BY p.rank, s.started_at DESC LIMIT ${SESSION_LIMIT}`;

async function csiDrop(db: Db, m: MetricInput, at: Date, timeZone: string): Promise<MetricReading> {
  const { from, to } = windowDays(at, m.windowMinutes, timeZone);
  const baselineDays = Math.round(num(m.params.baselineDays, 7));
  // no baseline day to compare with: nothing to judge by, as an empty baseline mean
  if (baselineDays < 1) return { value: null, sessionIds: [] };
  const csi = (period: { from: string; to: string }) => metricValue(db, { measure: 'csi', period: { ...period, label: `${period.from} to ${period.to}` } }, timeZone);
  const [current, baseline] = await Promise.all([csi({ from, to }), csi({ from: addDays(from, -baselineDays), to: addDays(from, -1) })]);
  if (current === null || baseline === null) return { value: null, sessionIds: [] };
  // the conversations that pulled the window down: their days below the baseline, worst first
  const sessions = await db.query<{ id: number }>(
    `WITH picked AS (
       SELECT conversation_id, day, row_number() OVER (ORDER BY csi, conversation_id) AS rank FROM daily_analyses
        WHERE day BETWEEN $1::date AND $2::date AND csi < $3 ORDER BY csi LIMIT ${SESSION_LIMIT})
     ${SESSIONS_ON_DAYS.replaceAll('$tz', '$4')}`,
    [from, to, baseline, timeZone],
  );
  return { value: Number(baseline) - Number(current), sessionIds: sessions.rows.map((r) => r.id) };
}

async function firstResponseP90(db: Db, m: MetricInput, at: Date, timeZone: string): Promise<MetricReading> {
  const { from, to } = windowDays(at, m.windowMinutes, timeZone);
  const p90 = await metricValue(db, { measure: 'firstResponseTime', statistic: 'p90', period: { from, to, label: `${from} to ${to}` } }, timeZone);
  if (p90 === null) return { value: null, sessionIds: [] };
  const sessions = await db.query<{ id: number }>(
    `WITH picked AS (
       SELECT conversation_id, day, row_number() OVER (ORDER BY first_response_time DESC, conversation_id) AS rank FROM daily_analyses
        WHERE day BETWEEN $1::date AND $2::date AND first_response_time >= $3 ORDER BY first_response_time DESC LIMIT ${SESSION_LIMIT})
     ${SESSIONS_ON_DAYS.replaceAll('$tz', '$4')}`,
    [from, to, p90, timeZone],
  );
  return { value: Number(p90), sessionIds: sessions.rows.map((r) => r.id) };
}

async function count(db: Db, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

export async function readMetric(db: Db, m: MetricInput, at: Date, timeZone: string): Promise<MetricReading> {
  const since = new Date(at.getTime() - m.windowMinutes * 60_000);
  switch (m.metric) {
    case 'csi_drop':
      return csiDrop(db, m, at, timeZone);
    case 'first_response_p90':
      return firstResponseP90(db, m, at, timeZone);
    case 'error_rate': {
      const n = await count(db, `SELECT count(*)::int AS n FROM error_logs WHERE created_at > $1 AND created_at <= $2`, [since, at]);
      return { value: n / (m.windowMinutes / 60), sessionIds: [] };
    }
    case 'failed_jobs':
      return { value: await count(db, `SELECT count(*)::int AS n FROM jobs WHERE status = 'failed' AND COALESCE(completed_at, created_at) > $1 AND COALESCE(completed_at, created_at) <= $2`, [since, at]), sessionIds: [] };
    case 'import_failures':
      return { value: await count(db, `SELECT count(*)::int AS n FROM uploads WHERE status = 'failed' AND COALESCE(finished_at, created_at) > $1 AND COALESCE(finished_at, created_at) <= $2`, [since, at]), sessionIds: [] };
    case 'qa_backlog_age': {
      const { rows } = await db.query<{ id: number; ended_at: Date }>(
        `SELECT id, ended_at FROM sessions WHERE ai_engaged AND qa_status = 'unchecked' AND deleted_at IS NULL AND ended_at <= $1 ORDER BY ended_at, id LIMIT ${SESSION_LIMIT}`,
        [at],
      );
      if (!rows[0]) return { value: 0, sessionIds: [] };
      return { value: (at.getTime() - rows[0].ended_at.getTime()) / 3_600_000, sessionIds: rows.map((r) => r.id) };
    }
    case 'handoff_wait': {
      // waiting longer than the window; the value is how many conversations do
      const { rows } = await db.query<{ id: number | null }>(
        `SELECT (SELECT s.id FROM sessions s WHERE s.conversation_id = c.id AND s.deleted_at IS NULL ORDER BY s.started_at DESC LIMIT 1) AS id
           FROM conversations c WHERE c.handoff_state = 'waiting' AND c.handoff_at <= $1 ORDER BY c.handoff_at`,
        [since],
      );
      return { value: rows.length, sessionIds: rows.map((r) => r.id).filter((id): id is number => id !== null).slice(0, SESSION_LIMIT) };
    }
    case 'health_score': {
      const { rows } = await db.query<{ health_score: number }>(`SELECT health_score FROM validation_runs WHERE created_at <= $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [at]);
      return { value: rows[0] ? Number(rows[0].health_score) : null, sessionIds: [] };
    }
  }
}
