import { CITIES, FIRST_NAMES, LAST_NAMES, PAGES, pageWeights, type PageSpec, type Topic } from './catalog.ts';
import { DAY, HOUR, LocalClock } from './clock.ts';
import { playEpisode, type EpisodeContext, type Outcome } from './dialogue.ts';
import { Rng, clamp, deriveSeed } from './random.ts';
import { buildSessions, type IdCounters } from './sessions.ts';
import type { GenConversation, GenMessage } from './types.ts';
import { topicsOf } from '../../domain/topics.ts';

// The demo dataset as a deterministic stream: conversation i depends only on (seed, i, now,
// timezone) plus the running id counters, so any prefix is the same whatever the total size,
// and memory stays flat however many conversations are drawn.

export interface GenerateOptions {
  seed: number;
  now: Date;
  timezone: string;
  /** how far back the data reaches */
  spanDays?: number;
}

export const DEFAULT_SPAN_DAYS = 90;

/** Customer traffic by local hour: quiet nights, a morning ramp, business-hour peaks, a busy evening. */
const HOUR_WEIGHTS = [
  0.14, 0.08, 0.05, 0.04, 0.04, 0.06, 0.14, 0.32, 0.58, 0.84, 1.0, 1.0,
  0.94, 0.9, 0.95, 1.0, 0.95, 0.85, 0.74, 0.78, 0.84, 0.74, 0.52, 0.28,
];
const WEEKEND_FACTOR = 0.62;

const OUTCOMES: Readonly<Record<Topic, Readonly<Record<Outcome, number>>>> = {
  price: { bot_resolved: 0.62, bot_abandoned: 0.2, handoff_resolved: 0.1, handoff_unresolved: 0.03, human_only: 0.05 },
  availability: { bot_resolved: 0.6, bot_abandoned: 0.2, handoff_resolved: 0.11, handoff_unresolved: 0.04, human_only: 0.05 },
  shipping: { bot_resolved: 0.45, bot_abandoned: 0.2, handoff_resolved: 0.2, handoff_unresolved: 0.08, human_only: 0.07 },
  returns: { bot_resolved: 0.36, bot_abandoned: 0.15, handoff_resolved: 0.3, handoff_unresolved: 0.11, human_only: 0.08 },
  complaints: { bot_resolved: 0.15, bot_abandoned: 0.15, handoff_resolved: 0.4, handoff_unresolved: 0.2, human_only: 0.1 },
  account: { bot_resolved: 0.42, bot_abandoned: 0.2, handoff_resolved: 0.24, handoff_unresolved: 0.08, human_only: 0.06 },
};
const COMEBACK_OUTCOMES: Readonly<Record<Outcome, number>> = {
  bot_resolved: 0.2, bot_abandoned: 0.1, handoff_resolved: 0.45, handoff_unresolved: 0.15, human_only: 0.1,
};

function trafficWeight(clock: LocalClock, t: number): number {
  return HOUR_WEIGHTS[clock.hour(t)]! * (clock.isWeekend(t) ? WEEKEND_FACTOR : 1);
}

/** Rejection sampling: uniform over [from, to), thinned by the traffic curve and a slow growth trend. */
function sampleStart(rng: Rng, clock: LocalClock, from: number, to: number): number {
  let t = from;
  for (let i = 0; i < 64; i++) {
    const pos = rng.next();
    t = Math.floor(from + pos * (to - from));
    if (rng.next() * 1.15 < trafficWeight(clock, t) * (0.85 + 0.3 * pos)) return t;
  }
  return t;
}

/** Customers come back at a plausible hour: walk forward until the traffic curve says yes. */
function returnTime(rng: Rng, clock: LocalClock, after: number): number {
  let t = after;
  for (let i = 0; i < 48 && rng.next() > trafficWeight(clock, t); i++) t += HOUR * (0.5 + rng.next());
  return Math.floor(t);
}

function pickPage(rng: Rng): PageSpec {
  const key = rng.weighted(pageWeights);
  return PAGES.find((p) => p.key === key)!;
}

