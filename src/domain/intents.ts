// Question understanding of the assistant's offline, rule-based chat model: an English question
// from a team lead becomes a structured Intent that the assistant answers with its tools.
// Rules are tried in a fixed order, so the same question in the same context always gives the
// same intent. The kind of question comes from intent-kinds.ts, periods from periods.ts (in the
// business timezone); words live in intent-words.ts.

import {
  LEAD_IN, groupByOf, nameIn, onlyFollowUpWords, plainText, shiftOf, topNOf, topicIn, wantsChart, wantsTrend,
  type GroupBy,
} from './intent-words.ts';
import { HELP, QA_RISK_WORD, conversationIdOf, kindOf, sqlOf } from './intent-kinds.ts';
import { parsePeriod, previousPeriod, shiftBack, type Period } from './periods.ts';
import { understandMetric, type MetricIntent } from './semantic/understand.ts';

export type IntentKind =
  | 'csi' // CSI (and pillars) for a period, optional page/agent filter or grouping
  | 'csi_trend' // CSI per day over a period, shown as a line chart (default period: last 30 days)
  | 'csi_compare' // CSI of one period vs another
  | 'topics' // top N topics/classifications, optionally "in complaints" (topicsIn)
  | 'response_times' // first response / response time percentiles
  | 'slowest_agents' // agents ranked by slowest response time
  | 'worst_conversations' // lowest-CSI conversation-days
  | 'qa_backlog' // how many sessions waiting for QA, oldest ones
  | 'volumes' // how many conversations / messages
  | 'containment' // bot containment / handoff rate
  | 'conversation' // summarise / show conversation #id
  | 'sql' // a raw SQL SELECT typed by the user
  | 'qa_update' // mark session N passed / issue: notes / fixed: feedback (the one change the assistant makes)
  | 'metric' // a catalogue question (src/domain/semantic): measure, statistic, breakdown, filters, period
  | 'refuse' // a figure the product cannot give as asked: the reason and what can be asked
  | 'help' // "help", "what can you do"
  | 'unknown';

export interface Intent {
  kind: IntentKind;
  /** resolved via parsePeriod; defaults per kind (DEFAULT_PERIOD) */
  period?: Period;
  /** csi_compare: the second period (default previousPeriod(period)) */
  comparePeriod?: Period;
  groupBy?: GroupBy;
  /** page name fragment as typed, when the question names exactly one of ctx.pages */
  page?: string;
  /** agent name as typed, when the question names exactly one of ctx.agents */
  agent?: string;
  /** defaults: topics 5, slowest_agents 5, worst_conversations 10; else only when asked */
  topN?: number;
  /** a messages.classification value, see TOPIC_WORDS in intent-words.ts */
  topicsIn?: string;
  conversationId?: number;
  /** kind 'sql': the SQL text as typed, without a "sql:" prefix */
  sql?: string;
  /** kind 'qa_update': which session, to which QA state, and the notes (issue, passed) or developer feedback (fixed) as typed */
  sessionId?: number;
  qaTo?: 'passed' | 'issue' | 'fixed';
  qaText?: string;
  /** kind 'qa_backlog': the sessions to review first, by risk, instead of the oldest */
  qaOrder?: 'risk';
  /** the user asked for a chart/graph/plot/trend visual */
  chart?: boolean;
  /** derived from ctx.previous */
  followUp?: boolean;
  /** no period phrase was found and the kind's default was used */
  periodDefaulted?: boolean;
  /** kind 'metric': the catalogue query and how to word its answer */
  metric?: MetricIntent;
  /** kind 'refuse': the whole answer */
  refusal?: string;
}

export interface IntentContext {
  now: Date;
  timeZone: string;
  /** the intent of the previous question in this conversation */
  previous?: Intent;
  /** known page names, e.g. "Acme Home", "Acme Outlet" */
  pages?: readonly string[];
  /** known human agent names */
  agents?: readonly string[];
  /** QA reviewers' and topic names, for catalogue filters */
  reviewers?: readonly string[];
  topics?: readonly string[];
  /** the QA scorecard's category labels, for the QA category filter */
  qaCategories?: readonly string[];
}

