import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { changeQaStatus, type AfterQaChange } from '../src/db/qa-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import { startNotifications, type Notifications } from '../src/jobs/notifications/notify-worker.ts';
import { NOTIFY_QUEUE, QA_ACTIONS } from '../src/jobs/notifications/qa-notify.ts';
import { EmailError, emailProviderFromConfig, emailsEndpoint, httpEmailProvider } from '../src/notify/email.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { startFakeEmail, type FakeEmailServer } from './helpers/fake-email.ts';
import { startFakeSlack, type FakeSlack } from './helpers/fake-slack.ts';
import { WAIT_MS } from './helpers/wait.ts';
import { startTestQueue } from './helpers/root.ts';
import type PgBoss from 'pg-boss';

// QA notifications end to end (issue 6, part 4): a change queues a job in its transaction; the
// notify worker posts to QA_CHANNEL / DMs the reviewer through the fake Slack Web API and sends
// email through the fake Resend-compatible API; failures are retried, then logged as failed,
// and never touch the change.

const NOW = new Date('2026-11-20T12:00:00Z');
const QA_CHANNEL = 'C0QACHANNEL';
const API_KEY = 're_test_key';
let db: TestDatabase;
let slack: FakeSlack;
let mail: FakeEmailServer;
let notifications: Notifications;
let sessionIds: number[] = [];
const callers: Partial<Record<Role, Caller>> = {};

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const caller = (role: Role): Caller => callers[role]!;
let next = 0;
const fresh = async (): Promise<number> => {
  const id = sessionIds[next++];
  if (id === undefined) throw new Error('out of seeded sessions');
  await q(`DELETE FROM qa_events WHERE session_id = $1`, [id]);
  await q(`UPDATE sessions SET qa_status = 'unchecked', qa_version = 0, qa_notes = NULL, dev_feedback = NULL WHERE id = $1`, [id]);
  return id;
};
interface LogRow { channel: string; recipient: string; status: string; error: string | null; idempotency_key: string; context: { attempt: number; final?: boolean } }
const logs = (eventId: number) =>
  q<LogRow>(`SELECT channel::text, recipient, status::text, error, idempotency_key, context FROM notification_logs WHERE context->>'eventId' = $1 ORDER BY id`, [String(eventId)]);

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = WAIT_MS): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const jobState = async (eventId: number) =>
  (await q<{ state: string }>(`SELECT state::text FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2`, [NOTIFY_QUEUE, String(eventId)]))[0]?.state;

