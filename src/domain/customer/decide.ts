import type { Classification, CustomerIntent, HandoffReason, QuickReply, TurnInput } from './types.ts';
import { formatPrice, type CatalogueProduct, type FaqItem, type ProductMatch } from './catalogue.ts';
import { classifyText, sentimentOf, type TextClassification } from './classify.ts';
import { DEFAULT_BY_NAME, PAYLOADS, QUICK, renderTemplate, type TemplateName } from './templates.ts';
import { STOPWORDS, tokens } from './text.ts';

// What the bot does with one customer turn: hand off to a human, or answer from a template.
// Pure: the classification, the products the text names and the best FAQ entry come in as
// data; the result names a template and its variables, which the agent renders.
//
// Handoff when (in this order): the customer asks for a person; a complaint with clearly negative
// sentiment (angry, ANGRY_SENTIMENT); the answer would be the bot's second unsure one in a row (unsure_twice);
// the bot understood the question but has nothing true to say (cannot_answer: a shipping or
// returns question no FAQ entry answers, a product whose stock is unknown).

export type PlannedReply = {
  kind: 'reply';
  template: TemplateName;
  vars: Record<string, string>;
  quickReplies?: QuickReply[];
  unsure: boolean;
  classification: Classification;
};
export type PlannedHandoff = { kind: 'handoff'; reason: HandoffReason; template: TemplateName; vars: Record<string, string>; classification: Classification };
export type Plan = PlannedReply | PlannedHandoff;

export interface TurnFacts {
  turn: TurnInput;
  classification: TextClassification;
  products: readonly ProductMatch[];
  /** products the last few messages named (productsInContext), for "how much is it?" */
  contextProducts?: readonly ProductMatch[];
  faq?: { entry: FaqItem; score: number };
}

const PAYLOAD_INTENTS: Readonly<Record<string, CustomerIntent>> = {
  [PAYLOADS.prices]: 'price_inquiry',
  [PAYLOADS.availability]: 'availability_check',
  [PAYLOADS.shipping]: 'shipping',
  [PAYLOADS.returns]: 'returns',
  [PAYLOADS.human]: 'human_request',
  // Messenger's "Get Started" button: the conventional payload of the page's welcome postback
  GET_STARTED: 'first_contact',
};

/**
 * The classification of a turn: a quick-reply or postback payload the bot sent itself is
 * certain (confidence 1); anything else goes through the text rules.
 */
export function classifyTurn(turn: Pick<TurnInput, 'text' | 'payload' | 'isFirstMessage'>): TextClassification {
  const fromPayload = turn.payload ? PAYLOAD_INTENTS[turn.payload] : undefined;
  if (fromPayload) return { intent: fromPayload, confidence: 1, sentiment: sentimentOf(turn.text), greetingOnly: false, scores: {} };
  return classifyText(turn.text, turn.isFirstMessage);
}

/** Words that only say what kind of question it is, not which product: "how much is it?" names none. */
const QUESTION_WORDS = new Set([
  'price', 'prices', 'pricing', 'cost', 'costs', 'stock', 'available', 'availability', 'sold', 'out', 'back', 'restock',
  'carry', 'sell', 'item', 'items', 'product', 'products', 'one', 'them', 'they', 'sale', 'discount', 'deal', 'offer',
  'currently', 'right', 'now', 'today', 'size', 'colour', 'color', 'cheap', 'expensive', 'tell', 'know', 'let', 'see',
]);

/** The text names something beyond the question itself (so an unmatched name means an unknown product). */
function namesSomething(text: string): boolean {
  return tokens(text).some((w) => !STOPWORDS.has(w) && !QUESTION_WORDS.has(w) && w.length > 1);
}

/** The customer's first name, when the profile gave one (templates then leave it out). */
export function firstName(name: string | undefined): string | undefined {
  const first = name?.trim().split(/\s+/)[0];
  return first && first.length > 0 ? first : undefined;
}

function productVars(p: CatalogueProduct): Record<string, string> {
  return {
    product: p.name,
    price: formatPrice(p.price, p.currency),
    stock: p.stock === null ? '' : String(p.stock),
    stock_line: p.stock === null ? '' : p.stock > 0 ? 'It is in stock.' : 'It is out of stock right now.',
    link: p.url ? ` You can order it here: ${p.url}` : '',
    sku: p.sku,
  };
}

type Answer = Omit<PlannedReply, 'kind' | 'classification'> | { cannot: true };

/** Up to this many products in one price answer ("how much are the X and the Y?"). */
const MAX_LISTED = 3;

function productAnswer(intent: CustomerIntent, facts: TurnFacts): Answer | undefined {
  // A follow-up that names nothing ("and is it in stock?") is about the product just discussed;
  // one that names something we do not know is not (that is an unknown product).
  const matches = facts.products.length > 0 ? facts.products : !namesSomething(facts.turn.text) ? (facts.contextProducts ?? []) : [];
  const best = matches[0]?.product;
  if (!best) return undefined;
  const vars = productVars(best);
  if (intent === 'price_inquiry' && matches.length > 1) {
    const list = matches
      .slice(0, MAX_LISTED)
      .sort((a, b) => a.at - b.at)
      .map(({ product: p }) => `${p.name} ${formatPrice(p.price, p.currency)}`);
    return { template: 'price_list', vars: { ...vars, price_list: list.join(', ') }, unsure: false };
  }
  if (intent === 'availability_check') {
    if (best.stock === null) return { cannot: true };
    return best.stock > 0
      ? { template: 'stock_in', vars, unsure: false }
      : { template: 'stock_out', vars, quickReplies: [QUICK.human], unsure: false };
  }
  return { template: intent === 'price_inquiry' ? 'price_known' : 'product_info', vars, unsure: false };
}

