import { ROLE_LABELS, type Role } from './access.ts';

// Disputes of scorecard reviews (issue 20): who may dispute a review and who may settle it, as
// data, so Slack and REST answer the same way. open → accepted | rejected, once.

export const DISPUTE_STATUSES = ['open', 'accepted', 'rejected'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const REASON_MAX = 2000;

/** Who settles disputes. */
export const RESOLVER_ROLES: readonly Role[] = ['lead', 'admin'];

export type DisputeDecision = { ok: true; text: string } | { ok: false; kind: 'forbidden' | 'missing_reason' | 'too_long'; reason: string };

/**
 * Whether `role` may dispute a review: developers and admins any review, a support agent only a
 * review of a session they replied in (`ownSession`).
 */
export function decideDispute(req: { role: Role; ownSession: boolean; reason?: string }): DisputeDecision {
  const allowed = req.role === 'developer' || req.role === 'admin' || (req.role === 'agent' && req.ownSession);
  if (!allowed) {
    const why = req.role === 'agent' ? 'support agents can dispute reviews of sessions they replied in' : 'developers, admins and the reviewed agent can dispute a review';
    return { ok: false, kind: 'forbidden', reason: `${why}; you are ${ROLE_LABELS[req.role]}` };
  }
  return checkText(req.reason, 'a dispute needs a reason saying what the review got wrong');
}

/** Whether `role` may accept or reject a dispute; a rejection needs a reason, an acceptance may carry a note. */
export function decideResolution(req: { role: Role; status: DisputeStatus; accept: boolean; note?: string }): DisputeDecision {
  if (!RESOLVER_ROLES.includes(req.role)) return { ok: false, kind: 'forbidden', reason: `only team leads and admins settle disputes; you are ${ROLE_LABELS[req.role]}` };
  if (req.status !== 'open') return { ok: false, kind: 'forbidden', reason: `this dispute was ${req.status} already` };
  if (req.accept) {
    const note = req.note?.trim() ?? '';
    if (note.length > REASON_MAX) return { ok: false, kind: 'too_long', reason: `the note is too long (${note.length} characters; at most ${REASON_MAX})` };
    return { ok: true, text: note };
  }
  return checkText(req.note, 'a rejection needs a reason for the person who disputed');
}

function checkText(text: string | undefined, missing: string): DisputeDecision {
  const t = text?.trim() ?? '';
  if (!t) return { ok: false, kind: 'missing_reason', reason: missing };
  if (t.length > REASON_MAX) return { ok: false, kind: 'too_long', reason: `the text is too long (${t.length} characters; at most ${REASON_MAX})` };
  return { ok: true, text: t };
}
