import type { Command } from 'commander';
import type { Config } from '../config.js';
import { withRoot } from './root.js';

type Out = (line: string) => void;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 30;

/**
 * `pulse csi calibrate [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]`: the computed CSI
 * against what customers answered to the CSAT survey, for surveys answered in the period (days in
 * BUSINESS_TIMEZONE, both inclusive; default the last 30 days): Pearson's r, n, and the mean
 * CSAT by CSI band (src/domain/csat.ts). The same report is a section of the weekly digest.
 */
export function registerCsiCommand(program: Command, config: () => Config, out: Out): void {
  const csi = program.command('csi').description('the CSI itself: how it compares with what customers say');
  csi
    .command('calibrate')
    .description('CSI against CSAT for surveyed sessions: Pearson correlation, n, and mean CSAT by CSI band')
    .option('--since <day>', `first day (YYYY-MM-DD, business timezone), default ${DEFAULT_DAYS} days before --until`)
    .option('--until <day>', 'last day, inclusive (YYYY-MM-DD), default today')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { since?: string; until?: string; json?: boolean }) => {
      for (const [name, v] of [['--since', opts.since], ['--until', opts.until]] as const) {
        if (v !== undefined && !(DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)))) throw new Error(`${name} must be a day as YYYY-MM-DD, got "${v}"`);
      }
      const cfg = config();
      const { dayOf } = await import('../domain/days.js');
      const { addDays } = await import('../domain/period-words.js');
      const until = opts.until ?? dayOf(new Date(), cfg.businessTimezone);
      const since = opts.since ?? addDays(until, -(DEFAULT_DAYS - 1));
      if (since > until) throw new Error(`--since (${since}) is after --until (${until})`);
      const { calibrationReport } = await import('../jobs/csat/calibrate.js');
      await withRoot(cfg, async (root) => {
        const r = await calibrationReport(root.pools.api, { from: since, to: until }, cfg.businessTimezone);
        if (opts.json) out(JSON.stringify({ since, until, ...r.report }, null, 2));
        else for (const line of r.lines) out(line);
      });
    });
}