/** Example questions per kind, for 'help' answers and the README. Each understands as its kind. */
export const REPERTOIRE: readonly { kind: IntentKind; examples: string[] }[] = [
  {
    kind: 'csi',
    examples: ['What was the CSI last week?', 'CSI by page this month', 'CSI by agent last month', 'Daily CSI for the last 14 days'],
  },
  { kind: 'csi_trend', examples: ['Show the CSI trend for the last 30 days', 'Plot CSI over time since 1 October'] },
  {
    kind: 'csi_compare',
    examples: ["Compare this week's CSI with last week's", 'CSI this month vs last month', 'Compare CSI in October vs September'],
  },
  { kind: 'topics', examples: ['Top 5 topics in complaints this month', 'What do customers ask about most?', 'Top topics last week'] },
  { kind: 'response_times', examples: ['What is the first response time this week?', 'How fast do we reply?'] },
  { kind: 'slowest_agents', examples: ['Which agent had the slowest first response time last month?', 'Top 3 slowest agents this week'] },
  { kind: 'worst_conversations', examples: ['Worst conversations last week', 'Lowest CSI chats this month'] },
  { kind: 'qa_backlog', examples: ['How many sessions are waiting for QA?', 'QA backlog'] },
  { kind: 'volumes', examples: ['How many conversations did we have yesterday?', 'Message volume last week'] },
  { kind: 'containment', examples: ['Bot containment rate this month', 'Handoff rate last week'] },
  { kind: 'conversation', examples: ['Summarise conversation 42', 'Show chat #42'] },
  { kind: 'sql', examples: ['sql: select count(*) from analytics.messages'] },
  {
    kind: 'qa_update',
    examples: ['Mark session 123 passed', 'Mark session 42 as issue: the bot promised a refund we do not offer', 'Session 7 fixed: refund questions now go to a person'],
  },
  { kind: 'help', examples: ['help', 'What can you do?'] },
];

// ── periods ──────────────────────────────────────────────────────────────────────────────────

/** Used when the question names no period; kinds without a period are absent. */
const DEFAULT_PERIOD: Partial<Record<IntentKind, string>> = {
  csi: 'last 7 days',
  csi_compare: 'last 7 days',
  topics: 'last 7 days',
  response_times: 'last 7 days',
  slowest_agents: 'last 7 days',
  worst_conversations: 'last 7 days',
  volumes: 'last 7 days',
  containment: 'last 7 days',
  csi_trend: 'last 30 days',
};

const DEFAULT_TOP_N: Partial<Record<IntentKind, number>> = { topics: 5, slowest_agents: 5, worst_conversations: 10 };

const samePeriod = (a: Period, b: Period) => a.from === b.from && a.to === b.to && a.granularity === b.granularity;

const COMPARE_SEPARATOR = /\b(?:vs|versus|compared (?:to|with)|against|with|to|and|than)\b\.?/g;

/**
 * The period and, when the text names a second one ("this week vs last week"), that one too.
 * The text is cut at each separator; a cut counts only if the left part alone still reads as
 * the first period, so "between 1 Oct and 15 Oct" stays one range. The right part is read with
 * the first period as context, so "last week compared to the week before" works.
 */
function periodPair(lower: string, ctx: IntentContext, previous?: Period): [Period, Period?] | undefined {
  const whole = parsePeriod(lower, ctx.now, ctx.timeZone, previous);
  if (!whole) return undefined;
  for (const m of lower.matchAll(COMPARE_SEPARATOR)) {
    const left = parsePeriod(lower.slice(0, m.index), ctx.now, ctx.timeZone, previous);
    if (!left || !samePeriod(left, whole)) continue;
    const right = parsePeriod(lower.slice(m.index + m[0].length), ctx.now, ctx.timeZone, left);
    if (right) return [left, right];
  }
  return [whole];
}

function fixedPeriod(text: string, ctx: IntentContext): Period {
  const p = parsePeriod(text, ctx.now, ctx.timeZone);
  if (!p) throw new Error(`default period "${text}" does not parse`);
  return p;
}

function setPeriods(intent: Intent, period: Period, second?: Period): void {
  intent.period = period;
  if (intent.kind === 'csi_compare') intent.comparePeriod = second ?? previousPeriod(period);
  else delete intent.comparePeriod;
}

// ── fresh questions ──────────────────────────────────────────────────────────────────────────

interface Reading {
  question: string;
  lower: string;
  plain: string;
  ctx: IntentContext;
}

function withFilters(intent: Intent, r: Reading): Intent {
  const page = nameIn(r.question, r.ctx.pages);
  const agent = nameIn(r.question, r.ctx.agents);
  if (page !== undefined) intent.page = page;
  if (agent !== undefined) intent.agent = agent;
  return intent;
}

/**
 * The period of a new question. Without a period phrase, a question that opens like a follow-up
 * ("and the response times?") keeps the previous question's period and filters; otherwise the
 * kind's default applies.
 */
function resolvePeriod(intent: Intent, r: Reading): void {
  const previous = r.ctx.previous;
  const pair = periodPair(r.lower, r.ctx, previous?.period);
  if (pair) {
    setPeriods(intent, pair[0], pair[1]);
    if (previous?.period && shiftOf(r.plain)) intent.followUp = true;
    return;
  }
  if (LEAD_IN.test(r.plain) && previous?.period) {
    setPeriods(intent, previous.period);
    if (intent.page === undefined && previous.page !== undefined) intent.page = previous.page;
    if (intent.agent === undefined && previous.agent !== undefined) intent.agent = previous.agent;
    intent.followUp = true;
    return;
  }
  const fallback = DEFAULT_PERIOD[intent.kind];
  if (fallback) {
    setPeriods(intent, fixedPeriod(fallback, r.ctx));
    intent.periodDefaulted = true;
  }
}

