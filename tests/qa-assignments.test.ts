import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { qaRiskPage } from '../src/db/qa-review-repo.ts';
import { saveReview, loadScorecard } from '../src/db/qa-scorecards-repo.ts';
import { lastCompletePeriod } from '../src/domain/qa-sampling.ts';
import { qaSamplingTaskProvider } from '../src/jobs/qa/sampling-task.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { startQaSlack, type QaSlack } from './helpers/qa-slack.ts';

// QA assignments (issue 20, point 3): a lead keeps sampling rules with `/qa rules`; the scheduled
// qa-sampling task turns each rule's last complete week into assignments shared among the QA
// reviewers (least loaded first), once per rule and week however often it runs; a reviewer sees
// `/qa queue mine`, their verdict or scorecard review completes an assignment, and a lead sees
// `/qa workload` with what is overdue. Counts are checked against SQL written here.

const TZ = 'Europe/Berlin';
const USERS = {
  lead: { slackId: 'U0ASLEAD', role: 'lead' },
  qa1: { slackId: 'U0ASQA1', role: 'qa' },
  qa2: { slackId: 'U0ASQA2', role: 'qa' },
  dev: { slackId: 'U0ASDEV', role: 'developer' },
};

let t: QaSlack;
const task = async () => (await qaSamplingTaskProvider({ pool: t.db.pool, config: { businessTimezone: TZ } }).tasks())[0]!;
// the week sampled at TEST_NOW (Wednesday 25 Nov 2026): Monday 16 to Sunday 22 November
const WEEK = lastCompletePeriod({ period: 'week', dueDays: 3 }, TEST_NOW, TZ);

interface Assignment { id: number; rule_id: number; session_id: number; reviewer_id: number; due_at: Date; done_at: Date | null }
const assignments = () => t.rows<Assignment>(`SELECT id, rule_id, session_id, reviewer_id, due_at, done_at FROM qa_assignments ORDER BY id`);

beforeAll(async () => {
  t = await startQaSlack({ name: 'qaassign', timezone: TZ, channel: 'C0ASSIGN', users: USERS, conversations: 80 });
  // the demo team's reviewers step aside: the work is shared between the two made here
  await t.rows(`UPDATE users SET role = 'agent' WHERE role = 'qa' AND external_id NOT IN ($1, $2)`, [USERS.qa1.slackId, USERS.qa2.slackId]);
  // the week's sessions start unreviewed, as a live team's would
  await t.rows(`DELETE FROM qa_reviews r USING sessions s WHERE s.id = r.session_id AND s.started_at >= $1 AND s.started_at < $2`, [WEEK.start, WEEK.end]);
});
afterAll(async () => t?.close());
beforeEach(() => t.reset());

