import type { CustomerIntent } from '../../domain/customer/types.ts';
import type { Topic } from './catalog.ts';

// What customers, the bot and human agents say, per topic. Placeholders in braces are filled
// per conversation: {name} {product} {price} {alt} {order} {city} {days} {page} (the shop's
// url slug) {shop} {bot} {agent}.

export type Exchange = readonly [question: string, answer: string];

export interface TopicPhrases {
  /** classification of a customer message opening this topic: one of the customer agent's intents */
  classification: CustomerIntent;
  /** the customer's opening question and the bot's answer to it */
  open: readonly Exchange[];
  /** later questions in the same thread and the bot's answers */
  followUps: readonly Exchange[];
  /** a human agent's first reply when they can solve it */
  human: readonly string[];
  /** a human agent's first reply when the case stays open */
  humanPending: readonly string[];
}

export const TOPIC_PHRASES: Readonly<Record<Topic, TopicPhrases>> = {
  price: {
    classification: 'price_inquiry',
    open: [
      ['How much is the {product}?', 'The {product} is ${price}. You can order it here: https://shop.example/{page}/p/{order}'],
      ['hi, what is the price of {product}', 'Hi {name}! The {product} costs ${price} right now, and orders over $50 ship free.'],
      ['Is the {product} on sale right now?', 'The {product} is ${price} this week, down from its usual price. The sale ends on Sunday.'],
      ['Do you have any discount codes for the {product}?', 'The {product} is ${price}. Use code WELCOME10 for 10% off your first order.'],
      ['price for {product} pls', 'The {product} is ${price}.'],
      ['What would the {product} cost with shipping to {city}?', 'The {product} is ${price} and shipping to {city} is free on orders over $50.'],
    ],
    followUps: [
      ['Is that the final price or is tax extra?', 'Prices include VAT; shipping is calculated at checkout.'],
      ['Do you price match?', 'Yes, we price match authorised retailers within 14 days of purchase.'],
      ['Can I pay in installments?', 'You can split payments into 4 interest-free installments at checkout.'],
      ['And how much is the {alt}?', 'The {alt} is listed on our site with free shipping: https://shop.example/{page}/search'],
      ['Any student discount?', 'Students get 15% off after verifying with their school email at https://shop.example/{page}/students'],
    ],
    human: [
      'Hi {name}, {agent} here. I checked with our team and can offer the {product} for ${price} minus 15%.',
      'Hi {name}, this is {agent}. We can match that price; I have applied it to your cart.',
    ],
    humanPending: ['Hi {name}, {agent} here. I have asked our pricing team and will message you as soon as I hear back.'],
  },
  availability: {
    classification: 'availability_check',
    open: [
      ['Do you have the {product} in stock?', 'Yes, the {product} is in stock and ships within 24 hours.'],
      ['is {product} available in size 42?', 'Size 42 of the {product} is sold out online; your nearest store in {city} has 2 left.'],
      ['When will the {product} be back in stock?', 'The {product} is out of stock right now. We expect new stock in {days} days.'],
      ['Can I pick up the {product} at your {city} store?', 'Yes, the {product} is available for pickup in our {city} store, usually within 2 hours.'],
      ['hi do u still have {product}', 'We do! The {product} is available online and in our {city} store.'],
    ],
    followUps: [
      ['What about other colours?', 'It also comes in black, grey and navy.'],
      ['Can you notify me when it is back?', 'Done! I will message you here as soon as it is back in stock.'],
      ['Is the {alt} available instead?', 'The {alt} is in stock and ready to ship.'],
      ['How many are left?', 'Only a few are left, so I would not wait too long.'],
    ],
    human: [
      'Hi {name}, {agent} here. I found one {product} in our warehouse and reserved it for you.',
      'Hi {name}, this is {agent}. The restock arrives on Thursday; I put you on the priority list.',
    ],
    humanPending: ['Hi {name}, {agent} here. I am checking with the warehouse and will get back to you here.'],
  },
  shipping: {
    classification: 'shipping',
    open: [
      ['Where is my order {order}?', 'Order {order} shipped yesterday and should arrive in {days} days. Tracking: https://track.example/{order}'],
      ['How long does shipping to {city} take?', 'Standard delivery to {city} takes 3-5 business days, express takes 1-2.'],
      ['My order {order} still says processing, when will it ship?', 'Order {order} is being packed and will ship within 24 hours.'],
      ['Do you ship internationally?', 'We ship to 30 countries; the options and prices appear at checkout.'],
      ['can i change the delivery address for {order}', 'Order {order} has not shipped yet, so I have opened an address change for you: https://shop.example/{page}/orders/{order}'],
    ],
    followUps: [
      ['Can I get the tracking number?', 'Your tracking number is 1Z{order}. It updates every few hours.'],
      ['Is express delivery possible?', 'Express delivery is $12.99 and can be selected at checkout.'],
      ['It said 3 days and it has been a week.', 'I am sorry about the wait. The carrier shows it is in {city} now.'],
      ['Can the courier leave it with a neighbour?', 'I have added a note for the courier to leave it with a neighbour.'],
    ],
    human: [
      'Hi {name}, {agent} here. I contacted the carrier: order {order} will be delivered tomorrow.',
      'Hi {name}, this is {agent}. The parcel was delayed at the depot; I upgraded you to express at no cost.',
    ],
    humanPending: ['Hi {name}, {agent} here. I have opened a trace with the carrier; it usually takes 1-2 business days.'],
  },
  returns: {
    classification: 'returns',
    open: [
      ['I want to return the {product}', 'You can return items within 30 days. Start here: https://shop.example/{page}/returns/{order}'],
      ['How do I return order {order}?', 'No problem! I have created a return label for order {order}; it is in your email.'],
      ['The {product} does not fit, can I exchange it?', 'Exchanges are free within 30 days. Which size would you like instead?'],
      ['What is your return policy?', 'You can return unused items within 30 days for a full refund.'],
      ['i need a refund for {order}', 'I can help with that. Please send the item back with the label in your email and we refund within 7 days.'],
    ],
    followUps: [
      ['Do I have to pay for the return shipping?', 'Return shipping is free for exchanges and $5.95 for refunds.'],
      ['How long until I get my money back?', 'Refunds reach your account 5-7 business days after we receive the item.'],
      ['I lost the original box, is that ok?', 'Any sturdy box works, as long as the item is unused.'],
      ['Can I swap it for the {alt}?', 'Yes, you can exchange it for the {alt} and pay the difference.'],
    ],
    human: [
      'Hi {name}, {agent} here. I have approved the refund for {order}; you will see it in 3-5 days.',
      'Hi {name}, this is {agent}. I arranged a free pickup for the {product} this week.',
    ],
    humanPending: ['Hi {name}, {agent} here. I have escalated the refund to our finance team; they reply within 2 business days.'],
  },
  complaints: {
    classification: 'complaint',
    open: [
      ['The {product} I received is damaged.', 'I am really sorry about that, {name}. Could you send a photo of the {product}?'],
      ['This is the second time my order arrived late. Very disappointed.', 'I am sorry to hear that. I have flagged order {order} for our support team.'],
      ['Your courier was rude and left my parcel in the rain.', 'That should not have happened. I have reported it to the carrier.'],
      ['I was charged twice for order {order}!', 'I am sorry about that. Let me look into the payment for order {order}.'],
      ['The {product} stopped working after a week.', 'I am sorry, that is not the quality we promise. It is covered by our 2-year warranty.'],
    ],
    followUps: [
      ['This is unacceptable.', 'I understand. I can offer a replacement or a full refund.'],
      ['I want this fixed today.', 'I have marked your case as urgent.'],
      ['I have photos if you need them.', 'Thank you. Please send them here and I will add them to your case.'],
      ['I have been a customer for years.', 'We really appreciate that, {name}, and I have noted this on your account.'],
    ],
    human: [
      'Hi {name}, {agent} here. I am so sorry. A replacement {product} ships today, no need to return the old one.',
      'Hi {name}, this is {agent}. I refunded the extra charge on {order} and added a $20 voucher.',
    ],
    humanPending: ['Hi {name}, {agent} here. I have passed this to our quality team and will update you as soon as I can.'],
  },
  account: {
    classification: 'general_inquiry',
    open: [
      ['I cannot log in to my account.', 'You can reset your password at https://shop.example/{page}/reset. The link is valid for 1 hour.'],
      ['How do I reset my password?', 'Use https://shop.example/{page}/reset and we will email you a link.'],
      ['I want to change the email on my account.', 'You can update your email under Account > Settings.'],
      ['My loyalty points disappeared.', 'I have sent a verification code to the email on your account so I can look at your points.'],
      ['please delete my account', 'I can start that. You will get an email to confirm the deletion.'],
    ],
    followUps: [
      ['I did not get the reset email.', 'Please check your spam folder; the sender is no-reply@{page}.example.'],
      ['It says my account is locked.', 'For security, accounts unlock automatically after 30 minutes.'],
      ['Where can I see my order history?', 'Your order history is under Account > Orders.'],
      ['How many points do I have?', 'You currently have {days}00 loyalty points.'],
    ],
    human: [
      'Hi {name}, {agent} here. I unlocked your account and restored your points.',
      'Hi {name}, this is {agent}. I updated the email on your account; please confirm the link we sent.',
    ],
    humanPending: ['Hi {name}, {agent} here. Our accounts team needs to verify this; I will message you once it is done.'],
  },
};

