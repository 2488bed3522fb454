import { SESSION_EXPORT_COLUMNS } from '../db/session-export.ts';
import type { RawRow } from '../db/export-stream.ts';
import { figuresJson, jsonReader } from './export-format.ts';

const read = jsonReader(SESSION_EXPORT_COLUMNS);

/** One row of the session export as JSON: the session (as the list shows it) and its figures. */
export function sessionJson(r: RawRow, maskCustomer: boolean): Record<string, unknown> {
  const v = read(r);
  return {
    id: v.num('id'),
    conversationId: v.num('conversation_id'),
    fbChatId: v.text('fb_chat_id'),
    page: { id: v.num('page_id'), name: v.text('page_name') },
    customerName: maskCustomer ? null : v.text('customer_name'),
    sequence: v.num('sequence'),
    startedAt: v.time('started_at'),
    endedAt: v.time('ended_at'),
    messageCount: v.num('message_count'),
    aiEngaged: v.bool('ai_engaged'),
    aiMessageCount: v.num('ai_message_count'),
    humanHandoff: v.bool('human_handoff'),
    completionStatus: v.text('completion_status'),
    archiveStatus: v.text('archive_status'),
    qaStatus: v.text('qa_status'),
    qaVersion: v.num('qa_version'),
    qaNotes: v.text('qa_notes'),
    devFeedback: v.text('dev_feedback'),
    qaBy: v.text('qa_by'),
    qaAt: v.time('qa_at'),
    ...figuresJson(v),
  };
}
