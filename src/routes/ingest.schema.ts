import { z } from 'zod';
import type { IngestItem, IngestMessage } from '../import/ingest.ts';

// The body of POST /api/ingest/messages. The envelope is checked as a whole (400 when it is
// not `{ messages: [...] }`); each message on its own, so one bad message is rejected with its
// reason and the others are stored. The OpenAPI document is generated from these schemas.

const id = (what: string) => z.string({ error: `${what} must be a string` }).regex(/\S/, { error: `${what} must not be blank` }).max(512, { error: `${what} is longer than 512 characters` });
const name = z.string().trim().min(1).max(512);

const ai = z
  .strictObject({
    classification: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'ai.classification must be a lower-case label such as price_inquiry (letters, digits, _; at most 64)' })
      .optional()
      .describe("the AI's label of the customer's message (price_inquiry, complaint, human_request…)"),
    confidence: z.number().min(0).max(1).optional().describe('how sure the AI was of that label, 0–1'),
    reply: z.enum(['template', 'llm']).optional().describe('bot replies: written from a template or by the LLM'),
    template: z.string().trim().min(1).max(200).optional().describe('the template used (reply "template") or the LLM started from (reply "llm")'),
    model: z.string().trim().min(1).max(200).optional().describe('the LLM that wrote the reply'),
    processingMs: z.number().int().min(0).max(86_400_000).optional().describe('how long the AI took over this message, in ms'),
  })
  .describe("the AI's decision: on a customer message its classification; on a bot reply how the reply was written (and the label it answered)");

export const ingestMessageSchema = z
  .strictObject({
    mid: id('mid').describe('the message id, unique across everything stored: sending it again stores nothing'),
    conversationId: id('conversationId').describe("the outside system's chat id (one customer's thread on one page)"),
    page: z.strictObject({
      id: id('page.id').describe('the page (channel) id, e.g. the Facebook page id'),
      name: name.optional().describe('its name, used when the page is new'),
    }),
    customer: z.strictObject({ psid: id('customer.psid'), name: name.optional() }).optional().describe('the customer (page-scoped id, name when known)'),
    sender: z.enum(['customer', 'bot', 'human_agent']).describe('who wrote it'),
    direction: z.enum(['to_company', 'to_client']).optional().describe('optional; must agree with sender (customer → to_company)'),
    text: z.string().max(20_000).nullable().optional(),
    attachments: z.array(z.record(z.string(), z.unknown())).max(20).optional().describe('attachment objects ({type, url, …}), stored as given'),
    at: z.iso.datetime({ offset: true, error: 'at must be an ISO 8601 time with an offset, e.g. 2026-11-25T14:30:00Z' }).describe('when it was sent'),
    agent: z.strictObject({ id: name.optional(), name: name.optional() }).optional().describe('the bot or human agent who wrote it'),
    ai: ai.optional(),
  })
  .superRefine((m, ctx) => {
    const expected = m.sender === 'customer' ? 'to_company' : 'to_client';
    if (m.direction !== undefined && m.direction !== expected) ctx.addIssue({ code: 'custom', path: ['direction'], message: `a ${m.sender} message goes ${expected}` });
    if (!m.text?.trim() && !(m.attachments && m.attachments.length > 0)) ctx.addIssue({ code: 'custom', path: ['text'], message: 'a message needs text or attachments' });
    if (m.ai && m.sender === 'human_agent') ctx.addIssue({ code: 'custom', path: ['ai'], message: 'ai is for customer and bot messages' });
    if (m.ai?.reply !== undefined && m.sender !== 'bot') ctx.addIssue({ code: 'custom', path: ['ai', 'reply'], message: 'only a bot message has a reply kind' });
    if (m.ai?.reply === 'template' && !m.ai.template) ctx.addIssue({ code: 'custom', path: ['ai', 'template'], message: 'a template reply names its template' });
  });

export const ingestBodySchema = z.strictObject({
  messages: z.array(z.unknown(), { error: 'messages must be an array' }).min(1, { error: 'messages must not be empty' }),
});

const problems = (error: z.ZodError) => error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

/** One message of the body: checked, or refused with every problem it has. */
export function parseIngestItem(value: unknown): IngestItem {
  const r = ingestMessageSchema.safeParse(value);
  if (r.success) return { ok: true, message: r.data satisfies IngestMessage };
  const mid = typeof value === 'object' && value !== null && typeof (value as { mid?: unknown }).mid === 'string' ? (value as { mid: string }).mid : null;
  return { ok: false, mid, reason: problems(r.error) };
}

/** The envelope, or why it is not one. */
export function parseIngestBody(value: unknown): { ok: true; messages: unknown[] } | { ok: false; problem: string } {
  const r = ingestBodySchema.safeParse(value);
  return r.success ? { ok: true, messages: r.data.messages } : { ok: false, problem: problems(r.error) };
}

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

/** For the OpenAPI document only: the route itself validates with the zod schemas above. */
export const ingestMessageJsonSchema = jsonSchema(ingestMessageSchema);

export const ingestResultJsonSchema = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected', 'results'],
  properties: {
    accepted: { type: 'integer', description: 'messages stored now' },
    duplicates: { type: 'integer', description: 'messages stored before (or repeated in this batch): nothing stored' },
    rejected: { type: 'integer' },
    results: {
      type: 'array',
      description: 'one per message, in request order',
      items: {
        type: 'object',
        required: ['index', 'mid', 'status'],
        properties: {
          index: { type: 'integer' },
          mid: { type: ['string', 'null'] },
          status: { type: 'string', enum: ['accepted', 'duplicate', 'rejected'] },
          reason: { type: 'string', description: 'why it was rejected, or what it duplicates' },
        },
      },
    },
  },
} as const;
