import path from 'node:path';
import type pg from 'pg';
import { AppError } from '../errors.js';
import { detectSource, sizeOf } from './detect.js';
import { emptyStats, loadedConversations, loadRows, refreshAfterLoad, type LoadStats } from './loader.js';
import { deferIndexes, messageRowsEstimate, restoreDeferredIndexes } from '../db/deferred-indexes.js';
import { takeImportLease } from '../db/locks.js';
import { estimateRows, shouldDeferIndexes } from './bulk-load.js';
import { withPooledClient } from '../db/pool.js';
import { finishUpload, insertUpload, setUploadFormat, setUploadProgress, startUpload } from './uploads.js';

// Bulk import of historical chats (CLI `pulse import`, API POST /api/uploads). Detects the
// format from the content, streams it into the database in batches, deduplicates on `mid`,
// and records the run in `uploads`.

export { parseMapOptions, FIELDS } from './fields.js';
export { readUpload, type UploadView } from './uploads.js';
export { toPulseJsonl, type PulseMessage } from './formats/pulse-jsonl.js';

export interface ImportOptions {
  /** the page's name in a Facebook export, when it cannot be inferred */
  owner?: string;
  /** column → field for headers the aliases do not know */
  map?: Record<string, string>;
  /** an upload created beforehand (the API creates it before replying) */
  uploadId?: number;
  /** rows read so far (accepted + rejected), after each batch */
  onProgress?: (rows: number) => void;
  /** business timezone: times without an offset are wall-clock times there */
  timezone: string;
  /** called after each phase (load, indexes, sessions) with its duration: for the bench */
  onPhase?: (phase: string, ms: number) => void;
  /** the smallest file (estimated messages) whose import defers indexes; default DEFER_MIN_ROWS (bulk-load.ts) */
  deferIndexesMinRows?: number;
}

export interface ImportResult {
  uploadId: number;
  format: string;
  accepted: number;
  /** new messages */
  inserted: number;
  duplicates: number;
  rejected: number;
  /** the first MAX_REPORTED_ERRORS (1,000) rejected rows; `rejected` is the exact count */
  errors: { line: string | number; reason: string }[];
  /** conversations that got new messages */
  conversationIds: number[];
  /** secondary indexes dropped for the load and built again after it (empty: maintained as it went) */
  deferredIndexes: string[];
}

const PROGRESS_EVERY_MS = 1_000;
/**
 * Connections that write batches side by side (and share the recount afterwards). Two
 * measured best on the 2-core target (bench/import.ts): one leaves a core idle while
 * PostgreSQL maintains the indexes; more only queue behind each other.
 */
const WRITERS = 2;

/** Connections an import holds at once: its own (progress, the lease) and the writers. */
export const IMPORT_CONNECTIONS = 1 + WRITERS;

/** `n` connections of `pool` for `fn`, all given back afterwards. */
const withClients = <T>(pool: pg.Pool, n: number, fn: (clients: pg.PoolClient[]) => Promise<T>, open: pg.PoolClient[] = []): Promise<T> =>
  open.length === n ? fn(open) : withPooledClient(pool, (c) => withClients(pool, n, fn, [...open, c]));

export async function createUpload(pool: pg.Pool, fileName: string, sizeBytes: number): Promise<number> {
  return withPooledClient(pool, (c) => insertUpload(c, fileName, sizeBytes));
}

/**
 * Imports one file. `pool` needs IMPORT_CONNECTIONS free for each import running at once on
 * it: with fewer in all, an import would wait forever for a writer connection it holds itself.
 */
