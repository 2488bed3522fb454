import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Pools } from '../root/infrastructure.js';
import { withDatabase } from './db-commands.js';

// The command line's composition root: the database as the service opens it (embedded unless
// DATABASE_URL), migrated, and the connections from the same factory (root/infrastructure.ts),
// closed when the command ends. `url` is for what truly needs one: the migrator, the seeder's
// bulk writers and the assistant's read-only login (root/assistant.ts).

export interface CliRoot {
  url: string;
  pools: Pools;
  /** The command's one pg-boss, started on first use (most commands need none). */
  queue(): Promise<PgBoss>;
}

export async function withRoot<T>(config: Config, fn: (root: CliRoot) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  // loaded on use: `pulse --help` loads no database code
  const { createPools } = await import('../root/infrastructure.js');
  return withDatabase(config, async (url) => {
    if (opts.migrate !== false) await (await import('../db/migrator.js')).migrate(url);
    const pools = createPools(url, config, { messenger: false });
    let boss: Promise<PgBoss> | undefined;
    const queue = () => (boss ??= import('../jobs/queue.js').then(({ startQueue }) => startQueue(url, config.analysis)));
    try {
      return await fn({ url, pools, queue });
    } finally {
      if (boss) await (await boss.catch(() => undefined))?.stop({ graceful: false, wait: true }).catch(() => {});
      await pools.end();
    }
  });
}
