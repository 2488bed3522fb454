// Posting an alert event to Slack, at most once: the message's ts is stored as soon as Slack
// returns it and the chart is marked once shared, so a retried post (crash, 5xx, another
// instance's evaluation) resumes where it stopped instead of repeating. One event is posted by
// one process at a time (advisory lock).
import type { types } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import { findEvent, findRule, markEventPosted, type AlertEvent, type AlertRule } from '../../db/alerts-repo.ts';
import { readMetric } from '../../db/alerts-metrics-repo.ts';
import { alertChart } from '../../domain/alerts-chart.ts';
import { chartSampleTimes } from '../../domain/alerts.ts';
import { renderPng } from '../../charts/render.ts';
import type { Logger } from '../../logger.ts';
import { postMessage } from '../../notify/slack.ts';
import { ChannelPacer } from '../digest/deliver.ts';

export const SHOW_SESSIONS_ACTION = 'alert_show_sessions';

export interface PostDeps {
  pool: pg.Pool;
  slack: WebClient;
  logger: Logger;
  timeZone: string;
  /** one message per second per channel, as Slack asks (429 Retry-After is WebClient's job) */
  pacer?: ChannelPacer;
}

const alertPacer = new ChannelPacer();

/** The event's message: what happened and, for a firing with sessions, the button listing them. */
export function eventBlocks(e: AlertEvent): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [
    { type: 'section', block_id: `alert_event:${e.id}`, text: { type: 'mrkdwn', text: e.message, verbatim: true } },
  ];
  if (e.kind === 'fired' && e.sessionIds.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: `alert_actions:${e.id}`,
      elements: [{ type: 'button', action_id: SHOW_SESSIONS_ACTION, text: { type: 'plain_text', text: `Show conversations (${e.sessionIds.length})` }, value: JSON.stringify({ eventId: e.id }) }],
    });
  }
  return blocks;
}

/** The metric over time for the chart: the same reading as the evaluation, at earlier instants. */
export async function alertChartPng(pool: pg.Pool, rule: AlertRule, at: Date, timeZone: string): Promise<Buffer> {
  const points = [];
  for (const t of chartSampleTimes(at, rule.windowMinutes)) points.push({ at: t, value: (await readMetric(pool, rule, t, timeZone)).value });
  return renderPng(alertChart({ ruleName: rule.name, metric: rule.metric, threshold: rule.threshold, points, timezone: timeZone }));
}

/**
 * Posts one event (and, for a firing, its chart in the thread); 'already' when it was posted
 * before, 'busy' when another process is posting it right now (it will finish the job).
 */
export async function postEvent(deps: PostDeps, eventId: number): Promise<'posted' | 'already' | 'busy' | 'gone'> {
  const client = await deps.pool.connect();
  // a session-level advisory lock, not a row lock: progress (slack_ts) is written as it happens,
  // from any connection, and must survive a failure later in the post
  const key = `alert_event:${eventId}`;
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
    if (!rows[0]?.ok) return 'busy';
    try {
      return await postLocked(deps, eventId);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

async function postLocked(deps: PostDeps, eventId: number): Promise<'posted' | 'already' | 'gone'> {
  const e = await findEvent(deps.pool, eventId);
  if (!e) return 'gone';
  if (e.delivered) return 'already';
  const rule = await findRule(deps.pool, { id: e.ruleId });
  if (!rule) return 'gone';
  let ts = e.slackTs;
  const pacer = deps.pacer ?? alertPacer;
  if (!ts) {
    await pacer.wait(rule.channel);
    const res = await postMessage(deps.slack.chat, { channel: rule.channel, text: e.message.replace(/\*/g, ''), blocks: eventBlocks(e), unfurl_links: false }, deps.logger);
    ts = res.ts ?? null;
    if (!ts) throw new Error('chat.postMessage returned no ts');
    await markEventPosted(deps.pool, e.id, { slackTs: ts });
  }
  if (e.kind === 'fired' && e.details.chartPosted !== true) {
    const png = await alertChartPng(deps.pool, rule, e.firedAt, deps.timeZone);
    await pacer.wait(rule.channel);
    await deps.slack.filesUploadV2({
      channel_id: rule.channel,
      thread_ts: ts,
      file_uploads: [{ file: png, filename: `alert-${rule.name}-${e.id}.png`, title: `${rule.name}: ${rule.metric} over time`, alt_text: `${rule.metric} over time` }],
    });
    await markEventPosted(deps.pool, e.id, { details: { chartPosted: true } });
  }
  await markEventPosted(deps.pool, e.id, { delivered: true });
  deps.logger.info({ component: 'alerts', event: e.id, rule: rule.name, kind: e.kind }, 'alert posted');
  return 'posted';
}
