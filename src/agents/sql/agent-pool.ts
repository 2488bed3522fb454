import pg from 'pg';

// The sql_query tool's connections. A lead reads what comes back as the business's own
// calendar: a `date` is a day, not midnight UTC of it, and a timestamptz is the local wall
// clock with its offset. node-postgres would turn both into JS Dates (a date at local midnight
// of the *Node process*, a timestamptz as a UTC instant), which JSON then prints shifted. So
// these connections run with TimeZone = the business timezone and hand the server's text
// through untouched. The parsers belong to this pool only: the rest of the app keeps Dates.

const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DATE_ARRAY = 1182;
const TIMESTAMP_ARRAY = 1115;
const TIMESTAMPTZ_ARRAY = 1185;
const TEXT_ARRAY = 1009;

const AS_TEXT = new Set([DATE, TIMESTAMP, TIMESTAMPTZ]);
const AS_TEXT_ARRAY = new Set([DATE_ARRAY, TIMESTAMP_ARRAY, TIMESTAMPTZ_ARRAY]);

/** Type parsers that keep dates and timestamps (and arrays of them) as the server's text. */
export const textDateTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (AS_TEXT.has(oid)) return (value: string) => value;
    // @types/pg types the oid as its builtins enum, which lists no array types.
    if (AS_TEXT_ARRAY.has(oid)) return pg.types.getTypeParser(TEXT_ARRAY as unknown as Parameters<typeof pg.types.getTypeParser>[0], format);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A pool on the pulse_agent URL whose sessions start in `timeZone` (an IANA name, validated by
 * the config) and return dates and timestamps as text: '2026-11-25', '2026-11-25 15:30:00+01'.
 */
export function createAgentPool(url: string, timeZone: string, max: number, onError?: (err: Error) => void): pg.Pool {
  // A startup option, not a SET per query: every statement of every session sees the zone,
  // and run-query stays about guarding the SQL.
  const pool = new pg.Pool({ connectionString: url, max, types: textDateTypes, options: `-c TimeZone=${timeZone}` });
  pool.on('error', (err) => onError?.(err));
  return pool;
}
