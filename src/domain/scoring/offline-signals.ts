import Sentiment from 'sentiment';

// Text signals the offline scorer reads from single messages. Everything here is a pure
// function of one message's text, computed once per message so that the metric rules in
// offline-scorer.ts only combine numbers and booleans.
//
// The patterns are tuned on support-chat English (the seed dialogues and the classifications
// the customer agent emits); they are deliberately few and cheap, because the scorer must
// sustain tens of thousands of conversation-days per second.

// The package's `analyze` keeps no state between calls; its `extras` option would mutate the
// shared AFINN table, so support-specific cues live in the patterns below instead.
const afinn = new Sentiment();

/** The customer says the issue is settled or thanks us. Checked only when no frustration cue fires. */
const CLOSING =
  /\b(?:thanks|thank you|thank u|thx|ty|tysm|cheers|perfect|solved|resolved|sorted|fixed|got it|that helps|great|awesome|brilliant|excellent|wonderful|amazing|appreciate(?:d)?|ordered|placed (?:the|my|an) order|works now|working now|all good|will do)\b|👍|🙏/;

/**
 * The customer is still stuck or annoyed. "still" and "again" only count in the phrases that
 * mean "not fixed", so that "do you still have it?" and "thanks again" stay neutral.
 */
const FRUSTRATION =
  /\bstill (?:waiting|not|no|nothing|broken|the same|\w+n'?t)\b|(?<!thanks |thank you )\bagain\b|\b(?:second|third) time\b|(?:\bnot|\bnever|\bno longer|n'?t) (?:work(?:ing|s|ed)?|help(?:ing|ful|s)?|answer(?:ing|ed|s)?|fixed|solved|resolved|received|arrived|sorted)\b|\b(?:nobody|no one|anyone there|is anyone|anybody there)\b|\bno (?:update|answer|reply|response)\b|\b(?:too long|waiting|got back to me|never ?mind)\b|\?{2,}/;

const HUMAN_REQUEST =
  /\b(?:real person|human being|a human|to a person|speak to someone|talk to someone|someone from your team|manager|supervisor|agent please|live agent|real agent|human agent)\b/;

/** A reply that reports the work as done (nudges an open day towards resolved). */
const REPLY_DONE =
  /\b(?:done|sorted|refunded|approved|unlocked|reserved|ships today|will be delivered|i have (?:approved|refunded|reserved|unlocked|updated|applied|arranged|created|added|upgraded|restored)|has been (?:fixed|resolved|sent|refunded))\b/;

/** A reply that promises a later answer: the issue is explicitly still open. */
const REPLY_PENDING =
  /\b(?:will (?:get back|message you|update you|let you know|reply)|as soon as|get back to you|escalated|passed (?:this|it|your)|looking into|look into|checking with|shortly|within \d+(?:-\d+)? (?:business )?days)\b/;

export interface CustomerSignals {
  hasText: boolean;
  /** AFINN valence sum, plus a fixed penalty per message carrying a frustration cue */
  valence: number;
  afinnScore: number;
  closing: boolean;
  frustration: boolean;
  question: boolean;
  humanRequest: boolean;
  /** distinct lower-cased tokens (as the sentiment package split them) of a text long enough to be a question, else null */
  words: ReadonlySet<string> | null;
}

/** What a frustration cue weighs, in AFINN points: about one clearly negative word. */
const FRUSTRATION_VALENCE = -2;

const EMPTY: CustomerSignals = {
  hasText: false, valence: 0, afinnScore: 0, closing: false, frustration: false, question: false, humanRequest: false, words: null,
};

/**
 * Support chats repeat themselves ("Hi", "thanks", "Still waiting...", the same product
 * question), and lexicon analysis is most of the scorer's cost, so text signals are memoised.
 * The memo only ever returns what the pure computation would; it is bounded by dropping
 * everything when full, which keeps it O(1) and its memory flat on endless streams.
 */
const MEMO_LIMIT = 20_000;
const memo = new Map<string, CustomerSignals>();

function textSignals(text: string): CustomerSignals {
  const lower = text.toLowerCase();
  const { score, tokens } = afinn.analyze(lower);
  const frustration = FRUSTRATION.test(lower);
  return {
    hasText: true,
    valence: score + (frustration ? FRUSTRATION_VALENCE : 0),
    afinnScore: score,
    closing: !frustration && score >= 0 && CLOSING.test(lower),
    frustration,
    question: lower.includes('?'),
    humanRequest: HUMAN_REQUEST.test(lower),
    words: tokens.length >= 3 ? new Set(tokens) : null,
  };
}

export function customerSignals(text: string | null, classification: string | null | undefined): CustomerSignals {
  const trimmed = text?.trim() ?? '';
  let base: CustomerSignals;
  if (trimmed === '') base = EMPTY;
  else {
    const hit = memo.get(trimmed);
    if (hit) base = hit;
    else {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      base = textSignals(trimmed);
      memo.set(trimmed, base);
    }
  }
  // The customer agent's classification is a second opinion on the same two questions.
  // A sticker the classifier read as gratitude closes the day like a written thanks.
  if (classification === 'gratitude' && !base.closing && !base.frustration && base.afinnScore >= 0) {
    return { ...base, closing: true };
  }
  if (classification === 'human_request' && !base.humanRequest) return { ...base, humanRequest: true };
  return base;
}

export function replySignals(text: string | null): { done: boolean; pending: boolean } {
  if (!text) return { done: false, pending: false };
  const lower = text.toLowerCase();
  return { done: REPLY_DONE.test(lower), pending: REPLY_PENDING.test(lower) };
}

/**
 * Maps an unbounded AFINN sum to (−1, 1) the way VADER normalises its compound score,
 * x / √(x² + α) with α = 15: one mild word (±2) lands near ±0.46, three strong words saturate.
 */
export function compound(valence: number): number {
  return valence / Math.sqrt(valence * valence + 15);
}

/**
 * Two customer messages ask the same thing: mostly the same words (Jaccard ≥ 0.6). Texts under
 * three words ("ok", "??") are not questions to repeat; nudges count as frustration instead.
 */
export function sameQuestion(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  let shared = 0;
  for (const t of b) if (a.has(t)) shared++;
  return shared / (a.size + b.size - shared) >= 0.6;
}
