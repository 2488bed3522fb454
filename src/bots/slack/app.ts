// The Slack channel's composition: the Bolt App (HTTP through our Fastify receiver, or Socket
// Mode when SLACK_APP_TOKEN is set), its listeners, the durable ask queue and its worker.
// server.ts starts it when Slack is configured and registers `plugin` on the one Fastify server.

import { App, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { FastifyPluginAsync } from 'fastify';
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Assistant } from '../../agents/assistant/assistant.ts';
import type { Config } from '../../config.ts';
import { findSlackDelivery, insertSlackDelivery } from '../../db/slack-deliveries-repo.ts';
import { slackCaller } from '../../db/users-repo.ts';
import { mayAskAnalytics } from '../../domain/access.ts';
import type { AfterQaChange } from '../../db/qa-repo.ts';
import { disputeNotificationHook, qaNotificationHook } from '../../jobs/notifications/qa-notify.ts';
import type { AfterDispute } from '../../db/qa-disputes-repo.ts';
import { ensureQueue, inTransaction } from '../../jobs/queue.ts';
import type { Logger } from '../../logger.ts';
import type { MessengerSender } from '../../domain/messenger/contracts.ts';
import { SHOW_SQL_ACTION, SLACK_ASK_QUEUE, SLACK_ASK_QUEUE_OPTIONS, startAskWorker } from './ask-worker.ts';
import { registerSlashCommands } from './commands.ts';
import type { AskRequest, SlackDeps } from './deps.ts';
import { escapeSlackText, splitText } from './format.ts';
import { startSeenWatcher } from './handoff-seen.ts';
import { registerHandoff } from './handoff-listeners.ts';
import { registerAlerts } from './alerts.ts';
import { registerDigest } from './digest.ts';
import { registerAppHome } from './home.ts';
import { postEphemeral } from '../../notify/slack.ts';
import { registerQa } from './qa.ts';
import { connectSlack, type SlackConnection } from './connection.ts';
import { FastifyReceiver } from './receiver.ts';
import { makeStorable } from '../../domain/storable.ts';

/** WebClient retries: 429s wait for Retry-After (WebClient does that itself), other failures back off. */
export const SLACK_RETRY_CONFIG = { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 8000, randomize: true };

/** Bolt's logger interface over our pino logger. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => log.debug(text(msg)),
    info: (...msg) => log.info(text(msg)),
    warn: (...msg) => log.warn(text(msg)),
    error: (...msg) => log.error(text(msg)),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

/** `<@U123>` mentions of the bot removed from a question. */
export const stripMention = (text: string, botUserId: string | undefined): string =>
  (botUserId ? text.split(`<@${botUserId}>`).join(' ') : text.replace(/^\s*<@[A-Z0-9]+>/, '')).replace(/\s+/g, ' ').trim();

/** The fields of a Slack message event the listeners read. */
export interface MessageLike {
  subtype?: string;
  bot_id?: string;
  edited?: unknown;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
}

/** Mentions and DMs: a person's new message, not a bot's, not an edit, not a join or a file share. */
export const isQuestion = (m: MessageLike): m is MessageLike & { user: string } =>
  m.subtype === undefined && m.bot_id === undefined && m.edited === undefined && typeof m.user === 'string';

export interface SlackAppOptions {
  config: Config;
  deps: SlackDeps;
  /** HTTP mode: the Fastify receiver; absent with an app token = Socket Mode */
  receiver?: FastifyReceiver;
  /** /qa: runs in each QA change's transaction (the notification hook) */
  qaAfter?: AfterQaChange;
}

/**
 * The Bolt App with every listener: mentions, DMs, "Show SQL", slash commands, App Home.
 * Deferred: it handles requests only after `app.init()` (startSlack's connection does that).
 */
