import type pg from 'pg';
import { isAlertMetric, type AlertMetric, type AlertState, type Comparison } from '../domain/alerts.ts';

// alert_rules and alert_events. A rule's state (ok | firing), last value and last firing live
// on the rule row; every firing and recovery is an event row, posted to Slack once
// (delivered, slack_ts). Muting is params.mutedUntil (ISO), so it needs no column of its own.

type Db = pg.Pool | pg.ClientBase;

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

interface RuleRow {
  id: number;
  name: string;
  metric: string;
  comparison: Comparison;
  threshold: number;
  window_minutes: number;
  cooldown_minutes: number;
  channel: string;
  active: boolean;
  params: Record<string, unknown> | null;
  state: string;
  last_value: number | null;
  last_fired_at: Date | null;
  last_evaluated_at: Date | null;
  updated_at: Date;
}

const RULE_COLS = `id, name, metric, comparison::text AS comparison, threshold, window_minutes, cooldown_minutes, channel, active, params, state, last_value, last_fired_at, last_evaluated_at, updated_at`;

function toRule(r: RuleRow): AlertRule {
  const params = r.params ?? {};
  const muted = typeof params.mutedUntil === 'string' ? new Date(params.mutedUntil) : null;
  return {
    id: r.id, name: r.name, metric: isAlertMetric(r.metric) ? r.metric : (r.metric as AlertMetric), comparison: r.comparison, threshold: r.threshold,
    windowMinutes: r.window_minutes, cooldownMinutes: r.cooldown_minutes, channel: r.channel, active: r.active, params,
    state: r.state === 'firing' ? 'firing' : 'ok', lastValue: r.last_value, lastFiredAt: r.last_fired_at, lastEvaluatedAt: r.last_evaluated_at,
    mutedUntil: muted && !Number.isNaN(muted.getTime()) ? muted : null, updatedAt: r.updated_at,
  };
}

export async function listRules(db: Db, f: { activeOnly?: boolean } = {}): Promise<AlertRule[]> {
  const { rows } = await db.query<RuleRow>(`SELECT ${RULE_COLS} FROM alert_rules ${f.activeOnly ? 'WHERE active' : ''} ORDER BY name`);
  return rows.map(toRule);
}

export async function findRule(db: Db, by: { id?: number; name?: string }, lock = false): Promise<AlertRule | undefined> {
  const { rows } = await db.query<RuleRow>(
    `SELECT ${RULE_COLS} FROM alert_rules WHERE ($1::int IS NOT NULL AND id = $1) OR ($2::text IS NOT NULL AND name = $2) ${lock ? 'FOR UPDATE' : ''}`,
    [by.id ?? null, by.name ?? null],
  );
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
export async function createRule(db: Db, r: NewRule): Promise<AlertRule | undefined> {
  const { rows } = await db.query<RuleRow>(
    `INSERT INTO alert_rules (name, metric, comparison, threshold, window_minutes, cooldown_minutes, channel, params, active, updated_at)
     VALUES ($1, $2, $3::"AlertComparison", $4, $5, $6, $7, $8, $9, now())
     ON CONFLICT (name) DO NOTHING RETURNING ${RULE_COLS}`,
    [r.name, r.metric, r.comparison, r.threshold, r.windowMinutes, r.cooldownMinutes, r.channel, JSON.stringify(r.params ?? {}), r.active ?? true],
  );
  return rows[0] ? toRule(rows[0]) : undefined;
}

export type RulePatch = Partial<Omit<NewRule, 'name'>> & { name?: string };

/** undefined when there is no such rule; throws a unique violation (23505) for a taken name. */
export async function updateRule(db: Db, id: number, p: RulePatch): Promise<AlertRule | undefined> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (col: string, v: unknown, cast = '') => {
    params.push(v);
    sets.push(`${col} = $${params.length}${cast}`);
  };
  if (p.name !== undefined) set('name', p.name);
  if (p.metric !== undefined) set('metric', p.metric);
  if (p.comparison !== undefined) set('comparison', p.comparison, '::"AlertComparison"');
  if (p.threshold !== undefined) set('threshold', p.threshold);
  if (p.windowMinutes !== undefined) set('window_minutes', p.windowMinutes);
  if (p.cooldownMinutes !== undefined) set('cooldown_minutes', p.cooldownMinutes);
  if (p.channel !== undefined) set('channel', p.channel);
  if (p.params !== undefined) set('params', JSON.stringify(p.params));
  if (p.active !== undefined) set('active', p.active);
  const { rows } = await db.query<RuleRow>(`UPDATE alert_rules SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${RULE_COLS}`, params);
  return rows[0] ? toRule(rows[0]) : undefined;
}

