import type pg from 'pg';
import { REPLY_KINDS, type MessengerEvent } from '../domain/messenger/events.ts';
import { ourSender } from '../domain/messenger/policy.ts';

// The webhook's durable store: every event of one POST in ONE transaction, in few round trips
// (BEGIN, events, customers, conversations, messages + counters + links + NOTIFY, COMMIT),
// so the 200 that follows means "stored". The inbox (messenger_events) dedupes by event key,
// messages by mid: a resent delivery changes nothing. Conversation counters and first/last
// times are folded in with LEAST/GREATEST, so the order events arrive in does not matter.

export const EVENTS_CHANNEL = 'messenger_events';

/** Kinds that store a message row (customer messages and the page's own messages). */
const MESSAGE_KINDS = new Set([...REPLY_KINDS, 'echo']);

export interface StoreResult {
  /** events new to the inbox */
  stored: number;
  duplicates: number;
  /** message rows created */
  messages: number;
}

/** The conversation a thread opened on the webhook gets when no import named it first. */
export const chatKeyOf = (pageId: string, psid: string) => `${pageId}:${psid}`;

interface MessageRow {
  event: MessengerEvent;
  senderKind: 'customer' | 'bot' | 'human_agent';
}

export class MessengerStore {
  /** fb page id → pages.id; pages are created once and never renamed here */
  private readonly pages = new Map<string, number>();

  constructor(private readonly pool: pg.Pool) {}

  async store(events: MessengerEvent[]): Promise<StoreResult> {
    if (events.length === 0) return { stored: 0, duplicates: 0, messages: 0 };
    try {
      return await this.storeOnce(events);
    } catch (err) {
      // a page deleted behind our cache: forget it and try once more
      if ((err as { code?: string }).code !== '23503') throw err;
      this.pages.clear();
      return this.storeOnce(events);
    }
  }

  private async storeOnce(all: MessengerEvent[]): Promise<StoreResult> {
    // one event per key even if Meta repeats one inside a body
    const events = [...new Map(all.map((e) => [e.key, e])).values()];
    const client = await this.pool.connect();
    let released = false;
    try {
      await client.query('BEGIN');
      const inserted = await client.query<{ event_key: string }>(
        `INSERT INTO messenger_events (event_key, page_id, psid, kind, timestamp, payload, state, processed_at)
         SELECT k, p, s, kind, to_timestamp(t / 1000.0), payload::jsonb, st::"MessengerEventState", CASE WHEN st = 'done' THEN now() END
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[]) AS x(k, p, s, kind, t, payload, st)
         ON CONFLICT (event_key) DO NOTHING RETURNING event_key`,
        [
          events.map((e) => e.key),
          events.map((e) => e.pageId),
          events.map((e) => e.psid),
          events.map((e) => e.kind),
          events.map((e) => e.timestamp),
          events.map((e) => JSON.stringify(e.raw)),
          events.map((e) => (MESSAGE_KINDS.has(e.kind) ? 'pending' : 'done')),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => r.event_key));
      const withMessage = events.filter((e) => fresh.has(e.key) && MESSAGE_KINDS.has(e.kind));
      let messages = 0;
      if (withMessage.length > 0) messages = await this.storeMessages(client, withMessage);
      await client.query('COMMIT');
      return { stored: fresh.size, duplicates: all.length - fresh.size, messages };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // a connection that failed mid-transaction is not given back to the pool
      client.release(err as Error);
      released = true;
      throw err;
    } finally {
      if (!released) client.release();
    }
  }

  private async pageIds(client: pg.ClientBase, fbIds: string[]): Promise<Map<string, number>> {
    const missing = fbIds.filter((id) => !this.pages.has(id));
    if (missing.length > 0) {
      const { rows } = await client.query<{ id: number; fb_page_id: string }>(
        `WITH ins AS (
           INSERT INTO pages (fb_page_id, name, updated_at) SELECT f, f, now() FROM unnest($1::text[]) AS f ORDER BY f
           ON CONFLICT (fb_page_id) DO NOTHING RETURNING id, fb_page_id)
         SELECT id, fb_page_id FROM ins UNION ALL SELECT id, fb_page_id FROM pages WHERE fb_page_id = ANY($1::text[])`,
        [missing],
      );
      for (const r of rows) this.pages.set(r.fb_page_id, r.id);
    }
    return this.pages;
  }

