import type { PageSpec } from './catalog.ts';

export type SenderKind = 'customer' | 'bot' | 'human_agent';
export type QaStatus = 'unchecked' | 'passed' | 'issue' | 'fixed';
export type CompletionStatus = 'complete' | 'in_progress' | 'incomplete';
export type ArchiveStatus = 'active' | 'archived';

/** One message as the generator produces it; times are epoch ms. */
export interface GenMessage {
  id: number;
  mid: string;
  at: number;
  sender: SenderKind;
  text: string | null;
  attachments: readonly unknown[] | null;
  /** Slack external id of the human agent, 'bot' for the bot, null for the customer */
  agentId: string | null;
  classification: string | null;
  confidence: number | null;
  processingMs: number | null;
}

export interface GenQaEvent {
  id: number;
  sessionId: number;
  /** Slack external id of the reviewer or developer */
  actor: string;
  from: QaStatus;
  to: QaStatus;
  notes: string | null;
  devFeedback: string | null;
  at: number;
}

export interface GenSession {
  id: number;
  sequence: number;
  startedAt: number;
  endedAt: number;
  messageCount: number;
  aiEngaged: boolean;
  aiMessageCount: number;
  humanHandoff: boolean;
  completion: CompletionStatus;
  archive: ArchiveStatus;
  qaStatus: QaStatus;
  qaNotes: string | null;
  devFeedback: string | null;
  qaBy: string | null;
  qaAt: number | null;
  updatedAt: number;
}

export interface GenConversation {
  /** also the customer's id: every customer has one thread per page */
  id: number;
  page: PageSpec;
  fbChatId: string;
  psid: string;
  customerName: string | null;
  /** labels of the customer messages, as domain/topics.ts topicsOf makes them */
  topics: string[];
  messages: GenMessage[];
  sessions: GenSession[];
  qaEvents: GenQaEvent[];
  customerMessages: number;
  agentMessages: number;
}
