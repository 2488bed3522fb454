import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { PageBrandSettings } from '../db/pages-repo.js';
import { parseBusinessHours } from '../domain/business-hours.js';
import { assertTimezone } from '../domain/schedule.js';
import { withDatabase } from './db-commands.js';

// `pulse page list` and `pulse page set <page> [...]`: a page's brand (issue 19). The catalogue,
// FAQ and templates of a page are imported with `pulse catalogue import --page`; here live the
// page's name, Slack handoff channel, language, greeting and disclosure. An empty value ("")
// clears a setting: the page uses the default again (HANDOFF_CHANNEL, the templates' wording).

type Out = (line: string) => void;

interface SetOptions {
  name?: string;
  handoffChannel?: string;
  language?: string;
  greeting?: string;
  disclosure?: string;
  hours?: string;
  timezone?: string;
  outOfHoursText?: string;
}

/** The options given, '' as null (cleared). */
export function brandSettings(opts: SetOptions): PageBrandSettings {
  const clear = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? null : v.trim());
  const out: PageBrandSettings = {};
  if (opts.name !== undefined) {
    if (opts.name.trim() === '') throw new Error('--name cannot be empty');
    out.name = opts.name.trim();
  }
  const channel = clear(opts.handoffChannel);
  if (channel && !/^[CG][A-Z0-9]{2,}$/.test(channel)) throw new Error(`--handoff-channel expects a Slack channel id such as C0123ABCD, got "${channel}"`);
  if (channel !== undefined) out.handoffChannel = channel;
  const language = clear(opts.language);
  if (language !== undefined) out.language = language;
  const greeting = clear(opts.greeting);
  if (greeting !== undefined) out.greeting = greeting;
  const disclosure = clear(opts.disclosure);
  if (disclosure !== undefined) out.botDisclosure = disclosure;
  const hours = clear(opts.hours);
  if (hours) {
    const parsed = parseBusinessHours(hours);
    if (!parsed.ok) throw new Error(`--hours: ${parsed.reason}`);
  }
  if (hours !== undefined) out.businessHours = hours;
  const timeZone = clear(opts.timezone);
  if (timeZone) assertTimezone(timeZone);
  if (timeZone !== undefined) out.hoursTimezone = timeZone;
  const away = clear(opts.outOfHoursText);
  if (away !== undefined) out.outOfHoursText = away;
  return out;
}

export function registerPageCommand(program: Command, config: () => Config, out: Out): void {
  const page = program.command('page').description("a Messenger page's brand: handoff channel, language, greeting, disclosure, business hours");

  page
    .command('list')
    .description('every page with its brand settings and how many catalogue, FAQ and template rows are its own')
    .action(() =>
      withDatabase(config(), async (url) => {
        const { migrate } = await import('../db/migrator.js');
        const { withClient } = await import('../db/pool.js');
        const { listPageBrands } = await import('../db/pages-repo.js');
        await migrate(url);
        const pages = await withClient(url, (c) => listPageBrands(c));
        for (const p of pages) {
          out(`${String(p.id).padStart(4)} ${p.name} (${p.fbPageId})`);
          out(`     handoff channel: ${p.handoffChannel ?? '(HANDOFF_CHANNEL)'}; language: ${p.language ?? '(as written)'}; own rows: ${p.products} product(s), ${p.faq} FAQ, ${p.templates} template(s)`);
          if (p.greeting) out(`     greeting: ${p.greeting}`);
          if (p.botDisclosure) out(`     disclosure: ${p.botDisclosure}`);
          if (p.businessHours) out(`     hours: ${p.businessHours} (${p.hoursTimezone ?? 'BUSINESS_TIMEZONE'})${p.outOfHoursText ? `; out of hours: ${p.outOfHoursText}` : ''}`);
        }
        out(`${pages.length} page(s)`);
      }),
    );

  page
    .command('set')
    .description('change a page\'s brand settings ("" clears one)')
    .argument('<page>', 'the page: its id, Messenger page id or name')
    .option('--name <name>', 'the name shown in Slack and reports')
    .option('--handoff-channel <id>', 'the Slack channel of its handoff threads (default HANDOFF_CHANNEL)')
    .option('--language <language>', 'the language the bot writes in on this page, e.g. "German"')
    .option('--greeting <text>', 'what the bot answers a first hello ({{first_name}} allowed)')
    .option('--disclosure <text>', 'the automated-assistant notice of its first bot message')
    .option('--hours <hours>', 'business hours, e.g. "mon-fri 09:00-18:00; sat 10:00-14:00" (default: always open)')
    .option('--timezone <zone>', 'the timezone of --hours, e.g. Europe/Paris (default BUSINESS_TIMEZONE)')
    .option('--out-of-hours-text <text>', 'what a customer handed off outside the hours is told ({{when}}: when people are back)')
    .action((ref: string, opts: SetOptions) =>
      withDatabase(config(), async (url) => {
        const settings = brandSettings(opts);
        if (Object.keys(settings).length === 0) throw new Error('nothing to set: give at least one option (see pulse page set --help)');
        const { migrate } = await import('../db/migrator.js');
        const { withClient } = await import('../db/pool.js');
        const { findPage, updatePageBrand } = await import('../db/pages-repo.js');
        await migrate(url);
        await withClient(url, async (c) => {
          const p = await findPage(c, ref);
          await updatePageBrand(c, p.id, settings);
          out(`page ${p.name} (${p.id}): ${Object.entries(settings).map(([k, v]) => `${k} ${v === null ? 'cleared' : 'set'}`).join(', ')}`);
        });
      }),
    );
}
