import { describe, expect, it } from 'vitest';
import {
  analyticsDenial, CUSTOMER_DATA_ROLES, customerDataDenial, isCaller, isRole, mayAskAnalytics, mayReadCustomerData, ROLES, rolesFrom, UNKNOWN_CALLER,
} from '../src/domain/access.ts';

// The rules every channel answers by (issue 5, "Who may ask"): aggregates for everyone unless
// the workspace sets a minimum role; transcripts and single-customer data for lead, qa, admin.

describe('roles', () => {
  it('knows the five roles of people, the ingest-only bot, and nothing else', () => {
    expect([...ROLES]).toEqual(['admin', 'lead', 'qa', 'developer', 'agent', 'bot']);
    for (const r of ROLES) expect(isRole(r)).toBe(true);
    for (const v of ['Admin', 'owner', '', null, undefined, 3, {}]) expect(isRole(v)).toBe(false);
  });
});

describe('customer data (transcripts, anything about one customer)', () => {
  it('is for leads, QA reviewers and admins only', () => {
    const allowed = ROLES.filter(mayReadCustomerData);
    expect(allowed.sort()).toEqual(['admin', 'lead', 'qa']);
    expect([...CUSTOMER_DATA_ROLES].sort()).toEqual(['admin', 'lead', 'qa']);
    expect(mayReadCustomerData('agent')).toBe(false);
    expect(mayReadCustomerData('developer')).toBe(false);
  });

  it('explains a refusal: who may, and who the caller is', () => {
    expect(customerDataDenial('agent')).toBe(
      'conversation transcripts and anything about a single customer are only shown to team leads, QA reviewers and admins; you are a support agent.',
    );
    expect(customerDataDenial('developer')).toMatch(/; you are a developer\.$/);
  });
});

describe('aggregate analytics', () => {
  it('is open to every role without a workspace minimum, but never to an outside bot (it may only ingest)', () => {
    for (const r of ROLES) expect(mayAskAnalytics(r)).toBe(r !== 'bot');
    expect(mayAskAnalytics('bot', 'agent')).toBe(false);
  });

  it('with a minimum role admits that role and the ones above it (agent < developer < qa < lead < admin)', () => {
    const allowed = (min: (typeof ROLES)[number]) => ROLES.filter((r) => mayAskAnalytics(r, min)).sort();
    expect(allowed('agent')).toEqual(ROLES.filter((r) => r !== 'bot').sort());
    expect(allowed('developer')).toEqual(['admin', 'developer', 'lead', 'qa']);
    expect(allowed('qa')).toEqual(['admin', 'lead', 'qa']);
    expect(allowed('lead')).toEqual(['admin', 'lead']);
    expect(allowed('admin')).toEqual(['admin']);
    expect(rolesFrom('qa')).toEqual(['qa', 'lead', 'admin']);
  });

  it('explains a refusal with the roles the setting admits', () => {
    expect(analyticsDenial('agent', 'lead')).toBe('this workspace limits analytics questions to team leads and admins; you are a support agent.');
    expect(analyticsDenial('developer', 'admin')).toBe('this workspace limits analytics questions to admins; you are a developer.');
  });
});

describe('callers from outside', () => {
  it('accepts a well-formed caller and rejects anything else', () => {
    expect(isCaller({ role: 'lead' })).toBe(true);
    expect(isCaller({ role: 'qa', userId: 7, name: 'U123' })).toBe(true);
    for (const v of [undefined, null, 'admin', {}, { role: 'root' }, { role: 'lead', userId: '7' }, { role: 'lead', userId: 1.5 }, { role: 'lead', name: 3 }]) {
      expect(isCaller(v), JSON.stringify(v)).toBe(false);
    }
  });

  it('an unknown caller has the lowest role, so it is shown the least', () => {
    expect(UNKNOWN_CALLER.role).toBe('agent');
    expect(mayReadCustomerData(UNKNOWN_CALLER.role)).toBe(false);
  });
});
