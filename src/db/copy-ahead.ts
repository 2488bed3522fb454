import type pg from 'pg';
import type { BinaryCopy } from './copy-binary.js';

// COPY … FROM STDIN with its data written right behind the statement, in the same write,
// instead of after the server's CopyInResponse: one round trip per COPY instead of two. An
// import batch makes four COPYs, each of which waited for a reply that can only be read when
// node's event loop gets to it, between two chunks of parsing (docs/IMPORT.md, "7 December,
// afternoon"). The protocol allows it: CopyData and CopyDone that reach the server after the
// COPY failed, or when the statement never started one, "will simply be dropped" (PostgreSQL
// protocol, COPY operations), so a failed COPY leaves the connection as pg-copy-streams does.
//
// `before` may hold statements the same Query runs first ("BEGIN; SET LOCAL …; "), and `after`
// statements it runs last (an upsert that returns rows; a batch's journal row and its COMMIT).
// Rows come back as text, as the server sends them, one list per statement that returns rows.
// Several COPYs may share the Query too, each with its own rows and CopyDone, in order: one
// ReadyForQuery ends the whole string, and an error in any part of it fails the call; the rest
// of the string is then skipped, and the rows sent for later COPYs are dropped with it.

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4

/** What node-postgres hands a custom query object (pg.Connection's socket is not in its types). */
interface Wire {
  query(text: string): void;
  stream: { write(chunk: Buffer): boolean };
}

/** The rows of one statement that returned rows, each value as the server's text (null as null). */
export type TextRows = (string | null)[][];

/** What a Query of copyAllAhead did: the rows copied in all, and the rows of its other statements. */
export interface AheadResult {
  copied: number;
  results: TextRows[];
}

class CopyAhead implements pg.Submittable {
  rowCount = 0;
  private readonly results: TextRows[] = [];
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly data: Buffer[],
    private readonly resolve: (result: AheadResult) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  submit(connection: pg.Connection): void {
    const wire = connection as unknown as Wire;
    wire.query(this.text);
    for (const data of this.data) {
      const head = Buffer.allocUnsafe(5);
      head[0] = COPY_DATA;
      head.writeUInt32BE(data.length + 4, 1);
      wire.stream.write(head);
      wire.stream.write(data);
      wire.stream.write(COPY_DONE);
    }
  }

  /** Empty, but present: pg wraps it with its query_timeout, and calls it to clear that. */
  callback(): void {}

  handleCopyInResponse(): void {}

  handleRowDescription(): void {
    this.results.push([]);
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.results[this.results.length - 1]!.push(msg.fields);
  }

  handleEmptyQuery(): void {}

  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rowCount += Number(m[1]);
  }

  // pg ends the query on ReadyForQuery, or on an ErrorResponse (its ReadyForQuery then finds no
  // query); a broken connection comes as an error too.
  handleReadyForQuery(): void {
    this.settle(undefined);
  }

  handleError(err: Error): void {
    this.settle(err);
  }

  private settle(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.callback();
    if (err) this.reject(err);
    else this.resolve({ copied: this.rowCount, results: this.results });
  }
}

/** One COPY of a finished BinaryCopy: `target` is the table and its columns, as `COPY target FROM STDIN`. */
export interface CopyIn {
  target: string;
  data: BinaryCopy;
}

/**
 * `COPY target FROM STDIN (FORMAT binary)` of a finished BinaryCopy in one round trip, after the
 * statements of `before` (each ending with `;`) in the same Query. Resolves with the rows copied.
 */
export async function copyBinaryAhead(client: pg.ClientBase, target: string, data: BinaryCopy, before = ''): Promise<number> {
  return (await copyAllAhead(client, [{ target, data }], before)).copied;
}

/**
 * Several COPYs in one Query and one round trip, in order, between the statements of `before`
 * (each ending with `;`) and of `after`. Resolves with the rows copied in all and the rows of
 * the statements that returned some (as text); the first error fails the call and skips the rest.
 */
export function copyAllAhead(client: pg.ClientBase, copies: readonly CopyIn[], before = '', after = ''): Promise<AheadResult> {
  const statements = copies.map((c) => `COPY ${c.target} FROM STDIN (FORMAT binary)`);
  if (after !== '') statements.push(after);
  return new Promise<AheadResult>((resolve, reject) => {
    client.query(new CopyAhead(`${before}${statements.join('; ')}`, copies.map((c) => c.data.finish()), resolve, reject));
  });
}