function withModifiers(intent: Intent, r: Reading): Intent {
  const groupBy = groupByOf(r.plain);
  const topN = topNOf(r.plain) ?? DEFAULT_TOP_N[intent.kind];
  if (groupBy && intent.kind !== 'csi_trend') intent.groupBy = groupBy;
  if (topN !== undefined && (intent.kind in DEFAULT_TOP_N || intent.kind === 'qa_backlog')) intent.topN = topN;
  if (intent.kind === 'csi_trend' || wantsChart(r.plain)) intent.chart = true;
  if (intent.kind === 'topics') {
    const about = topicIn(r.plain.replace(/\btopics?\b/g, ''));
    if (about) intent.topicsIn = about;
  }
  return intent;
}

function fresh(kind: IntentKind, r: Reading): Intent {
  if (kind === 'conversation') {
    return { kind, conversationId: conversationIdOf(r.plain) };
  }
  const intent = withModifiers(withFilters({ kind }, r), r);
  if (DEFAULT_PERIOD[kind]) resolvePeriod(intent, r);
  return intent;
}

// ── follow-ups ───────────────────────────────────────────────────────────────────────────────

/** A new period for a follow-up: a step back from the previous period, or a period phrase. */
function followUpPeriod(next: Intent, from: Period, r: Reading): boolean {
  const shift = shiftOf(r.plain);
  if (shift) {
    next.period = shiftBack(from, shift.unit);
    // A comparison steps back as a whole: "this week vs last week" → "last week vs the week before".
    if (next.kind === 'csi_compare') {
      next.comparePeriod = next.comparePeriod ? shiftBack(next.comparePeriod, shift.unit) : previousPeriod(next.period);
    }
  } else {
    const pair = periodPair(r.lower, r.ctx, from);
    if (!pair) return false;
    setPeriods(next, pair[0], pair[1]);
  }
  delete next.periodDefaulted;
  return true;
}

function regroup(next: Intent, r: Reading): boolean {
  const groupBy = groupByOf(r.plain);
  if (groupBy) {
    next.groupBy = groupBy;
    // A trend is already per day; grouping it by something else means a plain CSI breakdown.
    if (next.kind === 'csi_trend') next.kind = 'csi';
    return true;
  }
  if (wantsTrend(r.plain) && next.kind === 'csi') {
    next.kind = 'csi_trend';
    delete next.groupBy;
    next.chart = true;
    return true;
  }
  return false;
}

function refilter(next: Intent, r: Reading): boolean {
  const changes = withFilters({ kind: next.kind }, r);
  const topN = topNOf(r.plain);
  if (changes.page !== undefined) next.page = changes.page;
  if (changes.agent !== undefined) next.agent = changes.agent;
  if (topN !== undefined) next.topN = topN;
  const chart = wantsChart(r.plain);
  if (chart) next.chart = true;
  return changes.page !== undefined || changes.agent !== undefined || topN !== undefined || chart;
}

/**
 * "and the week before?", "now by page", "as a chart", "what about Acme Outlet?": the previous
 * intent with what this question changes. Undefined when this is not such a follow-up.
 */
function followUp(r: Reading): Intent | undefined {
  const previous = r.ctx.previous;
  // Only questions about a period have anything a follow-up could change.
  if (!previous?.period) return undefined;
  const names = [...(r.ctx.pages ?? []), ...(r.ctx.agents ?? [])];
  if (!onlyFollowUpWords(r.plain, names)) return undefined;
  const next: Intent = { ...previous, followUp: true };
  const periodChanged = followUpPeriod(next, previous.period, r);
  const grouped = regroup(next, r);
  const filtered = refilter(next, r);
  return periodChanged || grouped || filtered ? next : undefined;
}

// ── entry point ──────────────────────────────────────────────────────────────────────────────

/** Maps a team lead's question to an intent; see REPERTOIRE for what it understands. */
// "mark session 123 passed", "mark session 42 as issue: <notes>", "set session 9 to fixed - <feedback>",
// "session 7 fixed: <feedback>". Only a request that starts this way is one: a question that
// merely mentions marking sessions is not, and nothing else (tool results, transcripts) is read.
const QA_STATE = '(passed|pass|ok|okay|good|issue|an issue|problem|fixed|resolved)';
const QA_UPDATE = [
  new RegExp(`^(?:please\\s+)?(?:mark|set|flag)\\s+session\\s+#?(\\d{1,9})\\s+(?:as\\s+|to\\s+)?${QA_STATE}\\b(.*)$`, 'is'),
  new RegExp(`^session\\s+#?(\\d{1,9})\\s+(?:is\\s+)?${QA_STATE}\\b(.*)$`, 'is'),
];
const QA_TO: Record<string, 'passed' | 'issue' | 'fixed'> = {
  passed: 'passed', pass: 'passed', ok: 'passed', okay: 'passed', good: 'passed',
  issue: 'issue', 'an issue': 'issue', problem: 'issue',
  fixed: 'fixed', resolved: 'fixed',
};

