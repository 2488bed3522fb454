import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { supportStats } from '../src/db/read/support-stats.ts';
import { metricByKey } from '../src/db/semantic/value.ts';
import { histogramLines } from '../src/domain/classification-review.ts';
import type { DayRange } from '../src/domain/semantic/query.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { startQaSlack, type QaSlack } from './helpers/qa-slack.ts';

// Classification review (issue 20, point 10): `/qa queue lowconf` lists the unsure customer
// messages, `/qa stats` shows the confidence histogram, `/qa label` corrects a message's label
// from Slack. The correction is kept apart from the model's label, audited, and the topic counts
// measure (the catalogue's customerMessages by topic) takes it: checked against SQL written here.

const TZ = 'UTC';
const USERS = { qa: { slackId: 'U0LBQA', role: 'qa' }, agent: { slackId: 'U0LBAGENT', role: 'agent' } };
// the last 30 days up to TEST_NOW: the window /qa queue lowconf reads
const START = new Date(TEST_NOW.getTime() - 30 * 86_400_000);
const PERIOD: DayRange = { from: '2026-10-01', to: '2026-11-30', label: 'October and November 2026' };

let t: QaSlack;

/** customer messages by topic in PERIOD, the corrected label winning: independent SQL */
const topicCounts = async () =>
  new Map(
    (await t.rows<{ topic: string | null; n: number }>(
      `SELECT coalesce(l.label, m.classification) AS topic, count(*)::int AS n FROM messages m LEFT JOIN message_label_corrections l ON l.message_id = m.id
        WHERE m.sender_kind = 'customer' AND m.social_create_time >= '2026-10-01T00:00:00Z' AND m.social_create_time < '2026-12-01T00:00:00Z' GROUP BY 1`,
    )).map((r) => [r.topic ?? '', r.n]),
  );
const measure = () => metricByKey(t.db.pool, { measure: 'customerMessages', statistic: 'count', groupBy: 'topic', period: PERIOD }, TZ);
/** the topic mix App Home, digests and /api/stats show, for the same period */
const statsMix = async () => {
  const r = await supportStats(t.db.pool, { period: { label: PERIOD.label, from: PERIOD.from, to: PERIOD.to, granularity: 'range' }, timezone: TZ, sections: ['topics'], topN: 50 });
  return new Map(r.topics!.top.map((x) => [x.topic, x.count]));
};

beforeAll(async () => {
  t = await startQaSlack({ name: 'qalabels', timezone: TZ, channel: 'C0LABELS', users: USERS, conversations: 40 });
});
afterAll(async () => t?.close());
beforeEach(() => t.reset());

