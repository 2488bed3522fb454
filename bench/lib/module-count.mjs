// `node --import ./bench/lib/module-count.mjs <entry>`: on exit, writes to stderr one line
// `modules <n> <json>` with how many distinct files the process loaded (ESM through the loader
// hooks, CommonJS through require.cache) and which packages they came from.
// With MODULE_COUNT_FILE set, that file gets the JSON instead, with the files' paths added.
import { register, createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(path.join(tmpdir(), 'module-count-'));
const list = path.join(dir, 'loaded');
writeFileSync(list, '');
// The hooks run on the loader thread: a file is the one channel that is complete at exit.
register(
  'data:text/javascript,' +
    encodeURIComponent(`import { appendFileSync } from 'node:fs';
let list;
export function initialize(data) { list = data.list; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(list, url + '\\n');
  return next(url, context);
}`),
  { data: { list } },
);

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const files = new Set(Object.keys(require.cache));
  for (const url of readFileSync(list, 'utf8').split('\n')) if (url) files.add(fileURLToPath(url));
  rmSync(dir, { recursive: true, force: true });
  const packages = {};
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.slice(f.lastIndexOf('node_modules/')));
    const key = m ? m[1] : '(project)';
    packages[key] = (packages[key] ?? 0) + 1;
  }
  if (process.env.MODULE_COUNT_FILE) writeFileSync(process.env.MODULE_COUNT_FILE, JSON.stringify({ modules: files.size, packages, files: [...files] }));
  else process.stderr.write(`modules ${files.size} ${JSON.stringify(packages)}\n`);
});
