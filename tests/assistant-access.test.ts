import { ToolMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssistantReply } from '../src/agents/assistant/assistant.ts';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { assistantTools, type ToolArtifact } from '../src/agents/assistant/tools.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';

// Who may ask what, enforced by the assistant's tools so every channel (Slack, Bot Framework,
// the terminal) answers the same: the caller travels in the LangChain run's
// configurable.caller from assistant.ask through createAgent's tool node into each tool.

const NOW = new Date('2026-11-19T23:30:00Z');
const TZ = 'Europe/Berlin';
const LAST_WEEK = { from: '2026-11-09', to: '2026-11-15' };

let db: TestDatabase;
let opened: OpenAssistant;
let conversationId: number;
/** the customer's own words in that conversation: none may reach a refused caller */
let transcript: string[];
let anyTexts: string[];

const as = (role: Role): Caller => ({ role, name: `test-${role}` });
let thread = 0;
const ask = (question: string, caller?: Caller) =>
  opened.assistant.ask({ channel: 'access-test', threadKey: `t${++thread}` }, question, caller ? { caller } : {});

/** Every text of the reply, the model's answer and what the channel would get (tool results, rows, SQL). */
const everything = (r: AssistantReply) => JSON.stringify(r);

function expectNothingLeaked(r: AssistantReply, texts: string[]): void {
  const all = everything(r);
  for (const t of texts) expect(all, `leaked ${JSON.stringify(t)}`).not.toContain(t);
}

