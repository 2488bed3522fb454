// Answers queued Slack questions (slack_deliveries rows) from the pg-boss queue 'slack-ask'.
//
// Delivery is at-least-once (a job is retried after an error, or after its worker died), so
// every step checks the row first and leaves a mark after it: the "Working on it…" message is
// posted only while working_ts is empty, the assistant is asked only while no answer is stored,
// charts are uploaded from files_uploaded on, and a delivery in a final state is left alone.
// chat.update of the working message is idempotent by nature (same ts, same content).

import { fitReply, postMessage, updateMessage } from '../../notify/slack.ts';
import type { App } from '@slack/bolt';
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Assistant, AssistantReply } from '../../agents/assistant/assistant.ts';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import {
  finishSlackDelivery,
  recordSlackError,
  saveAnswer,
  setFilesUploaded,
  setWorkingTs,
  startSlackAttempt,
  type SlackDelivery,
  type StoredAnswer,
} from '../../db/slack-deliveries-repo.ts';
import { analyticsDenial, mayAskAnalytics, type Caller, type Role } from '../../domain/access.ts';
import type { Logger } from '../../logger.ts';
import { countSlackError } from '../../observability/metrics.ts';
import { escapeSlackText, replyBlocks, replyFallbackText } from './format.ts';

export const SLACK_ASK_QUEUE = 'slack-ask';
export const SHOW_SQL_ACTION = 'show_sql';
export const WORKING_TEXT = 'Working on it…';

export const SLACK_ASK_QUEUE_OPTIONS = {
  name: SLACK_ASK_QUEUE,
  /** 5 attempts in all, 2 s, 4 s, 8 s, 16 s apart: a Slack outage of half a minute loses nothing */
  retryLimit: 4,
  retryDelay: 2,
  retryBackoff: true,
  /** a slow model may take a minute; after this the job is taken for abandoned and retried */
  expireInSeconds: 300,
};

export interface AskWorkerDeps {
  pool: pg.Pool;
  boss: PgBoss;
  client: App['client'];
  assistant: Assistant;
  config: Config;
  logger: Logger;
  callerOf(slackUserId: string): Promise<Caller>;
  /** pollers on the queue (questions answered at once) */
  concurrency?: number;
}

const HELP_TEXT =
  'Ask me about your support analytics, for example:\n' +
  '• What was the CSI last week?\n• Show the CSI trend for the last 30 days\n• CSI by page this month\n' +
  '• Top 5 topics in complaints this month\n• How many sessions are waiting for QA?';

/** Where the answer goes and which assistant thread it continues. */
export function answerTarget(d: Pick<SlackDelivery, 'team' | 'channel' | 'threadTs' | 'messageTs'>): { threadTs?: string; dm: boolean } {
  const dm = d.channel.startsWith('D');
  // In a channel the answer threads under the question; in a DM a top-level message gets a
  // top-level answer (the DM itself is the conversation), a message in a thread stays there.
  const threadTs = d.threadTs ?? (dm ? undefined : d.messageTs);
  return { ...(threadTs ? { threadTs } : {}), dm };
}

/**
 * A slash command (`/pulse ask`) has no message to thread under and the bot may not even be in
 * that channel: it is answered through the command's response_url, where its ack already said
 * "Working on it…". Mentions and DMs are answered with chat.postMessage / chat.update.
 */
export const viaResponseUrl = (d: Pick<SlackDelivery, 'responseUrl' | 'messageTs'>): boolean => Boolean(d.responseUrl) && !d.messageTs;

/** The assistant's memory key: the Slack thread, the whole DM, or (commands) the one question. */
export function threadKey(d: Pick<SlackDelivery, 'key' | 'team' | 'channel' | 'threadTs' | 'messageTs' | 'responseUrl'>, workingTs: string | undefined): string {
  const { threadTs, dm } = answerTarget(d);
  const base = `${d.team ?? ''}:${d.channel}`;
  if (threadTs) return `${base}:${threadTs}`;
  if (dm && !viaResponseUrl(d)) return base;
  return `${base}:${workingTs ?? d.key}`;
}

/** What the user reads when something broke; the details go to the log and error_logs. */
export function friendlyError(err: unknown, key: string): string {
  if (err instanceof AppError && err.code === 'QUESTION_TOO_LONG') return `Sorry, that question is too long for me (${escapeSlackText(err.detail ?? '')}). Could you shorten it?`;
  return `Sorry, I could not answer that: something went wrong on my side. It has been logged (reference \`${escapeSlackText(key)}\`); please try again in a minute.`;
}

