// How busy the webhook is, so background work can step aside during a flood. Acknowledging
// deliveries quickly is what keeps Meta delivering (it resends and eventually disables a slow
// webhook); replies and message rows are durable in the inbox and can wait a few seconds.
// On two cores the reply worker's database round trips otherwise compete with every
// acknowledgement. Below `floodPerSecond` nothing waits.

/** how often a pause during a flood looks whether the flood is over */
export const FLOOD_CHECK_MS = 50;

export class IntakeGauge {
  private bucketStart = 0;
  private current = 0;
  private previous = 0;

  constructor(
    private readonly floodPerSecond = 100,
    private readonly bucketMs = 250,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** one delivery acknowledged */
  hit(): void {
    this.roll();
    this.current++;
  }

  /** deliveries per second over the last one to two buckets */
  rate(): number {
    this.roll();
    const elapsed = this.clock() - this.bucketStart;
    return ((this.current + this.previous) * 1000) / (this.bucketMs + Math.max(elapsed, 1));
  }

  flooding(): boolean {
    return this.rate() >= this.floodPerSecond;
  }

  /**
   * Resolves at once when there is no flood; during one, after `pauseMs` (so background work
   * still advances, at a trickle, under a flood that never ends), or as soon as the flood is
   * over (checked every `checkMs`): the work waiting on it (the replies of the whole flood)
   * starts when the deliveries stop, not up to a whole pause later.
   */
  async yieldDuringFlood(pauseMs: number, checkMs = FLOOD_CHECK_MS): Promise<boolean> {
    if (!this.flooding()) return false;
    const until = this.clock() + pauseMs;
    for (let left = pauseMs; left > 0 && this.flooding(); left = until - this.clock()) {
      await new Promise((r) => setTimeout(r, Math.min(checkMs, left)));
    }
    return true;
  }

  private roll(): void {
    const now = this.clock();
    const n = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (n <= 0) return;
    this.previous = n === 1 ? this.current : 0;
    this.current = 0;
    this.bucketStart += n * this.bucketMs;
  }
}
