import pg from 'pg';
import { disclosureFor } from '../../domain/customer/disclosure.ts';
import { humanIsTalking } from '../../domain/messenger/human-pause.ts';
import { botAgentInfo, type MessengerSender, type CustomerAgent, type HandoffDesk, type CustomerTurn } from '../../domain/messenger/contracts.ts';
import { insertErrorLog } from '../../db/errors-repo.ts';
import { EVENTS_CHANNEL } from '../../db/messenger-repo.ts';
import {
  claimNext, markWaiting, recordAttempt, recordTurn, settleEvent, turnContext, type InboxEvent, type TurnContext,
} from '../../db/messenger-inbox-repo.ts';
import { setCustomerName } from '../../db/messenger-sends-repo.ts';
import { countTemplateUse } from '../../db/templates-repo.ts';
import { unsureStreakAfter } from '../../domain/customer/decide.ts';
import { INBOX_MESSAGE_KINDS, parseMessaging } from '../../domain/messenger/events.ts';
import { ourSender } from '../../domain/messenger/policy.ts';
import { customerFiles } from '../../domain/messenger/attachments.ts';
import type { Logger } from '../../logger.ts';
import { createWaker } from '../wake.ts';
import { takeCsatAnswer } from './csat.ts';
import { startSessionRefresher } from './session-refresher.ts';

// The reply worker: takes stored webhook events from messenger_events (polling with
// FOR UPDATE SKIP LOCKED, woken early by LISTEN/NOTIFY), one conversation's events in
// Meta-timestamp order, and answers each customer message at most once: the reply's
// idempotency key `reply:<event key>` is in messenger_sends before Meta is called, so an
// event handled again after a crash finds it and sends nothing. Survives restarts: the inbox
// is the queue. Several workers (and several processes) can run side by side.

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
  concurrency?: number;
  pollMs?: number;
  maxAttempts?: number;
  /** also called on every NOTIFY of new inbox events (the materializer's wake-up) */
  onNotify?: () => void;
  /** awaited before each event: lets the webhook's acknowledgements go first during a flood */
  yieldToIntake?: () => Promise<void>;
  /** MESSENGER_HUMAN_PAUSE_MINUTES: the bot stays quiet this long after a person wrote (0: never) */
  humanPauseMinutes?: number;
}

export interface ReplyWorker {
  /** handle pending events now instead of at the next poll */
  wake(): void;
  stop(): Promise<void>;
}

/** the kinds stored as messages: customers' turns are answered, echoes and standby events only recorded (and shown) */
const HANDLED: readonly string[] = INBOX_MESSAGE_KINDS;

