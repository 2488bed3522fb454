import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { CATEGORY_BLOCK, FIELD, NA, REVIEW_MODAL, ROOT_BLOCK } from '../src/bots/slack/qa-review-blocks.ts';
import { loadScorecard } from '../src/db/qa-scorecards-repo.ts';
import { metricByKey, metricValue } from '../src/db/semantic/value.ts';
import { rebuildSessions } from '../src/db/sessions-rebuild.ts';
import { saveReview } from '../src/db/qa-scorecards-repo.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { scoreReview } from '../src/domain/qa-scorecard.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { startQaSlack, type QaSlack } from './helpers/qa-slack.ts';
import { eventually, unacked } from './helpers/slack-harness.ts';

// Scorecard reviews (issue 20, point 1) end to end: `/qa review` opens the scorecard modal with
// the command's trigger_id, a submission is checked inside the ack and saved with its computed
// QA score, `/qa show` lists it; the REST routes; and the QA score measures of the catalogue move
// with a new review and equal SQL written independently over the base tables.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0REVIEW';
const USERS = { qa: 'U0SCQA1', lead: 'U0SCLEAD', agent: 'U0SCAGNT', admin: 'U0SCADMN' } as const;
const ROLE_OF: Record<keyof typeof USERS, string> = { qa: 'qa', lead: 'lead', agent: 'agent', admin: 'admin' };
const DAY = { from: '2026-11-25', to: '2026-11-25', label: '25 Nov 2026' };

let t: QaSlack;
let api: FastifyInstance;
const tokens = {} as Record<keyof typeof USERS, string>;
const rows = <T>(sql: string, params: unknown[] = []) => t.rows<T>(sql, params);
const qa = (text: string, user: string) => t.qa(text, user);
const waitResponse = (url: string) => t.answer(url);

type Values = Record<string, Record<string, unknown>>;

/** The scorecard modal submitted with these answers (null = N/A; absent = left empty). */
async function submitReview(user: string, view: { private_metadata: string }, answers: Record<string, number | null>, rootCauses: string[] = []) {
  const values: Values = {};
  for (const [key, v] of Object.entries(answers)) values[`${CATEGORY_BLOCK}${key}`] = { [FIELD]: { type: 'static_select', selected_option: { value: v === null ? NA : String(v) } } };
  values[ROOT_BLOCK] = { [FIELD]: { type: 'multi_static_select', selected_options: rootCauses.map((value) => ({ value })) } };
  return t.submit(user, REVIEW_MODAL, view.private_metadata, values);
}

/** AI sessions no review touches yet, oldest first */
const unreviewed = async (n: number) =>
  (await rows<{ id: number }>(`SELECT s.id FROM sessions s WHERE s.ai_engaged AND s.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id) ORDER BY s.started_at, s.id LIMIT $1`, [n])).map((r) => r.id);

/** The QA score of the day, written from the definition over the base tables (not the analytics views). */
const independentMean = async () =>
  (await rows<{ v: number | null }>(
    `SELECT avg(r.score)::float8 AS v FROM qa_reviews r JOIN sessions s ON s.id = r.session_id
      WHERE s.deleted_at IS NULL AND (r.created_at AT TIME ZONE $1)::date = DATE '2026-11-25'`,
    [TZ],
  ))[0]!.v;

beforeAll(async () => {
  const users = Object.fromEntries((Object.keys(USERS) as (keyof typeof USERS)[]).map((k) => [k, { slackId: USERS[k], role: ROLE_OF[k] }]));
  t = await startQaSlack({ name: 'qascore', timezone: TZ, channel: CHANNEL, users, conversations: 60 });
  for (const k of Object.keys(USERS) as (keyof typeof USERS)[]) {
    tokens[k] = (await createApiToken(t.db.pool, { user: { kind: 'slack', externalId: USERS[k] }, role: ROLE_OF[k] as 'qa' })).token;
  }
  api = await build({
    prisma: t.db.prisma, logger: createLogger('silent'), pool: t.db.pool,
    plugins: [apiRoutes({ pool: t.db.pool, timezone: TZ, now: () => TEST_NOW, rateLimit: { max: 10_000, exportMax: 10_000 } })],
  });
});

afterAll(async () => {
  await api?.close();
  await t?.close();
});

beforeEach(() => t.reset());

