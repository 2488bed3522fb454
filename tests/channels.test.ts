import { describe, expect, it } from 'vitest';
import { botFrameworkMode, channelStatuses, isLoopbackHost, type ChannelSettings } from '../src/domain/channels.ts';

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

  it('runs Bot Framework unauthenticated only on a loopback HOST, or anonymously when allowed', () => {
    expect(byChannel({ ...none, host: '0.0.0.0' }).botframework).toMatchObject({ enabled: false, reason: expect.stringMatching(/refuses every request.*HOST 0\.0\.0\.0 is not loopback/) });
    expect(byChannel({ ...none, host: '0.0.0.0', botFramework: { allowAnonymous: true } }).botframework).toMatchObject({ enabled: true, reason: expect.stringContaining('ANONYMOUS') });
    expect(byChannel({ ...none, host: '::1' }).botframework!.reason).toContain('Emulator');
  });
});

describe('botFrameworkMode and isLoopbackHost', () => {
  it('knows loopback addresses from the ones other machines reach', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', 'example.com', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('decides the mode from the credentials, HOST and BOTFRAMEWORK_ALLOW_ANONYMOUS', () => {
    expect(botFrameworkMode({ appId: 'a', appPassword: 'p' }, '0.0.0.0')).toBe('authenticated');
    expect(botFrameworkMode({ appId: 'a' }, '127.0.0.1')).toBe('disabled');
    expect(botFrameworkMode({}, '127.0.0.1')).toBe('local');
    expect(botFrameworkMode({ allowAnonymous: true }, '127.0.0.1')).toBe('local');
    expect(botFrameworkMode({}, '0.0.0.0')).toBe('refused');
    expect(botFrameworkMode({ allowAnonymous: true }, '0.0.0.0')).toBe('anonymous');
  });
});
