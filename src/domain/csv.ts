// CSV cells for files people open in a spreadsheet. RFC 4180 quoting, and OWASP's defence
// against formula injection: a text cell that starts with = + - @ or a tab or carriage return
// would be run as a formula by Excel, LibreOffice or Sheets (a customer's "=HYPERLINK(…)" in a
// QA note, say), so it gets a leading apostrophe, which spreadsheets show as text. Numbers and
// booleans are written as they are. The JSON exports keep every text exactly.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record, CRLF-terminated. */
export const csvRecord = (cells: readonly (string | number | boolean | null | undefined)[]): string => `${cells.map(csvCell).join(',')}\r\n`;
