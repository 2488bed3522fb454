import type pg from 'pg';
import { qaRiskPage } from '../../db/qa-review-repo.ts';
import { formatCount } from '../../domain/format.ts';
import { clampInt, count, rows } from './sql.ts';

export type QaStatus = 'unchecked' | 'passed' | 'issue' | 'fixed';
const STATUSES: readonly QaStatus[] = ['unchecked', 'passed', 'issue', 'fixed'];

export interface QaQueueInput {
  /** sessions listed, default 10, at most 100 */
  limit?: number;
  /** 'risk': the unchecked sessions to review first (domain/qa-risk.ts) instead of the oldest */
  order?: 'oldest' | 'risk';
  /** business timezone (conversation-days of the risk signals) */
  timezone?: string;
}

export interface QaQueueItem {
  sessionId: number;
  conversationId: number;
  /** ISO 8601 */
  startedAt: string;
  page: string;
}

export interface QaQueueResult {
  /** AI-engaged sessions still unchecked (equals byStatus.unchecked) */
  waiting: number;
  /** AI-engaged sessions by QA status: QA reviews what the bot did, so bot-less sessions are left out */
  byStatus: Record<QaStatus, number>;
  /** the longest-waiting unchecked sessions, oldest first (empty when ordered by risk) */
  oldest: QaQueueItem[];
  /** order 'risk': the riskiest unchecked sessions first, each with its score and why */
  riskiest?: (QaQueueItem & { risk: number; reasons: string[] })[];
  display: { waiting: string };
}

/**
 * The QA backlog. Read-only: changing a status goes through qa_update and its role checks.
 * Soft-deleted sessions (DELETE /api/sessions/:id) are not part of it, as in Slack's /qa.
 */
export async function qaQueue(pool: pg.Pool, input: QaQueueInput = {}): Promise<QaQueueResult> {
  const limit = clampInt(input.limit, 10, 1, 100);
  const risky = input.order === 'risk' ? qaRiskPage(pool, { limit, offset: 0, tz: input.timezone ?? 'UTC' }) : undefined;
  const [counts, oldest] = await Promise.all([
    rows<{ status: QaStatus; n: unknown }>(
      pool,
      'SELECT qa_status::text AS status, count(*) AS n FROM sessions WHERE ai_engaged AND deleted_at IS NULL GROUP BY qa_status',
      [],
    ),
    // ordered by risk, the oldest are not listed: no query for them
    risky
      ? []
      : rows<{ session_id: number; conversation_id: number; started_at: Date; page: string }>(
          pool,
          `SELECT s.id AS session_id, s.conversation_id, s.started_at, p.name AS page
             FROM sessions s JOIN conversations c ON c.id = s.conversation_id JOIN pages p ON p.id = c.page_id
            WHERE s.ai_engaged AND s.qa_status = 'unchecked' AND s.deleted_at IS NULL
            ORDER BY s.started_at, s.id LIMIT $1`,
          [limit],
        ),
  ]);
  const ranked = risky ? (await risky).cards : undefined;
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<QaStatus, number>;
  for (const r of counts) byStatus[r.status] = count(r.n);
  return {
    waiting: byStatus.unchecked,
    byStatus,
    oldest: oldest.map((r) => ({
      sessionId: r.session_id,
      conversationId: r.conversation_id,
      startedAt: r.started_at.toISOString(),
      page: r.page,
    })),
    ...(ranked
      ? {
          riskiest: ranked.map((c) => ({
            sessionId: c.sessionId,
            conversationId: c.conversationId,
            startedAt: c.startedAt.toISOString(),
            page: c.page,
            risk: c.risk?.score ?? 0,
            reasons: c.risk?.reasons ?? [],
          })),
        }
      : {}),
    display: { waiting: formatCount(byStatus.unchecked) },
  };
}
