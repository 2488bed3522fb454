// The measure a question names: the first figure its words name, others named back as second
// figures or as conditions, and measures only implied ("the slowest", "the busiest", "fixes").
import { Words } from './said-names.ts';
import { measureByName } from './catalogue.ts';
import { BUSY_WORDS, FOLLOW_ON, MEASURE_WORDS, SPEED_WORDS, QA_CHANGE_WORDS } from './words.ts';

/** Figures over sessions: "sessions" in the question is their base, not a second figure. */
const SESSION_RATES: ReadonlySet<string> = new Set(['handoffs', 'handoffRate', 'containment', 'issueRate', 'resolutionTime', 'firstResponse', 'reviews']);

/** "with a handoff", "that had a complaint": what follows is a condition on the figure, not a second one. */
export const CONDITION_BEFORE = /\b(?:with|without|that had|that have|having|which had|had|has|have|involving|where there was)\s+(?:a |an |any |the |no )?(?:no )?$/;

/** "sessions that were", "chats which": what follows is said of what the figure is over. */
const SAID_OF_BASE = /\b(?:sessions|conversations|chats|convos|ones)\s+(?:that|which|where)\s+(?:(?:were|was|got|have been|had been|been)\s+)?$/;

/** A measure read from a word that only implies it ("the slowest", "the busiest", "fixes", a topic alone). */
export type Inferred = 'speed' | 'busy' | 'qa' | 'topic';

/** "% of conversations handed to a human": the rate of that event over the base, not the base counted. */
const RATE_OF_EVENT: Readonly<Record<string, string>> = { handoffs: 'handoffRate' };
const SHARE_OF_BASE = /(?:\b(?:share|percentage|percent|proportion|portion|fraction)|%)\s+of\s+(?:the\s+|all\s+|our\s+)?$|%\s*$/;

/** The conversations or sessions a figure is taken over ("for conversations about complaints"). */
const OVER_BASE = /\b(?:for|of|in|on|across|among)\s+(?:the\s+|all\s+|our\s+)?(?:conversations|sessions|chats|convos)\b/;

