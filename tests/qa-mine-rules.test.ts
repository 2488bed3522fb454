import { describe, expect, it } from 'vitest';
import type { Caller } from '../src/domain/access.ts';
import { mineHead, mineMarker, onlyRaisedBy } from '../src/domain/qa-mine.ts';

// The `/qa mine` rule (src/domain/qa-mine.ts), without a database: whose issues a role sees, and
// how an issue pointing at the asker is marked and counted in the head line.

const qa: Caller = { role: 'qa', userId: 7, name: 'U0QA' };
const dev: Caller = { role: 'developer', userId: 8, name: 'U0DEV' };
const lead: Caller = { role: 'lead', userId: 9, name: 'U0LEAD' };

describe('/qa mine rule', () => {
  it('a reviewer sees only the issues they raised; others see every issue', () => {
    expect(onlyRaisedBy(qa)).toBe(7);
    expect(onlyRaisedBy(dev)).toBeUndefined();
    expect(onlyRaisedBy(lead)).toBeUndefined();
  });

  it('marks issues that came back after the asker fixed them, and a lead\'s own issues', () => {
    expect(mineMarker({ raisedBy: 1, fixedByYouBefore: true }, dev)).toMatch(/came back after you marked it fixed/);
    expect(mineMarker({ raisedBy: 9, fixedByYouBefore: false }, lead)).toMatch(/you raised this issue/);
    // a reviewer's list is all their own: no marker needed
    expect(mineMarker({ raisedBy: 7, fixedByYouBefore: false }, qa)).toBeUndefined();
    expect(mineMarker({ raisedBy: 1, fixedByYouBefore: false }, dev)).toBeUndefined();
  });

  it('says which definition it used and how many point at the asker', () => {
    expect(mineHead(qa, 3, 3, 0)).toBe('*Your open QA issues*: 3 sessions you raised are still waiting for a fix, oldest first.');
    expect(mineHead(dev, 20, 15, 1)).toMatch(/^\*Open QA issues\*: 20 sessions in issue\. .*: the one pointing at you first \(1 came back after you marked it fixed\), then oldest first\. The first 15 are shown\.$/);
    expect(mineHead(lead, 2, 2, 0)).toMatch(/so this lists all of them, oldest first\.$/);
  });
});
