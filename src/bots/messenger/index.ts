import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { Config } from '../../config.ts';
import { GroupCommitStore, type StoreCommit } from '../../db/messenger-group-commit.ts';
import { MessengerStore, notifyInbox } from '../../db/messenger-repo.ts';
import { IntakeGauge } from '../../jobs/messenger/intake.ts';
import { startMaterializerThread } from '../../jobs/messenger/materializer-host.ts';
import { startAnalysisPlanner } from '../../jobs/messenger/plan-closed-days.ts';
import { MESSENGER_CONCURRENCY } from '../../jobs/messenger/pool-sizes.ts';
import { startReplyWorker } from '../../jobs/messenger/reply-worker.ts';
import { throttled } from '../../jobs/throttle.ts';
import type { Logger } from '../../logger.ts';
import { createMessengerSender, lookupProfileName } from './send-api.ts';
import type { CustomerAgent, HandoffDesk, MessengerSender } from '../../domain/messenger/contracts.ts';
import { messengerWebhook } from './webhook.ts';

// The Messenger channel composed: the webhook plugin (GET verification, POST store-then-200),
// the Send API sender, the materializer (inbox events → message rows), the reply worker and
// the planner that hands closed days to the
// analysis pipeline. server.ts registers `plugin` (encapsulated) and calls stop() on shutdown.

/**
 * While the webhook takes ≥ 100 deliveries/s, each reply loop waits this long before its next
 * batch: acknowledgements first, replies at a trickle (the inbox keeps them) until it calms.
 */
const REPLY_PAUSE_DURING_FLOOD_MS = 1000;

/**
 * Other instances hear of new inbox events at most this often during a burst (one NOTIFY per
 * window, after the window's deliveries were stored). A NOTIFY is a commit with a WAL flush of
 * its own: one per round trip was ~3,000 extra commits in a 5,000-delivery flood, and their
 * writes, results and echoes on this process's LISTEN cost the webhook's thread ~6% of its time.
 * Their workers lose nothing: the materializer batches for longer than this anyway.
 */
export const NOTIFY_OTHERS_WINDOW_MS = 50;

export interface MessengerOptions {
  config: Config;
  /** the app's pool: webhook store and the analysis planner */
  pool: pg.Pool;
  /**
   * The channel's own pools, made by the composition root (sizes: jobs/messenger/pool-sizes.ts): `send` for the Send
   * API log (replies never wait for, or hold, the webhook's connections), `worker` for the reply
   * loops, the LISTEN and the materializer's fallback. The root closes them after stop().
   */
  pools: { send: pg.Pool; worker: pg.Pool };
  /** the materializer thread's own pool only: a worker thread cannot borrow this thread's connections */
  materializerDatabaseUrl: string;
  logger: Logger;
  agent: CustomerAgent;
  desk?: HandoffDesk;
  sender?: MessengerSender;
  /** the analysis pipeline's plan({ conversationIds }) */
  planAnalysis?: (conversationIds: number[]) => Promise<unknown>;
  /** reply workers in this process (each holds one connection of `pools.worker` while answering) */
  concurrency?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Send API messages per second per page */
  ratePerPage?: number;
  /** typing_on only for answers not ready this soon (0: before every answer); see the reply worker */
  typingAfterMs?: number;
  /** other instances are woken at most once per this many ms during a burst (NOTIFY_OTHERS_WINDOW_MS) */
  notifyWindowMs?: number;
  /** each webhook group commit: deliveries, queue wait and statement time, timeline (the bench's --trace) */
  onStoreCommit?: (c: StoreCommit) => void;
}

export interface MessengerService {
  plugin: FastifyPluginAsync;
  sender: MessengerSender;
  stop(): Promise<void>;
}

export async function startMessenger(opts: MessengerOptions): Promise<MessengerService> {
  const { appSecret, verifyToken } = opts.config.messenger;
  if (!appSecret || !verifyToken) {
    throw new Error('Messenger needs MESSENGER_APP_SECRET and MESSENGER_VERIFY_TOKEN (and MESSENGER_PAGE_TOKENS to answer)');
  }
  const log = opts.logger.child({ component: 'messenger' });
  const concurrency = opts.concurrency ?? MESSENGER_CONCURRENCY;
  const { send: sendPool, worker: workerPool } = opts.pools;
  const sender =
    opts.sender ??
    createMessengerSender({
      pool: sendPool, config: opts.config, logger: opts.logger,
      ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.now ? { now: opts.now } : {}),
      ...(opts.ratePerPage ? { ratePerPage: opts.ratePerPage } : {}),
    });
  if (!opts.desk) log.warn('messenger: no handoff desk (Slack or HANDOFF_CHANNEL missing): handed-off conversations wait in SupportPulse, logged in ErrorLog');
  if (opts.config.messenger.pageTokens.size === 0) log.warn('messenger: MESSENGER_PAGE_TOKENS is empty: events are stored but no reply can be sent');

  const intake = new IntakeGauge();
  const materializer = startMaterializerThread({
    databaseUrl: opts.materializerDatabaseUrl, logLevel: opts.config.logLevel, logger: opts.logger, pool: workerPool,
    onMaterialized: () => worker.wake(),
  });
  const worker = startReplyWorker({
    onNotify: materializer.wake,
    yieldToIntake: () => intake.yieldDuringFlood(REPLY_PAUSE_DURING_FLOOD_MS),
    intakeFlooding: () => intake.flooding(),
    pool: workerPool,
    agent: opts.agent,
    ...(opts.desk ? { desk: opts.desk } : {}),
    sender,
    logger: opts.logger,
    concurrency,
    lookupName: (pageId, psid) => lookupProfileName({ config: opts.config, ...(opts.fetch ? { fetch: opts.fetch } : {}) }, pageId, psid),
    humanPauseMinutes: opts.config.messenger.humanPauseMinutes,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.typingAfterMs !== undefined ? { typingAfterMs: opts.typingAfterMs } : {}),
  });
  const planner = opts.planAnalysis
    ? startAnalysisPlanner({ pool: opts.pool, timeZone: opts.config.businessTimezone, plan: opts.planAnalysis, logger: opts.logger, ...(opts.now ? { now: opts.now } : {}) })
    : undefined;
  // two statements in flight: the next group forms and starts while one waits for its commit
  const store = new GroupCommitStore(new MessengerStore(opts.pool), 2, undefined, opts.onStoreCommit);
  // other instances' workers hear of new events after the acknowledgement, not inside it (see
  // messenger-repo's INBOX_INSERT); a burst of deliveries costs one NOTIFY per window, on the
  // worker pool so it never takes a connection the webhook needs
  const notifyOthers = throttled(
    () => notifyInbox(workerPool).catch((err: unknown) => log.debug({ err }, 'messenger: NOTIFY failed; other instances poll')),
    opts.notifyWindowMs ?? NOTIFY_OTHERS_WINDOW_MS,
  );
  const plugin = messengerWebhook({ appSecret, verifyToken, store, onStored: () => {
    intake.hit();
    materializer.wake();
    notifyOthers.call();
  } });

  return {
    plugin,
    sender,
    stop: async () => {
      notifyOthers.stop();
      await planner?.stop();
      await materializer.stop();
      await worker.stop();
    },
  };
}
