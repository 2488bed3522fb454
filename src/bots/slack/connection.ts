// Slack's start-up check (auth.test), made survivable. Bolt verifies the bot token with
// auth.test when an App is constructed and leaves the promise unobserved, so an unreachable
// SLACK_API_URL or a revoked token became an unhandled rejection that ended the whole service
// (bolt-js #248). The App is therefore built with `deferInitialization` and this loop calls
// `app.init()` once Slack answers: it probes auth.test without the WebClient's own retries,
// records why Slack is unavailable (for /readyz and the log) and tries again with backoff, in
// the background, until it succeeds. Until then the receiver answers Slack's requests 503
// (Slack retries them) and everything else in the service keeps working.

import { webApi, type App } from '@slack/bolt';
import type { Logger } from '../../logger.ts';

export interface SlackConnectionOptions {
  app: App;
  token: string;
  apiUrl: string;
  logger: Logger;
  /** backoff between attempts: doubles from `minMs` up to `maxMs` */
  minMs?: number;
  maxMs?: number;
  /** per-attempt limit on auth.test, so a Slack that hangs is an outage too */
  timeoutMs?: number;
  /** runs once after the first successful check (Socket Mode connects here) */
  onConnected?: () => Promise<void>;
}

export interface SlackConnection {
  /** 'ok' once auth.test succeeded; otherwise what is wrong and when the next try is */
  status(): string;
  connected(): boolean;
  /** resolves after the first attempt, successful or not */
  firstAttempt: Promise<void>;
  stop(): Promise<void>;
}

/** Why auth.test failed, in words an operator can act on (no token or URL in it). */
export function slackFailureReason(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; original?: Error; statusCode?: number; message?: string };
  switch (e.code) {
    case webApi.ErrorCode.PlatformError:
      return `token refused (${e.data?.error ?? 'unknown error'})`;
    case webApi.ErrorCode.RequestError:
      return `unreachable (${(e.original as { code?: string } | undefined)?.code ?? e.original?.message ?? 'request failed'})`;
    case webApi.ErrorCode.HTTPError:
      return `unreachable (HTTP ${e.statusCode})`;
    case webApi.ErrorCode.RateLimitedError:
      return 'rate limited';
    default:
      return e.message ?? String(err);
  }
}

export function connectSlack(opts: SlackConnectionOptions): SlackConnection {
  const { app, logger } = opts;
  const log = logger.child({ component: 'slack' });
  const minMs = opts.minMs ?? 1000;
  const maxMs = Math.max(minMs, opts.maxMs ?? 300_000);
  const probe = new webApi.WebClient(opts.token, {
    slackApiUrl: opts.apiUrl, retryConfig: { retries: 0 }, timeout: opts.timeoutMs ?? 10_000,
    // each failure is logged once below, with its reason
    logLevel: webApi.LogLevel.ERROR,
  });
  let state = 'connecting';
  let ok = false;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const attempt = async (): Promise<void> => {
    try {
      const who = await probe.auth.test();
      // Bolt's own init: the same auth.test, now expected to pass; it keeps the bot's ids
      await app.init();
      if (stopped) return;
      ok = true;
      state = 'ok';
      log.info({ team: who.team, bot: who.user_id, attempts: failures + 1 }, `slack: connected as ${who.user ?? who.user_id ?? 'the bot'}${failures > 0 ? ` after ${failures} failed attempt(s)` : ''}`);
      if (opts.onConnected) await opts.onConnected().catch((err: unknown) => log.error({ err }, 'slack: connecting after auth.test failed'));
    } catch (err) {
      if (stopped) return;
      failures += 1;
      const delay = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 30));
      const reason = slackFailureReason(err);
      state = `unavailable: ${reason}; retry ${failures} in ${Math.round(delay / 1000)} s`;
      log.error({ reason, attempt: failures, retryInMs: delay }, `slack: ${reason}; Slack is unavailable, the rest of the service runs; retrying in ${Math.round(delay / 1000)} s`);
      timer = setTimeout(() => {
        timer = undefined;
        running = attempt();
      }, delay);
      timer.unref();
    }
  };

  running = attempt();
  return {
    status: () => state,
    connected: () => ok,
    firstAttempt: running,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
