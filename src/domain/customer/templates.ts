import type { CustomerIntent, QuickReply } from './types.ts';

// The customer agent's default MessageTemplates and how a template body is filled in. The
// defaults are seeded into message_templates (upsert by name, src/db/templates-repo.ts), where
// a team may reword them; the agent falls back to these texts when a row is missing, inactive
// or uses a variable the answer does not have, so a bad edit never leaves a customer unanswered.

export type TemplateName =
  | 'greeting'
  | 'welcome'
  | 'price_known'
  | 'price_list'
  | 'price_ask_product'
  | 'product_not_found'
  | 'stock_in'
  | 'stock_out'
  | 'product_info'
  | 'faq_shipping'
  | 'faq_returns'
  | 'faq_answer'
  | 'complaint_ack'
  | 'not_understood'
  | 'attachment_only'
  | 'handoff_human'
  | 'handoff_angry'
  | 'handoff_unsure'
  | 'handoff_cannot';

export interface TemplateSpec {
  name: TemplateName;
  /** the intent it answers (message_templates.message_type) */
  messageType: CustomerIntent;
  body: string;
}

export const DEFAULT_TEMPLATES: readonly TemplateSpec[] = [
  { name: 'greeting', messageType: 'first_contact', body: 'Hi {{first_name}}! Thanks for getting in touch. I can help with prices, stock, shipping and returns, or put you through to a person from our team.' },
  { name: 'welcome', messageType: 'gratitude', body: 'You are welcome! If there is anything else, just write here.' },
  { name: 'price_known', messageType: 'price_inquiry', body: 'The {{product}} costs {{price}}.{{link}}' },
  { name: 'price_list', messageType: 'price_inquiry', body: 'Here are the prices: {{price_list}}.' },
  { name: 'price_ask_product', messageType: 'price_inquiry', body: 'Happy to help with prices! Which product are you interested in? Tell me its name and I will look it up.' },
  { name: 'product_not_found', messageType: 'price_inquiry', body: 'Sorry {{first_name}}, I could not find that product in our catalogue, so I cannot tell you its price or stock. Would you like me to ask a person from our team?' },
  { name: 'stock_in', messageType: 'availability_check', body: 'Good news: the {{product}} is in stock ({{stock}} available) at {{price}}.{{link}}' },
  { name: 'stock_out', messageType: 'availability_check', body: 'Sorry, the {{product}} is out of stock right now. A person from our team can tell you when it is expected back.' },
  { name: 'product_info', messageType: 'general_inquiry', body: 'The {{product}} costs {{price}}. {{stock_line}}{{link}}' },
  { name: 'faq_shipping', messageType: 'shipping', body: '{{faq_answer}}' },
  { name: 'faq_returns', messageType: 'returns', body: '{{faq_answer}}' },
  { name: 'faq_answer', messageType: 'general_inquiry', body: '{{faq_answer}}' },
  { name: 'complaint_ack', messageType: 'complaint', body: 'I am sorry to hear that, {{first_name}}. Would you like a person from our team to look into it for you?' },
  { name: 'not_understood', messageType: 'general_inquiry', body: 'Sorry, I am not sure I understood. I can help with prices, stock, shipping and returns, or connect you with a person.' },
  { name: 'attachment_only', messageType: 'general_inquiry', body: 'Thanks! I can only read text, so could you tell me in a few words what you need? Or I can connect you with a person.' },
  { name: 'handoff_human', messageType: 'human_request', body: 'Of course, {{first_name}}. I am getting a person from our team; they will reply here shortly.' },
  { name: 'handoff_angry', messageType: 'complaint', body: 'I am really sorry about this, {{first_name}}. I am passing your conversation to a person from our team right away.' },
  { name: 'handoff_unsure', messageType: 'general_inquiry', body: 'I do not want to give you a wrong answer, so I am bringing in a person from our team. They will reply here shortly.' },
  { name: 'handoff_cannot', messageType: 'general_inquiry', body: 'I cannot answer that one myself, so I have asked a person from our team. They will reply here shortly.' },
];

export const DEFAULT_BY_NAME: ReadonlyMap<TemplateName, TemplateSpec> = new Map(DEFAULT_TEMPLATES.map((t) => [t.name, t]));

/** The variables a body uses, in order of first use. */
export function templateVariables(body: string): string[] {
  return [...new Set([...body.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((m) => m[1]!))];
}

/**
 * Variables that only address the customer: when the name is unknown (no profile, a failed
 * lookup) the sentence is said without it ("Of course. I am…", "Hi!"), never "Of course, there."
 */
export const NAME_VARIABLES: ReadonlySet<string> = new Set(['first_name', 'name', 'customer_name']);

/** Removes a name placeholder with the comma or space that only served it. */
function withoutName(body: string, v: string): string {
  const p = `\\{\\{\\s*${v}\\s*\\}\\}`;
  return body
    .replace(new RegExp(`^\\s*${p}\\s*,?\\s*(\\S)`), (_, c: string) => c.toUpperCase()) // "{{name}}, your order" → "Your order"
    .replace(new RegExp(`,\\s*${p}(?=\\s*[.!?,]|\\s*$)`, 'g'), '') // "Of course, {{name}}." → "Of course."
    .replace(new RegExp(`\\s*${p}`, 'g'), ''); // "Hi {{name}}!", "Sorry {{name}}, I…"
}

/**
 * Fills `{{variable}}`s. A variable the answer has no value for makes the whole render fail
 * (`missing`), instead of sending "The {{product}} costs ." to a customer; only the customer's
 * name may be absent (NAME_VARIABLES), and then the sentence is written without it.
 */
export function renderTemplate(body: string, vars: Readonly<Record<string, string>>): { text: string } | { missing: string[] } {
  const used = templateVariables(body);
  const missing = used.filter((v) => vars[v] === undefined && !NAME_VARIABLES.has(v));
  if (missing.length > 0) return { missing };
  const nameless = used.filter((v) => vars[v] === undefined || vars[v]!.trim() === '').reduce(withoutName, body);
  const text = nameless.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, v: string) => vars[v]!);
  return { text: text.replace(/[ \t]+/g, ' ').replace(/ +([.,!?])/g, '$1').trim() };
}

// Quick replies: Messenger shows at most 13, titles up to 20 characters. Their payloads come back
// on the next turn (CustomerTurn.payload) and classify that turn without guessing (classifyTurn).
export const PAYLOADS = {
  prices: 'SP_PRICES',
  availability: 'SP_AVAILABILITY',
  shipping: 'SP_SHIPPING',
  returns: 'SP_RETURNS',
  human: 'SP_HUMAN',
} as const;

export const QUICK = {
  prices: { title: 'Prices', payload: PAYLOADS.prices },
  shipping: { title: 'Shipping', payload: PAYLOADS.shipping },
  returns: { title: 'Returns', payload: PAYLOADS.returns },
  human: { title: 'Talk to a person', payload: PAYLOADS.human },
} as const satisfies Record<string, QuickReply>;
