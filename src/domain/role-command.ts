import { isPersonRole, PERSON_ROLES, type Role } from './access.ts';

// `/pulse role @user <role>`: who and which role. Slack sends a picked user as an escaped
// mention, `<@U123|name>` (or `<@U123>` in newer clients and without escaping); people also
// paste raw ids (`U123`, `W123` for Enterprise Grid). Pure: text in, a result out.

export type RoleCommand = { ok: true; slackId: string; role: Role } | { ok: false; problem: string };

export const ROLE_USAGE = '`/pulse role @user <role>`, where role is one of admin, lead, qa, developer, agent';

const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const RAW_ID = /^@?([UW][A-Z0-9]{2,})$/;

/** Parses the words after `role`. */
export function parseRoleCommand(args: string): RoleCommand {
  // a display name after `|` may contain spaces: take the mention as one token
  const text = args.trim();
  const m = /^(<@[^>]*>|\S+)\s*(.*)$/s.exec(text);
  if (!m || !text) return { ok: false, problem: `Say whose role to set and to what: ${ROLE_USAGE}.` };
  const [, who = '', rest = ''] = m;
  const id = MENTION.exec(who)?.[1] ?? RAW_ID.exec(who.toUpperCase())?.[1];
  if (!id) return { ok: false, problem: `I can't tell who \`${who.slice(0, 40)}\` is: mention the person (@name) or give their Slack user id (U…). Usage: ${ROLE_USAGE}.` };
  const words = rest.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { ok: false, problem: `Which role? One of ${PERSON_ROLES.join(', ')}.` };
  const role = words[0]!.toLowerCase();
  if (words.length > 1 || !isPersonRole(role)) return { ok: false, problem: `\`${rest.trim().slice(0, 40)}\` is not a role; use one of ${PERSON_ROLES.join(', ')}.` };
  return { ok: true, slackId: id, role };
}
