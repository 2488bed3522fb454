import type pg from 'pg';
import { isNotifyVia } from '../domain/notify-via.ts';
import type { DisputeStatus } from '../domain/qa-dispute.ts';
import type { QaPerson } from './notifications-repo.ts';

// What a dispute notification says and whom it reaches (issue 20, point 4): the dispute with its
// session and review, the people in it (who raised it, the reviewer, who settled it), and the team
// leads who settle disputes. Each person with their Slack id, email and notify_via.

export interface DisputeNotice {
  disputeId: number;
  sessionId: number;
  status: DisputeStatus;
  reason: string;
  resolution: string | null;
  /** the disputed review's QA score now (after an accepted dispute: the corrected one) */
  score: number | null;
  autofailed: boolean;
  page: string;
  raisedBy: QaPerson | null;
  reviewer: QaPerson | null;
  resolvedBy: QaPerson | null;
}

interface PersonCols { id: number | null; platform: string | null; external_id: string | null; name: string | null; email: string | null; notify_via: string | null }

const personOf = (r: PersonCols): QaPerson | null =>
  r.id === null
    ? null
    : {
        userId: r.id,
        ...(r.platform === 'slack' && r.external_id ? { slackId: r.external_id } : {}),
        ...(r.name ? { name: r.name } : {}),
        ...(r.email?.trim() ? { email: r.email.trim() } : {}),
        ...(isNotifyVia(r.notify_via) ? { notifyVia: r.notify_via } : {}),
      };

const cols = (alias: string) =>
  ['id', 'platform', 'external_id', 'name', 'email'].map((c) => `${alias}.${c} AS ${alias}_${c}`).join(', ') + `, ${alias}.notify_via::text AS ${alias}_notify_via`;

const pick = (row: Record<string, unknown>, alias: string): PersonCols => ({
  id: row[`${alias}_id`] as number | null,
  platform: row[`${alias}_platform`] as string | null,
  external_id: row[`${alias}_external_id`] as string | null,
  name: row[`${alias}_name`] as string | null,
  email: row[`${alias}_email`] as string | null,
  notify_via: row[`${alias}_notify_via`] as string | null,
});

export async function disputeNotice(db: pg.Pool | pg.ClientBase, disputeId: number): Promise<DisputeNotice | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT d.id, d.session_id, d.status::text AS status, d.reason, d.resolution, r.score, r.autofailed, p.name AS page,
            ${cols('a')}, ${cols('v')}, ${cols('b')}
       FROM qa_disputes d JOIN qa_reviews r ON r.id = d.review_id
       JOIN sessions s ON s.id = d.session_id JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
       LEFT JOIN users a ON a.id = d.raised_by_id LEFT JOIN users v ON v.id = r.reviewer_id LEFT JOIN users b ON b.id = d.resolved_by_id
      WHERE d.id = $1 AND s.deleted_at IS NULL`,
    [disputeId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    disputeId: r.id as number,
    sessionId: r.session_id as number,
    status: r.status as DisputeStatus,
    reason: r.reason as string,
    resolution: r.resolution as string | null,
    score: r.score as number | null,
    autofailed: r.autofailed as boolean,
    page: r.page as string,
    raisedBy: personOf(pick(r, 'a')),
    reviewer: personOf(pick(r, 'v')),
    resolvedBy: personOf(pick(r, 'b')),
  };
}

/** Who settles disputes: the team leads; with none, the admins. */
export async function disputeResolvers(db: pg.Pool | pg.ClientBase): Promise<QaPerson[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `WITH leads AS (SELECT * FROM users WHERE role = 'lead'),
          pick AS (SELECT * FROM leads UNION ALL SELECT * FROM users WHERE role = 'admin' AND NOT EXISTS (SELECT 1 FROM leads))
     SELECT ${cols('u')} FROM pick u ORDER BY u.id`,
  );
  return rows.map((r) => personOf(pick(r, 'u'))).filter((p): p is QaPerson => p !== null);
}
