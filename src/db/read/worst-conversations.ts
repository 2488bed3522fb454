import type pg from 'pg';
import type { Period } from '../../domain/periods.ts';
import { formatCsi } from '../../domain/format.ts';
import { clampInt, num, rows } from './sql.ts';

export interface WorstConversationsInput {
  period: Period;
  pageId?: number;
  /** default 10, at most 50 */
  limit?: number;
}

export interface WorstConversationDay {
  conversationId: number;
  fbChatId: string;
  page: string;
  day: string;
  csi: number;
  missingMetrics: string[];
  display: { csi: string };
}

/** The lowest-CSI conversation-days in a period (ties: earlier day, then lower id). Read-only. */
export async function worstConversations(pool: pg.Pool, input: WorstConversationsInput): Promise<WorstConversationDay[]> {
  const limit = clampInt(input.limit, 10, 1, 50);
  const result = await rows<{ conversation_id: number; fb_chat_id: string; page: string; day: string; csi: unknown; missing: string[] | null }>(
    pool,
    `SELECT da.conversation_id, c.fb_chat_id, p.name AS page, da.day::text AS day, da.csi, da.missing_metrics AS missing
       FROM daily_analyses da JOIN conversations c ON c.id = da.conversation_id JOIN pages p ON p.id = c.page_id
      WHERE da.day BETWEEN $1::date AND $2::date AND da.csi IS NOT NULL AND ($3::int IS NULL OR c.page_id = $3)
      ORDER BY da.csi, da.day, da.conversation_id LIMIT $4`,
    [input.period.from, input.period.to, input.pageId ?? null, limit],
  );
  return result.map((r) => {
    const csi = num(r.csi) ?? 0;
    return {
      conversationId: r.conversation_id,
      fbChatId: r.fb_chat_id,
      page: r.page,
      day: r.day,
      csi,
      missingMetrics: r.missing ?? [],
      display: { csi: formatCsi(csi) },
    };
  });
}
