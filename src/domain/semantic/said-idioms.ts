// The chat around a question: greetings, thanks, idioms and abbreviations. Taken off (or spelt
// out) before the slots read the words, so that "morning!" is no part of the day, "thanks" no
// gratitude topic, "no rush" no negation, "bottom line" no minimum and "last wk" a period.

// ("morning conversations" is no greeting: a bare part of the day needs its punctuation)
const GREETING = /^(?:(?:morning|afternoon|evening)(?: (?:all|everyone|team|folks|guys))?\s*[!,.:;-]+|good (?:morning|afternoon|evening)(?: (?:all|everyone|team|folks|guys))?[!,.:;-]*|(?:hi+|hey+|hello|hiya|yo|howdy)(?: (?:all|everyone|team|folks|guys|there))?[!,.:;-]*)\s+/;

/** Thanks and sign-offs at either end ("thanks in advance, …", "…, please and thank you"). */
const THANKS_FIRST = /^(?:(?:great|ok|okay|cool|perfect|brilliant|awesome|nice|lovely)[!,.]? )?(?:(?:many|big) )?(?:thanks|thank you|thx|ty|cheers|ta)(?: (?:so much|a lot|a ton|a bunch|heaps|loads|very much|in advance|a million))?[!,.:;-]+\s+/;
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
  [/\blst\b/g, 'last'], [/\bwks\b/g, 'weeks'], [/\bwk\b/g, 'week'], [/\bmths\b/g, 'months'], [/\bmth\b/g, 'month'], [/\byrs\b/g, 'years'], [/\byr\b/g, 'year'],
  [/\bmnths?\b/g, 'month'], [/\bweeks?k\b|\bwek\b/g, 'week'], [/\bqtrs\b/g, 'quarters'], [/\bqtr\b/g, 'quarter'], [/\byday\b/g, 'yesterday'],
  [/\bin the (\d{1,2}) ?(am|pm) hour\b/g, 'at $1$2'],
  // "how many messages in a day on average": a daily average, not a period
  [/\b(?:in|on) (?:a|one) day\b(?=[^.?]*\bon average\b)|(?<=\b(?:average|avg|mean)\b[^.?]{0,40})\b(?:in|on) (?:a|one) day\b/g, 'a day'],
  // "the most messages in a single day": the day ranked, one of them asked for
  [/(?<=\b(?:highest|most|fewest|lowest|least|maximum|minimum|max|min|biggest|record|busiest|quietest)\b[^.?]{0,40})\b(?:in|on) (?:a|one) (?:single )?day\b/g, 'on which day'],
  [/\b(?:sorted |ordered )?(?:from )?(?:low|lowest|small|smallest) to (?:high|highest|large|largest|big|biggest)\b/g, 'in ascending order'],
  [/\b(?:sorted |ordered )?(?:from )?(?:high|highest|large|largest|big|biggest) to (?:low|lowest|small|smallest)\b/g, 'in descending order'],
  // "how many minutes was the first response": how long, in the figure's own unit
  [/\bhow many (?:minutes|mins|hours|hrs|seconds|secs)\b/g, 'how long'],
  // "in minutes", "as a percentage": how to show the figure, which its unit decides
  [/\s*\b(?:in|as|into) (?:minutes|mins|hours|hrs|seconds|secs|days|a percentage|percentages?|percent)\b/g, ''],
  [/\bhrs\b/g, 'hours'], [/\bmins\b/g, 'minutes'], [/\bcld u\b/g, 'could you'], [/\bw\/c\b/g, 'week commencing'], [/\bw\/e\b/g, 'week ending'], [/\bw\/(?!o)/g, 'with '],
];

/**
 * A correction of the question before ("no, I meant the handoff rate", "no wait, last month",
 * "by agent, not page"): what it corrects to is the follow-up; the "no" is no negation.
 */
const CORRECTION_FIRST = /^(?:(?:no|nope|nah|sorry|oops|actually|wait)(?:\s*[!,.:;—–-]+\s*|\s+(?=(?:no|wait|sorry|actually|i meant|i mean|make it|make that)\b)))+(?:(?:i (?:meant|mean)|make (?:it|that))[!,.:;-]*\s*)?|^i (?:meant|mean)[!,.:;-]*\s+/;
const CORRECTION_LAST = /,?\s+(?:not|instead of|rather than) (?:by |per )?(?:the )?(?:page|agent|reviewer|topic|day|week|month|hour|weekday|qa state|sender)s?\s*[?.!]*$/;

/** The question (lower case) without the chat around it, abbreviations spelt out. */
export function withoutChat(text: string): string {
  let out = text.replace(GREETING, '').replace(THANKS_FIRST, '').replace(THANKS_LAST, '').replace(CORRECTION_FIRST, 'and ').replace(CORRECTION_LAST, '');
  out = out.replace(IDIOMS, ' ');
  for (const [re, word] of SPELT_OUT) out = out.replace(re, word);
  return out.replace(/\s+/g, ' ').replace(/^[\s,.;:!-]+/, '').trim();
}
