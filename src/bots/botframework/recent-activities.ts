/**
 * The activity ids this process has already taken, so a channel's retry of the same activity
 * (same channel, conversation and activity id) is not answered twice.
 *
 * In-process only, by design for now: a retry that reaches another instance, or this one after
 * a restart, is answered again. Durable dedupe needs a table keyed by the activity (see
 * docs/BOTFRAMEWORK.md); the Bot Framework has no retry header like Slack's to lean on.
 * Bounded: the oldest ids are forgotten first (channels retry within seconds to minutes).
 */
export class RecentActivities {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time a key is offered, false for every repeat still remembered. */
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      // A Set iterates in insertion order: the first entry is the oldest.
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
