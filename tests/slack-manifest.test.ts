import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// slack/manifest.yaml, checked against the constraints of Slack's manifest schema
// (github.com/slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json) that matter here and
// against what the service serves: one request URL, POST /slack/events, for events, commands and
// interactivity (src/domain/channels.ts reports "HTTP mode at /slack/events").

const text = readFileSync(new URL('../slack/manifest.yaml', import.meta.url), 'utf8');
const EVENTS_URL = 'https://YOUR_HOST/slack/events';
const load = (src: string): unknown => parse(src);

interface Manifest {
  _metadata?: { major_version?: number };
  display_information: { name: string; description?: string; background_color?: string };
  features: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean };
    bot_user?: { display_name: string; always_online?: boolean };
    slash_commands?: { command: string; url?: string; description: string; usage_hint?: string; should_escape?: boolean }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
    interactivity?: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
  };
}

describe('slack/manifest.yaml', () => {
  it('names the same request URL for events, commands and interactivity (line check, no parser)', () => {
    const urls = [...text.matchAll(/^\s*(?:url|request_url):\s*(\S+)\s*$/gm)].map((m) => m[1]);
    expect(urls).toEqual([EVENTS_URL, EVENTS_URL, EVENTS_URL, EVENTS_URL, EVENTS_URL, EVENTS_URL, EVENTS_URL, EVENTS_URL, EVENTS_URL]);
    expect(text).toMatch(/^\s*- command: \/pulse$/m);
    expect(text).toMatch(/^\s*- command: \/csi$/m);
    expect(text).toMatch(/^\s*- command: \/qa$/m);
    expect(text).toMatch(/^\s*- command: \/canned$/m);
    expect(text).toMatch(/^\s*- command: \/handoffs$/m);
    expect(text).toMatch(/^\s*- command: \/alert$/m);
    expect(text).toMatch(/^\s*- command: \/digest$/m);
    for (const e of ['app_mention', 'message.im', 'app_home_opened']) expect(text).toMatch(new RegExp(`^\\s*- ${e.replace('.', '\\.')}$`, 'm'));
    expect(text).toMatch(/^\s*socket_mode_enabled: false$/m);
    expect(text).toMatch(/^\s*home_tab_enabled: true$/m);
    expect(text).not.toMatch(/\t/); // YAML forbids tabs for indentation
  });

  it('parses, and keeps to the manifest schema where it matters', () => {
    const m = load(text) as Manifest;
    // top level: additionalProperties false in the schema
    expect(Object.keys(m).every((k) => ['_metadata', 'display_information', 'features', 'oauth_config', 'settings'].includes(k))).toBe(true);
    expect(m._metadata?.major_version).toBe(1);
    const d = m.display_information;
    expect(d.name).toBe('SupportPulse');
    expect(d.name.length).toBeLessThanOrEqual(35);
    expect(d.description!.length).toBeGreaterThanOrEqual(1);
    expect(d.description!.length).toBeLessThanOrEqual(140);
    expect(d.background_color).toMatch(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
    expect(m.features.bot_user).toEqual({ display_name: 'SupportPulse', always_online: true });
    expect(m.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });

    const commands = m.features.slash_commands ?? [];
    expect(commands.map((c) => c.command)).toEqual(['/pulse', '/csi', '/qa', '/canned', '/handoffs', '/alert', '/digest']);
    for (const c of commands) {
      expect(c.command).toMatch(/^\/[a-z0-9_-]{1,31}$/);
      expect(c.url).toBe(EVENTS_URL);
      expect(c.description.length).toBeGreaterThanOrEqual(1);
      expect(c.description.length).toBeLessThanOrEqual(2000);
      // /digest takes a #channel: escaped, it arrives with the channel's id
      expect(c.should_escape).toBe(c.command === '/digest');
    }

    const s = m.settings;
    expect(s.event_subscriptions?.request_url).toBe(EVENTS_URL);
    expect([...(s.event_subscriptions?.bot_events ?? [])].sort()).toEqual(['app_home_opened', 'app_mention', 'message.channels', 'message.groups', 'message.im']);
    expect(s.interactivity).toEqual({ is_enabled: true, request_url: EVENTS_URL });
    expect(s.socket_mode_enabled).toBe(false);
    for (const url of [s.event_subscriptions?.request_url, s.interactivity?.request_url, ...commands.map((c) => c.url)]) {
      expect(new URL(url ?? '').pathname).toBe('/slack/events');
    }
  });

  it('asks for every scope its events and calls need, and no duplicates', () => {
    const scopes = (load(text) as Manifest).oauth_config.scopes.bot;
    expect(new Set(scopes).size).toBe(scopes.length);
    for (const s of scopes) expect(s.length).toBeLessThanOrEqual(50);
    // app_mention → app_mentions:read, message.im → im:history, slash commands → commands,
    // chat.* → chat:write, chart uploads → files:write, users.info → users:read,
    // conversations.info → channels:read / groups:read / im:read, handoff threads (message.channels /
    // message.groups) → channels:history / groups:history
    for (const needed of ['channels:history', 'groups:history', 'app_mentions:read', 'im:history', 'commands', 'chat:write', 'files:write', 'files:read', 'users:read', 'channels:read', 'groups:read', 'im:read', 'im:write']) {
      expect(scopes, needed).toContain(needed);
    }
  });
});
