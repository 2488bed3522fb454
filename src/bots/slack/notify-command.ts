// `/pulse notify [slack|email|both|none]`: a user chooses how QA notifications meant for them
// reach them (users.notify_via, domain/notify-via.ts); alone it shows the current choice. Only
// one's own: an admin sets others' with `pulse user set --notify`. Acks with the answer.

import { setUserNotifyVia, userEmail, userNotifyVia } from '../../db/users-repo.ts';
import { NOTIFY_VIA_LABEL, parseNotifyVia, wantsEmail } from '../../domain/notify-via.ts';
import { noticeReply, type CommandReply } from './csi-blocks.ts';
import type { SlackDeps } from './deps.ts';

const USAGE = '`/pulse notify slack`, `email`, `both` or `none`.';

export async function notifyReply(deps: SlackDeps, slackUserId: string, args: string, log: SlackDeps['logger']): Promise<CommandReply> {
  const text = args.trim();
  const via = text ? parseNotifyVia(text) : undefined;
  if (text && !via) return noticeReply(`\`${text.slice(0, 40)}\` is not a choice. Nothing changed. ${USAGE}`);
  try {
    const caller = await deps.callerOf(slackUserId);
    if (caller.userId === undefined) return noticeReply('Sorry, I could not tell who you are. Nothing changed.');
    // an email choice without an address would silently send nothing: say so
    const noAddress = async (v: typeof via) => (v && wantsEmail(v) && !(await userEmail(deps.pool, caller.userId!)) ? ' You have no email set yet: `/pulse email you@example.com`.' : '');
    if (!via) {
      const current = await userNotifyVia(deps.pool, caller.userId);
      return noticeReply(`QA notifications meant for you come as ${NOTIFY_VIA_LABEL[current]}.${await noAddress(current)} Change it with ${USAGE}`);
    }
    const r = await setUserNotifyVia(deps.pool, { actor: caller, userId: caller.userId, via, source: 'slack' });
    if (!r.ok) return noticeReply(`Sorry, ${r.reason}. Nothing changed.`);
    log.info({ user: slackUserId, via, changed: r.changed }, 'slack: own notification preference set');
    const what = r.changed ? `From now on QA notifications meant for you come as ${NOTIFY_VIA_LABEL[via]}.` : `Already ${NOTIFY_VIA_LABEL[via]}; nothing changed.`;
    return noticeReply(`${what}${await noAddress(via)}`);
  } catch (err) {
    log.error({ err, user: slackUserId }, 'slack: /pulse notify failed');
    return noticeReply('Sorry, I could not change that just now. Nothing changed; please try again in a minute.');
  }
}
