import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// Runs the real service as `npm start` does (node --import tsx src/server.ts), in one process
// so that a SIGKILL in a test really kills the service.

const root = path.resolve(import.meta.dirname, '../..');


export interface RunningService {
  proc: ChildProcess;
  port: number;
  output(): string;
  waitReady(timeoutMs?: number): Promise<number>;
  waitExit(timeoutMs?: number): Promise<number | null>;
  get(pathname: string): Promise<Response>;
}

const running = new Set<ChildProcess>();

/** Kills services a failed test left running, so the run's cleanup never waits on them. */
export function killAllServices(): void {
  for (const proc of running) if (proc.exitCode === null) proc.kill('SIGKILL');
  running.clear();
}

export function startService(env: Record<string, string>, port: number): RunningService {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const get = (pathname: string) => fetch(`http://127.0.0.1:${port}${pathname}`);
  return {
    proc,
    port,
    output: () => out,
    get,
    async waitReady(timeoutMs = 90_000) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        if (proc.exitCode !== null) throw new Error(`service exited with ${proc.exitCode}:\n${out}`);
        const res = await get('/readyz').catch(() => undefined);
        if (res?.status === 200) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`service not ready within ${timeoutMs} ms:\n${out}`);
    },
    waitExit(timeoutMs = 30_000) {
      return Promise.race([
        exited,
        new Promise<null>((_, reject) => setTimeout(() => reject(new Error(`service did not exit:\n${out}`)), timeoutMs)),
      ]);
    },
  };
}