/** The same words /csi and the App Home use (domain/access.ts). */
function refusalText(caller: Caller, minRole: Role): string {
  return `Sorry, ${analyticsDenial(caller.role, minRole)} An admin can change your role.`;
}

function storedAnswer(reply: AssistantReply): StoredAnswer {
  return {
    text: reply.text,
    model: reply.model,
    sqlCount: reply.toolCalls.reduce((n, c) => n + c.sql.length, 0),
    charts: reply.charts.map((c) => ({ title: c.title, pngBase64: c.png.toString('base64') })),
    chartCount: reply.charts.length,
  };
}

/** Every statement the answer's tools ran, for the "Show SQL" button. */
export function answerSql(reply: AssistantReply): string | undefined {
  const parts: string[] = [];
  for (const call of reply.toolCalls) {
    for (const s of call.sql) {
      const params = s.values.length > 0 ? `\n-- parameters: ${s.values.map((v, i) => `$${i + 1} = ${JSON.stringify(v)}`).join(', ')}` : '';
      parts.push(`-- ${call.name}\n${s.text.trim()}${params}`);
    }
  }
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** Period label of the answer, when a tool reported one (csi_lookup, support_stats, …). */
function periodLabel(reply: AssistantReply): string | undefined {
  for (const call of reply.toolCalls) {
    const r = call.result as { period?: { label?: unknown } } | undefined;
    if (r && typeof r === 'object' && typeof r.period?.label === 'string') return r.period.label;
  }
  return undefined;
}

class FinalError extends Error {}

/** How a delivery reaches Slack: the working message, answers, charts, refusals and errors. */
function slackOutput(deps: Omit<AskWorkerDeps, 'boss' | 'concurrency'>, log: Logger) {
  const { client, pool } = deps;

  /** POSTs to a command's response_url (Slack takes JSON there, no token). */
  async function respond(d: SlackDelivery, message: Record<string, unknown>): Promise<void> {
    const res = await fetch(d.responseUrl!, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(fitReply(message)) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  }

  async function say(d: SlackDelivery, workingTs: string | undefined, text: string): Promise<void> {
    const { threadTs } = answerTarget(d);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }];
    if (viaResponseUrl(d)) await respond(d, { response_type: 'ephemeral', replace_original: true, text, blocks });
    else if (workingTs) await updateMessage(client.chat, { channel: d.channel, ts: workingTs, text, blocks }, log);
    else await postMessage(client.chat, { channel: d.channel, text, blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }, log);
  }

  async function fail(d: SlackDelivery, workingTs: string | undefined, err: unknown, stage: string): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err));
    log.error({ err: error, key: d.key, channel: d.channel, stage }, `slack: question ${d.key} failed (${stage})`);
    await recordSlackError(pool, `${stage}: ${error.message}`, { key: d.key, channel: d.channel, user: d.user, stage });
    await finishSlackDelivery(pool, d.key, 'failed', `${stage}: ${error.message}`);
    try {
      await say(d, workingTs, friendlyError(error, d.key));
    } catch (sayErr) {
      log.error({ err: sayErr, key: d.key }, 'slack: could not tell the user about the failure either');
    }
  }

  /** Uploads chart i with the files upload v2 flow; for a command, a refusal by Slack is told, not retried. */
  async function uploadChart(d: SlackDelivery, chart: { title: string; pngBase64: string }, i: number, threadTs: string | undefined): Promise<void> {
    try {
      const file = { file: Buffer.from(chart.pngBase64, 'base64'), filename: `chart-${i + 1}.png`, title: chart.title, alt_text: chart.title };
      await client.filesUploadV2(threadTs ? { ...file, channel_id: d.channel, thread_ts: threadTs } : { ...file, channel_id: d.channel });
    } catch (err) {
      const platform = (err as { code?: string; data?: { error?: string } }).code === 'slack_webapi_platform_error';
      if (!viaResponseUrl(d) || !platform) throw err;
      // e.g. not_in_channel: the bot was never invited where the command was typed
      const why = (err as { data?: { error?: string } }).data?.error ?? 'error';
      countSlackError('ask', err);
      log.warn({ key: d.key, channel: d.channel, error: why }, 'slack: chart for a command could not be shared');
      await respond(d, {
        response_type: 'ephemeral', replace_original: false,
        text: `The chart "${escapeSlackText(chart.title)}" could not be attached here (Slack said \`${escapeSlackText(why)}\`). Invite the app to this channel, or mention it, to get charts.`,
      });
    }
  }

  async function deliver(d: SlackDelivery, workingTs: string | undefined, answer: StoredAnswer): Promise<void> {
    const { threadTs } = answerTarget(d);
    const reply = { text: answer.text, model: answer.model, charts: new Array(answer.chartCount).fill(null), toolCalls: answer.sqlCount > 0 ? [{ sql: [1] }] : [] };
    const blocks = replyBlocks(reply, {
      timezone: deps.config.businessTimezone,
      showSqlActionId: SHOW_SQL_ACTION,
      sqlAvailable: answer.sqlCount > 0,
      showSqlValue: d.key,
      ...(answer.periodLabel ? { periodLabel: answer.periodLabel } : {}),
    });
    const text = replyFallbackText(reply);
    if (viaResponseUrl(d)) await respond(d, { response_type: 'ephemeral', replace_original: true, text, blocks });
    else await updateMessage(client.chat, { channel: d.channel, ts: workingTs!, text, blocks }, log);
    const charts = answer.charts ?? [];
    for (let i = d.filesUploaded; i < charts.length; i++) {
      await uploadChart(d, charts[i]!, i, threadTs ?? workingTs);
      await setFilesUploaded(pool, d.key, i + 1);
    }
  }

  return { say, fail, deliver };
}

