import { describe, expect, it } from 'vitest';
import { createOfflineScorer, scoreDayOffline } from '../src/domain/scoring/offline-scorer.ts';
import { JUDGEMENT_METRICS, JUDGEMENT_RANGES } from '../src/domain/scoring/ranges.ts';
import type { ConversationDay, DayMessage, JudgementScores } from '../src/domain/scoring/types.ts';

type Sender = DayMessage['senderKind'];
/** [who, text, minutes after 09:00, classification] */
type Line = [Sender, string | null, number, string?];

const T0 = Date.UTC(2025, 2, 10, 9, 0);

function day(lines: Line[], extra: Partial<ConversationDay> = {}): ConversationDay {
  return {
    key: extra.key ?? 'd1',
    conversationId: 1,
    day: '2025-03-10',
    priorContactDays: 0,
    customerReturnedLater: false,
    ...extra,
    messages: lines.map(([senderKind, text, minutes, classification]) => ({
      direction: senderKind === 'customer' ? 'to_company' : 'to_client',
      senderKind,
      text,
      at: new Date(T0 + minutes * 60_000),
      classification: classification ?? null,
    })),
  };
}

const happy: Line[] = [
  ['customer', 'Hi', 0, 'first_contact'],
  ['bot', 'Hello Ana, thanks for messaging Trailhead. What can I do for you?', 0.05],
  ['customer', 'How much is the Trail Runner 2?', 1, 'price_inquiry'],
  ['bot', 'The Trail Runner 2 is $89. You can order it here: https://shop.example/p/1', 1.05],
  ['customer', 'Great, thank you!', 2, 'gratitude'],
];

const angry: Line[] = [
  ['customer', 'The blender I received is damaged.', 0, 'complaint'],
  ['bot', 'I am really sorry about that. Could you send a photo?', 0.05],
  ['customer', 'This is unacceptable.', 2, 'complaint'],
  ['bot', 'I understand. I can offer a replacement or a full refund.', 2.05],
  ['customer', 'Can I talk to a real person?', 3, 'human_request'],
  ['bot', 'Of course. I am connecting you with a teammate; they will reply here shortly.', 3.05],
  ['customer', 'Still waiting...', 60, 'complaint'],
  ['human_agent', 'Hi, Sam here. I have passed this to our quality team and will update you as soon as I can.', 170],
  ['customer', 'That does not answer my question. The blender is damaged and still not working!', 175, 'complaint'],
];

const score = (lines: Line[], extra?: Partial<ConversationDay>): JudgementScores => scoreDayOffline(day(lines, extra));

describe('offline scorer contract', () => {
  it('names itself and keeps each result keyed by the day key, in input order', async () => {
    const scorer = createOfflineScorer();
    expect(scorer.name).toBe('offline');
    expect(scorer.version).toMatch(/^\d+\.\d+\.\d+$/);
    const results = await scorer.score([day(happy, { key: 'a' }), day(angry, { key: 'b' })]);
    expect(results.map((r) => r.key)).toEqual(['a', 'b']);
    expect(results.every((r) => r.scores !== null)).toBe(true);
  });

});

