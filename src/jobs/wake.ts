// A loop's sleep that another part of the process can cut short: idle(ms) resolves after ms
// or at the next wake(), whichever comes first.

export interface Waker {
  wake(): void;
  idle(ms: number): Promise<void>;
}

export function createWaker(): Waker {
  let waiting: (() => void)[] = [];
  return {
    wake() {
      const w = waiting;
      waiting = [];
      for (const f of w) f();
    },
    idle(ms) {
      return new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          resolve();
        }
        waiting.push(done);
      });
    },
  };
}
