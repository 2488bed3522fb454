// Strings PostgreSQL can store: text and jsonb refuse NUL characters and lone UTF-16 surrogates,
// which JSON can carry (escaped as \u0000 or \ud800) in any body a platform sends us.

/** A UTF-16 surrogate without its pair: PostgreSQL's jsonb refuses it (and NUL, dropped apart). */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
export const storable = (s: string): string => s.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');

/**
 * Makes every string and key of a parsed JSON body storable, in place: NUL characters dropped,
 * lone surrogates turned into U+FFFD. Without it one such Messenger event fails the inbox
 * statement, so Meta's delivery, and every delivery stored in the same group commit, would be
 * answered 503 and resent forever; a Slack mention would fail its listener. Iterative: depth
 * cannot overflow the stack.
 */
export function makeStorable(body: unknown): unknown {
  if (typeof body === 'string') return storable(body);
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'string') v[i] = storable(item);
        else stack.push(item);
      }
      continue;
    }
    const obj = v as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const item = obj[key];
      const value = typeof item === 'string' ? storable(item) : item;
      const safeKey = storable(key);
      if (safeKey !== key) {
        delete obj[key];
        // defineProperty: a key that becomes "__proto__" stays a plain property
        Object.defineProperty(obj, safeKey, { value, enumerable: true, writable: true, configurable: true });
      } else if (value !== item) obj[key] = value;
      if (typeof value === 'object' && value !== null) stack.push(value);
    }
  }
  return body;
}
