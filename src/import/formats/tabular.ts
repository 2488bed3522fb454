import type { Field } from '../fields.js';
import { buildRow } from '../rows.js';
import { describeValue, normalizeName } from '../text.js';
import { TimeParser } from '../time.js';
import type { Direction, Parsed, ReaderContext, SenderKind } from '../types.js';

// One social-inbox record (a CSV row or a JSONL object, already keyed by canonical field)
// → one message. Values are strings from CSV and any JSON value from JSONL.

// Maps, not object literals: a value such as "constructor" must not find Object.prototype.
const DIRECTIONS = new Map<string, Direction>(Object.entries({
  tocompany: 'to_company', inbound: 'to_company', incoming: 'to_company', in: 'to_company', received: 'to_company',
  toclient: 'to_client', outbound: 'to_client', outgoing: 'to_client', out: 'to_client', sent: 'to_client',
} satisfies Record<string, Direction>));
const SENDER_KINDS = new Map<string, SenderKind>(Object.entries({
  customer: 'customer', user: 'customer', client: 'customer', contact: 'customer', visitor: 'customer', guest: 'customer',
  bot: 'bot', chatbot: 'bot', automation: 'bot', automated: 'bot', ai: 'bot', auto: 'bot', system: 'bot',
  agent: 'human_agent', humanagent: 'human_agent', human: 'human_agent', admin: 'human_agent', page: 'human_agent',
  staff: 'human_agent', operator: 'human_agent', support: 'human_agent', employee: 'human_agent',
} satisfies Record<string, SenderKind>));

type Get = (field: Field) => unknown;

const reject = (reason: string, line: number): Parsed => ({ error: { line, reason } });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v.trim() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s === '' ? null : s;
}

/** Message text keeps its own whitespace; only an all-blank value counts as no text. */
function textOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : String(v);
  return s.trim() === '' ? null : s;
}

type Json<T> = { value: T } | { error: string };

const MAX_CACHED_AGENTS = 1_000;

function parseAgentInfo(v: unknown): Json<Record<string, unknown> | null> {
  if (isObject(v)) return { value: v };
  const s = str(v);
  if (s === null) return { value: null };
  if (!s.startsWith('{')) return { value: { name: s } };
  try {
    const parsed: unknown = JSON.parse(s);
    return isObject(parsed) ? { value: parsed } : { error: 'agent_info is not a JSON object' };
  } catch {
    return { error: `malformed JSON in agent_info ${describeValue(s)}` };
  }
}

/** Most rows have none: one shared answer, read only. */
const NO_ATTACHMENTS: Json<unknown[] | null> = Object.freeze({ value: null });

function parseAttachments(v: unknown): Json<unknown[] | null> {
  if (v === undefined || v === '') return NO_ATTACHMENTS;
  if (Array.isArray(v)) return { value: v };
  if (isObject(v)) return { value: [v] };
  const s = str(v);
  if (s === null) return NO_ATTACHMENTS;
  if (s.startsWith('[') || s.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(s);
      return { value: Array.isArray(parsed) ? parsed : [parsed] };
    } catch {
      return { error: `malformed JSON in attachments ${describeValue(s)}` };
    }
  }
  // Inbox tools that flatten attachments write their URLs, separated by spaces, commas or pipes.
  return { value: s.split(/[\s,|]+/).filter(Boolean).map((url) => ({ type: 'file', payload: { url } })) };
}

const saysBot = (info: Record<string, unknown> | null): boolean =>
  info !== null &&
  (info.is_bot === true ||
    info.bot === true ||
    [info.type, info.kind, info.role].some((v) => typeof v === 'string' && SENDER_KINDS.get(normalizeName(v)) === 'bot'));

type Who = { direction: Direction; kind: SenderKind };
const whoOf = (direction: Direction, kind: SenderKind): Who => Object.freeze({ direction, kind });
/** The six answers of sender(), shared by every row (read only). */
const WHO: Record<Direction, Record<SenderKind, Who>> = {
  to_company: { customer: whoOf('to_company', 'customer'), bot: whoOf('to_company', 'bot'), human_agent: whoOf('to_company', 'human_agent') },
  to_client: { customer: whoOf('to_client', 'customer'), bot: whoOf('to_client', 'bot'), human_agent: whoOf('to_client', 'human_agent') },
};

