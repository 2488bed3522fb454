import type pg from 'pg';
import { isAlertMetric, type AlertMetric, type AlertState, type Comparison } from '../domain/alerts.ts';
import type { AlertEvent as EventModel, AlertRule as RuleModel, Prisma } from '../generated/prisma/client.ts';
import { prismaCode, prismaOf, type Db } from './client.ts';

// alert_rules and alert_events. A rule's state (ok | firing), last value and last firing live
// on the rule row; every firing and recovery is an event row, posted to Slack once
// (delivered, slack_ts). Muting is params.mutedUntil (ISO), so it needs no column of its own.
//
// Rules and events are read and edited through Prisma. Five writes stay single SQL statements
// on pg: the evaluator's locked read and its two writes run in the evaluator's own transaction
// and must not move updated_at (it versions the rule set for the scheduler; Prisma's
// @updatedAt would bump it on every evaluation), muteRule / markEventPosted merge into
// jsonb in one statement, where Prisma would need a read and a lock first, and updateRule
// writes only when a value differs (a repeated patch is no change), which Prisma cannot say.

type Store = pg.Pool | Db;

export interface AlertRule {
  id: number;
  name: string;
  metric: AlertMetric;
  comparison: Comparison;
  threshold: number;
  windowMinutes: number;
  cooldownMinutes: number;
  channel: string;
  active: boolean;
  params: Record<string, unknown>;
  state: AlertState;
  lastValue: number | null;
  lastFiredAt: Date | null;
  lastEvaluatedAt: Date | null;
  mutedUntil: Date | null;
  updatedAt: Date;
}


/** The columns of RuleModel under its field names, for the statements that stay on pg. */
const RULE_COLS = `id, name, metric, comparison::text AS comparison, threshold, window_minutes AS "windowMinutes", cooldown_minutes AS "cooldownMinutes", channel, active,
  params, state, last_value AS "lastValue", last_fired_at AS "lastFiredAt", last_evaluated_at AS "lastEvaluatedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

const asObject = (v: Prisma.JsonValue | null): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});

function toRule(r: RuleModel): AlertRule {
  const params = asObject(r.params);
  const muted = typeof params.mutedUntil === 'string' ? new Date(params.mutedUntil) : null;
  return {
    id: r.id, name: r.name, metric: isAlertMetric(r.metric) ? r.metric : (r.metric as AlertMetric), comparison: r.comparison, threshold: r.threshold,
    windowMinutes: r.windowMinutes, cooldownMinutes: r.cooldownMinutes, channel: r.channel, active: r.active, params,
    state: r.state === 'firing' ? 'firing' : 'ok', lastValue: r.lastValue, lastFiredAt: r.lastFiredAt, lastEvaluatedAt: r.lastEvaluatedAt,
    mutedUntil: muted && !Number.isNaN(muted.getTime()) ? muted : null, updatedAt: r.updatedAt,
  };
}

/** id or name, as findRule and deleteRule take them; undefined when neither is given. */
function byIdOrName(by: { id?: number; name?: string }): Prisma.AlertRuleWhereInput | undefined {
  const or: Prisma.AlertRuleWhereInput[] = [...(by.id !== undefined ? [{ id: by.id }] : []), ...(by.name !== undefined ? [{ name: by.name }] : [])];
  return or.length ? { OR: or } : undefined;
}

export async function listRules(db: Store, f: { activeOnly?: boolean } = {}): Promise<AlertRule[]> {
  const rows = await prismaOf(db).alertRule.findMany({ ...(f.activeOnly ? { where: { active: true } } : {}), orderBy: { name: 'asc' } });
  return rows.map(toRule);
}

export async function findRule(db: Store, by: { id?: number; name?: string }): Promise<AlertRule | undefined> {
  const where = byIdOrName(by);
  const row = where && (await prismaOf(db).alertRule.findFirst({ where }));
  return row ? toRule(row) : undefined;
}

/** The rule, locked FOR UPDATE in the caller's transaction (the evaluator's). */
export async function lockRule(c: pg.ClientBase, id: number): Promise<AlertRule | undefined> {
  const { rows } = await c.query<RuleModel>(`SELECT ${RULE_COLS} FROM alert_rules WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ? toRule(rows[0]) : undefined;
}