export function createSlackApp({ config, deps, receiver, qaAfter }: SlackAppOptions): { app: App; socketMode?: SocketModeReceiver } {
  const { botToken, appToken, apiUrl } = config.slack;
  if (!botToken) throw new Error('Slack needs SLACK_BOT_TOKEN');
  const logger = boltLogger(deps.logger);
  const clientOptions = { slackApiUrl: apiUrl, retryConfig: SLACK_RETRY_CONFIG, rejectRateLimitedCalls: false };
  let socketMode: SocketModeReceiver | undefined;
  if (!receiver) {
    if (!appToken) throw new Error('Slack needs SLACK_APP_TOKEN (Socket Mode) or a signing secret (HTTP mode)');
    socketMode = new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions: { slackApiUrl: apiUrl } } });
  }
  // deferInitialization: Bolt would otherwise run auth.test here and leave its failure unobserved
  // (an unhandled rejection that ends the process); connection.ts calls app.init() instead.
  const app = new App({ token: botToken, receiver: receiver ?? socketMode, logger, clientOptions, deferInitialization: true });
  const log = deps.logger.child({ component: 'slack' });
  // A NUL or a lone surrogate in a message ("\u0000" in the JSON) would fail its row in PostgreSQL on
  // every retry of Slack's: every event and command is made storable first, in HTTP and Socket Mode.
  app.use(async ({ body, next }) => {
    makeStorable(body);
    await next();
  });

  const ask = async (req: AskRequest) => {
    const outcome = await deps.ask(req);
    if (outcome === 'duplicate') log.info({ key: req.key }, 'slack: repeated delivery ignored');
  };

  app.event('app_mention', async ({ event, body, context }) => {
    if (!isQuestion(event)) return;
    await ask({
      key: String(body.event_id),
      ...(body.team_id ? { team: body.team_id } : {}),
      channel: event.channel,
      ...(event.thread_ts ? { threadTs: event.thread_ts } : {}),
      ts: event.ts,
      user: event.user,
      text: stripMention(event.text ?? '', context.botUserId),
    });
  });

  app.event('message', async ({ event, body, context }) => {
    const m = event as MessageLike;
    // channels reach us as app_mention; only direct messages are questions by themselves
    if (m.channel_type !== 'im' || !isQuestion(m)) return;
    await ask({
      key: String(body.event_id),
      ...(body.team_id ? { team: body.team_id } : {}),
      channel: m.channel,
      ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
      ts: m.ts,
      user: m.user,
      text: stripMention(m.text ?? '', context.botUserId),
    });
  });

  app.action(SHOW_SQL_ACTION, async ({ ack, body, action, client, respond }) => {
    await ack();
    const key = 'value' in action && typeof action.value === 'string' ? action.value : undefined;
    if (!key) return;
    const caller = await deps.callerOf(body.user.id);
    const d = await findSlackDelivery(deps.pool, key);
    const text = (
      config.assistantMinRole && !mayAskAnalytics(caller.role, config.assistantMinRole)
        ? 'Sorry, your role may not see the SQL behind answers here.'
        : d?.sql
          ? splitText(escapeSlackText(d.sql), 2900).map((c) => `\`\`\`${c}\`\`\``).join('\n')
          : 'No SQL was run for this answer (or it is no longer stored).'
    ).slice(0, 39_000);
    const channel = body.channel?.id;
    const ephemeral = 'container' in body && (body.container as { is_ephemeral?: boolean }).is_ephemeral === true;
    // an answer that is itself ephemeral (a /pulse ask) can only be followed up through its response_url
    if (ephemeral || !channel) {
      await respond({ response_type: 'ephemeral', replace_original: false, text });
      return;
    }
    const threadTs = d?.threadTs ?? d?.messageTs;
    await postEphemeral(client.chat, { channel, user: body.user.id, text, ...(threadTs && !channel.startsWith('D') ? { thread_ts: threadTs } : {}) }, log);
  });

  registerSlashCommands(app, deps);
  registerAppHome(app, deps);
  registerQa(app, deps, qaAfter ? { after: qaAfter } : {});
  registerAlerts(app, deps);
  registerDigest(app, deps);
  // threads live in HANDOFF_CHANNEL or in a page's own channel (pages.handoff_channel)
  if (deps.messenger) registerHandoff(app, deps, { ...(config.channels.handoff ? { channel: config.channels.handoff } : {}), sender: deps.messenger });
  return { app, ...(socketMode ? { socketMode } : {}) };
}

export interface SlackServiceOptions {
  config: Config;
  pool: pg.Pool;
  /** the process's one pg-boss (started): the slack-ask queue and its workers go on it; its owner stops it */
  boss: PgBoss;
  assistant: Assistant;
  logger: Logger;
  now?: () => Date;
  /** questions answered at once by this process */
  concurrency?: number;
  /** the service's QA notification hook; default: one queuing on this channel's own pg-boss */
  qaAfter?: AfterQaChange;
  /** the service's dispute notification hook; default: one queuing on this channel's own pg-boss */
  disputeAfter?: AfterDispute;
  /** the Messenger Send API, for replies in HANDOFF_CHANNEL threads (handoff-listeners.ts) */
  messenger?: MessengerSender;
  /** how often the handoff threads' "seen" lines are looked for (handoff-seen.ts; default 5 s, 0: never) */
  seenPollMs?: number;
  /** backoff of the start-up auth.test retries (connection.ts); default 1 s doubling to SLACK_AUTH_RETRY_MAX_SECONDS */
  authRetry?: { minMs?: number; maxMs?: number };
}

