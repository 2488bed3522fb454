import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../src/db/migrator.ts';
import { isAlive, pidOfPostmaster } from '../src/db/processes.ts';
import { createEmptyDatabase, query } from './helpers/db.ts';
import { freePort } from './helpers/net.ts';
import { killAllServices, startService } from './helpers/service.ts';
import { startSystemPostgres } from './helpers/system-postgres.ts';

// The service as a process: embedded lifecycle, DATABASE_URL, concurrent starts, bad config.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAllServices();
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function tempDataDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'pulse-svc-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}


describe('embedded PostgreSQL lifecycle', () => {
  it('initialises once, reuses later, survives a crash and a stale postmaster.pid, stops on SIGTERM', async () => {
    const dataDir = await tempDataDir();
    const pgPort = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), DEMO_DATA: 'false' };
    const pgDir = path.join(dataDir, 'pg');
    // Registered before the data dir's removal (cleanups run in reverse): a failed run must
    // not leave an orphaned postgres behind.
    cleanups.push(async () => {
      const pid = await pidOfPostmaster(pgDir);
      if (pid && isAlive(pid)) process.kill(pid, 'SIGINT');
    });

    const first = startService(env, await freePort());
    await first.waitReady();
    expect(first.output()).toMatch(/"kind":"started"/);
    expect(existsSync(path.join(pgDir, 'PG_VERSION'))).toBe(true);
    first.proc.kill('SIGTERM');
    await first.waitExit();
    expect(first.output()).toMatch(/"msg":"stopped"/);
    expect(await pidOfPostmaster(pgDir)).toBeUndefined(); // clean shutdown removes postmaster.pid

    // Later start: no initdb, same cluster.
    const second = startService({ ...env, LOG_LEVEL: 'debug' }, await freePort());
    // (how fast a later start is belongs to the benches: here only that it re-initialises nothing)
    await second.waitReady();
    expect(second.output()).not.toMatch(/initialising embedded postgres/);

    // Crash: the service dies without cleanup; the postgres it started lives on, orphaned.
    second.proc.kill('SIGKILL');
    await second.waitExit();
    const orphan = await pidOfPostmaster(pgDir);
    expect(orphan).toBeDefined();
    const third = startService(env, await freePort());
    await third.waitReady();
    expect(third.output()).toMatch(/"kind":"adopted"/);
    third.proc.kill('SIGINT');
    await third.waitExit();
    expect(isAlive(orphan!)).toBe(false); // the adopted server is stopped on shutdown

    // Stale postmaster.pid naming a live process that is not postgres (PID reuse after a crash).
    await writeFile(path.join(pgDir, 'postmaster.pid'), `${process.pid}\n${pgDir}\n`);
    const fourth = startService(env, await freePort());
    await fourth.waitReady();
    fourth.proc.kill('SIGTERM');
    await fourth.waitExit();
    expect(isAlive(process.pid)).toBe(true);
  }, 240_000);
});

describe('DATABASE_URL', () => {
  it('uses and migrates the given server and starts no embedded one', async () => {
    const sys = await startSystemPostgres();
    cleanups.push(() => sys.stop());
    const dataDir = await tempDataDir();
    const svc = startService({ DATABASE_URL: sys.url, DATA_DIR: dataDir, DEMO_DATA: 'false' }, await freePort());
    await svc.waitReady();
    expect(svc.output()).toMatch(/"kind":"external"/);
    expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
    const applied = await query<{ migration_name: string }>(sys.url, 'SELECT migration_name FROM "_prisma_migrations"');
    expect(applied.map((r) => r.migration_name)).toEqual((await readMigrations()).map((m) => m.name));
    expect(sys.version).toMatch(/^\d+/);
    svc.proc.kill('SIGTERM');
    expect(await svc.waitExit()).not.toBeNull();
  });

  it('two services starting at once on an empty database both become ready; migrations run once', async () => {
    const empty = await createEmptyDatabase('race');
    cleanups.push(() => empty.drop());
    const env = { DATABASE_URL: empty.url, DEMO_DATA: 'false' };
    const [a, b] = [startService(env, await freePort()), startService(env, await freePort())];
    await Promise.all([a.waitReady(), b.waitReady()]);
    const rows = await query<{ n: string }>(empty.url, 'SELECT count(*) AS n FROM "_prisma_migrations"');
    expect(Number(rows[0]!.n)).toBe((await readMigrations()).length);
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
    await Promise.all([a.waitExit(), b.waitExit()]);
  });

  it('refuses to start when an applied migration was edited, naming it', async () => {
    const empty = await createEmptyDatabase('edited');
    cleanups.push(() => empty.drop());
    const env = { DATABASE_URL: empty.url, DEMO_DATA: 'false' };
    const ok = startService(env, await freePort());
    await ok.waitReady();
    ok.proc.kill('SIGTERM');
    await ok.waitExit();
    // Equivalent to editing the file after it was applied: the recorded checksum differs.
    const name = (await readMigrations())[0]!.name;
    await query(empty.url, `UPDATE "_prisma_migrations" SET checksum = repeat('0', 64) WHERE migration_name = '${name}'`);
    const bad = startService(env, await freePort());
    expect(await bad.waitExit()).toBe(1);
    expect(bad.output()).toContain(`Migration ${name} was changed after it was applied`);
  });
});

describe('invalid configuration', () => {
  it('exits non-zero with one short message naming each bad variable', async () => {
    const svc = startService({ PORT: 'abc', DATABASE_URL: 'postgres//nope' }, 0);
    expect(await svc.waitExit()).toBe(1);
    const out = svc.output();
    expect(out).toMatch(/PORT: expected PORT: an integer port/);
    expect(out).toMatch(/DATABASE_URL: expected a postgresql:\/\/ URL/);
    expect(out.trim().split('\n').length).toBeLessThan(15);
    expect(readFileSync(path.resolve('.env.example'), 'utf8')).toContain('PORT=');
  });
});
