import pg from 'pg';
import type { MessengerSender, CustomerAgent, HandoffDesk, HandoffReason } from '../../domain/messenger/contracts.ts';
import { insertErrorLog } from '../../db/errors-repo.ts';
import { EVENTS_CHANNEL } from '../../db/messenger-repo.ts';
import {
  claimBatch, markWaiting, recordAttempt, recordTurns, settleEvents, type ClaimedTurn, type InboxEvent,
} from '../../db/messenger-inbox-repo.ts';
import { countTemplateUses } from '../../db/templates-repo.ts';
import type { Logger } from '../../logger.ts';
import { createWaker } from '../wake.ts';
import { HANDLED, handle, type Handled } from './reply-turn.ts';
import { startSessionRefresher } from './session-refresher.ts';

// The reply worker: takes stored webhook events from messenger_events (polling with
// FOR UPDATE SKIP LOCKED, woken early by LISTEN/NOTIFY) and answers each customer message at
// most once: the reply's idempotency key `reply:<event key>` is in messenger_sends before Meta
// is called, so an event handled again after a crash finds it and sends nothing. Survives
// restarts: the inbox is the queue. Several loops (and several processes) run side by side.
//
// A loop claims a batch: the earliest pending event of up to `batchSize` conversations, each
// with its turn's context and the customer's window, in one round trip, and keeps the rows
// locked until the batch commits, so a conversation's next event waits for this one (order per
// customer). The batch's turns are answered concurrently (`parallel` at once; sends within the
// page's rate, shared by every instance in Postgres), then what they learnt is written, the
// template counters bumped and the events settled, a statement each for the whole batch.
// Sessions are rebuilt after the commit, batched by the session refresher.

export interface ReplyWorkerDeps {
  /** the reply loops' connections, plus one held for good by the LISTEN (see listen) */
  pool: pg.Pool;
  agent: CustomerAgent;
  desk?: HandoffDesk;
  sender: MessengerSender;
  logger: Logger;
  /** best effort: the customer's name for a customer without one */
  lookupName?: (pageId: string, psid: string) => Promise<string | undefined>;
  now?: () => Date;
  /** reply loops, each holding one connection while its batch is answered */
  concurrency?: number;
  /** conversations a loop claims at once */
  batchSize?: number;
  /** turns of a batch answered at once (each may query the agent's pool and calls Meta) */
  parallel?: number;
  pollMs?: number;
  maxAttempts?: number;
  /** also called on every NOTIFY of new inbox events (the materializer's wake-up) */
  onNotify?: () => void;
  /** awaited before each batch: lets the webhook's acknowledgements go first during a flood (true: it is one) */
  yieldToIntake?: () => Promise<boolean | void>;
  /** true while the webhook is flooded (session rebuilds wait meanwhile: SESSIONS_DEFER_FLOOD_MS) */
  intakeFlooding?: () => boolean;
  /** MESSENGER_HUMAN_PAUSE_MINUTES: the bot stays quiet this long after a person wrote (0: never) */
  humanPauseMinutes?: number;
  /**
   * typing_on goes out when the answer is not ready this long after the turn started (0: always,
   * before the agent runs). An instant answer needs no typing bubble, and each one is a Send API
   * call against the page's rate.
   */
  typingAfterMs?: number;
}

export interface ReplyWorker {
  /** handle pending events now instead of at the next poll */
  wake(): void;
  stop(): Promise<void>;
}

/** the kinds stored as messages: customers' turns are answered, echoes and standby events only recorded (and shown) */
export const DEFAULT_BATCH_SIZE = 64;
export const DEFAULT_PARALLEL = 32;
/** the batch claimed while the webhook is flooded */
export const FLOOD_BATCH_SIZE = 8;
/**
 * Session rebuilds wait up to this long while the webhook is flooded, and up to
 * SESSIONS_DEFER_BACKLOG_MS while the loops claim full batches (a backlog): each rebuild of a
 * conversation passes over all its messages, so rebuilding it after every one of its turns cost
 * more with every message it had (the messenger bench's replies slowed run after run).
 */
