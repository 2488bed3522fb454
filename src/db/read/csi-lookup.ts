import type pg from 'pg';
import { csiBy, csiMeans } from '../../db/semantic/csi-figures.ts';
import { previousPeriod, type Period } from '../../domain/periods.ts';
import type { Filter as MetricFilter } from '../../domain/semantic/query.ts';
import { formatChange, formatCount, formatCsi, formatScore } from '../../domain/format.ts';
import { Params, containsPattern, count, num, rows } from './sql.ts';

export interface CsiLookupInput {
  period: Period;
  /** default: previousPeriod(period) */
  previous?: Period;
  pageId?: number;
  /** case-insensitive substring of the page name */
  pageName?: string;
  /** a human agent's exact id (agent_info.id) or name (agent_info.name, case-insensitive) */
  agent?: string;
  conversationId?: number;
  groupBy?: 'page' | 'agent' | 'day';
  /** business timezone; only used to decide on which day an agent's reply falls. Default UTC. */
  timezone?: string;
}

export interface CsiValues {
  /** 0–100, or null when there are no scored conversation-days */
  csi: number | null;
  effectiveness: number | null;
  effort: number | null;
  efficiency: number | null;
  empathy: number | null;
  /** scored conversation-days the means are taken over */
  days: number;
  display: { csi: string; effectiveness: string; effort: string; efficiency: string; empathy: string; days: string };
}

export interface CsiGroup {
  key: string;
  label: string;
  csi: number | null;
  days: number;
  display: { csi: string; days: string };
}

export interface CsiLookupResult {
  period: Period;
  previous: Period;
  filters: { pageId?: number; pageName?: string; agent?: string; conversationId?: number };
  current: CsiValues;
  previousValues: CsiValues;
  change: { csi: number | null; display: string };
  groups?: CsiGroup[];
  /** How the numbers are defined, for the model to quote rather than guess. */
  definition: string;
}

const DEFINITION =
  'Means over conversation-days with a CSI in the period (days in the business timezone). ' +
  'A conversation-day counts for an agent when that human agent sent a reply on that day; ' +
  'grouped by agent, a day handled by two agents counts for both.';

interface Filter {
  /** `daily_analyses da`, joined with `conversations c` and `pages p` only where a filter or grouping reads them */
  from: string;
  where: string;
  params: Params;
  /** placeholders of the period's first and last day */
  first: string;
  last: string;
  /** Placeholder of the timezone, bound on first use: an unused parameter has no type and fails. */
  tz(): string;
}

/**
 * The FROM and WHERE clauses for one period. The joins are left out when nothing reads them:
 * every daily_analyses row has exactly one conversation and every conversation one page
 * (NOT NULL foreign keys), so they never change the rows, but on a large table they cost
 * more than the scan of the period itself.
 */
function filter(input: CsiLookupInput, period: Period, groupBy?: CsiLookupInput['groupBy']): Filter {
  const p = new Params();
  let tzPlaceholder: string | undefined;
  const tz = () => (tzPlaceholder ??= `${p.add(input.timezone ?? 'UTC')}::text`);
  const first = `${p.add(period.from)}::date`;
  const last = `${p.add(period.to)}::date`;
  const clauses = [`da.day BETWEEN ${first} AND ${last}`, 'da.csi IS NOT NULL'];
  if (input.pageId !== undefined) clauses.push(`c.page_id = ${p.add(input.pageId)}`);
  if (input.pageName !== undefined) clauses.push(`p.name ILIKE ${p.add(containsPattern(input.pageName))}`);
  if (input.conversationId !== undefined) clauses.push(`da.conversation_id = ${p.add(input.conversationId)}`);
  if (input.agent !== undefined) {
    const a = p.add(input.agent);
    clauses.push(`EXISTS (SELECT 1 FROM messages m
      WHERE m.conversation_id = da.conversation_id AND m.sender_kind = 'human_agent'
        AND m.social_create_time >= (da.day::timestamp AT TIME ZONE ${tz()})
        AND m.social_create_time < ((da.day + 1)::timestamp AT TIME ZONE ${tz()})
        AND (m.agent_info->>'id' = ${a} OR lower(m.agent_info->>'name') = lower(${a})))`);
  }
  const needsPage = input.pageName !== undefined || groupBy === 'page';
  const needsConversation = needsPage || input.pageId !== undefined;
  const from = [
    'daily_analyses da',
    ...(needsConversation ? ['JOIN conversations c ON c.id = da.conversation_id'] : []),
    ...(needsPage ? ['JOIN pages p ON p.id = c.page_id'] : []),
  ].join(' ');
  return { from, where: clauses.join(' AND '), params: p, first, last, tz };
}

