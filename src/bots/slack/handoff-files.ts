// A customer's photos, videos, voice notes and files in the handoff thread (issue 19, point 5).
// Each attachment is downloaded from Meta's CDN (streamed, capped at SLACK_FILE_MAX_MB, its
// content type checked) and uploaded with Slack's external upload flow:
// files.getUploadURLExternal → POST the bytes to upload_url → files.completeUploadExternal with
// channel_id and thread_ts (https://docs.slack.dev/reference/methods/files.getUploadURLExternal).
// Too large, not downloadable or refused by Slack: a link and the reason are posted instead.
//
// The three steps are called one by one rather than through WebClient.files.uploadV2 because
// the file id must be stored before the file is shared: handoff_files records each step, and the
// Messenger worker handling the same event again (its transaction failed, the process died)
// finds the attachment shared and posts nothing, or finds it mid-share and asks Slack
// (files.info) whether the share happened before sharing again.

import type { WebClient } from '@slack/web-api';
import type pg from 'pg';
import type { HandoffConversation } from '../../db/handoff-repo.ts';
import { claimHandoffFile, finishHandoffFile, markCompleting, markUploading } from '../../db/handoff-files-repo.ts';
import { contentMatches, formatBytes, withExtension, type CustomerFile, type MediaKind } from '../../domain/messenger/attachments.ts';
import type { Logger } from '../../logger.ts';
import { downloadCapped, trustedUrl } from '../../notify/download.ts';
import { postMessage, slackErrorCode } from '../../notify/slack.ts';
import { customerLabel } from './handoff-blocks.ts';
import { escapeSlackText, truncate } from './format.ts';

/** Where Meta serves message attachments (lookaside.fbsbx.com, scontent-*.fbcdn.net, …). */
export const META_MEDIA_HOSTS: readonly string[] = ['fbcdn.net', 'fbsbx.com', 'facebook.com', 'fbcdn.com', 'cdninstagram.com'];

/** Slack errors worth the Messenger worker's retry; any other refusal is final and the file is linked. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'ratelimit_exceeded']);

export interface CustomerFilesOptions {
  pool: pg.Pool;
  slack: WebClient;
  log: Logger;
  /** SLACK_FILE_MAX_MB in bytes */
  maxBytes: number;
  /** origins trusted besides Meta's CDN hosts (MESSENGER_API_URL's, so a local Graph API works) */
  trustedOrigins?: string[];
  fetch?: typeof fetch;
}

type Thread = Pick<HandoffConversation, 'id' | 'channel' | 'threadTs' | 'customerName' | 'psid'>;

const NOUN: Record<MediaKind | 'link', string> = { image: 'a photo', video: 'a video', audio: 'a voice message', file: 'a file', link: 'a link' };

