import { AppError } from '../errors.js';
import { normalizeName } from './text.js';

// Canonical fields of the social-inbox formats (CSV and JSONL) and the header names inbox
// tools use for them. Names compare after normalizeName, so "Chat ID", "chat_id" and
// "chatId" are one name. Earlier aliases win when a file has several (e.g. both
// "timestamp" and "created_at").

export const FIELD_ALIASES = {
  fb_chat_id: ['fb_chat_id', 'chat_id', 'conversation_id', 'thread_id', 'fb_conversation_id', 'chat', 'conversation', 'thread'],
  message_content: ['message_content', 'text', 'message', 'body', 'content', 'message_text', 'message_body', 'msg'],
  direction: ['direction', 'message_direction'],
  social_create_time: [
    'social_create_time', 'created_at', 'timestamp', 'time', 'date', 'datetime', 'date_time', 'sent_at', 'created_time',
    'created', 'message_time', 'sent_time',
  ],
  agent_info: ['agent_info', 'agent', 'agent_name', 'assignee', 'responder'],
  page_id: ['page_id', 'fb_page_id'],
  page_name: ['page_name', 'page'],
  message_id: ['message_id', 'mid', 'msg_id', 'fb_message_id', 'external_id'],
  sender_type: ['sender_type', 'sender_kind', 'sender_role', 'author_type', 'from_type', 'role'],
  sender_name: ['sender_name', 'sender', 'from', 'from_name', 'author', 'author_name'],
  customer_psid: ['customer_psid', 'psid', 'customer_id', 'user_id', 'client_id', 'contact_id'],
  customer_name: ['customer_name', 'client_name', 'user_name', 'contact_name', 'customer'],
  attachments: ['attachments', 'attachment', 'attachment_url', 'attachment_urls', 'media', 'media_url', 'files'],
} as const;

export type Field = keyof typeof FIELD_ALIASES;
export const FIELDS = Object.keys(FIELD_ALIASES) as Field[];

/** normalised name → [field, priority]; a lower priority wins. */
const ALIAS_INDEX = new Map<string, [Field, number]>();
for (const field of FIELDS) {
  FIELD_ALIASES[field].forEach((alias, i) => ALIAS_INDEX.set(normalizeName(alias), [field, i]));
}
// Explicit --map targets may also be written in camelCase or as the pulse export names them.
const FIELD_BY_NAME = new Map<string, Field>(FIELDS.map((f) => [normalizeName(f), f]));
for (const [alt, f] of [['text', 'message_content'], ['mid', 'message_id'], ['time', 'social_create_time']] as const) {
  FIELD_BY_NAME.set(alt, f);
}

/** Turns repeated `column=field` options into a map, failing on unknown fields. */
export function parseMapOptions(entries: readonly string[]): Record<string, string> {
  const pairs: [string, string][] = [];
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const column = entry.slice(0, at).trim();
    const target = entry.slice(at + 1).trim();
    if (at <= 0 || !column || !target) {
      throw new AppError('BAD_REQUEST', `--map expects column=field, got "${entry}"`);
    }
    pairs.push([column, canonicalField(target)]);
  }
  // fromEntries defines own properties: a column called "__proto__" stays a column.
  return Object.fromEntries(pairs);
}

export function canonicalField(name: string): Field {
  const f = FIELD_BY_NAME.get(normalizeName(name));
  if (!f) throw new AppError('BAD_REQUEST', `unknown field "${name}" in --map; fields are: ${FIELDS.join(', ')}`);
  return f;
}

export class ColumnResolver {
  private readonly explicit = new Map<string, Field>();
  private readonly cache = new Map<string, [Field, number] | null>();

  constructor(map: Record<string, string>) {
    for (const [column, field] of Object.entries(map)) this.explicit.set(normalizeName(column), canonicalField(field));
  }

  get mappedColumns(): string[] {
    return [...this.explicit.keys()];
  }

  /** The field a column/key feeds, with its priority (-1 for --map, which always wins). */
  resolve(column: string): [Field, number] | null {
    let hit = this.cache.get(column);
    if (hit === undefined) {
      const n = normalizeName(column);
      const mapped = this.explicit.get(n);
      hit = mapped ? [mapped, -1] : (ALIAS_INDEX.get(n) ?? null);
      this.cache.set(column, hit);
    }
    return hit;
  }

  /** For CSV headers: field → column index, the best-priority column per field. */
  indexHeaders(headers: readonly string[]): Partial<Record<Field, number>> {
    const best = new Map<Field, [number, number]>();
    headers.forEach((h, i) => {
      const hit = this.resolve(h);
      if (!hit) return;
      const prev = best.get(hit[0]);
      if (!prev || hit[1] < prev[1]) best.set(hit[0], [i, hit[1]]);
    });
    return Object.fromEntries([...best].map(([f, [i]]) => [f, i]));
  }
}

/** Why a set of columns cannot be imported (null when it can), phrased for the person holding the file. */
export function missingColumns(found: Partial<Record<Field, unknown>>): string | null {
  const missing: string[] = [];
  if (found.fb_chat_id === undefined) missing.push('fb_chat_id (chat id)');
  if (found.social_create_time === undefined) missing.push('social_create_time (message time)');
  if (found.direction === undefined && found.sender_type === undefined) missing.push('direction (or sender_type)');
  if (found.message_content === undefined && found.attachments === undefined) missing.push('message_content (text)');
  return missing.length ? `no column for ${missing.join(', ')}` : null;
}