function plan(rng: Rng, clock: LocalClock, page: PageSpec, start: number, now: number, vars: Record<string, string>) {
  const ctx: EpisodeContext = { rng, clock, page, vars };
  const turns: GenMessage[] = [];
  let topic: Topic = rng.weighted(page.topicWeights);
  let comeback = false;
  let t = start;
  for (let episode = 0; episode < 4; episode++) {
    const outcome = rng.weighted(comeback ? COMEBACK_OUTCOMES : OUTCOMES[topic]);
    const played = playEpisode(ctx, { topic, start: t, outcome, greet: episode === 0 && rng.chance(0.35), comeback, agent: rng.pick(page.agents) });
    for (const turn of played.turns) turns.push(turn);
    const last = played.turns[played.turns.length - 1]!.at;
    const again = played.resolved ? 0.22 : outcome === 'bot_abandoned' ? 0.35 : 0.65;
    if (last >= now || !rng.chance(again)) break;
    const gap = played.resolved
      ? clamp(rng.lognormal(6 * DAY, 0.8), 13 * HOUR, 40 * DAY)
      : clamp(rng.lognormal(30 * HOUR, 0.6), 13 * HOUR, 10 * DAY);
    t = returnTime(rng, clock, last + gap);
    if (t >= now) break;
    comeback = !played.resolved;
    if (!comeback) topic = rng.weighted(page.topicWeights);
  }
  return turns;
}

function conversation(index: number, opts: GenerateOptions, clock: LocalClock, ids: IdCounters): GenConversation {
  const rng = new Rng(deriveSeed(opts.seed, index));
  const now = opts.now.getTime();
  const page = pickPage(rng);
  const first = rng.pick(FIRST_NAMES);
  const customerName = rng.chance(0.06) ? null : `${first} ${rng.pick(LAST_NAMES)}`;
  const product = rng.pick(page.products);
  const alt = rng.pick(page.products.filter((p) => p !== product));
  const vars: Record<string, string> = {
    name: customerName ? first : 'there',
    product: product.name,
    price: String(product.price),
    alt: alt.name,
    order: `${page.key.slice(0, 2).toUpperCase()}${100000 + rng.int(0, 899999)}`,
    city: rng.pick(CITIES),
    days: String(rng.int(2, 9)),
    page: page.key,
    shop: page.name,
    bot: page.botName,
  };
  const spanMs = (opts.spanDays ?? DEFAULT_SPAN_DAYS) * DAY;
  const start = sampleStart(rng, clock, now - spanMs, now);
  const turns = plan(rng, clock, page, start, now, vars);

  const messages: GenMessage[] = [];
  let customerMessages = 0;
  for (const turn of turns) {
    if (turn.at > now) break; // the future has not happened yet
    const id = ++ids.message;
    turn.id = id;
    // The id leads so mids sort in arrival order and the unique index on them grows at its right edge.
    turn.mid = `m_${id.toString(36).padStart(7, '0')}${deriveSeed(opts.seed, id).toString(36)}`;
    messages.push(turn);
    if (turn.sender === 'customer') customerMessages++;
  }
  const { sessions, qaEvents } = buildSessions(rng, clock, messages, now, ids);
  return {
    id: index + 1,
    page,
    fbChatId: `t_${page.key}_${index + 1}`,
    // Real PSIDs are 16-17 digit numbers; the index suffix keeps them unique.
    psid: `7${String(deriveSeed(opts.seed ^ page.id, index)).padStart(10, '0')}${String(index).padStart(6, '0')}`,
    customerName,
    // The same rule the analysis pipeline applies to live and imported chats.
    topics: topicsOf(messages.filter((m) => m.sender === 'customer').map((m) => m.classification)),
    messages,
    sessions,
    qaEvents,
    customerMessages,
    agentMessages: messages.length - customerMessages,
  };
}

/** Endless stream of conversations; the caller decides when it has enough. */
export function* generateConversations(opts: GenerateOptions): Generator<GenConversation, never, undefined> {
  const clock = new LocalClock(opts.timezone);
  const ids: IdCounters = { message: 0, session: 0, qaEvent: 0 };
  for (let index = 0; ; index++) yield conversation(index, opts, clock, ids);
}
