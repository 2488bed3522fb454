import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assistant } from '../src/agents/assistant/assistant.ts';
import { build } from '../src/app.ts';
import { botFrameworkRoutes } from '../src/bots/botframework/plugin.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// An activity whose text PostgreSQL cannot store (probed 7 Dec 2026): a NUL character or an
// unpaired surrogate in its text or conversation id was answered 200, and the turn then failed
// in the database (thread memory, users, even the error_logs row about it). Now a 400 naming
// the field, before anything runs.

let db: TestDatabase;
let app: FastifyInstance;
const asked: string[] = [];
const assistant: Assistant = {
  modelName: 'double',
  async ask(_thread, question) {
    asked.push(question);
    throw new Error('not asked in these tests');
  },
};

beforeAll(async () => {
  db = await createTestDatabase('botframework_input');
  app = await build({
    prisma: db.prisma,
    logger: createLogger('silent'),
    pool: db.pool,
    plugins: [botFrameworkRoutes({ assistant, pool: db.pool, botFramework: {}, host: '127.0.0.1', replyWithinMs: 30_000 })],
  });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

/** An Emulator activity as JSON text, with <NUL> and <LONE> written as the escapes a client may send. */
const activity = (conversationId: string, text: string) =>
  JSON.stringify({
    type: 'message', id: `act-${conversationId}`, channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', conversation: { id: conversationId },
    from: { id: 'user-lea', name: 'Lea' }, recipient: { id: 'bot' }, text,
  }).replaceAll('<NUL>', '\\u0000').replaceAll('<LONE>', '\\ud800');

describe('/api/messages and text PostgreSQL cannot store', () => {
  const cases = [
    ['c-nul', 'CSI last week<NUL>', 'text', /NUL/],
    ['c-lone', 'CSI last week <LONE>', 'text', /surrogate/],
    ['c<NUL>x', 'CSI last week', 'conversation.id', /NUL/],
  ] as const;
  for (const [conversation, text, field, problem] of cases) {
    it(`answers ${field} holding ${problem.source} with 400 naming it, asks nothing, writes nothing`, async () => {
      const res = await app.inject({ method: 'POST', url: '/api/messages', headers: { 'content-type': 'application/json' }, payload: activity(conversation, text) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'BAD_REQUEST', fields: [{ field, problem: expect.stringMatching(problem) }] });
    });
  }

  it('asked the assistant nothing and wrote no error_logs row', async () => {
    expect(asked).toEqual([]);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM error_logs');
    expect(rows[0]!.n).toBe(0);
  });
});

describe('/api/messages with MICROSOFT_APP_ID and no valid token', () => {
  it('answers 401 as JSON with the catalogue code, not the SDK\'s plain text', async () => {
    const authed = await build({
      prisma: db.prisma,
      logger: createLogger('silent'),
      pool: db.pool,
      plugins: [botFrameworkRoutes({ assistant, pool: db.pool, botFramework: { appId: '00000000-0000-0000-0000-000000000001', appPassword: 'not-used-here' }, host: '127.0.0.1' })],
    });
    try {
      for (const authorization of [undefined, 'Bearer not-a-jwt']) {
        const res = await authed.inject({
          method: 'POST', url: '/api/messages', payload: activity('c-auth', 'What was the CSI last week?'),
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        });
        expect(res.statusCode, authorization).toBe(401);
        expect(res.json(), authorization).toMatchObject({ error: 'UNAUTHORIZED', requestId: expect.any(String) });
      }
      expect(asked).toEqual([]);
    } finally {
      await authed.close();
    }
  });
});

describe('/api/messages with a body that is not JSON', () => {
  it('answers text/plain with 415 naming application/json, asking nothing', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/messages', headers: { 'content-type': 'text/plain' }, payload: activity('c-text', 'CSI last week') });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('reads application/json'), requestId: expect.any(String) });
    expect(asked).toEqual([]);
  });
});
