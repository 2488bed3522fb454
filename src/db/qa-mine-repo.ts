import type pg from 'pg';

// The open QA issues (sessions in state `issue`) with who each one points at. Issues have no
// assignee: the issue post goes to QA_CHANNEL and the email to every developer. What does point
// at a person is in qa_events: the reviewer who raised the issue (the actor of the session's
// latest `issue` event, who also hears when it is fixed) and the developers who marked it fixed
// before it was reopened.

export interface OpenIssue {
  sessionId: number;
  /** users.id of whoever raised the current issue (null: unknown or deleted user) */
  raisedBy: number | null;
  raisedAt: Date;
  /** the asker marked this session fixed before and it was raised again */
  fixedByYouBefore: boolean;
}

export interface OpenIssues {
  /** every open issue matching, however many are listed */
  total: number;
  items: OpenIssue[];
}

/**
 * Open issues, those pointing at `userId` first (raised by them or fixed by them before), then
 * the oldest issue first. `raisedBy` keeps only the issues that user raised.
 */
export async function openIssues(pool: pg.Pool, opts: { userId: number; raisedBy?: number; limit: number }): Promise<OpenIssues> {
  const { rows } = await pool.query<{ id: number; raised_by: number | null; raised_at: Date; fixed_before: boolean; total: number }>(
    `WITH open AS (
       -- a session put in \`issue\` without an event (imported or demo data): its qa_by / qa_at say who and when
       SELECT s.id, CASE WHEN e.created_at IS NULL THEN s.qa_by_id ELSE e.actor_id END AS raised_by,
              coalesce(e.created_at, s.qa_at, s.started_at) AS raised_at,
              EXISTS (SELECT 1 FROM qa_events f WHERE f.session_id = s.id AND f.to_status = 'fixed' AND f.actor_id = $1) AS fixed_before
         FROM sessions s
         LEFT JOIN LATERAL (
           SELECT actor_id, created_at FROM qa_events
            WHERE session_id = s.id AND to_status = 'issue' ORDER BY id DESC LIMIT 1
         ) e ON true
        WHERE s.qa_status = 'issue' AND s.deleted_at IS NULL
     )
     SELECT id, raised_by, raised_at, fixed_before, count(*) OVER ()::int AS total
       FROM open
      WHERE $2::int IS NULL OR raised_by = $2
      ORDER BY (raised_by IS NOT DISTINCT FROM $1 OR fixed_before) DESC, raised_at, id
      LIMIT $3`,
    [opts.userId, opts.raisedBy ?? null, opts.limit],
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => ({ sessionId: r.id, raisedBy: r.raised_by, raisedAt: r.raised_at, fixedByYouBefore: r.fixed_before })),
  };
}
