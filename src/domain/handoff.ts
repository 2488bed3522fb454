// The human side of a handed-off Messenger conversation, as plain rules: who may act on it,
// what each action does to its state (bot → waiting → human → bot), how its history reads in
// Slack, how a Slack reply becomes text for the customer, and how a canned template is filled.
// No I/O and no clock: callers pass `now`.

import type { Role } from './access.ts';
import { truncate } from './block-kit.ts';

export type HandoffState = 'bot' | 'waiting' | 'human';
/** Why the bot handed off (the same union as HandoffReason in domain/messenger/contracts.ts). */
export type HandoffReason = 'human_request' | 'angry' | 'unsure_twice' | 'cannot_answer';
export type HandoffAction = 'reply' | 'assign_self' | 'transfer' | 'resume' | 'block' | 'canned' | 'resolve' | 'unblock';

/**
 * Who may speak to customers: support agents, team leads and admins. QA reviewers and
 * developers look at what the bot did; they do not answer customers. A Slack user the service
 * has never recorded has no role at all and may not act (callers decide "unknown").
 */
export const HANDOFF_ROLES: readonly Role[] = ['agent', 'lead', 'admin'];
/** Who may take a conversation from a colleague, and block or unblock a customer. */
const SUPERVISORS: readonly Role[] = ['lead', 'admin'];

export const mayHandleHandoffs = (role: Role): boolean => HANDOFF_ROLES.includes(role);

export interface HandoffActor {
  role: Role;
  userId: number;
}

export type Permission = { ok: true } | { ok: false; reason: string };

/**
 * Whether `actor` may do `action` on a conversation assigned to `assignedToId` (null = nobody).
 * The assignee owns the conversation: others may reply or hand it on only when it is
 * unassigned, unless they are a lead or an admin.
 */
export function mayAct(action: HandoffAction, actor: HandoffActor, assignedToId: number | null): Permission {
  if (!mayHandleHandoffs(actor.role)) {
    return { ok: false, reason: 'only support agents, team leads and admins may act on handed-off conversations; ask an admin for a role (`/pulse role @you agent`)' };
  }
  const supervisor = SUPERVISORS.includes(actor.role);
  if (action === 'block') return supervisor ? { ok: true } : { ok: false, reason: 'only team leads and admins may block a customer' };
  if (action === 'unblock') return supervisor ? { ok: true } : { ok: false, reason: 'only team leads and admins may unblock a customer' };
  const owner = assignedToId === null || assignedToId === actor.userId;
  if (owner || supervisor) return { ok: true };
  return action === 'assign_self'
    ? { ok: false, reason: 'this conversation is assigned to someone else; a team lead or admin can transfer it to you' }
    : { ok: false, reason: 'this conversation is assigned to someone else; ask them or a team lead to transfer it to you' };
}

export interface HandoffStatus {
  state: HandoffState;
  assignedToId: number | null;
}

/**
 * The state after an action. A reply or an assignment puts a human in charge (even on a
 * conversation that was given back to the bot: the human takes it back); a transfer keeps
 * the conversation with humans under its new assignee; resume (and resolve, which also closes
 * the case and the session) gives it back to the bot and clears the assignee. Blocking and
 * unblocking change who answers nothing.
 */
export function afterAction(s: HandoffStatus, action: HandoffAction, actorId: number, transferTo?: number): HandoffStatus {
  switch (action) {
    case 'reply':
    case 'canned':
      return { state: 'human', assignedToId: s.assignedToId ?? actorId };
    case 'assign_self':
      return { state: 'human', assignedToId: actorId };
    case 'transfer':
      if (transferTo === undefined) throw new Error('transfer needs a target');
      return { state: 'human', assignedToId: transferTo };
    case 'resume':
    case 'resolve':
      return { state: 'bot', assignedToId: null };
    case 'block':
    case 'unblock':
      return s;
  }
}

/**
 * What open() does: a conversation with the bot is handed off ('waiting'); one already with
 * humans stays as it is (a repeated or late open must not reset an assignee).
 */
export const afterOpen = (s: HandoffStatus): HandoffStatus => (s.state === 'bot' ? { state: 'waiting', assignedToId: null } : s);

export const REASON_LABELS: Record<HandoffReason, string> = {
  human_request: 'asked for a person',
  angry: 'upset (complaint, negative tone)',
  unsure_twice: 'the bot was unsure twice in a row',
  cannot_answer: 'the bot could not answer',
};

export const reasonLabel = (reason: string | null | undefined): string =>
  reason && reason in REASON_LABELS ? REASON_LABELS[reason as HandoffReason] : (reason ?? 'handed off');

export interface HistoryLine {
  from: 'customer' | 'bot' | 'human';
  text: string;
  at: Date;
}

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;

/** Links replaced by a marker: the summary is for reading, and a customer's link is not ours to make clickable. */
export const withoutLinks = (s: string): string => s.replace(URL_RE, '[link]');

/** "14:03" (same day as `now`) or "Mon 9 Nov 14:03", in `timeZone`. */
export function shortTime(at: Date, now: Date, timeZone: string): string {
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const hm = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (day(at) === day(now)) return hm;
  const date = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(at).replace(',', '');
  return `${date} ${hm}`;
}

