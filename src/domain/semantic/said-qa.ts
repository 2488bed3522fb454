// The QA states a question asks about ("passed", "not in issue state"; sessions reviewed then,
// or in a state now) and "agents other than Maria" as the other people by name: two filter
// readings of readSaid's that take more than a line, kept out of said.ts so it stays readable.
import { escape, type Words } from './said-names.ts';
import type { Filter } from './query.ts';
import type { Vocabulary } from './said.ts';
import { QA_STATE_WORDS } from './words.ts';

/** A QA verb used as a verb ("were reviewed", "did Sam pass", "flagged as issue"), not as an adjective ("passed sessions"). */
const QA_VERB = /\b(?:reviewed|passed|pass|flag|flags|flagged|fixed|fix|failed|marked|mark)\b(?!\s+(?:sessions?|conversations?|chats?|ones)\b)/;
/** The state sessions are in now ("are passed", "still unchecked", "by QA status"): not an act in the period. */
const STATE_NOW = /\b(?:are|is|currently|now|still|remain(?:s|ing)?|state|status|stand(?:s|ing)?|sitting)\b/;

/**
 * Sessions "reviewed", "passed" or "flagged" in a period mean the act then, not the state now of the
 * sessions that started then ("didn't pass QA last week": flagged then); "not reviewed" is a state now.
 */
function qaActSaid(text: string, states: readonly string[]): boolean {
  if (states.includes('unchecked') || STATE_NOW.test(text)) return false;
  if (/(?:\bnot|\bnever|n't)\b(?:\s+(?:yet|been|ever))*\s+(?:reviewed|checked)\b/.test(text)) return false;
  return QA_VERB.test(text);
}

/**
 * "Agents other than Maria": the other agents by name, not everything but Maria (which keeps the
 * bot-only days that have no agent). Rewrites such filters in place; returns them.
 */
export function otherPeople(filters: Filter[], vocab: Vocabulary, text: string): Set<Filter> {
  const rewritten = new Set<Filter>();
  for (const [dimension, names] of [['agent', vocab.agents], ['reviewer', vocab.reviewers ?? []]] as const) {
    const at = filters.findIndex((f) => f.dimension === dimension && f.exclude);
    if (at < 0 || !new RegExp(`\\b(?:all |every |the |other )?${dimension}s\\b`).test(text)) continue;
    filters[at] = { dimension, values: names.filter((n) => !filters[at]!.values.includes(n)) };
    rewritten.add(filters[at]!);
  }
  return rewritten;
}

export function qaStateFilter(w: Words, text: string, measure: string | undefined, byState: boolean): { measure?: string; filter?: Filter } {
  let states = QA_STATE_WORDS.filter(([re]) => re.test(w.rest)).map(([, s]) => s);
  // "not in issue state", "other than passed": every state but that one (of the reviewed ones, said so)
  const notState = /\b(?:not (?:in |at )?(?:the )?(?:an? )?|(?:are|is|were|was|have|has)n't (?:been |yet )?(?:in |at )?(?:the )?(?:an? )?|(?:are|is|were|was) not (?:yet )?(?:in |at )?(?:the )?|other than |except (?:for )?)(issue|passed|fixed|unchecked)s?\b(?! (?:passed|reviewed))/.exec(text);
  if (notState) {
    w.take(new RegExp(escape(notState[0])));
    const all = /\breviewed\b/.test(text) ? ['passed', 'issue', 'fixed'] : ['unchecked', 'passed', 'issue', 'fixed'];
    states = all.filter((s) => s !== notState[1]);
  }
  // "issues fixed", "fixed the issues": the issues are what was fixed
  if (states.includes('fixed') && states.includes('issue') && /\bissues?\b[^.?]{0,25}\bfix(?:ed|es)?\b|\bfix(?:ed|es)?\b[^.?]{0,10}\bissues?\b/.test(text)) states = ['fixed'];
  const reviewed = /\breviewed\b/.test(text);
  // "how many sessions did Olga review": sessions, each once, not her QA changes
  if (measure === 'reviews' && /\b(?:how many|number of|count of)\s+(?:[a-z]+\s+)?sessions\b/.test(text) && !states.includes('unchecked') && !STATE_NOW.test(text)) {
    return { measure: 'reviewedSessions', filter: { dimension: 'qa_state', values: states.length ? states : ['passed', 'issue'] } };
  }
  if (measure === 'sessions' && !byState && (reviewed || states.length) && qaActSaid(text, states)) {
    return { measure: 'reviewedSessions', filter: { dimension: 'qa_state', values: states.length ? states : ['passed', 'issue'] } };
  }
  const m = measure === 'sessions' && (states.length || reviewed || byState) ? 'qaSessions' : measure;
  if (m !== 'qaSessions' && m !== 'reviews' && m !== 'reviewedSessions') return { measure: m };
  if (states.length) return { measure: m, filter: { dimension: 'qa_state', values: states } };
  if (m === 'qaSessions' && reviewed) return { measure: m, filter: { dimension: 'qa_state', values: ['passed', 'issue', 'fixed'] } };
  return { measure: m };
}
