import { ConfigError, loadConfig, type Config } from './config.js';

// The service entry point (`npm start`). The configuration is checked before the service's
// modules load (LangChain, Vega, Bolt: seconds of loading), so a bad variable is reported at once.

function fail(err: unknown): never {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`supportpulse: ${message}\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  fail(err);
}
const { main } = await import('./service.js');
main(config).catch(fail);
