import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { csiLookup } from '../src/db/read/csi-lookup.ts';
import { WORKING_TEXT } from '../src/bots/slack/ask-worker.ts';
import { loadConfig } from '../src/config.ts';
import { parsePeriod } from '../src/domain/periods.ts';
import { isPng, seedAndAnalyse } from './helpers/assistant.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { reply, startFakeOpenAI, type ChatMessage, type FakeOpenAI } from './helpers/fake-openai.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventBody, eventually, signed, startHarness, unacked, type Harness } from './helpers/slack-harness.ts';
import { gate, waitFor } from './helpers/wait.ts';

// Acceptance: a mention asking for the CSI trend, sent as a signed HTTP request to the listening
// server, is acknowledged by its listener while the model (a real ChatOpenAI against a fake
// OpenAI server) has not answered yet: the fake holds its answer until the test has seen the
// ack. Then the threaded answer carries the number csiLookup computes, and the chart arrives
// through the files upload v2 flow in the same thread.

const NOW = new Date('2026-11-20T12:00:00Z');
const TZ = 'UTC';

let db: TestDatabase;
let slackApi: FakeSlack;
let llm: FakeOpenAI;
let opened: OpenAssistant;
let h: Harness;
let base: string;

const lastToolResult = (messages: ChatMessage[]): Record<string, unknown> => {
  const tool = messages.findLast((m) => m.role === 'tool');
  return JSON.parse(String(tool?.content)) as Record<string, unknown>;
};

beforeAll(async () => {
  db = await createTestDatabase('slackllm');
  await seedAndAnalyse(db.url, { conversations: 120, now: NOW, timeZone: TZ });
  slackApi = await startFakeSlack({ token: BOT_TOKEN });
  llm = await startFakeOpenAI();
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slackApi.apiUrl, BUSINESS_TIMEZONE: TZ,
    OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseUrl,
  });
  opened = await openAssistant(config, db.url, { pool: db.pool, now: () => NOW });
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant: opened.assistant });
  await h.fastify.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.fastify.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await h?.close();
  await opened?.close();
  await llm?.close();
  await slackApi?.close();
  await db?.drop();
});

beforeEach(() => {
  slackApi.reset();
  llm.reset();
});

async function postEvent(body: string): Promise<{ status: number }> {
  const req = signed(body);
  const res = await fetch(`${base}/slack/events`, { method: 'POST', body: req.payload, headers: req.headers });
  await res.arrayBuffer();
  return { status: res.status };
}

describe('Slack with a slow model', () => {
  it('acks a CSI-trend mention before the model answers, then answers in the thread with the right number and a v2-uploaded chart', async () => {
    const model = gate();
    llm.enqueue(
      reply.held(model.promise, reply.toolCalls([{ name: 'csi_lookup', args: { period: 'last 30 days', group_by: 'day' } }])),
      (req) => {
        const r = lastToolResult(req.body.messages) as { groups: { key: string; csi: number | null }[] };
        return reply.toolCalls([{ name: 'chart', args: { kind: 'line', title: 'CSI, last 30 days', value_title: 'CSI', points: r.groups.map((g) => ({ x: g.key, y: g.csi })) } }]);
      },
      (req) => {
        const csiMsg = req.body.messages.findLast((m) => m.role === 'tool' && String(m.content).includes('"current"'));
        const r = JSON.parse(String(csiMsg?.content)) as { current: { display: { csi: string } }; period: { label: string } };
        return reply.content(`CSI over ${r.period.label}: ${r.current.display.csi} (${TZ}). Chart attached.`);
      },
    );
    const { body, eventId, ts } = eventBody({ text: 'Show the CSI trend for the last 30 days' });
    const ack = await postEvent(body);
    expect(ack.status).toBe(200);
    // answered by the listener (not the receiver's fallback) while the model's answer is held
    expect(unacked(h.lines)).toEqual([]);
    expect(model.released).toBe(false);

    const working = await slackApi.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT);
    expect(working.args).toMatchObject({ channel: 'C0ANALYTICS', thread_ts: ts });
    const workingTs = (working.response as { ts: string }).ts;
    // the model has been asked and has not answered: nothing but the working message yet
    await waitFor(() => llm.requests.length === 1, { what: 'the model to be asked' });
    expect(slackApi.callsTo('chat.update')).toHaveLength(0);
    model.release();
    const update = await slackApi.waitFor('chat.update', (c) => c.ok && c.args.ts === workingTs);

    const expected = await csiLookup(db.pool, { period: parsePeriod('last 30 days', NOW, TZ)!, groupBy: 'day', timezone: TZ });
    expect(expected.current.csi).not.toBeNull();
    expect(String(update.args.text)).toContain(`: ${expected.current.csi!.toFixed(1)} (${TZ})`);

    // files upload v2: reserve an upload URL, POST the bytes to it, complete into the thread
    const complete = await slackApi.waitFor('files.completeUploadExternal', (c) => c.ok);
    expect(complete.args).toMatchObject({ channel_id: 'C0ANALYTICS', thread_ts: ts });
    const order = slackApi.calls.map((c) => c.method).filter((m) => ['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal'].includes(m));
    expect(order).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    expect(slackApi.uploadedFiles).toHaveLength(1);
    const file = slackApi.uploadedFiles[0]!;
    expect(file).toMatchObject({ completed: true, threadTs: ts, title: 'CSI, last 30 days' });
    expect(isPng(file.bytes!)).toBe(true);
    expect(file.declaredLength).toBe(file.bytes!.length);

    const d = await eventually(async () => {
      const r = (await db.pool.query<{ state: string; files_uploaded: number; answer: Record<string, unknown> }>('SELECT state::text, files_uploaded, answer FROM slack_deliveries WHERE key = $1', [eventId])).rows[0];
      return r?.state === 'answered' ? r : undefined;
    }, 'the delivery answered');
    expect(d.files_uploaded).toBe(1);
    expect(d.answer.charts).toBeUndefined(); // chart bytes are not kept once uploaded
    expect(llm.requests).toHaveLength(3);
  });

  it('a model error becomes a friendly message in the thread and an error_logs row, not silence', async () => {
    llm.enqueue({ kind: 'status', status: 400, message: 'This model does not exist' });
    const { body, eventId } = eventBody({ text: 'What was the CSI last week?' });
    expect((await postEvent(body)).status).toBe(200);
    const working = await slackApi.waitFor('chat.postMessage', (c) => c.ok && c.args.text === WORKING_TEXT);
    const workingTs = (working.response as { ts: string }).ts;
    const update = await slackApi.waitFor('chat.update', (c) => c.ok && c.args.ts === workingTs);
    expect(String(update.args.text)).toMatch(/^Sorry, I could not answer that: something went wrong on my side/);
    expect(String(update.args.text)).not.toContain('does not exist');
    const logs = await eventually(async () => {
      const r = (await db.pool.query<{ message: string }>(`SELECT message FROM error_logs WHERE source = 'slack' AND context->>'key' = $1`, [eventId])).rows;
      return r.length > 0 ? r : undefined;
    }, 'the error_logs row');
    expect(logs).toHaveLength(1);
    expect(logs[0]!.message).toMatch(/^assistant: .*does not exist/);
  });
});
