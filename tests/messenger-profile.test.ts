import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_FILE, readProfileFile, registerMessengerCommand } from '../src/cli/messenger-command.ts';
import { loadConfig } from '../src/config.ts';
import { parseProfileFile, profileFor, profileRequests } from '../src/domain/messenger/profile.ts';
import { startFakeGraph, type FakeGraph } from './helpers/fake-graph.ts';

// issue 19 point 4: the pages' Messenger profile (Get Started, greeting, persistent menu, ice
// breakers) from the checked-in messenger/profile.json through the Messenger Profile API.

const menu = (items: unknown[]) => [{ locale: 'default', call_to_actions: items }];
const errorsOf = (json: unknown) => {
  const r = parseProfileFile(json);
  return r.ok ? [] : r.errors;
};

describe('the profile file rules', () => {
  it('accepts the checked-in file, and every page gets the four fields', async () => {
    const file = await readProfileFile(DEFAULT_PROFILE_FILE);
    const page = profileFor(file, '123');
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(Object.keys(profileRequests(page.value).set).sort()).toEqual(['get_started', 'greeting', 'ice_breakers', 'persistent_menu']);
  });

  it('names each faulty field by its path, as Meta would refuse it', () => {
    expect(errorsOf({ default: { greeting: [{ locale: 'default', text: 'x'.repeat(161) }] } })).toEqual(['default.greeting[0].text: at most 160 characters (has 161)']);
    expect(errorsOf({ default: { greeting: [{ locale: 'en_US', text: 'Hi' }] } })).toEqual(['default.greeting: one entry must have "locale": "default"']);
    expect(errorsOf({ default: { persistent_menu: menu([{ type: 'nested', title: 'More', call_to_actions: [] }]) } })).toEqual([
      'default.persistent_menu[0].call_to_actions[0].type: "postback" or "web_url" (nested menus were removed in Graph API v8.0)',
    ]);
    expect(errorsOf({ default: { persistent_menu: menu([{ type: 'web_url', title: 'Shop', url: 'http://shop.example' }]) } })).toEqual([
      'default.persistent_menu[0].call_to_actions[0].url: an https URL is required for a web_url item',
    ]);
    const five = Array.from({ length: 5 }, (_, i) => ({ question: `Q${i}?`, payload: `P${i}` }));
    expect(errorsOf({ pages: { '42': { ice_breakers: [{ locale: 'default', call_to_actions: five }] } } })).toEqual(['pages.42.ice_breakers[0].call_to_actions: at most 4 questions']);
    expect(errorsOf({ default: { welcome: 'hi' } })).toEqual(['default.welcome: not a profile field this command sets (get_started, greeting, persistent_menu, ice_breakers)']);
    expect(errorsOf({ pages: { 'Stride Shoes': {} } })).toEqual(['pages."Stride Shoes": a page is named by its numeric Facebook page id']);
    expect(errorsOf([])).toEqual(['the file must be a JSON object with "default" and optionally "pages"']);
  });

  it('refuses a menu without Get Started for the page whose override removes it', () => {
    const r = parseProfileFile({ default: { get_started: { payload: 'GO' }, persistent_menu: menu([{ type: 'postback', title: 'Help', payload: 'HELP' }]) }, pages: { '7': { get_started: null } } });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(profileFor(r.value, '8').ok).toBe(true);
    expect(profileFor(r.value, '7')).toEqual({ ok: false, errors: ['page 7: a persistent menu needs a Get Started button (get_started), as Meta requires'] });
  });
});

