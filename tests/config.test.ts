import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: '/srv/app/.data',
      embeddedPgPort: 5433,
      demoData: true,
      businessTimezone: 'UTC',
      logLevel: 'info',
      slack: { apiUrl: 'https://slack.com/api/' },
      messenger: { apiUrl: 'https://graph.facebook.com/v26.0' },
    });
    expect(c.messenger.pageTokens.size).toBe(0);
    expect(c.adminSlackIds).toEqual([]);
  });

  it('reads the Bot Framework app type and tenant, and rejects an unknown type', () => {
    const c = loadConfig({ MICROSOFT_APP_ID: 'id', MICROSOFT_APP_PASSWORD: 'pw', MICROSOFT_APP_TYPE: 'SingleTenant', MICROSOFT_APP_TENANT_ID: 'tenant-1' });
    expect(c.botFramework).toEqual({ appId: 'id', appPassword: 'pw', appType: 'SingleTenant', tenantId: 'tenant-1', allowAnonymous: false, ratePerMinute: 60 });
    expect(loadConfig({ BOTFRAMEWORK_ALLOW_ANONYMOUS: 'true', BOTFRAMEWORK_RATE_LIMIT_PER_MINUTE: '5' }).botFramework).toMatchObject({ allowAnonymous: true, ratePerMinute: 5 });
    expect(loadConfig({}).slack.authRetryMaxSeconds).toBe(300);
    expect(() => loadConfig({ SLACK_AUTH_RETRY_MAX_SECONDS: '0' })).toThrow(/SLACK_AUTH_RETRY_MAX_SECONDS/);
    expect(loadConfig({}).botFramework.appType).toBeUndefined();
    expect(() => loadConfig({ MICROSOFT_APP_TYPE: 'UserAssignedMSI' })).toThrow(/MICROSOFT_APP_TYPE: expected MultiTenant or SingleTenant/);
  });

  it('parses lists, booleans and page tokens', () => {
    const c = loadConfig({
      DEMO_DATA: 'false',
      ADMIN_SLACK_IDS: 'U1, U2,',
      MESSENGER_PAGE_TOKENS: '111:tokA,222:tok:B',
      BUSINESS_TIMEZONE: 'Europe/Berlin',
      DATABASE_URL: 'postgres://u:p@db.internal:5432/pulse',
      OPENAI_API_KEY: '',
    });
    expect(c.demoData).toBe(false);
    expect(c.adminSlackIds).toEqual(['U1', 'U2']);
    expect([...c.messenger.pageTokens]).toEqual([['111', 'tokA'], ['222', 'tok:B']]);
    expect(c.businessTimezone).toBe('Europe/Berlin');
    expect(c.databaseUrl).toBe('postgres://u:p@db.internal:5432/pulse');
    expect(c.llm.apiKey).toBeUndefined();
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', EMBEDDED_PG_PORT: '0', BUSINESS_TIMEZONE: 'Nowhere/City', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.problems.map((p) => p.variable).sort()).toEqual(['BUSINESS_TIMEZONE', 'DATABASE_URL', 'EMBEDDED_PG_PORT', 'LOG_LEVEL', 'PORT']);
    expect(e.message).toMatch(/PORT: expected PORT: an integer port 1-65535 \(got "abc"\)/);
    expect(e.message).toMatch(/DATABASE_URL: expected a postgresql:\/\/ URL/);
    expect(e.message.split('\n').length).toBeLessThan(20);
  });

  it('rejects malformed URLs and page tokens', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ MESSENGER_PAGE_TOKENS: 'no-colon' })).toThrow(/MESSENGER_PAGE_TOKENS: expected pageId:token/);
    expect(() => loadConfig({ SLACK_API_URL: 'not a url' })).toThrow(/SLACK_API_URL/);
  });
});
