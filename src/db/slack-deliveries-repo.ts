import type pg from 'pg';

// slack_deliveries: one row per Slack question (idempotency key), the record that makes the
// answer exactly-once across Slack retries, job retries and restarts. Plain SQL, plain objects.

export type SlackDeliveryState = 'queued' | 'working' | 'answered' | 'refused' | 'failed';

export interface NewSlackDelivery {
  key: string;
  team?: string;
  channel: string;
  threadTs?: string;
  messageTs?: string;
  user: string;
  text: string;
  responseUrl?: string;
}

/** The answer as stored between the assistant and Slack: enough to render it again. */
export interface StoredAnswer {
  text: string;
  model: string;
  /** statements the tools ran, for "Show SQL" (only whether there were any is needed to render) */
  sqlCount: number;
  /** charts still to upload; dropped once the delivery is answered */
  charts?: { title: string; pngBase64: string }[];
  chartCount: number;
  /** the period the answer is about, when a tool reported one */
  periodLabel?: string;
}

export interface SlackDelivery extends NewSlackDelivery {
  state: SlackDeliveryState;
  repeats: number;
  attempts: number;
  workingTs?: string;
  answer?: StoredAnswer;
  sql?: string;
  filesUploaded: number;
  error?: string;
}

interface Row {
  key: string;
  team: string | null;
  channel: string;
  thread_ts: string | null;
  message_ts: string | null;
  user_id: string;
  text: string;
  response_url: string | null;
  state: SlackDeliveryState;
  repeats: number;
  attempts: number;
  working_ts: string | null;
  answer: StoredAnswer | null;
  sql: string | null;
  files_uploaded: number;
  error: string | null;
}

const opt = <K extends string, V>(k: K, v: V | null): { [P in K]?: V } => (v === null ? {} : ({ [k]: v } as { [P in K]?: V }));

function toDelivery(r: Row): SlackDelivery {
  return {
    key: r.key,
    channel: r.channel,
    user: r.user_id,
    text: r.text,
    state: r.state,
    repeats: r.repeats,
    attempts: r.attempts,
    filesUploaded: r.files_uploaded,
    ...opt('team', r.team),
    ...opt('threadTs', r.thread_ts),
    ...opt('messageTs', r.message_ts),
    ...opt('responseUrl', r.response_url),
    ...opt('workingTs', r.working_ts),
    ...opt('answer', r.answer),
    ...opt('sql', r.sql),
    ...opt('error', r.error),
  };
}

/**
 * Records a question; false when its key is already there (the repeat is counted). Run it in
 * the transaction that enqueues the job, so the row and the job commit together or not at all.
 */
export async function insertSlackDelivery(client: pg.ClientBase, d: NewSlackDelivery): Promise<boolean> {
  const { rows } = await client.query<{ inserted: boolean }>(
    `INSERT INTO slack_deliveries (key, team, channel, thread_ts, message_ts, user_id, text, response_url, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (key) DO UPDATE SET repeats = slack_deliveries.repeats + 1
     RETURNING (xmax = 0) AS inserted`,
    [d.key, d.team ?? null, d.channel, d.threadTs ?? null, d.messageTs ?? null, d.user, d.text, d.responseUrl ?? null],
  );
  return rows[0]?.inserted === true;
}

/** The delivery, counting this attempt. */
export async function startSlackAttempt(pool: pg.Pool, key: string): Promise<SlackDelivery | undefined> {
  const { rows } = await pool.query<Row>(
    `UPDATE slack_deliveries SET attempts = attempts + 1, updated_at = now() WHERE key = $1 RETURNING *`,
    [key],
  );
  return rows[0] ? toDelivery(rows[0]) : undefined;
}

export async function findSlackDelivery(pool: pg.Pool, key: string): Promise<SlackDelivery | undefined> {
  const { rows } = await pool.query<Row>('SELECT * FROM slack_deliveries WHERE key = $1', [key]);
  return rows[0] ? toDelivery(rows[0]) : undefined;
}

export async function setWorkingTs(pool: pg.Pool, key: string, ts: string): Promise<void> {
  await pool.query(`UPDATE slack_deliveries SET state = 'working', working_ts = $2, updated_at = now() WHERE key = $1`, [key, ts]);
}

export async function saveAnswer(pool: pg.Pool, key: string, answer: StoredAnswer, sql: string | undefined): Promise<void> {
  await pool.query(`UPDATE slack_deliveries SET answer = $2, sql = $3, updated_at = now() WHERE key = $1`, [key, JSON.stringify(answer), sql ?? null]);
}

export async function setFilesUploaded(pool: pg.Pool, key: string, n: number): Promise<void> {
  await pool.query('UPDATE slack_deliveries SET files_uploaded = $2, updated_at = now() WHERE key = $1', [key, n]);
}

/** Final states. Chart bytes are dropped: they were only kept until uploaded. */
export async function finishSlackDelivery(pool: pg.Pool, key: string, state: 'answered' | 'refused' | 'failed', error?: string): Promise<void> {
  await pool.query(
    `UPDATE slack_deliveries
        SET state = $2::text::"SlackDeliveryState", error = $3, answer = CASE WHEN answer IS NULL THEN NULL ELSE answer - 'charts' END,
            answered_at = CASE WHEN $2::text = 'failed' THEN answered_at ELSE now() END, updated_at = now()
      WHERE key = $1`,
    [key, state, error ?? null],
  );
}

export async function recordSlackError(pool: pg.Pool, message: string, context: Record<string, unknown>): Promise<void> {
  await pool.query(`INSERT INTO error_logs (source, message, context) VALUES ('slack', $1, $2)`, [message, JSON.stringify(context)]);
}
