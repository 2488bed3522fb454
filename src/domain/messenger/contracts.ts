// The contracts between the Messenger channel's parts: the webhook and reply worker
// (src/bots/messenger/*, src/jobs/messenger/*), the customer agent (src/agents/customer/*,
// rules in src/domain/customer/*) and the human handoff desk in Slack (src/bots/slack/handoff*).
// They live in the domain because the reply worker and the agent (lower layers) depend on them
// and the adapters implement them, never the other way round.

import type { Classification, HandoffReason, QuickReply, TurnInput } from '../customer/types.ts';
import type { CustomerFile, MediaKind } from './attachments.ts';
export type { Classification, CustomerIntent, HandoffReason, QuickReply } from '../customer/types.ts';

/** One customer message (or postback / quick reply) the bot must react to. */
export interface CustomerTurn extends TurnInput {
  /** Messenger page id (entry.id) */
  pageId: string;
  psid: string;
  conversationId: number;
  /** present when the bot has not written in this conversation yet: said before its first reply */
  disclosure?: string;
  /** recent history, oldest first, for the LLM and for summaries */
  history: { from: 'customer' | 'bot' | 'human'; text: string; at: Date }[];
}

/** Who wrote a bot message: a MessageTemplate (which), or the LLM (which model) from a template's draft. */
export type WrittenBy = { kind: 'template'; template: string } | { kind: 'llm'; model: string; draft: string };

export type AgentDecision =
  | {
      kind: 'reply';
      text: string;
      quickReplies?: QuickReply[];
      classification: Classification;
      /** the bot was not sure of this answer (counts towards the unsure streak) */
      unsure: boolean;
      /** the MessageTemplate used, when the reply came from one */
      templateName?: string;
      writtenBy?: WrittenBy;
    }
  | {
      kind: 'handoff';
      reason: HandoffReason;
      /** what the customer is told while a human is found */
      text: string;
      classification: Classification;
      writtenBy?: WrittenBy;
    };

/**
 * What a stored bot message records about itself (messages.agent_info): who wrote it and the
 * classification of the customer message it answers. QA transcripts and exports read it.
 */
export function botAgentInfo(writtenBy: WrittenBy, classification: Pick<Classification, 'intent' | 'confidence'>): Record<string, unknown> {
  const who = writtenBy.kind === 'template' ? { response_type: 'template', template: writtenBy.template } : { response_type: 'llm', model: writtenBy.model, draft_template: writtenBy.draft };
  return { ...who, intent: classification.intent, confidence: classification.confidence };
}

export interface CustomerAgent {
  respond(turn: CustomerTurn): Promise<AgentDecision>;
}

/** A message to a customer through the Send API. */
export interface SendRequest {
  /** idempotency key: the same key is sent at most once (e.g. `reply:<inbound mid>`, `human:<slack ts>`) */
  key: string;
  pageId: string;
  psid: string;
  conversationId?: number;
  /** bot replies use RESPONSE inside 24 h and are never tagged; human replies outside 24 h use HUMAN_AGENT */
  sender: 'bot' | 'human';
  text?: string;
  quickReplies?: QuickReply[];
  /** sender_action instead of a message ('typing_on' | 'typing_off' | 'mark_seen') */
  senderAction?: 'typing_on' | 'typing_off' | 'mark_seen';
  /** stored with the sent message as its agent_info (botAgentInfo: who wrote a bot reply) */
  agentInfo?: Record<string, unknown>;
  /**
   * the customer's latest own message (the windows' start) when the caller read it already
   * (the reply worker, with the turn); absent: the sender reads it
   */
  customerLastMessageAt?: Date | null;
}

export type SendResult =
  | { status: 'sent'; messageId?: string }
  | { status: 'duplicate' }
  /** refused before calling Meta: outside the 24 h window (bot) or the 7-day HUMAN_AGENT window (human), unknown page token */
  | { status: 'refused'; reason: string }
  /** Meta refused it for good (user unavailable, policy, token); logged in ErrorLog, not retried */
  | { status: 'failed'; code?: number; subcode?: number; reason: string };

export interface MessengerSender {
  send(req: SendRequest): Promise<SendResult>;
  /** a person's file through the Send API's attachment upload; absent: files cannot be sent */
  sendFile?(req: FileSendRequest): Promise<SendResult>;
}

/**
 * A person's file to a customer (issue 19, point 5): the same windows as a human text reply
 * (RESPONSE within 24 h, HUMAN_AGENT within 7 days). `load` fetches the bytes, called only once
 * the window allows the send; an error string refuses it.
 */
export interface FileSendRequest {
  /** idempotency key, as SendRequest's */
  key: string;
  pageId: string;
  psid: string;
  conversationId?: number;
  sender: 'human';
  type: MediaKind;
  filename: string;
  contentType: string;
  load(): Promise<Uint8Array | { error: string }>;
  agentInfo?: Record<string, unknown>;
}

/**
 * What happened in a conversation outside our bot and our desk (issue 19, humans first):
 * `other_inbox` a person (Meta Business Suite, another app of the page) wrote to the customer;
 * `standby` the customer wrote while another app owns the conversation (Conversation Routing).
 */
export interface OutsideLine {
  kind: 'other_inbox' | 'standby';
  text: string;
  at: Date;
  /** the app that sent an other_inbox reply, when Meta says (echo app_id) */
  appId?: string;
}

/** The human side: a Slack thread per handed-off conversation, in the page's channel or HANDOFF_CHANNEL. */
export interface HandoffDesk {
  /** shows the line in the conversation's thread when it has one; opens none */
  mirror(conversationId: number, line: OutsideLine): Promise<void>;
  /** mirrors the conversation into a new thread (summary + buttons) and marks it waiting */
  open(conversationId: number, reason: HandoffReason): Promise<void>;
  /**
   * appends a customer message to the conversation's thread (conversation not with the bot);
   * `files`, its attachments, are uploaded into the thread (or linked), each at most once
   */
  append(conversationId: number, text: string, at: Date, files?: CustomerFile[]): Promise<void>;
}
