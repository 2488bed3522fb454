import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { CATEGORY_BLOCK, DISPUTE_ACTION, FIELD, NA, REVIEW_MODAL } from '../src/bots/slack/qa-review-blocks.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { startQaSlack, type QaSlack } from './helpers/qa-slack.ts';
import { unacked } from './helpers/slack-harness.ts';

// Disputes of scorecard reviews (issue 20, point 4): a developer disputes a review from Slack, a
// team lead accepts it from `/qa disputes` by rescoring it in the scorecard modal; the review
// changes, the change is in the session's QA trail (qa_events) and in audit_logs with the scores
// before and after, and `/qa show` and `/qa stats` show it. Refusals, the REST routes, and a
// dispute that can be settled only once.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0DISPUT';
const USERS = { dev: 'U0DPDEV', lead: 'U0DPLEAD', qa: 'U0DPQA', agent: 'U0DPAGNT' } as const;
const ROLE_OF = { dev: 'developer', lead: 'lead', qa: 'qa', agent: 'agent' } as const;

let t: QaSlack;
let api: FastifyInstance;
const tokens = {} as Record<keyof typeof USERS, string>;
const rows = <T>(sql: string, params: unknown[] = []) => t.rows<T>(sql, params);
const qa = (text: string, user: string) => t.qa(text, user);
const press = (user: string, actionId: string, value: string) => t.press(user, actionId, value);
const waitResponse = (url: string) => t.answer(url);
const textOf = (url: string) => t.textOf(url);

async function submitScorecard(user: string, view: { private_metadata: string }, answers: Record<string, number | null>, note: string) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [key, v] of Object.entries(answers)) values[`${CATEGORY_BLOCK}${key}`] = { [FIELD]: { type: 'static_select', selected_option: { value: v === null ? NA : String(v) } } };
  values.qa_review_notes = { [FIELD]: { type: 'plain_text_input', value: note } };
  return t.submit(user, REVIEW_MODAL, view.private_metadata, values);
}

/** Demo sessions with a scorecard review and no dispute yet, oldest review first */
const reviewed = async (n: number) =>
  (await rows<{ session_id: number }>(
    `SELECT r.session_id FROM qa_reviews r JOIN sessions s ON s.id = r.session_id WHERE s.deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM qa_disputes d WHERE d.session_id = r.session_id) ORDER BY r.id LIMIT $1`, [n])).map((r) => r.session_id);

