// `/canned` as plain rules: the command's grammar (send, list by category, add, edit, remove),
// what a canned response may be called and say, and who may change them. The Slack adapter
// (bots/slack/canned-manage.ts) looks rows up and renders; the repository (db/canned-repo.ts)
// writes and audits. No I/O.

import type { Role } from './access.ts';
import { MESSENGER_TEXT_MAX, fromSlackMarkup, parseCannedArgs } from './handoff.ts';

/**
 * Where a change applies: one page's own responses, the shared ones every page falls back to, or
 * (unsaid) the page whose handoff channel the command is typed in, else the shared ones.
 */
export type CannedScope = { kind: 'channel' } | { kind: 'shared' } | { kind: 'page'; ref: string };

export type CannedCommand =
  | { kind: 'send'; name: string; conversationId?: number }
  | { kind: 'list'; scope: CannedScope; category?: string }
  | { kind: 'add'; scope: CannedScope; category: string; name: string; text: string }
  | { kind: 'edit'; scope: CannedScope; name: string; text: string }
  | { kind: 'remove'; scope: CannedScope; name: string }
  | { kind: 'bad'; reason: string };

export type CannedOp = 'add' | 'edit' | 'remove';

/** Subcommands: never the name of a response, or `/canned add` could mean either. */
export const CANNED_WORDS: ReadonlySet<string> = new Set(['list', 'help', 'add', 'edit', 'remove']);

/** The customer agent's own replies: reworded with `edit`, never added to or removed. */
export const BOT_CATEGORY = 'bot';
export const DEFAULT_CATEGORY = 'general';

/** The variables `/canned` can fill (templateVars in domain/handoff.ts). */
export const CANNED_VARIABLES: readonly string[] = ['first_name', 'name', 'customer_name', 'page_name', 'agent_name'];

export const CANNED_USAGE = [
  '`/canned <name> [conversation id]` sends a response to the customer of the conversation assigned to you (or of the one whose id you give).',
  '`/canned list [category]` lists them.',
  'Team leads and admins: `/canned add <category> <name> <text>`, `/canned edit <name> <text>`, `/canned remove <name>`.',
  'A change applies to the page whose handoff channel you type it in, else to the responses every page shares; `page:<id or name>` or `page:shared` after the subcommand says which.',
].join('\n');

/** Leads and admins word what agents send; agents use the responses. */
export const mayManageCanned = (role: Role): boolean => role === 'lead' || role === 'admin';

/** The next whitespace-separated word and the text after it (its own line breaks kept). */
function nextWord(text: string): [string | undefined, string] {
  const m = /^\s*(\S+)([\s\S]*)$/.exec(text);
  return m ? [m[1]!, m[2]!] : [undefined, ''];
}

function takeScope(rest: string): [CannedScope, string] {
  const [word, after] = nextWord(rest);
  const m = word ? /^page:(.+)$/i.exec(word) : null;
  if (!m) return [{ kind: 'channel' }, rest];
  const ref = m[1]!;
  return [/^(shared|all|default)$/i.test(ref) ? { kind: 'shared' } : { kind: 'page', ref }, after];
}

const usage = (what: string): CannedCommand => ({ kind: 'bad', reason: `usage: ${what}` });

/**
 * `/canned` text → a command. The text of add/edit is everything after the name, as Slack sent
 * it (escaped); the caller turns it into what the customer reads with cannedBody().
 */
export function parseCannedCommand(text: string): CannedCommand {
  const [first, rest] = nextWord(text);
  const sub = first?.toLowerCase();
  if (sub === undefined) return { kind: 'list', scope: { kind: 'channel' } };
  if (!CANNED_WORDS.has(sub)) {
    const send = parseCannedArgs(text);
    return send.kind === 'list' ? { kind: 'list', scope: { kind: 'channel' } } : send;
  }
  const [scope, args] = takeScope(rest);
  if (sub === 'list' || sub === 'help') {
    const words = args.trim().split(/\s+/).filter(Boolean);
    if (words.length > 1) return usage('`/canned list [category]`');
    return words[0] ? { kind: 'list', scope, category: words[0].toLowerCase() } : { kind: 'list', scope };
  }
  if (sub === 'add') {
    const [category, afterCategory] = nextWord(args);
    const [name, body] = nextWord(afterCategory);
    if (!category || !name || !body.trim()) return usage('`/canned add <category> <name> <text>`');
    return { kind: 'add', scope, category: category.toLowerCase(), name, text: body };
  }
  const [name, body] = nextWord(args);
  if (sub === 'edit') return name && body.trim() ? { kind: 'edit', scope, name, text: body } : usage('`/canned edit <name> <text>`');
  return name && !body.trim() ? { kind: 'remove', scope, name } : usage('`/canned remove <name>`');
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

export function checkCategory(category: string): Checked<string> {
  if (category === BOT_CATEGORY) return { ok: false, reason: `"${BOT_CATEGORY}" holds the customer agent's own replies; pick another category (e.g. ${DEFAULT_CATEGORY}, shipping, returns)` };
  return /^[a-z0-9][a-z0-9_-]{0,31}$/.test(category)
    ? { ok: true, value: category }
    : { ok: false, reason: `"${category}" is not a category: use up to 32 letters, digits, "-" or "_"` };
}

export function checkName(name: string): Checked<string> {
  if (CANNED_WORDS.has(name.toLowerCase())) return { ok: false, reason: `"${name}" is a /canned subcommand; pick another name` };
  // a letter first: `/canned <name> <conversation id>` must never read a name as an id
  return /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(name)
    ? { ok: true, value: name }
    : { ok: false, reason: `"${name}" is not a name: start with a letter, then up to 63 letters, digits, "_", "-" or "."` };
}

const VARIABLE_RE = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The variables a body uses, lower-cased, in order of first use (as renderTemplate reads them). */
export const bodyVariables = (body: string): string[] => [...new Set([...body.matchAll(VARIABLE_RE)].map((m) => m[1]!.toLowerCase()))];

/**
 * A response's text as the customer will read it: Slack's markup undone, within Messenger's
 * limit, and using only variables that can be filled: `/canned`'s own, plus those the response
 * already had (a bot reply reworded keeps its {{product}}).
 */
export function cannedBody(slackText: string, keepVariables: readonly string[] = []): Checked<{ body: string; variables: string[] }> {
  const body = fromSlackMarkup(slackText);
  if (!body) return { ok: false, reason: 'the text is empty' };
  if (body.length > MESSENGER_TEXT_MAX) return { ok: false, reason: `the text is ${body.length} characters; Messenger takes ${MESSENGER_TEXT_MAX}` };
  const variables = bodyVariables(body);
  const allowed = new Set([...CANNED_VARIABLES, ...keepVariables.map((v) => v.toLowerCase())]);
  const unknown = variables.filter((v) => !allowed.has(v));
  if (unknown.length) {
    return { ok: false, reason: `${unknown.map((v) => `{{${v}}}`).join(', ')} cannot be filled; use ${CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ')}` };
  }
  return { ok: true, value: { body, variables } };
}

export interface CannedRow {
  name: string;
  category: string;
  body: string;
  /** null: shared by every page */
  pageName: string | null;
}

/** Rows grouped by category (categories in name order, `bot` last: agents look for their own first). */
export function byCategory<T extends Pick<CannedRow, 'category' | 'name'>>(rows: readonly T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) groups.set(r.category, [...(groups.get(r.category) ?? []), r]);
  const rank = (c: string) => (c === BOT_CATEGORY ? 1 : 0);
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([c, list]) => [c, [...list].sort((x, y) => x.name.localeCompare(y.name))]);
}
