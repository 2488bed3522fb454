import type pg from 'pg';

// handoff_files: a customer's attachment forwarded into the handoff thread, one row per
// attachment, written before Slack is called and moved on at each step of the upload, so that
// handling the same Messenger event again never posts the file twice. Plain SQL, plain objects.

export type HandoffFileState = 'pending' | 'uploading' | 'completing' | 'shared' | 'linked';

export interface HandoffFileRow {
  key: string;
  conversationId: number;
  state: HandoffFileState;
  slackFileId: string | null;
  attempts: number;
}

interface Row {
  key: string;
  conversation_id: number;
  state: HandoffFileState;
  slack_file_id: string | null;
  attempts: number;
}

const toRow = (r: Row): HandoffFileRow => ({ key: r.key, conversationId: r.conversation_id, state: r.state, slackFileId: r.slack_file_id, attempts: r.attempts });

/** The attachment's row, created on first sight; each call counts an attempt. */
export async function claimHandoffFile(pool: pg.Pool, f: { key: string; conversationId: number; kind: string; sourceUrl: string }): Promise<HandoffFileRow> {
  const { rows } = await pool.query<Row>(
    `INSERT INTO handoff_files (key, conversation_id, kind, source_url, attempts, updated_at) VALUES ($1, $2, $3, $4, 1, now())
     ON CONFLICT (key) DO UPDATE SET attempts = handoff_files.attempts + 1, updated_at = now()
     RETURNING key, conversation_id, state, slack_file_id, attempts`,
    [f.key, f.conversationId, f.kind, f.sourceUrl],
  );
  return toRow(rows[0]!);
}

/** Slack handed out a file id for the bytes (files.getUploadURLExternal). */
export async function markUploading(pool: pg.Pool, key: string, slackFileId: string, bytes: number): Promise<void> {
  await pool.query(`UPDATE handoff_files SET state = 'uploading', slack_file_id = $2, bytes = $3, updated_at = now() WHERE key = $1`, [key, slackFileId, bytes]);
}

/** About to share the uploaded file in the thread: from here a retry checks before sharing again. */
export async function markCompleting(pool: pg.Pool, key: string): Promise<void> {
  await pool.query(`UPDATE handoff_files SET state = 'completing', updated_at = now() WHERE key = $1`, [key]);
}

/** Final: the file is in the thread (`shared`), or a link and the reason are (`linked`). */
export async function finishHandoffFile(pool: pg.Pool, key: string, state: 'shared' | 'linked', reason?: string, bytes?: number): Promise<void> {
  await pool.query(`UPDATE handoff_files SET state = $2, reason = $3, bytes = COALESCE($4, bytes), updated_at = now() WHERE key = $1`, [key, state, reason ?? null, bytes ?? null]);
}

/** The attachment a person sent to the customer, on the stored message (messages.attachments, as Meta's webhook shapes them). */
export async function setMessageAttachments(db: pg.Pool | pg.ClientBase, mid: string, attachments: unknown[]): Promise<void> {
  await db.query('UPDATE messages SET attachments = $2::jsonb WHERE mid = $1', [mid, JSON.stringify(attachments)]);
}
