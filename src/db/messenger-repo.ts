import type pg from 'pg';
import { INBOX_MESSAGE_KINDS, carriesMessage, parseMessaging, parseStandby, type MessengerEvent } from '../domain/messenger/events.ts';
import { ourSender } from '../domain/messenger/policy.ts';

// The webhook's durable store, in two halves. store(): the webhook writes the raw events into
// the inbox (messenger_events, deduped by event key) in one autocommitted statement, so the
// 200 that follows means "stored" and costs one round trip. materialize(): a worker turns
// inbox events into customers, conversations and message rows (deduped by mid) in large
// batches, off the acknowledgement's path; until then an event is not claimable for a reply.
// Conversation counters and first/last times are folded in with LEAST/GREATEST, so the
// order events arrive in does not matter.

export const EVENTS_CHANNEL = 'messenger_events';


/** Inbox events that carry a message and are not stored as one yet ($1: INBOX_MESSAGE_KINDS; standby ones are pending only when they carry one). */
const UNSTORED = `state = 'pending' AND conversation_id IS NULL AND kind = ANY($1::text[])`;

export interface StoreResult {
  /** events new to the inbox */
  stored: number;
  duplicates: number;
}

/** The conversation a thread opened on the webhook gets when no import named it first. */
export const chatKeyOf = (pageId: string, psid: string) => `${pageId}:${psid}`;

const INSERT_EVENTS = `
WITH ev AS (
  INSERT INTO messenger_events (event_key, page_id, psid, kind, timestamp, payload, state, processed_at)
  SELECT k, p, s, kind, to_timestamp(t / 1000.0), payload::jsonb, st::"MessengerEventState", CASE WHEN st = 'done' THEN now() END
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[]) AS x(k, p, s, kind, t, payload, st)
  ON CONFLICT (event_key) DO NOTHING RETURNING event_key
)`;

// No NOTIFY here: PostgreSQL serialises the commits of notifying transactions (a global lock
// held through the commit's WAL flush), so two acknowledgement statements in flight could never
// flush together. Other instances are woken by notifyInbox() after the acknowledgement.
const INBOX_INSERT = `${INSERT_EVENTS} SELECT count(*)::int AS n FROM ev`;