async function means(pool: pg.Pool, input: CsiLookupInput, period: Period): Promise<CsiValues> {
  const f = filter(input, period);
  const [r] = await rows<Record<string, unknown>>(
    pool,
    `SELECT avg(da.csi) AS csi, avg(da.effectiveness) AS effectiveness, avg(da.effort) AS effort,
            avg(da.efficiency) AS efficiency, avg(da.empathy) AS empathy, count(*) AS days
       FROM ${f.from} WHERE ${f.where}`,
    f.params,
  );
  const days = count(r?.days);
  // With no days every mean is null already; this keeps "no data" from ever reading as 0.
  const v = (k: string) => (days === 0 ? null : num(r?.[k]));
  const values = { csi: v('csi'), effectiveness: v('effectiveness'), effort: v('effort'), efficiency: v('efficiency'), empathy: v('empathy') };
  return {
    ...values,
    days,
    display: {
      csi: formatCsi(values.csi),
      effectiveness: formatScore(values.effectiveness),
      effort: formatScore(values.effort),
      efficiency: formatScore(values.efficiency),
      empathy: formatScore(values.empathy),
      days: formatCount(days),
    },
  };
}

async function groups(pool: pg.Pool, input: CsiLookupInput, by: 'page' | 'agent' | 'day'): Promise<CsiGroup[]> {
  const f = filter(input, input.period, by);
  let sql: string;
  if (by === 'page') {
    sql = `SELECT p.id::text AS key, p.name AS label, avg(da.csi) AS csi, count(*) AS days
             FROM ${f.from} WHERE ${f.where} GROUP BY p.id, p.name ORDER BY p.name, p.id`;
  } else if (by === 'day') {
    sql = `SELECT da.day::text AS key, da.day::text AS label, avg(da.csi) AS csi, count(*) AS days
             FROM ${f.from} WHERE ${f.where} GROUP BY da.day ORDER BY da.day`;
  } else {
    // One row per (conversation-day, agent who replied that day), hence DISTINCT; a
    // conversation-day is its (conversation_id, day) key, which the (day, csi, conversation_id,
    // ...) index carries, so the days are read without visiting the table. The agents'
    // replies are read for the whole period at once (bounds implied by the days'), through the
    // (sender_kind, social_create_time) index, rather than looked up conversation-day by
    // conversation-day.
    const tz = f.tz();
    sql = `WITH d AS (SELECT da.day, da.conversation_id, da.csi FROM ${f.from} WHERE ${f.where}),
           h AS (
             SELECT m.conversation_id, m.social_create_time, m.agent_info->>'id' AS agent_id
               FROM messages m
              WHERE m.sender_kind = 'human_agent' AND m.agent_info->>'id' IS NOT NULL
                AND m.social_create_time >= (${f.first}::timestamp AT TIME ZONE ${tz})
                AND m.social_create_time < ((${f.last} + 1)::timestamp AT TIME ZONE ${tz})),
           da_agent AS (
             SELECT DISTINCT d.conversation_id, d.day, d.csi, h.agent_id
               FROM d JOIN h ON h.conversation_id = d.conversation_id
                AND h.social_create_time >= (d.day::timestamp AT TIME ZONE ${tz})
                AND h.social_create_time < ((d.day + 1)::timestamp AT TIME ZONE ${tz}))
           SELECT a.agent_id AS key,
                  coalesce((SELECT m.agent_info->>'name' FROM messages m
                             WHERE m.sender_kind = 'human_agent' AND m.agent_info->>'id' = a.agent_id LIMIT 1), a.agent_id) AS label,
                  avg(a.csi) AS csi, count(*) AS days
             FROM da_agent a GROUP BY a.agent_id ORDER BY label, key`;
  }
  const result = await rows<{ key: string; label: string; csi: unknown; days: unknown }>(pool, sql, f.params);
  return result.map((r) => {
    const csi = num(r.csi);
    const days = count(r.days);
    return { key: r.key, label: r.label, csi, days, display: { csi: formatCsi(csi), days: formatCount(days) } };
  });
}

function csiValues(values: Record<'csi' | 'effectiveness' | 'effort' | 'efficiency' | 'empathy', number | null>, days: number): CsiValues {
  // With no days every mean is null already; this keeps "no data" from ever reading as 0.
  const v = (x: number | null) => (days === 0 ? null : x);
  const out = { csi: v(values.csi), effectiveness: v(values.effectiveness), effort: v(values.effort), efficiency: v(values.efficiency), empathy: v(values.empathy) };
  return {
    ...out,
    days,
    display: {
      csi: formatCsi(out.csi), effectiveness: formatScore(out.effectiveness), effort: formatScore(out.effort),
      efficiency: formatScore(out.efficiency), empathy: formatScore(out.empathy), days: formatCount(days),
    },
  };
}

/**
 * The scope as catalogue filters (page and agent names), or undefined when the catalogue cannot
 * say it: a conversation, a breakdown by agent, or a name shared by several pages or agents.
 */
