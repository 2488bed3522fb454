// Which channels are enabled by the configuration, and why not when they are not.
// Missing credentials disable a channel; they never stop the service from starting.

export interface ChannelSettings {
  slack: { signingSecret?: string; botToken?: string; appToken?: string };
  messenger: { appSecret?: string; verifyToken?: string; pageTokens: ReadonlyMap<string, string> };
  botFramework: { appId?: string; appPassword?: string };
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

function botFramework(b: ChannelSettings['botFramework']): ChannelStatus {
  if (b.appId && b.appPassword) return { channel: 'botframework', enabled: true, reason: 'authenticated (MICROSOFT_APP_ID set)' };
  if (b.appId || b.appPassword) {
    return { channel: 'botframework', enabled: false, reason: 'MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD must be set together' };
  }
  return { channel: 'botframework', enabled: true, reason: 'local/Emulator mode, unauthenticated (no MICROSOFT_APP_ID)' };
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
  return [slack(s.slack), messenger(s.messenger), botFramework(s.botFramework), llm(s.llm), email(s.email)];
}
