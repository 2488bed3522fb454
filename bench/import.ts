import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { importPath } from '../src/import/index.ts';
import { importPool } from '../tests/helpers/root.ts';
import { baselineCopy, intArg, peakRssMb, round, withThrowawayPostgres } from './lib/common.ts';
import { ownCpuSeconds, postgresCpuSeconds } from './lib/cpu.ts';

// Imports an N-message social-inbox CSV (default 1,000,000), generated into a temp file, and
// compares the rate with a baseline measured in the same run: a raw COPY of the same
// messages into a bare table (the messages columns; no indexes, keys or foreign keys).
//   npm run bench -- import [--messages N]

const log = (msg: string) => process.stderr.write(`[bench:import] ${msg}\n`);



const PAGES = [
  { id: '104882371956210', name: 'Sunny Shop' },
  { id: '108357902144683', name: 'Sunny Travel' },
  { id: '112640087532914', name: 'Sunny Outlet' },
];
const CUSTOMER_LINES = ['Hi, where is my order #{n}?', 'Can I change the delivery address, please?', 'It arrived damaged 😞', 'Do you ship to "Spain", Portugal or Italy?', 'thanks!'];
const AGENT_LINES = ['Hello! Let me check that for you.', 'Your order #{n} left our warehouse today, it should arrive in 2-3 days.', 'Sorry about that – a replacement is on its way.', 'Yes, we ship to all of them, free over 50 €.'];
const AGENTS = [{ id: 'U01', name: 'Ann' }, { id: 'U02', name: 'Bob' }, { id: 'bot', name: 'Sunny Bot', type: 'bot' }];
const START = Date.UTC(2026, 7, 1);

interface Msg {
  chat: string;
  mid: string;
  page: (typeof PAGES)[number];
  toCompany: boolean;
  text: string;
  atMs: number;
  agent: (typeof AGENTS)[number] | null;
}

/** Deterministic conversations of ~20 messages; the CSV and the baseline see the same ones. */
function* generate(n: number): Generator<Msg> {
  let seed = 20261122;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let i = 0;
  for (let c = 0; i < n; c++) {
    const page = PAGES[c % PAGES.length]!;
    const length = 6 + Math.floor(rand() * 28);
    let at = START + Math.floor(rand() * 90 * 86_400_000);
    for (let k = 0; k < length && i < n; k++, i++) {
      const toCompany = k % 2 === 0;
      const lines = toCompany ? CUSTOMER_LINES : AGENT_LINES;
      at += 5_000 + Math.floor(rand() * 600_000);
      yield {
        chat: `t_bench_${c}`,
        mid: `m_bench_${i}`,
        page,
        toCompany,
        text: lines[Math.floor(rand() * lines.length)]!.replace('{n}', String(10_000 + c)),
        atMs: at,
        agent: toCompany ? null : AGENTS[Math.floor(rand() * AGENTS.length)]!,
      };
    }
  }
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function writeCsv(file: string, n: number): Promise<void> {
  async function* chunks() {
    let chunk = 'fb_chat_id,message_id,direction,message_content,social_create_time,agent_info,page_id,page_name\n';
    for (const m of generate(n)) {
      chunk += `${m.chat},${m.mid},${m.toCompany ? 'to_company' : 'to_client'},${csvCell(m.text)},${new Date(m.atMs).toISOString()},${m.agent ? csvCell(JSON.stringify(m.agent)) : ''},${m.page.id},${m.page.name}\n`;
      if (chunk.length >= 1 << 20) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk;
  }
  await pipeline(Readable.from(chunks()), createWriteStream(file));
}

const copyText = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

/** The same messages as COPY text rows of the messages columns, for the baseline. */
function* baselineRows(n: number): Generator<string> {
  const conversations = new Map<string, number>();
  let chunk = '';
  let id = 0;
  for (const m of generate(n)) {
    let conv = conversations.get(m.chat);
    if (conv === undefined) conversations.set(m.chat, (conv = conversations.size + 1));
    const agent = m.agent ? copyText(JSON.stringify(m.agent)) : '\\N';
    chunk += `${++id}\t${conv}\t${m.mid}\t${m.toCompany ? 'to_company' : 'to_client'}\t${m.toCompany ? 'customer' : m.agent?.id === 'bot' ? 'bot' : 'human_agent'}\t${copyText(m.text)}\t\\N\t${new Date(m.atMs).toISOString()}\t${agent}\t${new Date(m.atMs).toISOString()}\n`;
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

const baseline = (url: string, n: number) =>
  baselineCopy(url, 'id, conversation_id, mid, direction, sender_kind, text, attachments, social_create_time, agent_info, created_at', baselineRows(n));
export async function run(args: string[]): Promise<void> {
  const messages = intArg(args, '--messages', 1_000_000);
  await withThrowawayPostgres(log, async (url, dir) => {
    const csv = path.join(dir, 'inbox.csv');
    const genStarted = performance.now();
    await writeCsv(csv, messages);
    const bytes = (await stat(csv)).size;
    log(`generated ${messages} messages, ${(bytes / 1e6).toFixed(1)} MB of CSV in ${((performance.now() - genStarted) / 1000).toFixed(1)} s`);

    log(`baseline: raw COPY of ${messages} message rows into a bare table`);
    const base = await baseline(url, messages);
    const baselineRowsPerSecond = base.rows / base.seconds;
    log(`baseline: ${base.rows} rows in ${base.seconds.toFixed(2)} s (${Math.round(baselineRowsPerSecond)} rows/s)`);

    log(`import: ${csv}`);
    const pgDir = path.join(dir, 'pg');
    const cpuBefore = { node: ownCpuSeconds(), pg: postgresCpuSeconds(pgDir) };
    const started = performance.now();
    let last = started;
    const phases: Record<string, number> = {};
    const imports = importPool(url, 1);
    const result = await importPath(imports, csv, {
      timezone: 'UTC',
      onPhase: (name, ms) => {
        phases[name] = round(ms / 1000);
        log(`import: phase ${name} ${(ms / 1000).toFixed(2)} s`);
      },
      onProgress: (rows) => {
        if (performance.now() - last < 5_000) return;
        last = performance.now();
        log(`import: ${rows} rows, ${((last - started) / 1000).toFixed(1)} s, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    // where the import's time went: node's CPU and PostgreSQL's, on the same cores
    const cpuSeconds = { node: round(ownCpuSeconds() - cpuBefore.node), postgres: round(postgresCpuSeconds(pgDir) - cpuBefore.pg) };
    await imports.end();
    if (result.inserted !== messages) throw new Error(`expected ${messages} new messages, got ${JSON.stringify({ ...result, errors: result.errors.slice(0, 5), conversationIds: result.conversationIds.length })}`);
    const messagesPerSecond = result.inserted / seconds;
    log(`import: ${result.inserted} messages in ${result.conversationIds.length} conversations, ${seconds.toFixed(2)} s`);
    console.log(
      JSON.stringify({
        bench: 'import',
        messages: result.inserted,
        conversations: result.conversationIds.length,
        csvMb: round(bytes / 1e6),
        seconds: round(seconds),
        messagesPerSecond: Math.round(messagesPerSecond),
        baselineRows: base.rows,
        baselineSeconds: round(base.seconds),
        baselineRowsPerSecond: Math.round(baselineRowsPerSecond),
        ratio: round(messagesPerSecond / baselineRowsPerSecond),
        phaseSeconds: phases,
        cpuSeconds,
        peakRssMb: peakRssMb(),
      }),
    );
  });
}
