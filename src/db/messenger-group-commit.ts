import type { MessengerEvent } from '../domain/messenger/events.ts';
import type { MessengerStore, StoreResult } from './messenger-repo.ts';

// Group commit for the webhook: deliveries that arrive while the inbox inserts in flight run
// wait for one to finish and are then stored together in the next. Each delivery is still
// answered only after the statement holding its events committed, but one commit (one WAL
// flush, one round trip) serves many deliveries: at 1,000 deliveries/s a statement per request
// would be the bottleneck. No artificial delay: a lone delivery is stored at once. A failed
// statement fails every delivery in it (503: Meta resends).

interface Waiting {
  events: MessengerEvent[];
  /** performance.now() when it arrived */
  at: number;
  resolve: (r: StoreResult) => void;
  reject: (err: unknown) => void;
}

/** One group commit, for tracing (the messenger bench's --trace); times are performance.now() of this thread. */
export interface StoreCommit {
  deliveries: number;
  queuedMs: number;
  statementMs: number;
  began: number;
  ended: number;
  /** each delivery's first event key and when it was queued */
  items: { key: string; at: number }[];
}

export class GroupCommitStore {
  private queue: Waiting[] = [];
  private running = 0;

  constructor(
    private readonly store: MessengerStore,
    /**
     * statements at once. Concurrent ones only wait on each other for a key both carry (a
     * resent delivery); every batch takes its keys in sorted order, so none deadlock.
     */
    private readonly maxInFlight = 1,
    private readonly maxEvents = 1000,
    /** after each statement: deliveries in it, ms queued (the oldest's wait before its statement began), ms the statement took, and its timeline */
    private readonly onCommit?: (c: StoreCommit) => void,
  ) {}

  save(events: MessengerEvent[]): Promise<StoreResult> {
    if (events.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      this.queue.push({ events, at: performance.now(), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.running < this.maxInFlight && this.queue.length > 0) {
      const batch: Waiting[] = [];
      let n = 0;
      while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.events.length <= this.maxEvents)) {
        const w = this.queue.shift()!;
        batch.push(w);
        n += w.events.length;
      }
      this.running++;
      const began = performance.now();
      this.store.store(batch.flatMap((w) => w.events)).then(
        (r) => {
          if (this.onCommit) {
            const ended = performance.now();
            this.onCommit({ deliveries: batch.length, queuedMs: began - batch[0]!.at, statementMs: ended - began, began, ended, items: batch.map((w) => ({ key: w.events[0]!.key, at: w.at })) });
          }
          for (const w of batch) w.resolve(r);
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      ).finally(() => {
        this.running--;
        this.kick();
      });
    }
  }
}
