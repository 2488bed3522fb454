// The shapes the customer rules work on; the Messenger contracts (domain/messenger/contracts.ts)
// re-export them.

export type CustomerIntent =
  | 'price_inquiry'
  | 'availability_check'
  | 'shipping'
  | 'returns'
  | 'complaint'
  | 'human_request'
  | 'general_inquiry'
  | 'first_contact'
  /** only thanks or an acknowledgement ("thanks!", "perfect, got it"): the customer is done */
  | 'gratitude';

export interface Classification {
  intent: CustomerIntent;
  /** 0–1 */
  confidence: number;
  /** −1 … +1 */
  sentiment: number;
}

export interface QuickReply {
  title: string;
  payload: string;
}

export type HandoffReason = 'human_request' | 'angry' | 'unsure_twice' | 'cannot_answer';

/** What the rules read of a customer turn. */
export interface TurnInput {
  /** message text, quick-reply title, or postback title */
  text: string;
  /** quick_reply.payload or postback.payload */
  payload?: string;
  /** number of attachments on the message (images, files...) */
  attachments: number;
  /** the customer's first message ever in this conversation */
  isFirstMessage: boolean;
  /** consecutive unsure bot answers before this turn (conversations.unsure_streak) */
  unsureStreak: number;
  customerName?: string;
}
