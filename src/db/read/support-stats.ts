import type pg from 'pg';
import { periodBounds, type Period } from '../../domain/periods.ts';
import { canonicalLabel } from '../../domain/topics.ts';
import { formatCount, formatDuration, formatPercent } from '../../domain/format.ts';
import { Params, clampInt, count, num, rows } from './sql.ts';
import { catalogueFilters, fromCatalogue } from './support-stats-catalogue.ts';

export interface SupportStatsInput {
  period: Period;
  /** business timezone (IANA) the period's days are in */
  timezone: string;
  pageId?: number;
  /**
   * Restricts the topic mix (only the mix) to conversations "about" this: those whose
   * conversations.common_topics contains it or that have a customer message in the period
   * classified as it (one label set, domain/topics.ts: e.g. complaint, human_request; an earlier
   * name such as "complaints" is mapped). "complaint" therefore shows what complaining customers
   * write about.
   */
  topicsIn?: string;
  /** topics listed, default 5 */
  topN?: number;
  /** agents listed in slowestAgents, default 5 */
  agentLimit?: number;
  /** the parts to compute, default all: each is its own query, and a question rarely needs all */
  sections?: readonly SupportSection[];
}

export type SupportSection = 'volumes' | 'responseTimes' | 'topics' | 'sessions' | 'slowestAgents';
export const SUPPORT_SECTIONS: readonly SupportSection[] = ['volumes', 'responseTimes', 'topics', 'sessions', 'slowestAgents'];

export interface TopicShare {
  topic: string;
  count: number;
  /** share of the classified customer messages in scope */
  share: number;
  display: { count: string; share: string };
}

export interface AgentResponse {
  agentId: string;
  name: string;
  /** human replies that answered a customer message directly */
  replies: number;
  medianWaitSeconds: number | null;
  display: { replies: string; medianWait: string };
}

export interface SupportStatsResult {
  period: Period;
  timezone: string;
  filters: { pageId?: number; topicsIn?: string };
  volumes?: {
    conversations: number;
    messages: number;
    customerMessages: number;
    conversationDays: number;
    display: { conversations: string; messages: string; customerMessages: string; conversationDays: string };
  };
  responseTimes?: {
    firstResponseP50: number | null;
    firstResponseP90: number | null;
    avgResponseP50: number | null;
    /** analysed conversation-days with a first response time */
    days: number;
    display: { firstResponseP50: string; firstResponseP90: string; avgResponseP50: string };
  };
  topics?: { classifiedMessages: number; top: TopicShare[]; other: number; display: { classifiedMessages: string; other: string } };
  sessions?: {
    total: number;
    aiEngaged: number;
    contained: number;
    handoff: number;
    /** contained / total, null without sessions */
    botContainmentRate: number | null;
    handoffRate: number | null;
    display: { total: string; botContainmentRate: string; handoffRate: string };
  };
  /** slowest first, by median wait */
  slowestAgents?: AgentResponse[];
  definitions: Record<string, string>;
}

const DEFINITIONS = {
  volumes:
    'Conversations and messages with a message timestamp in the period; conversation-days are distinct (conversation, business day) pairs with messages.',
  responseTimes: 'Percentiles over analysed conversation-days (daily_analyses) whose day is in the period; seconds.',
  topics: 'Classification of customer messages in the period; shares are of classified customer messages in scope.',
  botContainmentRate: 'Sessions started in the period with AI engaged and no human handoff, divided by the sessions started in the period that the bot engaged in (the catalogue\'s containment).',
  handoffRate: 'Sessions started in the period with a human handoff, divided by all sessions started in the period.',
  slowestAgents:
    'For every human-agent reply in the period whose previous non-bot message is from the customer: reply time minus that customer message time; median per agent.',
};

type Scope = {
  params: Params;
  start: string;
  end: string;
  page: (col: string) => string;
  /** ` JOIN conversations c ON c.id = <col>` when a page filter needs it, else nothing */
  pageJoin: (col: string) => string;
};

function scope(input: SupportStatsInput): Scope {
  const { start, end } = periodBounds(input.period, input.timezone);
  const params = new Params();
  const s = params.add(start);
  const e = params.add(end);
  const pageId = input.pageId;
  const page = (col: string) => (pageId === undefined ? 'TRUE' : `${col} = ${params.add(pageId)}`);
  // Every row has exactly one conversation (NOT NULL foreign key), so the join only matters
  // for the page filter; without one it is left out rather than paid for on every row.
  const pageJoin = (col: string) => (pageId === undefined ? '' : ` JOIN conversations c ON c.id = ${col}`);
  return { params, start: `${s}::timestamptz`, end: `${e}::timestamptz`, page, pageJoin };
}

