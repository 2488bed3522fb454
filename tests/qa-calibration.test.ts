import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATEGORY_BLOCK, FIELD, NA, REVIEW_MODAL } from '../src/bots/slack/qa-review-blocks.ts';
import { metricByKey } from '../src/db/semantic/value.ts';
import { startQaSlack, type QaSlack } from './helpers/qa-slack.ts';
import { unacked } from './helpers/slack-harness.ts';

// Calibration (issue 20, point 5): a lead starts one on a session, three reviewers score it blind
// in the scorecard modal (a reviewer reopening sees only their own answers; others see a count),
// the lead closes it and gets the agreement per category and each reviewer's alignment.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0CALIBR';
const USERS = { dev: 'U0CBDEV', lead: 'U0CBLEAD', qa: 'U0CBQA1', qa2: 'U0CBQA2', qa3: 'U0CBQA3' } as const;
const ROLE_OF = { dev: 'developer', lead: 'lead', qa: 'qa', qa2: 'qa', qa3: 'qa' } as const;

let t: QaSlack;
const rows = <T>(sql: string, params: unknown[] = []) => t.rows<T>(sql, params);
const qa = (text: string, user: string) => t.qa(text, user);
const textOf = (url: string) => t.textOf(url);

async function submitScorecard(user: string, view: { private_metadata: string }, answers: Record<string, number | null>, note: string) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [key, v] of Object.entries(answers)) values[`${CATEGORY_BLOCK}${key}`] = { [FIELD]: { type: 'static_select', selected_option: { value: v === null ? NA : String(v) } } };
  values.qa_review_notes = { [FIELD]: { type: 'plain_text_input', value: note } };
  return t.submit(user, REVIEW_MODAL, view.private_metadata, values);
}

beforeAll(async () => {
  const users = Object.fromEntries((Object.keys(USERS) as (keyof typeof USERS)[]).map((k) => [k, { slackId: USERS[k], role: ROLE_OF[k] }]));
  t = await startQaSlack({ name: 'qacalib', timezone: TZ, channel: CHANNEL, users, conversations: 20 });
});

afterAll(async () => t?.close());

beforeEach(() => t.reset());

describe('a calibration with three reviewers', () => {
  it('is scored blind and closed with its agreement per category and each reviewer\'s alignment', async () => {
    const target = (await rows<{ id: number }>(`SELECT id FROM sessions WHERE ai_engaged AND deleted_at IS NULL ORDER BY id LIMIT 1`))[0]!.id;
    const reviewsBefore = await rows(`SELECT id, score, version FROM qa_reviews ORDER BY id`);
    expect(await textOf((await qa(`calibrate ${target}`, USERS.qa)).responseUrl)).toBe('Only team leads and admins start a calibration. Nothing changed.');
    const started = await textOf((await qa(`calibrate ${target}`, USERS.lead)).responseUrl);
    const id = Number(/^Calibration (\d+) started on session/.exec(started)![1]);
    const sheets: [keyof typeof USERS, Record<string, number | null>][] = [
      ['qa', { accuracy: 4, tone: 3, policy: 1, resolution: 4 }],
      ['qa2', { accuracy: 4, tone: 2, policy: 1, resolution: null }],
      ['qa3', { accuracy: 2, tone: 3, policy: 1, resolution: 4 }],
    ];
    for (const [who, answers] of sheets) {
      const cmd = await qa(`calibration ${id}`, USERS[who]);
      const modal = (await t.fake.waitFor('views.open', (c) => c.args.trigger_id === cmd.triggerId)).args.view as { private_metadata: string; title: { text: string } };
      expect(modal.title.text).toBe('QA calibration');
      await submitScorecard(USERS[who], modal, answers, '');
      expect(await textOf(cmd.responseUrl)).toMatch(new RegExp(`^Your calibration sheet for calibration ${id} is saved`));
    }
    expect(unacked(t.h.lines)).toEqual([]);
    // blind while open: the second reviewer reopening sees only their own answers, a developer only the count
    t.fake.reset();
    const again = await qa(`calibration ${id}`, USERS.qa2);
    const reopened = (await t.fake.waitFor('views.open', (c) => c.args.trigger_id === again.triggerId)).args.view as { blocks: { block_id?: string; element?: { initial_option?: { value: string } } }[] };
    const initial = Object.fromEntries(reopened.blocks.filter((b) => b.block_id?.startsWith(CATEGORY_BLOCK)).map((b) => [b.block_id!.slice(CATEGORY_BLOCK.length), b.element?.initial_option?.value]));
    expect(initial).toEqual({ accuracy: '4', tone: '2', policy: '1', resolution: NA });
    expect(t.responses.filter((r) => `${t.base}${r.path}` === again.responseUrl)).toEqual([]);
    expect(await textOf((await qa(`calibration ${id}`, USERS.dev)).responseUrl)).toBe(`Calibration ${id} is open: 3 reviewer(s) have scored it. Only QA reviewers, leads and admins score.`);

    const closed = await textOf((await qa(`calibration ${id} close`, USERS.lead)).responseUrl);
    expect(closed).toContain(`*Calibration ${id}* of session ${target}: 3 reviewers, *50.0% agreement*`);
    expect(closed).toContain('• Accuracy: 33% agreement (4, 4, 2)');
    expect(closed).toContain('• Policy: 100% agreement (1, 1, 1)');
    expect(closed).toContain('• Resolution: 33% agreement (4, N/A, 4)');
    expect(closed).toContain('• qa person: 93.8');
    expect(closed).toContain('• qa2 person: 88.9');
    expect(closed).toContain('• qa3 person: 89.6');
    const [audited] = await rows<{ details: { agreement: number } }>(`SELECT details FROM audit_logs WHERE action = 'qa.calibration.closed'`);
    expect(audited!.details.agreement).toBeCloseTo(50, 9);
    // closed: no more sheets, and the report is what anyone reading it gets
    expect(await textOf((await qa(`calibration ${id}`, USERS.qa)).responseUrl)).toContain('*50.0% agreement*');
    // the reviewer alignment measure: each sheet's alignment, written at closing, equal to SQL over the base tables
    const day = { from: '2026-11-25', to: '2026-11-25', label: '25 Nov 2026' };
    const byReviewer = await metricByKey(t.db.pool, { measure: 'reviewerAlignment', groupBy: 'reviewer', period: day }, TZ);
    expect(byReviewer.get('qa person')).toBeCloseTo(93.75, 9);
    expect(byReviewer.get('qa3 person')).toBeCloseTo(100 - (100 / 3 + 25 / 3) / 4, 9);
    const independent = await rows<{ k: string; v: number }>(
      `SELECT u.name AS k, avg(k.alignment)::float8 AS v FROM qa_calibration_sheets k JOIN qa_calibrations c ON c.id = k.calibration_id
         JOIN sessions s ON s.id = c.session_id JOIN users u ON u.id = k.reviewer_id
        WHERE c.status = 'closed' AND s.deleted_at IS NULL AND (c.closed_at AT TIME ZONE $1)::date = DATE '2026-11-25' GROUP BY 1`, [TZ]);
    expect(byReviewer.size).toBe(independent.length);
    for (const e of independent) expect(byReviewer.get(e.k)).toBeCloseTo(e.v, 9);
    // calibration sheets are not reviews: the QA score measures do not see them
    expect(await rows(`SELECT id, score, version FROM qa_reviews ORDER BY id`)).toEqual(reviewsBefore);
  });
});
