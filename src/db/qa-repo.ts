import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import { decideQaChange, type QaStatus } from '../domain/qa.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { prismaOf, txSql, TX_OPTIONS, type Db, type Tx, type TxSql } from './client.ts';
import { completeAssignments } from './qa-assignments-repo.ts';

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

/**
 * Runs inside the change's transaction: work that must commit with it (e.g. queuing
 * notifications). `sql` runs raw SQL in that transaction, shaped like pg's `client.query` so
 * pg-boss's `{ db }` option (jobs/queue.ts inTransaction) enqueues with the change.
 */
export type AfterQaChange = (sql: TxSql, change: QaChanged & { input: QaChangeInput }) => Promise<void>;

const SELECT = {
  id: true, conversationId: true, qaStatus: true, qaVersion: true, qaNotes: true, devFeedback: true, qaById: true, qaAt: true, deletedAt: true,
} satisfies Prisma.SessionSelect;

type Row = Prisma.SessionGetPayload<{ select: typeof SELECT }>;

const toState = ({ deletedAt, ...r }: Row): QaSessionState => ({ ...r, deleted: deletedAt !== null });

export async function qaState(pool: pg.Pool | Db | Tx, sessionId: number): Promise<QaSessionState | undefined> {
  const db = '$queryRawUnsafe' in pool ? pool : prismaOf(pool);
  const row = await db.session.findUnique({ where: { id: sessionId }, select: SELECT });
  return row ? toState(row) : undefined;
}

/**
 * One QA change: the session's QA fields and a QaEvent in one transaction, or nothing. The
 * update only applies to the version read (or the one the actor saw), so of two concurrent
 * changes exactly one wins and the other is told. A change the actor's role does not allow is
 * written to the audit log and changes nothing else.
 */
export async function changeQaStatus(pool: pg.Pool | Db, input: QaChangeInput, after?: AfterQaChange): Promise<QaChangeResult> {
  const prisma = prismaOf(pool);
  let lostRace: QaSessionState | undefined;
  const result = await prisma.$transaction(async (tx): Promise<QaChangeResult> => {
    const current = await qaState(tx, input.sessionId);
    // A soft-deleted session (DELETE /api/sessions/:id) is gone for every channel.
    if (!current || current.deleted) return { ok: false, kind: 'not_found', reason: `there is no session ${input.sessionId}` };
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.qaVersion) {
      return { ok: false, kind: 'conflict', reason: conflictReason(current), session: current };
    }
    const decision = decideQaChange({ from: current.qaStatus, to: input.to, role: input.actor.role, notes: input.notes, devFeedback: input.devFeedback });
    if (!decision.ok) {
      if (decision.kind === 'forbidden') await audit(tx, input, 'qa.refused', { from: current.qaStatus, to: input.to, reason: decision.reason });
      return { ok: false, kind: decision.kind, reason: decision.reason, session: current };
    }
    // the version check: a change committed since our read leaves nothing to update here
    const { count } = await tx.session.updateMany({
      where: { id: input.sessionId, qaVersion: current.qaVersion },
      data: {
        qaStatus: input.to, qaVersion: { increment: 1 }, qaById: input.actor.userId ?? null, qaAt: input.at ?? new Date(),
        ...(decision.notes !== undefined ? { qaNotes: decision.notes } : {}),
        ...(decision.devFeedback !== undefined ? { devFeedback: decision.devFeedback } : {}),
      },
    });
    if (count !== 1) {
      lostRace = current;
      return { ok: false, kind: 'conflict', reason: conflictReason(current), session: current };
    }
    const session = (await qaState(tx, input.sessionId))!;
    const event = await tx.qaEvent.create({
      data: {
        sessionId: input.sessionId, actorId: input.actor.userId ?? null, fromStatus: current.qaStatus, toStatus: input.to,
        notes: decision.notes ?? null, devFeedback: decision.devFeedback ?? null, ...(input.at ? { createdAt: input.at } : {}),
      },
      select: { id: true },
    });
    // a verdict by the session's assigned reviewer completes the assignment (db/qa-assignments-repo.ts)
    if (input.to === 'passed' || input.to === 'issue') await completeAssignments(txSql(tx), input.sessionId, input.actor.userId ?? null, input.at);
    const changed: QaChanged = { ok: true, from: current.qaStatus, session, eventId: event.id };
    if (after) await after(txSql(tx), { ...changed, input });
    return changed;
  }, TX_OPTIONS);
  if (lostRace) {
    // another change committed between our read and our update: say what the session is now
    const now = await qaState(prisma, input.sessionId);
    return { ok: false, kind: 'conflict', reason: conflictReason(now ?? lostRace), ...(now ? { session: now } : {}) };
  }
  return result;
}

function conflictReason(now: QaSessionState): string {
  return `someone else changed session ${now.id} first; it is now ${now.qaStatus}. Look at it again before changing it`;
}

async function audit(tx: Tx, input: QaChangeInput, action: string, details: Record<string, unknown>): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorId: input.actor.userId ?? null,
      action,
      target: `session:${input.sessionId}`,
      details: { ...details, source: input.source, actor: input.actor.name ?? null, role: input.actor.role } as Prisma.InputJsonObject,
    },
  });
}
