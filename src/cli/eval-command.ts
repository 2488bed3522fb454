import type { Command } from 'commander';
import type { Config } from '../config.js';
import { EVAL_NOW, evalQuestions } from '../eval/questions.js';
import { withRoot } from './root.js';

// `pulse eval`: the assistant's evaluation set (src/eval) against the configured database with
// the offline model: accuracy by category and every failure with its reason. The questions'
// periods are worked out from --now, and their page, agent and topic names are the demo data's,
// so it is meant for demo data seeded at that clock (the test suite seeds it at EVAL_NOW).

type Out = (line: string) => void;

interface EvalOptions {
  now: string;
  timezone?: string;
  json?: boolean;
  only?: string;
  failUnder?: string;
}

function parseNow(s: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new Error(`--now must be an ISO date and time, got "${s}"`);
  return d;
}

function checkZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new Error(`--timezone must be an IANA timezone (e.g. Europe/Berlin), got "${tz}"`);
  }
  return tz;
}

export function registerEvalCommand(program: Command, config: () => Config, out: Out): void {
  program
    .command('eval')
    .description('run the evaluation set against the assistant (offline model) and print accuracy by category and the failures')
    .option('--now <iso>', `the clock the questions are asked at; their periods are worked out from it (default ${EVAL_NOW}, the test suite's)`, EVAL_NOW)
    .option('--timezone <tz>', 'business timezone of the questions and answers (default: BUSINESS_TIMEZONE)')
    .option('--only <list>', 'comma-separated question ids or categories to run (default: all)')
    .option('--fail-under <percent>', 'exit with code 1 when the accuracy is below this percentage')
    .option('--json', 'print one JSON object')
    .action(async (opts: EvalOptions) => {
      const now = parseNow(opts.now);
      const base = config();
      const timeZone = checkZone(opts.timezone ?? base.businessTimezone);
      const failUnder = opts.failUnder === undefined ? undefined : Number(opts.failUnder);
      if (failUnder !== undefined && !(failUnder >= 0 && failUnder <= 100)) throw new Error(`--fail-under must be a percentage 0–100, got "${opts.failUnder}"`);
      const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
      const questions = evalQuestions(now, timeZone).filter((q) => !only || only.includes(q.id) || only.includes(q.category));
      if (questions.length === 0) throw new Error(`--only ${opts.only} names no question id or category`);
      // the offline model whatever is configured: the set measures the rule-based understanding
      const { apiKey: _ignored, ...llm } = base.llm;
      const cfg: Config = { ...base, businessTimezone: timeZone, llm };
      const { openAssistant } = await import('../root/assistant.js');
      const { reportLines, runEval } = await import('../eval/run.js');
      const report = await withRoot(cfg, async (root) => {
        const pool = root.pools.api;
        const opened = await openAssistant(cfg, root.url, { pool, now: () => now });
        try {
          return await runEval(opened.assistant, pool, questions);
        } finally {
          await opened.close();
        }
      });
      if (opts.json) {
        out(JSON.stringify({ now: now.toISOString(), timeZone, ...report }));
      } else {
        out(`evaluation set at ${now.toISOString()} (${timeZone}), offline model`);
        for (const line of reportLines(report)) out(line);
      }
      // an error ends `pulse` with exit code 1 (src/cli.ts), after the report is printed
      if (failUnder !== undefined && report.accuracy * 100 < failUnder) {
        throw new Error(`accuracy ${(report.accuracy * 100).toFixed(1)}% is below --fail-under ${failUnder}%`);
      }
    });
}
