import { userByExternalId, type PageSpec, type Topic } from './catalog.ts';
import { HOUR, MINUTE, SECOND, type LocalClock } from './clock.ts';
import {
  BOT_AUTO_HANDOFF, BOT_COMEBACK, BOT_HANDOFF, BOT_WELCOME, BOT_WELCOME_BACK, COMEBACK, GREETINGS, HUMAN_CLOSE, HUMAN_FOLLOW_UP,
  HUMAN_PENDING_FOLLOW_UP, HUMAN_REQUEST, NUDGES, THANKS, TOPIC_PHRASES, UNHAPPY, fill, type Exchange, type TopicPhrases,
} from './phrases.ts';
import { clamp, type Rng } from './random.ts';
import type { GenMessage } from './types.ts';

// One episode of a conversation: the customer asks, the bot answers in seconds, and some
// cases go to a human who answers in minutes during staffed hours and hours outside them.

export type Outcome = 'bot_resolved' | 'bot_abandoned' | 'handoff_resolved' | 'handoff_unresolved' | 'human_only';

export interface EpisodePlan {
  topic: Topic;
  start: number;
  outcome: Outcome;
  greet: boolean;
  /** the customer returns because an earlier episode was not resolved */
  comeback: boolean;
  /** external id of the human agent who would take over */
  agent: string;
}

export interface EpisodeContext {
  rng: Rng;
  clock: LocalClock;
  page: PageSpec;
  vars: Record<string, string>;
}

const STICKER_LIKE = [{ type: 'image', payload: { sticker_id: 369239263222822, url: 'https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png' } }];

/** Customers read and type: seconds to minutes, rarely more than an hour. */
const customerDelay = (rng: Rng) => Math.round(clamp(rng.lognormal(40 * SECOND, 1.0), 4 * SECOND, 3 * HOUR));

/** Picks an item not yet used in this episode, so nobody repeats themselves while there is a choice. */
function fresh<T>(rng: Rng, items: readonly T[], used: Set<T>): T {
  const left = items.filter((x) => !used.has(x));
  const item = rng.pick(left.length > 0 ? left : items);
  used.add(item);
  return item;
}

/** Staffed hours of the human team: weekdays 8-20, weekends 10-16 with a skeleton crew. */
function staffed(clock: LocalClock, t: number): boolean {
  const h = clock.hour(t);
  return clock.isWeekend(t) ? h >= 10 && h < 16 : h >= 8 && h < 20;
}

function humanDelay(rng: Rng, clock: LocalClock, t: number, engaged: boolean): number {
  if (staffed(clock, t)) {
    const weekend = clock.isWeekend(t);
    const h = clock.hour(t);
    const median = engaged ? 3 * MINUTE : weekend ? 40 * MINUTE : h >= 11 && h < 14 ? 14 * MINUTE : 7 * MINUTE;
    return Math.round(clamp(rng.lognormal(median, 0.8), 30 * SECOND, 4 * HOUR));
  }
  // Off hours the case waits for the next shift, then joins the morning backlog.
  let x = t;
  for (let i = 0; i < 96 && !staffed(clock, x); i++) x = (Math.floor(x / HOUR) + 1) * HOUR;
  return x - t + Math.round(clamp(rng.lognormal(25 * MINUTE, 0.7), 2 * MINUTE, 3 * HOUR));
}

class Script {
  /** id and mid stay empty until the conversation is cut at `now` and numbered */
  readonly turns: GenMessage[] = [];

  constructor(
    private readonly ctx: EpisodeContext,
    public t: number,
    private readonly agent: string,
  ) {}

  private push(
    sender: GenMessage['sender'],
    text: string | null,
    attachments: readonly unknown[] | null,
    classification: string | null,
    confidence: number | null,
    processingMs: number | null,
  ): void {
    // A full literal rather than a spread: one object shape for every message keeps V8 fast.
    this.turns.push({
      id: 0,
      mid: '',
      at: this.t,
      sender,
      text: text === null ? null : fill(text, this.ctx.vars),
      attachments,
      agentId: sender === 'customer' ? null : sender === 'bot' ? 'bot' : this.agent,
      classification,
      confidence,
      processingMs,
    });
  }

  customer(text: string | null, classification: string, confidence: [number, number], attachments: readonly unknown[] | null = null): void {
    const [lo, hi] = confidence;
    const c = Math.round((lo + this.ctx.rng.next() * (hi - lo)) * 1000) / 1000;
    // A message without text is Messenger's "like" sticker.
    this.push('customer', text, text === null ? STICKER_LIKE : attachments, classification, c, null);
  }

  customerAfter(text: string | null, classification: string, confidence: [number, number], attachments: readonly unknown[] | null = null): void {
    this.t += customerDelay(this.ctx.rng);
    this.customer(text, classification, confidence, attachments);
  }

  /** The bot answers in seconds, a little slower at peak load; it records its own processing time. */
  bot(text: string, attachments: readonly unknown[] | null = null): void {
    const { rng, clock } = this.ctx;
    const h = clock.hour(this.t);
    const delay = clamp(rng.lognormal(h >= 10 && h < 18 ? 3.2 * SECOND : 2 * SECOND, 0.5), 600, 45 * SECOND);
    this.t += Math.round(delay);
    this.push('bot', text, attachments, null, null, Math.round(delay * (0.5 + rng.next() * 0.35)));
  }

  human(text: string, engaged: boolean): void {
    this.t += humanDelay(this.ctx.rng, this.ctx.clock, this.t, engaged);
    this.push('human_agent', text, null, null, null, null);
  }

