import type pg from 'pg';

// The demo's handoff desk cases (issue 19), read off the seeded messages as the desk would have
// recorded them: each session's first request for a human opens a case, assigned to the first
// human agent who replied after it (that reply is its first human reply). A session the customer
// closed (complete) was resolved when it ended, by its assignee; an earlier one went back to the
// bot then. The conversation's latest handoff stays open while the conversation is still waiting
// for or with a person (conversations.handoff_state), as its desk shows it.

export async function seedHandoffCases(client: pg.ClientBase): Promise<number> {
  const res = await client.query(`
    INSERT INTO handoff_cases (conversation_id, page_id, reason, opened_at, assigned_to_id, first_human_reply_at, resolved_at, resolved_by_id, resolution)
    SELECT s.conversation_id, c.page_id, 'human_request', h.at, u.id, r.at,
           CASE WHEN still_open THEN NULL ELSE s.ended_at END,
           CASE WHEN still_open THEN NULL ELSE u.id END,
           CASE WHEN still_open THEN NULL WHEN s.completion_status = 'complete' THEN 'resolved' ELSE 'returned_to_bot' END
      FROM sessions s
      JOIN conversations c ON c.id = s.conversation_id
      CROSS JOIN LATERAL (
        SELECT min(m.social_create_time) AS at FROM messages m
         WHERE m.conversation_id = s.conversation_id AND m.classification = 'human_request'
           AND m.social_create_time >= s.started_at AND m.social_create_time <= s.ended_at) h
      LEFT JOIN LATERAL (
        SELECT m.social_create_time AS at, m.agent_info->>'id' AS agent FROM messages m
         WHERE m.conversation_id = s.conversation_id AND m.sender_kind = 'human_agent'
           AND m.social_create_time >= h.at AND m.social_create_time <= s.ended_at
         ORDER BY m.social_create_time, m.id LIMIT 1) r ON true
      LEFT JOIN users u ON u.platform = 'slack' AND u.external_id = r.agent
      CROSS JOIN LATERAL (
        SELECT c.handoff_state <> 'bot' AND NOT EXISTS (SELECT 1 FROM sessions l WHERE l.conversation_id = s.conversation_id AND l.sequence > s.sequence) AS still_open) o
     WHERE h.at IS NOT NULL`);
  return res.rowCount ?? 0;
}
