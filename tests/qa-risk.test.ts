import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAssistant } from '../src/root/assistant.ts';
import { queueHead } from '../src/bots/slack/qa-blocks.ts';
import { loadConfig } from '../src/config.ts';
import { qaQueuePage, qaRiskPage } from '../src/db/qa-review-repo.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import { parseQaCommand } from '../src/domain/qa-command.ts';
import { RISK_RULES, riskOf, type RiskSignals } from '../src/domain/qa-risk.ts';
import { createOfflineScorer } from '../src/domain/scoring/offline-scorer.ts';
import { openAnalysisPipeline } from '../src/root/analysis.ts';
import { offlineConfig } from './helpers/assistant.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// Issue 20, the risk-ranked queue: a reviewer sees the riskiest unchecked sessions first, each
// with why; the order the database computes is the one the explanations add up to.

const calm: RiskSignals = { minCsi: 80, minConfidence: 0.95, humanHandoff: false, minSentimentShift: 0.5, complaint: false, cameBack: false };

describe('risk of a session', () => {
  it('is the sum of the weights of the rules that apply, each with its reason', () => {
    expect(riskOf(calm)).toEqual({ score: 0, reasons: [] });
    expect(riskOf({ ...calm, humanHandoff: true, complaint: true })).toEqual({ score: 5, reasons: ['handed to a human', 'a complaint'] });
    expect(riskOf({ ...calm, minCsi: 55 })).toEqual({ score: 2, reasons: ['CSI 55 (under 60)'] });
    // very low CSI counts both CSI rules and names the stronger one
    expect(riskOf({ ...calm, minCsi: 31.6 })).toEqual({ score: 4, reasons: ['CSI 32 (under 40)'] });
    expect(riskOf({ ...calm, minConfidence: 0.42, minSentimentShift: -2, cameBack: true }).reasons).toEqual([
      'the bot was unsure (confidence 0.42)',
      'sentiment fell (-2.0)',
      'the customer came back within 48 h',
    ]);
    // unknown signals (not scored yet) add nothing
    expect(riskOf({ ...calm, minCsi: null, minConfidence: null, minSentimentShift: null }).score).toBe(0);
  });

  it('is asked for with /qa queue risky', () => {
    expect(parseQaCommand('queue risky')).toMatchObject({ kind: 'queue', order: 'risk', limit: 5, pageNumber: 1 });
    expect(parseQaCommand('queue risky 3 2 Voltix')).toEqual({ kind: 'queue', order: 'risk', limit: 3, pageNumber: 2, pageName: 'Voltix' });
    expect(parseQaCommand('queue 3')).not.toHaveProperty('order');
    const head = JSON.stringify(queueHead({ waiting: 30, limit: 5, pageNumber: 1, order: 'risk' }, 'UTC'));
    expect(head).toContain('riskiest first');
    expect(head).toContain('/qa queue risky 5 2');
  });
});

describe('the risk-ranked queue', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('qa_risk');
    await seedDemoData(db.url, { conversations: 150, seed: 11, now: TEST_NOW, timezone: 'UTC' });
    const pipeline = await openAnalysisPipeline(db.url, { config: loadConfig({ BUSINESS_TIMEZONE: 'UTC' }), scorer: createOfflineScorer() });
    try {
      await pipeline.plan();
      const done = await pipeline.waitForIdle();
      expect(done.failedJobs).toBe(0);
    } finally {
      await pipeline.stop();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('ranks every waiting session by the score its reasons add up to, riskiest first, oldest first among equals', async () => {
    const oldest = await qaQueuePage(db.pool, { limit: 1000, offset: 0 });
    const risky = await qaRiskPage(db.pool, { limit: 1000, offset: 0, tz: 'UTC' });
    expect(risky.waiting).toBe(oldest.waiting);
    expect(risky.cards.map((c) => c.sessionId).sort((a, b) => a - b)).toEqual(oldest.cards.map((c) => c.sessionId).sort((a, b) => a - b));
    const scores = risky.cards.map((c) => c.risk!.score);
    // the seeded data has sessions at several levels, so the order means something
    expect(new Set(scores).size).toBeGreaterThan(3);
    for (let i = 1; i < risky.cards.length; i++) {
      const [a, b] = [risky.cards[i - 1]!, risky.cards[i]!];
      expect(a.risk!.score).toBeGreaterThanOrEqual(b.risk!.score);
      if (a.risk!.score === b.risk!.score) expect(a.startedAt.getTime()).toBeLessThanOrEqual(b.startedAt.getTime());
    }
    for (const c of risky.cards) {
      // the database's score is the explanation's
      expect(c.risk!.score, `session ${c.sessionId}`).toBe(riskOf(c.risk!.signals).score);
      expect(c.risk!.reasons.length > 0, `session ${c.sessionId}`).toBe(c.risk!.score > 0);
    }
    // every rule fires somewhere in the demo data except, possibly, the rarest
    const fired = new Set(risky.cards.flatMap((c) => RISK_RULES.filter((r) => r.applies(c.risk!.signals)).map((r) => r.name)));
    expect(fired.size).toBeGreaterThanOrEqual(5);
  });

  it('is what the assistant answers to "which sessions should we review first", with the reasons', async () => {
    const opened = await openAssistant(offlineConfig('UTC'), db.url, { pool: db.pool, now: () => TEST_NOW });
    try {
      const reply = await opened.assistant.ask({ channel: 'test', threadKey: 'risk' }, 'Which sessions should we review first?');
      const call = reply.toolCalls.find((c) => c.name === 'qa_queue');
      expect(call?.args).toMatchObject({ order: 'risk' });
      const top = (await qaRiskPage(db.pool, { limit: 5, offset: 0, tz: 'UTC' })).cards;
      expect(reply.text).toContain('Review these first, riskiest first');
      for (const c of top) expect(reply.text).toContain(`session ${c.sessionId} (conversation ${c.conversationId}, ${c.page}), risk ${c.risk!.score}: ${c.risk!.reasons.join('; ') || 'nothing points at a problem'}`);
    } finally {
      await opened.close();
    }
  });

  it('pages through the same order', async () => {
    const all = await qaRiskPage(db.pool, { limit: 1000, offset: 0, tz: 'UTC' });
    const second = await qaRiskPage(db.pool, { limit: 5, offset: 5, tz: 'UTC' });
    expect(second.cards.map((c) => c.sessionId)).toEqual(all.cards.slice(5, 10).map((c) => c.sessionId));
  });
});
