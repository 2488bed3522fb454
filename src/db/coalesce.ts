// Group commit for any statement that takes many rows: calls that arrive while one statement
// is in flight wait for it and then go together in the next, so a burst of N calls costs a few
// round trips and commits (WAL flushes) instead of N. A lone call goes at once: no added delay.
// A failed statement fails every call in it.

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

/** `run` gets the queued items and returns one result per item, in their order. */
export function coalesced<I, O>(run: (items: I[]) => Promise<O[]>, maxBatch = 500): (item: I) => Promise<O> {
  const queue: Pending<I, O>[] = [];
  let running = false;
  const kick = (): void => {
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue.splice(0, maxBatch);
    run(batch.map((p) => p.item))
      .then(
        (out) => batch.forEach((p, i) => p.resolve(out[i]!)),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        running = false;
        kick();
      });
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      kick();
    });
}

/**
 * One read for many callers, as fresh as a read of their own: a call joins the read of its key
 * that has not started yet, or queues one that starts once the key's read in flight is done, so
 * every caller gets a result read after it called (an edit committed before the call is seen).
 * Turns answered together then cost one read per key instead of one each.
 */
export function sharedRead<V>(read: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const inFlight = new Map<string, Promise<V>>();
  const queued = new Map<string, Promise<V>>();
  return (key) => {
    const waiting = queued.get(key);
    if (waiting) return waiting;
    const before = inFlight.get(key);
    const start = (): Promise<V> => {
      queued.delete(key);
      const r = read(key);
      inFlight.set(key, r);
      const forget = () => {
        if (inFlight.get(key) === r) inFlight.delete(key);
      };
      r.then(forget, forget);
      return r;
    };
    const p = before ? before.then(start, start) : Promise.resolve().then(start);
    queued.set(key, p);
    return p;
  };
}