describe('the default scorecard and the demo data', () => {
  it('the migration seeds four categories (policy pass/fail and autofail) and root causes; the demo seed scores its reviewed sessions by the same rule', async () => {
    const card = await loadScorecard(t.db.pool);
    expect(card.categories.map((c) => [c.key, c.weight, c.scaleMax, c.allowNa, c.autofail])).toEqual([
      ['accuracy', 3, 4, false, false], ['tone', 1, 4, true, false], ['policy', 2, 1, true, true], ['resolution', 2, 4, true, false],
    ]);
    expect(card.rootCauses.length).toBeGreaterThan(3);
    const demo = await rows<{ id: number; score: number | null; autofailed: boolean; answers: Record<string, number | null> }>(
      `SELECT r.id, r.score, r.autofailed, json_object_agg(c.key, a.value) AS answers
         FROM qa_reviews r JOIN qa_review_answers a ON a.review_id = r.id JOIN qa_categories c ON c.id = a.category_id GROUP BY r.id`,
    );
    expect(demo.length).toBeGreaterThan(0);
    for (const r of demo) expect(scoreReview(card.categories, r.answers)).toMatchObject({ score: r.score, autofailed: r.autofailed });
  });
});

describe('/qa review', () => {
  it('opens the scorecard with the trigger_id; an incomplete submission is answered under its fields; a complete one is saved with its QA score, audited, shown by /qa show and moves the QA score measure', async () => {
    const [target] = await unreviewed(1);
    const before = await metricValue(t.db.pool, { measure: 'qaScore', period: DAY }, TZ);
    expect(before).toBeCloseTo((await independentMean())!, 9);

    const r = await qa(`review ${target}`, USERS.qa);
    expect(r.status).toBe(200);
    const opened = await t.fake.waitFor('views.open', (c) => c.args.trigger_id === r.triggerId);
    expect(unacked(t.h.lines)).toEqual([]);
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: { block_id?: string }[] };
    expect(view.callback_id).toBe(REVIEW_MODAL);
    expect(view.blocks.map((b) => b.block_id).filter((b) => b?.startsWith(CATEGORY_BLOCK))).toEqual(['accuracy', 'tone', 'policy', 'resolution'].map((k) => `${CATEGORY_BLOCK}${k}`));

    // accuracy cannot be N/A and resolution is missing: the modal stays open with both named
    const bad = await submitReview(USERS.qa, view, { accuracy: null, tone: 3, policy: 1 });
    expect(bad.body).toMatchObject({ response_action: 'errors' });
    expect(Object.keys((bad.body as { errors: object }).errors).sort()).toEqual([`${CATEGORY_BLOCK}accuracy`, `${CATEGORY_BLOCK}resolution`]);
    expect(await rows(`SELECT 1 FROM qa_reviews WHERE session_id = $1`, [target])).toEqual([]);

    const ok = await submitReview(USERS.qa, view, { accuracy: 2, tone: null, policy: 1, resolution: 4 }, ['knowledge_gap']);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({});
    const told = await waitResponse(r.responseUrl);
    // (3 × 50 + 2 × 100 + 2 × 100) / (3 + 2 + 2); tone N/A is out of the denominator
    const expected = (3 * 50 + 2 * 100 + 2 * 100) / 7;
    expect(String(told.body.text)).toBe(`Review saved for session ${target}: QA score ${expected.toFixed(1)}.`);
    const [saved] = await rows<{ score: number; autofailed: boolean; root_causes: string[]; version: number; reviewer: string }>(
      `SELECT r.score, r.autofailed, r.root_causes, r.version, u.external_id AS reviewer FROM qa_reviews r JOIN users u ON u.id = r.reviewer_id WHERE r.session_id = $1`, [target]);
    expect(saved).toMatchObject({ autofailed: false, root_causes: ['knowledge_gap'], version: 0, reviewer: USERS.qa });
    expect(saved!.score).toBeCloseTo(expected, 9);
    expect(await rows(`SELECT c.key, a.value, a.score FROM qa_review_answers a JOIN qa_categories c ON c.id = a.category_id JOIN qa_reviews r ON r.id = a.review_id
      WHERE r.session_id = $1 ORDER BY c.position`, [target])).toEqual([
      { key: 'accuracy', value: 2, score: 50 }, { key: 'tone', value: null, score: null }, { key: 'policy', value: 1, score: 100 }, { key: 'resolution', value: 4, score: 100 },
    ]);
    expect(await rows(`SELECT action FROM audit_logs WHERE target = $1 AND action LIKE 'qa.review%'`, [`session:${target}`])).toEqual([{ action: 'qa.review.created' }]);

    // the measure moved, and still equals the independent SQL
    const after = await metricValue(t.db.pool, { measure: 'qaScore', period: DAY }, TZ);
    expect(after).not.toBeCloseTo(before ?? -1, 6);
    expect(after).toBeCloseTo((await independentMean())!, 9);

    const show = await qa(`show ${target}`, USERS.lead);
    const shown = JSON.stringify((await waitResponse(show.responseUrl)).body.blocks);
    expect(shown).toContain('*Scorecard reviews*');
    expect(shown).toContain(`<@${USERS.qa}>: *QA score ${expected.toFixed(1)}* (Accuracy 2/4, Tone N/A, Policy 1/1, Resolution 4/4) · root causes: knowledge_gap`);
  });

  it('opening again carries the review version; a stale modal (the review changed since) is a conflict and saves nothing', async () => {
    const [target] = await unreviewed(1);
    const first = await qa(`review ${target}`, USERS.qa);
    const v1 = (await t.fake.waitFor('views.open', (c) => c.args.trigger_id === first.triggerId)).args.view as { private_metadata: string };
    await submitReview(USERS.qa, v1, { accuracy: 4, tone: 4, policy: 1, resolution: 4 });
    await waitResponse(first.responseUrl);
    // the same modal submitted again: it was opened when there was no review, and now there is one
    t.responses.length = 0;
    await submitReview(USERS.qa, v1, { accuracy: 0, tone: 0, policy: 0, resolution: 0 });
    const told = await eventually(async () => t.responses.find((x) => String(x.body.text).includes('was changed since you opened it')), 'the conflict');
    expect(String(told.body.text)).toMatch(/Nothing was saved\.$/);
    expect((await rows<{ score: number }>(`SELECT score FROM qa_reviews WHERE session_id = $1`, [target]))[0]!.score).toBe(100);
    // reopened: the answers are filled in and the autofail rule applies to the update
    const again = await qa(`review ${target}`, USERS.qa);
    const v2 = (await t.fake.waitFor('views.open', (c) => c.args.trigger_id === again.triggerId)).args.view as { private_metadata: string; blocks: { block_id?: string; element?: { initial_option?: { value: string } } }[] };
    expect(JSON.parse(v2.private_metadata)).toMatchObject({ sessionId: target, version: 0 });
    expect(v2.blocks.find((b) => b.block_id === `${CATEGORY_BLOCK}policy`)!.element!.initial_option).toMatchObject({ value: '1' });
    await submitReview(USERS.qa, v2, { accuracy: 4, tone: 4, policy: 0, resolution: 4 });
    expect(String((await waitResponse(again.responseUrl)).body.text)).toBe(`Review updated for session ${target}: QA score 0 (autofail).`);
    expect(await rows(`SELECT score, autofailed, version FROM qa_reviews WHERE session_id = $1`, [target])).toEqual([{ score: 0, autofailed: true, version: 1 }]);
  });

  it('a support agent cannot score: no modal opens', async () => {
    const [target] = await unreviewed(1);
    const r = await qa(`review ${target}`, USERS.agent);
    expect(String((await waitResponse(r.responseUrl)).body.text)).toMatch(/^Only qa, lead, admin can score a session/);
    expect(t.fake.calls.filter((c) => c.method === 'views.open')).toEqual([]);
  });
});