export async function importPath(pool: pg.Pool, filePath: string, opts: ImportOptions): Promise<ImportResult> {
  const uploadId = opts.uploadId ?? (await createUpload(pool, path.basename(path.resolve(filePath)), await sizeOf(filePath)));
  const stats = emptyStats();
  let fileName = path.basename(filePath);
  try {
    // discarded afterwards: the lease is a session-level lock that must end with the import
    return await withPooledClient(pool, async (client) => {
      // The lease first: recovery treats a `processing` upload without one as abandoned.
      await takeImportLease(client, uploadId);
      const name = await startUpload(client, uploadId, path.resolve(filePath));
      if (name === null) throw new AppError('NOT_FOUND', `upload ${uploadId} does not exist`);
      fileName = name;
      const ctx = { timezone: opts.timezone, owner: opts.owner?.trim() || undefined, map: opts.map ?? {}, displayName: fileName };
      const source = await detectSource(filePath, ctx).catch(async (err: unknown) => {
        await setUploadFormat(client, uploadId, 'unknown');
        throw err;
      });
      await setUploadFormat(client, uploadId, source.format);

      let lastProgress = performance.now();
      let phaseStart = performance.now();
      const phase = (name: string) => {
        const t = performance.now();
        opts.onPhase?.(name, t - phaseStart);
        phaseStart = t;
      };
      // A large import into a smaller table loads without the secondary indexes it may defer
      // and builds them afterwards (bulk-load.ts, db/deferred-indexes.ts).
      const deferred = shouldDeferIndexes(await estimateRows(filePath, source.format), await messageRowsEstimate(client), opts.deferIndexesMinRows)
        ? await deferIndexes(client, uploadId)
        : [];
      // The writers have connections of their own: `client` records progress between their batches.
      const conversationIds = await withClients(pool, WRITERS, async (writers) => {
        const load = () => loadRows(
          writers,
          source.rows(),
          stats,
          {
            onBatch: async (s) => {
              opts.onProgress?.(s.accepted + s.rejected);
              // Inside the loop so that GET /api/uploads/:id shows a long import moving.
              if (performance.now() - lastProgress >= PROGRESS_EVERY_MS) {
                lastProgress = performance.now();
                await setUploadProgress(client, uploadId, s.accepted, s.rejected);
              }
            },
          },
          uploadId,
        );
        try {
          await load();
        } catch (err) {
          // Built again on a failed load too (what cannot be, markFailed and recovery retry).
          if (deferred.length > 0) await restoreDeferredIndexes(writers, uploadId).catch(() => {});
          throw err;
        }
        phase('load');
        // Before the recount, which reads by them.
        if (deferred.length > 0) {
          await restoreDeferredIndexes(writers, uploadId);
          phase('indexes');
        }
        // New messages move counters, session boundaries, AI flags and completion (issue 6, part 6).
        // Every conversation the file names, not only those with new messages: importing a file
        // again then repairs what a killed run of it left (issue 17, finding 6).
        await refreshAfterLoad(writers, ascending(stats.touched), new Date(), loadedConversations(stats));
        phase('sessions');
        return ascending(stats.conversationIds);
      });
      await finishUpload(client, uploadId, { status: 'completed', accepted: stats.accepted, rejected: stats.rejected, errors: stats.errors });
      return {
        uploadId,
        format: source.format,
        accepted: stats.accepted,
        inserted: stats.inserted,
        duplicates: stats.accepted - stats.inserted,
        rejected: stats.rejected,
        errors: stats.errors,
        conversationIds,
        deferredIndexes: deferred.map((d) => d.indexName),
      };
    }, { discard: true });
  } catch (err) {
    await markFailed(pool, uploadId, fileName, stats, err);
    throw err;
  }
}

const ascending = (ids: Set<number>) => [...ids].sort((a, b) => a - b);

/**
 * On a fresh connection: the import's own may be what broke. Batches committed before stay,
 * so their conversations get their sessions and counters first. If even this fails (the
 * database is gone), the upload stays `processing` with its lease free and its batch journal
 * kept, and start-up recovery (recover.ts) finishes the job.
 */
async function markFailed(pool: pg.Pool, uploadId: number, fileName: string, stats: LoadStats, err: unknown): Promise<void> {
  const reason = `import failed: ${err instanceof Error ? err.message : String(err)}`;
  await withPooledClient(pool, async (c) => {
    // whatever the writers could not build again; if this fails too, recovery and validation
    // find the rest once the lease is free
    await restoreDeferredIndexes([c], uploadId).catch(() => {});
    await refreshAfterLoad([c], ascending(stats.touched), new Date(), loadedConversations(stats));
    await finishUpload(c, uploadId, {
      status: 'failed',
      accepted: stats.accepted,
      rejected: stats.rejected,
      errors: [...stats.errors, { line: fileName, reason }],
    });
  }).catch(() => {});
}
