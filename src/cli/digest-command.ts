import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { digestPeriod, isFrequency, FREQUENCIES } from '../domain/digest-schedule.js';
import { withRoot } from './root.js';

type Out = (line: string) => void;

/**
 * `pulse digest --preview [--period daily|weekly|monthly] [--at <ISO time>] [--out ./out]`:
 * the digest that a subscription posting at `--at` (default now) would post, written as
 * Block Kit JSON and PNG charts; prints the paths and the headline figures. Posts nothing.
 */
export function registerDigestCommand(program: Command, config: () => Config, out: Out): void {
  program
    .command('digest')
    .description('preview a support digest: Block Kit JSON and chart PNGs under --out (nothing is posted)')
    .requiredOption('--preview', 'write the digest to files instead of posting it (the only mode here; posting is scheduled)')
    .option('--period <frequency>', `${FREQUENCIES.join(' | ')}: daily = yesterday, weekly = last full week, monthly = last full month`, 'daily')
    .option('--at <time>', 'the posting time the period is taken from (ISO 8601), default now')
    .option('--timezone <tz>', 'IANA timezone of the days, default BUSINESS_TIMEZONE')
    .option('--out <dir>', 'where the files go', 'out')
    .action(async (opts: { period: string; at?: string; timezone?: string; out: string }) => {
      if (!isFrequency(opts.period)) throw new Error(`--period must be one of ${FREQUENCIES.join(', ')}, got "${opts.period}"`);
      const frequency = opts.period;
      const at = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(at.getTime())) throw new Error(`--at must be an ISO 8601 time, got "${opts.at}"`);
      const cfg = config();
      const timezone = opts.timezone ?? cfg.businessTimezone;
      const period = digestPeriod(frequency, at, timezone);
      // loaded on use: rendering pulls in vega, and the LLM path LangChain
      const { buildDigest } = await import('../jobs/digest/build.js');
      const { createLogger } = await import('../logger.js');
      await withRoot(cfg, async (root) => {
        const { api: pool } = root.pools;
        const logger = createLogger(cfg.logLevel === 'silent' ? 'silent' : 'warn', process.stderr);
        const built = await buildDigest({ pool, config: cfg, logger }, { frequency, period, timezone });
        await mkdir(opts.out, { recursive: true });
        const json = path.join(opts.out, `digest-${frequency}.json`);
        await writeFile(json, `${JSON.stringify({ text: built.digest.text, blocks: built.digest.blocks }, null, 2)}\n`);
        out(`blocks: ${json}`);
        for (const [i, c] of built.digest.charts.entries()) {
          const file = path.join(opts.out, c.filename);
          await writeFile(file, built.pngs[i]!);
          out(`chart: ${file}`);
        }
        const h = built.digest.headline;
        out(built.digest.title);
        out(`CSI: ${h.csi} ${h.direction} ${h.csiChange}`);
        out(`conversations: ${h.conversations}; messages: ${h.messages}`);
        out(`first response: median ${h.firstResponseP50}, p90 ${h.firstResponseP90}`);
        out(`bot containment: ${h.botContainment}; handoff rate: ${h.handoffRate}`);
        out(`QA waiting: ${h.qaWaiting}; issue rate: ${h.issueRate}`);
        out(`scored: ${h.coverage}; last analysis run: ${h.lastRun}`);
        out(`explanation (${built.explanationSource}): ${built.digest.explanation}`);
      });
    });
}
