// Runs `prisma generate` offline. The Prisma CLI wants a schema-engine binary it would
// download from Prisma's servers; generate never runs it, so any existing file satisfies the
// check (DESIGN.md §9). Telemetry and update checks are off: there is no network here.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js');
} catch {
  // `npm ci --omit=dev` (a production install): the Prisma CLI is a dev dependency, so the client
  // must have been generated already (the Docker build stage generates it before pruning).
  console.error('prisma-generate: the Prisma CLI is not installed (an install without dev dependencies); not generating the client');
  process.exit(0);
}
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
