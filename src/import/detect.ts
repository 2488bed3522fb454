import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { csvSource, sniffCsv } from './formats/csv.js';
import { dyiSource, isThreadHeader, readHeader, threadFile, type ThreadFile } from './formats/dyi.js';
import { jsonlKeysProblem, jsonlSource } from './formats/jsonl.js';
import { PULSE_TYPE, PULSE_VERSION } from './formats/pulse-jsonl.js';
import type { ReaderContext, Source } from './types.js';

// Formats are recognised by what the file contains, never by its name: uploads arrive
// with arbitrary names, and inbox tools name their exports however they like.

const HEAD_BYTES = 64 * 1024;

export const SUPPORTED =
  'Supported: a Facebook "Download Your Information" Messenger export (the folder, or one message_N.json), ' +
  'CSV or JSON Lines from social-inbox tools (columns such as fb_chat_id, message_content, direction, social_create_time), ' +
  `and SupportPulse JSONL (type "${PULSE_TYPE}").`;

export function unknownFormat(what: string): AppError {
  return new AppError('BAD_REQUEST', `unrecognised file format: found ${what}. ${SUPPORTED}`);
}

async function readHead(file: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyList = (o: Record<string, unknown>) => Object.keys(o).slice(0, 12).join(', ') || 'none';

export async function detectSource(target: string, ctx: ReaderContext): Promise<Source> {
  if ((await stat(target)).isDirectory()) return detectFolder(target, ctx);
  const head = await readHead(target);
  if (head.length === 0) throw unknownFormat('an empty file');
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    throw unknownFormat('a ZIP archive (unzip it and import the extracted folder)');
  }
  if (head[0] === 0x1f && head[1] === 0x8b) throw unknownFormat('a gzip-compressed file (decompress it first)');
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw unknownFormat('UTF-16 text (save the file as UTF-8)');
  }
  if (looksBinary(head)) throw unknownFormat('binary data, not text');

  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const body = text.trimStart();
  if (body.startsWith('[')) throw unknownFormat('a JSON array (JSON input must be one object per line, or a Facebook thread file)');
  if (!body.startsWith('{')) {
    const csv = sniffCsv(text, ctx);
    if ('unknown' in csv) throw unknownFormat(csv.unknown);
    return csvSource(target, csv.layout, ctx);
  }

  const nl = body.indexOf('\n');
  const first = tryParse(nl < 0 ? body : body.slice(0, nl));
  if (isObject(first)) {
    if (first.type === PULSE_TYPE) {
      if (first.v !== PULSE_VERSION) throw unknownFormat(`a SupportPulse export of version ${JSON.stringify(first.v)} (this version reads v${PULSE_VERSION})`);
      return jsonlSource(target, ctx, 'pulse-jsonl');
    }
    if (!('participants' in first && 'messages' in first)) {
      const problem = jsonlKeysProblem(first, ctx);
      if (problem) throw unknownFormat(problem);
      return jsonlSource(target, ctx, 'jsonl');
    }
  }
  // A pretty-printed object (Facebook writes them indented), or a one-line thread file.
  const header = await readHeader(target);
  if (header === null) throw unknownFormat('text starting with "{" that is neither JSON Lines nor a valid JSON object');
  if (!isThreadHeader(header)) throw unknownFormat(`a JSON object without participants/messages (its keys: ${keyList(header)})`);
  return dyiSource([threadFile(target, ctx.displayName, header, false)], ctx);
}

/**
 * Control bytes are ~10% of compressed or media data and almost absent from text. One stray
 * NUL in a CSV is a bad row to report, not a reason to refuse the file.
 */
function looksBinary(head: Buffer): boolean {
  let control = 0;
  for (const b of head) if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) control++;
  return control > head.length * 0.03;
}

function tryParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** A folder is a Facebook export: every JSON object with participants and messages in it is a thread file. */
async function detectFolder(root: string, ctx: ReaderContext): Promise<Source> {
  const threads: ThreadFile[] = [];
  let looked = 0;
  for (const file of await walk(root)) {
    looked++;
    const head = (await readHead(file, 512)).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (!head.startsWith('{')) continue; // photos, videos and other files of the export
    const header = await readHeader(file);
    if (isThreadHeader(header)) threads.push(threadFile(file, path.relative(root, file).split(path.sep).join('/'), header, true));
  }
  if (threads.length === 0) {
    throw unknownFormat(`a folder with no Facebook Messenger thread files (${looked} files looked at; none is a JSON object with participants and messages)`);
  }
  return dyiSource(threads, ctx);
}

/** Regular files under root, sorted for a stable order; symlinks are not followed. */
async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(root, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Bytes an import reads: the file, or every file under a folder. */
export async function sizeOf(target: string): Promise<number> {
  const s = await stat(target);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const f of await walk(target)) total += (await stat(f)).size;
  return total;
}
