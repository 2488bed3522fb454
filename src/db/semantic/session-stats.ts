// /api/stats through the catalogue: sessions, AI sessions (QA sessions), handoffs and sessions
// by QA state are the catalogue's measures, read with the same compiler as metric_query. The
// completion and archive counts have no catalogue measure and still come from sessionStats.
import type pg from 'pg';
import { QA_STATUSES } from '../../domain/qa.ts';
import type { DayRange, Filter } from '../../domain/semantic/query.ts';
import { sessionStats, type SessionFilters, type SessionStats } from '../sessions-repo.ts';
import { ALL_TIME, metricByKey, metricValue } from './value.ts';

/** The page filter as names: /api/stats takes a page's id, Facebook page id or name. */
async function pageNames(pool: pg.Pool, page: string): Promise<string[]> {
  const id = /^\d{1,9}$/.test(page) ? Number(page) : -1;
  const { rows } = await pool.query<{ name: string }>(
    `SELECT DISTINCT name FROM pages WHERE id = $1 OR fb_page_id = $2 OR lower(name) = lower($2)`,
    [id, page],
  );
  // no such page: its name as given matches nothing, so every count is 0 as before
  return rows.length ? rows.map((r) => r.name) : [page];
}

export async function catalogueSessionStats(
  pool: pg.Pool,
  input: { filters: SessionFilters; period?: DayRange },
  timeZone: string,
): Promise<SessionStats> {
  const filters: Filter[] = input.filters.page !== undefined ? [{ dimension: 'page', values: await pageNames(pool, input.filters.page) }] : [];
  const q = { period: input.period ?? ALL_TIME, filters };
  const count = (measure: string) => metricValue(pool, { ...q, measure }, timeZone).then((v) => v ?? 0);
  const [rest, total, aiEngaged, humanHandoff, byState] = await Promise.all([
    sessionStats(pool, input.filters),
    count('sessions'),
    count('qaSessions'),
    count('handoffs'),
    metricByKey(pool, { ...q, measure: 'sessions', groupBy: 'qa_state' }, timeZone),
  ]);
  const byQaStatus = Object.fromEntries(QA_STATUSES.map((s) => [s, byState.get(s) ?? 0])) as SessionStats['byQaStatus'];
  return { ...rest, total, aiEngaged, humanHandoff, byQaStatus };
}