async function volumes(pool: pg.Pool, input: SupportStatsInput): Promise<SupportStatsResult['volumes']> {
  const s = scope(input);
  const tz = s.params.add(input.timezone);
  // Counted per (conversation, day) and then per conversation, by hashing: the same numbers as
  // count(DISTINCT ...) over the messages, without sorting every message of the period.
  const [r] = await rows<Record<string, unknown>>(
    pool,
    `SELECT count(*) AS conversations, sum(g.messages) AS messages, sum(g.customer_messages) AS customer_messages,
            sum(g.days) AS conversation_days
       FROM (SELECT d.conversation_id, sum(d.messages) AS messages, sum(d.customer_messages) AS customer_messages, count(*) AS days
               FROM (SELECT m.conversation_id, (m.social_create_time AT TIME ZONE ${tz}::text)::date AS day, count(*) AS messages,
                            count(*) FILTER (WHERE m.sender_kind = 'customer') AS customer_messages
                       FROM messages m${s.pageJoin('m.conversation_id')}
                      WHERE m.social_create_time >= ${s.start} AND m.social_create_time < ${s.end} AND ${s.page('c.page_id')}
                      GROUP BY 1, 2) d
              GROUP BY d.conversation_id) g`,
    s.params,
  );
  const v = {
    conversations: count(r?.conversations),
    messages: count(r?.messages),
    customerMessages: count(r?.customer_messages),
    conversationDays: count(r?.conversation_days),
  };
  return {
    ...v,
    display: {
      conversations: formatCount(v.conversations),
      messages: formatCount(v.messages),
      customerMessages: formatCount(v.customerMessages),
      conversationDays: formatCount(v.conversationDays),
    },
  };
}