export class TabularConverter {
  private readonly time: TimeParser;
  private readonly defaultPage: { fbPageId: string; name: string };
  private readonly agents = new Map<string, Json<Record<string, unknown> | null>>();
  /**
   * Values most rows repeat (the chat of the row before, a few pages), as the one string seen
   * first: the rows an import holds in flight then keep one string for them, not one per row,
   * which the garbage collector would copy and promote with the row.
   */
  private lastChat = '';
  private readonly repeated = new Map<string, string>();

  constructor(ctx: ReaderContext) {
    this.time = new TimeParser(ctx.timezone);
    // Files without page columns all belong to one page: the owner's when given.
    this.defaultPage = ctx.owner ? { fbPageId: `name:${ctx.owner}`, name: ctx.owner } : { fbPageId: 'import:unknown-page', name: 'Imported (page unknown)' };
  }

  convert(get: Get, line: number): Parsed {
    let chatKey = str(get('fb_chat_id'));
    if (chatKey === null) return reject('missing fb_chat_id', line);
    if (chatKey === this.lastChat) chatKey = this.lastChat;
    else this.lastChat = chatKey;
    const rawTime = get('social_create_time');
    if (str(rawTime) === null) return reject('missing social_create_time', line);
    const at = this.time.parse(rawTime);
    if ('error' in at) return reject(`social_create_time: ${at.error}`, line);

    const agent = this.agentInfo(get('agent_info'));
    if ('error' in agent) return reject(agent.error, line);
    const attachments = parseAttachments(get('attachments'));
    if ('error' in attachments) return reject(attachments.error, line);
    const who = this.sender(get, agent.value);
    if ('error' in who) return reject(who.error, line);

    const pageId = this.shared(str(get('page_id')));
    const pageName = this.shared(str(get('page_name')));
    const senderName = str(get('sender_name'));
    const customerName = str(get('customer_name')) ?? (who.direction === 'to_company' ? senderName : null);
    const psid = str(get('customer_psid'));
    return buildRow(
      {
        chatKey,
        mid: str(get('message_id')),
        direction: who.direction,
        senderKind: who.kind,
        text: textOf(get('message_content')),
        attachments: attachments.value,
        atMs: at.ms,
        agentInfo: agent.value,
        pageFbId: pageId ?? (pageName ? `name:${pageName}` : this.defaultPage.fbPageId),
        pageName: pageId ? (pageName ?? pageId) : (pageName ?? this.defaultPage.name),
        // Without a PSID the chat is the best identity we have: one customer per chat.
        customerPsid: psid ?? (customerName ? `chat:${chatKey}` : null),
        customerName,
        sender: senderName ?? who.kind,
      },
      line,
    );
  }

  private shared(s: string | null): string | null {
    if (s === null) return null;
    const hit = this.repeated.get(s);
    if (hit !== undefined) return hit;
    if (this.repeated.size < MAX_CACHED_AGENTS) this.repeated.set(s, s);
    return s;
  }

  /**
   * A file names the same few agents on most of its rows: each distinct text is parsed once.
   * The parsed object is shared by those rows, which only read it.
   */
  private agentInfo(v: unknown): Json<Record<string, unknown> | null> {
    if (typeof v !== 'string') return parseAgentInfo(v);
    let hit = this.agents.get(v);
    if (hit === undefined) {
      hit = parseAgentInfo(v);
      if (this.agents.size < MAX_CACHED_AGENTS) this.agents.set(v, hit);
    }
    return hit;
  }

  /** Direction and sender kind, from whichever of direction / sender_type the record has; they must agree. */
  private sender(get: Get, agentInfo: Record<string, unknown> | null): Who | { error: string } {
    const rawDirection = str(get('direction'));
    const rawType = str(get('sender_type'));
    const direction = rawDirection === null ? undefined : DIRECTIONS.get(normalizeName(rawDirection));
    const kind = rawType === null ? undefined : SENDER_KINDS.get(normalizeName(rawType));
    if (rawDirection !== null && !direction) return { error: `unknown direction ${describeValue(rawDirection)} (expected to_company or to_client)` };
    if (rawType !== null && !kind) return { error: `unknown sender_type ${describeValue(rawType)} (expected customer, bot or agent)` };
    if (!direction && !kind) return { error: 'missing direction' };
    if (direction && kind && (direction === 'to_company') !== (kind === 'customer')) {
      return { error: `direction ${direction} contradicts sender_type ${describeValue(rawType)}` };
    }
    const d = direction ?? (kind === 'customer' ? 'to_company' : 'to_client');
    return WHO[d][kind ?? (d === 'to_company' ? 'customer' : saysBot(agentInfo) ? 'bot' : 'human_agent')];
  }
}
