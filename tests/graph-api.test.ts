import { describe, expect, it } from 'vitest';
import { GRAPH_API_VERSIONS, graphVersionOf, graphVersionStatus } from '../src/domain/graph-api.ts';
import { loadConfig } from '../src/config.ts';
import { graphApiFindings, scoreHealth } from '../src/domain/validation.ts';

// Issue 19: the Graph API version is configurable, the default is current, and validation warns
// 60 days before the configured version expires.

describe('Graph API version', () => {
  it('is read from the last segment of MESSENGER_API_URL', () => {
    expect(graphVersionOf('https://graph.facebook.com/v21.0')).toBe('v21.0');
    expect(graphVersionOf('https://graph.facebook.com/v26.0/')).toBe('v26.0');
    expect(graphVersionOf('http://127.0.0.1:9999')).toBeUndefined();
  });

  it('defaults to a version that is not retired and not about to be', () => {
    const status = graphVersionStatus(loadConfig({}).messenger.apiUrl, new Date('2026-12-06T00:00:00Z'));
    expect(status.version).toBe('v26.0');
    expect(status.state).toBe('current');
  });

  it('is current until 60 days before its expiry, then expiring, then expired', () => {
    const url = 'https://graph.facebook.com/v21.0';
    expect(GRAPH_API_VERSIONS['v21.0']!.expires).toBe('2027-01-21');
    expect(graphVersionStatus(url, new Date('2026-11-21T23:00:00Z'))).toMatchObject({ state: 'current', daysLeft: 61 });
    expect(graphVersionStatus(url, new Date('2026-11-22T00:00:00Z'))).toMatchObject({ state: 'expiring', daysLeft: 60 });
    expect(graphVersionStatus(url, new Date('2027-01-20T12:00:00Z'))).toMatchObject({ state: 'expiring', daysLeft: 1 });
    expect(graphVersionStatus(url, new Date('2027-01-21T00:00:00Z'))).toMatchObject({ state: 'expired', daysLeft: 0 });
    expect(graphVersionStatus(url, new Date('2027-01-21T00:00:01Z'))).toMatchObject({ state: 'expired' });
    expect(graphVersionStatus('https://graph.facebook.com/v99.0', new Date())).toEqual({ state: 'unknown', version: 'v99.0' });
  });

  it('becomes a validation finding that lowers the health score only when expiring or expired', () => {
    const now = new Date('2026-12-06T00:00:00Z');
    expect(graphApiFindings('https://graph.facebook.com/v26.0', now)).toEqual([]);
    expect(graphApiFindings('http://127.0.0.1:1234', now)).toEqual([]);
    const expiring = graphApiFindings('https://graph.facebook.com/v21.0', now);
    expect(expiring).toEqual([{ check: 'graph_api_expiring', count: 1, samples: ['v21.0 expires 2027-01-21'] }]);
    const report = scoreHealth(expiring, []);
    expect(report.issues.map((i) => [i.check, i.severity])).toEqual([['graph_api_expiring', 'warning']]);
    expect(report.healthScore).toBeLessThan(100);
    expect(graphApiFindings('https://graph.facebook.com/v20.0', now)[0]!.check).toBe('graph_api_expired');
  });
});
