// Sending to Slack through the one Block Kit layer (src/domain/block-kit.ts): every message and
// view is fitted to Slack's limits before it leaves, and a message Slack still refuses for its
// content (`invalid_blocks`, `msg_too_long`, …) is sent again as plain text, so what people
// must read (a customer's message in a handoff thread, a QA issue) always arrives. Every
// chat.postMessage / chat.update / chat.postEphemeral / views.* call of the product goes
// through here (tests/slack-block-kit.test.ts checks the source for stray calls).

import type { ChatPostEphemeralArguments, ChatPostMessageArguments, ChatUpdateArguments, ViewsOpenArguments, ViewsPublishArguments, WebClient } from '@slack/web-api';
import { fitMessage, MESSAGE_FIT, plainFallback, VIEW_FIT } from '../domain/block-kit.ts';
import type { Logger } from '../logger.ts';

/** Slack's answers that mean "this content is not acceptable"; anything else is not the content's fault. */
export const REFUSED_CONTENT: ReadonlySet<string> = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'msg_blocks_too_long', 'invalid_attachments']);

/** The Slack error code of a failed Web API call (`invalid_blocks`), if it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

type Chat = Pick<WebClient['chat'], 'postMessage' | 'update' | 'postEphemeral'>;
type Views = Pick<WebClient['views'], 'publish' | 'open'>;

interface Content {
  text?: string;
  blocks?: readonly unknown[];
}
// The SDK's argument types are unions this layer need not tell apart: it reads text and blocks only.
type Args = Content & Record<string, unknown>;

/**
 * Sends `args` fitted; when Slack refuses the content anyway, sends `plain(args)` (text only)
 * once and logs why. Other failures (network, rate limits after the client's retries, auth)
 * propagate to the caller's own retries.
 */
async function withFallback<R>(send: (a: Args) => Promise<R>, args: Args, plain: (a: Args, text: string) => Args, what: string, log?: Logger): Promise<R> {
  const fitted = fitMessage(args, MESSAGE_FIT);
  try {
    return await send(fitted);
  } catch (err) {
    const code = slackErrorCode(err);
    if (!code || !REFUSED_CONTENT.has(code) || fitted.blocks === undefined) throw err;
    log?.warn({ err: code, method: what, blocks: fitted.blocks.length }, 'slack: message refused for its blocks, sent again as plain text');
    return await send(plain(fitted, plainFallback(fitted)));
  }
}

function withoutBlocks(a: Args, text: string): Args {
  const { blocks: _blocks, ...rest } = a;
  return { ...rest, text };
}

export function postMessage(chat: Pick<Chat, 'postMessage'>, args: ChatPostMessageArguments, log?: Logger) {
  return withFallback((a) => chat.postMessage(a as unknown as ChatPostMessageArguments), args as unknown as Args, withoutBlocks, 'chat.postMessage', log);
}

/** chat.update; its plain-text fallback sends `blocks: []`, since leaving blocks out would keep the old ones. */
export function updateMessage(chat: Pick<Chat, 'update'>, args: ChatUpdateArguments, log?: Logger) {
  return withFallback((a) => chat.update(a as unknown as ChatUpdateArguments), args as unknown as Args, (a, text) => ({ ...a, text, blocks: [] }), 'chat.update', log);
}

export function postEphemeral(chat: Pick<Chat, 'postEphemeral'>, args: ChatPostEphemeralArguments, log?: Logger) {
  return withFallback((a) => chat.postEphemeral(a as unknown as ChatPostEphemeralArguments), args as unknown as Args, withoutBlocks, 'chat.postEphemeral', log);
}

function fitView<V extends { blocks?: readonly unknown[] }>(view: V): V {
  return fitMessage(view, VIEW_FIT);
}

export function publishView(views: Pick<Views, 'publish'>, args: ViewsPublishArguments) {
  return views.publish({ ...args, view: fitView(args.view) });
}

export function openView(views: Pick<Views, 'open'>, args: ViewsOpenArguments) {
  return views.open({ ...args, view: fitView(args.view) });
}

/** A reply for `respond()` / `ack()` (a response_url or a slash command's answer), fitted to a message's limits. */
export function fitReply<R extends Content>(reply: R): R {
  return fitMessage(reply, MESSAGE_FIT);
}