beforeAll(async () => {
  const users = Object.fromEntries((Object.keys(USERS) as (keyof typeof USERS)[]).map((k) => [k, { slackId: USERS[k], role: ROLE_OF[k] }]));
  t = await startQaSlack({ name: 'qadispute', timezone: TZ, channel: CHANNEL, users, conversations: 60 });
  for (const k of Object.keys(USERS) as (keyof typeof USERS)[]) {
    tokens[k] = (await createApiToken(t.db.pool, { user: { kind: 'slack', externalId: USERS[k] }, role: ROLE_OF[k] })).token;
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

describe('a dispute in Slack', () => {
  it('a developer disputes, a lead accepts by rescoring: the review changes, the change is audited and in the QA trail, /qa show and /qa stats show it', async () => {
    const [target] = await reviewed(1);
    const [before] = await rows<{ id: number; score: number; version: number; reviewer_id: number; qa_status: string }>(
      `SELECT r.id, r.score, r.version, r.reviewer_id, s.qa_status::text FROM qa_reviews r JOIN sessions s ON s.id = r.session_id WHERE r.session_id = $1`, [target]);
    const eventsBefore = (await rows(`SELECT id FROM qa_events WHERE session_id = $1`, [target])).length;

    // no reason: told how, nothing opened
    expect(await textOf((await qa(`dispute ${target}`, USERS.dev)).responseUrl)).toMatch(/^A dispute needs a reason.*`\/qa dispute &lt;session id&gt; &lt;reason&gt;`/);
    // a QA reviewer may not dispute: refused and audited
    expect(await textOf((await qa(`dispute ${target} I disagree`, USERS.qa)).responseUrl)).toMatch(/^Developers, admins and the reviewed agent can dispute a review; you are a QA reviewer/);
    expect(await rows(`SELECT action FROM audit_logs WHERE action = 'qa.dispute.refused' AND target = $1`, [`session:${target}`])).toHaveLength(1);

    const opened = await qa(`dispute ${target} The bot quoted the right price; accuracy should be full marks`, USERS.dev);
    expect(opened.status).toBe(200);
    expect(await textOf(opened.responseUrl)).toMatch(new RegExp(`^Dispute \\d+ opened on .*'s review of session ${target} \\(QA score `));
    const [dispute] = await rows<{ id: number; status: string; reason: string; review_version: number }>(`SELECT id, status::text, reason, review_version FROM qa_disputes WHERE session_id = $1`, [target]);
    expect(dispute).toMatchObject({ status: 'open', reason: 'The bot quoted the right price; accuracy should be full marks', review_version: before!.version });
    // a second dispute of the same review waits for the first
    expect(await textOf((await qa(`dispute ${target} again`, USERS.dev)).responseUrl)).toMatch(/disputed already/);

    const list = await qa('disputes', USERS.lead);
    const listed = (await waitResponse(list.responseUrl)).body as { blocks: { type: string; elements?: { action_id: string; value: string }[] }[] };
    const buttons = listed.blocks.flatMap((b) => b.elements ?? []).filter((e) => JSON.parse(e.value).disputeId === dispute!.id);
    expect(buttons.map((b) => b.action_id)).toEqual([DISPUTE_ACTION.accept, DISPUTE_ACTION.reject]);

    const accept = await press(USERS.lead, DISPUTE_ACTION.accept, buttons[0]!.value);
    expect(accept.status).toBe(200);
    const modal = (await t.fake.waitFor('views.open', (c) => c.args.trigger_id === accept.triggerId)).args.view as { callback_id: string; private_metadata: string; title: { text: string } };
    expect(unacked(t.h.lines)).toEqual([]);
    expect(modal).toMatchObject({ callback_id: REVIEW_MODAL, title: { text: 'Accept dispute' } });
    await submitScorecard(USERS.lead, modal, { accuracy: 4, tone: 4, policy: 1, resolution: 4 }, 'Agreed, the price was right');
    expect(await textOf(accept.responseUrl)).toBe(`Dispute ${dispute!.id} accepted: the review of session ${target} now scores 100.0.`);

    // the review changed, still its reviewer's
    expect(await rows(`SELECT score, version, reviewer_id FROM qa_reviews WHERE id = $1`, [before!.id])).toEqual([{ score: 100, version: before!.version + 1, reviewer_id: before!.reviewer_id }]);
    expect(await rows(`SELECT d.status::text, d.resolution, u.external_id AS by FROM qa_disputes d JOIN users u ON u.id = d.resolved_by_id WHERE d.id = $1`, [dispute!.id]))
      .toEqual([{ status: 'accepted', resolution: 'Agreed, the price was right', by: USERS.lead }]);
    // the QA trail: one more event, the state unchanged, the notes saying what changed
    const events = await rows<{ from_status: string; to_status: string; notes: string; actor: string }>(
      `SELECT e.from_status::text, e.to_status::text, e.notes, u.external_id AS actor FROM qa_events e JOIN users u ON u.id = e.actor_id WHERE e.session_id = $1 ORDER BY e.id`, [target]);
    expect(events).toHaveLength(eventsBefore + 1);
    const beforeScore = (Math.round(before!.score * 10) / 10).toFixed(1);
    expect(events.at(-1)).toEqual({
      from_status: before!.qa_status, to_status: before!.qa_status, actor: USERS.lead,
      notes: `Dispute ${dispute!.id} accepted: QA score ${before!.score === 0 ? '0 (autofail)' : beforeScore} → 100.0. Agreed, the price was right`,
    });
    const [audited] = await rows<{ details: { before: { score: number }; after: { score: number }; disputeId: number } }>(
      `SELECT details FROM audit_logs WHERE action = 'qa.dispute.accepted' AND target = $1`, [`session:${target}`]);
    expect(audited!.details).toMatchObject({ disputeId: dispute!.id, before: { score: before!.score }, after: { score: 100 } });

    // settled once: the old button now only tells
    const late = await press(USERS.lead, DISPUTE_ACTION.reject, buttons[1]!.value);
    expect(await textOf(late.responseUrl)).toBe(`Dispute ${dispute!.id} was accepted already. Nothing changed.`);

    const show = await qa(`show ${target}`, USERS.lead);
    const shown = JSON.stringify((await waitResponse(show.responseUrl)).body.blocks);
    expect(shown).toContain(`dispute ${dispute!.id} by <@${USERS.dev}>: The bot quoted the right price; accuracy should be full marks — *accepted* by <@${USERS.lead}>: Agreed, the price was right`);
    const stats = await qa('stats last 7 days', USERS.lead);
    expect(JSON.stringify((await waitResponse(stats.responseUrl)).body.blocks)).toContain('*Disputes raised*\\n1 (0 open, 1 accepted, 0 rejected)');
  });
});

describe('disputes over REST', () => {
  const auth = (who: keyof typeof USERS) => ({ authorization: `Bearer ${tokens[who]}` });

  it('an agent who did not reply may not dispute; a developer may; a lead rejects with a reason, once', async () => {
    const [target] = await reviewed(1);
    const byAgent = await api.inject({ method: 'POST', url: `/api/sessions/${target}/disputes`, headers: auth('agent'), payload: { reason: 'not fair' } });
    expect(byAgent.statusCode).toBe(403);
    expect(byAgent.json().message).toMatch(/support agents can dispute reviews of sessions they replied in/);
    const raised = await api.inject({ method: 'POST', url: `/api/sessions/${target}/disputes`, headers: auth('dev'), payload: { reason: 'the policy answer was allowed' } });
    expect(raised.statusCode).toBe(201);
    const d = raised.json() as { id: number; version: number; status: string };
    expect(d.status).toBe('open');
    const listed = await api.inject({ method: 'GET', url: '/api/qa/disputes?status=open', headers: auth('qa') });
    expect(listed.json().disputes.map((x: { id: number }) => x.id)).toContain(d.id);
    const noReason = await api.inject({ method: 'POST', url: `/api/qa/disputes/${d.id}/reject`, headers: auth('lead'), payload: { note: '  ' } });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().fields[0].field).toBe('note');
    const byQa = await api.inject({ method: 'POST', url: `/api/qa/disputes/${d.id}/reject`, headers: auth('qa'), payload: { note: 'no' } });
    expect(byQa.statusCode).toBe(403);
    const scoreBefore = (await rows<{ score: number; version: number }>(`SELECT score, version FROM qa_reviews WHERE session_id = $1`, [target]))[0];
    const rejected = await api.inject({ method: 'POST', url: `/api/qa/disputes/${d.id}/reject`, headers: auth('lead'), payload: { note: 'the review stands', version: d.version } });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json().dispute).toMatchObject({ status: 'rejected', resolution: 'the review stands' });
    expect((await rows(`SELECT score, version FROM qa_reviews WHERE session_id = $1`, [target]))[0]).toEqual(scoreBefore);
    const again = await api.inject({ method: 'POST', url: `/api/qa/disputes/${d.id}/accept`, headers: auth('lead'), payload: { answers: { accuracy: 4, tone: 4, policy: 1, resolution: 4 } } });
    expect(again.statusCode).toBe(409);
    expect(await rows(`SELECT action FROM audit_logs WHERE action = 'qa.dispute.rejected' AND target = $1`, [`session:${target}`])).toHaveLength(1);
  });
});
