import { ROLE_LABELS, type Role } from './access.ts';

// The QA workflow's rules, as plain data: which state may follow which, who may move a
// session there, and what each move needs. Every channel (Slack, REST, the assistant) asks
// these same functions, so they cannot disagree.

export const QA_STATUSES = ['unchecked', 'passed', 'issue', 'fixed'] as const;
export type QaStatus = (typeof QA_STATUSES)[number];

export const isQaStatus = (v: unknown): v is QaStatus => typeof v === 'string' && (QA_STATUSES as readonly string[]).includes(v);

/** unchecked → passed | issue; issue → fixed; fixed → passed (verified) | issue (reopened); passed → issue (reopened) */
const NEXT: Record<QaStatus, readonly QaStatus[]> = {
  unchecked: ['passed', 'issue'],
  issue: ['fixed'],
  fixed: ['passed', 'issue'],
  passed: ['issue'],
};

/** Who may set each target state. */
const SETTERS: Record<QaStatus, readonly Role[]> = {
  unchecked: [],
  passed: ['qa', 'admin'],
  issue: ['qa', 'admin'],
  fixed: ['developer', 'admin'],
};

export const NOTES_MAX = 4000;

export interface QaChangeRequest {
  from: QaStatus;
  to: QaStatus;
  role: Role;
  /** reviewer's notes; required for `issue` */
  notes?: string;
  /** developer feedback; required for `fixed` */
  devFeedback?: string;
}

export type QaDecision =
  | { ok: true; notes?: string; devFeedback?: string }
  | { ok: false; kind: 'forbidden' | 'invalid_transition' | 'missing_notes' | 'too_long'; reason: string };

const ROLE_NAMES: Record<Role, string> = { admin: 'admins', lead: 'team leads', qa: 'QA reviewers', developer: 'developers', agent: 'support agents', bot: 'outside bots' };

const list = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);

/** The roles that may set some QA state (any other may change none): the REST API refuses the rest before reading the body. */
export const QA_CHANGER_ROLES: readonly Role[] = [...new Set(Object.values(SETTERS).flat())];

/** Whether `role` may move a session from `from` to `to`, with the texts it needs. */
export function decideQaChange(req: QaChangeRequest): QaDecision {
  const setters = SETTERS[req.to];
  if (!setters.includes(req.role)) {
    const who = setters.length ? `only ${list(setters.map((r) => ROLE_NAMES[r]))} can` : 'nobody can';
    return { ok: false, kind: 'forbidden', reason: `${who} mark a session ${req.to}; you are ${ROLE_LABELS[req.role]}` };
  }
  if (!NEXT[req.from].includes(req.to)) {
    const allowed = NEXT[req.from];
    return {
      ok: false,
      kind: 'invalid_transition',
      reason: `a session that is ${req.from} cannot become ${req.to}${allowed.length ? ` (it can become ${list(allowed)})` : ''}`,
    };
  }
  const notes = clean(req.notes);
  const devFeedback = clean(req.devFeedback);
  if (req.to === 'issue' && !notes) return { ok: false, kind: 'missing_notes', reason: 'an issue needs notes saying what went wrong' };
  if (req.to === 'fixed' && !devFeedback) return { ok: false, kind: 'missing_notes', reason: 'fixed needs developer feedback saying what was changed' };
  for (const [name, text] of [['notes', notes], ['developer feedback', devFeedback]] as const) {
    if (text && text.length > NOTES_MAX) return { ok: false, kind: 'too_long', reason: `${name} are too long (${text.length} characters; at most ${NOTES_MAX})` };
  }
  return { ok: true, ...(notes ? { notes } : {}), ...(devFeedback ? { devFeedback } : {}) };
}

/** The states a role can move a session in `from` to (for buttons and help). */
export function qaTargets(from: QaStatus, role: Role): QaStatus[] {
  return NEXT[from].filter((to) => SETTERS[to].includes(role));
}

function clean(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}