describe('sessions rebuilt from their messages', () => {
  it('keep a trailing session that only has a scorecard review (no QA state change): the review is not lost', async () => {
    // the last session of a conversation with two, unchecked and without QA events
    const [c] = await rows<{ conversation_id: number; last_id: number; prev_end: Date }>(
      `SELECT s.conversation_id, s.id AS last_id, p.ended_at AS prev_end FROM sessions s
         JOIN sessions p ON p.conversation_id = s.conversation_id AND p.sequence = s.sequence - 1
        WHERE s.qa_status = 'unchecked' AND s.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM sessions n WHERE n.conversation_id = s.conversation_id AND n.sequence > s.sequence)
          AND NOT EXISTS (SELECT 1 FROM qa_events e WHERE e.session_id = s.id) AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id)
        ORDER BY s.id LIMIT 1`);
    const [qaUser] = await rows<{ id: number }>(`SELECT id FROM users WHERE external_id = $1`, [USERS.qa]);
    const saved = await saveReview(t.db.pool, { sessionId: c!.last_id, actor: { role: 'qa', userId: qaUser!.id }, answers: { accuracy: 3, tone: 3, policy: 1, resolution: 3 }, source: 'test' });
    expect(saved.ok).toBe(true);
    // its messages move to right after the session before: the rebuild now finds one session fewer
    await t.db.pool.query(
      `UPDATE messages m SET social_create_time = $2::timestamptz + (m.social_create_time - s.started_at) / 1000 + interval '1 second'
         FROM sessions s WHERE s.id = $1 AND m.conversation_id = s.conversation_id AND m.social_create_time BETWEEN s.started_at AND s.ended_at`,
      [c!.last_id, c!.prev_end],
    );
    const client = await t.db.pool.connect();
    try {
      await rebuildSessions(client, [c!.conversation_id], TEST_NOW);
    } finally {
      client.release();
    }
    expect(await rows(`SELECT r.score FROM qa_reviews r WHERE r.session_id = $1`, [c!.last_id])).toEqual([{ score: (3 * 75 + 75 + 2 * 100 + 2 * 75) / 8 }]);
  });
});

