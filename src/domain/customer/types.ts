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
  text: string;
  payload?: string;
  attachments: number;
  isFirstMessage: boolean;
  unsureStreak: number;
  customerName?: string;
}
