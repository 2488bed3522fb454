// `npm run build`: compiles src/ into dist/ (tsconfig.build.json: same layout, .ts import
// specifiers rewritten to .js, type-checked) from an empty dist/, so no file of a deleted source
// survives. `--if-stale` (npm's prestart) returns at once when dist/ is current.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildIsCurrent, copyPlainModules, ROOT, sourceState, STAMP_NAME } from './build-state.mjs';

const DIST = path.join(ROOT, 'dist');

if (process.argv.includes('--if-stale') && buildIsCurrent()) process.exit(0);

// taken before compiling: a source saved during the build makes the next check rebuild
const state = sourceState();
const started = performance.now();
process.stderr.write('building dist/ (tsc -p tsconfig.build.json)...\n');
rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
if (result.status !== 0) {
  process.stderr.write('build failed: dist/ is incomplete; `npm run typecheck` shows the errors\n');
  process.exit(result.status ?? 1);
}
copyPlainModules();
writeFileSync(path.join(DIST, STAMP_NAME), `${JSON.stringify(state)}\n`);
process.stderr.write(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
