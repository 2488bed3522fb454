import { usersWithRole } from './catalog.ts';
import { DAY, HOUR, MINUTE, type LocalClock } from './clock.ts';
import { clamp, type Rng } from './random.ts';
import type { GenMessage, GenQaEvent, GenSession, QaStatus } from './types.ts';

// Sessions are derived from the message timeline by the same rule the product uses (a new
// session after 12 h of silence), so the demo data never disagrees with a re-computation.

export const SESSION_GAP_MS = 12 * HOUR;
const ARCHIVE_AFTER_MS = 30 * DAY;

const QA_REVIEWERS = usersWithRole('qa');
const DEVELOPERS = usersWithRole('developer');

const ISSUES: readonly (readonly [string, string])[] = [
  ['Bot quoted a price that does not match the website.', 'Read prices from the catalogue API instead of the prompt.'],
  ['Bot promised delivery in 2 days; the policy is 3-5 business days.', 'Add the shipping policy page to the retrieval index.'],
  ['Customer asked for a human twice before the handoff happened.', 'Hand off on the first explicit human request.'],
  ['Bot stated a 14-day return window; it is 30 days.', 'Update the returns policy snippet in the system prompt.'],
  ["Reply ignored the customer's second question.", 'Answer every question in a multi-question message.'],
  ['No apology or empathy in reply to a complaint.', 'Add an empathy instruction for messages classified as complaint.'],
  ['Bot sent a tracking link for the wrong order.', 'Validate the order id before building tracking links.'],
  ['Bot said the item was in stock; it was sold out.', 'Check live inventory before answering availability questions.'],
];
const PASS_NOTES = ['Accurate and friendly.', 'Correct answer, quick handoff.', 'Good use of the product card.', 'Clear and concise.'];

export interface IdCounters {
  message: number;
  session: number;
  qaEvent: number;
}

function split(messages: readonly GenMessage[]): GenMessage[][] {
  const groups: GenMessage[][] = [];
  let current: GenMessage[] = [];
  for (const m of messages) {
    const prev = current[current.length - 1];
    if (prev && m.at - prev.at > SESSION_GAP_MS) {
      groups.push(current);
      current = [];
    }
    current.push(m);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

export function buildSessions(
  rng: Rng,
  clock: LocalClock,
  messages: readonly GenMessage[],
  now: number,
  ids: IdCounters,
): { sessions: GenSession[]; qaEvents: GenQaEvent[] } {
  const sessions: GenSession[] = [];
  const qaEvents: GenQaEvent[] = [];
  const groups = split(messages);
  groups.forEach((group, i) => {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    let ai = 0;
    let handoff = false;
    let lastCustomer: GenMessage | undefined;
    for (const m of group) {
      if (m.sender === 'bot') ai++;
      if (m.sender === 'human_agent' || m.classification === 'human_request') handoff = true;
      if (m.sender === 'customer') lastCustomer = m;
    }
    // Complete when the customer's last word is a thank-you; a last session still inside the gap is in progress.
    const open = i === groups.length - 1 && now - last.at <= SESSION_GAP_MS;
    const completion = lastCustomer?.classification === 'gratitude' ? 'complete' : open ? 'in_progress' : 'incomplete';
    const archived = completion !== 'in_progress' && now - last.at > ARCHIVE_AFTER_MS && rng.chance(0.85);
    const session: GenSession = {
      id: ++ids.session,
      sequence: i + 1,
      startedAt: first.at,
      endedAt: last.at,
      messageCount: group.length,
      aiEngaged: ai > 0,
      aiMessageCount: ai,
      humanHandoff: handoff,
      completion,
      archive: archived ? 'archived' : 'active',
      qaStatus: 'unchecked',
      qaNotes: null,
      devFeedback: null,
      qaBy: null,
      qaAt: null,
      updatedAt: last.at,
    };
    if (session.aiEngaged && !open) review(rng, clock, session, now, ids, qaEvents);
    sessions.push(session);
  });
  return { sessions, qaEvents };
}

/** Reviewers and developers work weekdays 9-18 local time. */
function officeTime(rng: Rng, clock: LocalClock, t: number): number {
  const open = (x: number) => !clock.isWeekend(x) && clock.hour(x) >= 9 && clock.hour(x) < 18;
  if (open(t)) return t;
  let x = t;
  for (let i = 0; i < 96 && !open(x); i++) x = (Math.floor(x / HOUR) + 1) * HOUR;
  return x + rng.int(0, 119) * MINUTE + rng.int(0, 59_999);
}

/** Older sessions are more likely reviewed; most recent ones wait in the unchecked queue. */
function review(rng: Rng, clock: LocalClock, s: GenSession, now: number, ids: IdCounters, out: GenQaEvent[]): void {
  const age = now - s.endedAt;
  if (!rng.chance(age > 14 * DAY ? 0.5 : age > 3 * DAY ? 0.3 : 0.1)) return;
  const reviewer = rng.pick(QA_REVIEWERS);
  const reviewedAt = officeTime(rng, clock, s.endedAt + Math.round(clamp(rng.lognormal(DAY, 0.8), HOUR, 10 * DAY)));
  if (reviewedAt > now) return;
  const event = (actor: string, from: QaStatus, to: QaStatus, at: number, notes: string | null, devFeedback: string | null) => {
    out.push({ id: ++ids.qaEvent, sessionId: s.id, actor, from, to, notes, devFeedback, at });
    Object.assign(s, { qaStatus: to, qaBy: actor, qaAt: at, updatedAt: Math.max(s.updatedAt, at) });
  };
  if (rng.chance(0.62)) {
    const note = rng.chance(0.4) ? rng.pick(PASS_NOTES) : null;
    event(reviewer, 'unchecked', 'passed', reviewedAt, note, null);
    s.qaNotes = note;
    return;
  }
  const [note, feedback] = rng.pick(ISSUES);
  event(reviewer, 'unchecked', 'issue', reviewedAt, note, feedback);
  s.qaNotes = note;
  s.devFeedback = feedback;
  const fixedAt = officeTime(rng, clock, reviewedAt + Math.round(clamp(rng.lognormal(2 * DAY, 0.7), 2 * HOUR, 20 * DAY)));
  if (fixedAt < now && rng.chance(0.5)) {
    event(rng.pick(DEVELOPERS), 'issue', 'fixed', fixedAt, `Deployed a fix (prompt v1.${rng.int(3, 19)}); verified on a replay of this session.`, null);
  }
}
