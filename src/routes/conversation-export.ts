import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { mayReadCustomerData } from '../domain/access.ts';
import { CONVERSATION_EXPORT_COLUMNS, streamConversationExport, type ConversationFilters } from '../db/conversation-export.ts';
import type { RawRow } from '../db/export-stream.ts';
import { auditTokenUse } from '../db/tokens-repo.ts';
import { periodBounds } from '../domain/periods.ts';
import { allowRoles, callerOf } from './auth.ts';
import { answeredHead, csvBody, csvWriter, exportHeaders, figuresJson, jsonBody, jsonReader, jsonWriter } from './export-format.ts';
import { errorResponses } from './openapi.ts';
import { periodOfQuery, READ_ROLES } from './sessions.ts';

// GET /api/conversations/export: every conversation (of a page, active in a period) with its
// figures, as CSV or JSON, streamed like the session export; db/conversation-export.ts defines them.
// HEAD answers the headers after the same checks, without exporting or auditing (answeredHead).

export interface ConversationExportDeps {
  pool: pg.Pool;
  timezone: string;
  now: () => Date;
  /** requests per minute for the export, per token (the session export's limit) */
  exportMax: number;
}

const query = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: ['csv', 'json'], default: 'csv' },
    page: { type: 'string', minLength: 1, maxLength: 200, description: "a page's id, Facebook page id or name" },
    period: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      description: 'conversations with a message in this period, in the business timezone: YYYY-MM-DD..YYYY-MM-DD or words such as "last week"',
    },
  },
} as const;

const FIGURES =
  "Figures per conversation: csi and the four pillars are the means of its scored conversation-days (scored_days); first_response_seconds " +
  "the mean over its sessions of the session's first message → first reply; avg_response_seconds the mean of customer message → next reply " +
  "over its answered_messages; topics its stored topics (most frequent first, \";\"-separated); qa_score the mean QA score of its sessions' " +
  'scorecard reviews (qa_reviews) and qa_answers each category\'s mean score ("key=score;…", n/a when every answer was N/A).';

const read = jsonReader(CONVERSATION_EXPORT_COLUMNS);

function conversationJson(r: RawRow, maskCustomer: boolean): Record<string, unknown> {
  const v = read(r);
  return {
    id: v.num('id'),
    fbChatId: v.text('fb_chat_id'),
    page: { id: v.num('page_id'), name: v.text('page_name') },
    customerName: maskCustomer ? null : v.text('customer_name'),
    firstMessageAt: v.time('first_message_at'),
    lastMessageAt: v.time('last_message_at'),
    totalMessages: v.num('total_messages'),
    customerMessages: v.num('customer_messages'),
    agentMessages: v.num('agent_messages'),
    handoffState: v.text('handoff_state'),
    sessions: v.num('sessions'),
    ...figuresJson(v),
  };
}

export function conversationExportRoutes(deps: ConversationExportDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/conversations/export', {
      preParsing: allowRoles(READ_ROLES, 'exporting conversations'),
      config: { rateLimit: { max: deps.exportMax, timeWindow: '1 minute' } },
      schema: {
        tags: ['conversations'],
        summary: 'Every matching conversation with its figures, as CSV or JSON, streamed',
        description: `CSV columns: ${CONVERSATION_EXPORT_COLUMNS.map((c) => c.name).join(', ')}. ${FIGURES} Rate limited to ${deps.exportMax} a minute.`,
        querystring: query,
        response: {
          200: {
            description: 'the conversations (CSV with a header row, or a JSON array of objects with the same figures in camelCase)',
            content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: { type: 'object' } } } },
          },
          ...errorResponses(400, 401, 403, 429),
        },
      },
    }, async (req, reply) => {
      const q = req.query as { format: 'csv' | 'json'; page?: string; period?: string };
      const filters: ConversationFilters = {};
      if (q.page) filters.page = q.page;
      if (q.period) {
        const { start, end } = periodBounds(periodOfQuery(q.period, deps.now(), deps.timezone), deps.timezone);
        filters.from = start;
        filters.to = end;
      }
      reply.headers(exportHeaders('conversations', q.format, deps.now()));
      if (answeredHead(req, reply)) return reply;
      const caller = callerOf(req);
      await auditTokenUse(deps.pool, caller, 'api.export', 'conversations', { format: q.format, filters: q });
      const maskCustomer = !mayReadCustomerData(caller.role);
      const body = q.format === 'csv'
        ? csvBody(CONVERSATION_EXPORT_COLUMNS, streamConversationExport(deps.pool, filters, csvWriter(CONVERSATION_EXPORT_COLUMNS, maskCustomer ? ['customer_name'] : [])))
        : jsonBody(streamConversationExport(deps.pool, filters, jsonWriter((r: RawRow) => conversationJson(r, maskCustomer))));
      return reply.send(Readable.from(body, { highWaterMark: 1 }));
    });
  };
}
