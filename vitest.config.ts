import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // lets a file's afterAll see whether its tests passed: a failed file's database is kept
    setupFiles: ['tests/setup.ts'],
    // One embedded Postgres per run; each file gets its own database, so files can run in
    // parallel. Two workers match the two cores CI has.
    pool: 'forks',
    maxWorkers: 2,
    // Deadlines for a failing test, not speed limits: tests that start the real service take
    // 40 s alone and twice that with a second suite on the same two cores.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // expect.poll waits for a positive signal; its deadline (default 1 s) only bounds a failing
    // test, so it is as generous as WAIT_MS in tests/helpers/wait.ts: a loaded machine must pass.
    expect: { poll: { timeout: 30_000 } },
  },
});
