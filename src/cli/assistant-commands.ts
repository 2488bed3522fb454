import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { AssistantReply } from '../agents/assistant/assistant.js';
import { withRoot } from './root.js';

type Out = (line: string) => void;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'chart';

/** Writes the reply's charts under `dir` and returns their paths. */
async function saveCharts(reply: AssistantReply, dir: string): Promise<string[]> {
  if (reply.charts.length === 0) return [];
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const paths: string[] = [];
  for (const [i, c] of reply.charts.entries()) {
    const file = path.join(dir, `${slug(c.title)}-${stamp}${i ? `-${i + 1}` : ''}.png`);
    await writeFile(file, c.png);
    paths.push(file);
  }
  return paths;
}

function asJson(question: string, reply: AssistantReply, charts: string[]): string {
  return JSON.stringify(
    {
      question,
      answer: reply.text,
      model: reply.model,
      charts,
      toolCalls: reply.toolCalls.map((c) => ({
        name: c.name,
        args: c.args,
        sql: c.sql,
        ...(c.rows ? { rows: c.rows } : {}),
        ...(c.error ? { error: c.error } : {}),
        result: c.result,
      })),
    },
    null,
    2,
  );
}

async function withAssistant<T>(config: Config, fn: (a: import('../agents/assistant/assistant.js').Assistant, note?: string) => Promise<T>): Promise<T> {
  // Loaded on use: LangChain is heavy and `pulse --help` needs none of it. Its loading (CPU)
  // starts first and overlaps the database's start and the migrations check (I/O).
  const loading = import('../root/assistant.js');
  loading.catch(() => {}); // awaited below; a failure before then must not be "unhandled"
  return withRoot(config, async (root) => {
    const { openAssistant } = await loading;
    const opened = await openAssistant(config, root.url, { pool: root.pools.api });
    try {
      return await fn(opened.assistant, opened.sqlUnavailable);
    } finally {
      await opened.close();
    }
  });
}

async function chat(config: Config, out: Out, outDir: string): Promise<void> {
  await withAssistant(config, async (assistant, sqlNote) => {
    const thread = { channel: 'cli', threadKey: `chat-${randomUUID()}` };
    out(`SupportPulse assistant (${assistant.modelName}; timezone ${config.businessTimezone}). Ask a question, "help" for examples, "exit" to leave.`);
    if (sqlNote) out(`note: sql_query is off: ${sqlNote}`);
    // The async iterator buffers lines typed (or piped) while an answer is being computed;
    // rl.question() would drop them.
    const rl = createInterface({ input: process.stdin, terminal: false });
    const prompt = () => process.stdout.write('you> ');
    prompt();
    try {
      for await (const raw of rl) {
        const line = raw.trim();
        if (/^(exit|quit|\\q)$/i.test(line)) break;
        if (line) {
          try {
            const reply = await assistant.ask(thread, line);
            out(reply.text);
            for (const p of await saveCharts(reply, outDir)) out(`chart saved: ${p}`);
          } catch (err) {
            out(`error: ${(err as Error).message}`);
          }
        }
        prompt();
      }
    } finally {
      rl.close();
      out('');
    }
  });
}

export function registerAssistantCommands(program: Command, config: () => Config, out: Out): void {
  program
    .command('ask')
    .description('ask the team-lead assistant one question and print the answer')
    .argument('<question...>', 'the question, e.g. "What was the CSI last week?"')
    .option('--json', 'print the answer with its tool calls, SQL and rows as JSON')
    .option('--thread <key>', 'continue a conversation: follow-ups in the same thread remember earlier questions')
    .option('--out <dir>', 'where charts are saved', 'out')
    .action(async (words: string[], opts: { json?: boolean; thread?: string; out: string }) => {
      const question = words.join(' ');
      await withAssistant(config(), async (assistant) => {
        const reply = await assistant.ask({ channel: 'cli', threadKey: opts.thread ?? `ask-${randomUUID()}` }, question);
        const charts = await saveCharts(reply, opts.out);
        if (opts.json) {
          out(asJson(question, reply, charts));
          return;
        }
        out(reply.text);
        for (const p of charts) out(`chart saved: ${p}`);
      });
    });

  program
    .command('chat')
    .description('a conversation with the team-lead assistant in the terminal (charts saved under ./out/)')
    .option('--out <dir>', 'where charts are saved', 'out')
    .action((opts: { out: string }) => chat(config(), out, opts.out));
}
