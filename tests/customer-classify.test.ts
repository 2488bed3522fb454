import { describe, expect, it } from 'vitest';
import type { CatalogueProduct, FaqItem } from '../src/domain/customer/catalogue.ts';
import { matchFaq, matchProducts, productsInContext } from '../src/domain/customer/catalogue.ts';
import { classifyText, isGreetingOnly, sentimentOf } from '../src/domain/customer/classify.ts';
import { ANGRY_SENTIMENT, classifyTurn, decide, renderPlan, unsureStreakAfter, type TurnFacts } from '../src/domain/customer/decide.ts';
import { DEFAULT_TEMPLATES, renderTemplate, templateVariables } from '../src/domain/customer/templates.ts';
import type { TurnInput } from '../src/domain/customer/types.ts';

// The offline rules of the customer agent: classification per intent, sentiment, and the
// reply-or-handoff decision, without a database.

describe('classifyText: every intent', () => {
  it.each([
    // price_inquiry
    ['How much is the Trailrunner GTX?', 'price_inquiry'],
    ['what does the nimbus laptop cost', 'price_inquiry'],
    ['price for the sofa pls', 'price_inquiry'],
    ['¿Cuánto cuesta la mesa?', 'price_inquiry'],
    ['Quel est le prix du canapé ?', 'price_inquiry'],
    ['Was kostet der Lautsprecher?', 'price_inquiry'],
    // availability_check
    ['Do you have the Cloudstep Knit in stock?', 'availability_check'],
    ['is the breeze sandal available in size 40?', 'availability_check'],
    ['when will it be back in stock', 'availability_check'],
    ['¿Está disponible en azul?', 'availability_check'],
    // shipping
    ['Where is my order?', 'shipping'],
    ['How long does delivery to Denver take?', 'shipping'],
    ['can I get the tracking number', 'shipping'],
    ['¿Hacen envíos a México?', 'shipping'],
    ['Livraison en Belgique possible ?', 'shipping'],
    // returns
    ['I want to return these shoes', 'returns'],
    ['how do I get a refund', 'returns'],
    ['can I exchange it for a bigger size?', 'returns'],
    ['Quiero una devolución', 'returns'],
    // complaint
    ['My speaker arrived broken', 'complaint'],
    ['This is unacceptable, worst service ever', 'complaint'],
    ['The package never arrived and nobody answers', 'complaint'],
    // human_request
    ['can I talk to a person?', 'human_request'],
    ['I want to speak to a real human', 'human_request'],
    ['agent please', 'human_request'],
    ['connect me with customer service', 'human_request'],
    ['Quiero hablar con una persona', 'human_request'],
    ['je veux parler à un conseiller', 'human_request'],
    // general_inquiry
    ['What are your opening hours?', 'general_inquiry'],
    ['do you accept paypal', 'general_inquiry'],
    ['blorp zizzle', 'general_inquiry'],
  ])('%s → %s', (text, intent) => {
    expect(classifyText(text, false).intent).toBe(intent);
  });

  it.each(['Hi', 'hello there!', 'Good morning 👋', 'hey, how are you?', 'Hola', 'Bonjour', 'hallo'])('a greeting-only first message (%s) is first_contact', (text) => {
    const c = classifyText(text, true);
    expect(c).toMatchObject({ intent: 'first_contact', greetingOnly: true });
    expect(c.confidence).toBeGreaterThan(0.9);
    // the same greeting later in the conversation is not a first contact
    expect(classifyText(text, false).intent).toBe('general_inquiry');
  });

  it('a greeting with a question is the question, even as the first message', () => {
    expect(isGreetingOnly('hi, how much is the sofa?')).toBe(false);
    expect(classifyText('hi, how much is the sofa?', true).intent).toBe('price_inquiry');
  });

  it('asking for a person outranks everything else in the message', () => {
    expect(classifyText('the price is wrong and my order is late, let me talk to a manager', false).intent).toBe('human_request');
  });

  it('confidence: several cues beat one, no cue is unsure, always within 0..1', () => {
    const strong = classifyText('I want to return it and get a refund, money back please', false);
    const weak = classifyText('exchange?', false);
    const none = classifyText('blorp', false);
    expect(strong.confidence).toBeGreaterThan(weak.confidence);
    expect(none.confidence).toBeLessThan(0.5);
    for (const c of [strong, weak, none]) {
      expect(c.confidence).toBeGreaterThanOrEqual(0);
      expect(c.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('sentiment: negative for angry words, positive for praise, 0 for plain questions', () => {
    expect(sentimentOf('This is terrible, I am furious')).toBeLessThan(-0.4);
    expect(sentimentOf('Thanks, you are great!')).toBeGreaterThan(0.4);
    expect(sentimentOf('Where is my order')).toBe(0);
    expect(sentimentOf('')).toBe(0);
  });
});

const turn = (text: string, over: Partial<TurnInput> = {}): TurnInput => ({
  text, attachments: 0, isFirstMessage: false, unsureStreak: 0, customerName: 'Ava Patel', ...over,
});
const PRODUCTS: CatalogueProduct[] = [
  { sku: 'A-1', name: 'Aurora X2 Earbuds', aliases: ['earbuds'], price: '79.00', currency: 'USD', stock: 4, url: 'https://shop.example/a-1' },
  { sku: 'A-2', name: 'Boom Mini Speaker', aliases: [], price: '49.90', currency: 'EUR', stock: null, url: null },
];
const FAQ: FaqItem[] = [{ id: 1, question: 'Do you ship internationally?', answer: 'We ship to 30 countries.', keywords: ['international', 'abroad'] }];
const facts = (t: TurnInput, history: { text: string }[] = []): TurnFacts => ({
  turn: t, classification: classifyTurn(t), products: matchProducts(t.text, PRODUCTS), contextProducts: productsInContext(history, PRODUCTS), faq: matchFaq(t.text, FAQ),
});
const textOf = (t: TurnInput) => {
  const plan = decide(facts(t));
  return { plan, text: renderPlan(plan, undefined).text };
};

describe('decide', () => {
  it('"can I talk to a person?" → handoff human_request', () => {
    expect(decide(facts(turn('can I talk to a person?')))).toMatchObject({ kind: 'handoff', reason: 'human_request' });
  });

  it('angry words or "!!" make a complaint angry', () => {
    expect(sentimentOf('This is unacceptable')).toBeLessThanOrEqual(ANGRY_SENTIMENT);
    expect(sentimentOf('my order arrived broken!!')).toBeLessThanOrEqual(ANGRY_SENTIMENT);
    expect(decide(facts(turn('This is unacceptable, the zipper broke after one day')))).toMatchObject({ kind: 'handoff', reason: 'angry' });
    // complaining about customer service is not asking for it
    expect(decide(facts(turn('your customer service is a joke, worst shop ever')))).toMatchObject({ kind: 'handoff', reason: 'angry' });
  });

  it('a complaint with angry words → handoff angry; a calm one gets an apology and the offer of a person', () => {
    expect(decide(facts(turn('Your service is terrible and my earbuds arrived broken!')))).toMatchObject({ kind: 'handoff', reason: 'angry' });
    const calm = turn('the package arrived with the wrong item');
    expect(classifyTurn(calm)).toMatchObject({ intent: 'complaint' });
    // negative (a problem) but not angry
    expect(classifyTurn(calm).sentiment).toBeLessThan(0);
    expect(classifyTurn(calm).sentiment).toBeGreaterThan(ANGRY_SENTIMENT);
    expect(decide(facts(calm))).toMatchObject({ kind: 'reply', template: 'complaint_ack', unsure: false });
  });

  it('thanks or an acknowledgement is gratitude, answered with "you are welcome" and never counted as unsure', () => {
    for (const t of ['thanks!', 'Thank you so much for your help! 👍', 'ok perfect, got it', 'gracias!', 'merci beaucoup', 'danke schön', 'obrigada', 'grazie mille']) {
      expect(classifyText(t, false), t).toMatchObject({ intent: 'gratitude', confidence: 0.95 });
    }
    // thanks with a question is the question; a bare "ok" may answer one
    expect(classifyText('thanks, but where is my order?', false).intent).toBe('shipping');
    expect(classifyText('thanks, can I talk to a person?', false).intent).toBe('human_request');
    expect(classifyText('ok', false).intent).toBe('general_inquiry');
    // two thanks in a row do not hand the customer to a person
    expect(decide(facts(turn('thanks!', { unsureStreak: 1 })))).toMatchObject({ kind: 'reply', template: 'welcome', unsure: false, classification: { intent: 'gratitude' } });
    expect(textOf(turn('thank you')).text).toBe('You are welcome! If there is anything else, just write here.');
  });

  it('the unsure streak: +1 after an unsure reply, 0 after a sure one, left to the handoff otherwise', () => {
    expect(unsureStreakAfter({ kind: 'reply', unsure: true }, 0)).toBe(1);
    expect(unsureStreakAfter({ kind: 'reply', unsure: true }, 1)).toBe(2);
    expect(unsureStreakAfter({ kind: 'reply', unsure: false }, 1)).toBe(0);
    expect(unsureStreakAfter({ kind: 'handoff' }, 1)).toBeNull();
  });

  it('unsure twice in a row → handoff unsure_twice; once → an unsure reply', () => {
    expect(decide(facts(turn('qwerty asdf')))).toMatchObject({ kind: 'reply', unsure: true });
    expect(decide(facts(turn('qwerty asdf', { unsureStreak: 1 })))).toMatchObject({ kind: 'handoff', reason: 'unsure_twice' });
    // a sure answer after an unsure one is just an answer
    expect(decide(facts(turn('price of the earbuds', { unsureStreak: 1 })))).toMatchObject({ kind: 'reply', unsure: false });
  });

  it('cannot answer → handoff cannot_answer (a returns question no FAQ covers, unknown stock)', () => {
    expect(decide(facts(turn('can I return a gift without the receipt?')))).toMatchObject({ kind: 'handoff', reason: 'cannot_answer' });
    expect(decide(facts(turn('is the Boom Mini Speaker in stock?')))).toMatchObject({ kind: 'handoff', reason: 'cannot_answer' });
  });

  it('a known product: the catalogue price, exactly, in its currency', () => {
    expect(textOf(turn('how much are the Aurora X2 Earbuds?')).text).toBe('The Aurora X2 Earbuds costs $79.00. You can order it here: https://shop.example/a-1');
    expect(textOf(turn('price of the boom mini speaker')).text).toBe('The Boom Mini Speaker costs €49.90.');
  });

  it('an unknown product: no number in the reply, a person offered, unsure', () => {
    const { plan, text } = textOf(turn('how much is the Quantum Blender 9000?'));
    expect(text).not.toMatch(/\d/);
    expect(plan).toMatchObject({ kind: 'reply', template: 'product_not_found', unsure: true, quickReplies: [{ title: 'Talk to a person', payload: 'SP_HUMAN' }] });
  });

  it('a follow-up that names no product is about the product just discussed', () => {
    const history = [{ text: 'do you have the aurora earbuds?' }, { text: 'Good news: the Aurora X2 Earbuds is in stock (4 available) at $79.00.' }];
    const plan = decide(facts(turn('and how much are they?'), history));
    expect(plan).toMatchObject({ kind: 'reply', template: 'price_known', vars: { product: 'Aurora X2 Earbuds', price: '$79.00' } });
    // naming an unknown product is not a follow-up: no price of the earlier one
    expect(decide(facts(turn('how much is the Quantum Blender?'), history))).toMatchObject({ kind: 'reply', template: 'product_not_found' });
    // nothing in the last messages: ask which product
    expect(decide(facts(turn('how much is it?'), [{ text: 'hello' }]))).toMatchObject({ kind: 'reply', template: 'price_ask_product' });
  });

  it('several products in one price question: each with its price', () => {
    const { plan, text } = textOf(turn('how much are the aurora earbuds and the boom mini speaker?'));
    expect(plan).toMatchObject({ kind: 'reply', template: 'price_list', unsure: false });
    expect(text).toBe('Here are the prices: Aurora X2 Earbuds $79.00, Boom Mini Speaker €49.90.');
  });

  it('an attachment without text: asked to describe it, unsure', () => {
    expect(decide(facts(turn('', { attachments: 1 })))).toMatchObject({ kind: 'reply', template: 'attachment_only', unsure: true });
  });

  it('quick-reply payloads classify the next turn with certainty', () => {
    expect(classifyTurn(turn('Shipping', { payload: 'SP_SHIPPING' }))).toMatchObject({ intent: 'shipping', confidence: 1 });
    expect(classifyTurn(turn('Get Started', { payload: 'GET_STARTED', isFirstMessage: true }))).toMatchObject({ intent: 'first_contact' });
    // an unknown payload falls back to the text
    expect(classifyTurn(turn('how much are the earbuds', { payload: 'SOMETHING_ELSE' })).intent).toBe('price_inquiry');
  });

  it('the customer\'s first name is used, and left out (never "there") without one', () => {
    expect(textOf(turn('hello', { isFirstMessage: true })).text).toMatch(/^Hi Ava!/);
    expect(textOf(turn('hello', { isFirstMessage: true, customerName: undefined })).text).toMatch(/^Hi! Thanks/);
    expect(textOf(turn('I want to talk to a human', { customerName: undefined })).text).toMatch(/^Of course\. I am getting a person/);
  });

  it('every default template reads as a sentence without the customer\'s name', () => {
    const vars = { product: 'P', price: '€1.00', stock: '3', stock_line: '', link: '', faq_answer: 'A', sku: 'S', price_list: 'P €1.00' };
    for (const t of DEFAULT_TEMPLATES) {
      const r = renderTemplate(t.body, vars);
      expect(r, t.name).toHaveProperty('text');
      const text = (r as { text: string }).text;
      expect(text, t.name).not.toMatch(/\{\{|\bthere\b[.!,]|, *[.!?]| [.!?,]|^[a-z]/);
    }
    expect(renderTemplate('Sorry {{first_name}}, I could not find it.', {})).toEqual({ text: 'Sorry, I could not find it.' });
    expect(renderTemplate('I am sorry to hear that, {{first_name}}. Would you…', {})).toEqual({ text: 'I am sorry to hear that. Would you…' });
    expect(renderTemplate('{{first_name}}, your order {{sku}} shipped', { sku: 'A1' })).toEqual({ text: 'Your order A1 shipped' });
    expect(renderTemplate('Hi {{first_name}}!', { first_name: '  ' })).toEqual({ text: 'Hi!' });
    // any other missing variable still fails the render (the agent then uses the default text)
    expect(renderTemplate('The {{product}} costs {{price}}, {{first_name}}.', { price: '€1' })).toEqual({ missing: ['product'] });
  });
});

describe('templates', () => {
  it('every intent has a default template and every default renders with the variables the agent provides', () => {
    const intents = new Set(DEFAULT_TEMPLATES.map((t) => t.messageType));
    for (const i of ['price_inquiry', 'availability_check', 'shipping', 'returns', 'complaint', 'human_request', 'general_inquiry', 'first_contact', 'gratitude']) {
      expect(intents.has(i as never), i).toBe(true);
    }
    const vars = { first_name: 'Ava', product: 'P', price: '€1.00', stock: '3', stock_line: '', link: '', faq_answer: 'A', sku: 'S', price_list: 'P €1.00, Q €2.00' };
    for (const t of DEFAULT_TEMPLATES) expect(renderTemplate(t.body, vars), t.name).toHaveProperty('text');
  });

  it('a missing variable fails the render instead of leaving a hole', () => {
    expect(templateVariables('The {{product}} is {{ price }}')).toEqual(['product', 'price']);
    expect(renderTemplate('The {{product}} is {{price}}', { product: 'X' })).toEqual({ missing: ['price'] });
    expect(renderTemplate('The {{product}} is {{price}}.{{link}}', { product: 'X', price: '€2.00', link: '' })).toEqual({ text: 'The X is €2.00.' });
  });
});