/** What a human says later in a thread they are solving, and in one that stays open. */
export const HUMAN_FOLLOW_UP = [
  'Let me check that for you... done, it is sorted.',
  'Yes, that is covered too.',
  'I have added a note to your order.',
  'You will get an email confirmation in a few minutes.',
  'I double-checked and everything is in order now.',
] as const;
export const HUMAN_PENDING_FOLLOW_UP = [
  'I understand, and I am sorry for the wait.',
  'I have marked your case as urgent.',
  'I will update you here as soon as I hear back.',
] as const;

export const GREETINGS = ['Hi', 'Hello!', 'hey', 'Good morning', 'Hi there', 'hello?'] as const;
export const BOT_WELCOME = [
  'Hi {name}! I am {bot}, the virtual assistant of {shop}. How can I help you today?',
  'Hello {name}, thanks for messaging {shop}. What can I do for you?',
] as const;
export const HUMAN_REQUEST = [
  'Can I talk to a real person?',
  'I want to speak to a human',
  'agent please',
  'This is not helping, can someone from your team help me?',
] as const;
export const BOT_HANDOFF = [
  'Of course. I am connecting you with a teammate; they will reply here shortly.',
  'I have passed your conversation to our support team. A teammate will be with you soon.',
] as const;
export const BOT_COMEBACK = [
  'I am sorry you had to wait, {name}. Let me pick this up for you.',
  'Sorry about that! I have your earlier messages here; let me check.',
] as const;
export const BOT_AUTO_HANDOFF = ['I want to get this right for you, so I am bringing in a member of our team.'] as const;
export const NUDGES = ['Hello? Anyone there?', 'Still waiting...', 'Is anyone going to answer?', '??'] as const;
export const THANKS = [
  'Thanks, that helps!',
  'Great, thank you!',
  'perfect thanks',
  'Thank you so much!',
  'ok thanks',
  'Awesome, appreciate it.',
] as const;
export const BOT_WELCOME_BACK = ['You are welcome, {name}! Anything else I can help with?', 'Happy to help! Have a great day.'] as const;
export const HUMAN_CLOSE = ['You are welcome, {name}. Have a lovely day!', 'Glad I could help. Take care!'] as const;
export const UNHAPPY = ['That does not answer my question.', 'Never mind.', 'This is useless.'] as const;
export const COMEBACK = [
  'I messaged you days ago and nobody got back to me.',
  'Still no update on my issue?',
  'I am writing again because my problem is not solved.',
  'Following up on my earlier message, this is taking way too long.',
] as const;

type Part = string | { key: string };
const compiled = new Map<string, Part[]>();

/** Replaces {key} with vars[key]; unknown keys stay as they are. Templates are parsed once. */
export function fill(template: string, vars: Readonly<Record<string, string>>): string {
  let parts = compiled.get(template);
  if (parts === undefined) {
    parts = template.split(/(\{\w+\})/).filter(Boolean).map((p) => (/^\{\w+\}$/.test(p) ? { key: p.slice(1, -1) } : p));
    compiled.set(template, parts);
  }
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : (vars[p.key] ?? `{${p.key}}`);
  return out;
}
