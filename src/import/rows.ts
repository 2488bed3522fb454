import { contentMid, stringProblem, valueProblem } from './text.js';
import type { Direction, ImportRow, Parsed, SenderKind } from './types.js';

// The last step of every reader: check every string that will reach PostgreSQL, serialise
// the JSON columns once, and derive the message id when the source has none.

export interface RowInput {
  chatKey: string;
  mid: string | null;
  direction: Direction;
  senderKind: SenderKind;
  text: string | null;
  attachments: unknown[] | null;
  atMs: number;
  agentInfo: Record<string, unknown> | null;
  pageFbId: string;
  pageName: string;
  customerPsid: string | null;
  customerName: string | null;
  /** who sent it, as the source names them: part of the content hash */
  sender: string;
}

type StringKey = 'chatKey' | 'mid' | 'text' | 'pageFbId' | 'pageName' | 'customerPsid' | 'customerName' | 'sender';
type Labels = Record<StringKey | 'attachments' | 'agentInfo', string>;

/** What the user calls each field in error messages: the column names of the CSV format. */
export const TABULAR_LABELS: Labels = {
  chatKey: 'fb_chat_id',
  mid: 'message_id',
  text: 'message_content',
  pageFbId: 'page_id',
  pageName: 'page_name',
  customerPsid: 'customer_psid',
  customerName: 'customer_name',
  sender: 'sender_name',
  attachments: 'attachments',
  agentInfo: 'agent_info',
};

const STRING_KEYS: StringKey[] = ['chatKey', 'mid', 'text', 'sender', 'pageFbId', 'pageName', 'customerPsid', 'customerName'];

/** Readers share one parsed agent_info between the rows that carry the same text: checked and serialised once. */
const checked = new WeakMap<object, { problem: string | null; json: string; name: string | null | undefined }>();
function checkedJson(v: Record<string, unknown>): { problem: string | null; json: string; name: string | null | undefined } {
  let hit = checked.get(v);
  if (!hit) checked.set(v, (hit = { problem: valueProblem(v), json: JSON.stringify(v), name: nameOf(v) }));
  return hit;
}

/** `agent_info ->> 'name'`: a string or number as its text, null when absent; undefined for what only jsonb can print. */
function nameOf(v: Record<string, unknown>): string | null | undefined {
  if (Array.isArray(v)) return null;
  const name = v.name;
  if (name === undefined || name === null) return null;
  if (typeof name === 'string') return name;
  if (typeof name === 'boolean') return String(name);
  if (typeof name === 'number' && Number.isSafeInteger(name)) return String(name);
  return undefined;
}

/** The first string of `input` that cannot be stored, in STRING_KEYS order, or undefined. */
function badString(input: RowInput): StringKey | undefined {
  // one property read each, not input[key] in a loop: a million rows spent a tenth of their
  // conversion in the keyed reads; a string with nothing suspect costs one regex test
  if (suspect(input.chatKey) || suspect(input.mid) || suspect(input.text) || suspect(input.sender) || suspect(input.pageFbId) ||
      suspect(input.pageName) || suspect(input.customerPsid) || suspect(input.customerName)) {
    return STRING_KEYS.find((key) => {
      const v = input[key];
      return v !== null && stringProblem(v) !== null;
    });
  }
  return undefined;
}
const suspect = (s: string | null): boolean => s !== null && stringProblem(s) !== null;

export function buildRow(input: RowInput, line: string | number, labels: Labels = TABULAR_LABELS): Parsed {
  const bad = badString(input);
  if (bad !== undefined) return { error: { line, reason: `${stringProblem(input[bad]!)} in ${labels[bad]}` } };
  const attachmentsProblem = valueProblem(input.attachments);
  if (attachmentsProblem) return { error: { line, reason: `${attachmentsProblem} in ${labels.attachments}` } };
  const agent = input.agentInfo ? checkedJson(input.agentInfo) : null;
  if (agent?.problem) return { error: { line, reason: `${agent.problem} in ${labels.agentInfo}` } };
  const attachments = input.attachments && input.attachments.length > 0 ? JSON.stringify(input.attachments) : null;
  const row: ImportRow = {
    chatKey: input.chatKey,
    mid: input.mid ?? contentMid(input.chatKey, input.atMs, input.sender, input.text, attachments),
    direction: input.direction,
    senderKind: input.senderKind,
    text: input.text,
    attachments,
    atMs: input.atMs,
    agentInfo: agent ? agent.json : null,
    agentName: agent ? agent.name : null,
    pageFbId: input.pageFbId,
    pageName: input.pageName,
    customerPsid: input.customerPsid,
    customerName: input.customerName,
  };
  return { row };
}