export function startReplyWorker(deps: ReplyWorkerDeps): ReplyWorker {
  const log = deps.logger.child({ component: 'messenger-worker' });
  const now = deps.now ?? (() => new Date());
  const pollMs = deps.pollMs ?? 1000;
  const maxAttempts = deps.maxAttempts ?? 3;
  const named = new Set<string>();
  let stopping = false;
  const { wake, idle } = createWaker();
  async function handle(client: pg.ClientBase, ev: InboxEvent): Promise<'done' | 'skipped'> {
    if (!HANDLED.includes(ev.kind)) return 'done';
    const ctx = await turnContext(client, ev.conversationId, ev.at, ev.messageId);
    if (!ctx) return 'skipped';
    if (ev.kind === 'echo' || ev.kind === 'standby') return showOutside(deps, client, ev);
    const text = turnTextOf(ev);
    if (ctx.blocked) {
      await insertErrorLog(client, {
        source: 'messenger',
        message: `message from blocked customer ${ev.psid} on page ${ev.pageId} not answered by the bot`,
        context: { eventKey: ev.key, conversationId: ev.conversationId, reason: ctx.blockedReason },
      });
      return 'skipped';
    }
    if (ctx.handoffState !== 'bot') {
      // humans own it: the bot stays silent, the thread shows what the customer wrote
      if (deps.desk) await deps.desk.append(ev.conversationId, text, ev.at, customerFiles(ev.key, ev.payload));
      return 'done';
    }
    if (pausedForPerson(deps, ev, ctx)) return 'done';

    await answer(deps, client, ev, ctx, text, named, now);
    return 'done';
  }

  /** Claims and handles one event in one transaction; false when there was nothing to do. */
  async function step(): Promise<boolean> {
    const client = await deps.pool.connect();
    let broken: Error | undefined;
    // a connection cut while checked out is an 'error' event: heard here, reported by the query
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const ev = await claimNext(client);
      if (!ev) {
        await client.query('COMMIT');
        return false;
      }
      await client.query('SAVEPOINT handling');
      try {
        const state = await handle(client, ev);
        await settleEvent(client, ev.id, state);
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT handling');
        const state = await recordAttempt(client, ev.id, (err as Error).message, maxAttempts);
        log.error({ err, eventKey: ev.key, state }, 'messenger: handling an event failed');
        if (state === 'failed') {
          await insertErrorLog(client, { source: 'messenger', message: `event ${ev.key} could not be handled: ${(err as Error).message}`, context: { eventKey: ev.key, conversationId: ev.conversationId } });
        }
      }
      await client.query('COMMIT');
      // after the commit: the rebuild must see what handling the event wrote
      if (HANDLED.includes(ev.kind)) sessions.touch(ev.conversationId);
      return true;
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        await deps.yieldToIntake?.();
        const worked = await step();
        failures = 0;
        if (!worked) await idle(pollMs);
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
  const sessions = startSessionRefresher({ pool: deps.pool, logger: deps.logger, now });
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

/**
 * Humans first: a person's reply from another inbox (an echo our sender did not send) and what
 * the customer wrote while another app owns the conversation (standby) appear in the
 * conversation's Slack thread, when it has one. Our own echoes and standby receipts show nothing.
 */
async function showOutside(deps: ReplyWorkerDeps, client: pg.ClientBase, ev: InboxEvent): Promise<'done'> {
  const inner = parseMessaging(ev.pageId, ev.payload, undefined);
  if (!deps.desk || !('key' in inner)) return 'done';
  const at = ev.at;
  if (inner.kind === 'echo') {
    if (ourSender(inner.metadata) !== undefined || (await sentByUs(client, inner.key))) return 'done';
    await deps.desk.mirror(ev.conversationId, { kind: 'other_inbox', text: turnTextOf(ev), at, ...(inner.appId ? { appId: inner.appId } : {}) });
  } else if (ev.kind === 'standby') {
    await deps.desk.mirror(ev.conversationId, { kind: 'standby', text: turnTextOf(ev), at });
  }
  return 'done';
}

/** An echo without our metadata may still be ours (a send logged before metadata was added). */
async function sentByUs(client: pg.ClientBase, mid: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM messenger_sends WHERE response_mid = $1 LIMIT 1', [mid]);
  return rows.length > 0;
}

/** A person answered in another inbox (Meta Business Suite, a CRM) lately: the bot does not talk over them. */
function pausedForPerson(deps: ReplyWorkerDeps, ev: InboxEvent, ctx: TurnContext): boolean {
  if (!humanIsTalking(ctx.lastHumanAt, ev.at, deps.humanPauseMinutes ?? 30)) return false;
  deps.logger.info({ conversationId: ev.conversationId, eventKey: ev.key, lastHumanAt: ctx.lastHumanAt }, 'messenger: bot paused, a person wrote recently');
  return true;
}

/** The bot's turn: typing, the agent's decision, the reply, what it learnt, a handoff. */
async function answer(
  deps: ReplyWorkerDeps,
  client: pg.ClientBase,
  ev: InboxEvent,
  ctx: TurnContext,
  text: string,
  named: Set<string>,
  now: () => Date,
): Promise<void> {
  // a CSAT survey's answer is stored and thanked (jobs/messenger/csat.ts), never answered as a question
  if (await takeCsatAnswer(client, deps.sender, ev, text)) return;
  const log = deps.logger.child({ component: 'messenger-worker' });
  const started = performance.now();
  const base = { pageId: ev.pageId, psid: ev.psid, conversationId: ev.conversationId };
  await deps.sender.send({ ...base, key: `typing:${ev.key}`, sender: 'bot', senderAction: 'typing_on' });
  let customerName = ctx.customerName ?? undefined;
  if (!customerName && deps.lookupName && !named.has(`${ev.pageId}:${ev.psid}`)) {
    named.add(`${ev.pageId}:${ev.psid}`);
    customerName = await deps.lookupName(ev.pageId, ev.psid);
    if (customerName) await setCustomerName(client, ev.pageId, ev.psid, customerName);
  }
  const payload = payloadOf(ev);
  const turn: CustomerTurn = {
    ...base,
    text,
    ...(payload !== undefined ? { payload } : {}),
    attachments: attachmentsOf(ev),
    isFirstMessage: ctx.isFirstMessage,
    unsureStreak: ctx.unsureStreak,
    ...(customerName ? { customerName } : {}),
    ...(ctx.botSpoke ? {} : { disclosure: disclosureFor({ name: ctx.pageName, custom: ctx.pageDisclosure }) }),
    history: ctx.history,
  };
  const decision = await deps.agent.respond(turn);
  const sent = await deps.sender.send({
    ...base,
    key: `reply:${ev.key}`,
    sender: 'bot',
    text: decision.text,
    ...(decision.kind === 'reply' && decision.quickReplies?.length ? { quickReplies: decision.quickReplies } : {}),
    ...(decision.writtenBy ? { agentInfo: botAgentInfo(decision.writtenBy, decision.classification) } : {}),
  });
  if (sent.status === 'refused' || sent.status === 'failed') log.warn({ eventKey: ev.key, sent }, 'messenger: bot reply not delivered');
  // counted with the send it belongs to: 'duplicate' means an earlier attempt of this event claimed it
  if (decision.kind === 'reply' && decision.templateName && (sent.status === 'sent' || sent.status === 'failed')) {
    await countTemplateUse(client, decision.templateName, sent.status === 'sent', ctx.pageDbId);
  }
  await recordTurn(client, {
    messageId: ev.messageId,
    intent: decision.classification.intent,
    confidence: decision.classification.confidence,
    processingMs: performance.now() - started,
    conversationId: ev.conversationId,
    unsureStreak: unsureStreakAfter(decision, ctx.unsureStreak),
  });
  if (decision.kind === 'handoff') {
    await markWaiting(client, ev.conversationId, decision.reason, now());
    if (deps.desk) {
      await deps.desk.open(ev.conversationId, decision.reason);
    } else {
      await insertErrorLog(client, {
        source: 'messenger',
        message: 'handoff requested but HANDOFF_CHANNEL/Slack not configured: the conversation waits for a human in SupportPulse',
        context: { conversationId: ev.conversationId, reason: decision.reason, eventKey: ev.key },
      });
    }
  }
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

type Raw = { message?: { text?: string; quick_reply?: { payload?: string }; attachments?: unknown[] }; postback?: { title?: string; payload?: string } };

function turnTextOf(ev: InboxEvent): string {
  const raw = ev.payload as Raw;
  const text = raw.message?.text ?? raw.postback?.title;
  if (text) return text;
  const payload = payloadOf(ev);
  if (payload) return payload;
  const n = attachmentsOf(ev);
  return n > 0 ? `[${n} attachment${n > 1 ? 's' : ''}]` : '';
}

function payloadOf(ev: InboxEvent): string | undefined {
  const raw = ev.payload as Raw;
  return raw.message?.quick_reply?.payload ?? raw.postback?.payload;
}

const attachmentsOf = (ev: InboxEvent) => {
  const a = (ev.payload as Raw).message?.attachments;
  return Array.isArray(a) ? a.length : 0;
};
