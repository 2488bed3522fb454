// The last check on an LLM-written customer reply: every number and every link in it must
// appear in what this turn's lookups returned (or in the template answer built from the same
// catalogue rows). A price the model made up, a stock count it guessed or a URL it invented
// fails the check, and the customer gets the template answer instead.

const NUMBER = /\d+(?:[.,]\d+)*/g;
const URL = /https?:\/\/[^\s)\]}>"']+/g;

/** "1,149.00" → 1149, "49,90" → 49.9, "42" → 42: one value per way people write it. */
function values(token: string): number[] {
  const out = new Set<number>();
  const plain = token.replace(/,/g, '');
  if (!Number.isNaN(Number(plain))) out.add(Number(plain));
  if (/^\d+,\d{1,2}$/.test(token)) out.add(Number(token.replace(',', '.'))); // decimal comma
  return [...out];
}

export function numbersIn(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.matchAll(NUMBER)) for (const v of values(m[0])) out.add(v);
  return out;
}

const trimUrl = (u: string) => u.replace(/[.,;:!?]+$/, '');

/** The numbers and links in `reply` that no source backs; empty = the reply may be sent. */
export function unsupportedFacts(reply: string, sources: readonly string[]): string[] {
  const known = new Set<number>();
  for (const s of sources) for (const v of numbersIn(s)) known.add(v);
  const knownUrls = new Set(sources.flatMap((s) => [...s.matchAll(URL)].map((m) => trimUrl(m[0]))));
  const bad: string[] = [];
  const withoutUrls = reply.replace(URL, (u) => {
    if (!knownUrls.has(trimUrl(u))) bad.push(trimUrl(u));
    return ' ';
  });
  for (const m of withoutUrls.matchAll(NUMBER)) {
    if (!values(m[0]).some((v) => known.has(v))) bad.push(m[0]);
  }
  return bad;
}
