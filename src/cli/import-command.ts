import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { FIELDS, parseMapOptions } from '../import/fields.js';
import type { ImportResult } from '../import/index.js';
import { withRoot, type CliRoot } from './root.js';
import { createProgress } from './progress.js';

type Out = (line: string) => void;

const SHOWN_ERRORS = 10;

const collect = (value: string, previous: string[]) => [...previous, value];
const n = (x: number) => x.toLocaleString('en-US');

export function summarize(target: string, r: ImportResult): string[] {
  const lines = [
    `imported ${path.basename(target)} as ${r.format} (upload #${r.uploadId})`,
    `  accepted ${n(r.accepted)} rows: ${n(r.inserted)} new messages, ${n(r.duplicates)} duplicates; rejected ${n(r.rejected)}`,
  ];
  if (r.rejected > 0) {
    lines.push(`  rejected rows (first ${Math.min(SHOWN_ERRORS, r.rejected)} of ${n(r.rejected)}):`);
    for (const e of r.errors.slice(0, SHOWN_ERRORS)) lines.push(`    ${typeof e.line === 'number' ? `line ${e.line}` : e.line}: ${e.reason}`);
  }
  return lines;
}

export function registerImportCommand(
  program: Command,
  config: () => Config,
  out: Out,
  afterImport: (root: CliRoot, result: ImportResult) => Promise<void>,
): void {
  program
    .command('import')
    .description('import historical chats: a Facebook Messenger export (folder or message_N.json), an inbox CSV/JSONL, or a SupportPulse JSONL export')
    .argument('<path>', 'file or folder to import (the format is recognised from the content)')
    .option('--owner <name>', "the page's name: in a Facebook export when it is not the one participant of every thread; for a CSV/JSONL without page columns, the page its chats belong to")
    .option('--map <column=field>', 'read a column as a field; repeatable, e.g. --map "Ticket Ref=fb_chat_id"', collect, [])
    .addHelpText('after', `\nFields for --map: ${FIELDS.join(', ')}.\nImporting the same file again adds nothing: messages are deduplicated on their id.`)
    .action(async (target: string, opts: { owner?: string; map: string[] }) => {
      const map = parseMapOptions(opts.map); // before the database starts: a typo should fail fast
      await stat(target).catch(() => {
        throw new Error(`no such file or folder: ${target}`);
      });
      const { migrate } = await import('../db/migrator.js');
      const { importPath } = await import('../import/index.js');
      const { describeRecovery, recoverImports } = await import('../import/recover.js');
      await withRoot(config(), async (root) => {
        await migrate(root.url, { log: out });
        // An import a dead process left behind is finished first (and reported), whatever this one imports.
        for (const line of describeRecovery(await recoverImports(root.pools.api, new Date(), { uploadDir: path.join(config().dataDir, 'uploads') }))) out(line);
        const progress = createProgress('importing', { unit: 'rows' });
        let result: ImportResult;
        try {
          result = await importPath(root.pools.imports, target, {
            owner: opts.owner,
            map,
            timezone: config().businessTimezone,
            onProgress: (rows) => progress.update(rows),
          });
        } finally {
          progress.finish();
        }
        for (const line of summarize(target, result)) out(line);
        await afterImport(root, result);
      }, { migrate: false });
    });
}
