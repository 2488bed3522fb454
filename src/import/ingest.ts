import type pg from 'pg';
import { withPooledClient } from '../db/pool.js';
import { emptyStats, loadedConversations, loadRows, refreshAfterLoad } from './loader.js';
import { buildRow, type RowInput } from './rows.js';
import type { ImportRow, Parsed, SenderKind } from './types.js';

// Messages an outside AI agent sends in (POST /api/ingest/messages, issue 20 point 9): each is
// turned into the importer's row and loaded by the importer's own batch writer, then the
// conversations' sessions, counters and reply facts are rebuilt as after an import. So QA, CSI
// and the assistant see these conversations exactly as they see an import's or our own bot's.
// Idempotent by message id: a message stored already (or repeated in the batch) is a duplicate.

/** One message as the route has checked it (routes/ingest.schema.ts). */
export interface IngestMessage {
  mid: string;
  /** the outside system's chat id: conversations.fb_chat_id */
  conversationId: string;
  page: { id: string; name?: string | undefined };
  customer?: { psid: string; name?: string | undefined } | undefined;
  sender: SenderKind;
  text?: string | null | undefined;
  attachments?: Record<string, unknown>[] | undefined;
  /** ISO 8601 with an offset */
  at: string;
  /** who wrote a bot or human-agent message */
  agent?: { id?: string | undefined; name?: string | undefined } | undefined;
  ai?: IngestAi | undefined;
}

/** The AI's decision about a message: what it classified, how sure it was, how it answered, how long it took. */
export interface IngestAi {
  classification?: string | undefined;
  confidence?: number | undefined;
  reply?: 'template' | 'llm' | undefined;
  template?: string | undefined;
  model?: string | undefined;
  processingMs?: number | undefined;
}

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestOutcome {
  /** position in the request's `messages` */
  index: number;
  mid: string | null;
  status: IngestStatus;
  /** why it was rejected, or what it duplicates */
  reason?: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: IngestOutcome[];
  /** conversations that got new messages (their days are for the analysis queue) */
  conversationIds: number[];
}

/** An item of the request: checked by the route's schema, or refused there with its reason. */
export type IngestItem = { ok: true; message: IngestMessage } | { ok: false; mid: string | null; reason: string };

const LABELS = {
  chatKey: 'conversationId',
  mid: 'mid',
  text: 'text',
  pageFbId: 'page.id',
  pageName: 'page.name',
  customerPsid: 'customer.psid',
  customerName: 'customer.name',
  sender: 'agent.name',
  attachments: 'attachments',
  agentInfo: 'agent',
};

/**
 * A bot message's agent_info in the keys our own bot writes (domain/messenger/contracts.ts
 * botAgentInfo), so QA transcripts and exports say "template X" or "LLM (model)" alike; a
 * human agent's as the importer reads it ({id, name}: the "by agent" measures).
 */
export function ingestAgentInfo(m: IngestMessage): Record<string, unknown> | null {
  if (m.sender === 'customer') return null;
  const who = { ...(m.agent?.id ? { id: m.agent.id } : {}), ...(m.agent?.name ? { name: m.agent.name } : {}) };
  if (m.sender === 'human_agent') return Object.keys(who).length > 0 ? who : null;
  const ai = m.ai ?? {};
  const how =
    ai.reply === 'template'
      ? { response_type: 'template', ...(ai.template ? { template: ai.template } : {}) }
      : ai.reply === 'llm'
        ? { response_type: 'llm', ...(ai.model ? { model: ai.model } : {}), ...(ai.template ? { draft_template: ai.template } : {}) }
        : {};
  return {
    ...who,
    ...how,
    ...(ai.classification !== undefined ? { intent: ai.classification } : {}),
    ...(ai.confidence !== undefined ? { confidence: ai.confidence } : {}),
    source: 'ingest',
  };
}

/**
 * The importer's row for one message. A customer message keeps its classification and
 * confidence in the message's own columns, where our bot records them and the topic measures
 * and session rules read them; a bot reply keeps the label it answered in its agent_info.
 */
export function ingestRow(m: IngestMessage, index: number): Parsed {
  const input: RowInput = {
    chatKey: m.conversationId,
    mid: m.mid,
    direction: m.sender === 'customer' ? 'to_company' : 'to_client',
    senderKind: m.sender,
    text: m.text ?? null,
    attachments: m.attachments ?? null,
    atMs: Date.parse(m.at),
    agentInfo: ingestAgentInfo(m),
    pageFbId: m.page.id,
    pageName: m.page.name ?? m.page.id,
    customerPsid: m.customer?.psid ?? null,
    customerName: m.customer?.name ?? null,
    sender: m.agent?.name ?? '',
  };
  const parsed = buildRow(input, `messages[${index}]`, LABELS);
  if (!parsed.row) return parsed;
  const ai = m.ai;
  const row: ImportRow = {
    ...parsed.row,
    classification: m.sender === 'customer' ? (ai?.classification ?? null) : null,
    confidence: m.sender === 'customer' ? (ai?.confidence ?? null) : null,
    processingMs: ai?.processingMs ?? null,
  };
  return { row };
}

/**
 * Stores the new messages of one request in one transaction (the importer's batch), then
 * rebuilds the sessions of every conversation the request named. On one connection of `pool`.
 */
export async function ingestMessages(pool: pg.Pool, items: IngestItem[], now: Date): Promise<IngestResult> {
  const results: IngestOutcome[] = [];
  const rows: ImportRow[] = [];
  /** mid → index of its first occurrence in this request */
  const firstAt = new Map<string, number>();
  items.forEach((item, index) => {
    if (!item.ok) return void results.push({ index, mid: item.mid, status: 'rejected', reason: item.reason });
    const m = item.message;
    const seen = firstAt.get(m.mid);
    if (seen !== undefined) return void results.push({ index, mid: m.mid, status: 'duplicate', reason: `the same mid as messages[${seen}]` });
    const parsed = ingestRow(m, index);
    if (!parsed.row) return void results.push({ index, mid: m.mid, status: 'rejected', reason: parsed.error.reason });
    firstAt.set(m.mid, index);
    rows.push(parsed.row);
    results.push({ index, mid: m.mid, status: 'accepted' });
  });
  // A chat's messages side by side: the batch writer looks each chat up once per run of rows.
  rows.sort((a, b) => (a.chatKey < b.chatKey ? -1 : a.chatKey > b.chatKey ? 1 : a.atMs - b.atMs));

  const stats = { ...emptyStats(), insertedMids: new Set<string>() };
  if (rows.length > 0) {
    await withPooledClient(pool, async (client) => {
      await loadRows([client], (async function* () {
        yield rows.map((row): Parsed => ({ row }));
      })(), stats);
      await refreshAfterLoad([client], [...stats.touched].sort((a, b) => a - b), now, loadedConversations(stats));
    });
  }
  for (const r of results) {
    if (r.status === 'accepted' && !stats.insertedMids.has(r.mid!)) Object.assign(r, { status: 'duplicate', reason: 'stored already' });
  }
  const count = (s: IngestStatus) => results.filter((r) => r.status === s).length;
  return {
    accepted: count('accepted'),
    duplicates: count('duplicate'),
    rejected: count('rejected'),
    results,
    conversationIds: [...stats.conversationIds].sort((a, b) => a - b),
  };
}