describe('offline scorer heuristics (documented in offline-scorer.ts)', () => {
  it('happy resolved first contact: closing thanks → high resolution and FCR, low CES, positive sentiment', () => {
    const s = score(happy);
    expect(s.resolutionAchieved).toBeGreaterThanOrEqual(9);
    expect(s.fcrScore).toBeGreaterThanOrEqual(9);
    expect(s.ces).toBeLessThanOrEqual(2);
    expect(s.sentimentScore).toBeGreaterThan(6.5);
  });

  it('angry unresolved complaint: frustration at the end, escalation and a long wait → low resolution/FCR, high CES, negative sentiment', () => {
    const s = score(angry);
    expect(s.resolutionAchieved).toBeLessThanOrEqual(2);
    expect(s.fcrScore).toBeLessThanOrEqual(1);
    expect(s.ces).toBeGreaterThanOrEqual(5.5);
    expect(s.sentimentScore).toBeLessThan(2.5);
    expect(s.sentimentShift).toBeLessThanOrEqual(0);
  });

  it('returning customer (priorContactDays > 0): resolved today but FCR capped low, CES higher', () => {
    const first = score(happy);
    const returning = score(happy, { priorContactDays: 1 });
    expect(returning.resolutionAchieved).toBe(first.resolutionAchieved);
    expect(returning.fcrScore).toBeLessThanOrEqual(2);
    expect(returning.ces!).toBeGreaterThan(first.ces!);
  });

  it('customer who comes back on a later day (customerReturnedLater): FCR capped at 3', () => {
    expect(score(happy, { customerReturnedLater: true }).fcrScore).toBeLessThanOrEqual(3);
  });

  it('no customer text (only a like sticker): sentiment and shift null, resolution still judged', () => {
    const s = score([
      ['customer', null, 0],
      ['bot', 'Hello! What can I do for you?', 0.05],
    ]);
    expect(s.sentimentScore).toBeNull();
    expect(s.sentimentShift).toBeNull();
    expect(s.resolutionAchieved).not.toBeNull();
  });

  it('no customer message at all: nothing to judge, every judgement null', () => {
    const s = score([['human_agent', 'Hi Ana, your parcel is on its way.', 0]]);
    expect(s).toEqual({ sentimentScore: null, sentimentShift: null, resolutionAchieved: null, fcrScore: null, ces: null });
  });

  it('sentimentShift is null with a single customer text message (no movement observed)', () => {
    const s = score([
      ['customer', 'Do you ship to Oslo?', 0],
      ['bot', 'Yes, we ship to Norway.', 0.05],
    ]);
    expect(s.sentimentScore).toBe(5);
    expect(s.sentimentShift).toBeNull();
  });

  it('sentimentShift is positive when the customer goes from angry to happy', () => {
    const s = score([
      ['customer', 'I was charged twice for order 4411! This is terrible.', 0, 'complaint'],
      ['human_agent', 'I am sorry. I refunded the extra charge and added a $20 voucher.', 10],
      ['customer', 'Awesome, thank you so much, that is perfect!', 12, 'gratitude'],
    ]);
    expect(s.sentimentShift).toBeGreaterThan(2.5);
    expect(s.resolutionAchieved).toBeGreaterThanOrEqual(9);
  });

});

describe('offline scorer heuristics: resolution and effort details', () => {
  it('unanswered last customer message → low resolution and extra effort', () => {
    const answered = score([
      ['customer', 'Where is my order 5512?', 0, 'shipping_question'],
      ['bot', 'Order 5512 shipped yesterday and should arrive in 2 days.', 0.05],
    ]);
    const unanswered = score([
      ['customer', 'Where is my order 5512?', 0, 'shipping_question'],
      ['bot', 'Order 5512 shipped yesterday and should arrive in 2 days.', 0.05],
      ['customer', 'Can I get the tracking number?', 1],
    ]);
    expect(answered.resolutionAchieved).toBe(5);
    expect(unanswered.resolutionAchieved).toBeLessThanOrEqual(2);
    expect(unanswered.ces!).toBeGreaterThan(answered.ces!);
  });

  it('an agent answer without a closing stays in the middle; a promise to get back lowers it', () => {
    const done = score([
      ['customer', 'I cannot log in to my account.', 0, 'account_issue'],
      ['human_agent', 'I unlocked your account and restored your points.', 5],
    ]);
    const pending = score([
      ['customer', 'I cannot log in to my account.', 0, 'account_issue'],
      ['human_agent', 'Our accounts team needs to verify this; I will message you once it is done.', 5],
    ]);
    expect(done.resolutionAchieved).toBeGreaterThan(pending.resolutionAchieved!);
    expect(pending.resolutionAchieved).toBeGreaterThanOrEqual(3);
    expect(done.resolutionAchieved).toBeLessThanOrEqual(7);
  });

  it('"still"/"again" only signal frustration in their "not fixed" sense', () => {
    const stillHave = score([
      ['customer', 'hi do u still have the Alpine Jacket', 0, 'availability_check'],
      ['bot', 'We do! It is available online.', 0.05],
      ['customer', 'thanks again', 1, 'gratitude'],
    ]);
    expect(stillHave.resolutionAchieved).toBeGreaterThanOrEqual(9);
    const stillBroken = score([
      ['customer', 'My router is broken', 0],
      ['bot', 'Please restart it.', 0.05],
      ['customer', 'I did, it is still not working', 3],
      ['bot', 'Please try a factory reset.', 3.05],
      ['customer', 'ok I am writing again', 9],
    ]);
    expect(stillBroken.resolutionAchieved).toBeLessThanOrEqual(2);
  });

  it('closing words followed by a bare "no"/"bye" still count as closed, with no waiting penalty', () => {
    const s = score([
      ['customer', 'Can I pay in installments?', 0],
      ['bot', 'Yes, 4 interest-free installments at checkout. Anything else?', 0.05],
      ['customer', 'perfect thanks', 1, 'gratitude'],
      ['bot', 'Happy to help! Anything else?', 1.05],
      ['customer', 'no', 2],
    ]);
    expect(s.resolutionAchieved).toBeGreaterThanOrEqual(9);
    expect(s.ces).toBeLessThanOrEqual(2);
  });

  it('a like sticker after an answer is an acknowledgement (7); after an unanswered question it is not', () => {
    const ack = score([
      ['customer', 'Do you ship to Oslo?', 0],
      ['bot', 'Yes, in 3-5 days.', 0.05],
      ['customer', null, 1],
    ]);
    const noAck = score([
      ['customer', 'Do you ship to Oslo?', 0],
      ['customer', null, 1],
    ]);
    expect(ack.resolutionAchieved).toBe(7);
    expect(noAck.resolutionAchieved).toBeLessThanOrEqual(2);
  });

  it('repeated questions and escalation to a human raise CES', () => {
    const once = score([
      ['customer', 'When will my order 7781 arrive?', 0],
      ['bot', 'It should arrive in 3 days.', 0.05],
    ]);
    const repeated = score([
      ['customer', 'When will my order 7781 arrive?', 0],
      ['bot', 'It should arrive in 3 days.', 0.05],
      ['customer', 'when will order 7781 arrive', 2],
      ['bot', 'It should arrive in 3 days.', 2.05],
      ['human_agent', 'Hi, Sam here: it arrives on Thursday.', 3],
    ]);
    expect(repeated.ces!).toBeGreaterThanOrEqual(once.ces! + 1.5);
  });

});

