import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { CloudAdapter, Request as BotRequest, Response as BotResponse } from 'botbuilder';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Assistant } from '../../agents/assistant/assistant.ts';
import type { Config } from '../../config.ts';
import { botFrameworkCaller } from '../../db/users-repo.ts';
import type { Caller, Role } from '../../domain/access.ts';
import { botFrameworkMode, isLoopbackHost, type BotFrameworkMode } from '../../domain/channels.ts';
import type { ErrorCode } from '../../errors.ts';
import { inputProblem } from '../../routes/input-check.ts';
import { internalMessage, sendError } from '../../routes/send-error.ts';
import type { PulseBot } from './bot.ts';
import { DurableActivities } from './recent-activities.ts';

// POST /api/messages: the Bot Framework channel (Teams, Web Chat, the Emulator) on the one
// Fastify server. botbuilder's CloudAdapter authenticates and parses; PulseBot answers. The SDK
// is in maintenance (its successor is the Microsoft 365 Agents SDK), so it stays behind this
// file and bot.ts: the assistant, rendering and dedupe do not depend on it.

export interface BotFrameworkDeps {
  assistant: Assistant;
  /** the application's pool: users (callers) and error_logs */
  pool: pg.Pool;
  /**
   * MICROSOFT_APP_ID/PASSWORD; `appType` and `tenantId` (MicrosoftAppType, MicrosoftAppTenantId)
   * for a single-tenant Azure Bot, which is what Azure creates since multi-tenant bot creation
   * was deprecated (July 2025). Unset = MultiTenant, the SDK's default.
   */
  botFramework: Omit<Config['botFramework'], 'allowAnonymous' | 'ratePerMinute'> & {
    appType?: 'MultiTenant' | 'SingleTenant';
    tenantId?: string;
    /** BOTFRAMEWORK_ALLOW_ANONYMOUS; default false */
    allowAnonymous?: boolean;
    /** BOTFRAMEWORK_RATE_LIMIT_PER_MINUTE; default 60 */
    ratePerMinute?: number;
  };
  /** an answer ready within this is sent inside the turn, a slower one proactively; default 4 s */
  replyWithinMs?: number;
  /** ASSISTANT_MIN_ROLE: the lowest role that may ask; undefined = anyone */
  minRole?: Role;
  /** HOST, the listen address: unauthenticated (local) mode only on a loopback one (src/domain/channels.ts) */
  host: string;
}

export { botFrameworkMode, type BotFrameworkMode };

/** Who an unauthenticated caller is in anonymous mode: nobody in particular, the lowest role, no users row. */
export const ANONYMOUS_CALLER: Caller = { role: 'agent', name: 'anonymous' };

/** The reply address an activity names, when it is not on this machine (request forgery otherwise). */
export function foreignServiceUrl(body: unknown): string | undefined {
  const url = (body as { serviceUrl?: unknown } | null)?.serviceUrl;
  if (url === undefined) return undefined;
  if (typeof url !== 'string') return String(url);
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname) ? undefined : url;
  } catch {
    return url;
  }
}

const conversationOf = (req: FastifyRequest): string | undefined => {
  const id = (req.body as { conversation?: { id?: unknown } } | null)?.conversation?.id;
  return typeof id === 'string' ? id : undefined;
};


/**
 * Fastify's request and reply in the shapes CloudAdapter.process expects (Express-like). The
 * adapter's status and body are collected and sent by the route once the turn is over.
 */
function shim(raw: { socket: unknown }): { res: BotResponse; out: { status: number; body?: unknown } } {
  const out: { status: number; body?: unknown } = { status: 200 };
  const res: BotResponse = {
    socket: raw.socket,
    status: (code: unknown) => void (out.status = Number(code)),
    header: () => undefined,
    send: (body: unknown) => void (out.body = body),
    end: () => undefined,
  };
  return { res, out };
}

