// Turns tool results into the offline model's answers. Every number comes from a tool result's
// display strings, so the wording here can never round, convert or invent a figure.
import { REPERTOIRE, type Intent } from '../../../domain/intents.ts';
import { singular } from '../../../domain/semantic/format.ts';
import type { Period } from '../../../domain/periods.ts';
import type {
  ConversationLookupResult, CsiLookupResult, CsiValues, QaQueueResult, SupportStatsResult, WorstConversationDay,
} from '../../../db/read/index.ts';

export interface ToolOutcome {
  name: string;
  /** parsed tool content; `{ error }` or `{ refused }` when the tool said no */
  data: Record<string, unknown>;
}

const tzNote = (tz: string) => `times in ${tz}`;

/** "1 reply", "2 replies": `shown` is the count as displayed ("1,204"). */
function counted(n: number, shown: string, one: string, many: string): string {
  return `${shown} ${n === 1 ? one : many}`;
}
const plural = (n: number, shown: string, many: string) => counted(n, shown, singular(many), many);

function where(intent: Intent): string {
  const parts = [intent.page && `page ${intent.page}`, intent.agent && `agent ${intent.agent}`].filter(Boolean);
  return parts.length ? ` for ${parts.join(', ')}` : '';
}

function label(p: Period | undefined): string {
  return p ? p.label : 'the period';
}

export function noData(intent: Intent, tz: string): string {
  return `No data for ${label(intent.period)}${where(intent)} (${tzNote(tz)}): nothing was recorded or scored in that period.`;
}

function pillars(v: CsiValues): string {
  const d = v.display;
  return `effectiveness ${d.effectiveness}, effort ${d.effort}, efficiency ${d.efficiency}, empathy ${d.empathy} (each 0–10)`;
}

export function csiAnswer(intent: Intent, r: CsiLookupResult, tz: string): string {
  if (r.current.days === 0) return noData(intent, tz);
  const lines = [`CSI ${label(intent.period)}${where(intent)}: ${r.current.display.csi} over ${counted(r.current.days, r.current.display.days, 'scored conversation-day', 'scored conversation-days')} (${tzNote(tz)}).`];
  if (r.previousValues.days > 0) {
    lines.push(`${capital(r.previous.label)}: ${r.previousValues.display.csi} (change ${r.change.display}).`);
  } else {
    lines.push(`No data for ${r.previous.label} to compare with.`);
  }
  lines.push(`Pillars: ${pillars(r.current)}.`);
  if (r.groups?.length) {
    const by = intent.groupBy === 'agent' ? 'agent' : intent.groupBy === 'day' ? 'day' : 'page';
    lines.push(`By ${by}:`);
    for (const g of r.groups) lines.push(`• ${g.label}: ${g.display.csi} (${counted(g.days, g.display.days, 'day', 'days')})`);
  }
  return lines.join('\n');
}

export function compareAnswer(intent: Intent, r: CsiLookupResult, tz: string): string {
  const a = r.current;
  const b = r.previousValues;
  if (a.days === 0 && b.days === 0) return `No data for ${label(intent.period)} nor for ${(intent.comparePeriod ?? r.previous).label} (${tzNote(tz)}).`;
  const one = (p: Period, v: CsiValues) => (v.days === 0 ? `${capital(p.label)}: no data` : `${capital(p.label)}: CSI ${v.display.csi} (${counted(v.days, v.display.days, 'day', 'days')})`);
  // The question's own words ("this week") read better than the dates the tool was given.
  const lines = [one(intent.period ?? r.period, a), one(intent.comparePeriod ?? r.previous, b)];
  if (r.change.csi !== null) {
    const dir = r.change.csi > 0 ? 'up' : r.change.csi < 0 ? 'down' : 'unchanged';
    lines.push(`Change: ${r.change.display} (${dir}); ${tzNote(tz)}.`);
  }
  return lines.join('\n');
}

export function trendAnswer(intent: Intent, r: CsiLookupResult, tz: string): string {
  const days = (r.groups ?? []).filter((g) => g.csi !== null);
  if (days.length === 0) return noData(intent, tz);
  const low = days.reduce((a, b) => (b.csi! < a.csi! ? b : a));
  const high = days.reduce((a, b) => (b.csi! > a.csi! ? b : a));
  return [
    `CSI per day, ${label(intent.period)}${where(intent)} (${tzNote(tz)}): ${plural(days.length, String(days.length), 'days')} with data, overall ${r.current.display.csi}.`,
    `First ${days[0]!.label}: ${days[0]!.display.csi}; last ${days.at(-1)!.label}: ${days.at(-1)!.display.csi}.`,
    `Lowest ${low.display.csi} on ${low.label}; highest ${high.display.csi} on ${high.label}.`,
  ].join('\n');
}

