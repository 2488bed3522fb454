// How planned analysis work is cut into jobs: whole conversations, in the order given, each job
// about `batchSize` conversation-days. A conversation is never split (its job reads all its
// messages once and refreshes its topics once); one larger than a batch is a job of its own.

export interface ChangedConversation {
  conversationId: number;
  /** its conversation-days to (re)score */
  days: number;
}

export interface PlannedBatch {
  conversationIds: number[];
  days: number;
}

export function batchConversations(changed: readonly ChangedConversation[], batchSize: number): PlannedBatch[] {
  const batches: PlannedBatch[] = [];
  let batch: PlannedBatch = { conversationIds: [], days: 0 };
  for (const c of changed) {
    if (batch.days > 0 && batch.days + c.days > batchSize) {
      batches.push(batch);
      batch = { conversationIds: [], days: 0 };
    }
    batch.conversationIds.push(c.conversationId);
    batch.days += c.days;
  }
  if (batch.days > 0) batches.push(batch);
  return batches;
}

/**
 * The jobs of one chunk of a plan that commits chunk by chunk: its batches, except that unless
 * it is the `last` chunk a partly filled final batch is `carried` (its conversations go first in
 * the next chunk), so the chunks together make the jobs one batchConversations would.
 */
export function batchChunk(
  changed: readonly ChangedConversation[],
  batchSize: number,
  last: boolean,
): { batches: PlannedBatch[]; carried: number[] } {
  const batches = batchConversations(changed, batchSize);
  const tail = batches[batches.length - 1];
  if (last || !tail || tail.days >= batchSize) return { batches, carried: [] };
  return { batches: batches.slice(0, -1), carried: tail.conversationIds };
}
