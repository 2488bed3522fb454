import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssistantReply } from '../src/agents/assistant/assistant.ts';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { DEFAULT_SCALE } from '../src/charts/render.ts';
import { createSubscription, findSubscription } from '../src/db/digest-repo.ts';
import { REPORT_WIDTH } from '../src/domain/charts/library.ts';
import { cronFor, digestPeriod } from '../src/domain/digest-schedule.ts';
import { buildDigest, type BuiltDigest } from '../src/jobs/digest/build.ts';
import { ChannelPacer, deliveryKey, partKey } from '../src/jobs/digest/deliver.ts';
import { digestTaskProvider, runDigestTick } from '../src/jobs/digest/tasks.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { decodePng, isPng, offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN } from './helpers/slack-harness.ts';
import { startFakeEmail } from './helpers/fake-email.ts';
import { httpEmailProvider } from '../src/notify/email.ts';
import { digestCsv, digestEmail } from '../src/jobs/digest/email.ts';
import { explainDigest } from '../src/jobs/digest/explain.ts';
import { loadConfig } from '../src/config.ts';
import { templateExplanation } from '../src/domain/digest.ts';
import { reply, startFakeOpenAI } from './helpers/fake-openai.ts';

// Digests end to end on a seeded, analysed database: the figures equal the offline assistant's
// answers for the same period, `pulse digest --preview` writes the Block Kit and the PNGs, and a
// scheduled tick delivered twice (one after the other, or at once) posts once.

// Mon 23 Nov 2026 09:00 in Berlin: a weekly digest posted then covers Mon 16 – Sun 22 Nov, which
// is "last week" for an assistant asked at that moment.
const AT = new Date('2026-11-23T08:00:00Z');
const TZ = 'Europe/Berlin';
const LAST_WEEK = { from: '2026-11-16', to: '2026-11-22' };
const CHANNEL = 'C0DIGEST1';

let db: TestDatabase;
let opened: OpenAssistant;
let fake: FakeSlack;
let weekly: BuiltDigest;
const config = offlineConfig(TZ);
const logger = createLogger('silent');

const ask = (key: string, q: string) => opened.assistant.ask({ channel: 'test', threadKey: key }, q);
function result(reply: AssistantReply, tool: string): Record<string, unknown> {
  const c = reply.toolCalls.find((x) => x.name === tool);
  expect(c, `${tool} in ${reply.toolCalls.map((x) => x.name).join(',')}`).toBeDefined();
  expect(c!.error).toBeUndefined();
  return c!.result as Record<string, unknown>;
}

beforeAll(async () => {
  db = await createTestDatabase('digest');
  await seedAndAnalyse(db.url, { conversations: 250, now: AT, timeZone: TZ });
  opened = await openAssistant(config, db.url, { now: () => AT, pool: db.pool });
  fake = await startFakeSlack({ token: BOT_TOKEN });
  weekly = await buildDigest({ pool: db.pool, config, logger }, { frequency: 'weekly', period: digestPeriod('weekly', AT, TZ), timezone: TZ });
}, 240_000);
afterAll(async () => {
  await opened?.close();
  await fake?.close();
  await db?.drop();
});