export interface NewRule {
  name: string;
  metric: AlertMetric;
  comparison: Comparison;
  threshold: number;
  windowMinutes: number;
  cooldownMinutes: number;
  channel: string;
  params?: Record<string, unknown>;
  active?: boolean;
}

/** undefined when the name is taken. */
export async function createRule(db: Store, r: NewRule): Promise<AlertRule | undefined> {
  try {
    const row = await prismaOf(db).alertRule.create({
      data: {
        name: r.name, metric: r.metric, comparison: r.comparison, threshold: r.threshold, windowMinutes: r.windowMinutes, cooldownMinutes: r.cooldownMinutes,
        channel: r.channel, params: (r.params ?? {}) as Prisma.InputJsonObject, active: r.active ?? true,
      },
    });
    return toRule(row);
  } catch (err) {
    if (prismaCode(err) === 'P2002') return undefined;
    throw err;
  }
}

export type RulePatch = Partial<Omit<NewRule, 'name'>> & { name?: string };

/** A patch's fields and their columns (with the cast a parameter needs). */
const PATCH_COLUMNS: Record<keyof RulePatch, string> = {
  name: 'name', metric: 'metric', comparison: 'comparison::"AlertComparison"', threshold: 'threshold', windowMinutes: 'window_minutes',
  cooldownMinutes: 'cooldown_minutes', channel: 'channel', active: 'active', params: 'params::jsonb',
};

/**
 * Applies a patch; undefined when there is no such rule; throws the unique violation (23505, see
 * isUniqueViolation) for a taken name. `changed` is false when the rule held those values already
 * (a retry, or the same patch twice at once: the row lock makes the second see the first's values),
 * so that one change is audited once.
 */
export async function updateRule(db: pg.Pool | pg.ClientBase, id: number, p: RulePatch): Promise<{ rule: AlertRule; changed: boolean } | undefined> {
  const params: unknown[] = [id];
  const sets: string[] = [];
  const differs: string[] = [];
  for (const [field, value] of Object.entries(p) as [keyof RulePatch, unknown][]) {
    if (value === undefined) continue;
    params.push(field === 'params' ? JSON.stringify(value) : value);
    const [column, cast = ''] = PATCH_COLUMNS[field].split('::') as [string, string?];
    const param = `$${params.length}${cast ? `::${cast}` : ''}`;
    sets.push(`${column} = ${param}`);
    differs.push(`${column} IS DISTINCT FROM ${param}`);
  }
  if (sets.length > 0) {
    const { rows } = await db.query<RuleModel>(
      `UPDATE alert_rules SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 AND (${differs.join(' OR ')}) RETURNING ${RULE_COLS}`,
      params,
    );
    if (rows[0]) return { rule: toRule(rows[0]), changed: true };
  }
  const { rows } = await db.query<RuleModel>(`SELECT ${RULE_COLS} FROM alert_rules WHERE id = $1`, [id]);
  return rows[0] ? { rule: toRule(rows[0]), changed: false } : undefined;
}

/** A taken rule name, from updateRule (Prisma) or SQL. */
export const isUniqueViolation = (err: unknown): boolean => prismaCode(err) === 'P2002' || (err as { code?: string }).code === '23505';

export async function deleteRule(db: Store, by: { id?: number; name?: string }): Promise<boolean> {
  const where = byIdOrName(by);
  return where ? (await prismaOf(db).alertRule.deleteMany({ where })).count > 0 : false;
}

export async function muteRule(db: pg.Pool, name: string, until: Date | null): Promise<AlertRule | undefined> {
  const { rows } = await db.query<RuleModel>(
    `UPDATE alert_rules SET params = CASE WHEN $2::text IS NULL THEN params - 'mutedUntil' ELSE params || jsonb_build_object('mutedUntil', $2::text) END, updated_at = now()
      WHERE name = $1 RETURNING ${RULE_COLS}`,
    [name, until?.toISOString() ?? null],
  );
  return rows[0] ? toRule(rows[0]) : undefined;
}

