import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preParsingAsyncHookHandler } from 'fastify';
import type pg from 'pg';
import { maskPii } from '../domain/mask.ts';
import { ROLE_LABELS, mayReadCustomerData, type Role } from '../domain/access.ts';
import { boundsProblem, periodBetween, periodBounds, parsePeriod, type Period } from '../domain/periods.ts';
import { QA_CHANGER_ROLES, QA_STATUSES, type QaStatus } from '../domain/qa.ts';
import { ARCHIVE_STATUSES, COMPLETION_STATUSES, type ArchiveStatus, type CompletionStatus } from '../domain/sessions.ts';
import { changeQaStatus, type AfterQaChange } from '../db/qa-repo.ts';
import { settleOpenSessions } from '../db/sessions-rebuild.ts';
import {
  findSession, findSessionDetail, listSessions, setArchiveStatus, softDeleteSession,
  type SessionCursor, type SessionFilters, type SessionSummary,
} from '../db/sessions-repo.ts';
import { auditTokenUse } from '../db/tokens-repo.ts';
import { SESSION_EXPORT_COLUMNS, streamSessionExport } from '../db/session-export.ts';
import { AppError } from '../errors.ts';
import { FieldError, MAX_ID, errorResponses, idParams, ref } from './openapi.ts';
import { allowRoles, callerOf } from './auth.ts';
import type { RawRow } from '../db/export-stream.ts';
import { answeredHead, csvBody, csvWriter, exportHeaders, jsonBody, jsonWriter } from './export-format.ts';
import { sendError } from './send-error.ts';
import { sessionJson } from './session-export-format.ts';

// /api/sessions: list (filters, keyset cursor), one with messages and QA history, QA changes
// through the domain's rules, archive, soft delete, and a streamed CSV/JSON export.

export const READ_ROLES: readonly Role[] = ['admin', 'lead', 'qa', 'developer'];
export const ARCHIVE_ROLES: readonly Role[] = ['admin', 'lead', 'qa'];

export interface SessionRouteDeps {
  pool: pg.Pool;
  timezone: string;
  now: () => Date;
  /** runs inside each successful QA change's transaction (the notification hook) */
  afterQaChange?: AfterQaChange;
  /** requests per minute for the export, per token */
  exportMax: number;
}

const filterProperties = {
  qaStatus: { type: 'string', enum: [...QA_STATUSES], description: 'QA state' },
  completion: { type: 'string', enum: [...COMPLETION_STATUSES], description: 'completion status' },
  archive: { type: 'string', enum: [...ARCHIVE_STATUSES], description: 'archive status' },
  aiEngaged: { type: 'boolean', description: 'only sessions the AI took part in (true) or not (false)' },
  page: { type: 'string', minLength: 1, maxLength: 200, description: "a page's id, Facebook page id or name" },
  period: {
    type: 'string',
    minLength: 1,
    maxLength: 100,
    description: 'sessions started in this period, in the business timezone: YYYY-MM-DD..YYYY-MM-DD or words such as "last week", "October", "last 30 days"',
  },
  q: { type: 'string', minLength: 1, maxLength: 200, description: 'text that a message of the session contains (case-insensitive)' },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', minLength: 1, maxLength: 200, description: 'the `next` of the previous page' },
  },
} as const;

const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterProperties, format: { type: 'string', enum: ['csv', 'json'], default: 'csv' } },
} as const;

interface FilterQuery {
  qaStatus?: QaStatus;
  completion?: CompletionStatus;
  archive?: ArchiveStatus;
  aiEngaged?: boolean;
  page?: string;
  period?: string;
  q?: string;
}

const DATE_RANGE = /^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$/;
const isDate = (s: string) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** The query's filters, with the period resolved to instants in the business timezone. */
export function toFilters(q: FilterQuery, now: Date, timezone: string): SessionFilters {
  const f: SessionFilters = {};
  if (q.qaStatus) f.qaStatus = q.qaStatus;
  if (q.completion) f.completion = q.completion;
  if (q.archive) f.archive = q.archive;
  if (q.aiEngaged !== undefined) f.aiEngaged = q.aiEngaged;
  if (q.page) f.page = q.page;
  if (q.q?.trim()) f.q = q.q.trim();
  if (q.period) {
    const { start, end } = periodBounds(periodOfQuery(q.period, now, timezone), timezone);
    f.from = start;
    f.to = end;
  }
  return f;
}

