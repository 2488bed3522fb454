// A streaming CSV reader (RFC 4180 plus the leniency real exports need), several times faster
// than csv-parse on large files, which made parsing the import's bottleneck. It yields the
// records of each chunk together, with the line each record starts on (a quoted newline
// moves later records down). Lenient like csv-parse's relax_quotes: a quote inside an
// unquoted field, or text after a closing quote, is kept as text. A quote left open at the
// end of the file swallows the rest of it: that is reported, never guessed around.

export type CsvRecord = { fields: string[]; line: number } | { error: string; line: number };

const QUOTE = 34;
const CR = 13;
const LF = 10;

export async function* readCsvRecords(source: AsyncIterable<string>, delimiter: string): AsyncGenerator<CsvRecord[]> {
  const delim = delimiter.charCodeAt(0);
  let record: string[] = [];
  let field = ''; // the current field's text carried over from earlier chunks or quote escapes
  let quoted = false; // the current field opened with a quote
  let inQuotes = false;
  let afterQuote = false; // a quote just closed: "" continues the field with one quote
  let line = 1;
  let recordLine = 1;
  let first = true;

  for await (let chunk of source) {
    if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1); // BOM
    first = false;
    const out: CsvRecord[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inQuotes) {
        if (c === QUOTE) {
          field += chunk.slice(start, i);
          inQuotes = false;
          afterQuote = true;
          start = i + 1;
        } else if (c === LF) line++;
        continue;
      }
      if (afterQuote) {
        afterQuote = false;
        if (c === QUOTE) {
          field += '"';
          inQuotes = true;
          start = i + 1;
          continue;
        }
      }
      if (c === delim) {
        record.push(field + chunk.slice(start, i));
        field = '';
        quoted = false;
        start = i + 1;
      } else if (c === LF) {
        let end = i;
        if (end > start && chunk.charCodeAt(end - 1) === CR) end--;
        else if (end === start && field.endsWith('\r')) field = field.slice(0, -1); // CR ended the last chunk
        record.push(field + chunk.slice(start, end));
        out.push({ fields: record, line: recordLine });
        record = [];
        field = '';
        quoted = false;
        start = i + 1;
        line++;
        recordLine = line;
      } else if (c === QUOTE && i === start && field === '' && !quoted) {
        quoted = true;
        inQuotes = true;
        start = i + 1;
      }
    }
    field += chunk.slice(start);
    if (out.length > 0) yield out;
  }
  if (inQuotes) {
    yield [{ error: 'unclosed quote: the rest of the file from this line could not be read', line: recordLine }];
  } else if (record.length > 0 || field !== '') {
    record.push(field.endsWith('\r') ? field.slice(0, -1) : field);
    yield [{ fields: record, line: recordLine }];
  }
}
