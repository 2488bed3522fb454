import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_BACKEND_NICE, autogroupNice, localBackendPid, lowerBackendPriority, lowerPoolBackends } from '../src/db/backend-priority.ts';
import { createPool } from '../src/db/pool.ts';
import { loadConfig } from '../src/config.ts';
import { createPools } from '../src/root/infrastructure.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Messenger's background pools get PostgreSQL backends below the request path's
// (src/db/backend-priority.ts): the backend's own nice and, under Linux autogroup scheduling,
// its session's. Only a backend on this host serving the very socket is touched. The test
// database runs on this host (embedded PostgreSQL), as the service's does by default.

let db: TestDatabase;
let background: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('backend_priority');
  background = lowerPoolBackends(createPool(db.url, 1));
});
afterAll(async () => {
  await background?.end();
  await db?.drop();
});

const backendPid = async (c: pg.ClientBase) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
const hasAutogroup = () => {
  try {
    readFileSync('/proc/self/autogroup', 'utf8');
    return true;
  } catch {
    return false;
  }
};

describe.runIf(process.platform === 'linux')('background backends', () => {
  it('runs a background pool\'s backends at the background nice, and leaves the request pool\'s alone', async () => {
    const c = await background.connect();
    try {
      const pid = await backendPid(c);
      expect(localBackendPid(c)).toBe(pid);
      expect(getPriority(pid)).toBe(BACKGROUND_BACKEND_NICE);
      if (hasAutogroup()) expect(autogroupNice(pid)).toBe(BACKGROUND_BACKEND_NICE);
    } finally {
      c.release();
    }
    const api = await db.pool.connect();
    try {
      const pid = await backendPid(api);
      expect(localBackendPid(api)).toBe(pid);
      expect(getPriority(pid)).toBe(0);
      if (hasAutogroup()) expect(autogroupNice(pid)).toBe(0);
    } finally {
      api.release();
    }
  });

  it("lowers the service's analysis pool too, and not its API pool", async () => {
    const pools = createPools(db.url, loadConfig({}), { messenger: false });
    try {
      const analysis = await pools.analysis.connect();
      const api = await pools.api.connect();
      try {
        expect(getPriority(await backendPid(analysis))).toBe(BACKGROUND_BACKEND_NICE);
        expect(getPriority(await backendPid(api))).toBe(0);
      } finally {
        analysis.release();
        api.release();
      }
    } finally {
      await pools.end();
    }
  });

  it('touches no process that is not the backend of this very socket', async () => {
    const api = await db.pool.connect();
    try {
      const pid = await backendPid(api);
      // the same pid seen through another socket (a server in a container numbers its own processes)
      const elsewhere = { processID: pid, connection: { stream: { localPort: 1 } } } as unknown as pg.ClientBase;
      expect(localBackendPid(elsewhere)).toBeUndefined();
      expect(await lowerBackendPriority(elsewhere)).toBeUndefined();
      expect(getPriority(pid)).toBe(0);
    } finally {
      api.release();
    }
  });
});
