import { compound, customerSignals, replySignals, sameQuestion, type CustomerSignals } from './offline-signals.ts';
import { JUDGEMENT_RANGES, clamp, round2 } from './ranges.ts';
import type { ConversationDay, JudgementScores, ScoreResult, Scorer } from './types.ts';

/*
 * Offline scorer: lexicon sentiment plus documented heuristics (DESIGN.md §5). Pure and
 * deterministic — no I/O, clock or environment — so a rerun stores identical rows, and fast
 * enough to leave the pipeline's 2,000 days/s budget to the database: on a typical 5–15
 * message day it runs at well over 20,000 days/s on one core (sanity check without timing
 * asserts: score 100,000 generated days in a loop and divide by the elapsed time).
 *
 * Only CUSTOMER messages carry sentiment; bot and agent text is read only to tell whether the
 * last reply promises a follow-up or reports the work done.
 *
 * sentimentScore (0–10, 5 neutral; null when the customer wrote no text that day)
 *   valence per message = AFINN sum (sentiment package) − 2 if it carries a frustration cue
 *   ("still waiting", "not working", "again", "nobody", "??" …); the day's valences are summed
 *   and mapped with the VADER-style compound c = v / √(v² + 15) ∈ (−1, 1): score = 5 + 5c.
 * sentimentShift (−5…+5; null with fewer than 2 customer text messages, because one message
 *   shows no movement and 0 would claim "no change" that was never observed)
 *   2.5 × (mean c of the last k texts − mean c of the first k), k = min(2, ⌊n/2⌋).
 * resolutionAchieved (0–10; null when the customer did not write that day), from the end of
 *   the day — the last customer message, or the one before it when the last is a bare
 *   "ok"/"bye"/"no" after closing words:
 *   - frustration cue, complaint/human_request classification or AFINN ≤ −2 at the end:
 *     1 if nobody replied after it, else 2;
 *   - closing signal (thanks/perfect/solved/got it/ordered…, or the `gratitude`
 *     classification, also on a sticker): 9, 10 when strongly positive (AFINN ≥ 4);
 *   - a text-less last message (a like sticker) after an answer: 7 (an acknowledgement);
 *   - last customer message unanswered: 2;
 *   - answered without a closing: 5, +1 if the last reply reports the work done, −1 if it
 *     promises to get back later, +1 if the customer's last words were positive.
 * fcrScore (0–10; null with resolution): high only when resolved (resolution ≥ 7) AND
 *   priorContactDays = 0 AND not customerReturnedLater — then it equals resolutionAchieved;
 *   an unresolved first contact gets half of it; a returning customer is capped at 2, one who
 *   comes back on a later day at 3.
 * ces (1 best … 7 worst; null with resolution) = 1 + effort points:
 *   +0.25 per customer message beyond two (≤ 1.5);
 *   +0.75 per repeated question, i.e. ≥ 3 words mostly shared with an earlier one (≤ 1.5);
 *   +1 escalation (a human agent replied after the bot had); +0.5 the customer asked for one;
 *   +0.5 / +1 / +1.5 when the longest wait for a reply exceeded 5 min / 30 min / 2 h;
 *   +1 when the last customer message expected a reply (not a thanks or a like) and got none;
 *   +0.5 per clearly negative (AFINN ≤ −2) or frustrated customer message (≤ 1.5);
 *   +0.5 when this is not a first contact (priorContactDays > 0).
 */

export const OFFLINE_SCORER_VERSION = '1.0.0';

const MINUTE = 60_000;

interface DayFacts {
  customer: CustomerSignals[];
  /** customer message index → ms until the next reply, or null if none followed that day */
  waits: (number | null)[];
  lastCustomerAnswered: boolean;
  /** the customer's closing words, if the day ends on them */
  closer: CustomerSignals | undefined;
  /** the last customer message is a like sticker sent after the previous one was answered */
  acknowledged: boolean;
  /** the customer's last message expects an answer it did not get (thanks and likes do not) */
  leftWaiting: boolean;
  lastReply: { done: boolean; pending: boolean };
  escalated: boolean;
  complaintAtEnd: boolean;
}

/** A last message that neither asks, thanks nor complains ("ok", "bye", "no") defers to the one before. */
const isFiller = (c: CustomerSignals) =>
  c.hasText && !c.closing && !c.frustration && !c.question && !c.humanRequest && (c.afinnScore === 0 || (c.words === null && c.afinnScore === -1));

function collectFacts(day: ConversationDay): DayFacts {
  const customer: CustomerSignals[] = [];
  const waits: (number | null)[] = [];
  const unanswered: { index: number; at: number }[] = [];
  let sawBot = false;
  let escalated = false;
  let lastReplyText: string | null = null;
  let lastCustomerClass: string | null | undefined;
  for (const m of day.messages) {
    if (m.senderKind === 'customer') {
      customer.push(customerSignals(m.text, m.classification));
      waits.push(null);
      unanswered.push({ index: customer.length - 1, at: m.at.getTime() });
      lastCustomerClass = m.classification;
      continue;
    }
    if (m.senderKind === 'bot') sawBot = true;
    else if (sawBot) escalated = true;
    lastReplyText = m.text;
    const t = m.at.getTime();
    // Clamped at 0 so that a caller's slightly unordered input cannot produce negative waits.
    for (const u of unanswered) waits[u.index] = Math.max(0, t - u.at);
    unanswered.length = 0;
  }
  const n = customer.length;
  const last = customer[n - 1];
  const before = customer[n - 2];
  const closer = !last ? undefined : last.closing ? last : isFiller(last) && before?.closing ? before : undefined;
  const lastCustomerAnswered = unanswered.length === 0;
  return {
    customer,
    waits,
    lastCustomerAnswered,
    closer,
    acknowledged: last !== undefined && !last.hasText && n > 1 && waits[n - 2] != null,
    leftWaiting: !lastCustomerAnswered && last !== undefined && last.hasText && !closer,
    lastReply: replySignals(lastReplyText),
    escalated,
    complaintAtEnd: lastCustomerClass === 'complaint' || lastCustomerClass === 'human_request',
  };
}

