// Which unchecked sessions a reviewer should read first (issue 20): a risk score from what the
// data already says about a session, each point with the reason it was given, so the queue can
// say why a session is near the top. The rules are data: src/db/qa-review-repo.ts turns the same
// thresholds and weights into SQL to rank a whole backlog, and riskOf() explains each card.

/** What the database knows about one session, as qa-review-repo reads it. */
export interface RiskSignals {
  /** the lowest CSI of the session's conversation-days (null: not scored yet) */
  minCsi: number | null;
  /** the lowest classification confidence of its customer messages (null: none classified) */
  minConfidence: number | null;
  humanHandoff: boolean;
  /** the most negative sentiment shift of its conversation-days */
  minSentimentShift: number | null;
  /** a customer message classified as a complaint */
  complaint: boolean;
  /** the customer started a new session within 48 h of this one's end */
  cameBack: boolean;
}

export interface RiskRule {
  name: 'low_csi' | 'very_low_csi' | 'unsure_bot' | 'handoff' | 'sentiment_drop' | 'complaint' | 'came_back';
  weight: number;
  /** the threshold the rule compares with, when it has one */
  threshold?: number;
  applies(s: RiskSignals): boolean;
  reason(s: RiskSignals): string;
}

export const LOW_CSI = 60;
export const VERY_LOW_CSI = 40;
export const LOW_CONFIDENCE = 0.6;
export const SENTIMENT_DROP = -1;
export const CAME_BACK_HOURS = 48;

const fmt = (n: number, digits = 0) => n.toFixed(digits);

// Below VERY_LOW_CSI both CSI rules apply (4 points); the answer names the stronger one.
export const RISK_RULES: readonly RiskRule[] = [
  { name: 'low_csi', weight: 2, threshold: LOW_CSI, applies: (s) => s.minCsi !== null && s.minCsi < LOW_CSI, reason: (s) => `CSI ${fmt(s.minCsi!)} (under ${LOW_CSI})` },
  { name: 'very_low_csi', weight: 2, threshold: VERY_LOW_CSI, applies: (s) => s.minCsi !== null && s.minCsi < VERY_LOW_CSI, reason: (s) => `CSI ${fmt(s.minCsi!)} (under ${VERY_LOW_CSI})` },
  { name: 'unsure_bot', weight: 2, threshold: LOW_CONFIDENCE, applies: (s) => s.minConfidence !== null && s.minConfidence < LOW_CONFIDENCE, reason: (s) => `the bot was unsure (confidence ${fmt(s.minConfidence!, 2)})` },
  { name: 'handoff', weight: 2, applies: (s) => s.humanHandoff, reason: () => 'handed to a human' },
  { name: 'sentiment_drop', weight: 2, threshold: SENTIMENT_DROP, applies: (s) => s.minSentimentShift !== null && s.minSentimentShift <= SENTIMENT_DROP, reason: (s) => `sentiment fell (${fmt(s.minSentimentShift!, 1)})` },
  { name: 'complaint', weight: 3, applies: (s) => s.complaint, reason: () => 'a complaint' },
  { name: 'came_back', weight: 1, applies: (s) => s.cameBack, reason: () => `the customer came back within ${CAME_BACK_HOURS} h` },
];

export const riskWeight = (name: RiskRule['name']): number => RISK_RULES.find((r) => r.name === name)!.weight;

/** The session's risk score (sum of the weights of the rules that apply) and why. */
export function riskOf(s: RiskSignals): { score: number; reasons: string[] } {
  const hit = RISK_RULES.filter((r) => r.applies(s));
  const veryLow = hit.some((r) => r.name === 'very_low_csi');
  const reasons = hit.filter((r) => !(veryLow && r.name === 'low_csi')).map((r) => r.reason(s));
  return { score: hit.reduce((n, r) => n + r.weight, 0), reasons };
}
