#!/usr/bin/env node
// `pulse`: runs the compiled CLI in dist/ (`npm run build`; `npm start` builds it when needed).
// When the TypeScript sources are newer than that build, or there is none (a checkout being
// edited, the test suite), it runs them through tsx instead: the code that runs is always the
// code on disk, only slower to start.
import { buildIsCurrent } from '../scripts/build-state.mjs';

if (buildIsCurrent()) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
