import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

// The HTTP hardening settings (issue 17): CORS origins, upload rate and concurrency.

describe('CORS_ORIGINS, UPLOADS_PER_MINUTE, UPLOAD_CONCURRENCY', () => {
  it('defaults to no CORS, 10 uploads a minute per token and 2 at once', () => {
    const c = loadConfig({});
    expect(c.corsOrigins).toEqual([]);
    expect(c.uploads).toEqual({ perMinute: 10, concurrency: 2 });
  });

  it('reads origins as the Origin header carries them, and refuses anything else', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173/', UPLOADS_PER_MINUTE: '30', UPLOAD_CONCURRENCY: '4' });
    expect(c.corsOrigins).toEqual(['https://ops.example.com', 'http://localhost:5173']);
    expect(c.uploads).toEqual({ perMinute: 30, concurrency: 4 });
    for (const bad of ['*', 'ops.example.com', 'https://ops.example.com/app', 'ftp://files.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS: expected CORS_ORIGINS: comma-separated origins/);
    }
    expect(() => loadConfig({ UPLOAD_CONCURRENCY: '0' })).toThrow(/UPLOAD_CONCURRENCY/);
  });
});
