import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withCatalogue } from '../src/domain/semantic/docs.ts';
import { MEASURES } from '../src/domain/semantic/catalogue.ts';

describe('docs/ASSISTANT.md', () => {
  it('holds the catalogue exactly as the code defines it (run `npm run docs:catalogue` after changing a measure)', () => {
    const doc = readFileSync(new URL('../docs/ASSISTANT.md', import.meta.url), 'utf8');
    expect(withCatalogue(doc)).toBe(doc);
    for (const m of MEASURES) expect(doc).toContain(`\`${m.name}\``);
  });
});
