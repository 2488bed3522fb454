import { webApi } from '@slack/bolt';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIELD, REJECT_BLOCK, REJECT_MODAL } from '../src/bots/slack/qa-review-blocks.ts';
import { resolveDispute } from '../src/db/qa-disputes-repo.ts';
import { loadScorecard, saveReview } from '../src/db/qa-scorecards-repo.ts';
import { createNotifyHandler, startNotifications, type Notifications } from '../src/jobs/notifications/notify-worker.ts';
import { httpEmailProvider } from '../src/notify/email.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { startFakeEmail, type FakeEmailServer } from './helpers/fake-email.ts';
import { startQaSlack, type QaSlack } from './helpers/qa-slack.ts';
import { startTestQueue } from './helpers/root.ts';
import { BOT_TOKEN, eventually } from './helpers/slack-harness.ts';

// Dispute notifications (issue 20, point 4): a dispute opened from Slack reaches the team leads,
// and its settlement the person who disputed and the reviewer, through the notify queue, each by
// their own notify_via (Slack DM, email, none), through the fake Slack Web API and the fake
// Resend-compatible email API. Every attempt is in notification_logs; a job run again sends nothing twice.

const TZ = 'UTC';
const API_KEY = 're_dispute_key';
const USERS = {
  lead: { slackId: 'U0DNLEAD', role: 'lead' },
  lead2: { slackId: 'U0DNLEAD2', role: 'lead' },
  admin: { slackId: 'U0DNADMIN', role: 'admin' },
  dev: { slackId: 'U0DNDEV', role: 'developer' },
  qa: { slackId: 'U0DNQA', role: 'qa' },
};

let t: QaSlack;
let mail: FakeEmailServer;
let boss: PgBoss;
let notifications: Notifications;
const workerDeps = () => ({
  pool: t.db.pool, boss,
  slack: new webApi.WebClient(BOT_TOKEN, { slackApiUrl: t.fake.apiUrl, retryConfig: { retries: 0 } }),
  email: httpEmailProvider({ apiUrl: mail.url, apiKey: API_KEY, from: 'SupportPulse <qa@example.com>' }),
});

interface Log { channel: string; recipient: string; status: string; idempotency_key: string }
const logsOf = (disputeId: number, status: string) =>
  t.rows<Log>(`SELECT channel::text, recipient, status::text, idempotency_key FROM notification_logs WHERE context->>'disputeId' = $1 AND context->>'status' = $2 AND idempotency_key NOT LIKE '%#attempt-%' ORDER BY channel, recipient`, [String(disputeId), status]);
const until = <T>(what: string, fn: () => Promise<T[]>, n: number) => eventually(async () => ((await fn()).length >= n ? fn() : undefined), what);
const dmsTo = (user: string) => t.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === user);

/** A session scored by our QA reviewer, ready to be disputed. */
async function reviewedSession(): Promise<number> {
  const [s] = await t.rows<{ id: number }>(
    `SELECT s.id FROM sessions s WHERE s.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.session_id = s.id) ORDER BY s.id LIMIT 1`,
  );
  const card = await loadScorecard(t.db.pool);
  const answers = Object.fromEntries(card.categories.map((c) => [c.key, c.key === 'accuracy' ? 1 : c.scaleMax]));
  const r = await saveReview(t.db.pool, { sessionId: s!.id, actor: { role: 'qa', userId: t.userIds.qa!, name: USERS.qa.slackId }, answers, rootCauses: [], source: 'test', at: TEST_NOW });
  if (!r.ok) throw new Error(r.reason);
  return s!.id;
}

beforeAll(async () => {
  t = await startQaSlack({ name: 'qadispnotify', timezone: TZ, channel: 'C0DISPNOT', users: USERS, conversations: 20 });
  // only the people made here: the demo team steps aside and keeps no addresses
  await t.rows(`UPDATE users SET role = 'agent', email = NULL WHERE NOT (external_id = ANY($1))`, [Object.values(USERS).map((u) => u.slackId)]);
  const set = (k: keyof typeof USERS, email: string | null, via: string) =>
    t.rows(`UPDATE users SET email = $2, notify_via = $3::"NotifyVia" WHERE id = $1`, [t.userIds[k], email, via]);
  await set('lead', 'Lead@Example.com', 'all');
  await set('lead2', 'lead2@example.com', 'slack');
  await set('admin', 'admin@example.com', 'all');
  await set('dev', 'dev@example.com', 'all');
  await set('qa', 'qa@example.com', 'email');
  mail = await startFakeEmail({ apiKey: API_KEY });
  boss = await startTestQueue(t.db.url);
  notifications = await startNotifications({ ...workerDeps(), retry: { retryLimit: 1, retryDelay: 1, retryBackoff: false } });
});
afterAll(async () => {
  await notifications?.stop();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await mail?.close();
  await t?.close();
});
beforeEach(() => {
  t.reset();
  mail.reset();
});

