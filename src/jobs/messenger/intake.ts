// How busy the webhook is, so background work can step aside during a flood. Acknowledging
// deliveries quickly is what keeps Meta delivering (it resends and eventually disables a slow
// webhook); replies and message rows are durable in the inbox and can wait a few seconds.
// On two cores the reply worker's database round trips otherwise compete with every
// acknowledgement. Below `floodPerSecond` nothing waits.

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
   * still advances, at a trickle, under a flood that never ends).
   */
  async yieldDuringFlood(pauseMs: number): Promise<boolean> {
    if (!this.flooding()) return false;
    await new Promise((r) => setTimeout(r, pauseMs));
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