/** Wakes the inbox's listeners in every instance (their reply workers and materializers). */
export async function notifyInbox(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`);
}

// Links only inbox rows not linked yet: a resent event leaves its first link alone. (Rows it
// links are the batch's own, locked and pending; saying so lets it use the unstored rows' index.)
const INSERT_MESSAGES = `
WITH x AS (
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
   WHERE e.event_key = x.event_key AND e.conversation_id IS NULL AND e.state = 'pending'
   RETURNING e.id
)
SELECT (SELECT count(*) FROM ins)::int AS n, (SELECT count(*) FROM counts) AS c, (SELECT count(*) FROM links) AS l`;

interface MessageRow {
  event: MessengerEvent;
  senderKind: 'customer' | 'bot' | 'human_agent';
}

export class MessengerStore {
  /** fb page id → pages.id; pages are created once and never renamed here */
  private readonly pages = new Map<string, number>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * The webhook's half: the events into the inbox, one autocommitted statement (the caller
   * wakes the workers: notifyInbox). Message rows, customers and conversations come from materialize().
   */
  async store(all: MessengerEvent[]): Promise<StoreResult> {
    if (all.length === 0) return { stored: 0, duplicates: 0 };
    // one event per key even if Meta repeats one inside a body; key order = lock order
    const events = [...new Map(all.map((e) => [e.key, e])).values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // named: each connection parses and plans it once, not once per delivery
    const { rows } = await this.pool.query<{ n: number }>({ name: 'messenger-inbox-insert', text: INBOX_INSERT, values: [
      events.map((e) => e.key),
      events.map((e) => e.pageId),
      events.map((e) => e.psid),
      events.map((e) => e.kind),
      events.map((e) => e.timestamp),
      events.map((e) => JSON.stringify(e.raw)),
      events.map((e) => (carriesMessage(e) ? 'pending' : 'done')),
    ] });
    const fresh = rows[0]?.n ?? 0;
    return { stored: fresh, duplicates: all.length - fresh };
  }

  /**
   * The worker's half: up to `limit` inbox events that carry a message become message rows
   * (with their customers, conversations and counters) in one transaction, and are linked to
   * them, which makes them claimable by the reply worker. Returns how many were taken.
   * An event that cannot be materialised on its own is failed with its reason, so one bad
   * row never blocks the ones behind it.
   */
  async materialize(limit = 1000): Promise<{ taken: number; failed: { key: string; error: string }[] }> {
    const run = async (ids: string[] | null): Promise<number> =>
      this.inTransaction(async (client) => {
        const { rows } = await client.query<{ id: string; page_id: string; kind: string; payload: Record<string, unknown> }>(
          `SELECT id, page_id, kind, payload FROM messenger_events
            WHERE ${UNSTORED} AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
            ORDER BY timestamp, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [INBOX_MESSAGE_KINDS, limit, ids],
        );
        const events = rows.map((r) => {
          // a standby row's payload is the standby item itself, read again as one (same key)
          const ev = r.kind === 'standby' ? parseStandby(r.page_id, r.payload, undefined) : parseMessaging(r.page_id, r.payload, undefined);
          if ('reason' in ev || !carriesMessage(ev)) throw Object.assign(new Error(`stored event ${r.id} no longer parses as a message`), { code: '22000' });
          return ev;
        });
        if (events.length > 0) await this.storeMessages(client, events);
        return events.length;
      });
    try {
      return { taken: await run(null), failed: [] };
    } catch (err) {
      // the pages it created (cached by pageIds as it went) were rolled back with it: a stale id
      // would fail every event of those pages below with a foreign key violation
      this.pages.clear();
      if (!isDataError(err)) throw err;
      if ((err as { code?: string }).code === '23503') {
        // a page deleted behind our cache (forgotten above): try once more
        try {
          return { taken: await run(null), failed: [] };
        } catch (again) {
          this.pages.clear();
          if (!isDataError(again)) throw again;
        }
      }
    }
    // one of them is bad: each on its own, the bad ones failed with their reason
    const { rows } = await this.pool.query<{ id: string; event_key: string }>(
      `SELECT id, event_key FROM messenger_events WHERE ${UNSTORED} ORDER BY timestamp, id LIMIT $2`,
      [INBOX_MESSAGE_KINDS, limit],
    );
    const failed: { key: string; error: string }[] = [];
    let taken = 0;
    for (const r of rows) {
      try {
        taken += await run([r.id]);
      } catch (err) {
        this.pages.clear();
        if (!isDataError(err)) throw err;
        failed.push({ key: r.event_key, error: (err as Error).message });
        await this.pool.query(`UPDATE messenger_events SET state = 'failed', error = $2, processed_at = now() WHERE id = $1`, [r.id, (err as Error).message]);
        taken++;
      }
    }
    return { taken, failed };
  }

  private async inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // a connection cut while checked out is an 'error' event (uncaught without a listener);
    // the failing query reports it too, and the client is discarded on release
    const onError = () => {};
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      if (!isDataError(err)) broken = err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
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

  /**
   * Two statements: (1) the customers and their conversations; (2) the messages, the
   * conversations' counters, the inbox rows' links. Both are idempotent (upserts, ON CONFLICT
   * (mid) DO NOTHING, counters from the rows actually inserted), so a batch run again after a
   * crash, or an event resent by Meta, needs no special path.
   */
  private async storeMessages(client: pg.ClientBase, events: MessengerEvent[]): Promise<number> {
    const rows = await this.senderKinds(client, events);
    const pages = await this.pageIds(client, [...new Set(events.map((e) => e.pageId))]);

    // customers: one row per (page, psid); their latest own message opens the reply windows
    const customers = new Map<string, { pageId: number; fbPageId: string; psid: string; last: number | null }>();
    for (const r of rows) {
      const k = `${r.event.pageId}\u0000${r.event.psid}`;
      const own = r.senderKind === 'customer' ? r.event.timestamp : null;
      const c = customers.get(k);
      if (!c) customers.set(k, { pageId: pages.get(r.event.pageId)!, fbPageId: r.event.pageId, psid: r.event.psid, last: own });
      else if (own !== null && (c.last === null || own > c.last)) c.last = own;
    }
    const list = [...customers.values()].sort((a, b) => a.pageId - b.pageId || (a.psid < b.psid ? -1 : a.psid > b.psid ? 1 : 0));
    const first = await client.query<{ customer_id: number; page_id: number; psid: string; conversation_id: number | null }>(
      `WITH want AS (
         SELECT * FROM unnest($1::int[], $2::text[], $3::float8[], $4::text[]) AS w(page_id, psid, t, fb_page_id)
       ), cu AS (
         INSERT INTO customers (page_id, psid, last_message_at)
         SELECT page_id, psid, to_timestamp(t / 1000.0) FROM want ORDER BY page_id, psid
         ON CONFLICT (page_id, psid) DO UPDATE SET last_message_at = GREATEST(customers.last_message_at, EXCLUDED.last_message_at)
         RETURNING id, page_id, psid
       ), existing AS (
         SELECT DISTINCT ON (c.customer_id) c.customer_id, c.id FROM conversations c JOIN cu ON cu.id = c.customer_id
          ORDER BY c.customer_id, c.last_message_at DESC NULLS LAST, c.id DESC
       ), ins AS (
         INSERT INTO conversations (fb_chat_id, page_id, customer_id, updated_at)
         SELECT w.fb_page_id || ':' || w.psid, cu.page_id, cu.id, now()
           FROM cu JOIN want w ON w.page_id = cu.page_id AND w.psid = cu.psid
          WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.customer_id = cu.id)
          ORDER BY 1
         ON CONFLICT (fb_chat_id) DO NOTHING
         RETURNING customer_id, id
       )
       SELECT cu.id AS customer_id, cu.page_id, cu.psid, coalesce(e.id, i.id) AS conversation_id
         FROM cu LEFT JOIN existing e ON e.customer_id = cu.id LEFT JOIN ins i ON i.customer_id = cu.id`,
      [list.map((c) => c.pageId), list.map((c) => c.psid), list.map((c) => c.last), list.map((c) => c.fbPageId)],
    );
    const conversationOf = new Map<string, number>();
    const missing: number[] = [];
    for (const r of first.rows) {
      if (r.conversation_id === null) missing.push(r.customer_id);
      else conversationOf.set(`${r.page_id}\u0000${r.psid}`, r.conversation_id);
    }
    if (missing.length > 0) {
      // created meanwhile by a concurrent delivery (or named so without the customer): look it up by name
      const found = await client.query<{ page_id: number; psid: string; id: number }>(
        `SELECT cu.page_id, cu.psid, c.id FROM customers cu JOIN pages p ON p.id = cu.page_id
           JOIN conversations c ON c.fb_chat_id = p.fb_page_id || ':' || cu.psid
          WHERE cu.id = ANY($1::int[])`,
        [missing],
      );
      for (const r of found.rows) conversationOf.set(`${r.page_id}\u0000${r.psid}`, r.id);
    }
    const convOf = (e: MessengerEvent) => {
      const id = conversationOf.get(`${pages.get(e.pageId)}\u0000${e.psid}`);
      if (id === undefined) throw new Error(`messenger: no conversation for ${e.pageId}/${e.psid}`);
      return id;
    };

    const res = await client.query<{ n: number }>(INSERT_MESSAGES, [
      rows.map((r) => convOf(r.event)),
      rows.map((r) => r.event.mid ?? r.event.key),
      rows.map((r) => r.senderKind),
      rows.map((r) => r.event.text ?? null),
      rows.map((r) => (r.event.attachments.length > 0 ? JSON.stringify(r.event.attachments) : null)),
      rows.map((r) => r.event.timestamp),
      rows.map((r) => r.event.key),
    ]);
    return res.rows[0]!.n;
  }

  /**
   * Echoes are the page's own messages: ours carry our metadata (or their mid is in the send
   * log) and are stored as the bot's or the human agent's; those of other tools (Meta Business
   * Suite, a CRM) are human agents' replies.
   */
  private async senderKinds(client: pg.ClientBase, events: MessengerEvent[]): Promise<MessageRow[]> {
    const isEcho = (e: MessengerEvent) => e.kind === 'echo' || e.standbyOf === 'echo';
    const unknownEchoes = events.filter((e) => isEcho(e) && ourSender(e.metadata) === undefined).map((e) => e.key);
    const logged = new Map<string, string>();
    if (unknownEchoes.length > 0) {
      const { rows } = await client.query<{ response_mid: string; sender: string }>(
        `SELECT response_mid, sender FROM messenger_sends WHERE response_mid = ANY($1::text[])`,
        [unknownEchoes],
      );
      for (const r of rows) logged.set(r.response_mid, r.sender);
    }
    return events.map((event) => {
      if (!isEcho(event)) return { event, senderKind: 'customer' };
      const ours = ourSender(event.metadata) ?? logged.get(event.key);
      return { event, senderKind: ours === 'bot' ? 'bot' : 'human_agent' };
    });
  }
}

/**
 * Bad data, as opposed to a database that cannot be reached: SQLSTATE classes 22 and 23, and 54
 * (a limit one row went over, such as a sender id too long for its index entry: "index row
 * requires 9016 bytes"), which failed every batch again and held up every event behind it.
 */
const isDataError = (err: unknown) => /^(2[23]|54)/.test(String((err as { code?: unknown }).code ?? ''));