/** The `period` parameter as business days: YYYY-MM-DD..YYYY-MM-DD or words; a FieldError when unreadable. */
export function periodOfQuery(text: string, now: Date, timezone: string): Period {
  const range = DATE_RANGE.exec(text.trim());
  let period;
  if (range) {
    const [, from, to] = range as unknown as [string, string, string];
    if (!isDate(from) || !isDate(to)) throw new FieldError('period', `${text} is not two valid dates YYYY-MM-DD..YYYY-MM-DD`);
    if (to < from) throw new FieldError('period', `the period ends (${to}) before it starts (${from})`);
    period = periodBetween(from, to);
  } else {
    period = parsePeriod(text, now, timezone);
  }
  if (!period) throw new FieldError('period', `"${text}" is not a period: use YYYY-MM-DD..YYYY-MM-DD or words such as "last week"`);
  const outside = boundsProblem(period);
  if (outside) throw new FieldError('period', outside);
  return period;
}

export const encodeCursor = (c: SessionCursor): string => Buffer.from(JSON.stringify([c.startedAt, c.id])).toString('base64url');

const isCursorInstant = (s: string): boolean => {
  const t = new Date(s);
  return !Number.isNaN(t.getTime()) && t.getUTCFullYear() >= 1 && t.getUTCFullYear() <= 9999 && t.toISOString() === s;
};

export function decodeCursor(s: string): SessionCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    // exactly what encodeCursor wrote: an ISO instant of years 1–9999 and an integer id (anything
    // else, such as "+275760-…" or an id past PostgreSQL's integer, reached the database as a 500)
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isCursorInstant(v[0]) && Number.isInteger(v[1]) && v[1] >= 1 && v[1] <= MAX_ID) {
      return { startedAt: v[0], id: v[1] as number };
    }
  } catch {
    // falls through to the field error
  }
  throw new FieldError('cursor', 'not a cursor this API returned; pass the `next` of the previous page unchanged');
}

/** Customer names and message texts only for roles that may read customer data; others get them masked. */
function forRole<T extends SessionSummary>(s: T, role: Role): T {
  return mayReadCustomerData(role) ? s : { ...s, customerName: null };
}

/** What the export's figures mean (the OpenAPI description; db/session-export.ts has the definitions). */
const EXPORT_FIGURES =
  'Figures per session: csi and the four pillars are the means of the analysis\' conversation-day scores over the days the session touches ' +
  '(scored_days of them); first_response_seconds is the session\'s first message → its first reply; avg_response_seconds the mean of ' +
  'customer message → next reply over its answered_messages; topics its customer messages\' labels, most frequent first (";"-separated); ' +
  'qa_score the mean QA score of its scorecard reviews (qa_reviews of them) and qa_answers each category\'s mean score, 0–100 or n/a ' +
  '("key=score;…"). Empty when there is nothing to measure.'

const QA_HTTP: Record<string, { status: number; code: string; field?: string }> = {
  not_found: { status: 404, code: 'NOT_FOUND' },
  conflict: { status: 409, code: 'CONFLICT' },
  forbidden: { status: 403, code: 'FORBIDDEN' },
  invalid_transition: { status: 400, code: 'BAD_REQUEST', field: 'status' },
};

interface RouteContext extends SessionRouteDeps {
  /** settles open sessions whose gap has passed, at most once a minute */
  settle: () => Promise<void>;
}

const sessionParam = (req: FastifyRequest) => (req.params as { id: number }).id;

export function sessionRoutes(deps: SessionRouteDeps): FastifyPluginAsync {
  // Open sessions turn incomplete when their gap passes without a message; settled at most once a minute.
  let settledAt = 0;
  const settle = async () => {
    const now = deps.now();
    if (now.getTime() - settledAt < 60_000) return;
    settledAt = now.getTime();
    await settleOpenSessions(deps.pool, now);
  };
  const ctx: RouteContext = { ...deps, settle };
  return async (app) => {
    listRoute(app, ctx);
    exportRoute(app, ctx);
    detailRoute(app, ctx);
    qaRoute(app, ctx);
    archiveAndDeleteRoutes(app, ctx);
  };
}

function listRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/sessions', {
    preParsing: allowRoles(READ_ROLES, 'reading sessions'),
    schema: {
      tags: ['sessions'],
      summary: 'Sessions, newest first, filtered; cursor pagination',
      querystring: listQuery,
      response: { 200: { type: 'object', required: ['sessions', 'next'], properties: { sessions: { type: 'array', items: ref('Session') }, next: { type: ['string', 'null'] } } }, ...errorResponses(400, 401, 403) },
    },
  }, async (req) => {
    const q = req.query as FilterQuery & { limit: number; cursor?: string };
    const filters = toFilters(q, ctx.now(), ctx.timezone);
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    await ctx.settle();
    const page = await listSessions(ctx.pool, filters, { limit: q.limit, ...(after ? { after } : {}) });
    const role = callerOf(req).role;
    return { sessions: page.sessions.map((s) => forRole(s, role)), next: page.next ? encodeCursor(page.next) : null };
  });
}

function exportRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/sessions/export', {
    preParsing: allowRoles(READ_ROLES, 'exporting sessions'),
    config: { rateLimit: { max: ctx.exportMax, timeWindow: '1 minute' } },
    schema: {
      tags: ['sessions'],
      summary: 'Every matching session as CSV or JSON, streamed',
      description: `Same filters as the list. CSV columns: ${SESSION_EXPORT_COLUMNS.map((c) => c.name).join(', ')}. ${EXPORT_FIGURES} Rate limited to ${ctx.exportMax} a minute.`,
      querystring: exportQuery,
      response: {
        200: {
          description: 'the sessions (CSV with a header row, or a JSON array)',
          content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: ref('SessionExportRow') } } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    },
  }, async (req, reply) => {
    const q = req.query as FilterQuery & { format: 'csv' | 'json' };
    const filters = toFilters(q, ctx.now(), ctx.timezone);
    reply.headers(exportHeaders('sessions', q.format, ctx.now()));
    if (answeredHead(req, reply)) return reply;
    const caller = callerOf(req);
    await ctx.settle();
    await auditTokenUse(ctx.pool, caller, 'api.export', 'sessions', { format: q.format, filters: q });
    const maskCustomer = !mayReadCustomerData(caller.role);
    const body = q.format === 'csv'
      ? csvBody(SESSION_EXPORT_COLUMNS, streamSessionExport(ctx.pool, filters, ctx.timezone, csvWriter(SESSION_EXPORT_COLUMNS, maskCustomer ? ['customer_name'] : [])))
      : jsonBody(streamSessionExport(ctx.pool, filters, ctx.timezone, jsonWriter((r: RawRow) => sessionJson(r, maskCustomer))));
    return reply.send(Readable.from(body, { highWaterMark: 1 }));
  });
}

function detailRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/sessions/:id', {
    preParsing: allowRoles(READ_ROLES, 'reading sessions'),
    schema: {
      tags: ['sessions'],
      summary: 'One session with its messages and QA history',
      description: 'Developers get customer names left out and emails and phone numbers in messages masked.',
      params: idParams,
      response: { 200: ref('SessionDetail'), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (req) => {
    const id = sessionParam(req);
    const detail = await findSessionDetail(ctx.pool, id);
    if (!detail) throw new AppError('NOT_FOUND', `there is no session ${id}`);
    const role = callerOf(req).role;
    if (mayReadCustomerData(role)) return detail;
    return { ...forRole(detail, role), messages: detail.messages.map((m) => ({ ...m, text: m.text === null ? null : maskPii(m.text) })) };
  });
}

/**
 * A role that may set no QA state is refused before the body is read (a 400 about the body told
 * it what the route takes), audited as the QA rules' own refusal (qa.refused on the session).
 * Which target a role may set is the rules' business, after validation.
 */
function refuseNonChangers(ctx: RouteContext): preParsingAsyncHookHandler {
  return async (req, reply) => {
    const caller = callerOf(req);
    if (QA_CHANGER_ROLES.includes(caller.role)) return;
    const reason = `changing a session's QA state is for ${QA_CHANGER_ROLES.join(', ')}; this token acts as ${ROLE_LABELS[caller.role]}`;
    const raw = (req.params as { id?: string }).id ?? '';
    if (/^[1-9][0-9]{0,9}$/.test(raw) && Number(raw) <= MAX_ID) await auditTokenUse(ctx.pool, caller, 'qa.refused', `session:${raw}`, { reason });
    return sendError(req, reply, 'FORBIDDEN', reason);
  };
}

function qaRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.patch('/api/sessions/:id/qa', {
    preParsing: refuseNonChangers(ctx),
    schema: {
      tags: ['sessions'],
      summary: "Changes the session's QA state under the QA rules",
      description:
        'unchecked → passed | issue; issue → fixed; fixed → passed | issue; passed → issue. QA reviewers and admins set passed/issue (issue needs notes), ' +
        'developers and admins set fixed (needs devFeedback). `version` is the qaVersion you saw: a newer one answers 409.',
      params: idParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['status'],
        properties: {
          status: { type: 'string', enum: ['passed', 'issue', 'fixed'] },
          notes: { type: 'string', maxLength: 4000 },
          devFeedback: { type: 'string', maxLength: 4000 },
          version: { type: 'integer', minimum: 0 },
        },
      },
      response: {
        200: { type: 'object', required: ['session', 'from', 'eventId'], properties: { session: ref('Session'), from: { type: 'string', enum: [...QA_STATUSES] }, eventId: { type: 'integer' } } },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
  }, async (req) => {
    const id = sessionParam(req);
    const body = req.body as { status: QaStatus; notes?: string; devFeedback?: string; version?: number };
    const caller = callerOf(req);
    if (!(await findSession(ctx.pool, id))) throw new AppError('NOT_FOUND', `there is no session ${id}`);
    const result = await changeQaStatus(
      ctx.pool,
      {
        sessionId: id,
        to: body.status,
        actor: caller,
        ...(body.notes !== undefined ? { notes: body.notes } : {}),
        ...(body.devFeedback !== undefined ? { devFeedback: body.devFeedback } : {}),
        ...(body.version !== undefined ? { expectedVersion: body.version } : {}),
        source: 'api',
      },
      ctx.afterQaChange,
    );
    if (!result.ok) {
      if (result.kind === 'missing_notes' || result.kind === 'too_long') {
        throw new FieldError(body.status === 'fixed' ? 'devFeedback' : 'notes', result.reason);
      }
      const m = QA_HTTP[result.kind]!;
      if (m.field) throw new FieldError(m.field, result.reason);
      throw Object.assign(new Error(result.reason), { statusCode: m.status, code: m.code });
    }
    await auditTokenUse(ctx.pool, caller, 'api.qa', `session:${id}`, { from: result.from, to: result.session.qaStatus, eventId: result.eventId });
    const session = await findSession(ctx.pool, id);
    return { session: forRole(session!, caller.role), from: result.from, eventId: result.eventId };
  });
}

function archiveAndDeleteRoutes(app: FastifyInstance, ctx: RouteContext): void {
  for (const [action, status] of [['archive', 'archived'], ['unarchive', 'active']] as const) {
    app.post(`/api/sessions/:id/${action}`, {
      preParsing: allowRoles(ARCHIVE_ROLES, `${action === 'archive' ? 'archiving' : 'unarchiving'} sessions`, ctx.pool),
      schema: {
        tags: ['sessions'],
        summary: action === 'archive' ? 'Archives the session (completion and QA unchanged)' : 'Makes an archived session active again',
        params: idParams,
        response: { 200: ref('Session'), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (req) => {
      const id = sessionParam(req);
      const caller = callerOf(req);
      const result = await setArchiveStatus(ctx.pool, id, status);
      if (!result) throw new AppError('NOT_FOUND', `there is no session ${id}`);
      // a retry (or a second click) finds the status set: the same answer, no second audit row
      if (result.changed) await auditTokenUse(ctx.pool, caller, `api.${action}`, `session:${id}`);
      return forRole(result.session, caller.role);
    });
  }

  app.delete('/api/sessions/:id', {
    preParsing: allowRoles(['admin'], 'deleting sessions', ctx.pool),
    schema: {
      tags: ['sessions'],
      summary: 'Deletes the session softly (admins): hidden from the API, kept with its QA history',
      params: idParams,
      response: { 204: { description: 'deleted', type: 'null' }, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (req, reply) => {
    const id = sessionParam(req);
    const caller = callerOf(req);
    if (!(await softDeleteSession(ctx.pool, id))) throw new AppError('NOT_FOUND', `there is no session ${id}`);
    await auditTokenUse(ctx.pool, caller, 'api.delete', `session:${id}`);
    return reply.status(204).send();
  });
}