describe('pulse messenger profile apply|show against the Graph API', () => {
  let graph: FakeGraph;
  let dir: string;
  beforeAll(async () => {
    graph = await startFakeGraph({ tokens: ['tok-shoes', 'tok-volt'] });
    dir = await mkdtemp(path.join(tmpdir(), 'pulse-profile-'));
  });
  afterAll(async () => {
    await graph.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function pulse(args: string[], tokens = '111:tok-shoes,222:tok-volt') {
    const lines: string[] = [];
    const program = new Command('pulse').exitOverride();
    const config = loadConfig({ MESSENGER_PAGE_TOKENS: tokens, MESSENGER_API_URL: graph.apiUrl });
    registerMessengerCommand(program, () => config, (l) => lines.push(l));
    const error = await program.parseAsync(['messenger', 'profile', ...args], { from: 'user' }).then(() => undefined, (e: Error) => e);
    return { lines, error };
  }

  it('sets every page from the file, a page override included, removes a field set to null, and reads it back', async () => {
    const file = path.join(dir, 'profile.json');
    await writeFile(file, JSON.stringify({
      default: {
        get_started: { payload: 'GET_STARTED' },
        greeting: [{ locale: 'default', text: 'Hi {{user_first_name}}!' }],
        ice_breakers: [{ locale: 'default', call_to_actions: [{ question: 'Where is my order?', payload: 'ORDER' }] }],
        persistent_menu: menu([{ type: 'postback', title: 'Talk to a person', payload: 'HUMAN' }]),
      },
      pages: { '222': { greeting: [{ locale: 'default', text: 'Welcome to Voltix Electronics!' }], ice_breakers: null } },
    }));
    const { lines, error } = await pulse(['apply', '--file', file]);
    expect(error).toBeUndefined();
    expect(lines).toEqual([
      'page 111: set get_started, greeting, persistent_menu, ice_breakers',
      'page 222: set get_started, greeting, persistent_menu; removed ice_breakers',
    ]);
    expect(graph.pageProfiles.get('tok-shoes')).toMatchObject({ greeting: [{ text: 'Hi {{user_first_name}}!' }], ice_breakers: [{ locale: 'default' }] });
    expect(graph.pageProfiles.get('tok-volt')).toMatchObject({ greeting: [{ text: 'Welcome to Voltix Electronics!' }] });
    expect(graph.pageProfiles.get('tok-volt')).not.toHaveProperty('ice_breakers');
    const posts = graph.calls.filter((c) => c.path.endsWith('/me/messenger_profile') && c.method === 'POST');
    expect(posts.map((c) => c.token)).toEqual(['tok-shoes', 'tok-volt']);
    expect(graph.calls.filter((c) => c.method === 'DELETE').map((c) => [c.token, c.body])).toEqual([['tok-volt', { fields: ['ice_breakers'] }]]);

    const shown = await pulse(['show', '--page', '222']);
    expect(shown.error).toBeUndefined();
    expect(JSON.parse(shown.lines[0]!.replace(/^page 222: /, ''))).toMatchObject({ get_started: { payload: 'GET_STARTED' }, greeting: [{ text: 'Welcome to Voltix Electronics!' }] });
  });

  it('--dry-run checks the file and calls nothing; a bad file or an unknown page calls nothing either', async () => {
    const before = graph.calls.length;
    const dry = await pulse(['apply', '--dry-run', '--page', '111']);
    expect(dry.error).toBeUndefined();
    expect(dry.lines[0]).toBe('page 111: would set get_started, greeting, persistent_menu, ice_breakers');
    expect(JSON.parse(dry.lines[1]!)).toHaveProperty('POST.get_started.payload', 'GET_STARTED');
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ default: { greeting: [{ locale: 'default', text: 'x'.repeat(200) }] } }));
    expect((await pulse(['apply', '--file', bad])).error?.message).toMatch(/bad\.json has 1 problem\(s\):\n {2}default\.greeting\[0\]\.text: at most 160 characters/);
    expect((await pulse(['apply', '--page', '999'])).error?.message).toBe('page 999 has no token in MESSENGER_PAGE_TOKENS (pages there: 111, 222)');
    expect((await pulse(['apply'], '')).error?.message).toBe('MESSENGER_PAGE_TOKENS is not set: there is no page to set up');
    expect(graph.calls.length).toBe(before);
  });

  it('reports a page Meta refuses (an expired token) and fails, after setting the others', async () => {
    const { lines, error } = await pulse(['apply'], '111:tok-shoes,333:tok-expired');
    expect(lines).toEqual([
      'page 111: set get_started, greeting, persistent_menu, ice_breakers',
      'page 333: Meta refused the profile: the page access token is invalid or expired',
    ]);
    expect(error?.message).toBe('1 of 2 page(s) not set up');
  });
});
