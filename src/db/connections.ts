import type pg from 'pg';

// Who holds connections to this database now: pg_stat_activity by application_name, which the
// composition root sets per pool (`pulse:api`, `pulse:queue`…; root/infrastructure.ts).

export interface ConnectionCount {
  application: string;
  connections: number;
}

/** Connections to the current database other than the asking one, by application name, most first. */
export async function connectionsByApplication(db: pg.ClientBase | pg.Pool): Promise<ConnectionCount[]> {
  const { rows } = await db.query<{ application: string; connections: number }>(
    `SELECT coalesce(nullif(application_name, ''), '(unnamed)') AS application, count(*)::int AS connections
       FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
      GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  return rows;
}

/** `8 (pulse:queue 3, pulse:messenger-worker 3, pulse:api 2)` */
export function describeConnections(counts: ConnectionCount[]): string {
  const total = counts.reduce((a, c) => a + c.connections, 0);
  return counts.length === 0 ? '0' : `${total} (${counts.map((c) => `${c.application} ${c.connections}`).join(', ')})`;
}