let boss: PgBoss | undefined;
beforeAll(async () => {
  db = await createTestDatabase('qanotify');
  await seedDemoData(db.url, { conversations: 20, now: NOW, timezone: 'UTC' });
  sessionIds = (await q<{ id: number }>(`SELECT id FROM sessions ORDER BY id LIMIT 20`)).map((r) => r.id);
  // the demo team's developers have addresses: keep the recipients to the people made here
  await q(`UPDATE users SET email = NULL`);
  const users: [Role, string, string | null][] = [
    ['qa', 'U0REVIEWER', 'Reviewer@Example.com'],
    ['developer', 'U0DEV1', 'dev1@example.com'],
    ['admin', 'U0ADMIN', null],
  ];
  for (const [role, slackId, email] of users) {
    const [u] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, name, email, role, updated_at) VALUES ('slack', $1, $2, $3, $4::"UserRole", now()) RETURNING id`, [
      slackId, `${role} person`, email, role,
    ]);
    callers[role] = { role, userId: u!.id, name: slackId };
  }
  // a developer without an address gets no email; duplicate addresses get one
  await q(`INSERT INTO users (platform, external_id, role, updated_at) VALUES ('slack', 'U0DEV2', 'developer', now())`);
  await q(`INSERT INTO users (platform, external_id, email, role, updated_at) VALUES ('botframework', 'aad-dev', ' DEV1@example.com ', 'developer', now())`);
  slack = await startFakeSlack();
  mail = await startFakeEmail({ apiKey: API_KEY });
  notifications = await startNotifications({
    boss: (boss ??= await startTestQueue(db.url)),
    pool: db.pool,
    slack: new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
    email: httpEmailProvider({ apiUrl: mail.url, apiKey: API_KEY, from: 'SupportPulse <qa@example.com>' }),
    qaChannel: QA_CHANNEL,
    issueEmailTo: ['leads@example.com'],
    // small delays: three attempts a second apart
    retry: { retryLimit: 2, retryDelay: 1, retryBackoff: false },
  });
});
afterAll(async () => {
  await notifications?.stop();
  await slack?.close();
  await mail?.close();
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
  await db?.drop();
});
beforeEach(() => {
  slack.reset();
  mail.reset();
});

describe('qa notifications', () => {
  it('issue: a QA_CHANNEL post with summary, notes and buttons, and an email to each developer', async () => {
    const id = await fresh();
    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'Promised a refund <@U0EVIL> we do not offer', source: 'test' }, notifications.hook);
    if (!r.ok) throw new Error(r.reason);
    const post = await slack.waitFor('chat.postMessage', (c) => c.args.channel === QA_CHANNEL);
    expect(post.token).toBe('xoxb-test');
    const blocks = JSON.stringify(post.args.blocks);
    expect(blocks).toContain(`QA issue on session ${id}`);
    expect(blocks).toContain('<@U0REVIEWER>');
    expect(blocks).toContain('Promised a refund &lt;@U0EVIL&gt; we do not offer');
    expect(blocks).not.toContain('<@U0EVIL>');
    const page = (await q<{ name: string }>(`SELECT p.name FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id WHERE s.id = $1`, [id]))[0]!.name;
    expect(blocks).toContain(page);
    const actions = (post.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.action_id)).toEqual([QA_ACTIONS.fixed, QA_ACTIONS.show]);
    expect(JSON.parse(actions.elements![0]!.value)).toEqual({ sessionId: id, version: r.session.qaVersion });

    const rows = await until('three sent notifications', () => logs(r.eventId), (l) => l.length >= 3);
    expect(rows.map((l) => [l.channel, l.recipient, l.status]).sort()).toEqual([
      ['email', 'dev1@example.com', 'sent'],
      ['email', 'leads@example.com', 'sent'],
      ['slack', QA_CHANNEL, 'sent'],
    ]);
    expect(mail.emails.map((e) => e.to).sort()).toEqual([['dev1@example.com'], ['leads@example.com']]);
    const email = mail.emails[0]!;
    expect(email.from).toBe('SupportPulse <qa@example.com>');
    expect(email.subject).toBe(`[SupportPulse] QA issue on session ${id} (${page})`);
    expect(email.text).toContain('Promised a refund <@U0EVIL> we do not offer');
    expect(email.html).toContain('Promised a refund &lt;@U0EVIL&gt; we do not offer');
    expect(email.idempotencyKey).toBe(`qa:${r.eventId}:email:${email.to[0]}`);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('email server down: the change succeeds at once; the email is retried, then logged as failed; Slack is posted once', async () => {
    const id = await fresh();
    mail.down();
    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'wrong opening hours', source: 'test' }, notifications.hook);
    expect(r).toMatchObject({ ok: true, session: { qaStatus: 'issue' } });
    expect((await q<{ qa_status: string }>(`SELECT qa_status::text FROM sessions WHERE id = $1`, [id]))[0]!.qa_status).toBe('issue');
    if (!r.ok) return;

    await until('the job to end', () => jobState(r.eventId), (s) => s === 'completed');
    const rows = await logs(r.eventId);
    const emailRows = rows.filter((l) => l.channel === 'email' && l.recipient === 'dev1@example.com');
    expect(emailRows.map((l) => [l.status, l.context.attempt, l.context.final, l.idempotency_key])).toEqual([
      ['failed', 1, false, `qa:${r.eventId}:email:dev1@example.com#attempt-1`],
      ['failed', 2, false, `qa:${r.eventId}:email:dev1@example.com#attempt-2`],
      ['failed', 3, true, `qa:${r.eventId}:email:dev1@example.com`],
    ]);
    expect(emailRows[2]!.error).toMatch(/email API answered 503 service_unavailable/);
    // 2 addresses × 3 attempts reached the server; none was sent
    expect(mail.requests.filter((x) => x.status === 503)).toHaveLength(6);
    expect(mail.emails).toEqual([]);
    // the Slack post succeeded on the first attempt and was not repeated by the retries
    expect(rows.filter((l) => l.channel === 'slack').map((l) => l.status)).toEqual(['sent']);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    // the session is still issue, with one event
    expect((await q(`SELECT 1 FROM qa_events WHERE session_id = $1`, [id])).length).toBe(1);
  });

  it('a retried job does not double-send: Slack fails once, the email went out on the first attempt and is not repeated', async () => {
    const id = await fresh();
    slack.failNext('chat.postMessage', { status: 200, error: 'internal_error' });
    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('admin'), notes: 'loops on greeting', source: 'test' }, notifications.hook);
    if (!r.ok) throw new Error(r.reason);
    await until('the job to end', () => jobState(r.eventId), (s) => s === 'completed');
    const rows = await logs(r.eventId);
    expect(rows.filter((l) => l.channel === 'slack').map((l) => [l.status, l.context.attempt])).toEqual([
      ['failed', 1],
      ['sent', 2],
    ]);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.ok)).toHaveLength(1);
    expect(mail.emails).toHaveLength(2);
    expect(rows.filter((l) => l.channel === 'email').map((l) => l.status)).toEqual(['sent', 'sent']);

    // the same job delivered again (a redelivery) sends nothing new
    await notifications.boss.send(NOTIFY_QUEUE, { kind: 'qa_issue', sessionId: id, eventId: r.eventId, version: r.session.qaVersion });
    await until('the repeat to end', () => q<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'eventId' = $2 AND state = 'completed'`, [NOTIFY_QUEUE, String(r.eventId)]), (x) => x[0]!.n === 2);
    expect(mail.emails).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.ok)).toHaveLength(1);
    expect(await logs(r.eventId)).toHaveLength(rows.length);
  });

  it('fixed: the reviewer who raised the issue gets a Slack DM and an email', async () => {
    const id = await fresh();
    const issue = await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'quoted the wrong price', source: 'test' }, notifications.hook);
    if (!issue.ok) throw new Error(issue.reason);
    await until('the issue job', () => jobState(issue.eventId), (s) => s === 'completed');
    slack.reset();
    mail.reset();
    const fixed = await changeQaStatus(db.pool, { sessionId: id, to: 'fixed', actor: caller('developer'), devFeedback: 'price list refreshed nightly', source: 'test' }, notifications.hook);
    if (!fixed.ok) throw new Error(fixed.reason);
    const dm = await slack.waitFor('chat.postMessage', (c) => c.args.channel === 'U0REVIEWER');
    expect(String(dm.args.text)).toContain(`Session ${id} you flagged was marked fixed`);
    const blocks = JSON.stringify(dm.args.blocks);
    expect(blocks).toContain('<@U0DEV1>');
    expect(blocks).toContain('quoted the wrong price');
    expect(blocks).toContain('price list refreshed nightly');
    const email = await mail.waitForEmail((e) => e.to.includes('reviewer@example.com'));
    expect(email.subject).toBe(`[SupportPulse] Session ${id} was marked fixed`);
    const rows = await until('two sent', () => logs(fixed.eventId), (l) => l.length >= 2);
    expect(rows.map((l) => [l.channel, l.recipient, l.status]).sort()).toEqual([
      ['email', 'reviewer@example.com', 'sent'],
      ['slack', 'U0REVIEWER', 'sent'],
    ]);
    // nobody else: no QA_CHANNEL post, no developer email for a fix
    await until('the fixed job', () => jobState(fixed.eventId), (s) => s === 'completed');
    expect(slack.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual(['U0REVIEWER']);
    expect(mail.emails.map((e) => e.to)).toEqual([['reviewer@example.com']]);
  });

  it('passed notifies nobody; a change that rolls back queues nothing', async () => {
    const id = await fresh();
    const passed = await changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('qa'), source: 'test' }, notifications.hook);
    if (!passed.ok) throw new Error(passed.reason);
    expect(await jobState(passed.eventId)).toBeUndefined();

    const id2 = await fresh();
    let eventId = 0;
    const failing: AfterQaChange = async (client, change) => {
      await notifications.hook(client, change);
      eventId = change.eventId;
      throw new Error('something after the hook failed');
    };
    await expect(changeQaStatus(db.pool, { sessionId: id2, to: 'issue', actor: caller('qa'), notes: 'x', source: 'test' }, failing)).rejects.toThrow('something after the hook failed');
    expect(eventId).toBeGreaterThan(0);
    expect(await jobState(eventId)).toBeUndefined();
    // An issue committed after both is notified; by the end of its job a notification for either
    // of them would have been sent too, so what was sent is all about the later one.
    const id3 = await fresh();
    const later = await changeQaStatus(db.pool, { sessionId: id3, to: 'issue', actor: caller('qa'), notes: 'later', source: 'test' }, notifications.hook);
    if (!later.ok) throw new Error(later.reason);
    await until('the later issue\'s job to end', () => jobState(later.eventId), (st) => st === 'completed');
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) expect(String(p.args.text)).toContain(`session ${id3}`);
    expect(mail.emails.length).toBeGreaterThan(0);
    for (const e of mail.emails) expect(e.subject).toContain(`session ${id3}`);
  });
});

describe('email providers', () => {
  it('chooses the HTTP API (URL + key) over SMTP_URL, needs EMAIL_FROM, as the startup status says', () => {
    const from = 'pulse@example.com';
    expect(emailProviderFromConfig({ apiUrl: 'https://api.resend.com', apiKey: 'k', smtpUrl: 'smtp://h:25', from })?.kind).toBe('http');
    const smtp = emailProviderFromConfig({ smtpUrl: 'smtp://user:pass@127.0.0.1:2525', from });
    expect(smtp?.kind).toBe('smtp');
    smtp?.close?.();
    expect(emailProviderFromConfig({ smtpUrl: 'smtp://h:25' })).toBeUndefined();
    expect(emailProviderFromConfig({ apiUrl: 'https://api.resend.com', smtpUrl: 'smtp://h:25', from })).toBeUndefined();
    expect(emailProviderFromConfig({ from })).toBeUndefined();
    expect(emailsEndpoint('https://api.resend.com')).toBe('https://api.resend.com/emails');
    expect(emailsEndpoint('https://mail.example.com/v1/emails/')).toBe('https://mail.example.com/v1/emails');
  });

  it('the HTTP provider sends the Resend wire format and reports refusals and outages as EmailError', async () => {
    const ok = httpEmailProvider({ apiUrl: mail.url, apiKey: API_KEY, from: 'a@example.com' });
    const sent = await ok.send({ to: ['x@example.com'], subject: 'hi', html: '<p>hi</p>', text: 'hi', idempotencyKey: 'k-1' });
    expect(sent.id).toBe(mail.emails[0]!.id);
    expect(mail.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(mail.requests[0]!.body).toEqual({ from: 'a@example.com', to: ['x@example.com'], subject: 'hi', html: '<p>hi</p>', text: 'hi' });
    // the same key again: the API answers the same id and sends nothing
    expect((await ok.send({ to: ['x@example.com'], subject: 'hi', html: '<p>hi</p>', text: 'hi', idempotencyKey: 'k-1' })).id).toBe(sent.id);
    expect(mail.emails).toHaveLength(1);

    const wrongKey = httpEmailProvider({ apiUrl: mail.url, apiKey: 'nope', from: 'a@example.com' });
    const refused = await wrongKey.send({ to: ['x@example.com'], subject: 'hi', html: 'h', text: 't' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EmailError);
    expect(refused).toMatchObject({ status: 403, message: 'email API answered 403 invalid_api_key: API key is invalid' });

    mail.down('reset');
    const dropped = await ok.send({ to: ['x@example.com'], subject: 'hi', html: 'h', text: 't' }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(EmailError);
    expect((dropped as EmailError).status).toBeUndefined();
    expect((dropped as EmailError).message).toMatch(/^email API unreachable at http:\/\/127\.0\.0\.1:\d+\/emails: /);
  });
});

/** A minimal SMTP server (RFC 5321 happy path, no STARTTLS, no auth) keeping what it receives. */
async function fakeSmtp(): Promise<{ url: string; mails: { from: string; to: string[]; data: string }[]; close(): Promise<void> }> {
  const mails: { from: string; to: string[]; data: string }[] = [];
  const server = createTcpServer((socket) => {
    let buffer = '';
    let inData = false;
    let current = { from: '', to: [] as string[], data: '' };
    const say = (line: string) => socket.write(`${line}\r\n`);
    say('220 fake.smtp ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          mails.push(current);
          current = { from: '', to: [], data: '' };
          say('250 2.0.0 queued as fake');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') say('250-fake.smtp\r\n250 8BITMIME');
        else if (verb === 'HELO') say('250 fake.smtp');
        else if (verb === 'MAIL') {
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          say('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          say('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          say('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          say('221 bye');
          socket.end();
        } else if (verb === 'RSET' || verb === 'NOOP') say('250 ok');
        else say('502 5.5.1 not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('SMTP provider', () => {
  it('sends through nodemailer to an SMTP server: envelope, subject, both bodies, the idempotency header', async () => {
    const smtp = await fakeSmtp();
    const provider = emailProviderFromConfig({ smtpUrl: smtp.url, from: 'SupportPulse <qa@example.com>' })!;
    try {
      const sent = await provider.send({ to: ['dev1@example.com'], subject: 'QA issue on session 5', html: '<p>wrong &amp; late</p>', text: 'wrong & late', idempotencyKey: 'qa:1:email:dev1@example.com' });
      expect(sent.id).toMatch(/^<.+@.+>$/);
      expect(smtp.mails).toHaveLength(1);
      const m = smtp.mails[0]!;
      expect(m.from).toBe('qa@example.com');
      expect(m.to).toEqual(['dev1@example.com']);
      expect(m.data).toMatch(/^Subject: QA issue on session 5\r?$/m);
      expect(m.data).toMatch(/^Resend-Idempotency-Key: qa:1:email:dev1@example.com\r?$/m);
      expect(m.data).toContain('text/plain');
      expect(m.data).toContain('text/html');
    } finally {
      provider.close?.();
      await smtp.close();
    }
    // a server that is gone: an EmailError, for the worker to retry
    const gone = emailProviderFromConfig({ smtpUrl: smtp.url, from: 'qa@example.com' })!;
    const err = await gone.send({ to: ['x@example.com'], subject: 's', html: 'h', text: 't' }).catch((e: unknown) => e);
    gone.close?.();
    expect(err).toBeInstanceOf(EmailError);
    expect((err as Error).message).toMatch(/^SMTP send failed: /);
  });
});