describe('offline scorer properties', () => {
  it('is deterministic: same input, same output, independent of batch composition', async () => {
    const scorer = createOfflineScorer();
    const a = await scorer.score([day(angry, { key: 'x' })]);
    const b = await scorer.score([day(happy, { key: 'h' }), day(angry, { key: 'x' }), day(happy, { key: 'h2' })]);
    expect(b[1]).toEqual(a[0]);
    expect(scoreDayOffline(day(angry))).toEqual(scoreDayOffline(day(angry)));
  });

  it('keeps every value within its range over many generated days (property-style)', async () => {
    const vocabulary = [
      'thanks', 'perfect', 'this is useless', 'still not working', 'again??', 'hate', 'love it', 'agent please', 'where is my order',
      'terrible awful horrible worst', 'great great great awesome amazing', '', 'ok', 'nobody answers', 'refund now', null,
    ];
    const senders: Sender[] = ['customer', 'bot', 'human_agent'];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const days: ConversationDay[] = [];
    for (let i = 0; i < 2000; i++) {
      let t = 0;
      const lines: Line[] = [];
      for (let n = Math.floor(rnd() * 20); n > 0; n--) {
        t += rnd() < 0.1 ? rnd() * 600 : rnd() * 5;
        const words = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(vocabulary)).filter((w) => w !== null);
        lines.push([pick(senders), rnd() < 0.1 ? null : words.join(' '), t, pick([null, 'complaint', 'gratitude', 'human_request', undefined]) ?? undefined]);
      }
      days.push(day(lines, { key: `g${i}`, priorContactDays: Math.floor(rnd() * 3), customerReturnedLater: rnd() < 0.3 }));
    }
    const results = await createOfflineScorer().score(days);
    expect(results).toHaveLength(days.length);
    // One assertion over all violations keeps this fast and the failure message readable.
    const violations: string[] = [];
    let scored = 0;
    for (const r of results) {
      for (const metric of JUDGEMENT_METRICS) {
        const v = r.scores![metric];
        if (v === null) continue;
        scored++;
        const [min, max] = JUDGEMENT_RANGES[metric];
        if (!(Number.isFinite(v) && v >= min && v <= max)) violations.push(`${r.key}.${metric} = ${v}`);
      }
    }
    expect(violations).toEqual([]);
    expect(scored).toBeGreaterThan(days.length * 2); // the generator really exercised the metrics
  });
});