function sentiment(customer: readonly CustomerSignals[]): Pick<JudgementScores, 'sentimentScore' | 'sentimentShift'> {
  const texts = customer.filter((c) => c.hasText);
  if (texts.length === 0) return { sentimentScore: null, sentimentShift: null };
  let total = 0;
  for (const c of texts) total += c.valence;
  const sentimentScore = 5 + 5 * compound(total);
  if (texts.length < 2) return { sentimentScore, sentimentShift: null };
  const k = Math.min(2, Math.floor(texts.length / 2));
  let start = 0;
  let end = 0;
  for (let i = 0; i < k; i++) {
    start += compound(texts[i]!.valence);
    end += compound(texts[texts.length - 1 - i]!.valence);
  }
  return { sentimentScore, sentimentShift: (2.5 * (end - start)) / k };
}

function resolution(f: DayFacts): number {
  const last = f.customer[f.customer.length - 1]!;
  const negativeEnd = last.frustration || last.afinnScore <= -2 || (last.hasText && f.complaintAtEnd) || last.humanRequest;
  if (negativeEnd) return f.lastCustomerAnswered ? 2 : 1;
  if (f.closer) return f.closer.afinnScore >= 4 ? 10 : 9;
  if (f.acknowledged) return 7;
  if (!f.lastCustomerAnswered) return 2;
  const positive = last.afinnScore >= 2 ? 1 : 0;
  return clamp(5 + (f.lastReply.done ? 1 : 0) - (f.lastReply.pending ? 1 : 0) + positive, 3, 7);
}

function fcr(day: ConversationDay, resolved: number): number {
  let fcrScore = resolved >= 7 ? resolved : resolved / 2;
  if (day.priorContactDays > 0) fcrScore = Math.min(fcrScore, 2);
  if (day.customerReturnedLater) fcrScore = Math.min(fcrScore, 3);
  return fcrScore;
}

function effort(day: ConversationDay, f: DayFacts): number {
  const n = f.customer.length;
  let repeats = 0;
  let negative = 0;
  let askedHuman = false;
  for (let i = 0; i < n; i++) {
    const c = f.customer[i]!;
    // −1 words are too weak a signal alone (AFINN rates "pay" and "no" −1).
    if (c.afinnScore <= -2 || c.frustration) negative++;
    if (c.humanRequest) askedHuman = true;
    for (let j = 0; j < i && c.words; j++) {
      const earlier = f.customer[j]!.words;
      if (earlier && sameQuestion(earlier, c.words)) {
        repeats++;
        break;
      }
    }
  }
  let longestWait = 0;
  for (const w of f.waits) if (w != null && w > longestWait) longestWait = w;
  const waiting = longestWait > 120 * MINUTE ? 1.5 : longestWait > 30 * MINUTE ? 1 : longestWait > 5 * MINUTE ? 0.5 : 0;
  return (
    1 +
    Math.min(1.5, Math.max(0, n - 2) * 0.25) +
    Math.min(1.5, repeats * 0.75) +
    (f.escalated ? 1 : 0) +
    (askedHuman ? 0.5 : 0) +
    waiting +
    (f.leftWaiting ? 1 : 0) +
    Math.min(1.5, negative * 0.5) +
    (day.priorContactDays > 0 ? 0.5 : 0)
  );
}

const NOTHING_TO_JUDGE: JudgementScores = { sentimentScore: null, sentimentShift: null, resolutionAchieved: null, fcrScore: null, ces: null };

const fit = (metric: keyof typeof JUDGEMENT_RANGES, x: number | null): number | null =>
  x == null ? null : round2(clamp(x, JUDGEMENT_RANGES[metric][0], JUDGEMENT_RANGES[metric][1]));

/** Scores one day; exported for callers that score inline without the async interface. */
export function scoreDayOffline(day: ConversationDay): JudgementScores {
  const f = collectFacts(day);
  // A day on which only the company wrote has no customer issue, mood or effort to judge.
  if (f.customer.length === 0) return { ...NOTHING_TO_JUDGE };
  const s = sentiment(f.customer);
  const resolved = resolution(f);
  return {
    sentimentScore: fit('sentimentScore', s.sentimentScore),
    sentimentShift: fit('sentimentShift', s.sentimentShift),
    resolutionAchieved: fit('resolutionAchieved', resolved),
    fcrScore: fit('fcrScore', fcr(day, resolved)),
    ces: fit('ces', effort(day, f)),
  };
}

export function createOfflineScorer(): Scorer {
  return {
    name: 'offline',
    version: OFFLINE_SCORER_VERSION,
    score: (days) => Promise.resolve(days.map((day): ScoreResult => ({ key: day.key, scores: scoreDayOffline(day) }))),
  };
}
