// The chat around a question: greetings, thanks, idioms and abbreviations. Taken off (or spelt
// out) before the slots read the words, so that "morning!" is no part of the day, "thanks" no
// gratitude topic, "no rush" no negation, "bottom line" no minimum and "last wk" a period.

// ("morning conversations" is no greeting: a bare part of the day needs its punctuation)
const GREETING = /^(?:(?:morning|afternoon|evening)(?: (?:all|everyone|team|folks|guys))?\s*[!,.:;-]+|good (?:morning|afternoon|evening)(?: (?:all|everyone|team|folks|guys))?[!,.:;-]*|(?:hi+|hey+|hello|hiya|yo|howdy)(?: (?:all|everyone|team|folks|guys|there))?[!,.:;-]*)\s+/;

/** Thanks and sign-offs at either end ("thanks in advance, …", "…, please and thank you"). */
const THANKS_FIRST = /^(?:(?:many|big) )?(?:thanks|thank you|thx|ty|cheers|ta)(?: (?:so much|a lot|very much|in advance))?[!,.:;-]+\s+/;
// ("how many customers said thanks" keeps its thanks: the gratitude topic)
const THANKS_LAST = /(?<!\b(?:said|say|says|saying|sent|send|wrote|write|of|with|about|for|a|the|any|many) ?) *[,.;:!-]*\s*(?:(?:please )?and )?(?:(?:many|big) )?(?:thanks|thank you|thx|ty|cheers|ta)(?: (?:so much|a lot|very much|in advance|a million|a bunch|heaps|loads))?[\s!.]*$/;

/** Phrases that say nothing about what is counted, whichever words they are made of. */
const IDIOMS = new RegExp(
  [
    'no (?:rush|worries|problem|pressure|hurry|stress|biggie|need to rush)', "hope (?:you'?re|you are|all'?s) (?:well|good|doing well)", 'not (?:sure|urgent|a big deal)(?: if| whether)?',
    "(?:if )?(?:it'?s )?not too much trouble", 'if not', "(?:if )?(?:you )?don'?t mind", "(?:i )?don'?t know (?:if|whether)",
    "(?:i )?(?:honestly )?don'?t have a clue", 'nothing fancy', 'no idea',
    'out of (?:interest|curiosity)', 'in a nutshell', 'at a glance', 'for the record', 'at the end of the day', 'in terms of',
    'by any chance', 'in the meantime', 'in a word', 'to be fair', "for what it'?s worth", 'long story short', 'first things first',
    'heads up', 'double[- ]check', 'needless to say', 'bottom line', 'by and large', 'as per usual', 'tl;?dr', 'real quick',
    'apologies for [a-z ]{0,30}?(?=,|but\\b)', 'sanity check', 'all in all', 'on the whole', 'if possible', "if that'?s (?:ok|okay|alright|possible)",
  ].join('|'),
  'g',
);

/** Abbreviations of the words the slots read. */
const SPELT_OUT: readonly [RegExp, string][] = [
  [/\bwks\b/g, 'weeks'], [/\bwk\b/g, 'week'], [/\bmths\b/g, 'months'], [/\bmth\b/g, 'month'], [/\byrs\b/g, 'years'], [/\byr\b/g, 'year'],
  [/\bmnths?\b/g, 'month'], [/\bweeks?k\b|\bwek\b/g, 'week'], [/\bqtrs\b/g, 'quarters'], [/\bqtr\b/g, 'quarter'], [/\byday\b/g, 'yesterday'],
  [/\bhrs\b/g, 'hours'], [/\bmins\b/g, 'minutes'], [/\bcld u\b/g, 'could you'], [/\bw\/c\b/g, 'week commencing'], [/\bw\/e\b/g, 'week ending'], [/\bw\/(?!o)/g, 'with '],
];

/** The question (lower case) without the chat around it, abbreviations spelt out. */
export function withoutChat(text: string): string {
  let out = text.replace(GREETING, '').replace(THANKS_FIRST, '').replace(THANKS_LAST, '');
  out = out.replace(IDIOMS, ' ');
  for (const [re, word] of SPELT_OUT) out = out.replace(re, word);
  return out.replace(/\s+/g, ' ').replace(/^[\s,.;:!-]+/, '').trim();
}
