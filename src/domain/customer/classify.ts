import { compound, customerSignals } from '../scoring/offline-signals.ts';
import type { Classification, CustomerIntent } from './types.ts';
import { normalize } from './text.ts';

// The offline classifier of customer messages: word and phrase cues per intent, on text
// normalised by text.ts (lower case, accents dropped), so "envío" and "envio" are one cue.
// English first; the most common Spanish, French, German, Portuguese and Italian cues are
// included because shop pages get them, and a cue costs nothing when it does not fire.
// docs/CUSTOMER_AGENT.md lists the rules in prose.

/** Cues per intent; each distinct cue that fires adds one point to its intent. */
export const INTENT_CUES: Readonly<Record<Exclude<CustomerIntent, 'first_contact' | 'gratitude'>, readonly RegExp[]>> = {
  human_request: [
    /\b(?:talk|speak|chat|connect me|put me through)(?: to| with)? (?:a |an |some |the )?(?:real |actual |live )?(?:person|human|someone|somebody|agent|representative|rep|manager|supervisor|operator|staff)\b/,
    /\b(?:real|actual|live) (?:person|human|agent)\b|\bhuman (?:being|agent|please)\b|\bagent please\b|\b(?:a|any) human\b/,
    // "customer service" alone is often what they complain about ("your customer service is a joke")
    /\b(?:talk|speak|chat|connect me|put me through|get me)(?: to| with)? (?:your |the |a )?customer (?:service|support|care)\b|\b(?:representative|operator|supervisor)\b/,
    /\bis (?:there )?(?:a |any )?(?:person|human|one) (?:there|here)\b|\bnot (?:a |an )?(?:bot|robot)\b/,
    // es / fr / de / pt / it
    /\b(?:hablar con (?:una persona|alguien|un agente|un humano)|persona real)\b/,
    /\b(?:parler a (?:quelqu un|un conseiller|une personne|un humain)|un humain|vrai conseiller)\b/,
    /\b(?:mit (?:einem|einer) (?:menschen|mitarbeiter(?:in)?|person) sprechen|echte person)\b/,
    /\b(?:falar com (?:uma pessoa|alguem|um atendente)|parlare con (?:una persona|un operatore))\b/,
  ],
  complaint: [
    /\b(?:complain(?:t|ts|ing)?|unacceptable|ridiculous|disgusting|terrible|horrible|awful|worst|useless|scam|rip ?off|fraud|furious|angry|pathetic|disappointed|disappointing|outrageous)\b/,
    /\b(?:broken|damaged|defective|faulty|cracked|torn|ripped|stopped working|doesnt work|does not work|not working|wrong (?:item|size|color|colour|product|order)|missing (?:item|part|parts))\b/,
    /\b(?:never (?:arrived|came|received)|still (?:waiting|not)|no (?:one|body) (?:answers|replies|helps)|waste of)\b/,
    /\b(?:queja|reclamacion|roto|estafa|plainte|inadmissible|arnaque|casse|beschwerde|kaputt|betrug|reclamacao|quebrado|reclamo|rotto)\b/,
  ],
  returns: [
    /\b(?:return(?:s|ing|ed)?|refund(?:s|ed)?|money back|send (?:it|them) back|exchange|swap|cancel (?:my |the )?order)\b/,
    /\b(?:devolucion|devolver|reembolso|retour|rembourse(?:ment)?|ruckgabe|zuruckgeben|erstattung|umtausch|devolucao|reso|rimborso)\b/,
  ],
  shipping: [
    /\b(?:ship(?:s|ping|ped|ment)?|deliver(?:y|ies|ed)?|courier|tracking|track(?: my)? order|dispatch(?:ed)?|arriv(?:e|al)|postage|pick ?up|where is my (?:order|package|parcel)|my (?:order|package|parcel))\b/,
    /\b(?:envios?|enviar|entregas?|livraison|livrer|expedition|colis|versand|lieferung|liefern|paket|entrega|spedizione|consegna)\b/,
  ],
  availability_check: [
    /\b(?:in stock|out of stock|stock|available|availability|sold out|back in stock|restock|do you (?:still )?(?:have|carry|sell)|have (?:it|any|them) in|in size|size \d+)\b/,
    /\b(?:disponible|disponibilidad|hay stock|en stock|dispo|verfugbar|vorratig|auf lager|disponivel|disponibile)\b/,
  ],
  price_inquiry: [
    /\b(?:price|prices|pricing|cost|costs|how much|how many (?:dollars|euros)|expensive|cheap|discount|sale|deal|offer|promo|coupon)\b/,
    /\b(?:precio|cuanto cuesta|cuanto vale|cuanto es|prix|combien|coute|preis|kostet|wie viel|wieviel|preco|quanto custa|prezzo|quanto costa)\b/,
  ],
  general_inquiry: [
    /\b(?:open(?:ing)? hours|hours|store|shop|address|location|contact|phone|email|warranty|guarantee|size guide|sizing|payment|pay|card|paypal|installments?|gift card|account|password|login)\b/,
    /\b(?:horario|tienda|garantia|horaires|magasin|garantie|offnungszeiten|geschaft|loja|negozio)\b/,
  ],
};

