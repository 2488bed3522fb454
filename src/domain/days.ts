// Calendar days in the business timezone. Intl is pure computation, not I/O.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The YYYY-MM-DD day on which `at` falls in `timeZone`. */
export function dayOf(at: Date, timeZone: string): string {
  return formatter(timeZone).format(at);
}

/** Whole days from a to b (YYYY-MM-DD strings), b − a. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}