describe('the QA score measures', () => {
  it('by reviewer and by QA category equal SQL over the base tables', async () => {
    const period = { from: '2026-08-01', to: '2026-11-25', label: 'Aug–Nov' };
    const byReviewer = await metricByKey(t.db.pool, { measure: 'qaScore', groupBy: 'reviewer', period }, TZ);
    const expectedByReviewer = await rows<{ k: string; v: number }>(
      `SELECT u.name AS k, avg(r.score)::float8 AS v FROM qa_reviews r JOIN sessions s ON s.id = r.session_id LEFT JOIN users u ON u.id = r.reviewer_id
        WHERE s.deleted_at IS NULL AND (r.created_at AT TIME ZONE $1)::date BETWEEN DATE '2026-08-01' AND DATE '2026-11-25' GROUP BY 1`, [TZ]);
    expect(expectedByReviewer.length).toBeGreaterThan(1);
    expect(byReviewer.size).toBe(expectedByReviewer.length);
    for (const e of expectedByReviewer) expect(byReviewer.get(e.k)).toBeCloseTo(e.v, 9);

    const byCategory = await metricByKey(t.db.pool, { measure: 'qaCategoryScore', groupBy: 'qa_category', period }, TZ);
    const expectedByCategory = await rows<{ k: string; v: number }>(
      `SELECT c.label AS k, avg(a.value::float8 / c.scale_max * 100) AS v FROM qa_review_answers a JOIN qa_categories c ON c.id = a.category_id
         JOIN qa_reviews r ON r.id = a.review_id JOIN sessions s ON s.id = r.session_id
        WHERE s.deleted_at IS NULL AND (r.created_at AT TIME ZONE $1)::date BETWEEN DATE '2026-08-01' AND DATE '2026-11-25' GROUP BY 1`, [TZ]);
    expect([...byCategory.keys()].sort()).toEqual(['Accuracy', 'Policy', 'Resolution', 'Tone']);
    for (const e of expectedByCategory) expect(byCategory.get(e.k)).toBeCloseTo(e.v, 9);
  });
});

