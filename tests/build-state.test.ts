import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIsCurrent, copyPlainModules, sourceState, STAMP_NAME } from '../scripts/build-state.mjs';

// bin/pulse.js runs dist/ only while it is a build of the sources on disk, else the sources
// through tsx: an edited checkout must never run yesterday's compiled code.

let root: string;
const file = (p: string) => path.join(root, p);
const at = (iso: string) => new Date(iso);

async function build(): Promise<void> {
  await mkdir(file('dist'), { recursive: true });
  await writeFile(file('dist/cli.js'), '');
  await writeFile(file(`dist/${STAMP_NAME}`), JSON.stringify(sourceState(root)));
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'pulse-build-state-'));
  await mkdir(file('src/db'), { recursive: true });
  for (const p of ['src/cli.ts', 'src/db/pool.ts', 'tsconfig.json']) {
    await writeFile(file(p), '');
    await utimes(file(p), at('2026-11-25T14:30:00Z'), at('2026-11-25T14:30:00Z'));
  }
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildIsCurrent', () => {
  it('is false with no build, true right after one', async () => {
    expect(buildIsCurrent(root)).toBe(false);
    await build();
    expect(buildIsCurrent(root)).toBe(true);
  });

  it('is false once a source is edited, added or deleted, or a tsconfig changes', async () => {
    await build();
    await utimes(file('src/db/pool.ts'), at('2026-11-25T14:31:00Z'), at('2026-11-25T14:31:00Z'));
    expect(buildIsCurrent(root)).toBe(false);

    await build();
    await writeFile(file('src/db/new.ts'), '');
    await utimes(file('src/db/new.ts'), at('2026-11-25T14:00:00Z'), at('2026-11-25T14:00:00Z'));
    expect(buildIsCurrent(root)).toBe(false);

    await build();
    await rm(file('src/db/new.ts'));
    expect(buildIsCurrent(root)).toBe(false);

    await build();
    await writeFile(file('tsconfig.build.json'), '{}');
    expect(buildIsCurrent(root)).toBe(false);
  });

  it('trusts the build where there are no sources (the Docker image)', async () => {
    await build();
    await rm(file('src'), { recursive: true });
    expect(buildIsCurrent(root)).toBe(true);
    await rm(file('dist/cli.js'));
    expect(buildIsCurrent(root)).toBe(false);
  });
});

describe('copyPlainModules', () => {
  it('puts src/\'s CommonJS modules (a worker thread\'s code) beside the compiled files, and nothing else', async () => {
    await mkdir(file('src/charts'), { recursive: true });
    await writeFile(file('src/charts/raster-thread.cjs'), "'use strict';\n");
    await build();
    copyPlainModules(root);
    expect(await readFile(file('dist/charts/raster-thread.cjs'), 'utf8')).toBe("'use strict';\n");
    await expect(readFile(file('dist/db/pool.ts'), 'utf8')).rejects.toThrow();
  });
});

