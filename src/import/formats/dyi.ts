import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline, type Duplex } from 'node:stream';
import Assembler from 'stream-json/assembler.js';
import pick from 'stream-json/filters/pick.js';
import replace from 'stream-json/filters/replace.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import { buildRow } from '../rows.js';
import { repairMojibake } from '../text.js';
import { TimeParser } from '../time.js';
import type { Parsed, ReaderContext, Source } from '../types.js';
import { resolveOwner } from './dyi-owner.js';

// Facebook "Download Your Information" Messenger export: messages/inbox/<thread>/message_N.json,
// one JSON object per file with participants, messages, title and thread_path. A long
// thread is split over message_1.json, message_2.json, ...: all files of one thread_path
// are one conversation. Each file is streamed twice with stream-json, never held whole:
// first for its header (the messages array replaced by `true`), then message by message.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ThreadFile {
  file: string;
  /** how errors name it: the path inside the export, or the uploaded file's name */
  display: string;
  threadKey: string;
  participants: string[];
}

/** The file's top-level fields with `messages` replaced by `true`; null when it is not a JSON object. */
export async function readHeader(file: string): Promise<Record<string, unknown> | null> {
  const asm = new Assembler();
  const tokens = pipeline(createReadStream(file), replace.withParserAsStream({ filter: 'messages', replacement: true }), () => {});
  try {
    for await (const token of tokens as AsyncIterable<Parameters<Assembler['consume']>[0]>) asm.consume(token);
  } catch {
    return null;
  }
  return asm.done && isObject(asm.current) ? asm.current : null;
}

export const isThreadHeader = (h: Record<string, unknown> | null): h is Record<string, unknown> =>
  h !== null && h.messages === true && Array.isArray(h.participants);

/**
 * The thread a file belongs to: thread_path when present (it names the folder, e.g.
 * "inbox/janedoe_abc123"); else the folder when walking an export; else the participants.
 */
export function threadFile(file: string, display: string, header: Record<string, unknown>, inFolder: boolean): ThreadFile {
  const participants = (header.participants as unknown[])
    .map((p) => (isObject(p) && typeof p.name === 'string' ? repairMojibake(p.name).trim() : ''))
    .filter(Boolean);
  const threadPath = typeof header.thread_path === 'string' && header.thread_path.trim() ? repairMojibake(header.thread_path.trim()) : null;
  const dir = path.dirname(file);
  const threadKey =
    threadPath ?? (inFolder ? `${path.basename(path.dirname(dir))}/${path.basename(dir)}` : `participants:${[...participants].sort().join('|')}`);
  return { file, display, threadKey, participants };
}

/** The owner is resolved when rows are asked for, so the upload already says which format failed. */
export function dyiSource(threads: ThreadFile[], ctx: ReaderContext): Source {
  return { format: 'facebook-dyi', rows: () => dyiRows(threads, resolveOwner(threads, ctx.owner), ctx) };
}

async function* dyiRows(files: ThreadFile[], owner: string, ctx: ReaderContext): AsyncGenerator<Parsed> {
  const time = new TimeParser(ctx.timezone);
  const ordered = [...files].sort((a, b) => a.threadKey.localeCompare(b.threadKey) || a.display.localeCompare(b.display));
  for (const f of ordered) {
    const customer = f.participants.find((p) => p !== owner) ?? null;
    let index = -1;
    const items = pipeline(createReadStream(f.file), pick.withParserAsStream({ filter: 'messages' }), streamArray.asStream() as Duplex, () => {});
    try {
      for await (const item of items as AsyncIterable<{ key: number; value: unknown }>) {
        index = item.key;
        yield messageRow(item.value, `${f.display}#messages[${index}]`, f, owner, customer, time);
      }
    } catch (err) {
      yield { error: { line: `${f.display}#messages[${index + 1}]`, reason: `invalid JSON, rest of the file skipped: ${(err as Error).message}` } };
    }
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? repairMojibake(v) : null);

function media(m: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const [key, type] of [['photos', 'image'], ['gifs', 'image'], ['videos', 'video'], ['audio_files', 'audio'], ['files', 'file']] as const) {
    const list = m[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) if (isObject(item) && typeof item.uri === 'string') out.push({ type, payload: { uri: repairMojibake(item.uri) } });
  }
  if (isObject(m.sticker) && typeof m.sticker.uri === 'string') out.push({ type: 'sticker', payload: { uri: repairMojibake(m.sticker.uri) } });
  if (isObject(m.share)) out.push({ type: 'share', payload: { url: str(m.share.link), text: str(m.share.share_text) } });
  if (typeof m.call_duration === 'number') out.push({ type: 'call', payload: { duration_seconds: m.call_duration } });
  return out;
}

function messageRow(m: unknown, line: string, f: ThreadFile, owner: string, customer: string | null, time: TimeParser): Parsed {
  if (!isObject(m)) return { error: { line, reason: 'not a message object' } };
  const sender = str(m.sender_name)?.trim();
  if (!sender) return { error: { line, reason: 'missing sender_name' } };
  if (typeof m.timestamp_ms !== 'number') return { error: { line, reason: 'missing or non-numeric timestamp_ms' } };
  const at = time.parse(m.timestamp_ms);
  if ('error' in at) return { error: { line, reason: `timestamp_ms: ${at.error}` } };
  // No documented field marks automated page replies in these exports: every page message counts as a person's.
  const fromPage = sender === owner;
  return buildRow(
    {
      chatKey: `dyi:${f.threadKey}`,
      mid: null,
      direction: fromPage ? 'to_client' : 'to_company',
      senderKind: fromPage ? 'human_agent' : 'customer',
      text: str(m.content),
      attachments: media(m),
      atMs: at.ms,
      agentInfo: fromPage ? { name: sender } : null,
      pageFbId: `dyi:${owner}`,
      pageName: owner,
      // Messenger threads with a page are one per person, so the thread identifies the customer.
      customerPsid: customer ? `dyi:${f.threadKey}` : null,
      customerName: customer,
      sender,
    },
    line,
    { chatKey: 'thread_path', mid: 'mid', text: 'content', sender: 'sender_name', pageFbId: 'owner', pageName: 'owner', customerPsid: 'thread_path', customerName: 'participants', attachments: 'attachments', agentInfo: 'sender_name' },
  );
}