export function topicsAnswer(intent: Intent, r: SupportStatsResult, tz: string): string {
  const t = r.topics;
  if (!t || t.classifiedMessages === 0) return noData(intent, tz);
  const about = intent.topicsIn ? ` in conversations about ${intent.topicsIn}` : '';
  const lines = [`Top ${plural(t.top.length, String(t.top.length), 'topics')}${about}, ${label(intent.period)}${where(intent)} (${tzNote(tz)}), of ${plural(t.classifiedMessages, t.display.classifiedMessages, 'classified customer messages')}:`];
  t.top.forEach((x, i) => lines.push(`${i + 1}. ${x.topic}: ${x.display.count} (${x.display.share})`));
  if (t.other > 0) lines.push(`Other topics: ${t.display.other}.`);
  return lines.join('\n');
}

export function responseTimesAnswer(intent: Intent, r: SupportStatsResult, tz: string): string {
  const rt = r.responseTimes;
  if (!rt || rt.days === 0) return noData(intent, tz);
  return [
    `Response times ${label(intent.period)}${where(intent)} (${tzNote(tz)}), over ${plural(rt.days, rt.days.toLocaleString('en-US'), 'conversation-days')}:`,
    `• first response: median ${rt.display.firstResponseP50}, 90th percentile ${rt.display.firstResponseP90}`,
    `• average response per conversation-day: median ${rt.display.avgResponseP50}`,
  ].join('\n');
}

export function slowestAgentsAnswer(intent: Intent, r: SupportStatsResult, tz: string): string {
  const list = r.slowestAgents ?? [];
  if (list.length === 0) return noData(intent, tz);
  const top = list[0]!;
  const lines = [
    `Slowest to respond ${label(intent.period)}${where(intent)}: ${top.name}, median wait ${top.display.medianWait} before replying to a customer (over ${counted(top.replies, top.display.replies, 'customer message', 'customer messages')} they answered; ${tzNote(tz)}).`,
  ];
  if (list.length > 1) {
    lines.push('Ranking (median wait between a customer message and the next reply, when the agent wrote it):');
    list.forEach((a, i) => lines.push(`${i + 1}. ${a.name}: ${a.display.medianWait} (${counted(a.replies, a.display.replies, 'customer message', 'customer messages')})`));
  }
  return lines.join('\n');
}

export function volumesAnswer(intent: Intent, r: SupportStatsResult, tz: string): string {
  const v = r.volumes;
  if (!v || v.messages === 0) return noData(intent, tz);
  return `${capital(label(intent.period))}${where(intent)} (${tzNote(tz)}): ${plural(v.conversations, v.display.conversations, 'conversations')} with messages, ${plural(v.messages, v.display.messages, 'messages')} (${v.display.customerMessages} from customers), ${plural(v.conversationDays, v.display.conversationDays, 'conversation-days')}.`;
}

export function containmentAnswer(intent: Intent, r: SupportStatsResult, tz: string): string {
  const s = r.sessions;
  if (!s || s.total === 0) return noData(intent, tz);
  return [
    `Sessions started ${label(intent.period)}${where(intent)} (${tzNote(tz)}): ${s.display.total}.`,
    `Bot containment: ${s.display.botContainmentRate} (AI engaged, no human handoff); handoff rate: ${s.display.handoffRate}.`,
  ].join('\n');
}

export function worstAnswer(intent: Intent, list: WorstConversationDay[], tz: string): string {
  if (list.length === 0) return noData(intent, tz);
  const lines = [`Lowest-CSI conversation-days, ${label(intent.period)} (${tzNote(tz)}):`];
  list.forEach((c, i) => lines.push(`${i + 1}. conversation ${c.conversationId} (${c.page}) on ${c.day}: CSI ${c.display.csi}`));
  lines.push('Ask "summarise conversation <id>" for one of them.');
  return lines.join('\n');
}

export function qaAnswer(r: QaQueueResult, tz: string): string {
  const b = r.byStatus;
  const lines = [
    `${r.waiting === 1 ? `${r.display.waiting} AI session is` : `${r.display.waiting} AI sessions are`} waiting for QA (unchecked). Reviewed: ${b.passed.toLocaleString('en-US')} passed, ${b.issue.toLocaleString('en-US')} with an issue, ${b.fixed.toLocaleString('en-US')} fixed.`,
  ];
  if (r.riskiest) {
    lines.push(r.riskiest.length ? `Review these first, riskiest first (${tzNote(tz)}):` : 'Nothing is waiting, so nothing to review first.');
    for (const s of r.riskiest.slice(0, 5)) {
      const why = s.reasons.length ? s.reasons.join('; ') : 'nothing points at a problem';
      lines.push(`• session ${s.sessionId} (conversation ${s.conversationId}, ${s.page}), risk ${s.risk}: ${why}; started ${localTime(s.startedAt, tz)}`);
    }
  } else if (r.oldest.length) {
    lines.push(`Oldest waiting (${tzNote(tz)}):`);
    for (const s of r.oldest.slice(0, 5)) lines.push(`• session ${s.sessionId} (conversation ${s.conversationId}, ${s.page}) started ${localTime(s.startedAt, tz)}`);
  }
  return lines.join('\n');
}