/** Records an evaluation that changed nothing. */
export async function recordEvaluation(db: pg.Pool | pg.ClientBase, id: number, value: number | null, at: Date): Promise<void> {
  await db.query(`UPDATE alert_rules SET last_value = $2, last_evaluated_at = $3 WHERE id = $1`, [id, value, at]);
}

/** Moves the rule to `state` and records the event, in the caller's transaction. */
export async function recordTransition(
  c: pg.ClientBase,
  t: { ruleId: number; kind: 'fired' | 'recovered'; value: number; message: string; sessionIds: number[]; details: Record<string, unknown>; at: Date },
): Promise<number> {
  await c.query(
    `UPDATE alert_rules SET state = $2, last_value = $3, last_evaluated_at = $4, last_fired_at = CASE WHEN $2 = 'firing' THEN $4 ELSE last_fired_at END WHERE id = $1`,
    [t.ruleId, t.kind === 'fired' ? 'firing' : 'ok', t.value, t.at],
  );
  const { rows } = await c.query<{ id: number }>(
    `INSERT INTO alert_events (rule_id, value, message, kind, session_ids, details, fired_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [t.ruleId, t.value, t.message, t.kind, t.sessionIds, JSON.stringify(t.details), t.at],
  );
  return rows[0]!.id;
}

export interface AlertEvent {
  id: number;
  ruleId: number;
  ruleName: string;
  kind: 'fired' | 'recovered';
  value: number;
  message: string;
  delivered: boolean;
  sessionIds: number[];
  details: Record<string, unknown>;
  slackTs: string | null;
  firedAt: Date;
}

const withRuleName = { rule: { select: { name: true } } } satisfies Prisma.AlertEventInclude;

const toEvent = (r: EventModel & { rule: { name: string } }): AlertEvent => ({
  id: r.id, ruleId: r.ruleId, ruleName: r.rule.name, kind: r.kind === 'recovered' ? 'recovered' : 'fired', value: r.value, message: r.message,
  delivered: r.delivered, sessionIds: r.sessionIds, details: asObject(r.details), slackTs: r.slackTs, firedAt: r.firedAt,
});

export async function findEvent(db: Store, id: number): Promise<AlertEvent | undefined> {
  const row = await prismaOf(db).alertEvent.findUnique({ where: { id }, include: withRuleName });
  return row ? toEvent(row) : undefined;
}

export async function undeliveredEvents(db: Store): Promise<AlertEvent[]> {
  return (await prismaOf(db).alertEvent.findMany({ where: { delivered: false }, include: withRuleName, orderBy: { id: 'asc' } })).map(toEvent);
}

export async function listEvents(db: Store, f: { ruleId?: number; since?: Date; beforeId?: number; limit: number }): Promise<AlertEvent[]> {
  const rows = await prismaOf(db).alertEvent.findMany({
    where: {
      ...(f.ruleId !== undefined ? { ruleId: f.ruleId } : {}),
      ...(f.since !== undefined ? { firedAt: { gte: f.since } } : {}),
      ...(f.beforeId !== undefined ? { id: { lt: f.beforeId } } : {}),
    },
    include: withRuleName,
    orderBy: { id: 'desc' },
    take: f.limit,
  });
  return rows.map(toEvent);
}

/** Posting progress: the message's ts as soon as it exists (so a retry does not post it again), then delivered. */
export async function markEventPosted(db: pg.Pool | pg.ClientBase, id: number, p: { slackTs?: string; delivered?: boolean; details?: Record<string, unknown> }): Promise<void> {
  await db.query(
    `UPDATE alert_events SET slack_ts = COALESCE($2, slack_ts), delivered = delivered OR $3, details = COALESCE(details, '{}'::jsonb) || $4::jsonb WHERE id = $1`,
    [id, p.slackTs ?? null, p.delivered ?? false, JSON.stringify(p.details ?? {})],
  );
}