const SPEAKER: Record<HistoryLine['from'], string> = { customer: 'Customer', bot: 'Bot', human: 'Agent' };

/**
 * The last `max` messages, oldest first, one line each: "14:03 Customer: text". Plain text
 * (the Slack layer escapes it); each message cut to `perLine` characters, links removed.
 */
export function historySummary(history: readonly HistoryLine[], opts: { now: Date; timeZone: string; max?: number; perLine?: number }): string[] {
  const max = opts.max ?? 10;
  const perLine = opts.perLine ?? 240;
  return history.slice(-max).map((h) => {
    const text = withoutLinks(h.text.replace(/\s+/g, ' ').trim()) || '(no text)';
    // never half a surrogate pair (an emoji): Slack refuses text that is not valid UTF-16
    const cut = truncate(text, perLine);
    return `${shortTime(h.at, opts.now, opts.timeZone)} ${SPEAKER[h.from]}: ${cut}`;
  });
}

/** An internal remark in the thread: never sent to the customer. */
export const NOTE_PREFIX = '//';

/** A note's text is what follows `//`, as written (Slack's markup kept: people read it in Slack). */
export type ThreadReply = { kind: 'send'; text: string } | { kind: 'note'; text: string } | { kind: 'empty' };

/**
 * A Slack thread reply as the customer should read it: Slack's markup undone (`&lt;`,
 * `<https://x|label>`, `<@U1>`), or an internal note when it starts with `//`.
 */
export function threadReply(slackText: string): ThreadReply {
  const raw = slackText.trim();
  if (raw.startsWith(NOTE_PREFIX)) return { kind: 'note', text: raw.slice(NOTE_PREFIX.length).trim() };
  const text = fromSlackMarkup(raw);
  return text ? { kind: 'send', text } : { kind: 'empty' };
}

/** Slack's markup undone, as a customer should read it (also the text of a `/canned add`). */
export function fromSlackMarkup(slackText: string): string {
  return slackText
    .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:\/\/[^|>]+)>/g, '$1')
    .replace(/<mailto:([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<[@#!][^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** Messenger's text limit for one message (Send API: 2000 characters). */
export const MESSENGER_TEXT_MAX = 2000;

export type Rendered = { ok: true; text: string } | { ok: false; reason: string };

/**
 * A template body with `{{variable}}` filled from `vars` (names are case-insensitive, spaces
 * inside the braces allowed). A variable without a value refuses the whole template: a
 * customer must never read "{{order_id}}".
 */
export function renderTemplate(body: string, vars: Readonly<Record<string, string | undefined>>): Rendered {
  const lower = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k.toLowerCase(), v]));
  const missing = new Set<string>();
  const text = body.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (_m, name: string) => {
    const v = lower[name.toLowerCase()];
    if (v === undefined || v === '') {
      missing.add(name);
      return '';
    }
    return v;
  });
  if (missing.size) return { ok: false, reason: `the template needs ${[...missing].map((m) => `{{${m}}}`).join(', ')}, which this conversation does not have` };
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: 'the template is empty' };
  if (trimmed.length > MESSENGER_TEXT_MAX) return { ok: false, reason: `the template is longer than Messenger's ${MESSENGER_TEXT_MAX} characters` };
  return { ok: true, text: trimmed };
}

/** The variables a canned reply may use. */
export function templateVars(c: { customerName: string | null; pageName: string | null; agentName: string | null }): Record<string, string | undefined> {
  const first = c.customerName?.trim().split(/\s+/)[0];
  return {
    customer_name: c.customerName ?? undefined,
    first_name: first,
    name: first,
    page_name: c.pageName ?? undefined,
    agent_name: c.agentName ?? undefined,
  };
}

export type CannedArgs = { kind: 'list' } | { kind: 'send'; name: string; conversationId?: number } | { kind: 'bad'; reason: string };

/** `/canned` → list; `/canned <name> [conversation id]` → send. */
export function parseCannedArgs(text: string): CannedArgs {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || (words.length === 1 && /^(list|help)$/i.test(words[0]!))) return { kind: 'list' };
  if (words.length > 2) return { kind: 'bad', reason: 'usage: `/canned <name> [conversation id]`' };
  const [name, id] = words as [string, string | undefined];
  if (id === undefined) return { kind: 'send', name };
  const n = Number(id.replace(/^#/, ''));
  return Number.isInteger(n) && n > 0 ? { kind: 'send', name, conversationId: n } : { kind: 'bad', reason: `"${id}" is not a conversation id (a number, as shown in the handoff thread)` };
}

/** Why a human reply did not reach the customer, as a sentence for the thread. */
export function refusalText(result: { status: 'refused' | 'failed'; reason: string; code?: number }): string {
  if (result.status === 'refused') {
    return /7.?day|human.?agent/i.test(result.reason)
      ? `Not sent to the customer: Messenger lets a person answer only within 7 days of the customer's last message (HUMAN_AGENT tag), and that has passed — ${result.reason}.`
      : `Not sent to the customer: ${result.reason}.`;
  }
  return `Not sent: Messenger did not take the message${result.code !== undefined ? ` (error ${result.code})` : ''}: ${result.reason}. Send it again as a new reply once that is solved.`;
}