function faqAnswer(intent: CustomerIntent, facts: TurnFacts): Answer | undefined {
  if (!facts.faq) return undefined;
  const template: TemplateName = intent === 'shipping' ? 'faq_shipping' : intent === 'returns' ? 'faq_returns' : 'faq_answer';
  return { template, vars: { faq_answer: facts.faq.entry.answer }, unsure: false };
}

function answer(facts: TurnFacts): Answer {
  const { turn, classification: c } = facts;
  if (c.greetingOnly || c.intent === 'first_contact') {
    return { template: 'greeting', vars: {}, quickReplies: [QUICK.prices, QUICK.shipping, QUICK.human], unsure: false };
  }
  if (c.intent === 'gratitude') return { template: 'welcome', vars: {}, unsure: false };
  if (turn.text.trim() === '' && turn.attachments > 0 && !turn.payload) {
    return { template: 'attachment_only', vars: {}, quickReplies: [QUICK.human], unsure: true };
  }
  switch (c.intent) {
    case 'price_inquiry':
    case 'availability_check': {
      const found = productAnswer(c.intent, facts);
      if (found) return found;
      // "Do you offer a student discount?" names no product but may be an FAQ.
      if (facts.faq && facts.faq.score >= 2) return faqAnswer(c.intent, facts)!;
      if (turn.payload || !namesSomething(turn.text)) return { template: 'price_ask_product', vars: {}, unsure: false };
      // Never a number for a product we do not know: say so and offer a person.
      return { template: 'product_not_found', vars: {}, quickReplies: [QUICK.human], unsure: true };
    }
    case 'shipping':
    case 'returns':
      return faqAnswer(c.intent, facts) ?? { cannot: true };
    case 'complaint':
      return { template: 'complaint_ack', vars: {}, quickReplies: [QUICK.human], unsure: false };
    default:
      return (
        faqAnswer(c.intent, facts) ??
        productAnswer(c.intent, facts) ?? { template: 'not_understood', vars: {}, quickReplies: [QUICK.prices, QUICK.shipping, QUICK.returns, QUICK.human], unsure: true }
      );
  }
}

const HANDOFF_TEMPLATE: Readonly<Record<HandoffReason, TemplateName>> = {
  human_request: 'handoff_human',
  angry: 'handoff_angry',
  unsure_twice: 'handoff_unsure',
  cannot_answer: 'handoff_cannot',
};

/**
 * Clearly negative: one mildly negative word ("the wrong item came", −0.46) is a problem to solve;
 * a strongly negative word or an anger cue ("terrible", "unacceptable", "!!") is an angry customer.
 */
export const ANGRY_SENTIMENT = -0.5;

/**
 * The conversation's unsure streak after the bot's turn: one more after an unsure answer, back
 * to 0 after a sure one; a handoff leaves it to the handoff (which clears it). decide() hands
 * off on the second unsure answer in a row.
 */
export function unsureStreakAfter(turn: { kind: 'reply'; unsure: boolean } | { kind: 'handoff' }, streak: number): number | null {
  if (turn.kind === 'handoff') return null;
  return turn.unsure ? streak + 1 : 0;
}

export function decide(facts: TurnFacts): Plan {
  const c = facts.classification;
  const classification: Classification = { intent: c.intent, confidence: c.confidence, sentiment: c.sentiment };
  const first = firstName(facts.turn.customerName);
  const vars: Record<string, string> = first ? { first_name: first } : {};
  const handoff = (reason: HandoffReason): PlannedHandoff => ({ kind: 'handoff', reason, template: HANDOFF_TEMPLATE[reason], vars, classification });
  if (c.intent === 'human_request') return handoff('human_request');
  if (c.intent === 'complaint' && c.sentiment <= ANGRY_SENTIMENT) return handoff('angry');
  const a = answer(facts);
  if ('cannot' in a) return handoff('cannot_answer');
  if (a.unsure && facts.turn.unsureStreak >= 1) return handoff('unsure_twice');
  return { kind: 'reply', ...a, vars: { ...vars, ...a.vars }, classification };
}

/**
 * The text of a plan: the stored template body when there is one and it renders with the
 * plan's variables, else the built-in default (which always renders: tested).
 */
export function renderPlan(plan: Plan, storedBody: string | undefined): { text: string; fromStored: boolean } {
  if (storedBody !== undefined) {
    const r = renderTemplate(storedBody, plan.vars);
    if ('text' in r && r.text !== '') return { text: r.text, fromStored: true };
  }
  const r = renderTemplate(DEFAULT_BY_NAME.get(plan.template)!.body, plan.vars);
  if (!('text' in r)) throw new Error(`default template ${plan.template} lacks ${r.missing.join(', ')}`);
  return { text: r.text, fromStored: false };
}