describe('the digest says what the assistant says', () => {
  it('covers last week', () => {
    expect(weekly.data.period).toMatchObject(LAST_WEEK);
    expect(weekly.data.csi.previous).toMatchObject({ from: '2026-11-09', to: '2026-11-15' });
  });

  it('CSI and the CSI of the week before equal the assistant\'s metric_query answers', async () => {
    const reply = await ask('csi', 'What was the CSI last week?');
    const r = result(reply, 'metric_query') as { query: { period: { from: string; to: string } }; rows: { value: number; base: number; display: string }[] };
    expect(r.query.period).toMatchObject(LAST_WEEK);
    expect(r.rows[0]!.base).toBeGreaterThan(20);
    expect(weekly.data.csi.current.csi).toBeCloseTo(r.rows[0]!.value, 9);
    expect(weekly.digest.headline.csi).toBe(r.rows[0]!.display);
    expect(reply.text).toContain(weekly.digest.headline.csi);
    const cmp = result(await ask('csi-cmp', 'CSI last week compared with the week before'), 'metric_query') as { rows: { period: string; value: number }[] };
    expect(weekly.data.csi.previousValues.csi).toBeCloseTo(cmp.rows.find((x) => x.period === 'previous')!.value, 9);
  });

  it('volumes and first response percentiles equal the assistant\'s metric_query answers', async () => {
    const figure = async (q: string) => (result(await ask(q, q), 'metric_query') as { rows: { value: number; display: string }[] }).rows[0]!;
    expect(weekly.digest.headline.conversations).toBe((await figure('How many conversations did we have last week?')).display);
    expect(weekly.digest.headline.messages).toBe((await figure('How many messages last week?')).display);
    const rt = weekly.data.stats.responseTimes!;
    expect(rt.display.firstResponseP50).toBe((await figure('Median first response time per conversation-day last week')).display);
    expect(rt.display.firstResponseP90).toBe((await figure('p90 first response time per conversation-day last week')).display);

    // containment and the handoff rate are the catalogue's: the assistant's answers to the same question
    expect(weekly.data.stats.sessions?.display.botContainmentRate).toMatch(/^\d+\.\d%$/);
    expect(weekly.digest.headline.botContainment).toBe((await figure('What was the bot containment rate last week?')).display);
    expect(weekly.digest.headline.handoffRate).toBe((await figure('What was the handoff rate last week?')).display);
  });

  it('the QA backlog equals the answer to "How many sessions are waiting for QA?"', async () => {
    const r = result(await ask('qa', 'How many sessions are waiting for QA?'), 'qa_queue') as { waiting: number; display: { waiting: string } };
    expect(r.waiting).toBeGreaterThan(0);
    expect(weekly.digest.headline.qaWaiting).toBe(r.display.waiting);
  });

  it('the first-response histogram counts the same conversation-days the percentiles are over', () => {
    const n = weekly.data.firstResponseTimes.length;
    const days = (weekly.data.stats as { responseTimes?: { days: number } }).responseTimes!.days;
    expect(n).toBe(days);
  });

  it('has one to three charts, rendered, and buttons opening sample sessions in QA', () => {
    expect(weekly.digest.charts.length).toBeGreaterThanOrEqual(1);
    expect(weekly.digest.charts.length).toBeLessThanOrEqual(3);
    expect(weekly.pngs).toHaveLength(weekly.digest.charts.length);
    // drawn at the renderer's high-DPI scale: wider than the report plot alone at that scale
    for (const p of weekly.pngs) expect(decodePng(p).width).toBeGreaterThan(REPORT_WIDTH * DEFAULT_SCALE);
    const buttons = weekly.digest.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.length).toBeGreaterThanOrEqual(1);
    for (const b of buttons) {
      expect(b.action_id).toBe('qa_show');
      const v = JSON.parse(b.value) as { sessionId: number; version: number };
      expect(weekly.data.samples.map((s) => s.sessionId)).toContain(v.sessionId);
      expect(weekly.digest.explanation).toContain(`session ${v.sessionId}`);
    }
    expect(weekly.digest.text).toContain(`CSI ${weekly.digest.headline.csi}`);
  });
});

describe('the written explanation', () => {
  it('is the LLM\'s when a key is configured (figures only in the prompt), the template when the model fails', async () => {
    const llm = await startFakeOpenAI();
    try {
      const cfg = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseUrl, BUSINESS_TIMEZONE: TZ });
      const written = `CSI moved to ${weekly.digest.headline.csi} last week; look at session ${weekly.data.samples[0]!.sessionId} first.`;
      llm.enqueue(reply.content(written));
      expect(await explainDigest(weekly.data, cfg, logger)).toEqual({ text: written, source: 'llm' });
      const prompt = JSON.stringify(llm.requests[0]!.body.messages);
      expect(prompt).toContain(weekly.digest.headline.csi);
      expect(prompt).toContain(`session ${weekly.data.samples[0]!.sessionId}`);

      llm.reset();
      llm.setFallback(reply.serverError(500));
      expect(await explainDigest(weekly.data, cfg, logger)).toEqual({ text: templateExplanation(weekly.data), source: 'template' });
      expect(llm.requests.length).toBeGreaterThanOrEqual(1);
    } finally {
      await llm.close();
    }
  });
});

