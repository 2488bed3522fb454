import { describe, expect, it } from 'vitest';
import { batchChunk, batchConversations } from '../src/domain/analysis-batches.ts';

describe('batchConversations', () => {
  it('cuts whole conversations into jobs of about the batch size, in order; a large one is a job of its own', () => {
    const changed = [
      { conversationId: 1, days: 2 },
      { conversationId: 2, days: 2 },
      { conversationId: 3, days: 1 },
      { conversationId: 4, days: 9 },
      { conversationId: 5, days: 3 },
    ];
    expect(batchConversations(changed, 5)).toEqual([
      { conversationIds: [1, 2, 3], days: 5 },
      { conversationIds: [4], days: 9 },
      { conversationIds: [5], days: 3 },
    ]);
    expect(batchConversations([], 5)).toEqual([]);
  });
});

describe('batchChunk', () => {
  it('carries a partly filled last job to the next chunk, so the chunks make the same jobs as one plan', () => {
    const all = [1, 2, 3, 4, 5, 6].map((conversationId) => ({ conversationId, days: 2 }));
    const first = batchChunk(all.slice(0, 4), 5, false);
    expect(first).toEqual({ batches: [{ conversationIds: [1, 2], days: 4 }], carried: [3, 4] });
    const rest = batchChunk(all.filter((c) => first.carried.includes(c.conversationId) || c.conversationId > 4), 5, true);
    expect([...first.batches, ...rest.batches]).toEqual(batchConversations(all, 5));
    // a full last job is not carried; the last chunk carries nothing
    expect(batchChunk([{ conversationId: 1, days: 5 }], 5, false).carried).toEqual([]);
    expect(batchChunk(all.slice(0, 1), 5, true)).toEqual({ batches: [{ conversationIds: [1], days: 2 }], carried: [] });
  });
});
