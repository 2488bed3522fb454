import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenAssistant } from '../src/agents/assistant/open.ts';
import { openAssistant } from '../src/root/assistant.ts';
import { evalQuestions } from '../src/eval/questions.ts';
import { reportLines, runEval, type EvalReport } from '../src/eval/run.ts';
import { offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// The assistant's regression test (issue 16, acceptance): the evaluation set (src/eval) over the
// offline assistant on the demo data at the suite clock. Every expected figure is independent
// SQL over the base tables; the answers are judged by their words only.

const TZ = 'Europe/Berlin';

let db: TestDatabase;
let opened: OpenAssistant;
let report: EvalReport;

beforeAll(async () => {
  db = await createTestDatabase('evalrun');
  await seedAndAnalyse(db.url, { conversations: 300, now: TEST_NOW, timeZone: TZ });
  opened = await openAssistant(offlineConfig(TZ), db.url, { pool: db.pool, now: () => TEST_NOW });
  report = await runEval(opened.assistant, db.pool, evalQuestions(TEST_NOW, TZ), { runId: 'suite' });
}, 600_000);

afterAll(async () => {
  await opened?.close();
  await db?.drop();
});

const failures = () => reportLines(report).join('\n');

describe('evaluation set over the offline assistant', () => {
  it('answers at least 95 % of the questions right', () => {
    expect(report.accuracy, failures()).toBeGreaterThanOrEqual(0.95);
  });

  it('refuses every question about data the product does not hold', () => {
    const missed = report.results.filter((r) => r.category === 'refusal-out-of-catalogue' && !r.pass);
    expect(missed.map((r) => `${r.id} "${r.question}": ${r.reason} | ${r.answer.split('\n')[0]}`), failures()).toEqual([]);
  });

  it('never shows a figure its expectation says must not appear', () => {
    const shown = report.results.filter((r) => r.forbiddenShown.length > 0);
    expect(shown.map((r) => `${r.id} "${r.question}": ${r.forbiddenShown.join(', ')}`), failures()).toEqual([]);
  });
});