  private async storeMessages(client: pg.ClientBase, events: MessengerEvent[]): Promise<number> {
    const rows = await this.senderKinds(client, events);
    const pages = await this.pageIds(client, [...new Set(events.map((e) => e.pageId))]);

    // customers: one row per (page, psid); their latest own message opens the reply windows
    const customers = new Map<string, { pageId: number; psid: string; last: number | null }>();
    for (const r of rows) {
      const k = `${r.event.pageId}\u0000${r.event.psid}`;
      const own = r.senderKind === 'customer' ? r.event.timestamp : null;
      const c = customers.get(k);
      if (!c) customers.set(k, { pageId: pages.get(r.event.pageId)!, psid: r.event.psid, last: own });
      else if (own !== null && (c.last === null || own > c.last)) c.last = own;
    }
    const list = [...customers.values()].sort((a, b) => a.pageId - b.pageId || a.psid.localeCompare(b.psid));
    const cust = await client.query<{ id: number; page_id: number; psid: string }>(
      `INSERT INTO customers (page_id, psid, last_message_at)
       SELECT p, s, to_timestamp(t / 1000.0) FROM unnest($1::int[], $2::text[], $3::float8[]) AS x(p, s, t)
       ON CONFLICT (page_id, psid) DO UPDATE SET last_message_at = GREATEST(customers.last_message_at, EXCLUDED.last_message_at)
       RETURNING id, page_id, psid`,
      [list.map((c) => c.pageId), list.map((c) => c.psid), list.map((c) => c.last)],
    );
    const customerId = new Map(cust.rows.map((r) => [`${r.page_id}\u0000${r.psid}`, r.id]));
    const conversations = await this.conversationIds(client, list.map((c) => ({ pageId: c.pageId, customerId: customerId.get(`${c.pageId}\u0000${c.psid}`)! })));
    const convOf = (e: MessengerEvent) => conversations.get(customerId.get(`${pages.get(e.pageId)}\u0000${e.psid}`)!)!;

    const res = await client.query<{ n: number }>(
      `WITH x AS (
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[])
                AS x(conversation_id, mid, sender_kind, text, attachments, t, event_key)
       ), ins AS (
         INSERT INTO messages (conversation_id, mid, direction, sender_kind, text, attachments, social_create_time)
         SELECT conversation_id, mid, CASE WHEN sender_kind = 'customer' THEN 'to_company' ELSE 'to_client' END::"MessageDirection",
                sender_kind::"SenderKind", text, attachments::jsonb, to_timestamp(t / 1000.0)
           FROM x ORDER BY conversation_id, t
         ON CONFLICT (mid) DO NOTHING
         RETURNING id, mid, conversation_id, sender_kind, social_create_time
       ), counts AS (
         UPDATE conversations c
            SET total_messages = c.total_messages + s.n, customer_messages = c.customer_messages + s.nc,
                agent_messages = c.agent_messages + s.n - s.nc,
                first_message_at = LEAST(c.first_message_at, s.first), last_message_at = GREATEST(c.last_message_at, s.last),
                updated_at = now()
           FROM (SELECT conversation_id, count(*)::int AS n, (count(*) FILTER (WHERE sender_kind = 'customer'))::int AS nc,
                        min(social_create_time) AS first, max(social_create_time) AS last
                   FROM ins GROUP BY conversation_id) s
          WHERE c.id = s.conversation_id
          RETURNING c.id
       ), links AS (
         UPDATE messenger_events e SET conversation_id = x.conversation_id, message_id = ins.id
           FROM x LEFT JOIN ins ON ins.mid = x.mid
          WHERE e.event_key = x.event_key
          RETURNING e.id
       )
       SELECT (SELECT count(*) FROM ins)::int AS n, (SELECT count(*) FROM counts) AS c, (SELECT count(*) FROM links) AS l,
              pg_notify('${EVENTS_CHANNEL}', '')`,
      [
        rows.map((r) => convOf(r.event)),
        rows.map((r) => r.event.mid ?? r.event.key),
        rows.map((r) => r.senderKind),
        rows.map((r) => r.event.text ?? null),
        rows.map((r) => (r.event.attachments.length > 0 ? JSON.stringify(r.event.attachments) : null)),
        rows.map((r) => r.event.timestamp),
        rows.map((r) => r.event.key),
      ],
    );
    return res.rows[0]!.n;
  }

