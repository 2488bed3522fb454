// Which kind of question a team lead asked (intents.ts builds the whole Intent): word rules
// tried in a fixed order, the conversation a question names, help requests, and raw SQL.

import { groupByOf, wantsChart, wantsTrend } from './intent-words.ts';
import type { IntentKind } from './intents.ts';

/** Any of the phrases (regex sources) as whole words. */
const anyOf = (...phrases: string[]) => new RegExp(`\\b(?:${phrases.join('|')})\\b`);

const CSI_WORD = anyOf(
  'csi', 'csat', 'satisfaction', 'satisfied', 'pillars?', 'effectiveness', 'effort', 'efficiency', 'empathy', 'sentiment',
);
const COMPARE_WORD = anyOf('compar(?:e|ed|ing|ison)', 'vs', 'versus', 'against', 'relative to');
const QA_WORD = anyOf(
  'qa', 'quality (?:check|assurance|review)s?', '(?:waiting for|awaiting|pending) reviews?', 'unchecked', 'review (?:queue|backlog)',
  'review (?:first|next)', 'should (?:we|i) review', '(?:riskiest|risky|risk(?:-| )ranked) (?:sessions?|conversations?|queue)',
);
/** the QA queue ranked by risk (domain/qa-risk.ts) rather than oldest first */
export const QA_RISK_WORD = anyOf('review (?:first|next)', 'should (?:we|i) review', 'riskiest', 'risky', 'risk(?:-| )ranked', 'most at risk');
const TOPIC_WORD = anyOf(
  'topics?', 'classifications?', 'themes?', 'contact reasons?',
  'what (?:do|did|are) (?:our )?customers (?:ask|asking|write|writing|talk|talking|complain|complaining)',
);
const SLOW_WORD = anyOf('slow', 'slower', 'slowest', 'longest');
const AGENT_WORD = anyOf('agents?', 'who', 'staff', 'teammates?', 'reps?', 'people', 'humans?', 'team members?');
const AGENT_RANKING = anyOf('rank(?:ing)? (?:of )?(?:the )?agents?');
const RESPONSE_WORD = anyOf(
  'response', 'repl(?:y|ies) times?', 'frt', 'wait(?:ing)? times?', 'time to (?:first )?(?:reply|respond|response|answer)',
  'how (?:fast|quickly|long|slow)\\b.*\\b(?:repl(?:y|ies|ying)|respond(?:s|ing)?|answer(?:s|ing)?)',
);
const WORST_WORD = anyOf('worst', 'lowest', 'poorest', 'bottom', 'unhappiest');
const CONVERSATIONS_WORD = anyOf('conversations?', 'chats?', 'convos?', 'threads?', 'sessions?');
const CONTAINMENT_WORD = anyOf(
  'containment', 'contained', 'hand ?offs?', 'handovers?', 'escalat(?:ion|ions|ed|e)', 'deflect(?:ion|ed)?',
  'resolved by (?:the )?bot', 'bot resolution',
);
const HOW_ARE_WE = anyOf('how (?:are|were|did) we (?:do|doing)');
const VOLUME_WORD = anyOf('how many', 'volumes?', 'number of', 'counts?', 'traffic', 'how busy');

const CONVERSATION_ID = /\b(?:conversation|chat|convo|thread)\s*(?:#|no\s+|number\s+|id\s+)?(\d+)\b/;
// A bare "#42" is a conversation only as the whole request: "the #1 topic" is not one.
const BARE_ID = /^(?:(?:please )?(?:summari[sz]e|show|open|read|display|look at) (?:me )?)?#(\d+)$/;

export function conversationIdOf(plain: string): number | undefined {
  const m = CONVERSATION_ID.exec(plain) ?? BARE_ID.exec(plain);
  return m ? Number(m[1]) : undefined;
}

// First match wins: specific kinds come before the broad ones whose words they share
// ("lowest CSI chats" is worst_conversations, not csi; "waiting for QA" is not a wait time).
const KIND_RULES: readonly (readonly [IntentKind, (t: string) => boolean])[] = [
  ['conversation', (t) => conversationIdOf(t) !== undefined],
  ['qa_backlog', (t) => QA_WORD.test(t)],
  ['topics', (t) => TOPIC_WORD.test(t)],
  ['slowest_agents', (t) => (SLOW_WORD.test(t) && AGENT_WORD.test(t)) || AGENT_RANKING.test(t)],
  ['response_times', (t) => RESPONSE_WORD.test(t)],
  ['worst_conversations', (t) => WORST_WORD.test(t) && CONVERSATIONS_WORD.test(t)],
  ['containment', (t) => CONTAINMENT_WORD.test(t)],
  ['csi_compare', (t) => CSI_WORD.test(t) && COMPARE_WORD.test(t)],
  ['csi_trend', (t) => CSI_WORD.test(t) && (wantsTrend(t) || (wantsChart(t) && !groupByOf(t)))],
  ['csi', (t) => CSI_WORD.test(t) || HOW_ARE_WE.test(t)],
  ['volumes', (t) => VOLUME_WORD.test(t)],
];

export const HELP = new RegExp(
  '^(?:(?:hi|hello|hey) )?(?:help(?: me)?|what can (?:you|i) (?:do|ask)(?: you)?(?: for me)?|what do you know' +
    '|what (?:questions|things) can i ask(?: you)?|how does this work|how do i use (?:this|you)|commands|examples?|usage)(?: please)?$',
);

export function kindOf(plain: string): IntentKind | undefined {
  return KIND_RULES.find(([, test]) => test(plain))?.[0];
}

const CTE = /^with\s+(?:recursive\s+)?[\w"]+\s*(?:\([^)]*\)\s*)?as\s*(?:(?:not\s+)?materialized\s*)?\(/i;

export function sqlOf(question: string): string | undefined {
  const prefixed = /^sql\s*:\s*([\s\S]+)$/i.exec(question) ?? /^sql\s+((?:select|with)\b[\s\S]*)$/i.exec(question);
  if (prefixed) return (prefixed[1] ?? '').trim();
  // WITH needs the shape of a common table expression, since English questions begin with "with" too.
  return /^select\b/i.test(question) || CTE.test(question) ? question : undefined;
}