async function catalogueScope(pool: pg.Pool, input: CsiLookupInput): Promise<{ filters: MetricFilter[]; pageIds: Map<string, number> } | undefined> {
  if (input.conversationId !== undefined || (input.groupBy !== undefined && input.groupBy !== 'page' && input.groupBy !== 'day')) return undefined;
  const agent = input.agent === undefined ? [] : await agentNames(pool, input.agent);
  if (agent === undefined) return undefined;
  const p = new Params();
  const where = [
    ...(input.pageId !== undefined ? [`id = ${p.add(input.pageId)}`] : []),
    ...(input.pageName !== undefined ? [`name ILIKE ${p.add(containsPattern(input.pageName))}`] : []),
  ];
  const pages = await rows<{ id: number; name: string }>(pool, `SELECT id, name FROM pages${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, p);
  const pageIds = new Map(pages.map((x) => [x.name, x.id]));
  if (pageIds.size !== pages.length || (where.length > 0 && pages.length === 0)) return undefined;
  const filters: MetricFilter[] = where.length ? [{ dimension: 'page', values: pages.map((x) => x.name) }] : [];
  return { filters: agent.length ? [...filters, { dimension: 'agent', values: agent }] : filters, pageIds };
}

/**
 * The catalogue filters agents by name; csi_lookup takes an id or a name. The names of the agent
 * so named, or undefined when a name is shared with another id (the catalogue could not tell
 * them apart) or nobody is called that (the SQL path says no data as before).
 */
async function agentNames(pool: pg.Pool, agent: string): Promise<string[] | undefined> {
  const found = await rows<{ name: string; shared: boolean }>(
    pool,
    `SELECT n.name, EXISTS (SELECT 1 FROM messages o WHERE o.sender_kind = 'human_agent' AND lower(o.agent_info->>'name') = lower(n.name)
                              AND coalesce(o.agent_info->>'id', '') <> ALL (n.ids)) AS shared
       FROM (SELECT m.agent_info->>'name' AS name, array_agg(DISTINCT coalesce(m.agent_info->>'id', '')) AS ids FROM messages m
              WHERE m.sender_kind = 'human_agent' AND (m.agent_info->>'id' = $1 OR lower(m.agent_info->>'name') = lower($1))
                AND m.agent_info->>'name' IS NOT NULL GROUP BY 1) n`,
    [agent],
  );
  return found.length === 0 || found.some((f) => f.shared) ? undefined : found.map((f) => f.name);
}

/** The headline figures through the metrics catalogue's compiler (the figures metric_query gives). */
async function viaCatalogue(pool: pg.Pool, input: CsiLookupInput, previous: Period, scope: { filters: MetricFilter[]; pageIds: Map<string, number> }) {
  const tz = input.timezone ?? 'UTC';
  const range = (x: Period) => ({ from: x.from, to: x.to, label: x.label });
  const by = input.groupBy === 'page' || input.groupBy === 'day' ? input.groupBy : undefined;
  const [cur, prev, grouped] = await Promise.all([
    csiMeans(pool, range(input.period), scope.filters, tz),
    csiMeans(pool, range(previous), scope.filters, tz),
    by ? csiBy(pool, by, range(input.period), scope.filters, tz) : Promise.resolve(undefined),
  ]);
  const groupsOut = grouped?.map((g): CsiGroup => {
    const key = by === 'page' ? String(scope.pageIds.get(g.key)) : g.key;
    return { key, label: g.key, csi: g.csi, days: g.days, display: { csi: formatCsi(g.csi), days: formatCount(g.days) } };
  });
  // pages by name then id, days in order: as the SQL path sorts them
  groupsOut?.sort((a, b) => (by === 'day' ? a.key.localeCompare(b.key) : a.label.localeCompare(b.label) || Number(a.key) - Number(b.key)));
  return [csiValues(cur.values, cur.days), csiValues(prev.values, prev.days), groupsOut] as const;
}

/** CSI and its pillars for a period and scope, compared with the previous period. Read-only. */
export async function csiLookup(pool: pg.Pool, input: CsiLookupInput): Promise<CsiLookupResult> {
  const previous = input.previous ?? previousPeriod(input.period);
  const scope = await catalogueScope(pool, input);
  // a conversation (or an agent the catalogue cannot name) is a scope its CSI does not take: those stay on the SQL below
  const [current, previousValues, grouped] = scope
    ? await viaCatalogue(pool, input, previous, scope)
    : await Promise.all([
      means(pool, input, input.period),
      means(pool, input, previous),
      input.groupBy ? groups(pool, input, input.groupBy) : Promise.resolve(undefined),
    ]);
  const change = current.csi !== null && previousValues.csi !== null ? current.csi - previousValues.csi : null;
  const filters: CsiLookupResult['filters'] = {};
  if (input.pageId !== undefined) filters.pageId = input.pageId;
  if (input.pageName !== undefined) filters.pageName = input.pageName;
  if (input.agent !== undefined) filters.agent = input.agent;
  if (input.conversationId !== undefined) filters.conversationId = input.conversationId;
  return {
    period: input.period,
    previous,
    filters,
    current,
    previousValues,
    change: { csi: change, display: formatChange(change) },
    ...(grouped ? { groups: grouped } : {}),
    definition: DEFINITION,
  };
}
