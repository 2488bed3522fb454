import type pg from 'pg';
import type { Caller } from '../domain/access.ts';
import { CONFIDENCE_BUCKETS, decideLabel } from '../domain/classification-review.ts';
import { maskPii } from '../domain/mask.ts';
import { audit, inTransaction } from './qa-scorecards-repo.ts';
import { refreshTopics } from './topics-repo.ts';

// Classification review (issue 20, point 10): the customer messages the classifier was unsure of,
// the confidence histogram, and a reviewer's correction of a label. A correction is a row of
// message_label_corrections (the model's messages.classification is never changed), audited with
// the label before and after, and the conversation's topics are recomputed in the same
// transaction. The topic measures read analytics.messages.topic, which takes the correction.

type Db = pg.Pool | pg.ClientBase;

export interface LowConfidenceMessage {
  messageId: number;
  sessionId: number | null;
  page: string;
  at: Date;
  /** the model's label and confidence */
  label: string | null;
  confidence: number;
  /** the message text, emails and phones masked, at most 200 characters */
  excerpt: string;
}

const EXCERPT_MAX = 200;

/**
 * Customer messages of [start, end) classified with confidence below `below` and not corrected
 * yet, least sure first (then newest), with the session they belong to.
 */
export async function lowConfidenceMessages(db: Db, opts: { below: number; start: Date; end: Date; limit: number }): Promise<{ total: number; items: LowConfidenceMessage[] }> {
  const { rows } = await db.query<{ id: number; session_id: number | null; page: string; at: Date; label: string | null; confidence: number; text: string | null; total: number }>(
    `SELECT m.id, s.id AS session_id, p.name AS page, m.social_create_time AS at, m.classification AS label, m.classification_confidence AS confidence, m.text,
            count(*) OVER ()::int AS total
       FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN pages p ON p.id = c.page_id
       LEFT JOIN LATERAL (SELECT x.id FROM sessions x WHERE x.conversation_id = m.conversation_id AND m.social_create_time BETWEEN x.started_at AND x.ended_at
                            AND x.deleted_at IS NULL ORDER BY x.sequence LIMIT 1) s ON true
      WHERE m.sender_kind = 'customer' AND m.social_create_time >= $2 AND m.social_create_time < $3
        AND m.classification_confidence < $1
        AND NOT EXISTS (SELECT 1 FROM message_label_corrections l WHERE l.message_id = m.id)
      ORDER BY m.classification_confidence, m.social_create_time DESC, m.id LIMIT $4`,
    [opts.below, opts.start, opts.end, opts.limit],
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((r) => {
      const text = maskPii(r.text ?? '').replace(/\s+/g, ' ').trim();
      return {
        messageId: r.id, sessionId: r.session_id, page: r.page, at: r.at, label: r.label, confidence: r.confidence,
        excerpt: text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX - 1)}…` : text,
      };
    }),
  };
}

/** Customer messages of [start, end) by the model's confidence, in CONFIDENCE_BUCKETS buckets (domain/classification-review.ts). */
export async function confidenceHistogram(db: Db, start: Date, end: Date): Promise<{ counts: number[]; corrected: number }> {
  const [buckets, corrected] = await Promise.all([
    db.query<{ b: number; n: number }>(
      `SELECT least(${CONFIDENCE_BUCKETS - 1}, greatest(0, floor(m.classification_confidence * ${CONFIDENCE_BUCKETS})))::int AS b, count(*)::int AS n
         FROM messages m WHERE m.sender_kind = 'customer' AND m.classification_confidence IS NOT NULL
          AND m.social_create_time >= $1 AND m.social_create_time < $2 GROUP BY 1`,
      [start, end],
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_label_corrections l JOIN messages m ON m.id = l.message_id
        WHERE m.social_create_time >= $1 AND m.social_create_time < $2`,
      [start, end],
    ),
  ]);
  const counts = Array.from({ length: CONFIDENCE_BUCKETS }, () => 0);
  for (const r of buckets.rows) counts[r.b] = r.n;
  return { counts, corrected: corrected.rows[0]?.n ?? 0 };
}

export type CorrectLabelResult =
  | { ok: true; messageId: number; from: string | null; to: string; modelLabel: string | null; unchanged: boolean }
  | { ok: false; kind: 'forbidden' | 'unknown_label' | 'not_found'; reason: string };

/** Sets a customer message's corrected label; audited (qa.label.corrected), refusals by role too. */
export async function correctLabel(pool: pg.Pool, input: { messageId: number; label: string; actor: Caller; source: string; at?: Date }): Promise<CorrectLabelResult> {
  return inTransaction(pool, async (client) => {
    const target = `message:${input.messageId}`;
    const decision = decideLabel(input.actor.role, input.label);
    if (!decision.ok) {
      if (decision.kind === 'forbidden') await audit(client, input.actor, 'qa.label.refused', target, { source: input.source, label: input.label });
      return decision;
    }
    // the message row lock: two corrections of one message are applied one after the other
    const { rows } = await client.query<{ id: number; conversation_id: number; classification: string | null; confidence: number | null; corrected: string | null }>(
      `SELECT m.id, m.conversation_id, m.classification, m.classification_confidence AS confidence, l.label AS corrected
         FROM messages m LEFT JOIN message_label_corrections l ON l.message_id = m.id
        WHERE m.id = $1 AND m.sender_kind = 'customer' FOR UPDATE OF m`,
      [input.messageId],
    );
    const m = rows[0];
    if (!m) return { ok: false as const, kind: 'not_found' as const, reason: `there is no customer message ${input.messageId}` };
    const from = m.corrected ?? m.classification;
    if (from === decision.label) return { ok: true as const, messageId: m.id, from, to: decision.label, modelLabel: m.classification, unchanged: true };
    await client.query(
      `INSERT INTO message_label_corrections (message_id, label, model_label, model_confidence, corrected_by_id, corrected_at)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()))
       ON CONFLICT (message_id) DO UPDATE SET label = EXCLUDED.label, corrected_by_id = EXCLUDED.corrected_by_id, corrected_at = EXCLUDED.corrected_at`,
      [m.id, decision.label, m.classification, m.confidence, input.actor.userId ?? null, input.at ?? null],
    );
    await audit(client, input.actor, 'qa.label.corrected', target, { source: input.source, from, to: decision.label, model: m.classification, confidence: m.confidence });
    await refreshTopics(client, [m.conversation_id]);
    return { ok: true as const, messageId: m.id, from, to: decision.label, modelLabel: m.classification, unchanged: false };
  });
}