export function measureOf(w: Words, secondAt?: number): { measure?: string; inferred?: Inferred; extra: string[]; notes: string[]; conditions: string[] } {
  let measure: string | undefined;
  let shareBase: string | undefined;
  const extra: string[] = [];
  const notes: string[] = [];
  const conditions: string[] = [];
  let firstOver: { name: string; said: string } | undefined;
  // With a second question ("handoffs last week and what was the CSAT"), the figure is the first
  // question's: its words are read first, with the second's hidden, then the second's as extras.
  const tail = secondAt !== undefined ? w.rest.slice(secondAt) : undefined;
  if (tail !== undefined) w.rest = w.rest.slice(0, secondAt) + ' '.repeat(tail.length);
  for (let pass = tail !== undefined ? 0 : 1; pass < 2; pass++) {
    if (pass === 1 && tail !== undefined) w.rest = w.rest.slice(0, secondAt) + tail;
    for (const [re, name] of MEASURE_WORDS) {
      // "which topics had the worst CSI": with another figure named, topics are its breakdown
      if (name === 'topics' && measure && /\b(?:which|what)\s+topics?\b/.test(w.rest)) continue;
      // "response time for the bot only": who replied, after a figure already named, not containment
      if (name === 'containment' && measure && /^bot[- ]only$/.test(re.exec(w.rest)?.[0] ?? '')) continue;
      const m = w.take(re);
      if (!m) continue;
      // "how many handoffs did James resolve": the handoffs are what the figure counts, not a second one
      if (name === 'handoffs' && measure?.startsWith('handoff')) continue;
      // "sessions without a handoff", "chats with no handoff": a figure left out is a condition, even named first
      if (/\b(?:without|with no|that had no|having no)\s+(?:a |an |any |the )?$/.test(w.text.slice(0, m.index))) {
        conditions.push(CONDITION_BEFORE.exec(w.text.slice(0, m.index))?.[0].concat(m[0]) ?? m[0]);
        continue;
      }
      // "and for bot-handled sessions" after the QA score: what the figure before is over, not a new figure
      if (!measure && (name === 'conversations' || name === 'sessions') && FOLLOW_ON.test(w.text) && /\b(?:for|of|in|on|among|across)\s+(?:[a-z'-]+\s+){0,2}$/.test(w.text.slice(0, m.index))) continue;
      if (!measure) {
        measure = name;
        if ((name === 'conversations' || name === 'sessions') && SHARE_OF_BASE.test(w.text.slice(0, m.index))) shareBase = m[0];
      } else if (name === 'handoffs' && (measure === 'conversations' || measure === 'sessions') && !shareBase && !/^(?:hand[- ]?offs?|escalations?)$/.test(m[0])) {
        // "how many conversations were escalated to a human": the handoffs, which are counted per session
        if (measure === 'conversations') notes.push(`"${w.text.slice(0, m.index).match(/\b(?:conversations|chats|threads|convos)\b(?!.*\b(?:conversations|chats|threads|convos)\b)/)?.[0] ?? 'conversations'}" (handoffs are counted per session: a conversation's visits, split after 12 h of silence)`);
        measure = 'handoffs';
      } else if (shareBase && RATE_OF_EVENT[name] && measure !== RATE_OF_EVENT[name]) {
        measure = RATE_OF_EVENT[name];
        if (!/^sessions?$/.test(shareBase)) notes.push(`"${shareBase}" (the ${measureByName(measure)!.label} is counted over sessions: a conversation's visits, split after 12 h of silence)`);
      }
      // "the percentage of sessions handed over": sessions are the base of the handoff figure, not a second figure
      // "CSI for conversations handled by James": the conversations are what the figure is over, not a second figure
      // … and "CSAT for bot-handled sessions": the sessions are what the score is over
      else if ((name === 'conversations' || name === 'sessions') && /\b(?:for|of|in|across|on|among|from)\s+(?:[a-z'-]+\s+){0,2}$/.test(w.text.slice(0, m.index)) && measure !== 'containment') continue;
      // "the QA score of Aiko's reviews", "the satisfied share of CSAT": what the figure is of, not a second figure
      else if (/^(?:reviews|scorecardReviews)$/.test(name) && /^qa(?:Category)?Score$/.test(measure) && /\b(?:for|of|in|on|from|across)\s+(?:[a-z'-]+\s+){0,2}$/.test(w.text.slice(0, m.index))) continue;
      else if (/^csat/.test(name) && /^csat/.test(measure) && /^csat$/.test(m[0])) continue;
      // "CES for conversations with a handoff": a condition on the figure, which no filter can honour
      else if (CONDITION_BEFORE.test(w.text.slice(0, m.index))) conditions.push(CONDITION_BEFORE.exec(w.text.slice(0, m.index))![0] + m[0]);
      // … and "CSAT for sessions that needed a real person": the same condition, said of the sessions
      else if (SAID_OF_BASE.test(w.text.slice(0, m.index))) conditions.push(SAID_OF_BASE.exec(w.text.slice(0, m.index))![0] + m[0]);
      // "the share of conversations resolved by the bot": containment's base is sessions, and says so
      else if (name === 'conversations' && measure === 'containment') notes.push(`"${m[0]}" (bot containment is counted over sessions: a conversation's visits, split after 12 h of silence)`);
      else if (name !== measure && !(name === 'sessions' && SESSION_RATES.has(measure))) {
        // "the handoff rate for conversations about complaints": the figure said first, over those conversations
        if ((measure === 'conversations' || measure === 'sessions') && !firstOver && m.index < w.text.search(/\b(?:conversations|sessions|chats|convos)\b/) && OVER_BASE.test(w.text)) firstOver = { name, said: m[0] };
        else extra.push(m[0]);
      }
    }
  }
  if (firstOver) measure = firstOver.name;
  let inferred: Inferred | undefined;
  if (!measure && SPEED_WORDS.test(w.rest)) [measure, inferred] = ['responseTime', 'speed'];
  if (!measure && BUSY_WORDS.test(w.rest)) [measure, inferred] = ['conversations', 'busy'];
  // "how many fixes", "sessions passed": QA changes to that state
  if (!measure && QA_CHANGE_WORDS.test(w.rest)) [measure, inferred] = ['reviews', 'qa'];
  return { measure, ...(inferred ? { inferred } : {}), extra, notes, conditions };
}