function expectRefusal(r: AssistantReply, tool: string, role: string): void {
  expect(r.toolCalls.map((c) => c.name)).toEqual([tool]);
  const call = r.toolCalls[0]!;
  // refused before any statement ran
  expect(call.sql).toEqual([]);
  expect(call.rows).toBeUndefined();
  expect(call.error).toMatch(/^denied: /);
  expect(call.result).toMatchObject({ role, denied: expect.stringContaining('team leads, QA reviewers and admins') });
  // the offline model turns the reason into a polite answer with what to ask instead
  expect(r.text).toMatch(/^Sorry, I can't show you that: conversation transcripts and anything about a single customer are only shown to team leads, QA reviewers and admins; you are /);
  expect(r.text).toContain('You can still ask questions about the team as a whole');
  expect(r.text).toContain('• What was the CSI last week?');
}

beforeAll(async () => {
  db = await createTestDatabase('access');
  await seedAndAnalyse(db.url, { conversations: 150, now: NOW, timeZone: TZ });
  opened = await openAssistant(offlineConfig(TZ), db.url, { now: () => NOW, pool: db.pool });
  expect(opened.sqlUnavailable).toBeUndefined();
  const { rows } = await db.pool.query<{ conversation_id: number }>(
    `SELECT conversation_id FROM messages WHERE sender_kind = 'customer' AND length(text) > 20
      GROUP BY conversation_id ORDER BY count(*) DESC, conversation_id LIMIT 1`,
  );
  conversationId = rows[0]!.conversation_id;
  const texts = await db.pool.query<{ text: string }>(
    `SELECT text FROM messages WHERE conversation_id = $1 AND sender_kind = 'customer' AND length(text) > 20 ORDER BY id`,
    [conversationId],
  );
  transcript = texts.rows.map((r) => r.text);
  expect(transcript.length).toBeGreaterThan(0);
  const some = await db.pool.query<{ text: string }>(`SELECT text FROM messages WHERE length(text) > 20 ORDER BY id LIMIT 5`);
  anyTexts = some.rows.map((r) => r.text);
});
afterAll(async () => {
  await opened?.close();
  await db?.drop();
});

describe('transcripts and single-customer data', () => {
  it('an agent asking for a conversation is refused politely, and nothing of it is shown', async () => {
    const r = await ask(`Summarise conversation ${conversationId}`, as('agent'));
    expectRefusal(r, 'conversation_lookup', 'agent');
    expect(r.text).toContain('you are a support agent.');
    expectNothingLeaked(r, transcript);
  });

  it('a developer is refused too', async () => {
    const r = await ask(`Summarise conversation ${conversationId}`, as('developer'));
    expectRefusal(r, 'conversation_lookup', 'developer');
    expectNothingLeaked(r, transcript);
  });

  it("an agent's sql: query is refused before it reaches the database, and no rows come back", async () => {
    const r = await ask('sql: select text from analytics.messages where length(text) > 20 order by id limit 5', as('agent'));
    expectRefusal(r, 'sql_query', 'agent');
    expectNothingLeaked(r, anyTexts);
    // a harmless-looking aggregate is refused as well: the views carry message texts
    const count = await ask('sql: select count(*) from analytics.conversations', as('agent'));
    expectRefusal(count, 'sql_query', 'agent');
  });

  it.each(['lead', 'qa', 'admin'] as const)('a %s gets the conversation and the SQL rows', async (role) => {
    const r = await ask(`Summarise conversation ${conversationId}`, as(role));
    expect(r.toolCalls.map((c) => c.name)).toEqual(['conversation_lookup']);
    expect(r.toolCalls[0]!.error).toBeUndefined();
    expect(r.toolCalls[0]!.sql.length).toBeGreaterThan(0);
    expect(r.text).toMatch(new RegExp(`^Conversation ${conversationId} on `));
    // the transcript reached the channel (masked where it holds contact details)
    expect((r.toolCalls[0]!.result as { messages: unknown[] }).messages.length).toBeGreaterThan(0);

    const sql = await ask('sql: select text from analytics.messages where length(text) > 20 order by id limit 5', as(role));
    expect(sql.toolCalls[0]!.error).toBeUndefined();
    expect(sql.toolCalls[0]!.rows?.map((x) => x.text)).toEqual(anyTexts);
  });

  it('the terminal (no caller given) is the local operator, an admin', async () => {
    const r = await ask(`Summarise conversation ${conversationId}`);
    expect(r.toolCalls[0]!.error).toBeUndefined();
    expect(r.text).toMatch(new RegExp(`^Conversation ${conversationId} on `));
  });
});

describe('aggregate questions', () => {
  it.each(['agent', 'developer', 'qa', 'lead', 'admin'] as const)('the CSI question works for a %s', async (role) => {
    const { rows } = await db.pool.query<{ csi: number; n: number }>(
      'SELECT avg(csi) AS csi, count(*)::int AS n FROM daily_analyses WHERE csi IS NOT NULL AND day BETWEEN $1 AND $2',
      [LAST_WEEK.from, LAST_WEEK.to],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    const r = await ask('What was the CSI last week?', as(role));
    expect(r.toolCalls.map((c) => [c.name, c.error])).toEqual([['metric_query', undefined]]);
    expect(r.text).toMatch(new RegExp(`^Average CSI, last week .*: ${rows[0]!.csi.toFixed(1)}\\n[^]*Based on ${rows[0]!.n} conversation-days`));
  });

  it('QA backlog, volumes and response times are open to an agent', async () => {
    for (const q of ['How many sessions are waiting for QA?', 'Message volume last week', 'What is the first response time this week?']) {
      const r = await ask(q, as('agent'));
      expect(r.toolCalls.length, q).toBe(1);
      expect(r.toolCalls[0]!.error, q).toBeUndefined();
      expect(r.text, q).not.toMatch(/^Sorry/);
    }
  });
});

describe('the tools themselves', () => {
  const ctx = () => ({ pool: db.pool, timeZone: TZ, now: () => NOW });
  const invoke = async (tools: ReturnType<typeof assistantTools>, name: string, args: Record<string, unknown>, caller?: unknown) => {
    const t = tools.find((x) => x.name === name)!;
    const msg = (await t.invoke({ id: 'call_1', name, args, type: 'tool_call' }, caller === undefined ? {} : { configurable: { caller } })) as ToolMessage;
    expect(ToolMessage.isInstance(msg)).toBe(true);
    return { data: JSON.parse(String(msg.content)) as Record<string, unknown>, artifact: msg.artifact as ToolArtifact };
  };

  it('CSI of one conversation is single-customer data', async () => {
    const tools = assistantTools(ctx());
    const refused = await invoke(tools, 'csi_lookup', { conversation_id: conversationId, period: 'last 30 days' }, as('agent'));
    expect(refused.data.denied).toMatch(/only shown to team leads, QA reviewers and admins/);
    expect(refused.artifact).toMatchObject({ sql: [], denied: true });
    const allowed = await invoke(tools, 'csi_lookup', { conversation_id: conversationId, period: 'last 30 days' }, as('qa'));
    expect(allowed.data.denied).toBeUndefined();
    expect(allowed.artifact.sql.length).toBeGreaterThan(0);
  });

  it('a run without a caller, or with a malformed one, is shown the least', async () => {
    const tools = assistantTools(ctx());
    for (const caller of [undefined, { role: 'root' }, 'admin']) {
      const r = await invoke(tools, 'conversation_lookup', { conversation_id: conversationId }, caller);
      expect(r.data.denied, JSON.stringify(caller)).toMatch(/you are a support agent/);
      expect(r.artifact.sql).toEqual([]);
    }
    // aggregates stay open to it
    const csi = await invoke(tools, 'csi_lookup', { period: 'last week' });
    expect(csi.data.denied).toBeUndefined();
  });

  it('a workspace minimum role closes aggregate tools below it, with the reason', async () => {
    const tools = assistantTools({ ...ctx(), analyticsMinRole: 'qa' });
    for (const [name, args] of [['csi_lookup', { period: 'last week' }], ['support_stats', { period: 'last week' }], ['qa_queue', {}], ['worst_conversations', {}]] as const) {
      const refused = await invoke(tools, name, args, as('developer'));
      expect(refused.data.denied, name).toBe('this workspace limits analytics questions to team leads, QA reviewers and admins; you are a developer.');
      expect(refused.artifact.sql, name).toEqual([]);
      const allowed = await invoke(tools, name, args, as('qa'));
      expect(allowed.data.denied, name).toBeUndefined();
      expect(allowed.artifact.sql.length, name).toBeGreaterThan(0);
    }
  });
});
