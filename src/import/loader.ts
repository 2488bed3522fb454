import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type pg from 'pg';
import { recountPages } from '../db/pages-repo.js';
import { rebuildConversations } from '../db/sessions-repair.js';
import type { ImportRow, Parsed, RowError } from './types.js';
import { CREATE_STAGES, mayBypassRowTriggers, writeBatch } from './write-batch.js';

// Loads rows in batches, one transaction per batch (see write-batch.ts), on several
// connections: while PostgreSQL maintains the indexes for one batch on one connection it
// does the same for the next on another, and the batch after that is parsed meanwhile. At
// most writers + 1 batches are in memory.

/**
 * 10,000 rather than 20,000: the same speed (bench/import.ts), and the batches in flight and
 * their COPY text half the size. Peak RSS on 1M messages went from 370–546 MB (V8 lets the
 * old generation grow with what the batches promote) to about 300 MB.
 */
export const BATCH_ROWS = 10_000;
/** Errors kept for the report; the counts stay exact beyond it. */
export const MAX_REPORTED_ERRORS = 1_000;

export interface LoadStats {
  accepted: number;
  inserted: number;
  rejected: number;
  errors: RowError[];
  /** conversations that got new messages */
  conversationIds: Set<number>;
  /**
   * every conversation a committed batch named, new messages or not: their sessions are
   * rebuilt after the load, so importing a file again repairs what a killed run of it left
   */
  touched: Set<number>;
  /** when present, filled with the id of every message stored (the ingest API answers per message) */
  insertedMids?: Set<string>;
}

export const emptyStats = (): LoadStats => ({ accepted: 0, inserted: 0, rejected: 0, errors: [], conversationIds: new Set(), touched: new Set() });

/** A batch of rows and the rejections read with it. */
interface Batch {
  rows: ImportRow[];
  rejected: number;
  errors: RowError[];
}

/**
 * Fills `stats` as it goes, so a caller still has the counts of what was committed when a
 * batch fails. On a failure no further batch starts, and the call returns (throws) only once
 * every batch already started has finished: no transaction is left running behind its back.
 */
export async function loadRows(
  writers: pg.ClientBase[],
  rows: AsyncIterable<Parsed | Parsed[]>,
  stats: LoadStats,
  hooks: { onBatch?: (stats: LoadStats) => Promise<void> | void } = {},
  /** record each committed batch in upload_batches under this upload (see write-batch.ts) */
  uploadId?: number,
): Promise<LoadStats> {
  const bypass = new Map<pg.ClientBase, boolean>();
  for (const w of writers) {
    await w.query(CREATE_STAGES);
    bypass.set(w, await mayBypassRowTriggers(w));
  }
  const chatIds = new Map<string, number>();
  const it = rows[Symbol.asyncIterator]();
  let exhausted = false;

  // Rows of a chat cut off at the end of a batch, to start the next one.
  let carry: ImportRow[] = [];
  const nextBatch = async (): Promise<Batch | undefined> => {
    const batch = carry;
    carry = [];
    const rejectedBefore = stats.rejected;
    const errorsBefore = stats.errors.length;
    for (let read = 0; batch.length < BATCH_ROWS && !exhausted; ) {
      // Parsing a buffered file never waits on I/O; without a pause now and then the
      // replies to the batches being written would sit unread until this one is built.
      if (read >= 64) {
        read = 0;
        await yieldToEventLoop();
      }
      const next = await it.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const group = Array.isArray(next.value) ? next.value : [next.value];
      read += group.length;
      for (const p of group) {
        if (p.row) batch.push(p.row);
        else {
          stats.rejected++;
          if (stats.errors.length < MAX_REPORTED_ERRORS) stats.errors.push(p.error);
        }
      }
    }
    // A chat split over two batches makes the second writer wait for the first one's COMMIT
    // (it upserts the same conversation): exports usually list a chat's messages together, so
    // the batch ends where its last chat starts, unless that would halve it (interleaved chats).
    if (!exhausted && batch.length > 0) {
      const last = batch[batch.length - 1]!.chatKey;
      let cut = batch.length - 1;
      while (cut > 0 && batch[cut - 1]!.chatKey === last) cut--;
      if (cut >= BATCH_ROWS / 2) carry = batch.splice(cut);
    }
    if (batch.length === 0) return undefined;
    return { rows: batch, rejected: stats.rejected - rejectedBefore, errors: stats.errors.slice(errorsBefore) };
  };

  const idle = [...writers];
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const start = (writer: pg.ClientBase, batch: Batch) => {
    const journal = uploadId === undefined ? undefined : { uploadId, rejected: batch.rejected, errors: batch.errors };
    const job: Promise<void> = writeBatch(writer, batch.rows, chatIds, stats, bypass.get(writer)!, journal)
      .then(async () => {
        stats.accepted += batch.rows.length;
        await hooks.onBatch?.(stats);
      })
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => {
        running.delete(job);
        idle.push(writer);
      });
    running.add(job);
  };

  try {
    let batch = await nextBatch();
    while (batch && !failure) {
      while (idle.length === 0) await Promise.race(running);
      if (failure) break;
      start(idle.shift()!, batch);
      batch = await nextBatch();
    }
  } catch (err) {
    failure ??= { err };
  }
  await Promise.all(running);
  if (failure) throw failure.err;
  return stats;
}

/**
 * After the load: the sessions and message counters of `rebuild` (the conversations the import
 * wrote to but did not create in a batch, stats.touched), recomputed from the messages
 * themselves (correct however many imports or webhooks ran meanwhile), then the counters of
 * every page of `rebuild` and `counted` (those it created: their sessions were written with
 * their batch). The conversations are split into contiguous ranges, one per connection, so the
 * passes run side by side.
 */
export async function refreshAfterLoad(clients: pg.ClientBase[], rebuild: number[], now: Date, counted: number[] = []): Promise<void> {
  await rebuildConversations(clients, rebuild, now);
  const rebuilt = new Set(rebuild);
  const rest = counted.filter((id) => !rebuilt.has(id));
  if (rest.length > 0) await recountPages(clients[0]!, { conversationIds: rest });
}

/** Every conversation a load stored messages in or named, ascending. */
export const loadedConversations = (stats: LoadStats): number[] => [...new Set([...stats.conversationIds, ...stats.touched])].sort((a, b) => a - b);
