export { csiLookup, type CsiLookupInput, type CsiLookupResult, type CsiValues, type CsiGroup } from './csi-lookup.ts';
export { supportStats, SUPPORT_SECTIONS, type SupportSection, type SupportStatsInput, type SupportStatsResult, type TopicShare, type AgentResponse } from './support-stats.ts';
export { qaQueue, type QaQueueInput, type QaQueueResult, type QaQueueItem, type QaStatus } from './qa-queue.ts';
export { conversationLookup, type ConversationLookupInput, type ConversationLookupResult, type TranscriptMessage } from './conversation-lookup.ts';
export { worstConversations, type WorstConversationsInput, type WorstConversationDay } from './worst-conversations.ts';
export { NO_DATA, formatChange, formatCount, formatCsi, formatDuration, formatPercent, formatScore } from '../../domain/format.ts';
