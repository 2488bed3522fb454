// Rewrites the catalogue table of docs/ASSISTANT.md from src/domain/semantic/catalogue.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { withCatalogue } from '../src/domain/semantic/docs.ts';

const file = new URL('../docs/ASSISTANT.md', import.meta.url);
writeFileSync(file, withCatalogue(readFileSync(file, 'utf8')));