describe('pulse digest --preview', () => {
  it('writes Block Kit JSON and PNGs and prints the same headline numbers', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'digest-'));
    const root = path.resolve(import.meta.dirname, '..');
    const proc = spawn(process.execPath, ['bin/pulse.js', 'digest', '--preview', '--period', 'weekly', '--at', AT.toISOString(), '--out', out], {
      cwd: root, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', DATABASE_URL: db.url, BUSINESS_TIMEZONE: TZ, LOG_LEVEL: 'silent' }, timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => proc.on('close', r));
    expect(code, stderr).toBe(0);
    const json = JSON.parse(await readFile(path.join(out, 'digest-weekly.json'), 'utf8')) as { blocks: { type: string }[]; text: string };
    expect(json.blocks[0]!.type).toBe('header');
    expect(json.blocks).toEqual(JSON.parse(JSON.stringify(weekly.digest.blocks)));
    const pngs = (await readdir(out)).filter((f) => f.endsWith('.png'));
    expect(pngs.sort()).toEqual(weekly.digest.charts.map((c) => c.filename).sort());
    for (const f of pngs) expect(isPng(await readFile(path.join(out, f)))).toBe(true);
    expect(stdout).toContain(`CSI: ${weekly.digest.headline.csi} `);
    expect(stdout).toContain(`conversations: ${weekly.digest.headline.conversations}; messages: ${weekly.digest.headline.messages}`);
    expect(stdout).toContain(path.join(out, 'digest-weekly.json'));
  });
});

