// `/pulse email [address|off]`: a user sets, shows or clears their own email address, which QA
// notifications are sent to (developers get issue emails, reviewers hear when their issue is
// fixed). Only one's own address: an admin sets others' with `pulse user set --email`.
// Fast (two small queries), so it acks with the answer, always ephemeral (an address is personal).

import { setUserEmail, userEmail } from '../../db/users-repo.ts';
import { parseEmailAddress } from '../../domain/email-address.ts';
import { noticeReply, type CommandReply } from './csi-blocks.ts';
import type { SlackDeps } from './deps.ts';

const USAGE = '`/pulse email you@example.com` sets it, `/pulse email off` removes it.';

export async function emailReply(deps: SlackDeps, slackUserId: string, args: string, log: SlackDeps['logger']): Promise<CommandReply> {
  const text = args.trim();
  const off = /^(off|none|clear|remove)$/i.test(text);
  const parsed = text && !off ? parseEmailAddress(text) : undefined;
  if (parsed && !parsed.ok) return noticeReply(`${parsed.problem} Nothing changed. ${USAGE}`);
  try {
    const caller = await deps.callerOf(slackUserId);
    if (caller.userId === undefined) return noticeReply('Sorry, I could not tell who you are. Nothing changed.');
    if (!text) {
      const current = await userEmail(deps.pool, caller.userId);
      return noticeReply(current ? `Your email for SupportPulse notifications is ${current}. ${USAGE}` : `You have no email set, so SupportPulse sends you no emails. ${USAGE}`);
    }
    const to = parsed?.ok ? parsed.address : null;
    const r = await setUserEmail(deps.pool, { actor: caller, userId: caller.userId, email: to, source: 'slack' });
    if (!r.ok) return noticeReply(`Sorry, ${r.reason}. Nothing changed.`);
    log.info({ user: slackUserId, changed: r.changed, cleared: to === null }, 'slack: own email set');
    if (to === null) return noticeReply(r.changed ? 'Your email is removed: SupportPulse sends you no more emails.' : 'You had no email set; nothing changed.');
    return noticeReply(r.changed ? `Your email is now ${to}: QA notifications meant for you go there.` : `Your email is already ${to}; nothing changed.`);
  } catch (err) {
    log.error({ err, user: slackUserId }, 'slack: /pulse email failed');
    return noticeReply('Sorry, I could not change your email just now. Nothing changed; please try again in a minute.');
  }
}
