// Who may do what, as plain data. Channels resolve a caller's role (Slack user → users.role);
// the rules here decide, so every channel answers the same question the same way.

export const ROLES = ['admin', 'lead', 'qa', 'developer', 'agent', 'bot'] as const;
export type Role = (typeof ROLES)[number];

/** The person behind a question: a Slack/Teams user, or the local operator at a terminal. */
export interface Caller {
  role: Role;
  /** users.id when the caller is a known user */
  userId?: number;
  /** for logs and audit entries: a Slack id, "terminal", ... */
  name?: string;
}

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

/** The roles a person can be given (Slack `/pulse role`, `pulse user set`): all but the ingest-only bot, a token's role. */
export const PERSON_ROLES = ROLES.filter((r) => r !== 'bot');
export const isPersonRole = (v: unknown): v is Role => isRole(v) && v !== 'bot';

/** Transcripts and anything about a single customer. */
export function mayReadCustomerData(role: Role): boolean {
  return role === 'admin' || role === 'lead' || role === 'qa';
}

const RANK: Record<Role, number> = { admin: 4, lead: 3, qa: 2, developer: 1, agent: 0, bot: -1 };

/**
 * An outside AI agent's token (issue 20, point 9): it sends its conversations in and may do
 * nothing else, whatever a route's own role list says (routes/auth.ts refuses it elsewhere).
 */
export const INGEST_ONLY_ROLE = 'bot' satisfies Role;

/**
 * Aggregate analytics (CSI, volumes, response times): anyone by default (but an ingest-only
 * bot); when the workspace sets a minimum role, that role or a higher one. Order: agent <
 * developer < qa < lead < admin.
 */
export function mayAskAnalytics(role: Role, minRole?: Role): boolean {
  if (role === INGEST_ONLY_ROLE) return false;
  return minRole === undefined || RANK[role] >= RANK[minRole];
}

/** The roles that may read transcripts and single-customer data, highest first. */
export const CUSTOMER_DATA_ROLES: readonly Role[] = ROLES.filter(mayReadCustomerData);

/** How a role reads in a sentence. */
export const ROLE_LABELS: Record<Role, string> = {
  admin: 'an admin',
  lead: 'a team lead',
  qa: 'a QA reviewer',
  developer: 'a developer',
  agent: 'a support agent',
  bot: 'an outside bot (ingest only)',
};

const PLURALS: Record<Role, string> = { admin: 'admins', lead: 'team leads', qa: 'QA reviewers', developer: 'developers', agent: 'support agents', bot: 'outside bots' };

// Sentences name the people a team lead thinks of first, admins last.
const SPOKEN_ORDER: readonly Role[] = ['lead', 'qa', 'developer', 'agent', 'admin'];

/** "team leads, QA reviewers and admins" */
function listRoles(roles: readonly Role[]): string {
  const names = SPOKEN_ORDER.filter((r) => roles.includes(r)).map((r) => PLURALS[r]);
  return names.length <= 1 ? (names[0] ?? 'nobody') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

/** The roles at or above `minRole`, lowest first: who may ask analytics under that setting. */
export function rolesFrom(minRole: Role): Role[] {
  return [...ROLES].filter((r) => RANK[r] >= RANK[minRole]).sort((a, b) => RANK[a] - RANK[b]);
}

/**
 * Why a caller may not see transcripts or single-customer data, as a sentence for the model
 * and the channel: who may, and what this caller is.
 */
export function customerDataDenial(role: Role): string {
  return `conversation transcripts and anything about a single customer are only shown to ${listRoles(CUSTOMER_DATA_ROLES)}; you are ${ROLE_LABELS[role]}.`;
}

/** Why a caller may not ask analytics when the workspace requires `minRole`. */
export function analyticsDenial(role: Role, minRole: Role): string {
  return `this workspace limits analytics questions to ${listRoles(rolesFrom(minRole))}; you are ${ROLE_LABELS[role]}.`;
}

/** A caller as it may arrive from outside (a run's configuration): role checked, extras typed. */
export function isCaller(v: unknown): v is Caller {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return isRole(c.role) && (c.userId === undefined || Number.isInteger(c.userId)) && (c.name === undefined || typeof c.name === 'string');
}

/** Whoever asks without saying who they are: the lowest role, so nothing is shown by mistake. */
export const UNKNOWN_CALLER: Caller = { role: 'agent', name: 'unknown' };