describe('REST', () => {
  const auth = (who: keyof typeof USERS) => ({ authorization: `Bearer ${tokens[who]}` });

  it('PUT /api/sessions/:id/review saves, names a bad answer, and answers 409 for a stale version; GET lists the reviews', async () => {
    const [target] = await unreviewed(1);
    const url = `/api/sessions/${target}/reviews/mine`;
    const invalid = await api.inject({ method: 'PUT', url, headers: auth('lead'), payload: { answers: { accuracy: 9, tone: 1, policy: 1, resolution: 1 } } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field: 'answers.accuracy', problem: 'must be a whole number from 0 to 4' }] });
    const saved = await api.inject({ method: 'PUT', url, headers: auth('lead'), payload: { answers: { accuracy: 4, tone: 2, policy: null, resolution: null }, version: null } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ created: true, review: { score: (3 * 100 + 50) / 4, autofailed: false, version: 0 } });
    const stale = await api.inject({ method: 'PUT', url, headers: auth('lead'), payload: { answers: { accuracy: 0, tone: 0, policy: 0, resolution: 0 }, version: 5 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: 'CONFLICT' });
    const forbidden = await api.inject({ method: 'PUT', url, headers: auth('agent'), payload: { answers: {} } });
    expect(forbidden.statusCode).toBe(403);
    const list = await api.inject({ method: 'GET', url: `/api/sessions/${target}/reviews`, headers: auth('qa') });
    expect(list.json().reviews).toHaveLength(1);
    expect(list.json().reviews[0]).toMatchObject({ reviewer: { slackId: USERS.lead }, score: 87.5 });
  });

  it('PUT /api/sessions/:id/reviews/mine sent again (a retry, a second click) leaves the review as it is: same version, no second audit row', async () => {
    const [target] = await unreviewed(1);
    const url = `/api/sessions/${target}/reviews/mine`;
    const payload = { answers: { accuracy: 3, tone: null, policy: 1, resolution: 2 }, rootCauses: [], notes: ' checked twice ' };
    const first = await api.inject({ method: 'PUT', url, headers: auth('qa'), payload });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ created: true, review: { version: 0 } });
    const again = await Promise.all([1, 2, 3].map(() => api.inject({ method: 'PUT', url, headers: auth('qa'), payload })));
    for (const a of again) {
      expect(a.statusCode).toBe(200);
      expect(a.json()).toEqual({ created: false, review: first.json().review });
    }
    const audited = (action: string) => rows(`SELECT 1 FROM audit_logs WHERE action = $1 AND target = $2`, [action, `session:${target}`]);
    expect(await audited('qa.review.created')).toHaveLength(1);
    expect(await audited('qa.review.updated')).toHaveLength(0);
    expect(await audited('api.qa.review')).toHaveLength(1);
    // a real change is saved and audited as before
    const changed = await api.inject({ method: 'PUT', url, headers: auth('qa'), payload: { ...payload, answers: { ...payload.answers, resolution: 4 } } });
    expect(changed.json()).toMatchObject({ created: false, review: { version: 1 } });
    expect(await audited('qa.review.updated')).toHaveLength(1);
    expect(await audited('api.qa.review')).toHaveLength(2);
  });

  it('PUT /api/qa/scorecard (admins) replaces the categories; one left out becomes inactive and old answers keep it', async () => {
    const current = (await api.inject({ method: 'GET', url: '/api/qa/scorecard', headers: auth('qa') })).json() as { categories: { key: string }[]; rootCauses: object[] };
    const refused = await api.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: auth('lead'), payload: current });
    expect(refused.statusCode).toBe(403);
    const card = {
      categories: [...current.categories.filter((c) => c.key !== 'tone'), { key: 'empathy', label: 'Empathy', weight: 1, scaleMax: 2 }],
      rootCauses: current.rootCauses,
    };
    const set = await api.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: auth('admin'), payload: card });
    expect(set.statusCode).toBe(200);
    expect(set.json().categories.map((c: { key: string }) => c.key)).toEqual(['accuracy', 'policy', 'resolution', 'empathy']);
    expect(await rows(`SELECT key, active FROM qa_categories WHERE key IN ('tone', 'empathy') ORDER BY key`)).toEqual([{ key: 'empathy', active: true }, { key: 'tone', active: false }]);
    expect((await rows<{ n: number }>(`SELECT count(*)::int AS n FROM qa_review_answers a JOIN qa_categories c ON c.id = a.category_id WHERE c.key = 'tone'`))[0]!.n).toBeGreaterThan(0);
    expect(await rows(`SELECT action FROM audit_logs WHERE action = 'qa.scorecard.set'`)).toHaveLength(1);
    // restore the default for other tests
    await api.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: auth('admin'), payload: current });
  });

  it('PUT /api/qa/scorecard sent again (a retry, twice at once) changes nothing and is audited once', async () => {
    const current = (await api.inject({ method: 'GET', url: '/api/qa/scorecard', headers: auth('qa') })).json() as { categories: { key: string; weight: number }[]; rootCauses: object[] };
    const audits = async () => (await rows(`SELECT 1 FROM audit_logs WHERE action = 'qa.scorecard.set'`)).length;
    const before = await audits();
    const card = { ...current, categories: current.categories.map((c) => (c.key === 'tone' ? { ...c, weight: c.weight + 1 } : c)) };
    const sent = await Promise.all([1, 2, 3].map(() => api.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: auth('admin'), payload: card })));
    for (const res of sent) expect(res.json()).toEqual(sent[0]!.json());
    expect(sent[0]!.json().categories.find((c: { key: string }) => c.key === 'tone').weight).toBe(card.categories.find((c) => c.key === 'tone')!.weight);
    expect(await audits()).toBe(before + 1);
    // the same scorecard as it is: no audit row at all
    expect((await api.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: auth('admin'), payload: card })).statusCode).toBe(200);
    expect(await audits()).toBe(before + 1);
    await api.inject({ method: 'PUT', url: '/api/qa/scorecard', headers: auth('admin'), payload: current });
    expect(await audits()).toBe(before + 2);
  });
});
