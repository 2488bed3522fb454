import { describe, expect, it } from 'vitest';
import { channelStatuses, type ChannelSettings } from '../src/domain/channels.ts';

const none: ChannelSettings = {
  slack: {},
  messenger: { pageTokens: new Map() },
  botFramework: {},
  llm: {},
  email: {},
};

const byChannel = (s: ChannelSettings) => Object.fromEntries(channelStatuses(s).map((c) => [c.channel, c]));

describe('channelStatuses', () => {
  it('reports every channel, saying what is missing', () => {
    const s = byChannel(none);
    expect(Object.keys(s)).toEqual(['slack', 'messenger', 'botframework', 'llm', 'email']);
    expect(s.slack).toMatchObject({ enabled: false, reason: 'missing SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN' });
    expect(s.messenger).toMatchObject({ enabled: false, reason: 'missing MESSENGER_APP_SECRET, MESSENGER_VERIFY_TOKEN, MESSENGER_PAGE_TOKENS' });
    expect(s.botframework).toMatchObject({ enabled: true, reason: expect.stringContaining('Emulator') });
    expect(s.llm).toMatchObject({ enabled: false, reason: expect.stringContaining('offline model') });
    expect(s.email).toMatchObject({ enabled: false });
  });

  it('enables channels whose credentials are complete', () => {
    const s = byChannel({
      slack: { signingSecret: 's', botToken: 'xoxb' },
      messenger: { appSecret: 'a', verifyToken: 'v', pageTokens: new Map([['1', 't']]) },
      botFramework: { appId: 'id', appPassword: 'pw' },
      llm: { apiKey: 'k', baseUrl: 'http://localhost:11434/v1', model: 'llama' },
      email: { apiUrl: 'http://mail', apiKey: 'k', from: 'pulse@example.com' },
    });
    for (const c of Object.values(s)) expect(c.enabled).toBe(true);
    expect(s.slack!.reason).toContain('HTTP mode');
    expect(byChannel({ ...none, slack: { botToken: 'x', appToken: 'xapp' } }).slack!.reason).toContain('Socket Mode');
  });

  it('refuses half-configured Bot Framework and email', () => {
    expect(byChannel({ ...none, botFramework: { appId: 'id' } }).botframework!.enabled).toBe(false);
    expect(byChannel({ ...none, email: { smtpUrl: 'smtp://x' } }).email!.reason).toBe('missing EMAIL_FROM');
    expect(byChannel({ ...none, email: { apiUrl: 'http://x', from: 'a@b' } }).email!.reason).toContain('EMAIL_API_KEY');
  });
});