export interface SlackService {
  app: App;
  deps: SlackDeps;
  /** HTTP mode: register on the Fastify server (POST /slack/events); undefined in Socket Mode */
  plugin?: FastifyPluginAsync;
  mode: 'http' | 'socket';
  socketMode?: SocketModeReceiver;
  /** 'ok', or why Slack is unavailable (auth.test refused or unreachable; retried in the background) */
  status(): string;
  stop(): Promise<void>;
}

/**
 * Starts the Slack channel: the queue and its worker, the Bolt App and, in Socket Mode, its
 * connection. HTTP mode needs SLACK_SIGNING_SECRET; Socket Mode is used when SLACK_APP_TOKEN is set.
 */
export async function startSlack(opts: SlackServiceOptions): Promise<SlackService> {
  const { config, pool, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const socket = Boolean(config.slack.appToken);
  if (!socket && !config.slack.signingSecret) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET');

  const { boss } = opts;
  await ensureQueue(boss, SLACK_ASK_QUEUE, SLACK_ASK_QUEUE_OPTIONS);
  const deps: SlackDeps = {
    pool,
    assistant: opts.assistant,
    config,
    logger,
    now,
    callerOf: (user) => slackCaller(pool, user, { adminIds: config.adminSlackIds }),
    afterDispute: opts.disputeAfter ?? disputeNotificationHook({ boss }),
    ...(opts.messenger ? { messenger: opts.messenger } : {}),
    ask: async (req) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inserted = await insertSlackDelivery(client, {
          key: req.key, channel: req.channel, user: req.user, text: req.text,
          ...(req.team ? { team: req.team } : {}),
          ...(req.threadTs ? { threadTs: req.threadTs } : {}),
          ...(req.ts ? { messageTs: req.ts } : {}),
          ...(req.responseUrl ? { responseUrl: req.responseUrl } : {}),
        });
        if (inserted) await boss.send(SLACK_ASK_QUEUE, { key: req.key }, { db: inTransaction(client) });
        await client.query('COMMIT');
        return inserted ? 'queued' : 'duplicate';
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
  // the receiver exists before the App and its connection; it asks through this holder
  const link: { connection?: SlackConnection } = {};
  const unavailable = () => (link.connection?.connected() ? undefined : `Slack is not connected yet: ${link.connection?.status() ?? 'connecting'}`);
  const receiver = socket ? undefined : new FastifyReceiver({ signingSecret: config.slack.signingSecret!, now, unavailable });
  const { app, socketMode } = createSlackApp({ config, deps, ...(receiver ? { receiver } : {}), qaAfter: opts.qaAfter ?? qaNotificationHook({ boss }) });
  const stopWorker = await startAskWorker({
    pool, boss, client: app.client, assistant: opts.assistant, config, logger, callerOf: deps.callerOf, concurrency: opts.concurrency ?? 4,
  });
  // Slack down or the token refused must not stop the service: the rest keeps working, /readyz
  // and the log say why Slack does not, and the check is retried in the background. The first
  // attempt is awaited so a healthy Slack is connected before the service says it is ready.
  let socketStarted = false;
  const conn = connectSlack({
    app, token: config.slack.botToken!, apiUrl: config.slack.apiUrl, logger,
    minMs: opts.authRetry?.minMs ?? 1000, maxMs: opts.authRetry?.maxMs ?? config.slack.authRetryMaxSeconds * 1000,
    onConnected: async () => {
      if (!socket) return;
      // a Socket Mode connection that fails (bad app token, no network) is logged, not fatal
      await app.start().then(
        () => void (socketStarted = true),
        (err: unknown) => logger.error({ err, component: 'slack' }, 'slack: Socket Mode could not connect'),
      );
    },
  });
  link.connection = conn;
  await conn.firstAttempt;
  // the customer's "seen" in handoff threads: only where replies reach customers
  const seen = opts.messenger
    ? startSeenWatcher({ pool, slack: app.client, logger, now, timeZone: config.businessTimezone, pollMs: opts.seenPollMs ?? 5_000 })
    : undefined;
  let stopped = false;
  return {
    app,
    deps,
    mode: socket ? 'socket' : 'http',
    ...(receiver ? { plugin: receiver.plugin } : {}),
    ...(socketMode ? { socketMode } : {}),
    status: () => conn.status(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await conn.stop();
      await seen?.stop();
      if (socketStarted) await app.stop().catch((err: unknown) => logger.warn({ err }, 'slack: closing the socket failed'));
      // a question being answered finishes before the pools close: the boss's owner stops it gracefully
      await stopWorker();
    },
  };
}
