// The contract shared by every judgement scorer (DESIGN.md §5): the offline heuristics and the
// LLM scorer take the same conversation-days and return the same five micro-metrics, so the
// analysis job can switch scorers by configuration and store the scorer's name and version.

export interface DayMessage {
  direction: 'to_company' | 'to_client';
  senderKind: 'customer' | 'bot' | 'human_agent';
  text: string | null;
  at: Date;
  classification?: string | null;
  /** the stored message's id, when it came from the database (to save a label on it) */
  id?: number;
  /** the conversation's first customer message ever (a greeting then is first_contact) */
  firstOfConversation?: boolean;
}

export interface ConversationDay {
  key: string; // opaque id chosen by the caller (e.g. the DailyAnalysis id)
  conversationId: number;
  day: string; // YYYY-MM-DD in the business timezone
  messages: DayMessage[]; // that day's messages, ordered by time
  priorContactDays: number; // distinct earlier days (within 7 days) on which the customer wrote: >0 means not a first contact
  customerReturnedLater: boolean; // the customer wrote again on a later day within 7 days (known at scoring time)
}

export interface JudgementScores {
  sentimentScore: number | null;
  sentimentShift: number | null;
  resolutionAchieved: number | null;
  fcrScore: number | null;
  ces: number | null;
}

export interface ScoreResult {
  key: string;
  scores: JudgementScores | null /* null = the scorer could not score this day: missing, never invented */;
}

export interface Scorer {
  readonly name: string;
  readonly version: string;
  score(days: ConversationDay[]): Promise<ScoreResult[]>;
}
