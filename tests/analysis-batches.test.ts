import { describe, expect, it } from 'vitest';
import { batchConversations } from '../src/domain/analysis-batches.ts';

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
