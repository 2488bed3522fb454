import type pg from 'pg';

// Demo CSAT answers (issue 19): most settled demo sessions were asked the survey 30 minutes
// after their last message and about half answered, so the CSAT measures and `pulse csi
// calibrate` have data to answer with. Deterministic in the seed and the session. Scores lean on
// how the session went (completed sessions score higher, complaints lower) so that they relate to
// the CSI as real answers would, loosely. Complaint escalations are never asked, as the live job.

/** A small deterministic hash → [0, 1). */
function unit(seed: number, a: number, b: string): number {
  let h = (seed ^ 0x85ebca6b) >>> 0;
  for (const c of `${a}:${b}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

const ASKED = 0.7;
const ANSWERED = 0.45;
const COMMENTS = ['Quick and helpful, thanks', 'Took a while to get an answer', 'The bot understood me right away', 'Still waiting for my refund', 'Great service', 'Had to repeat myself'];

/** Inserts the demo surveys and answers; returns how many answers. Runs in the seed's closing transaction. */
export async function seedCsat(client: pg.ClientBase, seed: number, now: Date): Promise<number> {
  const { rows } = await client.query<{ id: number; conversation_id: number; page_id: number; ended_at: Date; agent: string | null; complete: boolean; complaint: boolean; escalated: boolean }>(
    `SELECT s.id, s.conversation_id, c.page_id, s.ended_at, s.first_human_agent AS agent, s.completion_status = 'complete' AS complete,
            EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = s.conversation_id AND m.sender_kind = 'customer'
                       AND m.classification = 'complaint' AND m.social_create_time BETWEEN s.started_at AND s.ended_at) AS complaint,
            s.human_handoff AS escalated
       FROM sessions s JOIN conversations c ON c.id = s.conversation_id
      WHERE s.ended_at < $1::timestamptz - interval '1 hour' AND s.first_reply_at IS NOT NULL
      ORDER BY s.id`,
    [now],
  );
  const surveys: { id: number; conversationId: number; pageId: number; agent: string | null; askedAt: Date }[] = [];
  const answers: { sessionId: number; score: number; comment: string | null; at: Date }[] = [];
  for (const s of rows) {
    if (s.complaint && s.escalated) continue;
    if (unit(seed, s.id, 'asked') >= ASKED) continue;
    const askedAt = new Date(s.ended_at.getTime() + 30 * 60_000);
    if (askedAt.getTime() > now.getTime()) continue;
    surveys.push({ id: s.id, conversationId: s.conversation_id, pageId: s.page_id, agent: s.agent, askedAt });
    if (unit(seed, s.id, 'answered') >= ANSWERED) continue;
    const base = s.complaint ? 2.4 : s.complete ? 4.3 : 3.1;
    const score = Math.min(5, Math.max(1, Math.round(base + (unit(seed, s.id, 'score') - 0.5) * 2.6)));
    const comment = unit(seed, s.id, 'comment') < 0.25 ? COMMENTS[Math.floor(unit(seed, s.id, 'which') * COMMENTS.length)]! : null;
    answers.push({ sessionId: s.id, score, comment, at: new Date(Math.min(now.getTime(), askedAt.getTime() + Math.round(unit(seed, s.id, 'delay') * 20) * 60_000)) });
  }
  if (surveys.length === 0) return 0;
  await client.query(
    `INSERT INTO csat_surveys (session_id, conversation_id, page_id, handled_by, agent, status, stage, asked_at)
     SELECT s, c, p, CASE WHEN a IS NULL THEN 'bot' ELSE 'human_agent' END, a, 'sent', 'closed', t
       FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::timestamptz[]) AS x(s, c, p, a, t)`,
    [surveys.map((s) => s.id), surveys.map((s) => s.conversationId), surveys.map((s) => s.pageId), surveys.map((s) => s.agent), surveys.map((s) => s.askedAt)],
  );
  await client.query(
    `INSERT INTO csat_responses (survey_id, session_id, conversation_id, page_id, score, comment, answered_at, commented_at, handled_by, agent)
     SELECT v.id, v.session_id, v.conversation_id, v.page_id, x.score, x.comment, x.at, CASE WHEN x.comment IS NULL THEN NULL ELSE x.at END, v.handled_by, v.agent
       FROM unnest($1::int[], $2::int[], $3::text[], $4::timestamptz[]) AS x(session_id, score, comment, at)
       JOIN csat_surveys v ON v.session_id = x.session_id`,
    [answers.map((a) => a.sessionId), answers.map((a) => a.score), answers.map((a) => a.comment), answers.map((a) => a.at)],
  );
  return answers.length;
}