  /** A waiting customer sometimes pings before the human arrives. */
  humanWithNudge(text: string): void {
    const { rng, clock } = this.ctx;
    const delay = humanDelay(rng, clock, this.t, false);
    if (delay > 20 * MINUTE && rng.chance(0.45)) {
      const start = this.t;
      this.t = start + Math.max(MINUTE, Math.round(delay * (0.2 + rng.next() * 0.4)));
      this.customer(rng.pick(NUDGES), 'complaint', [0.4, 0.7]);
      this.t = start;
    }
    this.t += delay;
    this.push('human_agent', text, null, null, null, null);
  }
}

const HIGH: [number, number] = [0.82, 0.99];
const MID: [number, number] = [0.55, 0.85];

function productCard(ctx: EpisodeContext): unknown[] {
  const { product, price, page, order } = ctx.vars;
  return [{
    type: 'template',
    payload: {
      template_type: 'generic',
      elements: [{ title: product, subtitle: `$${price}`, buttons: [{ type: 'web_url', title: 'View', url: `https://shop.example/${page}/p/${order}` }] }],
    },
  }];
}

function photo(ctx: EpisodeContext): unknown[] {
  const n = Math.floor(ctx.rng.next() * 1e9);
  return [{ type: 'image', payload: { url: `https://scontent.xx.fbcdn.net/v/t1.15752-9/${n}_n.jpg` } }];
}

/** The customer's first message and, unless humans handle it alone, the bot's answer to it. */
function opening(s: Script, ctx: EpisodeContext, plan: EpisodePlan, ph: TopicPhrases): void {
  const { rng } = ctx;
  if (plan.greet) {
    s.customer(rng.pick(GREETINGS), 'first_contact', HIGH);
    if (plan.outcome !== 'human_only') s.bot(rng.pick(BOT_WELCOME));
    s.t += customerDelay(rng);
  }
  const [question, answer] = rng.pick(ph.open);
  if (plan.comeback) s.customer(rng.pick(COMEBACK), 'complaint', HIGH);
  else {
    const pics = (plan.topic === 'complaints' && rng.chance(0.35)) || (plan.topic === 'returns' && rng.chance(0.15));
    s.customer(question, ph.classification, HIGH, pics ? photo(ctx) : null);
  }
  if (plan.outcome === 'human_only') return;
  const card = !plan.comeback && (plan.topic === 'price' || plan.topic === 'availability') && rng.chance(0.25);
  s.bot(plan.comeback ? rng.pick(BOT_COMEBACK) : answer, card ? productCard(ctx) : null);
}

function humanThread(s: Script, ctx: EpisodeContext, ph: TopicPhrases, resolved: boolean, asked: Set<Exchange>): void {
  const { rng } = ctx;
  s.humanWithNudge(rng.pick(resolved ? ph.human : ph.humanPending));
  const said = new Set<string>();
  for (let i = rng.int(0, 2); i > 0; i--) {
    const [question] = fresh(rng, ph.followUps, asked);
    s.customerAfter(question, rng.chance(0.5) ? ph.classification : 'general_inquiry', MID);
    s.human(fresh(rng, resolved ? HUMAN_FOLLOW_UP : HUMAN_PENDING_FOLLOW_UP, said), true);
  }
  if (resolved) {
    s.customerAfter(rng.chance(0.08) ? null : rng.pick(THANKS), 'gratitude', HIGH);
    if (rng.chance(0.6)) s.human(rng.pick(HUMAN_CLOSE), true);
  } else if (rng.chance(0.4)) s.customerAfter(rng.pick(UNHAPPY), 'complaint', MID);
}

/** Plays one episode; `resolved` says whether the customer left satisfied. */
export function playEpisode(ctx: EpisodeContext, plan: EpisodePlan): { turns: GenMessage[]; resolved: boolean } {
  const { rng } = ctx;
  const ph = TOPIC_PHRASES[plan.topic];
  const agent = userByExternalId.get(plan.agent);
  ctx.vars.agent = agent ? agent.name.split(' ')[0]! : 'our team';
  const s = new Script(ctx, plan.start, plan.agent);
  const asked = new Set<Exchange>();
  opening(s, ctx, plan, ph);

  if (plan.outcome === 'human_only') {
    const resolved = rng.chance(0.6);
    humanThread(s, ctx, ph, resolved, asked);
    return { turns: s.turns, resolved };
  }
  const r = rng.next();
  for (let i = r < 0.25 ? 0 : r < 0.6 ? 1 : r < 0.85 ? 2 : 3; i > 0; i--) {
    const [question, answer] = fresh(rng, ph.followUps, asked);
    const pics = plan.topic === 'complaints' && rng.chance(0.3);
    s.customerAfter(question, rng.chance(0.55) ? ph.classification : 'general_inquiry', MID, pics ? photo(ctx) : null);
    s.bot(answer);
  }
  switch (plan.outcome) {
    case 'bot_resolved':
      s.customerAfter(rng.chance(0.08) ? null : rng.pick(THANKS), 'gratitude', HIGH);
      if (rng.chance(0.5)) s.bot(rng.pick(BOT_WELCOME_BACK));
      return { turns: s.turns, resolved: true };
    case 'bot_abandoned':
      if (rng.chance(0.35)) s.customerAfter(rng.pick(UNHAPPY), 'complaint', MID);
      return { turns: s.turns, resolved: false };
    default: {
      if (plan.topic === 'complaints' && rng.chance(0.5)) s.bot(rng.pick(BOT_AUTO_HANDOFF));
      else {
        s.customerAfter(rng.pick(HUMAN_REQUEST), 'human_request', HIGH);
        s.bot(rng.pick(BOT_HANDOFF));
      }
      const resolved = plan.outcome === 'handoff_resolved';
      humanThread(s, ctx, ph, resolved, asked);
      return { turns: s.turns, resolved };
    }
  }
}
