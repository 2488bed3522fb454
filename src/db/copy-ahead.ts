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
// `before` may hold statements the same Query runs first ("BEGIN; SET LOCAL …; "): one
// ReadyForQuery ends the whole string, and an error in any part of it fails the call.

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4

/** What node-postgres hands a custom query object (pg.Connection's socket is not in its types). */
interface Wire {
  query(text: string): void;
  stream: { write(chunk: Buffer): boolean };
}

class CopyAhead implements pg.Submittable {
  rowCount = 0;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
    private readonly resolve: (rows: number) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  submit(connection: pg.Connection): void {
    const wire = connection as unknown as Wire;
    wire.query(this.text);
    const head = Buffer.allocUnsafe(5);
    head[0] = COPY_DATA;
    head.writeUInt32BE(this.data.length + 4, 1);
    wire.stream.write(head);
    wire.stream.write(this.data);
    wire.stream.write(COPY_DONE);
  }

  /** Empty, but present: pg wraps it with its query_timeout, and calls it to clear that. */
  callback(): void {}

  handleCopyInResponse(): void {}

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
    else this.resolve(this.rowCount);
  }
}

/**
 * `COPY target FROM STDIN (FORMAT binary)` of a finished BinaryCopy in one round trip, after the
 * statements of `before` (each ending with `;`) in the same Query. Resolves with the rows copied.
 */
export function copyBinaryAhead(client: pg.ClientBase, target: string, data: BinaryCopy, before = ''): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    client.query(new CopyAhead(`${before}COPY ${target} FROM STDIN (FORMAT binary)`, data.finish(), resolve, reject));
  });
}
