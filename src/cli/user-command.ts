import type { Command } from 'commander';
import type { Config } from '../config.js';
import { ROLE_LABELS, PERSON_ROLES, isPersonRole, type Caller, type Role } from '../domain/access.js';
import { parseEmailAddress } from '../domain/email-address.js';
import { parseNotifyVia, type NotifyVia } from '../domain/notify-via.js';
import { withMigratedPool } from './token-command.js';

type Out = (line: string) => void;

/** Whoever runs the CLI holds the database credentials: an admin, audited as "terminal". */
const TERMINAL: Caller = { role: 'admin', name: 'terminal' };

interface SetOptions {
  email?: string;
  role?: string;
  notify?: string;
}

/** The options read and checked before anything is written: a bad --role must not leave a changed email behind. */
function readOptions(opts: SetOptions): { email?: string | null; role?: Role; notify?: NotifyVia } {
  if (opts.email === undefined && opts.role === undefined && opts.notify === undefined) throw new Error('say what to set: --email <address|off>, --role <role> and/or --notify <slack|email|both|none>');
  const out: { email?: string | null; role?: Role; notify?: NotifyVia } = {};
  if (opts.notify !== undefined) {
    const via = parseNotifyVia(opts.notify);
    if (!via) throw new Error(`--notify must be slack, email, both or none, got "${opts.notify}"`);
    out.notify = via;
  }
  if (opts.role !== undefined) {
    const role = opts.role.trim().toLowerCase();
    if (!isPersonRole(role)) throw new Error(`--role must be one of ${PERSON_ROLES.join(', ')}, got "${opts.role}"`);
    out.role = role;
  }
  if (opts.email !== undefined) {
    if (/^(off|none)$/i.test(opts.email.trim())) out.email = null;
    else {
      const parsed = parseEmailAddress(opts.email);
      if (!parsed.ok) throw new Error(`--email: ${parsed.problem.replace(/`/g, '"')}`);
      out.email = parsed.address;
    }
  }
  return out;
}

/** `pulse user set`: an admin sets a user's email, role and/or notification preference; each change is audited (audit_logs). */
export function registerUserCommand(program: Command, config: () => Config, out: Out): void {
  const user = program.command('user').description('users: set a role or an email address');

  user
    .command('set')
    .description('set a user\'s email (for QA notifications) and/or role; each change is written to audit_logs')
    .argument('<user>', 'a Slack user id (U…, recorded when missing), a users.id, or the external id of an API user')
    .option('--email <address>', 'one plain address (the domain is lower-cased); "off" removes it')
    .option('--role <role>', `one of ${PERSON_ROLES.join(', ')}`)
    .option('--notify <how>', 'how QA notifications meant for them arrive: slack (DM), email, both, none')
    .action(async (who: string, opts: SetOptions) => {
      const wanted = readOptions(opts);
      const { parseUserRef } = await import('../db/tokens-repo.js');
      const { setUserEmail, setUserNotifyVia, setUserRole, userIdOf } = await import('../db/users-repo.js');
      const ref = parseUserRef(who);
      const cfg = config();
      return withMigratedPool(cfg, async (pool) => {
        let target: { slackId: string } | { userId: number };
        if (ref.kind === 'slack') target = { slackId: ref.externalId };
        else if (ref.kind === 'id') target = { userId: ref.id };
        else {
          const id = await userIdOf(pool, 'api', ref.externalId);
          if (id === undefined) throw new Error(`there is no user "${ref.externalId}"; pass a Slack user id (U…) or a users.id`);
          target = { userId: id };
        }
        // the role first: it is the change that can be refused (ADMIN_SLACK_IDS), and then nothing is written
        if (wanted.role !== undefined) {
          const r = await setUserRole(pool, { ...target, actor: TERMINAL, role: wanted.role, adminIds: cfg.adminSlackIds, source: 'cli' });
          if (!r.ok) throw new Error(r.reason.replace(/<@([A-Z0-9]+)>/g, '$1'));
          out(r.changed ? `user ${r.userId}: role ${r.from} → ${r.to} (${ROLE_LABELS[r.to]})` : `user ${r.userId}: role already ${r.to}`);
          target = { userId: r.userId };
        }
        if (wanted.email !== undefined) {
          const r = await setUserEmail(pool, { ...target, actor: TERMINAL, email: wanted.email, source: 'cli' });
          if (!r.ok) throw new Error(r.reason);
          const shown = (e: string | null) => e ?? 'none';
          out(r.changed ? `user ${r.userId}: email ${shown(r.from)} → ${shown(r.to)}` : `user ${r.userId}: email already ${shown(r.to)}`);
          target = { userId: r.userId };
        }
        if (wanted.notify !== undefined) {
          const r = await setUserNotifyVia(pool, { ...target, actor: TERMINAL, via: wanted.notify, source: 'cli' });
          if (!r.ok) throw new Error(r.reason);
          out(r.changed ? `user ${r.userId}: notify ${r.from} → ${r.to}` : `user ${r.userId}: notify already ${r.to}`);
        }
      });
    });
}