async function responseTimes(pool: pg.Pool, input: SupportStatsInput): Promise<SupportStatsResult['responseTimes']> {
  const p = new Params();
  const page = input.pageId === undefined ? 'TRUE' : `c.page_id = ${p.add(input.pageId)}`;
  const join = input.pageId === undefined ? '' : ' JOIN conversations c ON c.id = da.conversation_id';
  const [r] = await rows<Record<string, unknown>>(
    pool,
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY da.first_response_time) AS frt50,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY da.first_response_time) AS frt90,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY da.avg_response_time) AS art50,
            count(da.first_response_time) AS days
       FROM daily_analyses da${join}
      WHERE da.day BETWEEN ${p.add(input.period.from)}::date AND ${p.add(input.period.to)}::date AND ${page}`,
    p,
  );
  const v = { firstResponseP50: num(r?.frt50), firstResponseP90: num(r?.frt90), avgResponseP50: num(r?.art50), days: count(r?.days) };
  return {
    ...v,
    display: {
      firstResponseP50: formatDuration(v.firstResponseP50),
      firstResponseP90: formatDuration(v.firstResponseP90),
      avgResponseP50: formatDuration(v.avgResponseP50),
    },
  };
}

async function topics(pool: pg.Pool, input: SupportStatsInput): Promise<SupportStatsResult['topics']> {
  const s = scope(input);
  // a reviewer's corrected label wins over the model's, as in the catalogue's topic dimension
  const inPeriod = `SELECT m.conversation_id, coalesce(lc.label, m.classification) AS classification
       FROM messages m LEFT JOIN message_label_corrections lc ON lc.message_id = m.id
      WHERE m.sender_kind = 'customer' AND m.classification IS NOT NULL
        AND m.social_create_time >= ${s.start} AND m.social_create_time < ${s.end}`;
  let about = 'TRUE';
  if (input.topicsIn !== undefined) {
    // Conversations and messages share one label set (domain/topics.ts); an earlier name
    // ("complaints", "shipping_question") still finds them.
    const t = s.params.add(canonicalLabel(input.topicsIn));
    // The conversations "about" it, collected once: from the GIN index on common_topics, and
    // from the period's classified messages themselves, which are read once (the classification
    // is only in the table) and kept for the count. Every message has exactly one conversation,
    // so IN on its conversation_id keeps the same messages as the join it replaces.
    about = `m.conversation_id IN (
      SELECT c1.id FROM conversations c1 WHERE c1.common_topics @> jsonb_build_array(${t}::text)
      UNION SELECT x.conversation_id FROM m x WHERE x.classification = ${t}::text)`;
  }
  // Without a topic filter, a plain scan (which may run in parallel) is cheapest.
  const source = input.topicsIn === undefined ? `(${inPeriod})` : 'm';
  const all = await rows<{ topic: string; n: unknown }>(
    pool,
    `${input.topicsIn === undefined ? '' : `WITH m AS MATERIALIZED (${inPeriod}) `}SELECT m.classification AS topic, count(*) AS n
       FROM ${source} m${s.pageJoin('m.conversation_id')}
      WHERE ${s.page('c.page_id')} AND ${about}
      GROUP BY m.classification ORDER BY count(*) DESC, m.classification`,
    s.params,
  );
  const total = all.reduce((sum, r) => sum + count(r.n), 0);
  const n = clampInt(input.topN, 5, 1, 50);
  const top = all.slice(0, n).map((r) => {
    const c = count(r.n);
    const share = c / total;
    return { topic: r.topic, count: c, share, display: { count: formatCount(c), share: formatPercent(share) } };
  });
  const other = total - top.reduce((sum, t) => sum + t.count, 0);
  return { classifiedMessages: total, top, other, display: { classifiedMessages: formatCount(total), other: formatCount(other) } };
}

async function sessions(pool: pg.Pool, input: SupportStatsInput): Promise<SupportStatsResult['sessions']> {
  const s = scope(input);
  const [r] = await rows<Record<string, unknown>>(
    pool,
    `SELECT count(*) AS total, count(*) FILTER (WHERE s.ai_engaged) AS ai,
            count(*) FILTER (WHERE s.ai_engaged AND NOT s.human_handoff) AS contained,
            count(*) FILTER (WHERE s.human_handoff) AS handoff
       FROM sessions s${s.pageJoin('s.conversation_id')}
      WHERE s.started_at >= ${s.start} AND s.started_at < ${s.end} AND ${s.page('c.page_id')}`,
    s.params,
  );
  const total = count(r?.total);
  const contained = count(r?.contained);
  const handoff = count(r?.handoff);
  const ai = count(r?.ai);
  const botContainmentRate = ai === 0 ? null : contained / ai;
  const handoffRate = total === 0 ? null : handoff / total;
  return {
    total,
    aiEngaged: ai,
    contained,
    handoff,
    botContainmentRate,
    handoffRate,
    display: { total: formatCount(total), botContainmentRate: formatPercent(botContainmentRate), handoffRate: formatPercent(handoffRate) },
  };
}

/**
 * Per agent, the waits (seconds) of their replies in [from, to) that answered a customer
 * message. Bot messages are skipped so a handoff ("a colleague will join") does not hide the
 * wait for the human; the reply is measured from the customer message it follows. Each reply
 * looks up its previous non-bot message (same order as a window over the conversation: time,
 * then id) instead of windowing over every message of every conversation with a reply.
 */
async function replyWaits(pool: pg.Pool, input: SupportStatsInput, from: Date, to: Date) {
  const p = new Params();
  const page = input.pageId === undefined ? 'TRUE' : `c.page_id = ${p.add(input.pageId)}`;
  const join = input.pageId === undefined ? '' : ' JOIN conversations c ON c.id = h.conversation_id';
  return rows<{ agent_id: string; name: string | null; waits: number[] }>(
    pool,
    `SELECT h.agent_info->>'id' AS agent_id, max(h.agent_info->>'name') AS name,
            array_agg(extract(epoch FROM h.social_create_time - prev.at)::float8) AS waits
       FROM messages h${join}
       JOIN LATERAL (
         SELECT p.sender_kind, p.social_create_time AS at FROM messages p
          WHERE p.conversation_id = h.conversation_id AND p.sender_kind <> 'bot'
            AND (p.social_create_time, p.id) < (h.social_create_time, h.id)
          ORDER BY p.social_create_time DESC, p.id DESC LIMIT 1) prev ON prev.sender_kind = 'customer'
      WHERE h.sender_kind = 'human_agent' AND h.social_create_time >= ${p.add(from)}::timestamptz
        AND h.social_create_time < ${p.add(to)}::timestamptz AND h.agent_info->>'id' IS NOT NULL AND ${page}
      GROUP BY h.agent_info->>'id'`,
    p,
  );
}

/** percentile_cont(0.5) as PostgreSQL computes it for float8 (orderedsetaggs.c: float8_lerp). */
function medianOf(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const pos = 0.5 * (sorted.length - 1);
  const lo = sorted[Math.floor(pos)]!;
  const hi = sorted[Math.ceil(pos)]!;
  return lo + (pos - Math.floor(pos)) * (hi - lo);
}

async function slowestAgents(pool: pg.Pool, input: SupportStatsInput): Promise<AgentResponse[]> {
  const { start, end } = periodBounds(input.period, input.timezone);
  // The per-reply lookups are the cost, and PostgreSQL runs no correlated lookup in a parallel
  // worker: the two halves of the period are looked up on two connections at once. Counts and
  // medians are then taken over both halves' waits (the median exactly as percentile_cont
  // does); names and the order are left to PostgreSQL, so text compares by its collation.
  const mid = new Date(Math.floor((start.getTime() + end.getTime()) / 2));
  const byAgent = new Map<string, { names: (string | null)[]; waits: number[] }>();
  for (const r of (await Promise.all([replyWaits(pool, input, start, mid), replyWaits(pool, input, mid, end)])).flat()) {
    const a = byAgent.get(r.agent_id);
    byAgent.set(r.agent_id, a ? { names: [...a.names, r.name], waits: a.waits.concat(r.waits) } : { names: [r.name], waits: r.waits });
  }
  const agents = [...byAgent.entries()];
  const result = await rows<{ agent_id: string; name: string | null; replies: unknown; median: unknown }>(
    pool,
    `SELECT u.agent_id, greatest(u.name1, u.name2) AS name, u.replies, u.median
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[]) AS u(agent_id, name1, name2, replies, median)
      ORDER BY u.median DESC, u.agent_id
      LIMIT $6`,
    [
      agents.map(([id]) => id),
      agents.map(([, a]) => a.names[0] ?? null),
      agents.map(([, a]) => a.names[1] ?? null),
      agents.map(([, a]) => a.waits.length),
      agents.map(([, a]) => medianOf(a.waits)),
      clampInt(input.agentLimit, 5, 1, 50),
    ],
  );
  return result.map((r) => {
    const replies = count(r.replies);
    const median = num(r.median);
    return {
      agentId: r.agent_id,
      name: r.name ?? r.agent_id,
      replies,
      medianWaitSeconds: median,
      display: { replies: formatCount(replies), medianWait: formatDuration(median) },
    };
  });
}

/** Volumes, response times, topic mix, bot containment and the slowest agents for a period. Read-only. */
export async function supportStats(pool: pg.Pool, input: SupportStatsInput): Promise<SupportStatsResult> {
  const want = new Set(input.sections ?? SUPPORT_SECTIONS);
  const part = <T>(name: SupportSection, run: () => Promise<T>) => (want.has(name) ? run() : Promise.resolve(undefined));
  const catalogue = await catalogueFilters(pool, input.pageId);
  const [v0, rt0, t, s0, a] = await Promise.all([
    part('volumes', () => volumes(pool, input)),
    // response times are all catalogue figures: no SQL of their own when the catalogue can say the scope
    catalogue ? Promise.resolve(undefined) : part('responseTimes', () => responseTimes(pool, input)),
    part('topics', () => topics(pool, input)),
    part('sessions', () => sessions(pool, input)),
    part('slowestAgents', () => slowestAgents(pool, input)),
  ]);
  const [v, rt, s] = catalogue ? await fromCatalogue(pool, input, catalogue, want.has('responseTimes'), v0, s0) : [v0, rt0, s0];
  const filters: SupportStatsResult['filters'] = {};
  if (input.pageId !== undefined) filters.pageId = input.pageId;
  if (input.topicsIn !== undefined) filters.topicsIn = input.topicsIn;
  return {
    period: input.period,
    timezone: input.timezone,
    filters,
    ...(v && { volumes: v }),
    ...(rt && { responseTimes: rt }),
    ...(t && { topics: t }),
    ...(s && { sessions: s }),
    ...(a && { slowestAgents: a }),
    definitions: DEFINITIONS,
  };
}
