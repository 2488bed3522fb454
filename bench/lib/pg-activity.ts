import pg from 'pg';
import { lowerBackendPriority } from '../../src/db/backend-priority.ts';

// The messenger bench's --trace, database side: what PostgreSQL was running while the slowest
// acknowledgements waited. A connection of its own samples pg_stat_activity every few ms during
// a flood (active statements, autovacuum workers, the checkpointer's and WAL writer's waits), and
// the report lists what overlapped a time window besides the webhook's own inbox inserts.
// Sampling costs the service's thread a query per sample and its backend some CPU (every 5 ms it
// was the busiest backend of the run): for diagnosis only, every 20 ms.

const hr = () => Number(process.hrtime.bigint()) / 1e6;

interface Seen {
  pid: number;
  kind: string;
  what: string;
  /** hrtime ms */
  started: number;
  firstSeen: number;
  lastSeen: number;
  waits: Set<string>;
}

export interface ActivitySampler {
  start(): void;
  /** stops sampling; lines naming what was active in [from, to] (hrtime ms), offsets from `zero` */
  stop(from: number, to: number, zero: number): Promise<string[]>;
  close(): Promise<void>;
}

const SAMPLE = `
SELECT pid, backend_type, coalesce(application_name, '') AS app, state, left(ltrim(query), 70) AS query,
       extract(epoch FROM coalesce(query_start, backend_start)) * 1000 AS started, coalesce(wait_event_type || ':' || wait_event, '') AS wait
  FROM pg_stat_activity
 WHERE pid <> pg_backend_pid() AND (state = 'active' OR backend_type NOT IN ('client backend', 'autovacuum launcher', 'logical replication launcher'))`;

export async function activitySampler(url: string, everyMs = 20): Promise<ActivitySampler> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench:activity' });
  await client.connect();
  // its backend below the webhook's, as the service's background ones (~6% of a core at 20 ms)
  await lowerBackendPriority(client);
  // Date.now() (PostgreSQL's clock) → hrtime ms
  const offset = hr() - Date.now();
  let seen = new Map<string, Seen>();
  let running = false;
  let loop: Promise<void> | undefined;
  const sample = async () => {
    const { rows } = await client.query<{ pid: number; backend_type: string; app: string; state: string | null; query: string; started: number; wait: string }>(SAMPLE);
    const at = hr();
    for (const r of rows) {
      // idle helpers (checkpointer, WAL writer…) are only of interest when they wait on I/O
      if (r.backend_type !== 'client backend' && r.backend_type !== 'autovacuum worker' && !/^IO:/.test(r.wait)) continue;
      if (r.query.includes('messenger_events (event_key')) continue; // the webhook's own insert
      const q = r.query.replace(/\s+/g, ' ');
      const what = r.backend_type === 'client backend' ? `${r.app || 'client'}: ${q}` : `${r.backend_type}: ${q}`;
      const key = `${r.pid}:${r.backend_type === 'client backend' ? r.started : r.query}`;
      const s = seen.get(key) ?? { pid: r.pid, kind: r.backend_type, what, started: Number(r.started) + offset, firstSeen: at, lastSeen: at, waits: new Set<string>() };
      s.lastSeen = at;
      if (r.wait) s.waits.add(r.wait);
      seen.set(key, s);
    }
  };
  return {
    start: () => {
      seen = new Map();
      running = true;
      loop = (async () => {
        while (running) {
          await sample().catch(() => {});
          await new Promise((r) => setTimeout(r, everyMs));
        }
      })();
    },
    stop: async (from, to, zero) => {
      running = false;
      await loop;
      const hits = [...seen.values()].filter((s) => s.lastSeen >= from && Math.min(s.started, s.firstSeen) <= to).sort((a, b) => a.started - b.started);
      const ms = (x: number) => (x - zero).toFixed(0);
      return [
        `database activity besides the inbox inserts within +${ms(from)}..+${ms(to)} ms (${hits.length}):`,
        ...hits.slice(0, 25).map((s) => `  pid ${s.pid} from +${ms(Math.max(s.started, zero - 60_000))} seen to +${ms(s.lastSeen)} ms: ${s.what}${s.waits.size ? ` [${[...s.waits].join(' ')}]` : ''}`),
      ];
    },
    close: () => client.end(),
  };
}

/** Autovacuum and analyze runs per table, and checkpoints, so far (to diff around a flood). */
export async function maintenanceCounts(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ k: string; n: string }>(
    `SELECT relname || ' autovacuum' AS k, autovacuum_count AS n FROM pg_stat_user_tables
      UNION ALL SELECT relname || ' autoanalyze', autoanalyze_count FROM pg_stat_user_tables
      UNION ALL SELECT 'checkpoints', num_done FROM pg_stat_checkpointer`,
  );
  return new Map(rows.map((r) => [r.k, Number(r.n)]));
}

export function maintenanceDiff(before: Map<string, number>, after: Map<string, number>): string {
  const d = [...after].flatMap(([k, n]) => (n > (before.get(k) ?? 0) ? [`${k} ×${n - (before.get(k) ?? 0)}`] : []));
  return `maintenance during the flood and its drain: ${d.length ? d.join(', ') : 'none'}`;
}
