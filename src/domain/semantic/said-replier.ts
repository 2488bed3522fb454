// Who replied, when a question says: a human or the bot, named or left out ("excluding the
// bot"), and what that does to the figure (its human or bot variant, or a sender filter).
import { Words } from './said-names.ts';
import { dimensionsOf, measureByName } from './catalogue.ts';
import type { Filter } from './query.ts';
import { BOT_WORDS, HUMAN_WORDS, leavesOut } from './words.ts';

/** The side a question leaves out ("excluding the bot", "not from agents"), when it leaves out one. */
export function leftOutSide(w: Words): 'human' | 'bot' | undefined {
  const leftOut = (words: RegExp) => leavesOut(words.source, w.rest);
  const bot = leftOut(BOT_WORDS);
  const human = leftOut(HUMAN_WORDS);
  return bot === human ? undefined : bot ? 'bot' : 'human';
}

/** Who replied, when the question says: a human or the bot. */
export function replierOf(w: Words): 'human' | 'bot' | undefined {
  // "excluding the bot", "without agents": the other side
  if (leftOutSide(w) === 'bot') return 'human';
  if (leftOutSide(w) === 'human') return 'bot';
  // both named ("customers, the bot and agents") is everyone: no side is chosen
  if (BOT_WORDS.test(w.rest) && HUMAN_WORDS.test(w.rest)) return undefined;
  if (BOT_WORDS.test(w.rest)) return 'bot';
  const ranksAgents = /\b(?:which|each|per|by|every)\s+(?:human\s+)?agents?\b|\b(?:slowest|fastest|quickest|best|worst)\s+agents?\b/;
  return HUMAN_WORDS.test(w.rest) && !ranksAgents.test(w.rest) ? 'human' : undefined;
}

/**
 * The human or bot variant of a time measure, or a sender filter: on messages and response times
 * when a human or the bot is meant, on any other figure split by who replied (CSAT, QA score)
 * only when "human" or "bot" is said outright (`named`), since "our team" there means everyone.
 */
export function byReplier(measure: string, replier: 'human' | 'bot' | undefined, filters: Filter[], named = false, leftOut = false): string {
  if (!replier) return measure;
  const bot = replier === 'bot';
  // messages have three senders: "not from the bot" keeps the customers' too
  if (measure === 'messages' && leftOut) {
    filters.push({ dimension: 'sender', values: [bot ? 'human_agent' : 'bot'], exclude: true });
    return measure;
  }
  if (measure === 'firstResponse') return bot ? 'botFirstResponse' : 'humanFirstResponse';
  if (measure === 'responseTime' && !bot) return 'humanResponseTime';
  const m = measureByName(measure);
  const bySender = measure === 'responseTime' || measure === 'messages' || (named && m !== undefined && dimensionsOf(m).includes('sender'));
  if (bySender) filters.push({ dimension: 'sender', values: [bot ? 'bot' : 'human_agent'] });
  return measure;
}
