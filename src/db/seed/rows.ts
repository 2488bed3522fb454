import { userByExternalId } from './catalog.ts';
import type { GenConversation, GenMessage, GenQaEvent, GenSession } from './types.ts';

// Rows in PostgreSQL's COPY text format: tab-separated, \N for NULL, backslash escapes.
// Column lists sit next to their encoders so the two cannot drift apart.

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function text(v: string | null): string {
  if (v === null) return '\\N';
  return SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const P2 = Array.from({ length: 60 }, (_, i) => pad(i, 2));
const P3 = Array.from({ length: 1000 }, (_, i) => pad(i, 3));
const DAY_MS = 86_400_000;
const dayPrefixes = new Map<number, string>();

/**
 * A UTC timestamp as PostgreSQL reads it. Date#toISOString costs about a microsecond, a large
 * share of the few microseconds spent per message, so the date part is cached per day and the
 * rest is assembled from lookup tables.
 */
export function ts(ms: number | null): string {
  if (ms === null) return '\\N';
  ms = Math.round(ms);
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11).replace('T', ' ');
    dayPrefixes.set(day, prefix);
  }
  let r = ms - day * DAY_MS;
  const milli = r % 1000;
  r = (r - milli) / 1000;
  return `${prefix}${P2[Math.floor(r / 3600)]}:${P2[Math.floor(r / 60) % 60]}:${P2[r % 60]}.${P3[milli]}+00`;
}
const num = (v: number | null): string => (v === null ? '\\N' : String(v));
const json = (v: unknown): string => (v === null || v === undefined ? '\\N' : text(JSON.stringify(v)));

// agent_info is one of a handful of objects; serialising it once per agent saves a lot of work.
const agentInfoCache = new Map<string, string>();
function agentInfo(agentId: string | null, botName: string): string {
  if (agentId === null) return '\\N';
  const key = agentId === 'bot' ? `bot:${botName}` : agentId;
  let v = agentInfoCache.get(key);
  if (v === undefined) {
    v = text(JSON.stringify({ id: agentId, name: agentId === 'bot' ? botName : (userByExternalId.get(agentId)?.name ?? agentId) }));
    agentInfoCache.set(key, v);
  }
  return v;
}

export const CUSTOMER_COLUMNS = 'id, page_id, psid, name, created_at';
export function customerRow(c: GenConversation): string {
  return `${c.id}\t${c.page.id}\t${c.psid}\t${text(c.customerName)}\t${ts(c.messages[0]!.at)}\n`;
}

export const CONVERSATION_COLUMNS =
  'id, fb_chat_id, page_id, customer_id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at, common_topics, handoff_state, handoff_reason, handoff_at, assigned_to_id, created_at, updated_at';
export function conversationRow(c: GenConversation, userIds: ReadonlyMap<string, number>): string {
  const first = ts(c.messages[0]!.at);
  const last = ts(c.messages[c.messages.length - 1]!.at);
  const h = handoffOf(c, userIds);
  return `${c.id}\t${c.fbChatId}\t${c.page.id}\t${c.id}\t${c.messages.length}\t${c.customerMessages}\t${c.agentMessages}\t${first}\t${last}\t${json(c.topics)}\t${h.state}\t${text(h.reason)}\t${ts(h.at)}\t${num(h.assignedTo)}\t${first}\t${last}\n`;
}

/**
 * The handoff state a live conversation would be in: its latest request for a human is its
 * handoff; nobody has answered yet → waiting; a human answered and the customer has not
 * thanked them since (the last session is not complete) → still with that human; otherwise
 * given back to the bot.
 */
function handoffOf(c: GenConversation, userIds: ReadonlyMap<string, number>): { state: string; reason: string | null; at: number | null; assignedTo: number | null } {
  let i = c.messages.length - 1;
  while (i >= 0 && c.messages[i]!.classification !== 'human_request') i--;
  if (i < 0) return { state: 'bot', reason: null, at: null, assignedTo: null };
  const at = c.messages[i]!.at;
  const human = c.messages.slice(i + 1).find((m) => m.sender === 'human_agent');
  if (!human) return { state: 'waiting', reason: 'human_request', at, assignedTo: null };
  const open = c.sessions[c.sessions.length - 1]!;
  if (open.completion !== 'complete' && open.startedAt <= at) return { state: 'human', reason: 'human_request', at, assignedTo: userIds.get(human.agentId ?? '') ?? null };
  return { state: 'bot', reason: 'human_request', at, assignedTo: null };
}

export const MESSAGE_COLUMNS =
  'id, conversation_id, mid, direction, sender_kind, text, attachments, social_create_time, agent_info, classification, classification_confidence, processing_time_ms, created_at';
/** created_at = the send time: the demo pretends every message arrived live through the webhook. */
export function messageRow(conversationId: number, m: GenMessage, botName: string): string {
  const at = ts(m.at);
  const direction = m.sender === 'customer' ? 'to_company' : 'to_client';
  return `${m.id}\t${conversationId}\t${m.mid}\t${direction}\t${m.sender}\t${text(m.text)}\t${json(m.attachments)}\t${at}\t${agentInfo(m.agentId, botName)}\t${text(m.classification)}\t${num(m.confidence)}\t${num(m.processingMs)}\t${at}\n`;
}

export const SESSION_COLUMNS =
  'id, conversation_id, sequence, started_at, ended_at, message_count, ai_engaged, ai_message_count, human_handoff, completion_status, archive_status, qa_status, qa_notes, dev_feedback, qa_by_id, qa_at, created_at, updated_at';
export function sessionRow(conversationId: number, s: GenSession, userIds: ReadonlyMap<string, number>): string {
  const qaBy = s.qaBy === null ? null : (userIds.get(s.qaBy) ?? null);
  return `${s.id}\t${conversationId}\t${s.sequence}\t${ts(s.startedAt)}\t${ts(s.endedAt)}\t${s.messageCount}\t${s.aiEngaged ? 't' : 'f'}\t${s.aiMessageCount}\t${s.humanHandoff ? 't' : 'f'}\t${s.completion}\t${s.archive}\t${s.qaStatus}\t${text(s.qaNotes)}\t${text(s.devFeedback)}\t${num(qaBy)}\t${ts(s.qaAt)}\t${ts(s.startedAt)}\t${ts(s.updatedAt)}\n`;
}

export const QA_EVENT_COLUMNS = 'id, session_id, actor_id, from_status, to_status, notes, dev_feedback, created_at';
export function qaEventRow(e: GenQaEvent, userIds: ReadonlyMap<string, number>): string {
  return `${e.id}\t${e.sessionId}\t${num(userIds.get(e.actor) ?? null)}\t${e.from}\t${e.to}\t${text(e.notes)}\t${text(e.devFeedback)}\t${ts(e.at)}\n`;
}
