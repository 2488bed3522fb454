import { randomUUID } from 'node:crypto';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Request as BotRequest, type Response as BotResponse } from 'botbuilder';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { Assistant } from '../../agents/assistant/assistant.ts';
import type { Config } from '../../config.ts';
import { botFrameworkCaller } from '../../db/users-repo.ts';
import type { Role } from '../../domain/access.ts';
import { PulseBot } from './bot.ts';
import { DurableActivities } from './recent-activities.ts';
import { errorActivity } from './render.ts';

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
  botFramework: Config['botFramework'] & { appType?: 'MultiTenant' | 'SingleTenant'; tenantId?: string };
  /** an answer ready within this is sent inside the turn, a slower one proactively; default 4 s */
  replyWithinMs?: number;
  /** ASSISTANT_MIN_ROLE: the lowest role that may ask; undefined = anyone */
  minRole?: Role;
}

export type BotFrameworkMode = 'authenticated' | 'local' | 'disabled';

/** The same rule as the start-up status line (src/domain/channels.ts): both or neither. */
export function botFrameworkMode(b: Config['botFramework']): BotFrameworkMode {
  if (b.appId && b.appPassword) return 'authenticated';
  if (!b.appId && !b.appPassword) return 'local';
  return 'disabled';
}

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

export function botFrameworkRoutes(deps: BotFrameworkDeps): FastifyPluginAsync {
  return async (app) => {
    const log = app.log.child({ component: 'botframework' });
    const mode = botFrameworkMode(deps.botFramework);
    if (mode === 'disabled') {
      log.warn('botframework: /api/messages disabled: MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together');
      app.post('/api/messages', async (req, reply) =>
        reply.status(503).send({ error: 'BOTFRAMEWORK_DISABLED', message: 'MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together', requestId: req.id }),
      );
      return;
    }
    const { appId, appPassword, appType, tenantId } = deps.botFramework;
    log.info(
      mode === 'authenticated'
        ? `botframework: /api/messages authenticates Bot Framework tokens for app ${appId}`
        : 'botframework: /api/messages in local mode for the Bot Framework Emulator (no MICROSOFT_APP_ID: requests are not authenticated)',
    );
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
      callerOf: (from) => botFrameworkCaller(deps.pool, from.aadObjectId ?? from.id, { name: from.name }),
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
    // Shutdown lets answers still on their way (proactive replies) go out before the pool closes.
    app.addHook('onClose', () => bot.idle());

    app.post('/api/messages', async (req, reply) => {
      const { res, out } = shim(req.raw);
      const request: BotRequest = { method: req.method, headers: req.headers, body: req.body as Record<string, unknown> };
      await adapter.process(request, res, (context) => bot.run(context));
      return reply.status(out.status).send(out.body ?? '');
    });
  };
}
