import type { FieldProblem } from './openapi.ts';
import { LONE_SURROGATE } from '../domain/storable.ts';

// Checks at the HTTP edge that every route's schema cannot express: PostgreSQL stores no NUL
// character (text and jsonb refuse it, and the error would reach the caller as database text)
// and jsonb no unpaired surrogate (JSON may escape one as \ud800; it is not Unicode),
// and a deeply nested body would overflow the stack of whatever walks it later (serializers,
// the pg driver, loggers). Iterative, so a hostile depth cannot overflow the stack here either.

/** Deepest nesting a JSON body may have, the body itself being level 1. */
export const MAX_JSON_DEPTH = 32;

const NUL = '\u0000';

/** Why PostgreSQL cannot store this text, or undefined. */
function textProblem(s: string, what: string): string | undefined {
  if (s.includes(NUL)) return `${what} a NUL character (\\u0000), which cannot be stored`;
  if (LONE_SURROGATE.test(s)) return `${what} an unpaired UTF-16 surrogate (\\ud800-\\udfff alone), which is not Unicode and cannot be stored`;
  return undefined;
}

interface Item {
  value: unknown;
  path: string[];
  depth: number;
}

const fieldName = (path: string[], fallback: string) => (path.length > 0 ? path.join('.') : fallback);

/**
 * The first problem in a request part (query, params or body): a string or key holding a NUL
 * character or an unpaired surrogate, or nesting deeper than `maxDepth`. Fields are named as dotted paths (`context.node`).
 */
export function inputProblem(value: unknown, part: string, maxDepth = MAX_JSON_DEPTH): FieldProblem | undefined {
  const stack: Item[] = [{ value, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v, 'contains');
      if (problem) return { field: fieldName(path, part), problem };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return { field: path[0] ?? part, problem: `nests deeper than ${maxDepth} levels` };
    for (const [key, child] of Object.entries(v)) {
      const problem = textProblem(key, 'has a key with');
      if (problem) return { field: fieldName(path, part), problem };
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}
