import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, it } from 'vitest';
import { openAssistant, type OpenAssistant } from '../src/agents/assistant/open.ts';
import { offlineConfig, seedAndAnalyse } from './helpers/assistant.ts';
import { TEST_NOW } from './helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

const TZ = 'Europe/Berlin';
let db: TestDatabase;
let opened: OpenAssistant;
beforeAll(async () => {
  db = await createTestDatabase('scratch');
  await seedAndAnalyse(db.url, { conversations: 300, now: TEST_NOW, timeZone: TZ });
  opened = await openAssistant(offlineConfig(TZ), db.url, { pool: db.pool, now: () => TEST_NOW });
}, 300_000);
afterAll(async () => { await opened?.close(); await db?.drop(); });

it('asks', async () => {
  const lines = readFileSync('scratch/questions.txt', 'utf8').split('\n').filter((l) => l.trim());
  let thread = 0;
  for (const l of lines) {
    if (l.startsWith('---')) { thread++; continue; }
    const r = await opened.assistant.ask({ channel: 'scratch', threadKey: `t${thread}` }, l, { caller: { role: 'lead', name: 'x' } });
    console.log(`\nQ: ${l}\nA: ${r.text}`);
  }
}, 600_000);
