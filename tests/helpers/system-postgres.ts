import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './net.ts';

// A second, different PostgreSQL (Debian's server package, DESIGN.md §9) for tests of the
// DATABASE_URL path: proof that the service uses it and starts no embedded server.

export interface SystemPostgres {
  url: string;
  version: string;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(root, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')));
  if (!found) throw new Error(`no PostgreSQL server under ${root}: install Debian's postgresql package (apt-get install postgresql)`);
  return found;
}

export async function startSystemPostgres(): Promise<SystemPostgres> {
  const bin = binDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'pulse-syspg-'));
  const asRoot = userInfo().uid === 0;
  // PostgreSQL refuses to run as root: run it as the postgres user the package created.
  const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString());
    await chown(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = wrap(path.join(bin, 'initdb'), ['-D', data, '-U', 'pulse', '-A', 'trust', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const [cmd, args] = wrap(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off']);
  const proc: ChildProcess = spawn(cmd, args, { stdio: 'ignore' });
  const url = `postgresql://pulse@127.0.0.1:${port}/postgres`;
  const version = await waitForServer(url);
  return {
    url,
    version,
    stop: async () => {
      // pg_ctl, not a signal to our child: as root the child is runuser, which does not
      // pass signals on to postgres.
      const [stopCmd, stopArgs] = wrap(path.join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate', '-w']);
      spawnSync(stopCmd, stopArgs, { stdio: 'ignore' });
      if (proc.exitCode === null) await new Promise((resolve) => proc.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForServer(url: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      await c.end();
      return r.rows[0]!.v;
    } catch {
      await c.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`system postgres did not come up at ${url}`);
}
