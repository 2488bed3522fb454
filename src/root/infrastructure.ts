import type pg from 'pg';
import type { Config } from '../config.js';
import { lowerPoolBackends } from '../db/backend-priority.js';
import { createPool } from '../db/pool.js';
import { IMPORT_CONNECTIONS } from '../import/index.js';
import { MATERIALIZER_THREAD_CONNECTIONS } from '../jobs/messenger/materializer-host.js';
import { messengerPoolSizes } from '../jobs/messenger/pool-sizes.js';
import { QUEUE_CONNECTIONS } from '../jobs/queue.js';

// The process's database connections, made in one place (the composition roots: service.ts and
// the CLI's cli/root.ts) and passed down: one pool per purpose, each named in
// pg_stat_activity.application_name (`pulse db status` lists who holds what), and one pg-boss
// (jobs/queue.ts startQueue). connectionBudget is the most each may hold: docs/ARCHITECTURE.md.

/** The requests' pool: HTTP routes, Slack and Bot Framework handlers, notifiers, the scheduler, Prisma. */
export const API_CONNECTIONS = 5;
/**
 * The longest a request waits for one of the requests' connections: a new one when the database
 * does not answer (a frozen server, a network that drops packets), or a free one when all are
 * busy. It then fails, and the HTTP edge answers 503 with Retry-After (db/unavailable.ts) instead
 * of leaving the caller waiting for as long as the outage lasts.
 */
export const API_CONNECT_TIMEOUT_MS = 10_000;
/** The sql_query tool's read-only role (pulse_agent): root/assistant.ts. */
export const ASSISTANT_SQL_CONNECTIONS = 2;

export type Purpose = 'api' | 'analysis' | 'queue' | 'imports' | 'messenger-send' | 'messenger-worker' | 'materializer' | 'assistant-sql';

/** pg_stat_activity.application_name of a purpose's connections. */
export const applicationName = (purpose: Purpose) => `pulse:${purpose}`;

type Sizing = Pick<Config, 'analysis' | 'uploads'>;

/**
 * Purposes whose work can wait milliseconds: on a database on this host their backends run at
 * nice 10, below the request path's (db/backend-priority.ts). The materializer thread lowers
 * its own pool, which it makes itself.
 */
const BACKGROUND_PURPOSES: ReadonlySet<Purpose> = new Set<Purpose>(['analysis', 'messenger-send', 'messenger-worker']);

/** A pool of `max` connections for `purpose`, named after it, its backends lowered when the purpose is background work. */
export function purposePool(url: string, purpose: Purpose, max: number, onError?: (err: Error) => void): pg.Pool {
  const pool = createPool(url, max, onError, applicationName(purpose), purpose === 'api' ? { connectionTimeoutMillis: API_CONNECT_TIMEOUT_MS } : {});
  return BACKGROUND_PURPOSES.has(purpose) ? lowerPoolBackends(pool) : pool;
}

/** The analysis pool: the workers, plus planning and the metric refresh with its lock. */
export const analysisConnections = (concurrency: number) => concurrency + 2;

/** The most connections each purpose may hold at once (the pools' `max`), Messenger's when it is on. */
export function connectionBudget(config: Sizing, opts: { messenger: boolean }): Partial<Record<Purpose, number>> {
  const messenger = messengerPoolSizes();
  return {
    api: API_CONNECTIONS,
    analysis: analysisConnections(config.analysis.concurrency),
    queue: QUEUE_CONNECTIONS,
    // each import running at once holds its own connection and its writers'
    imports: config.uploads.concurrency * IMPORT_CONNECTIONS,
    'assistant-sql': ASSISTANT_SQL_CONNECTIONS,
    ...(opts.messenger ? { 'messenger-send': messenger.send, 'messenger-worker': messenger.worker, materializer: MATERIALIZER_THREAD_CONNECTIONS } : {}),
  };
}

export const budgetTotal = (budget: Partial<Record<Purpose, number>>) => Object.values(budget).reduce((a, n) => a + (n ?? 0), 0);

export interface Pools {
  api: pg.Pool;
  analysis: pg.Pool;
  imports: pg.Pool;
  /** Messenger's (bots/messenger/index.ts): the Send API log, and the reply loops with their LISTEN */
  messenger?: { send: pg.Pool; worker: pg.Pool };
  /** ends every pool (after the pg-boss and everything using them have stopped) */
  end(): Promise<void>;
}

/** The pools, sized by connectionBudget. No connection opens until used; an idle one closes after 60 s (POOL_IDLE_MS). */
export function createPools(url: string, config: Sizing, opts: { messenger: boolean; onError?: (purpose: Purpose, err: Error) => void }): Pools {
  const budget = connectionBudget(config, opts);
  const pool = (purpose: Purpose) => purposePool(url, purpose, budget[purpose]!, (err) => opts.onError?.(purpose, err));
  const messenger = opts.messenger ? { send: pool('messenger-send'), worker: pool('messenger-worker') } : undefined;
  const pools = { api: pool('api'), analysis: pool('analysis'), imports: pool('imports') };
  const all = [pools.api, pools.analysis, pools.imports, ...(messenger ? [messenger.send, messenger.worker] : [])];
  return {
    ...pools,
    ...(messenger ? { messenger } : {}),
    end: async () => void (await Promise.all(all.map((p) => p.end().catch(() => {})))),
  };
}
