// A long message with one question inside ("hope your weekend was good! … how many handoffs did we
// have on Stride last week? no rush"): the sentences that ask are read, the ones that only chat
// are left out, and the answer says which words it read. A sentence chats when no figure is named
// in it and some of its words are ones no slot reads; a sentence of slot words only ("November
// please", "last week") belongs to the question and is kept.
import type { Said } from './said.ts';

/** A correction after a break ("… yesterday - no bots", "… last week? no sorry, the week before"): the same question. */
const CORRECTING = String.raw`(?!(?:[Nn]o|[Nn]ope|[Nn]ah)[\s,!]+(?!(?:rush|worries|problem|pressure|hurry|stress|biggie|idea|need)\b)|(?:[Ss]orry|[Oo]ops|[Aa]ctually|[Ww]ait)[\s,!]+(?!(?:to|for|about)\b)|[Ii] meant\b)`;

/** Sentence ends, dashes and colons between clauses, "anyway": where a message changes subject. */
const BREAK = new RegExp(String.raw`(?<=[.!?;])\s+${CORRECTING}|\s+[—–]\s+${CORRECTING}|\s+-{1,2}\s+${CORRECTING}|:\s+${CORRECTING}|,?\s+anyway,?\s+`);

/** A weekly event named by its day ("the Monday standup") is no period. */
const EVENT = /\b(?:for |at |in |before |after |from )?(?:the |our |my |this |next |tomorrow'?s |today'?s )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekly|daily|morning|team|all[- ]hands)(?:'s)? (?:standup|stand-up|meeting|sync|1:1|one-on-one|retro|retrospective|catch-?up|huddle|call|check-?in)s?\b/gi;

const NAMED: ReadonlySet<string> = new Set(['page', 'agent', 'reviewer']);

export interface Focused {
  /** the question's words as typed, without the sentences that only chat */
  text: string;
  /** said after the figure: which words were read */
  remark: string;
}

/**
 * The sentences of `question` that ask, when others only chat; undefined when every sentence
 * belongs to the question (or none names a figure: then nothing is left out, and the whole
 * message is refused or answered as it stands). `read` reads one sentence's slots.
 */
export function questionInChat(question: string, read: (sentence: string) => Said): Focused | undefined {
  const plain = question.replace(/\s+/g, ' ').trim();
  const cleaned = plain.replace(EVENT, ' ').replace(/\s+/g, ' ').trim();
  const sentences = cleaned.split(BREAK).map((s) => s.trim().replace(/^anyway,?\s+/i, '')).filter((s) => s.length > 0);
  if (sentences.length < 2) return cleaned !== plain ? { text: cleaned, remark: `I read "${cleaned}" (a meeting named by its day is no period).` } : undefined;
  const saids = sentences.map((s) => read(s.toLowerCase()));
  const asks = saids.map((said) => said.measure !== undefined || !said.unread);
  // a name said only in a chatting sentence ("Stride is struggling. What's the CSI?") keeps it:
  // the question may be about it, and dropping it would answer for everyone
  const names = (said: Said) => said.filters.filter((f) => NAMED.has(f.dimension)).flatMap((f) => f.values);
  const asked = new Set(saids.filter((_, i) => asks[i]).flatMap(names));
  const kept = sentences.filter((_, i) => asks[i] || names(saids[i]!).some((n) => !asked.has(n)));
  if (kept.length === sentences.length || !saids.some((said, i) => asks[i] && said.measure !== undefined)) return undefined;
  const text = kept.join(' ');
  return { text, remark: `I read "${text}" and took the rest of the message as conversation.` };
}