describe('scheduled delivery', () => {
  const slack = () => new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 2, minTimeout: 50, maxTimeout: 200 } });

  it('posts once per (subscription, scheduled time): retried and concurrent ticks do not repeat it', async () => {
    fake.reset();
    const sub = await createSubscription(db.pool, { channel: CHANNEL, cron: cronFor('daily', 9, 0), timezone: TZ, frequency: 'daily', sections: ['csi', 'pillars', 'volumes', 'qa'] });
    const opts = { pool: db.pool, slack: slack(), logger, config, pacer: new ChannelPacer(0) };
    // Slack rate-limits the first post: WebClient waits the Retry-After second and posts again
    fake.failNext('chat.postMessage', { retryAfter: 1 });
    expect(await runDigestTick(opts, sub, AT)).toBe('sent');
    expect(await runDigestTick(opts, sub, AT)).toBe('duplicate');
    const attempts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    const posts = attempts.filter((c) => c.ok);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe(CHANNEL);
    const shared = fake.calls.filter((c) => c.method === 'files.completeUploadExternal');
    expect(shared).toHaveLength(1);
    // the charts went into the digest's thread
    expect(shared[0]!.args.thread_ts).toBe((posts[0]!.response as { ts: string }).ts);
    expect(fake.uploadedFiles.filter((f) => f.bytes).length).toBeGreaterThanOrEqual(1);

    const later = new Date(AT.getTime() + 86_400_000);
    const outcomes = await Promise.all([runDigestTick(opts, sub, later), runDigestTick(opts, sub, later), runDigestTick(opts, sub, later)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'sent']);
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && c.ok)).toHaveLength(2);

    const logs = await db.pool.query<{ idempotency_key: string; status: string }>(
      `SELECT idempotency_key, status::text FROM notification_logs WHERE idempotency_key LIKE $1 ORDER BY id`, [`digest:${sub.id}:%`]);
    // one row per delivery under digest:% (what /metrics counts); the steps under their own prefix
    expect(logs.rows).toEqual([{ idempotency_key: deliveryKey(sub.id, AT), status: 'sent' }, { idempotency_key: deliveryKey(sub.id, later), status: 'sent' }]);
    const parts = await db.pool.query(`SELECT idempotency_key FROM notification_logs WHERE idempotency_key LIKE $1 ORDER BY id`, [`digest-part:${sub.id}:%`]);
    expect(parts.rows.map((r) => r.idempotency_key)).toEqual([partKey(sub.id, AT, 'message'), partKey(sub.id, AT, 'files'), partKey(sub.id, later, 'message'), partKey(sub.id, later, 'files')]);
    const after = await findSubscription(db.pool, sub.id);
    expect(after).toMatchObject({ lastStatus: 'sent', lastError: null });
  });

  it('a Slack failure after the message is retried without posting the message again', async () => {
    fake.reset();
    const sub = await createSubscription(db.pool, { channel: CHANNEL, cron: cronFor('weekly', 9, 0), timezone: TZ, frequency: 'weekly', sections: ['csi', 'qa'] });
    const opts = { pool: db.pool, slack: new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } }), logger, config, pacer: new ChannelPacer(0) };
    fake.failNext('files.completeUploadExternal', { error: 'internal_error', status: 200 });
    await expect(runDigestTick(opts, sub, AT)).rejects.toThrow();
    expect(await findSubscription(db.pool, sub.id)).toMatchObject({ lastStatus: 'failed' });
    const failed = await db.pool.query(`SELECT status::text, error FROM notification_logs WHERE idempotency_key LIKE $1`, [`${deliveryKey(sub.id, AT)}#failed-%`]);
    expect(failed.rows).toEqual([{ status: 'failed', error: expect.stringContaining('internal_error') }]);
    expect(await runDigestTick(opts, sub, AT)).toBe('sent');
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    const shared = fake.calls.filter((c) => c.method === 'files.completeUploadExternal' && c.ok);
    expect(shared).toHaveLength(1);
  });

  it('emails the same digest once to email_to, with the charts inline and the CSV attached', async () => {
    fake.reset();
    const mail = await startFakeEmail({ apiKey: 'k' });
    try {
      const sub = await createSubscription(db.pool, { channel: CHANNEL, cron: cronFor('monthly', 7, 0), timezone: TZ, frequency: 'monthly', sections: ['csi', 'volumes'], emailTo: ['lead@example.com'] });
      const email = httpEmailProvider({ apiUrl: mail.url, apiKey: 'k', from: 'pulse@example.com' });
      const opts = { pool: db.pool, slack: slack(), email, logger, config, pacer: new ChannelPacer(0) };
      expect(await runDigestTick(opts, sub, AT)).toBe('sent');
      expect(await runDigestTick(opts, sub, AT)).toBe('duplicate');
      expect(mail.emails).toHaveLength(1);
      expect(mail.emails[0]).toMatchObject({ to: ['lead@example.com'], subject: 'Monthly support digest · October 2026' });
      expect(mail.requests[0]!.headers['idempotency-key']).toBe(partKey(sub.id, AT, 'email'));
      // on the wire (Resend's shape): base64 content, content_id for the inline charts
      const sent = (mail.requests[0]!.body as { attachments?: { filename: string; content: string; content_type: string; content_id?: string }[] }).attachments ?? [];
      expect(sent.filter((a) => a.content_id).length).toBeGreaterThan(0);
      expect(sent.at(-1)).toMatchObject({ filename: 'digest.csv', content_type: 'text/csv' });
      expect(Buffer.from(sent.at(-1)!.content, 'base64').toString('utf8')).toContain('CSI,');
      const log = await db.pool.query(`SELECT channel::text, recipient FROM notification_logs WHERE idempotency_key = $1`, [partKey(sub.id, AT, 'email')]);
      expect(log.rows).toEqual([{ channel: 'email', recipient: 'lead@example.com' }]);
    } finally {
      await mail.close();
    }
    // the message itself: inline images referenced by cid, and the figures as CSV
    const m = digestEmail(weekly.digest, weekly.pngs, { to: ['x@example.com'] });
    const cids = [...m.html.matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1]);
    expect(cids).toHaveLength(weekly.pngs.length);
    expect(m.attachments.filter((a) => a.contentId).map((a) => a.contentId)).toEqual(cids);
    expect(m.attachments.at(-1)).toMatchObject({ filename: 'digest.csv', contentType: 'text/csv' });
    expect(digestCsv(weekly.digest)).toContain(`CSI,${weekly.digest.headline.csi}\r\n`);
  });

  it('the task provider gives one task per active subscription, versioned by updated_at', async () => {
    const provider = digestTaskProvider({ pool: db.pool, slack: slack(), logger, config });
    const tasks = await provider.tasks();
    const subs = await db.pool.query<{ id: number; cron_expression: string; updated_at: Date }>('SELECT id, cron_expression, updated_at FROM digest_subscriptions WHERE active ORDER BY id');
    expect(tasks.map((t) => t.key)).toEqual(subs.rows.map((s) => `digest:${s.id}`));
    expect(tasks[0]).toMatchObject({ cron: subs.rows[0]!.cron_expression, timezone: TZ, version: subs.rows[0]!.updated_at.toISOString() });
  });
});

describe('pacing', () => {
  it('spaces messages to one channel by the interval, other channels not', async () => {
    let t = 0;
    const slept: number[] = [];
    const pacer = new ChannelPacer(1000, () => t, async (ms) => void slept.push(ms));
    await Promise.all([pacer.wait('C1'), pacer.wait('C1'), pacer.wait('C2'), pacer.wait('C1')]);
    expect(slept).toEqual([1000, 2000]);
    t = 5000;
    await pacer.wait('C1');
    expect(slept).toEqual([1000, 2000]);
  });
});
