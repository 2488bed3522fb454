import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { CATEGORY_BLOCK, FIELD, NA, REVIEW_MODAL } from '../src/bots/slack/qa-review-blocks.ts';
import { loadConfig } from '../src/config.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { createApiToken } from '../src/db/tokens-repo.ts';
import { createLogger } from '../src/logger.ts';
import { metricByKey } from '../src/db/semantic/value.ts';
import { apiRoutes } from '../src/routes/api.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { BOT, startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { startResponseRecorder, type RecordedResponse, type ResponseRecorder } from './helpers/response-url.ts';
import { BOT_TOKEN, SIGNING_SECRET, eventually, signed, startHarness, unacked, type Harness } from './helpers/slack-harness.ts';

// Calibration (issue 20, point 5): a lead starts one on a session, three reviewers score it blind
// in the scorecard modal (a reviewer reopening sees only their own answers; others see a count),
// the lead closes it and gets the agreement per category and each reviewer's alignment.

const TZ = 'Europe/Berlin';
const CHANNEL = 'C0CALIBR';
const USERS = { dev: 'U0CBDEV', lead: 'U0CBLEAD', qa: 'U0CBQA1', qa2: 'U0CBQA2', qa3: 'U0CBQA3' } as const;
const ROLE_OF = { dev: 'developer', lead: 'lead', qa: 'qa', qa2: 'qa', qa3: 'qa' } as const;

let db: TestDatabase;
let fake: FakeSlack;
let h: Harness;
let api: FastifyInstance;
let responseServer: ResponseRecorder;
let responses: RecordedResponse[] = [];
const tokens = {} as Record<keyof typeof USERS, string>;

async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.pool.query(sql, params)).rows as T[];
}

let seq = 0;
async function post(body: string) {
  const req = signed(body, { contentType: 'application/x-www-form-urlencoded' });
  const res = await h.fastify.inject({ method: 'POST', url: '/slack/events', payload: req.payload, headers: req.headers });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

async function qa(text: string, user: string) {
  const n = ++seq;
  const responseUrl = `${responseServer.base}/commands/${n}`;
  const form = new URLSearchParams({
    token: 'legacy', team_id: BOT.teamId, team_domain: 'fake', channel_id: CHANNEL, channel_name: 'qa', user_id: user, user_name: user.toLowerCase(),
    command: '/qa', text, api_app_id: 'A0FAKE', is_enterprise_install: 'false', response_url: responseUrl, trigger_id: `${n}.1764500000.trig${n}`,
  }).toString();
  return { ...(await post(form)), responseUrl };
}

async function submitScorecard(user: string, view: { private_metadata: string }, answers: Record<string, number | null>, note: string) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [key, v] of Object.entries(answers)) values[`${CATEGORY_BLOCK}${key}`] = { [FIELD]: { type: 'static_select', selected_option: { value: v === null ? NA : String(v) } } };
  values.qa_review_notes = { [FIELD]: { type: 'plain_text_input', value: note } };
  const payload = {
    type: 'view_submission', team: { id: BOT.teamId, domain: 'fake' }, user: { id: user, username: user.toLowerCase(), team_id: BOT.teamId },
    api_app_id: 'A0FAKE', token: 'legacy', trigger_id: `${++seq}.1764500000.sub`,
    view: { id: 'V0CALIB', team_id: BOT.teamId, type: 'modal', callback_id: REVIEW_MODAL, private_metadata: view.private_metadata, hash: '1.abc', blocks: [], state: { values } },
  };
  return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
}

const waitResponse = (url: string) => eventually(async () => responses.find((r) => `${responseServer.base}${r.path}` === url), `a POST to ${url}`);
const textOf = async (url: string) => String((await waitResponse(url)).body.text);

beforeAll(async () => {
  db = await createTestDatabase('qacalib');
  await seedDemoData(db.url, { conversations: 20, now: TEST_NOW, timezone: TZ });
  for (const [k, id] of Object.entries(USERS) as [keyof typeof USERS, string][]) {
    await db.pool.query(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, $2, $3::"UserRole", now())`, [id, `${k} person`, ROLE_OF[k]]);
    tokens[k] = (await createApiToken(db.pool, { user: { kind: 'slack', externalId: id }, role: ROLE_OF[k] })).token;
  }
  fake = await startFakeSlack({ token: BOT_TOKEN });
  const config = loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl, BUSINESS_TIMEZONE: TZ });
  responseServer = await startResponseRecorder();
  responses = responseServer.responses;
  const assistant = { modelName: 'unused', ask: () => Promise.reject(new Error('/qa never asks the assistant')) };
  h = await startHarness({ config, databaseUrl: db.url, pool: db.pool, prisma: db.prisma, assistant });
  api = await build({
    prisma: db.prisma, logger: createLogger('silent'), pool: db.pool,
    plugins: [apiRoutes({ pool: db.pool, timezone: TZ, now: () => TEST_NOW, rateLimit: { max: 10_000, exportMax: 10_000 } })],
  });
});

afterAll(async () => {
  await api?.close();
  await h?.close();
  await responseServer?.close();
  await fake?.close();
  await db?.drop();
});

beforeEach(() => {
  responses.length = 0;
  fake.reset();
});

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
      const modal = (await fake.waitFor('views.open', (c) => c.args.trigger_id === `${seq}.1764500000.trig${seq}`)).args.view as { private_metadata: string; title: { text: string } };
      expect(modal.title.text).toBe('QA calibration');
      await submitScorecard(USERS[who], modal, answers, '');
      expect(await textOf(cmd.responseUrl)).toMatch(new RegExp(`^Your calibration sheet for calibration ${id} is saved`));
    }
    expect(unacked(h.lines)).toEqual([]);
    // blind while open: the second reviewer reopening sees only their own answers, a developer only the count
    fake.reset();
    const again = await qa(`calibration ${id}`, USERS.qa2);
    const reopened = (await fake.waitFor('views.open', (c) => c.args.trigger_id === `${seq}.1764500000.trig${seq}`)).args.view as { blocks: { block_id?: string; element?: { initial_option?: { value: string } } }[] };
    const initial = Object.fromEntries(reopened.blocks.filter((b) => b.block_id?.startsWith(CATEGORY_BLOCK)).map((b) => [b.block_id!.slice(CATEGORY_BLOCK.length), b.element?.initial_option?.value]));
    expect(initial).toEqual({ accuracy: '4', tone: '2', policy: '1', resolution: NA });
    expect(responses.filter((r) => `${responseServer.base}${r.path}` === again.responseUrl)).toEqual([]);
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
    const byReviewer = await metricByKey(db.pool, { measure: 'reviewerAlignment', groupBy: 'reviewer', period: day }, TZ);
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