/** Forwards each attachment into the conversation's thread, in order; throws on a failure worth retrying. */
export function customerFileForwarder(o: CustomerFilesOptions): (c: Thread, files: CustomerFile[]) => Promise<void> {
  const doFetch = o.fetch ?? fetch;

  async function link(c: Thread & { channel: string; threadTs: string }, f: CustomerFile, reason?: string): Promise<void> {
    const who = `*${truncate(escapeSlackText(customerLabel(c)), 200)}*`;
    const label = escapeSlackText(f.title ?? f.name).replace(/[|>]/g, '');
    const why = reason ? `\n_Not uploaded here: ${escapeSlackText(reason)}._ Meta's links expire after a while: open it soon.` : '';
    const url = f.url.replace(/\|/g, '%7C').replace(/>/g, '%3E');
    const text = `:paperclip: ${who} sent ${NOUN[f.kind]}: <${url}|${label}>${why}`;
    await postMessage(o.slack.chat, { channel: c.channel, thread_ts: c.threadTs, text, unfurl_links: false, unfurl_media: false }, o.log);
  }

  /** Whether Slack already shows the file in the channel (a share that happened before a crash). */
  async function sharedIn(fileId: string, channel: string): Promise<boolean> {
    try {
      const info = await o.slack.files.info({ file: fileId });
      const shares = (info.file as { shares?: { public?: Record<string, unknown>; private?: Record<string, unknown> } } | undefined)?.shares;
      return Boolean(shares?.public?.[channel] ?? shares?.private?.[channel]);
    } catch (err) {
      if (slackErrorCode(err) === 'file_not_found') return false;
      throw err;
    }
  }

  async function share(c: Thread & { channel: string; threadTs: string }, f: CustomerFile, fileId: string, title: string): Promise<void> {
    await markCompleting(o.pool, f.key);
    await o.slack.files.completeUploadExternal({
      files: [{ id: fileId, title }],
      channel_id: c.channel,
      thread_ts: c.threadTs,
      initial_comment: `:paperclip: ${escapeSlackText(customerLabel(c))} sent ${NOUN[f.kind]}`,
    });
    await finishHandoffFile(o.pool, f.key, 'shared');
  }

  async function upload(c: Thread & { channel: string; threadTs: string }, f: CustomerFile & { kind: MediaKind }): Promise<void> {
    if (!trustedUrl(f.url, META_MEDIA_HOSTS, o.trustedOrigins ?? [])) {
      await link(c, f, 'the link is not on Meta\'s servers, so SupportPulse did not download it');
      return finishHandoffFile(o.pool, f.key, 'linked', 'untrusted host');
    }
    const d = await downloadCapped(f.url, { maxBytes: o.maxBytes, fetch: doFetch });
    if (!d.ok) {
      const reason = d.reason === 'too_large'
        ? `it is ${d.bytes ? `${formatBytes(d.bytes)}, ` : ''}over the ${formatBytes(o.maxBytes)} limit (SLACK_FILE_MAX_MB)`
        : `it could not be downloaded from Meta (${d.detail})`;
      await link(c, f, reason);
      return finishHandoffFile(o.pool, f.key, 'linked', reason, d.reason === 'too_large' ? d.bytes : undefined);
    }
    if (!contentMatches(f.kind, d.contentType) || d.bytes.length === 0) {
      const reason = d.bytes.length === 0 ? 'Meta sent an empty file' : `Meta sent ${d.contentType || 'no content type'} for ${NOUN[f.kind]}`;
      await link(c, f, reason);
      return finishHandoffFile(o.pool, f.key, 'linked', reason, d.bytes.length);
    }
    const name = withExtension(f.name, d.contentType);
    const reserved = await o.slack.files.getUploadURLExternal({ filename: name, length: d.bytes.length });
    if (!reserved.upload_url || !reserved.file_id) throw new Error('slack: files.getUploadURLExternal answered without upload_url or file_id');
    await markUploading(o.pool, f.key, reserved.file_id, d.bytes.length);
    const res = await doFetch(reserved.upload_url, { method: 'POST', headers: { 'content-type': d.contentType || 'application/octet-stream' }, body: new Uint8Array(d.bytes), signal: AbortSignal.timeout(120_000) });
    await res.body?.cancel().catch(() => {});
    if (res.status !== 200) throw new Error(`slack: the upload URL answered HTTP ${res.status}`);
    await share(c, f, reserved.file_id, f.title ?? name);
  }

  async function forwardOne(c: Thread & { channel: string; threadTs: string }, f: CustomerFile): Promise<void> {
    const row = await claimHandoffFile(o.pool, { key: f.key, conversationId: c.id, kind: f.kind, sourceUrl: f.url });
    if (row.state === 'shared' || row.state === 'linked') {
      o.log.info({ conversationId: c.id, key: f.key, state: row.state }, 'handoff: attachment already in the thread');
      return;
    }
    try {
      if (row.state === 'completing' && row.slackFileId) {
        // the share may have happened before the last attempt stopped: Slack knows
        if (await sharedIn(row.slackFileId, c.channel)) return finishHandoffFile(o.pool, f.key, 'shared');
        // not shared: the bytes are with Slack already, share them; a file Slack forgot is uploaded again
        const again = await share(c, f, row.slackFileId, f.title ?? f.name).then(() => true, (err: unknown) => {
          if (slackErrorCode(err) === 'file_not_found') return false;
          throw err;
        });
        if (again) return;
      }
      if (f.kind === 'link') {
        await link(c, f);
        return finishHandoffFile(o.pool, f.key, 'linked');
      }
      await upload(c, f as CustomerFile & { kind: MediaKind });
    } catch (err) {
      const code = slackErrorCode(err);
      if (!code || TRANSIENT.has(code)) throw err;
      // Slack refused for good (uploads disabled, not in the channel…): the link still helps
      o.log.warn({ err: code, conversationId: c.id, key: f.key }, 'handoff: Slack refused the upload, linking the attachment');
      const reason = `Slack refused the upload (${code})`;
      await link(c, f, reason);
      await finishHandoffFile(o.pool, f.key, 'linked', reason);
    }
  }

  return async (c, files) => {
    if (!c.channel || !c.threadTs) return;
    const thread = { ...c, channel: c.channel, threadTs: c.threadTs };
    for (const f of files) await forwardOne(thread, f);
  };
}
