// The breakdown a question asks for, as said: "by page", "which agent", "the slowest agents",
// "rank pages by …", "who's worst?" after a breakdown (said.ts reads the other slots).
import { COUNT } from '../period-words.ts';
import type { Dimension } from './catalogue.ts';
import { Words, escape } from './said-names.ts';
import { ADVERB_GROUPS, DIMENSION_WORDS, WHO_ASKED } from './words.ts';

export interface Group {
  dim?: Dimension;
  /** "which page", "the best agent": the answer leads with the winner */
  which: boolean;
}

export function dimensionAt(words: string): Dimension | undefined {
  for (const [re, dim] of DIMENSION_WORDS) {
    const m = re.exec(words);
    if (m && m.index === 0) return dim;
  }
  return undefined;
}

const RANK_BEFORE = new RegExp(`\\b(?:(?:next|second) (?:to|from) (?:the )?(?:last|bottom)|penultimate|runner[- ]?up|top|bottom|best|worst|highest|lowest|most|least|slowest|fastest|quickest|busiest|quietest|strongest|weakest|${COUNT})\\s+(?:${COUNT}\\s+)?(?:(?:best|worst|highest|lowest|slowest|fastest|busiest|quietest|busy)\\s+)?((?:qa\\s+)?[a-z]+)\\b`, 'g');
/** "the agent with the highest p90 handling time": that dimension ranked, its first asked for. */
const WITH_THE_MOST = /\b(?:the |which |what )?(page|brand|agent|reviewer|topic|hour|weekday|day|week|month)s? (?:with|that had|that has|having|who had|who has) (?:the )?(?=(?:highest|lowest|best|worst|most|fewest|least|biggest|smallest|longest|shortest|slowest|fastest|quickest)\b)/;

/** `before`: the breakdown of the thread's previous question, which a bare "who" or "which day" asks about. */
export function groupOf(w: Words, text: string, before?: Dimension): Group {
  const which = /\b(?:which|what)\s+((?:[a-z]+\s+){0,3}[a-z]+)\b/.exec(w.rest);
  if (which) {
    for (const [re, dim] of DIMENSION_WORDS) {
      const m = re.exec(which[1]!);
      if (m && m.index === 0) {
        w.take(new RegExp(`\\b(?:which|what)\\s+${escape(m[0])}`));
        // "which day was worst?" after a breakdown by weekday: which of those weekdays
        return { dim: dim === 'day' && before === 'weekday' && /^days?$/.test(m[0]) ? 'weekday' : dim, which: true };
      }
    }
  }
  // The word is never one of these cues: a name taken from "by James by page" or "by James per
  // brand" leaves "by by page", "by per brand". Nor is it a period's ("by Noah the week before last").
  const by = /\b(?:by|per|for each|for every|each|across|across all|split by|broken down by|between)\s+(?:the\s+)?(?!(?:by|per|each|every|for|across|split|broken)\b)((?:qa\s+)?[a-z]+\b(?:\s+of\s+(?:the\s+)?[a-z]+)?)(?!\s+(?:before|after|ending|starting)\b)/g;
  for (const m of w.rest.matchAll(by)) {
    // "by QA reviewer" is by reviewer; "by QA state" and "by QA category" keep their own words
    const qa = /^qa\s+(?!state|status|categor)/.exec(m[1]!);
    const words = qa ? m[1]!.slice(qa[0].length) : m[1]!;
    for (const [re, dim] of DIMENSION_WORDS) {
      const d = re.exec(words);
      if (d && d.index === 0) {
        w.take(new RegExp(escape(m[0].slice(0, m[0].indexOf(m[1]!) + (qa?.[0].length ?? 0) + d[0].length))));
        return { dim, which: false };
      }
    }
  }
  // "the bottom 5 days", "top 3 weeks": days ranked ("last 5 days" is a period, so a ranking word is needed)
  const rankedTimes = w.take(new RegExp(`(?<=\\b(?:top|bottom|best|worst|highest|lowest|busiest|quietest)\\s+${COUNT}\\s+|\\b${COUNT}\\s+(?:best|worst|highest|lowest|busiest|quietest|slowest|fastest)\\s+)(?:days|weeks|months)\\b`));
  if (rankedTimes) return { dim: dimensionAt(rankedTimes[0])!, which: false };
  // "the worst day of the week", "busiest weekday": the weekdays ranked, one of them asked for
  if (w.take(/(?<=\b(?:best|worst|highest|lowest|slowest|fastest|busiest|quietest)\s+)(?:days? of (?:the )?week|weekdays?)\b/)) return { dim: 'weekday', which: true };
  // "rank pages by containment", "sort the agents by CSI", "list reviewers by reviews": that breakdown, ranked
  const ranked = /\b(?:rank|order|sort|list|compare)(?:ed|ing|s)?\s+(?:the\s+|all\s+|our\s+|every\s+)?((?:qa\s+)?[a-z]+)\b/.exec(w.rest);
  const rankedDim = ranked ? dimensionAt(ranked[1]!.replace(/^qa\s+(?!state|status|categor)/, '')) : undefined;
  if (ranked && rankedDim && !['day', 'week', 'month', 'hour'].includes(rankedDim)) {
    w.take(new RegExp(escape(ranked[0])));
    return { dim: rankedDim, which: false };
  }
  for (const [re, dim] of ADVERB_GROUPS) if (w.take(re)) return { dim, which: false };
  const withTheMost = w.take(WITH_THE_MOST);
  if (withTheMost && dimensionAt(withTheMost[1]!)) return { dim: dimensionAt(withTheMost[1]!)!, which: true };
  // "the slowest agents", "top 3 pages", "best reviewer": a ranking of that dimension; one named = the winner
  for (const m of w.rest.matchAll(RANK_BEFORE)) {
    const dim = dimensionAt(m[1]!);
    // "the busiest day", "the worst week": one of the period's days ranked (not "most days", "top 3 weeks")
    const oneTime = /^(?:day|week|month)$/.test(m[1]!) && /^(?:the\s+)?(?:busiest|quietest|best|worst|highest|lowest|slowest|fastest)\s/.test(m[0]);
    if (dim && (!['day', 'week', 'month'].includes(dim) || oneTime)) {
      w.take(new RegExp(`(?<=${escape(m[0].slice(0, m[0].length - m[1]!.length))})${escape(m[1]!)}`));
      return { dim, which: !/s$/.test(m[1]!) };
    }
  }
  // "who's worst?" after a breakdown by reviewer (or page): those, not the agents
  const people = before === 'agent' || before === 'reviewer' || before === 'page' ? before : 'agent';
  if (w.take(WHO_ASKED)) return { dim: /\breview|\bqa\b|\b(?:fixe[sd]|flag(?:s|ged|ging)?)\b|\b(?:found|raised|logged|reported|opened|spotted|caught|filed) (?:the )?(?:most |fewest |more |fewer )?issues\b|\bpasse[sd]\b(?! (?:on |over )?to\b)/.test(text) ? 'reviewer' : /\bagents?\b/.test(text) ? 'agent' : people, which: true };
  return { which: false };
}