export const SESSIONS_DEFER_FLOOD_MS = 30_000;
export const SESSIONS_DEFER_BACKLOG_MS = 5_000;

export function startReplyWorker(deps: ReplyWorkerDeps): ReplyWorker {
  const log = deps.logger.child({ component: 'messenger-worker' });
  const now = deps.now ?? (() => new Date());
  const pollMs = deps.pollMs ?? 1000;
  const maxAttempts = deps.maxAttempts ?? 3;
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const parallel = deps.parallel ?? DEFAULT_PARALLEL;
  const named = new Set<string>();
  let stopping = false;
  // after a batch failed as a whole, its events are claimed one at a time (a poisoned event
  // then fails alone instead of taking its batch-mates' attempts)
  let isolate = 0;
  /** the last batch was full: more events wait */
  let backlog = false;
  const { wake, idle } = createWaker();

  /** Claims a batch and answers it in one transaction; how many events it claimed. */
  async function step(limit: number): Promise<number> {
    const client = await deps.pool.connect();
    let broken: Error | undefined;
    // a connection cut while checked out is an 'error' event: heard here, reported by the query
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    let claimed: ClaimedTurn[] = [];
    try {
      await client.query('BEGIN');
      claimed = await claimBatch(client, isolate > 0 ? 1 : limit);
      if (claimed.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      if (isolate > 0) isolate--;
      const outcomes = await mapLimited(claimed, parallel, (t): Promise<Outcome> => handle(deps, t, named).then((h) => ({ ok: true, h }), (err: unknown) => ({ ok: false, err: err as Error })));
      const failed = await writeBatch(deps, client, claimed, outcomes, now());
      for (const [i, err] of failed) await attemptFailed(client, claimed[i]!.event, err);
      await client.query('COMMIT');
      // after the commit: the rebuild must see what handling the events wrote
      for (const t of claimed) if (HANDLED.includes(t.event.kind)) sessions.touch(t.event.conversationId);
      return claimed.length;
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => {});
      if (claimed.length > 0) await batchFailed(claimed, err as Error);
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async function attemptFailed(db: pg.ClientBase | pg.Pool, ev: InboxEvent, err: Error): Promise<void> {
    const state = await recordAttempt(db, ev.id, err.message, maxAttempts);
    log.error({ err, eventKey: ev.key, state }, 'messenger: handling an event failed');
    if (state === 'failed') {
      await insertErrorLog(db, { source: 'messenger', message: `event ${ev.key} could not be handled: ${err.message}`, context: { eventKey: ev.key, conversationId: ev.conversationId } });
    }
  }

  /** The batch's writes failed: each event counts an attempt, and they are tried again one at a time. */
  async function batchFailed(claimed: ClaimedTurn[], err: Error): Promise<void> {
    isolate = claimed.length;
    for (const t of claimed) await attemptFailed(deps.pool, t.event, err).catch(() => {});
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        // during a flood a small batch: its answers' CPU would otherwise delay the acknowledgements
        const flooding = (await deps.yieldToIntake?.()) === true;
        const limit = flooding ? Math.min(batchSize, FLOOD_BATCH_SIZE) : batchSize;
        const worked = await step(limit);
        backlog = worked >= limit;
        failures = 0;
        if (worked === 0) await idle(pollMs);
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 20 === 0) log.warn({ err }, 'messenger: worker cannot reach the database, retrying');
        await idle(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  const listener = listen(deps.pool, () => {
    deps.onNotify?.();
    wake();
  }, log, () => stopping);
  const sessions = startSessionRefresher({
    pool: deps.pool, logger: deps.logger, now,
    deferMs: () => (deps.intakeFlooding?.() ? SESSIONS_DEFER_FLOOD_MS : backlog ? SESSIONS_DEFER_BACKLOG_MS : 0),
    ...(deps.intakeFlooding ? { interrupt: deps.intakeFlooding } : {}),
  });
  const loops = Array.from({ length: deps.concurrency ?? 4 }, () => loop());
  return {
    wake,
    stop: async () => {
      stopping = true;
      wake();
      await Promise.all(loops);
      await sessions.stop();
      await listener.stop();
    },
  };
}

/** Handed off: the conversation waits for a human; the desk opens its thread (or ErrorLog says there is none). */
async function handOff(deps: ReplyWorkerDeps, client: pg.ClientBase, ev: InboxEvent, reason: HandoffReason, at: Date): Promise<void> {
  await markWaiting(client, ev.conversationId, reason, at);
  if (deps.desk) {
    await deps.desk.open(ev.conversationId, reason);
  } else {
    await insertErrorLog(client, {
      source: 'messenger',
      message: 'handoff requested but HANDOFF_CHANNEL/Slack not configured: the conversation waits for a human in SupportPulse',
      context: { conversationId: ev.conversationId, reason, eventKey: ev.key },
    });
  }
}

type Outcome = { ok: true; h: Handled } | { ok: false; err: Error };

/**
 * A batch's writes, in its transaction: classifications and unsure streaks, template counters,
 * handoffs (each under its own savepoint: a failing desk undoes only its own), and the states
 * of the events that went through. Returns the events that failed, by their index.
 */
async function writeBatch(deps: ReplyWorkerDeps, client: pg.ClientBase, claimed: ClaimedTurn[], outcomes: Outcome[], at: Date): Promise<Map<number, Error>> {
  await recordTurns(client, outcomes.flatMap((o) => (o.ok && o.h.turn ? [o.h.turn] : [])));
  await countTemplateUses(client, templateCounts(outcomes.flatMap((o) => (o.ok && o.h.template ? [o.h.template] : []))));
  const failed = new Map<number, Error>();
  outcomes.forEach((o, i) => !o.ok && failed.set(i, o.err));
  for (const [i, o] of outcomes.entries()) {
    if (!o.ok || !o.h.handoff) continue;
    try {
      await client.query('SAVEPOINT handoff');
      await handOff(deps, client, claimed[i]!.event, o.h.handoff, at);
      await client.query('RELEASE SAVEPOINT handoff');
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT handoff');
      failed.set(i, err as Error);
    }
  }
  await settleEvents(client, outcomes.flatMap((o, i) => (o.ok && !failed.has(i) ? [{ id: claimed[i]!.event.id, state: o.h.state }] : [])));
  return failed;
}

/** Runs fn over items, at most `limit` at once; results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

/** One row per (template, page): uses and successes (Meta accepted the message). */
function templateCounts(uses: readonly { name: string; pageId: number | null; sent: boolean }[]) {
  const byKey = new Map<string, { name: string; pageId: number | null; used: number; succeeded: number }>();
  for (const u of uses) {
    const k = `${u.name}\u0000${u.pageId ?? ''}`;
    const c = byKey.get(k) ?? { name: u.name, pageId: u.pageId, used: 0, succeeded: 0 };
    c.used++;
    if (u.sent) c.succeeded++;
    byKey.set(k, c);
  }
  return [...byKey.values()];
}

/** LISTEN on its own connection, reconnected after a failure; polling covers the gaps. */
/**
 * LISTEN on one connection of `pool`, checked out for good (a LISTEN ends with its session, so
 * the connection is never given back to serve a query; it is closed when lost or on stop).
 */
function listen(pool: pg.Pool, onNotify: () => void, log: Logger, stopped: () => boolean): { stop(): Promise<void> } {
  let client: pg.PoolClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (stopped()) return;
    let c: pg.PoolClient | undefined;
    try {
      c = await pool.connect();
      const held = c;
      held.on('error', () => {});
      held.on('end', () => {
        if (client === held && !stopped()) {
          client = undefined;
          held.release(true);
          timer = setTimeout(() => void connect(), 1000);
        }
      });
      held.on('notification', onNotify);
      await held.query(`LISTEN ${EVENTS_CHANNEL}`);
      client = held;
    } catch (err) {
      log.debug({ err }, 'messenger: LISTEN connection failed, retrying');
      c?.release(true);
      if (!stopped()) timer = setTimeout(() => void connect(), 1000);
    }
  };
  void connect();
  return {
    stop: async () => {
      clearTimeout(timer);
      const c = client;
      client = undefined;
      c?.release(true);
    },
  };
}

