import type pg from 'pg';
import type { Assistant } from '../../agents/assistant/assistant.ts';
import type { Config } from '../../config.ts';
import type { Caller } from '../../domain/access.ts';
import type { Logger } from '../../logger.ts';
import type { MessengerSender } from '../../domain/messenger/contracts.ts';
import type { AfterDispute } from '../../db/qa-disputes-repo.ts';

/** A question for the assistant, answered later (after Slack's 3-second ack) in Slack. */
export interface AskRequest {
  /** idempotency key: the same key is answered once, across retries and restarts */
  key: string;
  team?: string;
  channel: string;
  /** the thread to answer in; absent = answer under `ts` (a new thread) or in the DM */
  threadTs?: string;
  /** the question's own message ts, when it is a message */
  ts?: string;
  user: string;
  text: string;
  /** slash commands: where to respond (Slack's response_url) */
  responseUrl?: string;
}

/** What every Slack listener (events, commands, App Home) gets from the composition root. */
export interface SlackDeps {
  /** the application's pool */
  pool: pg.Pool;
  assistant: Assistant;
  config: Config;
  logger: Logger;
  now: () => Date;
  /** the caller behind a Slack user id (users table; ADMIN_SLACK_IDS are admins) */
  callerOf(slackUserId: string): Promise<Caller>;
  /** durably queues a question; 'duplicate' when this key was queued before */
  ask(request: AskRequest): Promise<'queued' | 'duplicate'>;
  /** the Send API: with HANDOFF_CHANNEL set, replies in handoff threads go to customers through it */
  messenger?: MessengerSender;
  /** runs in each dispute step's transaction: the dispute notification hook (jobs/notifications/qa-notify.ts) */
  afterDispute?: AfterDispute;
}
