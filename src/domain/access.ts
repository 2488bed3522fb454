// Who may do what, as plain data. Channels resolve a caller's role (Slack user → users.role);
// the rules here decide, so every channel answers the same question the same way.

export const ROLES = ['admin', 'lead', 'qa', 'developer', 'agent'] as const;
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

/** Transcripts and anything about a single customer. */
export function mayReadCustomerData(role: Role): boolean {
  return role === 'admin' || role === 'lead' || role === 'qa';
}

const RANK: Record<Role, number> = { admin: 4, lead: 3, qa: 2, developer: 1, agent: 0 };

/**
 * Aggregate analytics (CSI, volumes, response times): anyone by default; when the workspace
 * sets a minimum role, that role or a higher one. Order: agent < developer < qa < lead < admin.
 */
export function mayAskAnalytics(role: Role, minRole?: Role): boolean {
  return minRole === undefined || RANK[role] >= RANK[minRole];
}
