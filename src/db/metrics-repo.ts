import type pg from 'pg';

// The Metric cache: system-wide KPIs recomputed after each analysis run so read paths
// (GET /api/metrics, digests, the assistant) never aggregate the whole history on demand.

const REFRESH = `
WITH d AS (
  SELECT da.*, c.page_id FROM daily_analyses da JOIN conversations c ON c.id = da.conversation_id
  WHERE da.analyzed_at IS NOT NULL
), rows(name, value, metadata) AS (
  SELECT 'csi.overall', avg(csi), jsonb_build_object('days', count(csi)) FROM d
  UNION ALL SELECT 'pillar.effectiveness', avg(effectiveness), jsonb_build_object('days', count(effectiveness)) FROM d
  UNION ALL SELECT 'pillar.effort', avg(effort), jsonb_build_object('days', count(effort)) FROM d
  UNION ALL SELECT 'pillar.efficiency', avg(efficiency), jsonb_build_object('days', count(efficiency)) FROM d
  UNION ALL SELECT 'pillar.empathy', avg(empathy), jsonb_build_object('days', count(empathy)) FROM d
  UNION ALL SELECT 'response.first.p50_seconds', percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_time), NULL FROM d
  UNION ALL SELECT 'response.first.p90_seconds', percentile_cont(0.9) WITHIN GROUP (ORDER BY first_response_time), NULL FROM d
  UNION ALL SELECT 'response.avg.p50_seconds', percentile_cont(0.5) WITHIN GROUP (ORDER BY avg_response_time), NULL FROM d
  UNION ALL SELECT 'response.avg.p90_seconds', percentile_cont(0.9) WITHIN GROUP (ORDER BY avg_response_time), NULL FROM d
  UNION ALL SELECT 'handling.p50_minutes', percentile_cont(0.5) WITHIN GROUP (ORDER BY total_handling_time), NULL FROM d
  UNION ALL SELECT 'volume.conversation_days', count(*), jsonb_build_object('pending', (SELECT count(*) FROM daily_analyses WHERE analyzed_at IS NULL)) FROM d
  UNION ALL SELECT 'volume.conversations', count(*), NULL FROM conversations
  UNION ALL SELECT 'volume.messages', (SELECT coalesce(sum(total_messages), 0) FROM conversations), NULL
  UNION ALL SELECT 'csi.page.' || p.fb_page_id, avg(d.csi),
    jsonb_build_object('page', p.name, 'days', count(d.csi), 'effectiveness', avg(d.effectiveness), 'effort', avg(d.effort),
      'efficiency', avg(d.efficiency), 'empathy', avg(d.empathy), 'firstResponseP50Seconds',
      percentile_cont(0.5) WITHIN GROUP (ORDER BY d.first_response_time))
    FROM pages p JOIN d ON d.page_id = p.id GROUP BY p.id, p.fb_page_id, p.name
)
INSERT INTO metrics (name, value, metadata, calculated_at)
SELECT name, coalesce(value, 'NaN'::float8), metadata, now() FROM rows
ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, metadata = EXCLUDED.metadata, calculated_at = EXCLUDED.calculated_at`;

export async function refreshMetrics(client: pg.ClientBase): Promise<void> {
  await client.query(REFRESH);
}

export interface MetricView {
  name: string;
  value: number | null;
  metadata: unknown;
  calculatedAt: Date;
}

export async function readMetrics(client: pg.ClientBase): Promise<MetricView[]> {
  const res = await client.query<MetricView>(
    `SELECT name, CASE WHEN value = 'NaN'::float8 THEN NULL ELSE value END AS value, metadata, calculated_at AS "calculatedAt"
     FROM metrics ORDER BY name`,
  );
  return res.rows;
}
