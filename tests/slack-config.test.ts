import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

// ASSISTANT_MIN_ROLE: who may ask the assistant for aggregate analytics (Slack and every channel).

describe('ASSISTANT_MIN_ROLE', () => {
  it('is unset (anyone may ask) by default and when empty', () => {
    expect(loadConfig({}).assistantMinRole).toBeUndefined();
    expect(loadConfig({ ASSISTANT_MIN_ROLE: '  ' }).assistantMinRole).toBeUndefined();
  });

  it('takes one of the roles, in any case', () => {
    expect(loadConfig({ ASSISTANT_MIN_ROLE: 'lead' }).assistantMinRole).toBe('lead');
    expect(loadConfig({ ASSISTANT_MIN_ROLE: ' QA ' }).assistantMinRole).toBe('qa');
  });

  it('refuses anything else with a message naming the variable and the choices', () => {
    let err: unknown;
    try {
      loadConfig({ ASSISTANT_MIN_ROLE: 'boss' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      { variable: 'ASSISTANT_MIN_ROLE', expected: 'expected one of admin, lead, qa, developer, agent (unset: anyone may ask) (got "boss")' },
    ]);
  });
});