describe('dispute notifications', () => {
  it('opened from Slack: each lead is told by their own preference; not the admin, not the one who disputed', async () => {
    const sessionId = await reviewedSession();
    const opened = await t.qa(`dispute ${sessionId} The price <@U0EVIL> quoted was right`, USERS.dev.slackId);
    expect(await t.textOf(opened.responseUrl)).toMatch(/^Dispute \d+ opened/);
    const [d] = await t.rows<{ id: number }>(`SELECT id FROM qa_disputes WHERE session_id = $1`, [sessionId]);

    const logs = await until('the opened notifications', () => logsOf(d!.id, 'open'), 3);
    expect(logs.map((l) => [l.channel, l.recipient, l.status])).toEqual([
      ['email', 'lead@example.com', 'sent'],
      ['slack', USERS.lead.slackId, 'sent'],
      ['slack', USERS.lead2.slackId, 'sent'],
    ]);
    const dm = dmsTo(USERS.lead.slackId)[0]!;
    const blocks = JSON.stringify(dm.args.blocks);
    expect(blocks).toContain(`*Dispute ${d!.id}* on <@${USERS.qa.slackId}>'s review of *session ${sessionId}*`);
    expect(blocks).toContain(`raised by <@${USERS.dev.slackId}>`);
    expect(blocks).toContain('The price &lt;@U0EVIL&gt; quoted was right');
    expect(blocks).not.toContain('<@U0EVIL>');
    expect(dmsTo(USERS.admin.slackId)).toHaveLength(0);
    expect(dmsTo(USERS.dev.slackId)).toHaveLength(0);
    expect(mail.emails.map((e) => e.to)).toEqual([['lead@example.com']]);
    expect(mail.emails[0]!.subject).toBe(`[SupportPulse] Dispute ${d!.id} on session ${sessionId} (${await pageOf(sessionId)}), raised by dev person`);
    expect(mail.emails[0]!.idempotencyKey).toBe(`qa-dispute:${d!.id}:open:email:lead@example.com`);

    // the same job handled again (a retry after a crash) sends nothing more
    await createNotifyHandler(workerDeps())({ kind: 'qa_dispute', disputeId: d!.id, sessionId, status: 'open' }, 2, false);
    expect(mail.emails).toHaveLength(1);
    expect(t.fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('rejected from Slack: the one who disputed gets a DM and an email, the reviewer (email only) an email; not the lead who settled it', async () => {
    const [d] = await t.rows<{ id: number; session_id: number; version: number }>(`SELECT id, session_id, version FROM qa_disputes WHERE status = 'open' ORDER BY id LIMIT 1`);
    const meta = JSON.stringify({ sessionId: d!.session_id, version: null, disputeId: d!.id, disputeVersion: d!.version });
    const res = await t.submit(USERS.lead.slackId, REJECT_MODAL, meta, { [REJECT_BLOCK]: { [FIELD]: { type: 'plain_text_input', value: 'Accuracy was wrong: the price changed on Monday' } } });
    expect(res.status).toBe(200);

    const logs = await until('the rejected notifications', () => logsOf(d!.id, 'rejected'), 3);
    expect(logs.map((l) => [l.channel, l.recipient, l.status])).toEqual([
      ['email', 'dev@example.com', 'sent'],
      ['email', 'qa@example.com', 'sent'],
      ['slack', USERS.dev.slackId, 'sent'],
    ]);
    const dm = JSON.stringify(dmsTo(USERS.dev.slackId)[0]!.args.blocks);
    expect(dm).toContain(`*Dispute ${d!.id}* on <@${USERS.qa.slackId}>'s review of *session ${d!.session_id}* was rejected: the review stands. Settled by <@${USERS.lead.slackId}>.`);
    expect(dm).toContain('Accuracy was wrong: the price changed on Monday');
    expect(dmsTo(USERS.qa.slackId)).toHaveLength(0);
    expect(dmsTo(USERS.lead.slackId)).toHaveLength(0);
    const toQa = mail.emails.find((e) => e.to[0] === 'qa@example.com')!;
    expect(toQa.subject).toBe(`[SupportPulse] Dispute ${d!.id} on session ${d!.session_id} was rejected`);
    expect(toQa.text).toContain('Why it stands:\nAccuracy was wrong: the price changed on Monday');
  });

  it('accepted: both are told the corrected QA score; a reviewer who takes nothing (none) is left out', async () => {
    await t.rows(`UPDATE users SET notify_via = 'none' WHERE id = $1`, [t.userIds.qa]);
    const sessionId = await reviewedSession();
    expect(await t.textOf((await t.qa(`dispute ${sessionId} accuracy deserves full marks`, USERS.dev.slackId)).responseUrl)).toMatch(/^Dispute \d+ opened/);
    const [d] = await t.rows<{ id: number }>(`SELECT id FROM qa_disputes WHERE session_id = $1`, [sessionId]);
    const card = await loadScorecard(t.db.pool);
    const answers = Object.fromEntries(card.categories.map((c) => [c.key, c.scaleMax]));
    const r = await resolveDispute(t.db.pool, { disputeId: d!.id, actor: { role: 'lead', userId: t.userIds.lead2!, name: USERS.lead2.slackId }, accept: true, answers, source: 'test', at: TEST_NOW }, t.h.slack.deps.afterDispute);
    expect(r).toMatchObject({ ok: true, review: { score: 100 } });

    const logs = await until('the accepted notifications', () => logsOf(d!.id, 'accepted'), 2);
    expect(logs.map((l) => [l.channel, l.recipient])).toEqual([['email', 'dev@example.com'], ['slack', USERS.dev.slackId]]);
    expect(JSON.stringify(dmsTo(USERS.dev.slackId).at(-1)!.args.blocks)).toContain('was accepted: the review was rescored, QA score now 100.0. Settled by');
  });
});

async function pageOf(sessionId: number): Promise<string> {
  const [p] = await t.rows<{ name: string }>(`SELECT p.name FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id WHERE s.id = $1`, [sessionId]);
  return p!.name;
}
