import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations } from '../src/db/seed/generate.ts';
import { hasData, seedDemoData, type SeedOptions, type SeedSummary } from '../src/db/seed/load.ts';
import { ts } from '../src/db/seed/rows.ts';
import { DEFAULT_TEMPLATES } from '../src/domain/customer/templates.ts';
import { TOPIC_LABELS } from '../src/domain/topics.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The demo dataset on real PostgreSQL: deterministic, internally consistent, and shaped like
// real support traffic. A non-UTC timezone checks that hours and weekdays are local ones.

const NOW = new Date('2026-11-22T15:30:00Z');
const TIMEZONE = 'Europe/Berlin';
const OPTIONS: SeedOptions = { conversations: 200, seed: 7, now: NOW, timezone: TIMEZONE };

let a: TestDatabase;
let b: TestDatabase;
let other: TestDatabase;
let summary: SeedSummary;
const progress: number[] = [];

async function rows<T = Record<string, unknown>>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(sql, params)).rows as T[];
}

async function one<T = Record<string, unknown>>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await rows<T>(db, sql, params);
  return row!;
}

const count = async (db: TestDatabase, sql: string, params: unknown[] = []) =>
  Number((await one<{ n: string }>(db, sql, params)).n);

beforeAll(async () => {
  [a, b, other] = await Promise.all([createTestDatabase('seed_a'), createTestDatabase('seed_b'), createTestDatabase('seed_c')]);
  [summary] = await Promise.all([
    seedDemoData(a.url, { ...OPTIONS, onProgress: (p) => progress.push(p.messages) }),
    seedDemoData(b.url, OPTIONS),
    seedDemoData(other.url, { ...OPTIONS, seed: 8 }),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.drop(), b?.drop(), other?.drop()]);
});

describe('determinism', () => {
  const fingerprints: Record<string, string> = {
    messages: `SELECT md5(string_agg(concat_ws('|', id, conversation_id, mid, direction, sender_kind, text, attachments::text,
                 social_create_time, agent_info::text, classification, classification_confidence, processing_time_ms), E'\\n' ORDER BY id)) AS h FROM messages`,
    conversations: `SELECT md5(string_agg(concat_ws('|', id, fb_chat_id, page_id, customer_id, total_messages, customer_messages,
                      agent_messages, first_message_at, last_message_at, common_topics::text), E'\\n' ORDER BY id)) AS h FROM conversations`,
    sessions: `SELECT md5(string_agg(concat_ws('|', id, conversation_id, sequence, started_at, ended_at, message_count, ai_engaged,
                 completion_status, archive_status, qa_status, qa_notes, dev_feedback, qa_by_id, qa_at), E'\\n' ORDER BY id)) AS h FROM sessions`,
    qaEvents: `SELECT md5(string_agg(concat_ws('|', id, session_id, actor_id, from_status, to_status, notes, dev_feedback, created_at), E'\\n' ORDER BY id)) AS h FROM qa_events`,
  };

  it('the same seed and now give identical content', async () => {
    for (const [name, sql] of Object.entries(fingerprints)) {
      const [x, y] = await Promise.all([one<{ h: string }>(a, sql), one<{ h: string }>(b, sql)]);
      expect(x.h, name).not.toBeNull();
      expect(x.h, name).toBe(y.h);
    }
  });

  it('a different seed gives different content', async () => {
    const [x, y] = await Promise.all([one<{ h: string }>(a, fingerprints.messages!), one<{ h: string }>(other, fingerprints.messages!)]);
    expect(x.h).not.toBe(y.h);
  });
});

