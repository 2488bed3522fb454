// The three time metrics of a conversation-day, computed exactly from timestamps.
//
// - firstResponseTime (s): the day's first customer message → the first reply after it.
// - avgResponseTime (s): mean over customer turns of (first customer message after the last
//   reply → the next reply). A customer sending three lines before an answer is one wait, not three.
// - totalHandlingTime (min): for each reply, the gap since the message before it, capped at
//   10 min, summed: time the agent or bot was plausibly working on this customer.
// Only that day's messages count: a customer message left unanswered that day adds no time,
// and a day without any reply has all three missing.

export interface TimedMessage {
  direction: 'to_company' | 'to_client';
  at: Date;
}

export interface TimeMetrics {
  firstResponseTime: number | null;
  avgResponseTime: number | null;
  totalHandlingTime: number | null;
}

const HANDLING_CAP_SECONDS = 600;

export function timeMetrics(messages: readonly TimedMessage[]): TimeMetrics {
  let firstResponse: number | null = null;
  let waitingSince: number | null = null;
  let previousAt: number | null = null;
  let handlingSeconds = 0;
  let replies = 0;
  const waits: number[] = [];

  for (const m of messages) {
    const at = m.at.getTime();
    if (m.direction === 'to_company') {
      waitingSince ??= at;
    } else {
      replies++;
      if (previousAt !== null) handlingSeconds += Math.min((at - previousAt) / 1000, HANDLING_CAP_SECONDS);
      if (waitingSince !== null) {
        const wait = (at - waitingSince) / 1000;
        firstResponse ??= wait;
        waits.push(wait);
        waitingSince = null;
      }
    }
    previousAt = at;
  }
  return {
    firstResponseTime: firstResponse,
    avgResponseTime: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : null,
    totalHandlingTime: replies > 0 && waits.length > 0 ? handlingSeconds / 60 : null,
  };
}
