// COPY's binary format, written straight into one Buffer per COPY. Against the text format it
// spares node a COPY line per row (escaping, toISOString, one long string converted to bytes
// at the end) and PostgreSQL the parsing of it (splitting lines, reading times and numbers):
// on a million imported messages both sides did a second or more of it each. Each value must
// be written in the binary form of its column's exact type (int4, float8, timestamptz, ...);
// an enum and text take their UTF-8 bytes, jsonb a version byte before its text.

/** The binary format's header signature, also checked by the reader (copy-out.ts). */
export const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** 2000-01-01T00:00:00Z, PostgreSQL's epoch for timestamps, in Unix milliseconds. */
export const PG_EPOCH_MS = 946_684_800_000;
export const TWO_32 = 4_294_967_296;
const TEXT_OID = 25;
/** Strings shorter than this are copied byte by byte when plain ASCII: cheaper than a call into buf.write. */
const SHORT = 64;

export class BinaryCopy {
  private buf: Buffer;
  private pos = 0;
  rows = 0;

  constructor(sizeHint = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(sizeHint, 64));
    SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, 11); // flags
    this.buf.writeInt32BE(0, 15); // header extension length
    this.pos = 19;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A 32-bit big-endian integer at `at`, without writeInt32BE's range checks (a few per value, millions of values). */
  private i32(v: number, at: number): void {
    const buf = this.buf;
    buf[at] = v >>> 24;
    buf[at + 1] = v >>> 16;
    buf[at + 2] = v >>> 8;
    buf[at + 3] = v;
  }

  /** Starts a row of `fields` values; each is then written in column order. */
  row(fields: number): this {
    this.ensure(2 + fields * 12);
    this.buf[this.pos] = fields >>> 8;
    this.buf[this.pos + 1] = fields;
    this.pos += 2;
    this.rows++;
    return this;
  }

  null(): this {
    this.ensure(4);
    this.i32(-1, this.pos);
    this.pos += 4;
    return this;
  }

  /** text, varchar or an enum label; null as NULL. */
  text(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.null();
    this.bytes(s, 0);
    return this;
  }

  /** jsonb from its JSON text; null as NULL. */
  jsonb(json: string | null | undefined): this {
    if (json === null || json === undefined) return this.null();
    this.bytes(json, 1);
    return this;
  }

  int4(v: number | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    this.ensure(8);
    this.i32(4, this.pos);
    this.i32(v, this.pos + 4);
    this.pos += 8;
    return this;
  }

  float8(v: number | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    this.ensure(12);
    this.i32(8, this.pos);
    this.buf.writeDoubleBE(v, this.pos + 4);
    this.pos += 12;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(5);
    this.i32(1, this.pos);
    this.buf[this.pos + 4] = v ? 1 : 0;
    this.pos += 5;
    return this;
  }

  /** date from a day number: days since 2000-01-01, PostgreSQL's own binary form of a date. */
  date(dayNo: number): this {
    return this.int4(dayNo);
  }

  /** A one-dimensional text[] without NULL elements ('{}' when empty); null as NULL. */
  textArray(values: readonly string[] | null | undefined): this {
    if (values === null || values === undefined) return this.null();
    const lengthAt = this.pos;
    const header = values.length === 0 ? 12 : 20;
    this.ensure(4 + header);
    const buf = this.buf;
    buf.writeInt32BE(values.length === 0 ? 0 : 1, lengthAt + 4); // dimensions
    buf.writeInt32BE(0, lengthAt + 8); // no NULL elements
    buf.writeInt32BE(TEXT_OID, lengthAt + 12);
    if (values.length > 0) {
      buf.writeInt32BE(values.length, lengthAt + 16);
      buf.writeInt32BE(1, lengthAt + 20); // lower bound
    }
    this.pos = lengthAt + 4 + header;
    for (const v of values) this.bytes(v, 0);
    this.buf.writeInt32BE(this.pos - lengthAt - 4, lengthAt);
    return this;
  }

  /**
   * timestamptz from Unix milliseconds, whole milliseconds as the text format had them
   * (new Date(ms).toISOString() drops a fraction the same way); null as NULL.
   */
  timestamptz(ms: number | null | undefined): this {
    if (ms === null || ms === undefined) return this.null();
    const us = (Math.trunc(ms) - PG_EPOCH_MS) * 1000; // exact: |us| < 2^53 for any year 0–9999
    const high = Math.floor(us / TWO_32);
    this.ensure(12);
    this.i32(8, this.pos);
    this.i32(high, this.pos + 4);
    this.i32(us - high * TWO_32, this.pos + 8);
    this.pos += 12;
    return this;
  }

  /** A length-prefixed UTF-8 value, after `version` (jsonb's 1) when given. */
  private bytes(s: string, version: number): void {
    const len = s.length;
    const head = version ? 5 : 4;
    this.ensure(head + len * 3); // UTF-8 needs at most 3 bytes per UTF-16 code unit
    const buf = this.buf;
    const start = this.pos + head;
    if (version) buf[this.pos + 4] = version;
    if (len < SHORT) {
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === len) {
        this.i32(head - 4 + len, this.pos);
        this.pos = start + len;
        return;
      }
    }
    const n = buf.write(s, start, 'utf8');
    this.i32(head - 4 + n, this.pos);
    this.pos = start + n;
  }

  /** The finished COPY data (with its trailer); the writer is not to be used afterwards. */
  finish(): Buffer {
    this.ensure(2);
    this.buf.writeInt16BE(-1, this.pos);
    this.pos += 2;
    return this.buf.subarray(0, this.pos);
  }
}
