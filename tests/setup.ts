import { beforeAll } from 'vitest';
import { watchFile } from './helpers/keep.ts';

// Runs in every test file before its own hooks: lets the database helpers see the file's
// outcome when its afterAll drops them (helpers/keep.ts).
// vitest reads the first parameter as a fixtures pattern and rejects a plain name
// eslint-disable-next-line no-empty-pattern
beforeAll(({}, file) => {
  watchFile(file);
});