/** The same cues, global: every distinct phrase that fires is one point ("return it for a refund" = 2). */
const GLOBAL_CUES = Object.fromEntries(
  Object.entries(INTENT_CUES).map(([k, res]) => [k, res.map((re) => new RegExp(re.source, 'g'))]),
) as Record<keyof typeof INTENT_CUES, RegExp[]>;

/** The order ties are broken in: the intent that needs a human, or a more specific answer, first. */
const PRIORITY: readonly Exclude<CustomerIntent, 'first_contact' | 'gratitude'>[] = [
  'human_request', 'complaint', 'returns', 'shipping', 'availability_check', 'price_inquiry', 'general_inquiry',
];

const GREETING_WORDS = new Set([
  'hi', 'hii', 'hiii', 'hello', 'hey', 'heya', 'hiya', 'yo', 'howdy', 'greetings', 'good', 'morning', 'afternoon', 'evening',
  'there', 'hola', 'buenas', 'buenos', 'dias', 'tardes', 'bonjour', 'salut', 'bonsoir', 'hallo', 'moin', 'guten', 'tag',
  'morgen', 'ola', 'oi', 'bom', 'dia', 'ciao', 'buongiorno', 'team', 'all', 'everyone', 'folks', 'whats', 'up', 'sup',
  'how', 'are', 'you', 'u', 'doing', 'is', 'anyone', 'anybody', 'a', 'the', 'and',
]);
/** The only words a greeting-only message needs at least one of. */
const GREETING_CORE = /\b(?:hi+|hello|hey|heya|hiya|yo|howdy|greetings|good (?:morning|afternoon|evening)|hola|buenas|buenos dias|bonjour|salut|bonsoir|hallo|moin|guten (?:tag|morgen)|ola|oi|bom dia|ciao|buongiorno)\b/;

const THANKS_WORDS = new Set([
  'thanks', 'thank', 'thx', 'thanx', 'ty', 'tyvm', 'you', 'u', 'so', 'very', 'much', 'many', 'a', 'lot', 'again', 'for', 'the', 'help',
  'your', 'that', 'thats', 'this', 'is', 'it', 'all', 'ok', 'okay', 'k', 'kk', 'great', 'perfect', 'awesome', 'cool', 'super',
  'nice', 'excellent', 'wonderful', 'fine', 'good', 'got', 'understood', 'noted', 'cheers', 'brilliant', 'lovely', 'and', 'oh',
  'gracias', 'muchas', 'mil', 'vale', 'perfecto', 'genial', 'merci', 'beaucoup', 'parfait', 'super', 'danke', 'vielen', 'dank',
  'schon', 'perfekt', 'obrigado', 'obrigada', 'muito', 'grazie', 'mille', 'perfetto', 'have', 'day', 'nice', 'bye', 'goodbye',
]);
/** The words a thanks-only message needs at least one of ("ok" alone may be an answer to a question). */
const THANKS_CORE = /\b(?:thanks|thank you|thank u|thx|thanx|ty|tyvm|cheers|perfect|got it|gracias|perfecto|merci|parfait|danke|vielen dank|perfekt|obrigad[oa]|grazie|perfetto)\b/;

