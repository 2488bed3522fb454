import type { FieldProblem } from './openapi.ts';

// Checks at the HTTP edge that every route's schema cannot express: PostgreSQL stores no NUL
// character (text and jsonb refuse it, and the error would reach the caller as database text),
// and a deeply nested body would overflow the stack of whatever walks it later (serializers,
// the pg driver, loggers). Iterative, so a hostile depth cannot overflow the stack here either.

/** Deepest nesting a JSON body may have, the body itself being level 1. */
export const MAX_JSON_DEPTH = 32;

const NUL = '\u0000';

interface Item {
  value: unknown;
  path: string[];
  depth: number;
}

const fieldName = (path: string[], fallback: string) => (path.length > 0 ? path.join('.') : fallback);

/**
 * The first problem in a request part (query, params or body): a string or key holding a NUL
 * character, or nesting deeper than `maxDepth`. Fields are named as dotted paths (`context.node`).
 */
export function inputProblem(value: unknown, part: string, maxDepth = MAX_JSON_DEPTH): FieldProblem | undefined {
  const stack: Item[] = [{ value, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return { field: fieldName(path, part), problem: 'contains a NUL character (\\u0000), which cannot be stored' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return { field: path[0] ?? part, problem: `nests deeper than ${maxDepth} levels` };
    for (const [key, child] of Object.entries(v)) {
      if (key.includes(NUL)) return { field: fieldName(path, part), problem: 'has a key with a NUL character (\\u0000), which cannot be stored' };
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}