export function createAskHandler(deps: Omit<AskWorkerDeps, 'boss' | 'concurrency'>) {
  const log = deps.logger.child({ component: 'slack' });
  const { client, pool } = deps;
  const { say, fail, deliver } = slackOutput(deps, log);

  /** One attempt at one question; throws to have pg-boss retry (Slack errors), never for final outcomes. */
  return async function handle(key: string, final: boolean): Promise<void> {
    const d = await startSlackAttempt(pool, key);
    if (!d) return log.warn({ key }, 'slack: job for an unknown question ignored');
    if (d.state === 'answered' || d.state === 'refused' || d.state === 'failed') return;
    let workingTs = d.workingTs;
    try {
      const caller = await deps.callerOf(d.user);
      const minRole = deps.config.assistantMinRole;
      if (minRole && !mayAskAnalytics(caller.role, minRole)) {
        await say(d, workingTs, refusalText(caller, minRole));
        await finishSlackDelivery(pool, key, 'refused');
        log.info({ key, user: d.user, role: caller.role, minRole }, 'slack: question refused by role');
        return;
      }
      if (!workingTs && !viaResponseUrl(d)) {
        const { threadTs } = answerTarget(d);
        const res = await postMessage(client.chat, { channel: d.channel, text: WORKING_TEXT, ...(threadTs ? { thread_ts: threadTs } : {}) });
        if (!res.ts) throw new Error('chat.postMessage returned no ts');
        workingTs = res.ts;
        await setWorkingTs(pool, key, workingTs);
      }
      let answer = d.answer;
      if (!answer) {
        const question = d.text.trim();
        if (!question) {
          answer = { text: HELP_TEXT, model: deps.assistant.modelName, sqlCount: 0, chartCount: 0 };
        } else {
          let reply: AssistantReply;
          try {
            reply = await deps.assistant.ask({ channel: 'slack', threadKey: threadKey(d, workingTs) }, question, { caller });
          } catch (err) {
            throw new FinalError('assistant', { cause: err });
          }
          const label = periodLabel(reply);
          answer = { ...storedAnswer(reply), ...(label ? { periodLabel: label } : {}) };
          await saveAnswer(pool, key, answer, answerSql(reply));
        }
      }
      await deliver(d, workingTs, answer);
      await finishSlackDelivery(pool, key, 'answered');
      log.info({ key, channel: d.channel, attempts: d.attempts }, 'slack: question answered');
    } catch (err) {
      countSlackError('ask', err);
      if (err instanceof FinalError) return fail(d, workingTs, err.cause, err.message);
      if (final) return fail(d, workingTs, err, 'slack delivery');
      log.warn({ err, key, attempt: d.attempts }, 'slack: answering failed, will retry');
      throw err;
    }
  };
}

/** Starts `concurrency` pollers on the queue; returns a function that stops them. */
export async function startAskWorker(deps: AskWorkerDeps): Promise<() => Promise<void>> {
  const handle = createAskHandler(deps);
  const ids: string[] = [];
  for (let i = 0; i < (deps.concurrency ?? 4); i++) {
    const self: { id?: string } = {};
    self.id = await deps.boss.work<{ key: string }>(
      SLACK_ASK_QUEUE,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 },
      async ([job]) => {
        if (!job) return;
        try {
          await handle(job.data.key, job.retryCount >= job.retryLimit);
        } finally {
          // pg-boss waits a polling interval after each fetch; ask again at once while busy
          if (self.id) deps.boss.notifyWorker(self.id);
        }
      },
    );
    ids.push(self.id);
  }
  return async () => {
    for (const id of ids) await deps.boss.offWork({ id });
  };
}
