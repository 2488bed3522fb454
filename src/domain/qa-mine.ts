import type { Caller } from './access.ts';

// `/qa mine` (issue 20, point 6): which open QA issues point at the asker and how the reply says
// so. Pure: src/db/qa-mine-repo.ts reads the issues with who raised them and whether the asker
// fixed them before; src/bots/slack/qa-mine.ts renders. Issues are not assigned to anyone (each
// is posted in QA_CHANNEL and emailed to every developer), so "mine" is defined by the QA trail:
// - a QA reviewer: the issues they raised (they are the one told when it is fixed);
// - a developer: every open issue, the ones that came back after they marked them fixed first;
// - a lead or an admin: every open issue, the ones they raised or fixed before first;
// - a support agent: nothing (agents neither raise nor fix issues).

/** What the rule needs of one open issue. */
export interface MineIssue {
  /** users.id of whoever raised the current issue (null: unknown or deleted user) */
  raisedBy: number | null;
  /** the asker marked this session fixed before and it was raised again */
  fixedByYouBefore: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Whether the asker's list is limited to the issues they raised (QA reviewers). */
export const onlyRaisedBy = (caller: Caller): number | undefined => (caller.role === 'qa' ? caller.userId : undefined);

/** Why an issue points at the asker, if it does (shown under its card). */
export function mineMarker(item: MineIssue, caller: Caller): string | undefined {
  if (item.fixedByYouBefore) return ':leftwards_arrow_with_hook: came back after you marked it fixed';
  if (item.raisedBy !== null && item.raisedBy === caller.userId && caller.role !== 'qa') return ':bust_in_silhouette: you raised this issue';
  return undefined;
}

/** The reply's first line: which definition of "mine" it used, how many, and what comes first. */
export function mineHead(caller: Caller, total: number, shown: number, pointing: number): string {
  const more = total > shown ? ` The first ${shown} are shown.` : '';
  if (caller.role === 'qa') {
    return `*Your open QA issues*: ${plural(total, 'session')} you raised ${total === 1 ? 'is' : 'are'} still waiting for a fix, oldest first.${more}`;
  }
  const all = `*Open QA issues*: ${plural(total, 'session')} in issue.`;
  const why = 'Issues are not assigned to one person (each is posted in QA_CHANNEL and emailed to every developer), so this lists all of them';
  if (pointing === 0) return `${all} ${why}, oldest first.${more}`;
  const yours = caller.role === 'developer'
    ? `${pointing} came back after you marked ${pointing === 1 ? 'it' : 'them'} fixed`
    : `${pointing} ${pointing === 1 ? 'is' : 'are'} yours (raised or fixed by you before)`;
  return `${all} ${why}: the ${pointing === 1 ? 'one' : `${pointing}`} pointing at you first (${yours}), then oldest first.${more}`;
}
