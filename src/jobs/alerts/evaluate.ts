// One alert evaluation (a scheduler tick): read each active rule's metric at the tick's time,
// let the domain decide (fire | recover | nothing), record the transition and its event in one
// transaction with the rule row locked, then post undelivered events. A tick evaluated twice
// (lease expiry, manual re-run) changes nothing the second time: the rule remembers the last
// tick it judged.
import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import { listRules, lockRule, recordEvaluation, recordTransition, undeliveredEvents, type AlertRule } from '../../db/alerts-repo.ts';
import { readMetric } from '../../db/alerts-metrics-repo.ts';
import { decideAlert, firedText, recoveredText } from '../../domain/alerts.ts';
import type { Logger } from '../../logger.ts';
import { countSlackError } from '../../observability/metrics.ts';
import type { ChannelPacer } from '../digest/deliver.ts';
import { postEvent } from './post.ts';

export interface AlertDeps {
  pool: pg.Pool;
  /** absent: events are recorded and posted once Slack is configured */
  slack?: WebClient;
  logger: Logger;
  /** business timezone: the days of day-based metrics, the chart's axis */
  timeZone: string;
  pacer?: ChannelPacer;
}

export interface EvaluationSummary {
  evaluated: number;
  fired: string[];
  recovered: string[];
  posted: number;
}

async function judge(deps: AlertDeps, rule: AlertRule, at: Date): Promise<'fired' | 'recovered' | undefined> {
  const reading = await readMetric(deps.pool, rule, at, deps.timeZone);
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    const locked = await lockRule(client, rule.id);
    // gone, switched off, or this tick (or a later one) already judged
    if (!locked || !locked.active || (locked.lastEvaluatedAt && locked.lastEvaluatedAt.getTime() >= at.getTime())) {
      await client.query('ROLLBACK');
      return undefined;
    }
    const d = decideAlert(locked, reading.value, at);
    if (d.action === 'none') {
      await recordEvaluation(client, locked.id, reading.value, at);
      await client.query('COMMIT');
      return undefined;
    }
    const value = reading.value!;
    await recordTransition(client, {
      ruleId: locked.id,
      kind: d.action === 'fire' ? 'fired' : 'recovered',
      value,
      message: d.action === 'fire' ? firedText(locked, value) : recoveredText(locked, value),
      sessionIds: d.action === 'fire' ? reading.sessionIds : [],
      details: { scheduledFor: at.toISOString(), threshold: locked.threshold, comparison: locked.comparison, windowMinutes: locked.windowMinutes },
      at,
    });
    await client.query('COMMIT');
    return d.action === 'fire' ? 'fired' : 'recovered';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export async function evaluateAlerts(deps: AlertDeps, at: Date): Promise<EvaluationSummary> {
  const log = deps.logger.child({ component: 'alerts', at: at.toISOString() });
  const summary: EvaluationSummary = { evaluated: 0, fired: [], recovered: [], posted: 0 };
  let failures = 0;
  for (const rule of await listRules(deps.pool, { activeOnly: true })) {
    try {
      const outcome = await judge(deps, rule, at);
      summary.evaluated++;
      if (outcome === 'fired') summary.fired.push(rule.name);
      if (outcome === 'recovered') summary.recovered.push(rule.name);
    } catch (err) {
      // one broken rule must not silence the others
      failures++;
      log.error({ err, rule: rule.name }, 'alert rule could not be evaluated');
    }
  }
  if (deps.slack) {
    for (const e of await undeliveredEvents(deps.pool)) {
      try {
        if ((await postEvent({ pool: deps.pool, slack: deps.slack, logger: deps.logger, timeZone: deps.timeZone, ...(deps.pacer ? { pacer: deps.pacer } : {}) }, e.id)) === 'posted') summary.posted++;
      } catch (err) {
        failures++;
        countSlackError('alerts', err);
        log.error({ err, event: e.id, rule: e.ruleName }, 'alert could not be posted (retried at the next evaluation)');
      }
    }
  }
  if (summary.fired.length || summary.recovered.length) log.info(summary, 'alerts evaluated');
  if (failures) throw new Error(`${failures} alert rule(s) or post(s) failed; see the log`);
  return summary;
}