describe('sampling rules and assignments', () => {
  it('the week sampled is Monday 16 to Sunday 22 November', () => {
    expect([WEEK.from, WEEK.to]).toEqual(['2026-11-16', '2026-11-22']);
  });

  it('only leads change rules; /qa rules lists them', async () => {
    expect(await t.textOf((await t.qa('rules add 2 per agent per week', USERS.qa1.slackId)).responseUrl)).toMatch(/^Only team leads and admins change sampling rules; you are a QA reviewer/);
    expect(await t.textOf((await t.qa('rules add 2 per customer', USERS.lead.slackId)).responseUrl)).toMatch(/^I cannot read the rule "2 per customer"\. Examples:/);
    expect(await t.textOf((await t.qa('rules add 2 per agent per week', USERS.lead.slackId)).responseUrl)).toMatch(/^Rule \d+ added: 2 sessions per human agent per week, due 3 days after the week\./);
    expect(await t.textOf((await t.qa('rules add risky bot 5', USERS.lead.slackId)).responseUrl)).toMatch(/^Rule \d+ added: every bot session with risk 5 or more per week/);
    expect(await t.textOf((await t.qa('rules add 10% bot per week due 2', USERS.lead.slackId)).responseUrl)).toMatch(/^Rule \d+ added: 10% of bot sessions per week, due 2 days after the week\./);
    const listed = await t.textOf((await t.qa('rules', USERS.dev.slackId)).responseUrl);
    expect(listed).toBe('Sampling rules: 3.');
    expect(await t.rows(`SELECT action FROM audit_logs WHERE action = 'qa.rule.added'`)).toHaveLength(3);
  });

  it('the scheduled run assigns per rule, shared by load; running again (same day, next day) duplicates nothing', async () => {
    const rules = await t.rows<{ id: number; kind: string }>(`SELECT id, kind FROM qa_sampling_rules ORDER BY id`);
    const ruleOf = (kind: string) => rules.find((r) => r.kind === kind)!.id;
    // what rule 1 may pick, said independently: the week's unreviewed sessions per first human agent
    const perAgent = await t.rows<{ agent: string; n: number }>(
      `SELECT first_human_agent AS agent, count(*)::int AS n FROM sessions
        WHERE started_at >= $1 AND started_at < $2 AND deleted_at IS NULL AND qa_status = 'unchecked' AND first_human_agent IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = sessions.id) GROUP BY 1`,
      [WEEK.start, WEEK.end],
    );
    expect(perAgent.length).toBeGreaterThan(0);
    const risky = (await qaRiskPage(t.db.pool, { limit: 10_000, offset: 0, tz: TZ })).cards.filter((c) => c.startedAt >= WEEK.start && c.startedAt < WEEK.end);
    expect(risky.some((c) => c.risk!.score >= 5)).toBe(true);

    await (await task()).run(TEST_NOW);
    const first = await assignments();
    const byRule = (id: number) => first.filter((a) => a.rule_id === ruleOf(id === 1 ? 'per_agent' : id === 2 ? 'risky_bot' : 'bot_share'));

    // rule 1: min(2, sessions) per agent
    const agentOf = new Map((await t.rows<{ id: number; agent: string }>(`SELECT id, first_human_agent AS agent FROM sessions WHERE id = ANY($1)`, [byRule(1).map((a) => a.session_id)])).map((r) => [r.id, r.agent]));
    const picked = new Map<string, number>();
    for (const a of byRule(1)) picked.set(agentOf.get(a.session_id)!, (picked.get(agentOf.get(a.session_id)!) ?? 0) + 1);
    expect(Object.fromEntries(picked)).toEqual(Object.fromEntries(perAgent.map((r) => [r.agent, Math.min(2, r.n)])));

    expect(byRule(1).length).toBeGreaterThan(0);
    expect(byRule(2).length).toBeGreaterThan(0);
    // rule 2: exactly the week's bot sessions the risk queue scores 5 or more, less those rule 1 took
    const taken1 = new Set(byRule(1).map((a) => a.session_id));
    expect(byRule(2).map((a) => a.session_id).sort((x, y) => x - y)).toEqual(
      risky.filter((c) => c.risk!.score >= 5 && !taken1.has(c.sessionId)).map((c) => c.sessionId).sort((x, y) => x - y),
    );

    // rule 3: a tenth (rounded up) of the bot sessions still free after rules 1 and 2
    const taken = [...taken1, ...byRule(2).map((a) => a.session_id)];
    const [free] = await t.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions s WHERE s.started_at >= $1 AND s.started_at < $2 AND s.deleted_at IS NULL AND s.qa_status = 'unchecked' AND s.ai_engaged
          AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id) AND NOT (s.id = ANY($3::int[]))`,
      [WEEK.start, WEEK.end, taken],
    );
    expect(byRule(3)).toHaveLength(Math.ceil(free!.n / 10));
    // due: 2 days after Sunday 22 Nov, at midnight in Berlin
    expect(byRule(3)[0]!.due_at.toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(byRule(1)[0]!.due_at.toISOString()).toBe('2026-11-24T23:00:00.000Z');

    // shared between the two reviewers, least loaded first: their counts differ by at most one
    const load = [t.userIds.qa1!, t.userIds.qa2!].map((id) => first.filter((a) => a.reviewer_id === id).length);
    expect(load[0]! + load[1]!).toBe(first.length);
    expect(Math.abs(load[0]! - load[1]!)).toBeLessThanOrEqual(1);
    // a session is assigned once
    expect(new Set(first.map((a) => a.session_id)).size).toBe(first.length);

    await (await task()).run(TEST_NOW);
    await (await task()).run(new Date(TEST_NOW.getTime() + 86_400_000));
    expect(await assignments()).toEqual(first);
    expect(await t.rows(`SELECT rule_id, period_from::text, sampled FROM qa_sampling_runs ORDER BY rule_id`)).toEqual(
      rules.map((r) => ({ rule_id: r.id, period_from: '2026-11-16', sampled: first.filter((a) => a.rule_id === r.id).length })),
    );
  });

  it('/qa queue mine lists my assignments; my verdict and my scorecard review complete them, someone else\'s do not; /qa workload shows it', async () => {
    const mine = (await assignments()).filter((a) => a.reviewer_id === t.userIds.qa1);
    const theirs = (await assignments()).filter((a) => a.reviewer_id === t.userIds.qa2);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(theirs.length).toBeGreaterThanOrEqual(2);

    const queue = await t.answer((await t.qa('queue mine', USERS.qa1.slackId)).responseUrl);
    // due 24/25 Nov: all overdue on Wednesday 25 Nov 14:30
    expect(queue.body.text).toBe(`Your review queue: ${mine.length}, ${mine.length} overdue.`);
    const shown = JSON.stringify(queue.body.blocks);
    for (const a of mine.slice(0, 15)) expect(shown).toContain(`*Session ${a.session_id}*`);
    for (const a of theirs) expect(shown).not.toContain(`*Session ${a.session_id}*`);

    // a verdict by the assignee completes the assignment
    const [a1, a2] = mine;
    expect(await t.textOf((await t.qa(`pass ${a1!.session_id} looks right`, USERS.qa1.slackId)).responseUrl)).toMatch(/is now passed/);
    // qa2 scoring qa1's session does not complete qa1's assignment; qa1's own review does
    const card = await loadScorecard(t.db.pool);
    const answers = Object.fromEntries(card.categories.map((c) => [c.key, c.scaleMax]));
    const by = (k: 'qa1' | 'qa2') => ({ role: 'qa' as const, userId: t.userIds[k]!, name: USERS[k].slackId });
    expect(await saveReview(t.db.pool, { sessionId: a2!.session_id, actor: by('qa2'), answers, rootCauses: [], source: 'test', at: TEST_NOW })).toMatchObject({ ok: true });
    expect((await assignments()).find((a) => a.id === a2!.id)!.done_at).toBeNull();
    expect(await saveReview(t.db.pool, { sessionId: a2!.session_id, actor: by('qa1'), answers, rootCauses: [], source: 'test', at: TEST_NOW })).toMatchObject({ ok: true });
    const after = await assignments();
    expect(after.filter((a) => a.done_at !== null).map((a) => a.id).sort()).toEqual([a1!.id, a2!.id].sort());

    const work = await t.answer((await t.qa('workload', USERS.lead.slackId)).responseUrl);
    const text = JSON.stringify(work.body.blocks);
    const late = (n: number) => (n ? ` · :rotating_light: *${n} overdue*` : ' · none overdue');
    expect(text).toContain(`<@${USERS.qa1.slackId}>: ${mine.length} assigned · 2 done · ${mine.length - 2} open${late(mine.length - 2)}`);
    expect(text).toContain(`<@${USERS.qa2.slackId}>: ${theirs.length} assigned · 0 done · ${theirs.length} open${late(theirs.length)}`);
    expect(await t.textOf((await t.qa('workload', USERS.qa1.slackId)).responseUrl)).toMatch(/^The reviewers' workload is for team leads and admins; you are a QA reviewer/);
  });

  it('a removed rule samples nothing more; its assignments stay', async () => {
    const [rule] = await t.rows<{ id: number }>(`SELECT id FROM qa_sampling_rules WHERE kind = 'bot_share'`);
    const kept = (await assignments()).filter((a) => a.rule_id === rule!.id);
    expect(kept.length).toBeGreaterThan(0);
    expect(await t.textOf((await t.qa(`rules remove ${rule!.id}`, USERS.lead.slackId)).responseUrl)).toBe(`Rule ${rule!.id} removed: it samples nothing more; its assignments stay.`);
    expect(await t.textOf((await t.qa('rules', USERS.lead.slackId)).responseUrl)).toBe('Sampling rules: 2.');
    // a week later the two remaining rules sample the next week; the removed one does not
    await (await task()).run(new Date(TEST_NOW.getTime() + 7 * 86_400_000));
    const later = await t.rows<{ rule_id: number }>(`SELECT DISTINCT rule_id FROM qa_sampling_runs WHERE period_from = '2026-11-23'`);
    expect(later.map((r) => r.rule_id)).not.toContain(rule!.id);
    expect(later).toHaveLength(2);
    expect((await assignments()).filter((a) => a.rule_id === rule!.id)).toEqual(kept);
  });
});
