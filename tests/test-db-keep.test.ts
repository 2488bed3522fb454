import { describe, expect, it } from 'vitest';
import { anyFailed, type TaskOutcome } from './helpers/keep.ts';

// The rule that keeps a failed test file's database (helpers/db.ts drop()): kept when any test
// or hook in the file failed so far, dropped otherwise. Task trees as vitest records them.

const test = (state?: string): TaskOutcome => ({ result: state ? { state } : undefined });
const suite = (tasks: TaskOutcome[], result?: TaskOutcome['result']): TaskOutcome => ({ tasks, ...(result ? { result } : {}) });

describe('keeping a failed test file’s database', () => {
  it('drops it when every test passed or was skipped', () => {
    expect(anyFailed(suite([test('pass'), test('skip'), suite([test('pass'), test('todo')])], { state: 'run' }))).toBe(false);
  });

  it('drops it when nothing has run yet (a later describe has no result)', () => {
    expect(anyFailed(suite([test('pass'), suite([test(), test()])]))).toBe(false);
  });

  it('keeps it when a test failed, at any depth', () => {
    expect(anyFailed(suite([test('pass'), test('fail')]))).toBe(true);
    expect(anyFailed(suite([test('pass'), suite([suite([test('pass'), test('fail')])])]))).toBe(true);
  });

  it('keeps it when a hook failed (beforeAll marks its suite failed; its tests are skipped)', () => {
    expect(anyFailed(suite([test('skip'), test('skip')], { state: 'fail', errors: [new Error('seed failed')] }))).toBe(true);
    // afterAll errors are recorded on the suite without changing a running state
    expect(anyFailed(suite([test('pass')], { state: 'run', errors: [new Error('afterAll failed')] }))).toBe(true);
  });
});
