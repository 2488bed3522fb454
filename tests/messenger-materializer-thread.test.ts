import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebhookBody } from '../src/domain/messenger/events.ts';
import { MessengerStore } from '../src/db/messenger-repo.ts';
import { startMaterializerThread, type MaterializerThread } from '../src/jobs/messenger/materializer-host.ts';
import { BACKGROUND_NICE } from '../src/jobs/thread-priority.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { capturingLogger, eventually } from './helpers/slack-harness.ts';

// The materializer's own thread runs below the webhook's event loop: its rounds of inbox
// events wait for a core, acknowledgements do not (src/jobs/thread-priority.ts). Linux only:
// elsewhere the thread reports that it could not lower itself and runs as before.

const PAGE = '5090000000002';
let db: TestDatabase;
let thread: MaterializerThread | undefined;

beforeAll(async () => {
  db = await createTestDatabase('messenger_materializer_thread');
});
afterAll(async () => {
  await thread?.stop();
  await db?.drop();
});

/** nice value of one thread of this process: field 19 of /proc/self/task/<tid>/stat (after the parenthesised name) */
const niceOf = (tid: number) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);

describe.runIf(process.platform === 'linux')('materializer thread', () => {
  it('lowers only its own thread to the background nice value, and still turns inbox events into messages', async () => {
    const { logger } = capturingLogger('fatal');
    let materialized = 0;
    // a thread starts at its creator's nice value; an operator's higher one (nice npm test) stays
    const mainBefore = niceOf(process.pid);
    thread = startMaterializerThread({ databaseUrl: db.url, logLevel: 'fatal', logger, pool: db.pool, onMaterialized: () => materialized++ });
    await eventually(async () => thread!.threadId() !== undefined);
    const tid = thread.threadId()!;
    expect(tid).not.toBeNull();
    expect(tid).not.toBe(process.pid);
    expect(niceOf(tid)).toBe(Math.max(BACKGROUND_NICE, mainBefore));
    // the thread that runs this test keeps its priority
    expect(niceOf(process.pid)).toBe(mainBefore);

    const at = Date.UTC(2026, 10, 25, 14, 30);
    await new MessengerStore(db.pool).store(
      parseWebhookBody({ object: 'page', entry: [{ id: PAGE, time: at, messaging: [{ sender: { id: 'PSIDNICE' }, recipient: { id: PAGE }, timestamp: at, message: { mid: 'nice_1', text: 'hello' } }] }] }).events,
    );
    thread.wake();
    await eventually(async () => (await db.pool.query(`SELECT 1 FROM messages WHERE mid = 'nice_1'`)).rowCount === 1);
    // the thread's report of a round crosses to this thread after the round's commit: the row can be seen first
    await eventually(async () => materialized > 0);
    expect(materialized).toBeGreaterThan(0);
  });
});
