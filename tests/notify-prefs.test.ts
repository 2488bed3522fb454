import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changeQaStatus } from '../src/db/qa-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import { parseNotifyVia, type NotifyVia } from '../src/domain/notify-via.ts';
import { startNotifications, type Notifications } from '../src/jobs/notifications/notify-worker.ts';
import { NOTIFY_QUEUE } from '../src/jobs/notifications/qa-notify.ts';
import { httpEmailProvider } from '../src/notify/email.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeEmail, type FakeEmailServer } from './helpers/fake-email.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { eventually } from './helpers/slack-harness.ts';
import { startTestQueue } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// Per-user notification preferences (users.notify_via, issue 20 point 6) honoured by the notify
// worker: developers' issue emails and the reviewer's "fixed" DM and email follow each person's
// choice. "Nothing was sent" is read only after the job has completed (a positive signal): the
// worker settles every delivery of a job before it completes.

const NOW = new Date('2026-11-20T12:00:00Z');
const API_KEY = 're_prefs_key';
let db: TestDatabase;
let slack: FakeSlack;
let mail: FakeEmailServer;
let notifications: Notifications;
let sessions: number[] = [];
const callers: Record<string, Caller> = {};

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];

const PEOPLE: [key: string, role: Role, via: NotifyVia, email: string][] = [
  ['rev_all', 'qa', 'all', 'rev-all@example.com'],
  ['rev_email', 'qa', 'email', 'rev-email@example.com'],
  ['rev_slack', 'qa', 'slack', 'rev-slack@example.com'],
  ['rev_none', 'qa', 'none', 'rev-none@example.com'],
  ['dev_all', 'developer', 'all', 'dev-all@example.com'],
  ['dev_email', 'developer', 'email', 'dev-email@example.com'],
  ['dev_slack', 'developer', 'slack', 'dev-slack@example.com'],
  ['dev_none', 'developer', 'none', 'dev-none@example.com'],
];
const slackId = (key: string) => `U0${key.toUpperCase().replace('_', '')}`;

async function change(sessionId: number, to: 'issue' | 'fixed', who: string): Promise<number> {
  const r = await changeQaStatus(db.pool, { sessionId, to, actor: callers[who]!, ...(to === 'fixed' ? { devFeedback: 'fixed it' } : { notes: 'wrong answer' }), source: 'test' }, notifications.hook);
  if (!r.ok) throw new Error(r.reason);
  return r.eventId;
}
/** Waits until the event's job completed; then returns what its notifications did. */
async function settled(eventId: number): Promise<[string, string][]> {
  await eventually(async () => (await q<{ state: string }>(`SELECT state::text FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2`, [NOTIFY_QUEUE, String(eventId)]))[0]?.state === 'completed', `job of event ${eventId} completed`);
  const rows = await q<{ channel: string; recipient: string }>(`SELECT channel::text, recipient FROM notification_logs WHERE status = 'sent' AND context->>'eventId' = $1 ORDER BY channel, recipient`, [String(eventId)]);
  return rows.map((r) => [r.channel, r.recipient]);
}

let boss: PgBoss | undefined;
beforeAll(async () => {
  db = await createTestDatabase('notifyprefs');
  await seedDemoData(db.url, { conversations: 10, now: NOW, timezone: 'UTC' });
  await q(`UPDATE users SET email = NULL`);
  for (const [key, role, via, email] of PEOPLE) {
    const [u] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, role, email, notify_via, updated_at) VALUES ('slack', $1, $2::"UserRole", $3, $4::"NotifyVia", now()) RETURNING id`, [slackId(key), role, email, via]);
    callers[key] = { role, userId: u!.id, name: slackId(key) };
  }
  sessions = (await q<{ id: number }>(`SELECT id FROM sessions WHERE deleted_at IS NULL ORDER BY id LIMIT 5`)).map((r) => r.id);
  slack = await startFakeSlack();
  mail = await startFakeEmail({ apiKey: API_KEY });
  notifications = await startNotifications({
    boss: (boss ??= await startTestQueue(db.url)),
    pool: db.pool,
    slack: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
    email: httpEmailProvider({ apiUrl: mail.url, apiKey: API_KEY, from: 'SupportPulse <qa@example.com>' }),
  });
});
afterAll(async () => {
  await notifications?.stop();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await slack?.close();
  await mail?.close();
  await db?.drop();
});
beforeEach(() => {
  slack.reset();
  mail.reset();
});

describe('parseNotifyVia', () => {
  it('reads slack, email, both/all, none/off in any case, nothing else', () => {
    expect(['Slack', 'EMAIL', 'both', 'all', 'none', 'off'].map(parseNotifyVia)).toEqual(['slack', 'email', 'all', 'all', 'none', 'none']);
    expect(['', 'dm', 'mail', 'sms'].map(parseNotifyVia)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('the notify worker honours each person\'s preference', () => {
  it('issue: only developers who take email (all, email) are emailed', async () => {
    const event = await change(sessions[0]!, 'issue', 'rev_all');
    expect(await settled(event)).toEqual([['email', 'dev-all@example.com'], ['email', 'dev-email@example.com']]);
    expect(mail.emails.flatMap((e) => e.to).sort()).toEqual(['dev-all@example.com', 'dev-email@example.com']);
  });

  it('fixed: the reviewer gets a DM and an email (all), only an email, only a DM, or nothing, as they chose', async () => {
    const expected: Record<string, [string, string][]> = {
      rev_all: [['email', 'rev-all@example.com'], ['slack', slackId('rev_all')]],
      rev_email: [['email', 'rev-email@example.com']],
      rev_slack: [['slack', slackId('rev_slack')]],
      rev_none: [],
    };
    let i = 1;
    for (const [reviewer, sent] of Object.entries(expected)) {
      const id = sessions[i++]!;
      await settled(await change(id, 'issue', reviewer));
      const fixed = await change(id, 'fixed', 'dev_all');
      expect(await settled(fixed), reviewer).toEqual(sent);
    }
    // what the fakes received agrees with the log
    expect(slack.callsTo('chat.postMessage').map((c) => c.args.channel).sort()).toEqual([slackId('rev_all'), slackId('rev_slack')]);
  });
});
