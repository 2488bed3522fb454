import type { Command } from 'commander';
import type { Config } from '../config.js';
import { DEFAULT_DEMO_CONVERSATIONS } from '../db/seed/defaults.js';
import { createProgress } from './progress.js';

// Database code is imported inside the actions, so that `pulse --help` and `pulse <cmd> --help`
// load none of it (node-postgres, the migrator, the embedded server).
const migrator = () => import('../db/migrator.js');
const pgClient = async (url: string) => new (await import('pg')).default.Client({ connectionString: url });

type Out = (line: string) => void;

/** Opens the configured database for one command and releases it afterwards. */
export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('../db/database.js');
  const db = await openDatabase(config, () => {});
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

const isoInstant = (name: string) => (v: string) => {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`${name} must be an ISO date and time, got "${v}"`);
  return d;
};

export function registerDbCommands(program: Command, config: () => Config, out: Out): void {
  const db = program.command('db').description('database: migrations, demo data, status');

  db.command('migrate')
    .description('apply pending migrations from prisma/migrations (recorded as Prisma does)')
    .action(() =>
      withDatabase(config(), async (url) => {
        const { migrate } = await migrator();
        const { applied } = await migrate(url, { log: out });
        out(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
      }),
    );

  db.command('seed')
    .description('generate the deterministic demo dataset into an empty database')
    .option('--conversations <n>', `conversations to generate (default ${DEFAULT_DEMO_CONVERSATIONS})`, positiveInt('--conversations'))
    .option('--seed <s>', 'random seed: the same seed gives the same data', positiveInt('--seed'), 1)
    .option('--now <iso>', 'the clock the data ends at (default: now); `pulse eval` expects 2026-11-25T14:30:00Z', isoInstant('--now'))
    .action((opts: { conversations?: number; seed: number; now?: Date }) =>
      withDatabase(config(), async (url) => {
        const { migrate } = await migrator();
        const { seedDemoData } = await import('../db/seed/load.js');
        await migrate(url, { log: out });
        const progress = createProgress('seeding', { unit: 'conversations' });
        const summary = await seedDemoData(url, {
          conversations: opts.conversations ?? DEFAULT_DEMO_CONVERSATIONS,
          seed: opts.seed,
          now: opts.now ?? new Date(),
          timezone: config().businessTimezone,
          onProgress: (p) => progress.update(p.conversations, p.totalConversations),
        });
        progress.finish();
        out(
          `seeded ${summary.messages.toLocaleString('en-US')} messages in ${summary.conversations} conversations ` +
            `(${summary.pages} pages, ${summary.sessions} sessions, ${summary.users} users) in ${summary.seconds.toFixed(1)} s`,
        );
      }),
    );

  db.command('reset')
    .description('drop every table and re-apply migrations (destroys all data)')
    .option('--yes', 'confirm that all data may be destroyed')
    .action((opts: { yes?: boolean }) => {
      if (!opts.yes) throw new Error('refusing to destroy data without --yes (pulse db reset --yes)');
      return withDatabase(config(), async (url) => {
        const { migrate } = await migrator();
        const client = await pgClient(url);
        await client.connect();
        try {
          // pgboss holds queue messages that point at jobs in public: drop both.
          await client.query('DROP SCHEMA IF EXISTS pgboss CASCADE; DROP SCHEMA IF EXISTS analytics CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
        } finally {
          await client.end();
        }
        await migrate(url, { log: out });
        out('database reset: empty and migrated (pulse db seed adds demo data)');
      });
    });

  db.command('status')
    .description('show which database is used, its migrations, row counts and who holds connections to it')
    .action(() =>
      withDatabase(config(), async (url) => {
        const { redactUrl } = await import('../db/database.js');
        const { migrationStatus } = await migrator();
        out(`database: ${redactUrl(url)} (${config().databaseUrl ? 'DATABASE_URL' : 'embedded'})`);
        const s = await migrationStatus(url);
        out(`migrations: ${s.applied.length} applied, ${s.pending.length} pending`);
        for (const [label, names] of [['pending', s.pending], ['modified after apply', s.modified], ['failed', s.failed], ['unknown to this checkout', s.unknown]] as const) {
          for (const n of names) out(`  ${label}: ${n}`);
        }
        if (s.applied.length === 0) return;
        const client = await pgClient(url);
        await client.connect();
        try {
          const counts = await client.query<{ t: string; n: string }>(
            `SELECT 'pages' t, count(*) n FROM pages UNION ALL SELECT 'conversations', count(*) FROM conversations
             UNION ALL SELECT 'messages', count(*) FROM messages UNION ALL SELECT 'sessions', count(*) FROM sessions
             UNION ALL SELECT 'daily_analyses', count(*) FROM daily_analyses UNION ALL SELECT 'users', count(*) FROM users`,
          );
          out(`rows: ${counts.rows.map((r) => `${r.t} ${Number(r.n).toLocaleString('en-US')}`).join(', ')}`);
          // the running service's (or anyone's) connections, by who holds them; this one's excluded
          const { connectionsByApplication, describeConnections } = await import('../db/connections.js');
          out(`connections: ${describeConnections(await connectionsByApplication(client))}`);
        } finally {
          await client.end();
        }
      }),
    );
}