  /**
   * Echoes are the page's own messages: ours carry our metadata (or their mid is in the send
   * log) and are stored as the bot's or the human agent's; those of other tools (Meta Business
   * Suite, a CRM) are human agents' replies.
   */
  private async senderKinds(client: pg.ClientBase, events: MessengerEvent[]): Promise<MessageRow[]> {
    const unknownEchoes = events.filter((e) => e.kind === 'echo' && ourSender(e.metadata) === undefined).map((e) => e.key);
    const logged = new Map<string, string>();
    if (unknownEchoes.length > 0) {
      const { rows } = await client.query<{ response_mid: string; sender: string }>(
        `SELECT response_mid, sender FROM messenger_sends WHERE response_mid = ANY($1::text[])`,
        [unknownEchoes],
      );
      for (const r of rows) logged.set(r.response_mid, r.sender);
    }
    return events.map((event) => {
      if (event.kind !== 'echo') return { event, senderKind: 'customer' };
      const ours = ourSender(event.metadata) ?? logged.get(event.key);
      return { event, senderKind: ours === 'bot' ? 'bot' : 'human_agent' };
    });
  }

  /**
   * A customer's conversation: the latest one already linked to them (an import may have
   * created it under its own chat id), else a new one named `<page>:<psid>`.
   */
  private async conversationIds(client: pg.ClientBase, want: { pageId: number; customerId: number }[]): Promise<Map<number, number>> {
    const { rows } = await client.query<{ customer_id: number; id: number }>(
      `WITH w AS (
         SELECT * FROM unnest($1::int[], $2::int[]) AS w(page_id, customer_id)
       ), existing AS (
         SELECT DISTINCT ON (c.customer_id) c.customer_id, c.id FROM conversations c JOIN w ON w.customer_id = c.customer_id
          ORDER BY c.customer_id, c.last_message_at DESC NULLS LAST, c.id DESC
       ), ins AS (
         INSERT INTO conversations (fb_chat_id, page_id, customer_id, updated_at)
         SELECT p.fb_page_id || ':' || cu.psid, w.page_id, w.customer_id, now()
           FROM w JOIN customers cu ON cu.id = w.customer_id JOIN pages p ON p.id = w.page_id
          WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.customer_id = w.customer_id)
          ORDER BY 1
         ON CONFLICT (fb_chat_id) DO NOTHING
         RETURNING customer_id, id
       )
       SELECT customer_id, id FROM existing UNION ALL SELECT customer_id, id FROM ins`,
      [want.map((w) => w.pageId), want.map((w) => w.customerId)],
    );
    const ids = new Map(rows.map((r) => [r.customer_id, r.id]));
    const missing = want.filter((w) => !ids.has(w.customerId));
    if (missing.length > 0) {
      // created meanwhile by a concurrent delivery (or named so without the customer): look it up by name
      const found = await client.query<{ customer_id: number; id: number }>(
        `SELECT cu.id AS customer_id, c.id FROM customers cu JOIN pages p ON p.id = cu.page_id
           JOIN conversations c ON c.fb_chat_id = p.fb_page_id || ':' || cu.psid
          WHERE cu.id = ANY($1::int[])`,
        [missing.map((w) => w.customerId)],
      );
      for (const r of found.rows) ids.set(r.customer_id, r.id);
    }
    return ids;
  }
}
