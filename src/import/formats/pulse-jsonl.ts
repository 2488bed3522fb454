import type { Field } from '../fields.js';
import type { Parsed } from '../types.js';
import type { TabularConverter } from './tabular.js';

/*
 * SupportPulse JSONL, version 1: the project's own interchange format, one message per line
 * (UTF-8, "\n"-separated, no header). Every line is a JSON object:
 *
 *   {"type":"supportpulse.message","v":1,
 *    "fbChatId":"t_123",             conversations.fb_chat_id              required
 *    "mid":"m_abc",                  messages.mid (unique, dedupe key)     required
 *    "direction":"to_company",       "to_company" | "to_client"            required
 *    "senderKind":"customer",        "customer" | "bot" | "human_agent"    required
 *    "text":"Hi" | null,
 *    "attachments":[...] | null,     Messenger-style [{type, payload}]
 *    "socialCreateTime":"2026-11-22T09:30:00.000Z",  ISO 8601 with offset  required
 *    "agentInfo":{...} | null,       who answered: {id?, name?, ...}
 *    "pageFbId":"1048823719",        pages.fb_page_id                      required
 *    "pageName":"Shop" | null,
 *    "customerPsid":"7000" | null,   customers.psid (page-scoped)
 *    "customerName":"Ann" | null}
 *
 * `type` tells it apart from any other JSONL; `v` changes only when a field changes meaning,
 * and readers refuse versions they do not know rather than guess. Keys are camelCase like
 * the Prisma model, so an export is `toPulseJsonl(row)` over a query of messages joined
 * with their conversation, page and customer.
 */

export const PULSE_TYPE = 'supportpulse.message';
export const PULSE_VERSION = 1;

export interface PulseMessage {
  fbChatId: string;
  mid: string;
  direction: 'to_company' | 'to_client';
  senderKind: 'customer' | 'bot' | 'human_agent';
  text: string | null;
  attachments: unknown[] | null;
  socialCreateTime: Date | string;
  agentInfo: Record<string, unknown> | null;
  pageFbId: string;
  pageName: string | null;
  customerPsid: string | null;
  customerName: string | null;
}

/** One line of the export, newline included. */
export function toPulseJsonl(row: PulseMessage): string {
  const at = row.socialCreateTime instanceof Date ? row.socialCreateTime.toISOString() : row.socialCreateTime;
  return `${JSON.stringify({
    type: PULSE_TYPE,
    v: PULSE_VERSION,
    fbChatId: row.fbChatId,
    mid: row.mid,
    direction: row.direction,
    senderKind: row.senderKind,
    text: row.text,
    attachments: row.attachments,
    socialCreateTime: at,
    agentInfo: row.agentInfo,
    pageFbId: row.pageFbId,
    pageName: row.pageName,
    customerPsid: row.customerPsid,
    customerName: row.customerName,
  })}\n`;
}

const KEYS: Record<Field, keyof PulseMessage | null> = {
  fb_chat_id: 'fbChatId',
  message_id: 'mid',
  direction: 'direction',
  sender_type: 'senderKind',
  message_content: 'text',
  attachments: 'attachments',
  social_create_time: 'socialCreateTime',
  agent_info: 'agentInfo',
  page_id: 'pageFbId',
  page_name: 'pageName',
  customer_psid: 'customerPsid',
  customer_name: 'customerName',
  sender_name: null,
};
const REQUIRED: (keyof PulseMessage)[] = ['fbChatId', 'mid', 'direction', 'senderKind', 'socialCreateTime', 'pageFbId'];

/** Our own records go through the same checks as inbox records, after the stricter ones here. */
export function fromPulseRecord(obj: Record<string, unknown>, line: number, converter: TabularConverter): Parsed {
  if (obj.type !== PULSE_TYPE) return { error: { line, reason: `not a ${PULSE_TYPE} record (type ${JSON.stringify(obj.type)})` } };
  if (obj.v !== PULSE_VERSION) return { error: { line, reason: `unsupported version v=${JSON.stringify(obj.v)} (this version reads v${PULSE_VERSION})` } };
  const missing = REQUIRED.filter((k) => obj[k] === undefined || obj[k] === null || obj[k] === '');
  if (missing.length) return { error: { line, reason: `missing ${missing.join(', ')}` } };
  return converter.convert((f) => {
    const key = KEYS[f];
    return key === null ? undefined : obj[key];
  }, line);
}
