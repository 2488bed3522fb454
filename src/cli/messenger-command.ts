import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { describeGraphError } from '../domain/messenger/policy.js';
import { PROFILE_FIELDS, parseProfileFile, profileFor, profileRequests, type ProfileFile } from '../domain/messenger/profile.js';

// `pulse messenger profile apply|show`: the pages' Get Started button, greeting, persistent menu
// and ice breakers, set from the checked-in messenger/profile.json through the Messenger Profile
// API instead of by hand in Meta's tools. No database: the pages are MESSENGER_PAGE_TOKENS's.

type Out = (line: string) => void;

/** messenger/profile.json of this checkout (src/cli or dist/cli → the package root). */
export const DEFAULT_PROFILE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../messenger/profile.json');

export async function readProfileFile(file: string): Promise<ProfileFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`);
  }
  const parsed = parseProfileFile(json);
  if (!parsed.ok) throw new Error(`${file} has ${parsed.errors.length} problem(s):\n  ${parsed.errors.join('\n  ')}`);
  return parsed.value;
}

/** The pages to act on: every page with a token, or the one asked for (which must have one). */
function pagesOf(config: Config, page: string | undefined): [string, string][] {
  const tokens = config.messenger.pageTokens;
  if (tokens.size === 0) throw new Error('MESSENGER_PAGE_TOKENS is not set: there is no page to set up');
  if (page === undefined) return [...tokens.entries()];
  const token = tokens.get(page);
  if (!token) throw new Error(`page ${page} has no token in MESSENGER_PAGE_TOKENS (pages there: ${[...tokens.keys()].join(', ')})`);
  return [[page, token]];
}

export function registerMessengerCommand(program: Command, config: () => Config, out: Out): void {
  const profile = program
    .command('messenger')
    .description('Messenger pages: the profile (Get Started, greeting, menu, ice breakers)')
    .command('profile')
    .description('the pages\' Messenger profile, from messenger/profile.json');

  profile
    .command('apply')
    .description('set each page\'s profile from the file (fields set to null are removed); prints what it did per page')
    .option('--page <id>', 'only this Facebook page id (default: every page in MESSENGER_PAGE_TOKENS)')
    .option('--file <path>', 'the profile file', DEFAULT_PROFILE_FILE)
    .option('--dry-run', 'check the file and print the requests, call nothing')
    .action(async (opts: { page?: string; file: string; dryRun?: boolean }) => {
      const file = await readProfileFile(opts.file);
      const pages = pagesOf(config(), opts.page);
      const { createProfileApi } = await import('../bots/messenger/profile-api.js');
      const api = createProfileApi(config().messenger.apiUrl);
      let failed = 0;
      for (const [pageId, token] of pages) {
        const spec = profileFor(file, pageId);
        if (!spec.ok) {
          failed++;
          out(`page ${pageId}: not applied: ${spec.errors.join('; ')}`);
          continue;
        }
        const { set, remove } = profileRequests(spec.value);
        const setFields = Object.keys(set);
        if (opts.dryRun) {
          out(`page ${pageId}: would set ${setFields.join(', ') || 'nothing'}${remove.length ? `; remove ${remove.join(', ')}` : ''}`);
          out(JSON.stringify({ POST: set, ...(remove.length ? { DELETE: { fields: remove } } : {}) }));
          continue;
        }
        const done: string[] = [];
        const posted = setFields.length > 0 ? await api.set(token, set) : undefined;
        if (posted && !posted.ok) {
          failed++;
          out(`page ${pageId}: Meta refused the profile: ${describeGraphError(posted.error)}`);
          continue;
        }
        if (setFields.length > 0) done.push(`set ${setFields.join(', ')}`);
        const removed = remove.length > 0 ? await api.remove(token, remove) : undefined;
        if (removed && !removed.ok) {
          failed++;
          out(`page ${pageId}: ${done.join('; ')}; removing ${remove.join(', ')} failed: ${describeGraphError(removed.error)}`);
          continue;
        }
        if (remove.length > 0) done.push(`removed ${remove.join(', ')}`);
        out(`page ${pageId}: ${done.join('; ') || 'nothing to do'}`);
      }
      if (failed > 0) throw new Error(`${failed} of ${pages.length} page(s) not set up`);
    });

  profile
    .command('show')
    .description('print each page\'s current profile as Meta has it (JSON per page)')
    .option('--page <id>', 'only this Facebook page id')
    .action(async (opts: { page?: string }) => {
      const { createProfileApi } = await import('../bots/messenger/profile-api.js');
      const api = createProfileApi(config().messenger.apiUrl);
      let failed = 0;
      for (const [pageId, token] of pagesOf(config(), opts.page)) {
        const got = await api.get(token, PROFILE_FIELDS);
        if (!got.ok) {
          failed++;
          out(`page ${pageId}: ${describeGraphError(got.error)}`);
        } else out(`page ${pageId}: ${JSON.stringify((got.body.data as unknown[] | undefined)?.[0] ?? {})}`);
      }
      if (failed > 0) throw new Error(`${failed} page(s) could not be read`);
    });
}