describe('classification review', () => {
  it('/qa queue lowconf lists the least sure customer messages of the last 30 days', async () => {
    const expected = await t.rows<{ id: number; c: number }>(
      `SELECT id, classification_confidence AS c FROM messages WHERE sender_kind = 'customer' AND classification_confidence < 0.9
          AND social_create_time >= $1 AND social_create_time < $2 ORDER BY classification_confidence, social_create_time DESC, id LIMIT 3`,
      [START, TEST_NOW],
    );
    expect(expected).toHaveLength(3);
    const [{ n }] = (await t.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE sender_kind = 'customer' AND classification_confidence < 0.9 AND social_create_time >= $1 AND social_create_time < $2`,
      [START, TEST_NOW],
    )) as [{ n: number }];
    const r = await t.answer((await t.qa('queue lowconf below 0.9 3', USERS.qa.slackId)).responseUrl);
    expect(r.body.text).toBe(`Unsure classifications: ${n}.`);
    const shown = [...JSON.stringify(r.body.blocks).matchAll(/\*Message (\d+)\*/g)].map((m) => Number(m[1]));
    expect(shown).toEqual(expected.map((e) => e.id));
    // an agent may not read customers' words
    expect(await t.textOf((await t.qa('queue lowconf', USERS.agent.slackId)).responseUrl)).toMatch(/^Sorry, conversation transcripts/);
  });

  it('/qa label corrects a label: kept apart, audited, the topic counts measure moves, the message leaves the unsure list', async () => {
    // an unsure complaint-free message with a label in the period, to be corrected to complaint
    const [m] = await t.rows<{ id: number; conversation_id: number; classification: string; classification_confidence: number }>(
      `SELECT id, conversation_id, classification, classification_confidence FROM messages
        WHERE sender_kind = 'customer' AND classification IS NOT NULL AND classification NOT IN ('complaint', 'first_contact', 'gratitude')
          AND social_create_time >= $1 AND social_create_time < $2 ORDER BY classification_confidence, id LIMIT 1`,
      [START, TEST_NOW],
    );
    const before = await measure();
    expect(before).toEqual(await topicCounts());
    const mixBefore = await statsMix();

    // refused: an agent (audited), an unknown label
    expect(await t.textOf((await t.qa(`label ${m!.id} complaint`, USERS.agent.slackId)).responseUrl)).toBe('Only QA reviewers, team leads and admins correct classifications. Nothing changed.');
    expect(await t.rows(`SELECT 1 FROM audit_logs WHERE action = 'qa.label.refused' AND target = $1`, [`message:${m!.id}`])).toHaveLength(1);
    expect(await t.textOf((await t.qa(`label ${m!.id} refund`, USERS.qa.slackId)).responseUrl)).toMatch(/^"refund" is not a label; the labels are price_inquiry, /);

    const text = await t.textOf((await t.qa(`label ${m!.id} complaints`, USERS.qa.slackId)).responseUrl);
    expect(text).toBe(`Message ${m!.id} is now labelled complaint (was ${m!.classification}; the model said ${m!.classification}). Topic counts use your label from now on.`);

    // the model's label is untouched; the correction is its own row, audited with from/to
    expect((await t.rows<{ classification: string }>(`SELECT classification FROM messages WHERE id = $1`, [m!.id]))[0]!.classification).toBe(m!.classification);
    expect(await t.rows(`SELECT label, model_label, model_confidence, corrected_by_id FROM message_label_corrections`)).toEqual([
      { label: 'complaint', model_label: m!.classification, model_confidence: m!.classification_confidence, corrected_by_id: t.userIds.qa },
    ]);
    const [a] = await t.rows<{ details: Record<string, unknown> }>(`SELECT details FROM audit_logs WHERE action = 'qa.label.corrected' AND target = $1`, [`message:${m!.id}`]);
    expect(a!.details).toMatchObject({ from: m!.classification, to: 'complaint', model: m!.classification, source: 'slack', role: 'qa' });

    // the measure: one fewer of the old label, one more complaint, as the SQL says
    const after = await measure();
    expect(after).toEqual(await topicCounts());
    expect(after.get(m!.classification)).toBe((before.get(m!.classification) ?? 0) - 1);
    expect(after.get('complaint')).toBe((before.get('complaint') ?? 0) + 1);
    // the topic mix of App Home, digests and /api/stats moves the same way (one definition)
    const mixAfter = await statsMix();
    expect(mixAfter.get(m!.classification)).toBe((mixBefore.get(m!.classification) ?? 0) - 1);
    expect(mixAfter.get('complaint')).toBe((mixBefore.get('complaint') ?? 0) + 1);
    // and the conversation's topics
    const [conv] = await t.rows<{ common_topics: string[] }>(`SELECT common_topics FROM conversations WHERE id = $1`, [m!.conversation_id]);
    expect(conv!.common_topics).toContain('complaint');

    // the same label again changes nothing; the corrected message is no longer listed as unsure
    expect(await t.textOf((await t.qa(`label ${m!.id} complaint`, USERS.qa.slackId)).responseUrl)).toBe(`Message ${m!.id} is labelled complaint already. Nothing changed.`);
    const listed = await t.answer((await t.qa(`queue lowconf below 1 15`, USERS.qa.slackId)).responseUrl);
    expect(JSON.stringify(listed.body.blocks)).not.toContain(`*Message ${m!.id}*`);
  });

  it('/qa stats shows the confidence histogram of the period\'s customer messages', async () => {
    const r = await t.answer((await t.qa('stats 2026-11-01 to 2026-11-24', USERS.qa.slackId)).responseUrl);
    const blocks = JSON.stringify(r.body.blocks);
    const buckets = await t.rows<{ b: number; n: number }>(
      `SELECT least(4, floor(classification_confidence * 5))::int AS b, count(*)::int AS n FROM messages
        WHERE sender_kind = 'customer' AND classification_confidence IS NOT NULL AND social_create_time >= '2026-11-01T00:00:00Z' AND social_create_time < '2026-11-25T00:00:00Z'
        GROUP BY 1 ORDER BY 1`,
    );
    const total = buckets.reduce((a, x) => a + x.n, 0);
    expect(total).toBeGreaterThan(0);
    // the corrected message was in the last 30 days; count the period's corrections independently too
    const [c] = await t.rows<{ n: number }>(`SELECT count(*)::int AS n FROM message_label_corrections l JOIN messages m ON m.id = l.message_id WHERE m.social_create_time >= '2026-11-01T00:00:00Z' AND m.social_create_time < '2026-11-25T00:00:00Z'`);
    expect(blocks).toContain(`*Classification confidence* (customer messages: ${total}; labels corrected by reviewers: ${c!.n})`);
    const counts = [0, 0, 0, 0, 0];
    for (const x of buckets) counts[x.b] = x.n;
    // the bars as the domain draws them, from the counts said here
    expect(blocks).toContain(JSON.stringify(histogramLines(counts).join('\n')).slice(1, -1));
  });
});
