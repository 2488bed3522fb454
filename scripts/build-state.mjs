// Whether dist/ was compiled from the sources on disk. The build records, before compiling, the
// newest modification time and the number of its inputs (src/ and the tsconfig files); the
// build is current while both are unchanged. Walking src/ takes a few milliseconds.
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const STAMP_NAME = '.build-state.json';

/** The newest modification time and the number of the build's inputs under `root`. */
export function sourceState(root = ROOT) {
  let newest = 0;
  let files = 0;
  const visit = (file) => {
    newest = Math.max(newest, statSync(file).mtimeMs);
    files += 1;
  };
  for (const entry of readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) visit(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  for (const name of ['tsconfig.json', 'tsconfig.build.json']) {
    const file = path.join(root, name);
    if (existsSync(file)) visit(file);
  }
  return { newest, files };
}

/**
 * True when `root`/dist holds a build of today's sources. An install without src/ (the Docker
 * image) has only the build, which is then current by definition.
 */
export function buildIsCurrent(root = ROOT) {
  if (!existsSync(path.join(root, 'dist', 'cli.js'))) return false;
  if (!existsSync(path.join(root, 'src'))) return true;
  try {
    const built = JSON.parse(readFileSync(path.join(root, 'dist', STAMP_NAME), 'utf8'));
    const now = sourceState(root);
    return built.newest === now.newest && built.files === now.files;
  } catch {
    return false;
  }
}

/**
 * Copies src/'s plain CommonJS modules into dist/ at the same places: they run as they are
 * (src/charts/raster-thread.cjs, a worker thread's code), and tsc does not emit them.
 */
export function copyPlainModules(root = ROOT) {
  const src = path.join(root, 'src');
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.cjs')) continue;
    const from = path.join(entry.parentPath ?? entry.path, entry.name);
    cpSync(from, path.join(root, 'dist', path.relative(src, from)));
  }
}