/** Only thanks or an acknowledgement: "thanks!", "ok perfect, thank you so much". */
export function isThanksOnly(text: string): boolean {
  const n = normalize(text);
  if (!THANKS_CORE.test(n)) return false;
  return n.split(' ').every((w) => w === '' || THANKS_WORDS.has(w));
}

export interface TextClassification extends Classification {
  /** the text is only a greeting ("hi there!"), whatever the turn */
  greetingOnly: boolean;
  /** points per intent that had any, for logs and tests */
  scores: Partial<Record<CustomerIntent, number>>;
}

/**
 * Words of anger rather than of a problem: each one pulls the sentiment down by as much as one
 * clearly negative word, so "this is unacceptable" reads as angry while "the wrong item came"
 * (a problem, calmly reported) does not.
 */
const ANGER =
  /\b(?:unacceptable|ridiculous|outrageous|disgusting|pathetic|furious|angry|livid|fed up|sick of|scam|fraud|rip ?off|worst|terrible|horrible|awful|useless|joke|incompetent|never again|inaceptable|verguenza|estafa|inadmissible|honteux|unverschamt|frechheit)\b|!{2,}/g;
const ANGER_VALENCE = -2;

/**
 * Sentiment −1…+1: the lexicon (AFINN, the `sentiment` package) and frustration cues the offline
 * scorer uses, plus the anger cues above, squashed like VADER's compound score.
 */
export function sentimentOf(text: string): number {
  const s = customerSignals(text, null);
  if (!s.hasText) return 0;
  const anger = new Set(normalizeForAnger(text).match(ANGER) ?? []).size;
  return Math.round(compound(s.valence + ANGER_VALENCE * anger) * 100) / 100;
}

/** normalize() drops "!", which counts as anger when repeated. */
const normalizeForAnger = (text: string) => `${normalize(text)} ${text.includes('!!') ? '!!' : ''}`;

export function isGreetingOnly(text: string): boolean {
  const n = normalize(text);
  if (!GREETING_CORE.test(n)) return false;
  return n.split(' ').every((w) => GREETING_WORDS.has(w));
}

/**
 * Classifies one customer message. `isFirstMessage`: a greeting-only first message is
 * first_contact; the same greeting later is general_inquiry (the customer came back).
 * Confidence: 0.55 + 0.15 per distinct cue phrase of the winning intent (max 0.95), minus 0.1 per cue of the
 * runner-up, never below 0.35; no cue at all → general_inquiry at 0.3 (the bot is unsure).
 */
export function classifyText(text: string, isFirstMessage: boolean): TextClassification {
  const sentiment = sentimentOf(text);
  const n = normalize(text);
  if (isGreetingOnly(text)) {
    return { intent: isFirstMessage ? 'first_contact' : 'general_inquiry', confidence: 0.95, sentiment, greetingOnly: true, scores: {} };
  }
  if (isThanksOnly(text)) return { intent: 'gratitude', confidence: 0.95, sentiment, greetingOnly: false, scores: {} };
  const scores: Partial<Record<CustomerIntent, number>> = {};
  for (const intent of PRIORITY) {
    const hits = new Set(GLOBAL_CUES[intent].flatMap((re) => n.match(re) ?? [])).size;
    if (hits > 0) scores[intent] = hits;
  }
  const ranked = PRIORITY.filter((i) => scores[i]).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  // Asking for a person outranks everything else said in the same message.
  const winner = scores.human_request ? 'human_request' : ranked[0];
  if (!winner) return { intent: 'general_inquiry', confidence: 0.3, sentiment, greetingOnly: false, scores };
  const top = scores[winner] ?? 0;
  const runnerUp = ranked.filter((i) => i !== winner)[0];
  const second = runnerUp ? (scores[runnerUp] ?? 0) : 0;
  const confidence = Math.max(0.35, Math.min(0.95, 0.55 + 0.15 * top - 0.1 * second));
  return { intent: winner, confidence: Math.round(confidence * 100) / 100, sentiment, greetingOnly: false, scores };
}
