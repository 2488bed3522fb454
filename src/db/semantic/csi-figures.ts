// The CSI figures of /csi, App Home and the digests as catalogue queries: the CSI and its four
// pillars (means over conversation-days), and the CSI per page or per day, each read through
// the compiler metric_query uses.
import type pg from 'pg';
import type { DayRange, Filter } from '../../domain/semantic/query.ts';
import { metricRows } from './value.ts';

export const CSI_MEASURES = ['csi', 'effectiveness', 'effort', 'efficiency', 'empathy'] as const;
export type CsiMeasure = (typeof CSI_MEASURES)[number];

export interface CsiMeans {
  values: Record<CsiMeasure, number | null>;
  /** scored conversation-days (with a CSI) the means are taken over */
  days: number;
}

export async function csiMeans(pool: pg.Pool, period: DayRange, filters: Filter[], timeZone: string): Promise<CsiMeans> {
  const rows = await Promise.all(CSI_MEASURES.map((measure) => metricRows(pool, { measure, period, filters }, timeZone)));
  const values = Object.fromEntries(CSI_MEASURES.map((m, i) => [m, rows[i]![0]?.value ?? null])) as Record<CsiMeasure, number | null>;
  return { values, days: rows[0]![0]?.base ?? 0 };
}

/** The CSI per page name or per day (YYYY-MM-DD); groups without a scored day are left out. */
export async function csiBy(pool: pg.Pool, by: 'page' | 'day', period: DayRange, filters: Filter[], timeZone: string): Promise<{ key: string; csi: number | null; days: number }[]> {
  const rows = await metricRows(pool, { measure: 'csi', period, filters, groupBy: by }, timeZone);
  return rows.filter((r) => r.base > 0).map((r) => ({ key: r.key ?? '', csi: r.value, days: r.base }));
}
