import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// `npm run bench -- <name> [args]` runs the `run(args)` export of bench/<name>.ts.
// A new benchmark is a new file here; each prints one JSON object as its last stdout line.

const dir = import.meta.dirname;
const available = (await readdir(dir))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`${name ? `unknown bench "${name}". ` : ''}usage: npm run bench -- <name> [args]`);
  console.error(`available benches: ${available.join(', ')}`);
  process.exit(1);
}

const bench = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { run?: (args: string[]) => Promise<void> };
if (typeof bench.run !== 'function') {
  console.error(`bench/${name}.ts does not export run(args)`);
  process.exit(1);
}
await bench.run(process.argv.slice(3));
// Finished: exit as `pulse` does (src/cli.ts), without waiting for timers the libraries still
// hold. (pg-boss 10.4 used to leave one for good: when its shutdown closed its pool while a
// worker's fetch waited for a connection, that fetch never settled and offWork's one-second poll
// ran forever; jobs/queue.ts now bounds that wait, QUEUE_CONNECT_TIMEOUT_MS.)
process.exit(0);
