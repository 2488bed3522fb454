import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PG_EPOCH_MS, SIGNATURE, TWO_32 } from './copy-binary.js';

// Reading many rows in COPY's binary format: the server sends integers and times as they are
// stored (no text to build), and node reads them straight from the bytes, decoding only the
// strings it keeps. The caller reads each row's fields in its SELECT's order, each with the
// reader for that column's type.


/** Runs `COPY (…) TO STDOUT (FORMAT binary)` and returns a reader over its rows. */
export async function copyOutBinary(client: pg.ClientBase, query: string): Promise<BinaryRows> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return new BinaryRows(Buffer.concat(chunks));
}

export class BinaryRows {
  private pos: number;

  constructor(private readonly buf: Buffer) {
    if (buf.length < 19 || !buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('not COPY binary data');
    this.pos = 19 + buf.readInt32BE(15); // after the flags and the header extension
  }

  /** Moves to the next row; false after the last one. */
  next(): boolean {
    if (this.pos + 2 > this.buf.length) throw new Error('COPY binary data ends without its trailer');
    const fields = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return fields !== -1;
  }

  /** The next field's length, its value's start then at `pos`; -1 for NULL. */
  private field(): number {
    const len = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return len;
  }

  private notNull(len: number, type: string): void {
    if (len === -1) throw new TypeError(`COPY binary: NULL where ${type} was expected`);
  }

  int4(): number {
    this.notNull(this.field(), 'int4');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bool(): boolean {
    this.notNull(this.field(), 'bool');
    return this.buf[this.pos++] === 1;
  }

  /** A timestamptz as Unix milliseconds (a fraction of a millisecond dropped, towards the past). */
  timestampMs(): number {
    this.notNull(this.field(), 'timestamptz');
    const us = this.buf.readInt32BE(this.pos) * TWO_32 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return Math.floor(us / 1000) + PG_EPOCH_MS;
  }

  /** text, varchar or an enum label; null for NULL. */
  text(): string | null {
    const len = this.field();
    if (len === -1) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /**
   * A value that is one of a few known ASCII strings (an enum's labels, a set of labels),
   * returned as that very string without decoding; anything else is decoded. Null for NULL.
   * (Bytes are compared with char codes, which only means the same for ASCII.)
   */
  oneOf<T extends string>(known: readonly T[]): T | string | null {
    const len = this.field();
    if (len === -1) return null;
    const { buf, pos } = this;
    this.pos += len;
    outer: for (const k of known) {
      if (k.length !== len) continue;
      for (let i = 0; i < len; i++) if (buf[pos + i] !== k.charCodeAt(i)) continue outer;
      return k;
    }
    return buf.toString('utf8', pos, pos + len);
  }
}
