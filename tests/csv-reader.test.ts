import { describe, expect, it } from 'vitest';
import { readCsvRecords, type CsvRecord } from '../src/import/formats/csv-reader.ts';

async function read(chunks: string[], delimiter = ','): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const batch of readCsvRecords(source(), delimiter)) out.push(...batch);
  return out;
}

/** Every way of cutting the text into two chunks must read the same. */
async function readAllSplits(text: string, delimiter = ','): Promise<CsvRecord[]> {
  const whole = await read([text], delimiter);
  for (let i = 1; i < text.length; i++) expect(await read([text.slice(0, i), text.slice(i)], delimiter)).toEqual(whole);
  return whole;
}

describe('readCsvRecords', () => {
  it('reads plain, quoted and escaped fields with their line numbers', async () => {
    const text = 'a,b,c\n1,"two, too","say ""hi"""\n"multi\nline",x,\n';
    expect(await readAllSplits(text)).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['1', 'two, too', 'say "hi"'], line: 2 },
      { fields: ['multi\nline', 'x', ''], line: 3 },
    ]);
  });

  it('handles CRLF, a BOM, other delimiters and a last line without a newline', async () => {
    expect(await readAllSplits('\ufeffh1;h2\r\n"a\r\nb";c\r\nd;e', ';')).toEqual([
      { fields: ['h1', 'h2'], line: 1 },
      { fields: ['a\r\nb', 'c'], line: 2 },
      { fields: ['d', 'e'], line: 4 },
    ]);
  });

  it('keeps stray quotes as text and reports an unclosed quote at its line', async () => {
    expect(await readAllSplits('x,y\nsize 5" screen,ok\n"ab"c,d\n"open,never\nclosed\n')).toEqual([
      { fields: ['x', 'y'], line: 1 },
      { fields: ['size 5" screen', 'ok'], line: 2 },
      { fields: ['abc', 'd'], line: 3 },
      { error: 'unclosed quote: the rest of the file from this line could not be read', line: 4 },
    ]);
  });

  it('reads blank lines as one empty field, keeps empty fields and emoji', async () => {
    expect(await readAllSplits('a\n\n😀,,\n')).toEqual([
      { fields: ['a'], line: 1 },
      { fields: [''], line: 2 },
      { fields: ['😀', '', ''], line: 3 },
    ]);
  });
});

describe('readCsvRecords over bytes (how a file is read)', () => {
  async function readBytes(chunks: Buffer[]): Promise<CsvRecord[]> {
    const out: CsvRecord[] = [];
    async function* source() {
      yield* chunks;
    }
    for await (const batch of readCsvRecords(source(), ',')) out.push(...batch);
    return out;
  }

  it('reads the same wherever a chunk boundary cuts a UTF-8 character, a quote escape or a CRLF', async () => {
    const bytes = Buffer.from('\ufeffa,b\r\n"Café, ""ß""",😞 x\r\nÀ,"\r\n€"\r\n', 'utf8');
    const whole = await readBytes([bytes]);
    expect(whole).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['Café, "ß"', '😞 x'], line: 2 },
      { fields: ['À', '\r\n€'], line: 3 },
    ]);
    for (let i = 1; i < bytes.length; i++) expect(await readBytes([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
    expect(await readBytes([...bytes].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('turns invalid UTF-8 into U+FFFD (which the converter rejects)', async () => {
    expect(await readBytes([Buffer.from([0x61, 0x2c, 0xff, 0x62, 0x0a])])).toEqual([{ fields: ['a', '\ufffdb'], line: 1 }]);
  });
});
