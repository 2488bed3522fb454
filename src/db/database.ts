import type { Config } from '../config.js';
import type { EmbeddedHandle } from './embedded.js';

export interface DatabaseHandle {
  url: string;
  /** 'external' when DATABASE_URL is set; otherwise how the embedded server was obtained. */
  kind: 'external' | EmbeddedHandle['mode'];
  /** Stops the embedded server when this process owns it; a no-op otherwise. */
  stop(): Promise<void>;
}

/** DATABASE_URL when given (no embedded server is ever started), else the embedded one. */
export async function openDatabase(config: Config, log: (msg: string) => void): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, kind: 'external', stop: async () => {} };
  }
  // loaded only here: with DATABASE_URL the embedded server's package is never needed
  const { startEmbedded } = await import('./embedded.js');
  const embedded = await startEmbedded({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
  return { url: embedded.url, kind: embedded.mode, stop: embedded.stop };
}

/** The URL with its password hidden, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