function qaUpdateOf(question: string): Intent | undefined {
  const text = question.replace(/[.!]+$/, '');
  for (const re of QA_UPDATE) {
    const m = re.exec(text);
    if (!m) continue;
    const qaTo = QA_TO[m[2]!.toLowerCase().replace(/\s+/g, ' ')];
    // what follows the state: nothing, or notes after ":", "-", "with notes", "because"
    const rest = m[3]!.trim();
    const notes = /^(?:[:\-–—]|with\s+(?:notes?|feedback)\s*:?|because|notes?\s*:|feedback\s*:)\s*(.*)$/is.exec(rest);
    if (rest && !notes) continue;
    const qaText = notes?.[1]?.trim();
    return { kind: 'qa_update', sessionId: Number(m[1]), qaTo: qaTo!, ...(qaText ? { qaText } : {}) };
  }
  return undefined;
}

/** Kinds that are not figures: a transcript, the QA queue now, the worst conversation-days list. */
const NOT_CATALOGUE: ReadonlySet<IntentKind> = new Set(['conversation', 'qa_backlog', 'worst_conversations']);

/** The QA queue as it stands: QA words about what waits, with no period (a period asks the catalogue). */
const isBacklog = (r: Reading): boolean =>
  (/\b(?:backlog|queue|waiting|awaiting|pending|unchecked|unreviewed|not (?:yet )?reviewed|to (?:be )?review(?:ed)?)\b/.test(r.plain) || QA_RISK_WORD.test(r.plain)) &&
  !parsePeriod(r.lower, r.ctx.now, r.ctx.timeZone);

export function understand(question: string, ctx: IntentContext): Intent {
  const trimmed = question.trim().replace(/\s+/g, ' ');
  const sql = sqlOf(question.trim());
  if (sql !== undefined) return { kind: 'sql', sql };
  const qa = qaUpdateOf(question.trim());
  if (qa) return qa;
  const r: Reading = { question: trimmed, lower: trimmed.toLowerCase(), plain: plainText(trimmed), ctx };
  if (HELP.test(r.plain)) return { kind: 'help' };
  const kind = kindOf(r.plain);
  // "#2" alone after a ranking is its second row, not conversation 2 (which "chat #2" names)
  const placeAfterRanking = kind === 'conversation' && ctx.previous?.metric?.query.groupBy !== undefined && /^(?:and |what about )?(?:the )?#(?:[2-9]|10)\s*[?.!]*$/.test(r.lower);
  if (kind && NOT_CATALOGUE.has(kind) && kind !== 'qa_backlog' && !placeAfterRanking) return fresh(kind, r);
  // every figure comes from the catalogue: the older fixed kinds no longer answer
  const vocab = { pages: ctx.pages ?? [], agents: ctx.agents ?? [], reviewers: ctx.reviewers ?? [], topics: ctx.topics ?? [], qaCategories: ctx.qaCategories ?? [] };
  const reading = understandMetric(question, { now: ctx.now, timeZone: ctx.timeZone, vocab, ...(ctx.previous?.metric ? { previous: ctx.previous.metric } : {}) });
  // QA words: the queue as it stands, unless the question is a catalogue figure about QA ("issue rate last month")
  if (kind === 'qa_backlog' && (isBacklog(r) || !reading)) {
    const queue = fresh(kind, r);
    // the queue is the whole one: a page or agent named would be dropped from it
    const named = queue.page ?? queue.agent;
    if (named) {
      return { kind: 'refuse', refusal: `I can't answer that as asked: the QA backlog I give is the whole queue, and I cannot split it by "${named}"; for the sessions of a period still waiting, ask "how many unchecked sessions for ${named} this month".` };
    }
    return QA_RISK_WORD.test(r.plain) ? { ...queue, qaOrder: 'risk' } : queue;
  }
  if (reading?.kind === 'metric') return { kind: 'metric', metric: reading.metric, ...(reading.metric.chart ? { chart: true } : {}) };
  if (reading?.kind === 'refuse') return { kind: 'refuse', refusal: reading.text };
  const derived = ctx.previous && NOT_CATALOGUE.has(ctx.previous.kind) ? followUp(r) : undefined;
  if (derived) return derived;
  return { kind: /\bhelp\b|\bwhat can you\b/.test(r.plain) ? 'help' : 'unknown' };
}
