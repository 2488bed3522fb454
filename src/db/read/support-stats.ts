import type pg from 'pg';
import { periodBounds, type Period } from '../../domain/periods.ts';
import { canonicalLabel } from '../../domain/topics.ts';
import { formatCount, formatDuration, formatPercent } from '../../domain/format.ts';
import { Params, clampInt, count, num, rows } from './sql.ts';
import { catalogueFilters, fromCatalogue } from './support-stats-catalogue.ts';
import { metricRows } from '../semantic/value.ts';
import { measureByName } from '../../domain/semantic/catalogue.ts';
import type { Filter as MetricFilter } from '../../domain/semantic/query.ts';

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
    'The catalogue\'s human response time: each customer message in the period whose next reply (bot or human) a human agent wrote, that reply\'s time minus the message\'s; median per agent, with how many customer messages it is over.',
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

/**
 * Customer messages by topic (a reviewer's corrected label wins), read through the catalogue
 * (customerMessages by topic) unless a topic restriction or a page name shared by two pages asks
 * for a scope the catalogue cannot name.
 */
async function topicCounts(pool: pg.Pool, input: SupportStatsInput, filters: MetricFilter[] | undefined): Promise<{ topic: string; n: number }[]> {
  if (filters && input.topicsIn === undefined) {
    const period = { from: input.period.from, to: input.period.to, label: input.period.label };
    const r = await metricRows(pool, { measure: 'customerMessages', groupBy: 'topic', period, filters }, input.timezone);
    return r.filter((x) => x.key !== undefined && x.key !== null).map((x) => ({ topic: x.key!, n: x.value ?? 0 }));
  }
  return (await topicCountsSql(pool, input)).map((r) => ({ topic: r.topic, n: count(r.n) }));
}

async function topics(pool: pg.Pool, input: SupportStatsInput, filters: MetricFilter[] | undefined): Promise<SupportStatsResult['topics']> {
  const all = await topicCounts(pool, input, filters);
  const total = all.reduce((sum, r) => sum + r.n, 0);
  const n = clampInt(input.topN, 5, 1, 50);
  const top = all.slice(0, n).map((r) => {
    const share = r.n / total;
    return { topic: r.topic, count: r.n, share, display: { count: formatCount(r.n), share: formatPercent(share) } };
  });
  const other = total - top.reduce((sum, t) => sum + t.count, 0);
  return { classifiedMessages: total, top, other, display: { classifiedMessages: formatCount(total), other: formatCount(other) } };
}

function topicCountsSql(pool: pg.Pool, input: SupportStatsInput) {
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
  return rows<{ topic: string; n: unknown }>(
    pool,
    `${input.topicsIn === undefined ? '' : `WITH m AS MATERIALIZED (${inPeriod}) `}SELECT m.classification AS topic, count(*) AS n
       FROM ${source} m${s.pageJoin('m.conversation_id')}
      WHERE ${s.page('c.page_id')} AND ${about}
      GROUP BY m.classification ORDER BY count(*) DESC, m.classification`,
    s.params,
  );
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
 * The catalogue's humanResponseTime (customer message → the next reply, when a human wrote it;
 * message_replies) as a median per agent, slowest first. Read through the compiler when the
 * page, if any, can be named to it; a page whose name another page shares is read by its id
 * with the same value and filter (the catalogue filters pages by name).
 */
async function slowestAgents(pool: pg.Pool, input: SupportStatsInput, filters: MetricFilter[] | undefined): Promise<AgentResponse[]> {
  const limit = clampInt(input.agentLimit, 5, 1, 50);
  const measure = measureByName('humanResponseTime')!;
  let ranked: { agent: string; replies: number; median: number | null }[];
  if (filters) {
    const period = { from: input.period.from, to: input.period.to, label: input.period.label };
    const r = await metricRows(pool, { measure: measure.name, statistic: 'median', groupBy: 'agent', period, filters }, input.timezone);
    ranked = r.filter((x) => x.key !== undefined && x.key !== null).map((x) => ({ agent: x.key!, replies: x.base, median: x.value }));
  } else {
    const s = scope(input);
    const value = measure.value;
    const got = await rows<{ agent: string; replies: unknown; median: unknown }>(
      pool,
      `SELECT r.reply_agent AS agent, count(${value}) AS replies, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value}) AS median
         FROM analytics.message_replies r JOIN analytics.conversations c ON c.id = r.conversation_id
        WHERE ${measure.where} AND r.reply_agent IS NOT NULL AND r.asked_at >= ${s.start} AND r.asked_at < ${s.end} AND ${s.page('c.page_id')}
        GROUP BY 1 ORDER BY median DESC NULLS LAST, agent`,
      s.params,
    );
    ranked = got.map((x) => ({ agent: x.agent, replies: count(x.replies), median: num(x.median) }));
  }
  return ranked.slice(0, limit).map((a) => ({
    agentId: a.agent,
    name: a.agent,
    replies: a.replies,
    medianWaitSeconds: a.median,
    display: { replies: formatCount(a.replies), medianWait: formatDuration(a.median) },
  }));
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
    part('topics', () => topics(pool, input, catalogue)),
    // sessions too: every figure of theirs is the catalogue's when it can say the scope
    catalogue ? Promise.resolve(undefined) : part('sessions', () => sessions(pool, input)),
    part('slowestAgents', () => slowestAgents(pool, input, catalogue)),
  ]);
  const [v, rt, s] = catalogue ? await fromCatalogue(pool, input, catalogue, want.has('responseTimes'), v0, want.has('sessions')) : [v0, rt0, s0];
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
