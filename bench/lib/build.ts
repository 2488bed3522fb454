import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Builds dist/ when it is not a build of today's sources (the benches time what `npm start` runs); true when it had to. */
export async function ensureBuild(log: (msg: string) => void): Promise<boolean> {
  const { buildIsCurrent } = await import('../../scripts/build-state.mjs');
  if (buildIsCurrent()) return false;
  log('dist/ is missing or older than src/: npm run build');
  const proc = spawn(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  if (code !== 0) throw new Error('npm run build failed');
  return true;
}
