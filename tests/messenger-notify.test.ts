import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/app.ts';
import { startMessenger, type MessengerService } from '../src/bots/messenger/index.ts';
import { signatureOf } from '../src/bots/messenger/signature.ts';
import { loadConfig } from '../src/config.ts';
import type { CustomerAgent } from '../src/domain/messenger/contracts.ts';
import { EVENTS_CHANNEL } from '../src/db/messenger-repo.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';
import { messengerPools, type TestMessengerPools } from './helpers/root.ts';

// Other instances hear of new inbox events through a NOTIFY after the acknowledgement. A
// NOTIFY is a commit of its own (a WAL flush): during a burst of deliveries the webhook sends
// one per window (bots/messenger/index.ts NOTIFY_OTHERS_WINDOW_MS), not one per delivery or
// round trip. A window of a minute here: the burst's deliveries all fall inside the first one.

const SECRET = 'notify-secret-5d1';
const PAGE = '1090000000071';
let db: TestDatabase;
let app: FastifyInstance;
let messenger: MessengerService;
let mpools: TestMessengerPools;
let listener: pg.Client;
const heard: string[] = [];
/** NOTIFY statements the webhook issued on its worker pool, and how many have not finished */
const notifies = { issued: 0, pending: 0 };

beforeAll(async () => {
  db = await createTestDatabase('messenger_notify');
  const config = loadConfig({ MESSENGER_APP_SECRET: SECRET, MESSENGER_VERIFY_TOKEN: 'v', LOG_LEVEL: 'warn' });
  const { logger } = capturingLogger('fatal');
  // no reply loops (concurrency 0): only the webhook and its NOTIFY are under test
  const agent: CustomerAgent = { respond: async () => { throw new Error('no turns expected'); } };
  mpools = messengerPools(db.url, 0);
  // counts the NOTIFYs as they go out (the listener below hears them only once committed)
  const worker = mpools.worker;
  const query = worker.query.bind(worker) as (...args: unknown[]) => Promise<unknown>;
  worker.query = ((...args: unknown[]) => {
    const p = query(...args);
    if (typeof args[0] === 'string' && args[0].includes('pg_notify')) {
      notifies.issued++;
      notifies.pending++;
      const done = () => void notifies.pending--;
      p.then(done, done);
    }
    return p;
  }) as typeof worker.query;
  messenger = await startMessenger({ config, pool: db.pool, pools: mpools, materializerDatabaseUrl: db.url, logger, agent, concurrency: 0, notifyWindowMs: 60_000 });
  app = await build({ prisma: db.prisma, logger, pool: db.pool, plugins: [messenger.plugin] });
  // another instance's LISTEN
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (n) => heard.push(n.payload ?? ''));
  await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
});

afterAll(async () => {
  await listener?.end();
  await messenger?.stop();
  await app?.close();
  await mpools?.end();
  await db?.drop();
});

describe('waking other instances', () => {
  it('sends one NOTIFY for a burst of deliveries, after the first was stored', async () => {
    const at = Date.UTC(2026, 10, 25, 14, 30);
    for (let i = 0; i < 12; i++) {
      const raw = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: at + i, messaging: [{ sender: { id: `PSIDN${i % 3}` }, recipient: { id: PAGE }, timestamp: at + i, message: { mid: `m_notify_${i}`, text: `hello ${i}` } }] }] });
      const res = await app.inject({ method: 'POST', url: '/webhooks/messenger', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(SECRET, raw) } });
      expect(res.statusCode).toBe(200);
    }
    // the first went out at once; every NOTIFY issued so far has finished
    await eventually(async () => notifies.issued > 0 && notifies.pending === 0);
    expect(notifies.issued).toBe(1);
    // and another instance heard it (notifications arrive in commit order: the sentinel comes after it)
    await db.pool.query(`SELECT pg_notify('${EVENTS_CHANNEL}', 'sentinel')`);
    await eventually(async () => heard.includes('sentinel'));
    expect(heard).toEqual(['', 'sentinel']);
  });
});
