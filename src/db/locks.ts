import pg from 'pg';

// Keys for session-level advisory locks. The migrator uses Prisma's own key (72707369).
export const LockKeys = {
  demoSeed: 72707370,
  metricsRefresh: 72707371,
  /** with a conversation id as second key, transaction-level: see db/topics-repo.ts */
  conversationTopics: 72707372,
} as const;

/** Runs fn while holding a Postgres advisory lock, so concurrent starters take turns. */
export async function withAdvisoryLock<T>(databaseUrl: string, key: number, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
    await client.end();
  }
}