describe('generator', () => {
  it('streams: a prefix is the same however far the stream is read', () => {
    const take = (n: number) => {
      const out = [];
      const stream = generateConversations({ seed: 3, now: NOW, timezone: TIMEZONE });
      for (let i = 0; i < n; i++) out.push(stream.next().value);
      return out;
    };
    const long = take(60);
    expect(take(30)).toEqual(long.slice(0, 30));
    expect(new Set(long.flatMap((c) => c.messages.map((m) => m.mid))).size).toBe(long.reduce((n, c) => n + c.messages.length, 0));
  });

  it('formats COPY timestamps exactly', () => {
    for (const ms of [0, 951_782_400_000, 1_793_460_559_202, NOW.getTime() - 1, 4_102_444_799_999]) {
      expect(ts(ms)).toBe(new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00'));
    }
  });
});

describe('counts and counters', () => {
  it('the summary matches the tables', async () => {
    const tables: [keyof SeedSummary, string][] = [
      ['pages', 'pages'], ['customers', 'customers'], ['conversations', 'conversations'], ['messages', 'messages'],
      ['sessions', 'sessions'], ['users', 'users'], ['qaEvents', 'qa_events'], ['templates', 'message_templates'], ['errorLogs', 'error_logs'],
    ];
    for (const [key, table] of tables) expect(await count(a, `SELECT count(*) AS n FROM ${table}`), table).toBe(summary[key]);
    expect(summary.conversations).toBe(200);
    expect(summary.messages).toBeGreaterThan(1500);
    expect(progress.at(-1)).toBe(summary.messages);
  });

  it('conversation counters agree with the messages', async () => {
    const bad = await count(a, `
      SELECT count(*) AS n FROM conversations c
      LEFT JOIN (SELECT conversation_id, count(*) AS total,
                        count(*) FILTER (WHERE direction = 'to_company') AS customer,
                        count(*) FILTER (WHERE direction = 'to_client') AS agent,
                        min(social_create_time) AS first, max(social_create_time) AS last
                   FROM messages GROUP BY conversation_id) m ON m.conversation_id = c.id
      WHERE m.conversation_id IS NULL OR c.total_messages <> m.total OR c.customer_messages <> m.customer
         OR c.agent_messages <> m.agent OR c.first_message_at <> m.first OR c.last_message_at <> m.last`);
    expect(bad).toBe(0);
  });

  it('page counters agree with conversations and messages', async () => {
    const pages = await rows<{ conversation_count: number; message_count: number; c: string; m: string }>(a, `
      SELECT p.conversation_count, p.message_count,
             (SELECT count(*) FROM conversations c WHERE c.page_id = p.id) AS c,
             (SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.page_id = p.id) AS m
        FROM pages p`);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.length).toBeLessThanOrEqual(3);
    for (const p of pages) {
      expect(p.conversation_count).toBe(Number(p.c));
      expect(p.message_count).toBe(Number(p.m));
      expect(p.conversation_count).toBeGreaterThan(0);
    }
  });

  it('serial sequences continue after the seeded ids', async () => {
    const r = await one<{ id: number }>(a, `SELECT nextval(pg_get_serial_sequence('messages', 'id'))::int AS id`);
    const max = await one<{ max: number }>(a, 'SELECT max(id) AS max FROM messages');
    expect(r.id).toBe(max.max + 1);
  });
});

