// A failed test's database is kept for inspection. Each test file drops its databases in
// afterAll; by then vitest has recorded every test's and hook's outcome in the file's task
// tree, so drop() reads it and keeps the database when anything in the file failed.
// tests/setup.ts hands this module the running file (a setup file runs in each file's context).

/** The part of a vitest task (file, suite or test) the decision reads. */
export interface TaskOutcome {
  result?: { state?: string; errors?: readonly unknown[] };
  tasks?: readonly TaskOutcome[];
}

/** True when a test or hook in `task` (at any depth) failed so far. */
export function anyFailed(task: TaskOutcome): boolean {
  if (task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0) return true;
  return (task.tasks ?? []).some(anyFailed);
}

let file: (TaskOutcome & { name?: string }) | undefined;

export function watchFile(f: TaskOutcome & { name?: string }): void {
  file = f;
}

/** The file whose failure keeps its databases, or undefined when all ran so far passed. */
export function failedFile(): string | undefined {
  return file && anyFailed(file) ? (file.name ?? 'a test file') : undefined;
}

/** The comment a kept database carries; global-setup lists databases that have one. */
export const KEPT_PREFIX = 'kept for inspection: a test failed in ';