/**
 * A tool's refusal, worded for the person: the tool's reason (who may see it, who they are) and
 * what they can ask instead, with examples that need no customer data.
 */
export function deniedAnswer(reason: string, instead: unknown): string {
  const lines = [`Sorry, I can't show you that: ${reason}`];
  if (typeof instead === 'string') {
    lines.push(`You can still ask ${instead}. For example:`);
    const examples = REPERTOIRE.filter((r) => OPEN_EXAMPLES.includes(r.kind)).map((r) => `• ${r.examples[0]}`);
    lines.push(...examples);
  }
  return lines.join('\n');
}

const OPEN_EXAMPLES: readonly string[] = ['csi', 'response_times', 'qa_backlog'];

const quote = (s: string, n = 160) => `“${s.length > n ? `${s.slice(0, n - 1)}…` : s}”`;

/** A summary that quotes customer text as data: whatever it says, it is only ever shown. */
export function conversationAnswer(r: ConversationLookupResult, tz: string): string {
  const c = r.counts;
  const lines = [
    `Conversation ${r.conversationId} on ${r.page.name}${r.customerInitials ? ` with ${r.customerInitials}` : ''}: ${plural(c.messages, String(c.messages), 'messages')} (${c.customer} customer, ${c.bot} bot, ${c.agent} agent) from ${localTime(r.firstMessageAt, tz)} to ${localTime(r.lastMessageAt, tz)} (${tzNote(tz)}).`,
  ];
  if (r.topics.length) lines.push(`Topics: ${r.topics.join(', ')}.`);
  const scored = r.dailyCsi.filter((d) => d.csi !== null);
  if (scored.length) lines.push(`Daily CSI: ${scored.map((d) => `${d.day} ${d.display}`).join(', ')}.`);
  const customer = r.messages.filter((m) => m.from === 'customer' && m.untrustedText);
  if (customer.length) {
    lines.push('Customer said (quoted, contact details masked):');
    for (const m of customer.slice(-3)) lines.push(`• ${quote(m.untrustedText!)}`);
  }
  const last = r.messages.at(-1);
  if (last) lines.push(`Last message from the ${last.from}${last.agentName ? ` (${last.agentName})` : ''}.`);
  return lines.join('\n');
}

export function sqlAnswer(data: { sql: string; columns: string[]; rows: Record<string, unknown>[]; truncated: boolean; note?: string }): string {
  if (data.rows.length === 0) return `${data.note ? `No rows shown: ${data.note}` : 'The query returned no rows.'}\nSQL: ${data.sql}`;
  const shown = data.rows.slice(0, 20);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Object ? JSON.stringify(v) : String(v));
  const widths = data.columns.map((c) => Math.min(40, Math.max(c.length, ...shown.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
  const table = [line(data.columns), line(widths.map((w) => '-'.repeat(w))), ...shown.map((r) => line(data.columns.map((c) => cell(r[c]))))];
  const more = data.rows.length > shown.length || data.truncated ? `\n(${data.rows.length}${data.truncated ? '+' : ''} rows; first ${shown.length} shown)` : '';
  const bounded = data.note ? `\nResult bounded: ${data.note}` : '';
  return `${table.join('\n')}${more}${bounded}\nSQL: ${data.sql}`;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** "2026-08-24 10:53" on the business clock. */
export function localTime(iso: string | null, tz: string): string {
  if (!iso) return '?';
  let f = clocks.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clocks.set(tz, f);
  }
  return f.format(new Date(iso));
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** qa_update's outcome in a sentence: what changed and who hears about it, or why nothing changed. */
export function qaUpdateAnswer(i: Intent, d: Record<string, unknown>): string {
  const id = i.sessionId ?? d.sessionId;
  if (d.changed === true) {
    const notified = typeof d.notified === 'string' ? ` I let ${d.notified} know.` : '';
    return `Done: session ${id} is now ${String(d.to)} (it was ${String(d.from)}).${notified}`;
  }
  const why = typeof d.refused === 'string' ? d.refused : typeof d.error === 'string' ? d.error : 'the change was not accepted';
  return `I did not change session ${id}: ${why}.`;
}
