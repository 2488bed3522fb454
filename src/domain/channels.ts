// Which channels are enabled by the configuration, and why not when they are not.
// Missing credentials disable a channel; they never stop the service from starting.

export interface ChannelSettings {
  slack: { signingSecret?: string; botToken?: string; appToken?: string };
  messenger: { appSecret?: string; verifyToken?: string; pageTokens: ReadonlyMap<string, string> };
  /** allowAnonymous: BOTFRAMEWORK_ALLOW_ANONYMOUS */
  botFramework: { appId?: string; appPassword?: string; allowAnonymous?: boolean };
  /** the HTTP listen address (HOST): Bot Framework's local mode is only for a loopback one */
  host?: string;
  llm: { apiKey?: string; baseUrl?: string; model?: string };
  email: { apiUrl?: string; apiKey?: string; smtpUrl?: string; from?: string };
}

export interface ChannelStatus {
  channel: 'slack' | 'messenger' | 'botframework' | 'llm' | 'email';
  enabled: boolean;
  reason: string;
}

const missing = (names: [string, unknown][]) => names.filter(([, v]) => !v).map(([n]) => n);

function slack(s: ChannelSettings['slack']): ChannelStatus {
  if (s.botToken && s.appToken) return { channel: 'slack', enabled: true, reason: 'Socket Mode (SLACK_APP_TOKEN)' };
  const lacking = missing([['SLACK_SIGNING_SECRET', s.signingSecret], ['SLACK_BOT_TOKEN', s.botToken]]);
  return lacking.length === 0
    ? { channel: 'slack', enabled: true, reason: 'HTTP mode at /slack/events' }
    : { channel: 'slack', enabled: false, reason: `missing ${lacking.join(', ')}` };
}

function messenger(m: ChannelSettings['messenger']): ChannelStatus {
  const lacking = missing([
    ['MESSENGER_APP_SECRET', m.appSecret],
    ['MESSENGER_VERIFY_TOKEN', m.verifyToken],
    ['MESSENGER_PAGE_TOKENS', m.pageTokens.size > 0],
  ]);
  return lacking.length === 0
    ? { channel: 'messenger', enabled: true, reason: `${m.pageTokens.size} page(s) at /webhooks/messenger` }
    : { channel: 'messenger', enabled: false, reason: `missing ${lacking.join(', ')}` };
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. 0.0.0.0 and :: are every address. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * How /api/messages treats callers. Without MICROSOFT_APP_ID nothing is authenticated, which is
 * only safe where nobody else can reach the service: 'local' on a loopback HOST, 'anonymous'
 * elsewhere when BOTFRAMEWORK_ALLOW_ANONYMOUS says so (callers get no identity), else 'refused'.
 */
export type BotFrameworkMode = 'authenticated' | 'local' | 'anonymous' | 'refused' | 'disabled';

export function botFrameworkMode(b: ChannelSettings['botFramework'], host: string): BotFrameworkMode {
  if (b.appId && b.appPassword) return 'authenticated';
  if (b.appId || b.appPassword) return 'disabled';
  if (isLoopbackHost(host)) return 'local';
  return b.allowAnonymous ? 'anonymous' : 'refused';
}

function botFramework(b: ChannelSettings['botFramework'], host: string): ChannelStatus {
  const enabled = (reason: string): ChannelStatus => ({ channel: 'botframework', enabled: true, reason });
  const disabled = (reason: string): ChannelStatus => ({ channel: 'botframework', enabled: false, reason });
  switch (botFrameworkMode(b, host)) {
    case 'authenticated':
      return enabled('authenticated (MICROSOFT_APP_ID set)');
    case 'disabled':
      return disabled('MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together');
    case 'local':
      return enabled(`local/Emulator mode, unauthenticated (no MICROSOFT_APP_ID), only on the loopback HOST ${host}`);
    case 'anonymous':
      return enabled(`ANONYMOUS on HOST ${host} (BOTFRAMEWORK_ALLOW_ANONYMOUS=true, no MICROSOFT_APP_ID): anyone who reaches /api/messages may ask, with no role`);
    case 'refused':
      return disabled(`/api/messages refuses every request: no MICROSOFT_APP_ID and HOST ${host} is not loopback (set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or BOTFRAMEWORK_ALLOW_ANONYMOUS=true)`);
  }
}

function llm(l: ChannelSettings['llm']): ChannelStatus {
  return l.apiKey
    ? { channel: 'llm', enabled: true, reason: `OpenAI-compatible API${l.baseUrl ? ` at ${l.baseUrl}` : ''}${l.model ? `, model ${l.model}` : ''}` }
    : { channel: 'llm', enabled: false, reason: 'no OPENAI_API_KEY: the offline model answers' };
}

function email(e: ChannelSettings['email']): ChannelStatus {
  if (!e.from && (e.apiUrl || e.smtpUrl)) return { channel: 'email', enabled: false, reason: 'missing EMAIL_FROM' };
  if (e.apiUrl && e.apiKey) return { channel: 'email', enabled: true, reason: `HTTP API at ${e.apiUrl}` };
  if (e.apiUrl) return { channel: 'email', enabled: false, reason: 'missing EMAIL_API_KEY for EMAIL_API_URL' };
  if (e.smtpUrl) return { channel: 'email', enabled: true, reason: 'SMTP' };
  return { channel: 'email', enabled: false, reason: 'missing EMAIL_API_URL + EMAIL_API_KEY or SMTP_URL' };
}

export function channelStatuses(s: ChannelSettings): ChannelStatus[] {
  return [slack(s.slack), messenger(s.messenger), botFramework(s.botFramework, s.host ?? '127.0.0.1'), llm(s.llm), email(s.email)];
}
