import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import { decideQaChange, isQaStatus, type QaStatus } from '../domain/qa.ts';

export interface QaSessionState {
  id: number;
  conversationId: number;
  qaStatus: QaStatus;
  qaVersion: number;
  qaNotes: string | null;
  devFeedback: string | null;
  qaById: number | null;
  qaAt: Date | null;
  /** soft-deleted: no QA change applies */
  deleted: boolean;
}

export interface QaChangeInput {
  sessionId: number;
  to: QaStatus;
  actor: Caller;
  notes?: string;
  devFeedback?: string;
  /** the qa_version the actor saw (e.g. carried by a Slack button); a newer one is a conflict */
  expectedVersion?: number;
  /** where the change came from, for the audit trail: 'slack', 'api', 'assistant', 'cli' */
  source: string;
  /** when it happened on the caller's clock (the injected one); default the database's now() */
  at?: Date;
}

export interface QaChanged {
  ok: true;
  from: QaStatus;
  session: QaSessionState;
  eventId: number;
}

export interface QaRefused {
  ok: false;
  kind: 'not_found' | 'conflict' | 'forbidden' | 'invalid_transition' | 'missing_notes' | 'too_long';
  reason: string;
  /** the session as it is now, when it exists */
  session?: QaSessionState;
}

export type QaChangeResult = QaChanged | QaRefused;

/** Runs inside the change's transaction: work that must commit with it (e.g. queuing notifications). */
export type AfterQaChange = (client: pg.PoolClient, change: QaChanged & { input: QaChangeInput }) => Promise<void>;

const COLUMNS = `id, conversation_id, qa_status::text AS qa_status, qa_version, qa_notes, dev_feedback, qa_by_id, qa_at, deleted_at IS NOT NULL AS deleted`;

interface Row {
  id: number;
  conversation_id: number;
  qa_status: string;
  qa_version: number;
  qa_notes: string | null;
  dev_feedback: string | null;
  qa_by_id: number | null;
  qa_at: Date | null;
  deleted: boolean;
}

const toState = (r: Row): QaSessionState => ({
  id: r.id,
  conversationId: r.conversation_id,
  qaStatus: isQaStatus(r.qa_status) ? r.qa_status : 'unchecked',
  qaVersion: r.qa_version,
  qaNotes: r.qa_notes,
  devFeedback: r.dev_feedback,
  qaById: r.qa_by_id,
  qaAt: r.qa_at,
  deleted: r.deleted,
});

export async function qaState(pool: pg.Pool | pg.ClientBase, sessionId: number): Promise<QaSessionState | undefined> {
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [sessionId]);
  return rows[0] ? toState(rows[0]) : undefined;
}

/**
 * One QA change: the session's QA fields and a QaEvent in one transaction, or nothing. The
 * update only applies to the version read (or the one the actor saw), so of two concurrent
 * changes exactly one wins and the other is told. A change the actor's role does not allow is
 * written to the audit log and changes nothing else.
 */
export async function changeQaStatus(pool: pg.Pool, input: QaChangeInput, after?: AfterQaChange): Promise<QaChangeResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const current = await qaState(client, input.sessionId);
    // A soft-deleted session (DELETE /api/sessions/:id) is gone for every channel.
    if (!current || current.deleted) {
      await client.query('ROLLBACK');
      return { ok: false, kind: 'not_found', reason: `there is no session ${input.sessionId}` };
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.qaVersion) {
      await client.query('ROLLBACK');
      return { ok: false, kind: 'conflict', reason: conflictReason(current), session: current };
    }
    const decision = decideQaChange({ from: current.qaStatus, to: input.to, role: input.actor.role, notes: input.notes, devFeedback: input.devFeedback });
    if (!decision.ok) {
      if (decision.kind === 'forbidden') await audit(client, input, 'qa.refused', { from: current.qaStatus, to: input.to, reason: decision.reason });
      await client.query('COMMIT');
      return { ok: false, kind: decision.kind, reason: decision.reason, session: current };
    }
    const updated = await client.query<Row>(
      `UPDATE sessions
          SET qa_status = $2::"QaStatus", qa_version = qa_version + 1, qa_by_id = $3, qa_at = COALESCE($7::timestamptz, now()), updated_at = now(),
              qa_notes = CASE WHEN $4::text IS NOT NULL THEN $4 ELSE qa_notes END,
              dev_feedback = CASE WHEN $5::text IS NOT NULL THEN $5 ELSE dev_feedback END
        WHERE id = $1 AND qa_version = $6
        RETURNING ${COLUMNS}`,
      [input.sessionId, input.to, input.actor.userId ?? null, decision.notes ?? null, decision.devFeedback ?? null, current.qaVersion, input.at ?? null],
    );
    if (updated.rowCount !== 1) {
      await client.query('ROLLBACK');
      const now = await qaState(pool, input.sessionId);
      return { ok: false, kind: 'conflict', reason: conflictReason(now ?? current), ...(now ? { session: now } : {}) };
    }
    const event = await client.query<{ id: number }>(
      `INSERT INTO qa_events (session_id, actor_id, from_status, to_status, notes, dev_feedback, created_at)
       VALUES ($1, $2, $3::"QaStatus", $4::"QaStatus", $5, $6, COALESCE($7::timestamptz, now())) RETURNING id`,
      [input.sessionId, input.actor.userId ?? null, current.qaStatus, input.to, decision.notes ?? null, decision.devFeedback ?? null, input.at ?? null],
    );
    const changed: QaChanged = { ok: true, from: current.qaStatus, session: toState(updated.rows[0]!), eventId: event.rows[0]!.id };
    if (after) await after(client, { ...changed, input });
    await client.query('COMMIT');
    return changed;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

function conflictReason(now: QaSessionState): string {
  return `someone else changed session ${now.id} first; it is now ${now.qaStatus}. Look at it again before changing it`;
}

async function audit(client: pg.ClientBase, input: QaChangeInput, action: string, details: Record<string, unknown>): Promise<void> {
  await client.query(`INSERT INTO audit_logs (actor_id, action, target, details) VALUES ($1, $2, $3, $4)`, [
    input.actor.userId ?? null,
    action,
    `session:${input.sessionId}`,
    JSON.stringify({ ...details, source: input.source, actor: input.actor.name ?? null, role: input.actor.role }),
  ]);
}
