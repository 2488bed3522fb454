import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrator.ts';
import { createEmptyDatabase } from './helpers/db.ts';

// pg-boss's graceful stop closes its pool once no worker holds a job. A worker whose fetch was
// still waiting for a connection then waited for ever (pg-pool's end() neither serves nor rejects
// it), and pg-boss's one-second wait for that worker to stop kept the process alive: `bench
// analyze` printed its figure and never exited. The pool's connection timeout ends that wait.

const root = path.resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('stopping the queue', () => {
  it('lets the process exit when a worker was waiting for a connection', { timeout: 120_000 }, async () => {
    const db = await createEmptyDatabase('queue_stop');
    try {
      await migrate(db.url);
      const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/processes/queue-stop.ts', db.url], { cwd: root });
      children.push(proc);
      let output = '';
      proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'stopped' });
    } finally {
      await db.drop();
    }
  });
});