export async function deleteRule(db: Db, by: { id?: number; name?: string }): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM alert_rules WHERE ($1::int IS NOT NULL AND id = $1) OR ($2::text IS NOT NULL AND name = $2)`, [by.id ?? null, by.name ?? null]);
  return (rowCount ?? 0) > 0;
}

export async function muteRule(db: Db, name: string, until: Date | null): Promise<AlertRule | undefined> {
  const { rows } = await db.query<RuleRow>(
    `UPDATE alert_rules SET params = CASE WHEN $2::text IS NULL THEN params - 'mutedUntil' ELSE params || jsonb_build_object('mutedUntil', $2::text) END, updated_at = now()
      WHERE name = $1 RETURNING ${RULE_COLS}`,
    [name, until?.toISOString() ?? null],
  );
  return rows[0] ? toRule(rows[0]) : undefined;
}

/** Records an evaluation that changed nothing. */
export async function recordEvaluation(db: Db, id: number, value: number | null, at: Date): Promise<void> {
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

interface EventRow {
  id: number;
  rule_id: number;
  rule_name: string;
  kind: string;
  value: number;
  message: string;
  delivered: boolean;
  session_ids: number[];
  details: Record<string, unknown> | null;
  slack_ts: string | null;
  fired_at: Date;
}

const EVENT_SELECT = `SELECT e.id, e.rule_id, r.name AS rule_name, e.kind, e.value, e.message, e.delivered, e.session_ids, e.details, e.slack_ts, e.fired_at
  FROM alert_events e JOIN alert_rules r ON r.id = e.rule_id`;
const toEvent = (r: EventRow): AlertEvent => ({
  id: r.id, ruleId: r.rule_id, ruleName: r.rule_name, kind: r.kind === 'recovered' ? 'recovered' : 'fired', value: r.value, message: r.message,
  delivered: r.delivered, sessionIds: r.session_ids, details: r.details ?? {}, slackTs: r.slack_ts, firedAt: r.fired_at,
});

export async function findEvent(db: Db, id: number, lock = false): Promise<AlertEvent | undefined> {
  const { rows } = await db.query<EventRow>(`${EVENT_SELECT} WHERE e.id = $1 ${lock ? 'FOR UPDATE OF e' : ''}`, [id]);
  return rows[0] ? toEvent(rows[0]) : undefined;
}

export async function undeliveredEvents(db: Db): Promise<AlertEvent[]> {
  const { rows } = await db.query<EventRow>(`${EVENT_SELECT} WHERE NOT e.delivered ORDER BY e.id`);
  return rows.map(toEvent);
}

export async function listEvents(db: Db, f: { ruleId?: number; since?: Date; beforeId?: number; limit: number }): Promise<AlertEvent[]> {
  const { rows } = await db.query<EventRow>(
    `${EVENT_SELECT} WHERE ($1::int IS NULL OR e.rule_id = $1) AND ($2::timestamptz IS NULL OR e.fired_at >= $2) AND ($3::int IS NULL OR e.id < $3)
     ORDER BY e.id DESC LIMIT $4`,
    [f.ruleId ?? null, f.since ?? null, f.beforeId ?? null, f.limit],
  );
  return rows.map(toEvent);
}

/** Posting progress: the message's ts as soon as it exists (so a retry does not post it again), then delivered. */
export async function markEventPosted(db: Db, id: number, p: { slackTs?: string; delivered?: boolean; details?: Record<string, unknown> }): Promise<void> {
  await db.query(
    `UPDATE alert_events SET slack_ts = COALESCE($2, slack_ts), delivered = delivered OR $3, details = COALESCE(details, '{}'::jsonb) || $4::jsonb WHERE id = $1`,
    [id, p.slackTs ?? null, p.delivered ?? false, JSON.stringify(p.details ?? {})],
  );
}
