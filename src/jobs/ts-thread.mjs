// Entry of a worker thread that runs one of our TypeScript modules: the main thread's tsx
// hooks do not reach worker threads, so the thread registers its own before importing.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
