import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRecord } from '../src/domain/csv.ts';

describe('csvCell', () => {
  it('quotes what RFC 4180 needs quoted and leaves the rest alone', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(true)).toBe('true');
  });

  it('turns text a spreadsheet would run as a formula into text', () => {
    for (const f of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=1', '\r=1']) expect(csvCell(f).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(csvCell('=HYPERLINK("http://x","click")')).toBe(`"'=HYPERLINK(""http://x"",""click"")"`);
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('a record reads back through a standard parser', () => {
    const line = csvRecord([1, 'x, "y"', null, '=A1', 'ünï 😡\nz']);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(parse(line)).toEqual([['1', 'x, "y"', '', "'=A1", 'ünï 😡\nz']]);
  });
});
