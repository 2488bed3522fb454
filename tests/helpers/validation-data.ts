import type pg from 'pg';

// A small, healthy dataset for the validation tests, written with plain SQL so every row and
// timestamp is known: two pages' worth of nothing, one page with `conversations` answered
// conversations, each scored (daily analysis + completed job) and the metric cache refreshed after.

const HOUR = 3_600_000;

export interface CleanData {
  pageId: number;
  conversationIds: number[];
  jobIds: number[];
}

export async function insertCleanData(pool: pg.Pool, now: Date, conversations = 3): Promise<CleanData> {
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  const page = await pool.query<{ id: number }>(`INSERT INTO pages (fb_page_id, name, updated_at) VALUES ('P_VALID', 'Valid page', now()) RETURNING id`);
  const pageId = page.rows[0]!.id;
  const conversationIds: number[] = [];
  const jobIds: number[] = [];
  for (let i = 0; i < conversations; i++) {
    const asked = at(5 * HOUR + i * 60_000);
    const answered = new Date(asked.getTime() + 90_000);
    const customer = await pool.query<{ id: number }>(`INSERT INTO customers (page_id, psid, name) VALUES ($1, $2, $3) RETURNING id`, [pageId, `PSID${i}`, `Customer ${i}`]);
    const conv = await pool.query<{ id: number }>(
      `INSERT INTO conversations (fb_chat_id, page_id, customer_id, total_messages, customer_messages, agent_messages, first_message_at, last_message_at, updated_at)
       VALUES ($1, $2, $3, 2, 1, 1, $4, $5, now()) RETURNING id`,
      [`chat-valid-${i}`, pageId, customer.rows[0]!.id, asked, answered],
    );
    const id = conv.rows[0]!.id;
    conversationIds.push(id);
    await pool.query(
      `INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, social_create_time) VALUES
         ($1, $2, 'to_company', 'customer', 'Is the blue kettle in stock?', $3),
         ($1, $4, 'to_client', 'bot', 'Yes, it ships tomorrow.', $5)`,
      [id, `m-valid-${i}-a`, asked, `m-valid-${i}-b`, answered],
    );
    await pool.query(`INSERT INTO processed_chats (fb_chat_id, message_count, processed_at) VALUES ($1, 2, $2)`, [`chat-valid-${i}`, at(4 * HOUR)]);
    const day = await pool.query<{ id: number }>(
      `INSERT INTO daily_analyses (conversation_id, day, message_count, sentiment_score, sentiment_shift, resolution_achieved, fcr_score, ces,
         first_response_time, avg_response_time, total_handling_time, effectiveness, effort, efficiency, empathy, csi, scorer_name, scorer_version, analyzed_at, updated_at)
       VALUES ($1, ($2::timestamptz AT TIME ZONE 'UTC')::date, 2, 7, 1, 8, 8, 2, 90, 90, 2, 8, 8.3, 9.5, 7.7, 83, 'offline', '1', $3, $3) RETURNING id`,
      [id, asked, at(3 * HOUR)],
    );
    const job = await pool.query<{ id: number }>(
      `INSERT INTO jobs (status, attempts, created_at, started_at, completed_at, result) VALUES ('completed', 1, $1, $1, $2, '{}') RETURNING id`,
      [at(4 * HOUR), at(3 * HOUR)],
    );
    jobIds.push(job.rows[0]!.id);
    await pool.query(`INSERT INTO job_daily_analyses (job_id, daily_analysis_id) VALUES ($1, $2)`, [job.rows[0]!.id, day.rows[0]!.id]);
  }
  await pool.query(`INSERT INTO metrics (name, value, calculated_at) VALUES ('csi.overall', 83, $1)`, [at(2 * HOUR)]);
  return { pageId, conversationIds, jobIds };
}
