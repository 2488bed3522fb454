import type { AddressInfo } from 'node:net';
import { openAssistant } from '../src/root/assistant.ts';
import { build } from '../src/app.ts';
import { startSlack } from '../src/bots/slack/app.ts';
import { WORKING_TEXT } from '../src/bots/slack/ask-worker.ts';
import { slackSignatureHeaders } from '../src/bots/slack/signature.ts';
import { loadConfig } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { createPool } from '../src/db/pool.ts';
import { createLogger } from '../src/logger.ts';
import { seedAndAnalyse } from '../tests/helpers/assistant.ts';
import { BOT, startFakeSlack } from '../tests/helpers/fake-slack.ts';
import { startTestQueue } from '../tests/helpers/root.ts';
import { intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';

// Slack's side of the service under load: signed app_mention events POSTed to /slack/events of
// the service's own HTTP app (build() + the Slack plugin + the durable ask queue and worker, the
// offline assistant, as server.ts composes them) at a fixed rate, open loop (a request is sent
// on schedule whether or not earlier ones were answered). Every `--retry-every`th request is a
// Slack retry (X-Slack-Retry-Num: 1) of an event sent shortly before. A fake Slack Web API
// records what the service posts.
//   npm run bench -- slack [--events N] [--rate R] [--retry-every K] [--conversations C] [--deadline S]
// Figures: ack latency p50/p99 (target p99 < 300 ms), duplicates (a second working message or
// answer for one event; must be 0), lost answers (an event not answered exactly once by the
// deadline; must be 0). Baseline, same run, same rate and count: GET /healthz on the same server.

const log = (msg: string) => process.stderr.write(`[bench:slack] ${msg}\n`);

const NOW = new Date('2026-11-22T12:00:00Z');
const TIMEZONE = 'UTC';
const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench';
const TARGET_P99_MS = 300;
const CHANNEL = 'C0BENCH01';
const QUESTIONS = [
  'What was the CSI last week?',
  'CSI by page this month',
  'Message volume last week',
  'How many sessions are waiting for QA?',
  'What is the first response time this week?',
];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

interface Sent {
  status: number;
  ms: number;
}

/** Fires `count` requests at `rate`/s on schedule, returns each one's status and latency. */
async function openLoop(count: number, rate: number, send: (i: number) => Promise<number>): Promise<Sent[]> {
  const started = performance.now();
  const pending: Promise<Sent>[] = [];
  for (let i = 0; i < count; i++) {
    await sleepUntil(started + (i * 1000) / rate);
    const t = performance.now();
    pending.push(send(i).then((status) => ({ status, ms: performance.now() - t }), () => ({ status: 0, ms: performance.now() - t })));
  }
  return Promise.all(pending);
}

export async function run(args: string[]): Promise<void> {
  const events = intArg(args, '--events', 1000);
  const rate = intArg(args, '--rate', 50);
  const retryEvery = intArg(args, '--retry-every', 10);
  const conversations = intArg(args, '--conversations', 300);
  const deadlineS = intArg(args, '--deadline', 300);

  await withThrowawayPostgres(log, async (url) => {
    log(`seeding and analysing ${conversations} conversations`);
    await seedAndAnalyse(url, { conversations, now: NOW, timeZone: TIMEZONE });
    const fake = await startFakeSlack({ token: TOKEN });
    const config = loadConfig({ SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TIMEZONE, LOG_LEVEL: 'warn' });
    // warnings and errors only, on stderr: the last stdout line stays the JSON
    const logger = createLogger('warn', process.stderr);
    const prisma = createPrisma(url);
    const pool = createPool(url, 5); // the server's pool size
    const opened = await openAssistant(config, url, { pool, now: () => NOW });
    const boss = await startTestQueue(url); // the one pg-boss service.ts would pass in
    const slack = await startSlack({ config, boss, pool, assistant: opened.assistant, logger });
    const app = await build({ prisma, logger, pool, plugins: slack.plugin ? [slack.plugin] : [] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      // warm-up: the first measured request should not pay for opening the connection
      const warm = await fetch(`${base}/healthz`);
      await warm.arrayBuffer();

      log(`baseline: ${events} GET /healthz at ${rate}/s`);
      const baseline = await openLoop(events, rate, async () => {
        const res = await fetch(`${base}/healthz`);
        await res.arrayBuffer();
        return res.status;
      });

      log(`sending ${events} signed app_mention requests at ${rate}/s (every ${retryEvery}th a retry)`);
      const distinct: { eventId: string; ts: string; body: string }[] = [];
      let retries = 0;
      const post = async (body: string, retryNum?: number) => {
        const ts = Math.floor(Date.now() / 1000);
        const res = await fetch(`${base}/slack/events`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            ...slackSignatureHeaders({ signingSecret: SECRET, timestamp: ts, rawBody: body }),
            ...(retryNum ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
          },
        });
        await res.arrayBuffer();
        return res.status;
      };
      const sendStarted = performance.now();
      const sent = await openLoop(events, rate, async (i) => {
        if ((i + 1) % retryEvery === 0 && distinct.length > 20) {
          retries++;
          return post(distinct[distinct.length - 20]!.body, 1);
        }
        const n = distinct.length;
        const ts = `${1764600000 + n}.${String(n).padStart(6, '0')}`;
        const eventId = `EvBENCH${String(n).padStart(6, '0')}`;
        const body = JSON.stringify({
          token: 'legacy', team_id: BOT.teamId, api_app_id: 'A0BENCH', type: 'event_callback', event_id: eventId, event_time: Math.floor(Date.now() / 1000),
          authorizations: [{ team_id: BOT.teamId, user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
          event: { type: 'app_mention', user: `U0BENCH${String(n % 40).padStart(3, '0')}`, text: `<@${BOT.userId}> ${QUESTIONS[n % QUESTIONS.length]}`, ts, channel: CHANNEL, event_ts: ts },
        });
        distinct.push({ eventId, ts, body });
        return post(body);
      });
      log(`sent in ${((performance.now() - sendStarted) / 1000).toFixed(1)} s; waiting for answers (deadline ${deadlineS} s)`);

      const deadline = performance.now() + deadlineS * 1000;
      let finished = 0;
      let lastLog = 0;
      while (performance.now() < deadline) {
        finished = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM slack_deliveries WHERE state IN ('answered', 'failed', 'refused')`)).rows[0]!.n;
        if (finished >= distinct.length) break;
        if (performance.now() - lastLog > 5000) {
          log(`answered ${finished}/${distinct.length}`);
          lastLog = performance.now();
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      const drainS = (performance.now() - sendStarted) / 1000;
      await new Promise((r) => setTimeout(r, 1000)); // anything late and duplicate would show up now

      // What Slack received, per question thread: exactly one working message and one answer.
      const workingByThread = new Map<string, string[]>();
      for (const c of fake.callsTo('chat.postMessage')) {
        if (!c.ok || c.args.text !== WORKING_TEXT) continue;
        const list = workingByThread.get(String(c.args.thread_ts)) ?? [];
        list.push((c.response as { ts: string }).ts);
        workingByThread.set(String(c.args.thread_ts), list);
      }
      const answersByTs = new Map<string, number>();
      for (const c of fake.callsTo('chat.update')) if (c.ok) answersByTs.set(String(c.args.ts), (answersByTs.get(String(c.args.ts)) ?? 0) + 1);
      let duplicates = 0;
      let lost = 0;
      for (const e of distinct) {
        const w = workingByThread.get(e.ts) ?? [];
        const answers = w.reduce((n, ts) => n + (answersByTs.get(ts) ?? 0), 0);
        duplicates += Math.max(0, w.length - 1) + Math.max(0, answers - 1);
        if (answers === 0) lost++;
      }
      const states = (await pool.query<{ state: string; n: number }>('SELECT state::text, count(*)::int AS n FROM slack_deliveries GROUP BY 1')).rows;
      const repeats = (await pool.query<{ n: number }>('SELECT coalesce(sum(repeats), 0)::int AS n FROM slack_deliveries')).rows[0]!.n;
      const failedAcks = sent.filter((s) => s.status !== 200).length;
      const ackMs = sent.map((s) => s.ms);
      const baseMs = baseline.map((s) => s.ms);
      log(`states ${JSON.stringify(Object.fromEntries(states.map((s) => [s.state, s.n])))}, repeats recorded ${repeats}, non-200 acks ${failedAcks}`);
      console.log(
        JSON.stringify({
          bench: 'slack',
          requests: events,
          distinct_events: distinct.length,
          retries,
          rate_per_s: rate,
          conversations,
          ack_p50_ms: round(quantile(ackMs, 0.5)),
          ack_p99_ms: round(quantile(ackMs, 0.99)),
          ack_max_ms: round(quantile(ackMs, 1)),
          target_p99_ms: TARGET_P99_MS,
          non_200_acks: failedAcks,
          duplicates,
          lost,
          answered: states.find((s) => s.state === 'answered')?.n ?? 0,
          repeats_recorded: repeats,
          all_answered_after_s: finished >= distinct.length ? round(drainS) : null,
          answers_per_s: round(distinct.length / drainS),
          baseline: `GET /healthz, same server, ${events} at ${rate}/s`,
          baseline_p50_ms: round(quantile(baseMs, 0.5)),
          baseline_p99_ms: round(quantile(baseMs, 0.99)),
          ratio_p99: round(quantile(ackMs, 0.99) / quantile(baseMs, 0.99)),
          peakRssMb: peakRssMb(),
        }),
      );
    } finally {
      await app.close();
      await slack.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await opened.close();
      await fake.close();
      await prisma.$disconnect();
      await pool.end();
    }
  });
}