async function recordError(pool: pg.Pool, log: FastifyBaseLogger, err: unknown, context: Record<string, unknown>): Promise<string> {
  const message = err instanceof Error ? err.message : String(err);
  log.error({ err, ...context }, `botframework: ${String(context.stage ?? 'turn')} failed`);
  try {
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO error_logs (source, message, context) VALUES ('botframework', $1, $2) RETURNING id`,
      [message, JSON.stringify(context)],
    );
    return `E${rows[0]!.id}`;
  } catch (dbErr) {
    // The database may be why we failed: the log line above is then the only record.
    log.error({ err: dbErr }, 'botframework: error_logs row not written');
    return randomUUID().slice(0, 8);
  }
}

/** The plugin, and warm(): loads the SDK now (the service calls it once ready; a no-op when the route is off). */
export function botFrameworkRoutes(deps: BotFrameworkDeps): FastifyPluginAsync & { warm(): Promise<void> } {
  let warm: (() => Promise<unknown>) | undefined;
  const plugin: FastifyPluginAsync = async (app) => {
    const log = app.log.child({ component: 'botframework' });
    const mode = botFrameworkMode(deps.botFramework, deps.host);
    if (mode === 'disabled') {
      log.warn('botframework: /api/messages disabled: MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together');
      app.post('/api/messages', async (req, reply) =>
        sendError(req, reply, 'BOTFRAMEWORK_DISABLED', 'MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together'),
      );
      return;
    }
    if (mode === 'refused') {
      const why = `Bot Framework local mode (no MICROSOFT_APP_ID) authenticates nobody, so it only runs on a loopback HOST, and HOST is ${deps.host}. ` +
        'Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or HOST=127.0.0.1 for the Emulator, or BOTFRAMEWORK_ALLOW_ANONYMOUS=true to accept anonymous callers.';
      log.error(`botframework: /api/messages refuses every request: ${why}`);
      app.post('/api/messages', async (req, reply) => sendError(req, reply, 'BOTFRAMEWORK_LOCAL_MODE_REFUSED', why));
      return;
    }
    const { appId, appPassword, appType, tenantId } = deps.botFramework;
    if (mode === 'authenticated') log.info(`botframework: /api/messages authenticates Bot Framework tokens for app ${appId}`);
    else if (mode === 'local') log.info(`botframework: /api/messages in local mode for the Bot Framework Emulator on loopback HOST ${deps.host} (no MICROSOFT_APP_ID: requests are not authenticated)`);
    else {
      log.warn(
        `botframework: WARNING: /api/messages is OPEN TO ANONYMOUS CALLERS on HOST ${deps.host} (BOTFRAMEWORK_ALLOW_ANONYMOUS=true, no MICROSOFT_APP_ID). ` +
          'Anyone who reaches it can ask the assistant aggregate questions; callers get no identity or role beyond the lowest, replies go only to loopback serviceUrls. ' +
          'Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD for real channels.',
      );
    }
    const unauthenticated = mode !== 'authenticated';
    // botbuilder (a few hundred modules, about a second of start-up on the target) loads on the
    // first activity, or when the service calls warm() once it is ready: /readyz waits for none of it.
    let sdk: Promise<{ adapter: CloudAdapter; bot: PulseBot }> | undefined;
    const load = async () => {
      const [{ CloudAdapter, ConfigurationBotFrameworkAuthentication }, { PulseBot }, { errorActivity }] = await Promise.all([
        import('botbuilder'), import('./bot.ts'), import('./render.ts'),
      ]);
      // Without an app id the SDK disables authentication both ways (inbound tokens, outbound credentials).
      const auth = new ConfigurationBotFrameworkAuthentication(
        mode === 'authenticated'
          ? { MicrosoftAppId: appId, MicrosoftAppPassword: appPassword, ...(appType ? { MicrosoftAppType: appType } : {}), ...(tenantId ? { MicrosoftAppTenantId: tenantId } : {}) }
          : {},
      );
      const adapter = new CloudAdapter(auth);
      const reportError = (err: unknown, context: Record<string, unknown>) => recordError(deps.pool, log, err, context);
      adapter.onTurnError = async (context, err) => {
        const reference = await reportError(err, { stage: 'turn', conversation: context.activity.conversation?.id, activityId: context.activity.id });
        await context.sendActivity(errorActivity(reference)).catch((sendErr: unknown) => log.error({ err: sendErr }, 'botframework: error message not delivered'));
      };
      const bot = new PulseBot({
        assistant: deps.assistant,
        // Identities (and so roles) only from an authenticated channel, or from the loopback Emulator;
        // an anonymous caller's from.id / aadObjectId is whatever it typed.
        callerOf: mode === 'anonymous' ? async () => ANONYMOUS_CALLER : (from) => botFrameworkCaller(deps.pool, from.aadObjectId ?? from.id, { name: from.name }),
        sendLater: (reference, activity) =>
          adapter.continueConversationAsync(appId ?? '', reference, async (context) => {
            await context.sendActivity(activity);
          }),
        reportError,
        log,
        replyWithinMs: deps.replyWithinMs ?? 4000,
        ...(deps.minRole ? { minRole: deps.minRole } : {}),
        claims: new DurableActivities(deps.pool),
      });
      return { adapter, bot };
    };
    const sdkNow = () => (sdk ??= load());
    // Shutdown lets answers still on their way (proactive replies) go out before the pool closes.
    app.addHook('onClose', async () => {
      if (sdk) await (await sdk).bot.idle();
    });
    warm = sdkNow;

    // Per client address while nobody is authenticated; per conversation behind a channel, whose
    // requests all come from the channel's few servers. Counted after the body is parsed.
    await app.register(rateLimit, {
      max: deps.botFramework.ratePerMinute ?? 60,
      timeWindow: '1 minute',
      hook: 'preHandler',
      keyGenerator: (req) => (unauthenticated ? `ip:${req.ip}` : `conversation:${conversationOf(req) ?? req.ip}`),
      errorResponseBuilder: (_req, ctx) =>
        Object.assign(new Error(`rate limit exceeded (${ctx.max} activities a minute); retry in ${ctx.after}`), { statusCode: ctx.statusCode, code: 'RATE_LIMITED' satisfies ErrorCode }),
    });

    app.post('/api/messages', async (req, reply) => {
      // Without authentication the activity's serviceUrl is the caller's word: replies (server-side
      // POSTs) go only to this machine, as the Emulator's do.
      const problem = activityProblem(req.body);
      if (problem) return sendError(req, reply, 'BAD_REQUEST', `not a Bot Framework activity: ${problem}`);
      // Text PostgreSQL cannot store (a NUL, an unpaired surrogate) would fail the turn in the
      // database (its memory, users, error_logs) after a 200; cards nest deeper than API bodies do.
      const unstorable = inputProblem(req.body, 'activity', ACTIVITY_MAX_DEPTH);
      if (unstorable) return sendError(req, reply, 'BAD_REQUEST', `${unstorable.field} ${unstorable.problem}`, { fields: [unstorable] });
      const foreign = unauthenticated ? foreignServiceUrl(req.body) : undefined;
      if (foreign !== undefined) {
        log.warn({ serviceUrl: foreign.slice(0, 200) }, 'botframework: activity refused: serviceUrl is not a loopback address (unauthenticated mode)');
        return sendError(req, reply, 'BOTFRAMEWORK_SERVICE_URL_REFUSED', 'without MICROSOFT_APP_ID replies go only to a loopback serviceUrl (http://localhost:…, http://127.0.0.1:…)');
      }
      const { res, out } = shim(req.raw);
      const request: BotRequest = { method: req.method, headers: req.headers, body: req.body as Record<string, unknown> };
      const { adapter, bot } = await sdkNow();
      await adapter.process(request, res, (context) => bot.run(context));
      return answerSdk(req, reply, out, log);
    });
  };
  return Object.assign(plugin, { warm: async () => void (await warm?.()) });
}

/**
 * The SDK's answer. It gives its own refusals and failures as plain text (its error's message,
 * such as "request to https://login.botframework.com/… failed"): callers get the catalogue's
 * JSON and the text goes to the log. Invoke responses (an object body) pass as the bot set them.
 */
function answerSdk(req: FastifyRequest, reply: FastifyReply, out: { status: number; body?: unknown }, log: FastifyBaseLogger) {
  if (typeof out.body === 'string' && (out.status === 401 || out.status === 403)) {
    log.warn({ status: out.status, reason: out.body }, 'botframework: request refused (Bot Framework token)');
    return sendError(req, reply, out.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', 'send a valid Bot Framework token (Authorization: Bearer <token>)');
  }
  if (typeof out.body === 'string' && out.status >= 500) {
    log.error({ status: out.status, reason: out.body }, 'botframework: the SDK failed the request');
    return sendError(req, reply, 'INTERNAL', internalMessage(req));
  }
  return reply.status(out.status).send(out.body ?? '');
}

/** Deepest nesting an activity may have (Adaptive Cards in attachments nest more than API bodies). */
const ACTIVITY_MAX_DEPTH = 64;

/** What the SDK needs of every activity before it can run (or refuse) a turn; without it, it throws a 500. */
function activityProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const a = body as { type?: unknown; conversation?: { id?: unknown } | null };
  if (typeof a.type !== 'string' || a.type === '') return '`type` must be a string';
  if (typeof a.conversation !== 'object' || a.conversation === null || typeof a.conversation.id !== 'string') return '`conversation.id` must be a string';
  // every channel sends it (replies go there); the protocol makes it required
  if (typeof (body as { serviceUrl?: unknown }).serviceUrl !== 'string') return '`serviceUrl` must be a string';
  return undefined;
}