describe('shape of the data', () => {
  it('spans about 90 days ending at now', async () => {
    const r = await one<{ first: Date; last: Date }>(a, 'SELECT min(social_create_time) AS first, max(social_create_time) AS last FROM messages');
    const day = 86_400_000;
    expect(r.last.getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(r.last.getTime()).toBeGreaterThan(NOW.getTime() - 2 * day);
    expect(r.first.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 90 * day);
    expect(r.first.getTime()).toBeLessThan(NOW.getTime() - 85 * day);
  });

  it('has customers, unique chat ids and mids, and topics in the customer agent\'s labels', async () => {
    expect(await count(a, 'SELECT count(*) AS n FROM customers WHERE psid !~ $1', ['^[0-9]{15,}$'])).toBe(0);
    expect(await count(a, 'SELECT count(*) AS n FROM customers WHERE name IS NOT NULL')).toBeGreaterThan(150);
    expect(await count(a, 'SELECT count(*) AS n FROM conversations WHERE fb_chat_id !~ $1', ['^t_[a-z]+_[0-9]+$'])).toBe(0);
    expect(await count(a, 'SELECT count(*) AS n FROM messages WHERE mid !~ $1', ['^m_[0-9a-z]+$'])).toBe(0);
    const topics = await rows<{ t: string }>(a, 'SELECT DISTINCT jsonb_array_elements_text(common_topics) AS t FROM conversations');
    // One label set for demo, live and imported data (src/domain/topics.ts).
    expect(topics.map((r) => r.t).sort()).toEqual(
      ['availability_check', 'complaint', 'general_inquiry', 'human_request', 'price_inquiry', 'returns', 'shipping'],
    );
    // A conversation's topics are its customer messages' labels by the pipeline's rule.
    const mismatched = await count(a, `SELECT count(*) AS n FROM conversations c WHERE c.common_topics IS DISTINCT FROM coalesce((
      SELECT jsonb_agg(l.label ORDER BY l.n DESC, l.label COLLATE "C") FROM (
        SELECT m.classification AS label, count(*) AS n FROM messages m
        WHERE m.conversation_id = c.id AND m.sender_kind = 'customer' AND m.classification NOT IN ('first_contact', 'gratitude')
        GROUP BY 1) l), '[]'::jsonb)`);
    expect(mismatched).toBe(0);
  });

  it('classifies customer messages with confidences in [0, 1]', async () => {
    const r = await one<{ unclassified: string; out_of_range: string; classified_replies: string }>(a, `
      SELECT count(*) FILTER (WHERE sender_kind = 'customer' AND classification IS NULL) AS unclassified,
             count(*) FILTER (WHERE classification_confidence < 0 OR classification_confidence > 1
                                 OR (classification IS NULL) <> (classification_confidence IS NULL)) AS out_of_range,
             count(*) FILTER (WHERE sender_kind <> 'customer' AND classification IS NOT NULL) AS classified_replies
        FROM messages`);
    expect(r).toEqual({ unclassified: '0', out_of_range: '0', classified_replies: '0' });
    const kinds = (await rows<{ c: string }>(a, 'SELECT DISTINCT classification AS c FROM messages WHERE classification IS NOT NULL')).map((x) => x.c);
    expect(kinds).toEqual(expect.arrayContaining([
      'price_inquiry', 'availability_check', 'general_inquiry', 'first_contact', 'complaint', 'human_request',
      'shipping', 'returns', 'gratitude',
    ]));
    expect(kinds.filter((k) => !(TOPIC_LABELS as readonly string[]).includes(k))).toEqual([]);
  });

  it('labels senders: directions, agent info, processing times, attachments', async () => {
    const r = await one<Record<string, string>>(a, `
      SELECT count(*) FILTER (WHERE (sender_kind = 'customer') <> (direction = 'to_company')) AS wrong_direction,
             count(*) FILTER (WHERE sender_kind = 'bot' AND (agent_info->>'id' <> 'bot' OR agent_info->>'name' IS NULL)) AS bad_bot,
             count(*) FILTER (WHERE sender_kind = 'human_agent' AND NOT EXISTS (
               SELECT 1 FROM users u WHERE u.external_id = agent_info->>'id' AND u.name = agent_info->>'name' AND u.role = 'agent')) AS bad_human,
             count(*) FILTER (WHERE sender_kind = 'customer' AND agent_info IS NOT NULL) AS customer_agent_info,
             count(*) FILTER (WHERE (sender_kind = 'bot') <> (processing_time_ms IS NOT NULL)) AS bad_processing,
             count(*) FILTER (WHERE attachments IS NOT NULL) AS with_attachments,
             count(*) FILTER (WHERE text IS NULL AND attachments IS NULL) AS empty
        FROM messages`);
    expect(r).toMatchObject({ wrong_direction: '0', bad_bot: '0', bad_human: '0', customer_agent_info: '0', bad_processing: '0', empty: '0' });
    expect(Number(r.with_attachments)).toBeGreaterThan(0);
  });

  it('bots answer much faster than humans', async () => {
    const r = await rows<{ sender_kind: string; median: number }>(a, `
      WITH gaps AS (
        SELECT sender_kind, direction, lag(direction) OVER w AS prev_direction,
               extract(epoch FROM social_create_time - lag(social_create_time) OVER w) AS gap
          FROM messages WINDOW w AS (PARTITION BY conversation_id ORDER BY social_create_time, id))
      SELECT sender_kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median
        FROM gaps WHERE direction = 'to_client' AND prev_direction = 'to_company' GROUP BY sender_kind`);
    const median = Object.fromEntries(r.map((x) => [x.sender_kind, x.median]));
    expect(median.bot).toBeLessThan(15);
    expect(median.human_agent).toBeGreaterThan(120);
    expect(median.human_agent! / median.bot!).toBeGreaterThan(20);
  });

  it('has business-hour peaks and some night and weekend traffic (local time)', async () => {
    const r = await one<Record<string, string>>(a, `
      SELECT count(*) FILTER (WHERE h BETWEEN 10 AND 17) AS business,
             count(*) FILTER (WHERE h < 6) AS night,
             count(*) FILTER (WHERE dow IN (0, 6)) AS weekend,
             count(*) AS total
        FROM (SELECT extract(hour FROM social_create_time AT TIME ZONE $1) AS h,
                     extract(dow FROM social_create_time AT TIME ZONE $1) AS dow
                FROM messages WHERE sender_kind = 'customer') x`, [TIMEZONE]);
    expect(Number(r.night)).toBeGreaterThan(0);
    expect(Number(r.weekend)).toBeGreaterThan(0);
    expect(Number(r.business)).toBeGreaterThan(4 * Number(r.night));
    expect(Number(r.weekend) / Number(r.total)).toBeLessThan(2 / 7); // weekends are quieter than weekdays
  });

  it('has resolved threads, unresolved ones that come back, and escalations to humans', async () => {
    const r = await one<Record<string, string>>(a, `
      SELECT (SELECT count(*) FROM sessions WHERE completion_status = 'complete') AS complete,
             (SELECT count(*) FROM sessions WHERE completion_status = 'incomplete') AS incomplete,
             (SELECT count(*) FROM messages WHERE classification = 'gratitude') AS thanks,
             (SELECT count(*) FROM messages WHERE classification = 'human_request') AS human_requests,
             (SELECT count(*) FROM sessions WHERE human_handoff) AS handoffs,
             (SELECT count(*) FROM sessions s WHERE s.sequence > 1 AND (
                SELECT m.classification FROM messages m WHERE m.conversation_id = s.conversation_id
                   AND m.social_create_time >= s.started_at AND m.sender_kind = 'customer'
                 ORDER BY m.social_create_time LIMIT 1) = 'complaint') AS comebacks`);
    for (const [k, v] of Object.entries(r)) expect(Number(v), k).toBeGreaterThan(0);
    const statuses = await rows<{ s: string }>(a, 'SELECT DISTINCT completion_status::text AS s FROM sessions');
    for (const s of statuses) expect(['complete', 'in_progress', 'incomplete']).toContain(s.s);
  });
});

describe('sessions', () => {
  it('are split by a 12 h inactivity gap and their counters match the messages', async () => {
    const derived = `
      WITH marked AS (
        SELECT conversation_id, social_create_time AS t, sender_kind, direction, classification,
               CASE WHEN lag(social_create_time) OVER w IS NULL
                      OR social_create_time - lag(social_create_time) OVER w > interval '12 hours' THEN 1 ELSE 0 END AS starts
          FROM messages WINDOW w AS (PARTITION BY conversation_id ORDER BY social_create_time, id)),
      numbered AS (
        SELECT *, sum(starts) OVER (PARTITION BY conversation_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS seq FROM marked)
      SELECT conversation_id, seq::int AS sequence, min(t) AS started_at, max(t) AS ended_at, count(*)::int AS message_count,
             count(*) FILTER (WHERE sender_kind = 'bot')::int AS ai_message_count,
             bool_or(sender_kind = 'bot') AS ai_engaged,
             bool_or(sender_kind = 'human_agent' OR classification = 'human_request') AS human_handoff
        FROM numbered GROUP BY conversation_id, seq`;
    const stored = `SELECT conversation_id, sequence, started_at, ended_at, message_count, ai_message_count, ai_engaged, human_handoff FROM sessions`;
    expect(await count(a, `SELECT count(*) AS n FROM ((${derived}) EXCEPT (${stored})) x`)).toBe(0);
    expect(await count(a, `SELECT count(*) AS n FROM ((${stored}) EXCEPT (${derived})) x`)).toBe(0);
    expect(await count(a, 'SELECT count(*) AS n FROM sessions WHERE sequence > 1')).toBeGreaterThan(0);
    const archive = (await rows<{ s: string }>(a, 'SELECT DISTINCT archive_status::text AS s FROM sessions ORDER BY 1')).map((x) => x.s);
    expect(archive).toEqual(['active', 'archived']);
  });
});

describe('QA workflow', () => {
  it('spreads AI sessions over all four QA states with notes and reviewers', async () => {
    const r = await rows<{ qa_status: string; n: string; notes: string; feedback: string; reviewed: string; ai: string }>(a, `
      SELECT qa_status, count(*) AS n, count(qa_notes) AS notes, count(dev_feedback) AS feedback,
             count(*) FILTER (WHERE qa_by_id IS NOT NULL AND qa_at IS NOT NULL) AS reviewed,
             count(*) FILTER (WHERE ai_engaged) AS ai
        FROM sessions GROUP BY qa_status`);
    const by = Object.fromEntries(r.map((x) => [x.qa_status, x]));
    expect(Object.keys(by).sort()).toEqual(['fixed', 'issue', 'passed', 'unchecked']);
    expect(Number(by.unchecked!.n)).toBeGreaterThan(Number(by.passed!.n));
    expect(by.unchecked!.reviewed).toBe('0');
    for (const s of ['passed', 'issue', 'fixed']) {
      expect(by[s]!.reviewed, s).toBe(by[s]!.n);
      expect(by[s]!.ai, s).toBe(by[s]!.n); // only AI conversations are reviewed
    }
    for (const s of ['issue', 'fixed']) {
      expect(by[s]!.notes, s).toBe(by[s]!.n);
      expect(by[s]!.feedback, s).toBe(by[s]!.n);
    }
  });

  it('records every transition in qa_events, ending at the session state', async () => {
    const bad = await count(a, `
      WITH e AS (
        SELECT session_id, from_status, to_status, actor_id, created_at,
               lag(to_status) OVER w AS prev_to, row_number() OVER w AS n, count(*) OVER (PARTITION BY session_id) AS total
          FROM qa_events WINDOW w AS (PARTITION BY session_id ORDER BY created_at, id))
      SELECT count(*) AS n FROM e JOIN sessions s ON s.id = e.session_id
       WHERE (e.n = 1 AND e.from_status <> 'unchecked')
          OR (e.n > 1 AND e.from_status <> e.prev_to)
          OR (e.n = e.total AND (e.to_status <> s.qa_status OR e.actor_id IS DISTINCT FROM s.qa_by_id OR e.created_at <> s.qa_at))
          OR e.created_at < s.ended_at OR e.created_at > $1`, [NOW]);
    expect(bad).toBe(0);
    expect(await count(a, `SELECT count(*) AS n FROM sessions s WHERE qa_status <> 'unchecked' AND NOT EXISTS (SELECT 1 FROM qa_events e WHERE e.session_id = s.id)`)).toBe(0);
    const fixes = await rows<{ path: string }>(a, `
      SELECT string_agg(e.from_status || '>' || e.to_status, ',' ORDER BY e.created_at) AS path
        FROM qa_events e JOIN sessions s ON s.id = e.session_id WHERE s.qa_status = 'fixed' GROUP BY e.session_id`);
    expect(fixes.length).toBeGreaterThan(0);
    for (const f of fixes) expect(f.path).toBe('unchecked>issue,issue>fixed');
    const offHours = await count(a, `
      SELECT count(*) AS n FROM (SELECT created_at AT TIME ZONE $1 AS local FROM qa_events) x
       WHERE extract(isodow FROM local) > 5 OR extract(hour FROM local) NOT BETWEEN 9 AND 19`, [TIMEZONE]);
    expect(offHours).toBe(0); // reviewers and developers work office hours
    const actors = await rows<{ role: string }>(a, 'SELECT DISTINCT u.role::text AS role FROM qa_events e JOIN users u ON u.id = e.actor_id ORDER BY 1');
    expect(actors.map((x) => x.role)).toEqual(['developer', 'qa']);
  });
});

describe('surrounding tables', () => {
  it('has users of every role, templates and error logs', async () => {
    const roles = await rows<{ role: string }>(a, `SELECT DISTINCT role::text AS role FROM users WHERE platform = 'slack' AND external_id ~ '^U0' ORDER BY 1`);
    expect(roles.map((r) => r.role)).toEqual(['admin', 'agent', 'developer', 'lead', 'qa']);
    // The demo's own templates all use variables; the customer agent's defaults (some plain) come on top.
    const t = await one<Record<string, string>>(a, `
      SELECT count(*) AS n, count(*) FILTER (WHERE cardinality(variables) > 0) AS with_vars,
             count(*) FILTER (WHERE success_count > usage_count) AS impossible, count(DISTINCT message_type) AS types
        FROM message_templates WHERE name <> ALL($1::text[])`, [DEFAULT_TEMPLATES.map((x) => x.name)]);
    const defaults = await one<{ n: string }>(a, 'SELECT count(*) AS n FROM message_templates WHERE name = ANY($1::text[])', [DEFAULT_TEMPLATES.map((x) => x.name)]);
    expect(Number(defaults.n)).toBe(DEFAULT_TEMPLATES.length);
    expect(Number(t.n)).toBeGreaterThan(0);
    expect(t.with_vars).toBe(t.n);
    expect(t.impossible).toBe('0');
    expect(Number(t.types)).toBeGreaterThanOrEqual(6);
    const e = await one<Record<string, string>>(a, `SELECT count(*) AS n, count(DISTINCT source) AS sources, count(*) FILTER (WHERE context IS NULL) AS no_context FROM error_logs`);
    expect(Number(e.n)).toBeGreaterThan(10);
    expect(Number(e.sources)).toBeGreaterThan(2);
    expect(e.no_context).toBe('0');
  });
});

describe('hasData and refusal', () => {
  it('reports an empty database, seeds it, then refuses to seed again', async () => {
    const db = await createTestDatabase('seed_d');
    try {
      expect(await hasData(db.pool)).toBe(false);
      const s = await seedDemoData(db.url, { conversations: 5, now: NOW, timezone: 'UTC' });
      expect(s.conversations).toBe(5);
      expect(await hasData(db.pool)).toBe(true);
      await expect(seedDemoData(db.url, { conversations: 5, now: NOW, timezone: 'UTC' })).rejects.toThrow(
        'the database already holds data; run `pulse db reset --yes` first',
      );
      expect(await count(db, 'SELECT count(*) AS n FROM conversations')).toBe(5);
    } finally {
      await db.drop();
    }
  });

  it('leaves the database empty when loading fails part-way', async () => {
    const db = await createTestDatabase('seed_e');
    try {
      await db.pool.query('ALTER TABLE messages ADD CONSTRAINT seed_test_limit CHECK (id < 500)');
      await expect(seedDemoData(db.url, { conversations: 100, now: NOW, timezone: 'UTC' })).rejects.toThrow(/seed_test_limit/);
      expect(await hasData(db.pool)).toBe(false);
      for (const table of ['customers', 'conversations', 'messages', 'sessions', 'qa_events', 'message_templates', 'error_logs']) {
        expect(await count(db, `SELECT count(*) AS n FROM ${table}`), table).toBe(0);
      }
    } finally {
      await db.drop();
    }
  });

  it('rejects bad options before writing anything', async () => {
    await expect(seedDemoData('postgresql://unused@127.0.0.1:1/x', { now: NOW, timezone: 'Mars/Olympus' })).rejects.toThrow(RangeError);
    await expect(seedDemoData('postgresql://unused@127.0.0.1:1/x', { now: new Date('nope'), timezone: 'UTC' })).rejects.toThrow(/now/);
  });
});
