import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  CONVERSATION_COLUMNS, CUSTOMER_COLUMNS, MESSAGE_COLUMNS, QA_EVENT_COLUMNS, SESSION_COLUMNS,
  conversationRow, customerRow, messageRow, qaEventRow, sessionRow,
} from './rows.ts';
import type { GenConversation } from './types.ts';
import { transaction } from '../pool.ts';

// A batch is a self-contained slice of the dataset (its conversations with their customers,
// messages, sessions and QA events) held as COPY text and written in one transaction.

const CHUNK_CHARS = 64 * 1024;

/**
 * COPY text, encoded to Buffers every CHUNK_CHARS. Short-lived strings die in V8's young
 * generation; a batch held as strings until its COPY would be promoted to the old generation
 * and inflate the heap by tens of MB per batch before a full GC reclaims it.
 */
class CopyBuffer {
  private chunks: Buffer[] = [];
  private current = '';
  rows = 0;

  add(line: string): void {
    this.current += line;
    this.rows++;
    if (this.current.length >= CHUNK_CHARS) this.seal();
  }

  private seal(): void {
    this.chunks.push(Buffer.from(this.current, 'utf8'));
    this.current = '';
  }

  /** Hands the data over once, so it can be collected as soon as its COPY is done. */
  take(): Buffer[] {
    if (this.current) this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    return chunks;
  }
}

export interface BatchCounts {
  conversations: number;
  messages: number;
  sessions: number;
  qaEvents: number;
}

export class Batch {
  private readonly customers = new CopyBuffer();
  private readonly conversations = new CopyBuffer();
  private readonly messages = new CopyBuffer();
  private readonly sessions = new CopyBuffer();
  private readonly qaEvents = new CopyBuffer();
  /** messages per page id, for the page counters */
  readonly perPage = new Map<number, { conversations: number; messages: number }>();

  constructor(private readonly userIds: ReadonlyMap<string, number>) {}

  get messageCount(): number {
    return this.messages.rows;
  }

  get counts(): BatchCounts {
    return { conversations: this.conversations.rows, messages: this.messages.rows, sessions: this.sessions.rows, qaEvents: this.qaEvents.rows };
  }

  add(c: GenConversation): void {
    this.customers.add(customerRow(c));
    this.conversations.add(conversationRow(c, this.userIds));
    for (const m of c.messages) this.messages.add(messageRow(c.id, m, c.page.botName));
    for (const s of c.sessions) this.sessions.add(sessionRow(c.id, s, this.userIds));
    for (const e of c.qaEvents) this.qaEvents.add(qaEventRow(e, this.userIds));
    const page = this.perPage.get(c.page.id) ?? { conversations: 0, messages: 0 };
    page.conversations++;
    page.messages += c.messages.length;
    this.perPage.set(c.page.id, page);
  }

  /** Parents before children: foreign keys are checked row by row as the rows arrive. */
  async write(client: pg.ClientBase): Promise<void> {
    await transaction(client, async () => {
      await copyInto(client, `customers (${CUSTOMER_COLUMNS})`, this.customers);
      await copyInto(client, `conversations (${CONVERSATION_COLUMNS})`, this.conversations);
      await copyInto(client, `messages (${MESSAGE_COLUMNS})`, this.messages);
      await copyInto(client, `sessions (${SESSION_COLUMNS})`, this.sessions);
      await copyInto(client, `qa_events (${QA_EVENT_COLUMNS})`, this.qaEvents);
    });
  }
}

/** Streams the chunks with backpressure: pipeline waits for 'drain' and surfaces COPY errors. */
async function copyInto(client: pg.ClientBase, target: string, buffer: CopyBuffer): Promise<void> {
  if (buffer.rows === 0) return;
  await pipeline(Readable.from(buffer.take(), { objectMode: false }), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
}

/**
 * Runs write tasks on a fixed set of connections, at most one per connection. A failed task
 * is remembered and rethrown by the next submit() or by drain(), so no rejection goes unheard.
 */
export class WriterPool {
  private readonly idle: pg.ClientBase[];
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(clients: pg.ClientBase[]) {
    this.idle = [...clients];
  }

  async submit(task: (client: pg.ClientBase) => Promise<void>): Promise<void> {
    while (this.idle.length === 0) await Promise.race(this.running);
    this.rethrow();
    const client = this.idle.pop()!;
    const run: Promise<void> = task(client)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running.delete(run);
        this.idle.push(client);
      });
    this.running.add(run);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    this.rethrow();
  }

  /** Waits for every running task, ignoring failures (they are already recorded). */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
