import { describe, expect, it } from 'vitest';
import { redactQuery } from '../src/logger.ts';
import { inputProblem } from '../src/routes/input-check.ts';

// The pure parts of the HTTP edge (issue 17): which query values are secrets in request logs,
// and which request values the API refuses before anything stores or walks them.

describe('redactQuery', () => {
  it('replaces the values of secret-looking parameters and keeps the rest as sent', () => {
    expect(redactQuery('/webhooks/messenger?hub.mode=subscribe&hub.verify_token=abc&hub.challenge=42')).toBe(
      '/webhooks/messenger?hub.mode=subscribe&hub.verify_token=[REDACTED]&hub.challenge=42',
    );
    expect(redactQuery('/x?access_token=t&api_key=k&apiKey=k2&client_secret=s&password=p&signature=g&sig=h&code=c&Authorization=a&q=a%20b')).toBe(
      '/x?access_token=[REDACTED]&api_key=[REDACTED]&apiKey=[REDACTED]&client_secret=[REDACTED]&password=[REDACTED]&signature=[REDACTED]&sig=[REDACTED]&code=[REDACTED]&Authorization=[REDACTED]&q=a%20b',
    );
  });

  it('judges percent-encoded names by what they decode to, and leaves URLs without a query alone', () => {
    expect(redactQuery('/x?hub%2Everify%5Ftoken=abc')).toBe('/x?hub%2Everify%5Ftoken=[REDACTED]');
    expect(redactQuery('/x?%E0%A4%A=1&token=2')).toBe('/x?%E0%A4%A=1&token=[REDACTED]');
    expect(redactQuery('/api/sessions/12')).toBe('/api/sessions/12');
    expect(redactQuery('/x?flag&monkey=1&keyword=2')).toBe('/x?flag&monkey=1&keyword=2');
  });
});

describe('inputProblem', () => {
  it('names the field holding a NUL character, in strings, arrays and keys', () => {
    expect(inputProblem({ q: 'a\u0000' }, 'query')).toEqual({ field: 'q', problem: expect.stringMatching(/NUL/) });
    expect(inputProblem({ tags: ['ok', 'b\u0000'] }, 'body')).toMatchObject({ field: 'tags.1' });
    expect(inputProblem({ context: { 'x\u0000': 1 } }, 'body')).toMatchObject({ field: 'context', problem: expect.stringMatching(/key/) });
    expect(inputProblem('x\u0000', 'owner')).toMatchObject({ field: 'owner' });
    expect(inputProblem({ q: 'plain', n: 1, b: null }, 'query')).toBeUndefined();
  });

  it('allows 32 levels and names the top-level field of anything deeper, without recursion', () => {
    const nest = (levels: number) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = { a: v };
      return v;
    };
    expect(inputProblem({ context: nest(31) }, 'body')).toBeUndefined();
    expect(inputProblem({ context: nest(32) }, 'body')).toEqual({ field: 'context', problem: 'nests deeper than 32 levels' });
    expect(inputProblem({ context: nest(100_000) }, 'body')).toMatchObject({ field: 'context' });
  });
});
