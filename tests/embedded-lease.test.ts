import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, pidOfPostmaster } from '../src/db/processes.ts';
import { query } from './helpers/db.ts';
import { freePort } from './helpers/net.ts';

// The embedded server's ownership across processes (src/db/leases.ts): after a crash, a
// short-lived `pulse` command must never stop the server a running process still uses.

const root = path.resolve(import.meta.dirname, '..');
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

interface User {
  proc: ChildProcess;
  mode: string;
  url: string;
  output(): string;
  /** resolves once it has let go of the server and exited */
  released(): Promise<void>;
}

/** tests/fixtures/processes/embedded-user.ts: resolves once it holds the server. */
function startUser(dataDir: string, port: number): Promise<User> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/processes/embedded-user.ts', dataDir, String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const { mode, url } = JSON.parse(line) as { mode: string; url: string };
        resolve({
          proc, mode, url, output: () => out,
          released: async () => {
            await exited;
            expect(out).toMatch(/^released$/m);
          },
        });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`embedded user exited with ${code}:\n${out}`)));
  });
}

/** `pulse db status` against the data dir: opens the database, prints, lets go, exits. */
function pulse(dataDir: string, port: number, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, out })));
}

/** A throwaway DATA_DIR and port; its postmaster (if any is left) and files go after the test. */
async function freshDataDir(): Promise<{ dataDir: string; pgDir: string; port: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pulse-lease-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const pgDir = path.join(dataDir, 'pg');
  cleanups.push(async () => {
    const pid = await pidOfPostmaster(pgDir);
    if (pid && isAlive(pid)) process.kill(pid, 'SIGINT');
  });
  return { dataDir, pgDir, port: await freePort() };
}

describe('embedded PostgreSQL ownership', () => {
  it('after a crash, a short-lived command does not stop the server a running process adopted; the last user does', async () => {
    const { dataDir, pgDir, port } = await freshDataDir();

    // A service starts the server, then crashes: the postmaster lives on with no user.
    const crashed = await startUser(dataDir, port);
    expect(crashed.mode).toBe('started');
    const crashExit = new Promise((r) => crashed.proc.once('exit', r));
    crashed.proc.kill('SIGKILL');
    await crashExit;
    const postmaster = await pidOfPostmaster(pgDir);
    expect(postmaster !== undefined && isAlive(postmaster)).toBe(true);

    // The restarted service adopts it.
    const service = await startUser(dataDir, port);
    expect(service.mode).toBe('adopted');

    // A `pulse` command comes and goes: it shares the server and leaves it running.
    const cmd = await pulse(dataDir, port, 'db', 'status');
    expect(cmd.out).toMatch(/database: postgresql:/);
    expect(cmd.code).toBe(0);
    expect(isAlive(postmaster!)).toBe(true);
    expect(await query<{ one: number }>(service.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    // The service, the last user, stops it on its way out.
    service.proc.kill('SIGTERM');
    await service.released();
    expect(isAlive(postmaster!)).toBe(false);
  });

  it('a starter that exits while another process shares the server leaves it running', async () => {
    const { dataDir, pgDir, port } = await freshDataDir();

    const starter = await startUser(dataDir, port);
    expect(starter.mode).toBe('started');
    const other = await startUser(dataDir, port);
    expect(other.mode).toBe('shared');
    const postmaster = (await pidOfPostmaster(pgDir))!;

    starter.proc.kill('SIGTERM');
    await starter.released();
    expect(isAlive(postmaster)).toBe(true);
    expect(await query<{ one: number }>(other.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    other.proc.kill('SIGTERM');
    await other.released();
    expect(isAlive(postmaster)).toBe(false);
  });
});
