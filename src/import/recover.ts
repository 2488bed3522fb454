import { rm } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { restoreAbandonedIndexes } from '../db/deferred-indexes.js';
import { LockKeys, releaseImportLease, tryImportLease } from '../db/locks.js';
import { withPooledClient } from '../db/pool.js';
import { rebuildConversations, repairMissingSessions } from '../db/sessions-repair.js';
import { finishUpload, readJournal, readUpload, type UploadView } from './uploads.js';

// Imports whose process died (kill -9, out of memory, a power cut) leave their upload
// `processing`, committed batches without sessions, and counts from the last progress update.
// At start (service, `pulse import`) and on `pulse validate --fix`, each such upload is
// finished as `failed`, with the counts of what its committed batches stored (upload_batches),
// after the sessions and counters of every conversation those batches wrote to are rebuilt.
//
// Marked failed, not resumed: the file may be gone or changed (a CLI import reads the user's
// own path), the options it ran with are not stored, and if the import itself killed the
// process (memory) a resume at every start would be a crash loop. Importing the same file
// again finishes it: stored messages are skipped by their mid, and the re-import rebuilds the
// sessions of every conversation the file names.
//
// "Dead" is decided by the import lease (src/db/locks.ts), an advisory lock the importer holds
// on its own connection: PostgreSQL frees it when that connection ends, in whichever process or
// machine. An upload whose lease is held is running and left alone; taking the lease makes the
// recovering process its only owner, so several instances starting at once recover it once.

export interface RecoveredUpload {
  id: number;
  fileName: string;
  /** rows stored by the committed batches */
  accepted: number;
  rejected: number;
  inserted: number;
  /** conversations whose sessions and counters were rebuilt */
  conversations: number;
  /** false for an upload started before batches were journaled: its counts are the last progress recorded */
  journaled: boolean;
}

export interface RecoveryReport {
  failed: RecoveredUpload[];
  /** uploads `processing` in a live process, left alone */
  running: number[];
  /** conversations that had messages and no session, now rebuilt */
  sessionsRepaired: number;
  /** conversations whose newest messages no session covered (a rebuild a dead process never ran), now rebuilt */
  sessionsRefreshed: number;
  /** indexes a dead import had dropped for its load (db/deferred-indexes.ts), now built again */
  indexesRebuilt: string[];
}

const n = (x: number) => x.toLocaleString('en-US');

export interface RecoveryOptions {
  /**
   * DATA_DIR/uploads: a recovered upload whose file lies in it (an API upload's copy) has the
   * file deleted, as a finished upload's is; a file anywhere else is the user's and stays
   */
  uploadDir?: string;
  /**
   * also rebuild sessions that do not cover their conversation's newest messages (default true);
   * a full pass over the conversations (~0.2–0.6 s per 100,000), so the service runs it after ready
   */
  staleSessions?: boolean;
}

export async function recoverImports(pool: pg.Pool, now: Date, opts: RecoveryOptions = {}): Promise<RecoveryReport> {
  // discarded afterwards: the import leases it takes are session-level locks
  return withPooledClient(pool, async (client) => {
    const report: RecoveryReport = { failed: [], running: [], sessionsRepaired: 0, sessionsRefreshed: 0, indexesRebuilt: [] };
    // First, as the rebuilds below read the tables: the indexes a dead importer dropped for its load.
    report.indexesRebuilt = await restoreAbandonedIndexes(client);
    const { rows } = await client.query<{ id: number }>(`SELECT id FROM uploads WHERE status = 'processing' ORDER BY id`);
    for (const { id } of rows) {
      if (!(await tryImportLease(client, id))) {
        report.running.push(id);
        continue;
      }
      try {
        // Read under the lease: the importer may have finished between the list and the lock.
        const upload = await readUpload(client, id);
        if (upload?.status === 'processing') report.failed.push(await failAbandoned(client, upload, now, opts));
      } finally {
        await releaseImportLease(client, id);
      }
    }
    const repaired = await repairOnce(client, now, opts.staleSessions ?? true);
    report.sessionsRepaired = repaired.missing;
    report.sessionsRefreshed = repaired.stale;
    return report;
  }, { discard: true });
}

async function failAbandoned(client: pg.ClientBase, upload: UploadView, now: Date, opts: RecoveryOptions): Promise<RecoveredUpload> {
  const journal = await readJournal(client, upload.id);
  await rebuildConversations([client], journal.conversationIds, now);
  // Journaled batches are the truth. None: either the importer died before its first commit
  // (the recorded progress is 0 too), or it ran before batches were journaled, and then the
  // last progress it recorded is all that is known (a lower bound).
  const journaled = journal.batches > 0 || upload.rowsAccepted === 0;
  const accepted = journaled ? journal.accepted : upload.rowsAccepted;
  const rejected = journaled ? journal.rejected : upload.rowsRejected;
  const stored = journaled
    ? `${n(accepted)} row(s) of its ${n(journal.batches)} committed batch(es) are stored (${n(journal.inserted)} new message(s)) and their conversations' sessions were rebuilt`
    : `at least ${n(accepted)} row(s) were stored (the last progress it recorded; the exact count is unknown)`;
  const reason =
    `import interrupted: the process importing it stopped before it finished (killed, crashed or shut down hard); ${stored}. ` +
    'Rows after those batches were not stored. Import the same file again to finish: messages already stored are skipped.';
  await finishUpload(client, upload.id, { status: 'failed', accepted, rejected, errors: [...journal.errors, { line: upload.fileName, reason }] });
  await removeUploadedCopy(client, upload.id, opts.uploadDir);
  return { id: upload.id, fileName: upload.fileName, accepted, rejected, inserted: journal.inserted, conversations: journal.conversationIds.length, journaled };
}

/** Deletes the upload's file if it is the service's own copy (inside uploadDir). */
async function removeUploadedCopy(client: pg.ClientBase, uploadId: number, uploadDir: string | undefined): Promise<void> {
  if (!uploadDir) return;
  const res = await client.query<{ source_path: string | null }>('SELECT source_path FROM uploads WHERE id = $1', [uploadId]);
  const file = res.rows[0]?.source_path;
  if (!file) return;
  const inside = path.relative(path.resolve(uploadDir), path.resolve(file));
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return;
  await rm(file, { force: true });
}

/** The sweep for conversations without sessions or with stale ones, by one process at a time (the others skip it). */
async function repairOnce(client: pg.ClientBase, now: Date, stale: boolean): Promise<{ missing: number; stale: number }> {
  const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LockKeys.sessionsRepair]);
  if (got.rows[0]?.ok !== true) return { missing: 0, stale: 0 };
  try {
    return await repairMissingSessions(client, now, { stale });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LockKeys.sessionsRepair]);
  }
}

/** The stale-session half of recovery on its own (the service runs it once it is ready). */
export async function refreshStaleSessions(pool: pg.Pool, now: Date): Promise<RecoveryReport> {
  // discarded afterwards: the sweep's advisory lock is session-level
  return withPooledClient(pool, async (client) => {
    const repaired = await repairOnce(client, now, true);
    return { failed: [], running: [], sessionsRepaired: repaired.missing, sessionsRefreshed: repaired.stale, indexesRebuilt: [] };
  }, { discard: true });
}

/** One line per thing recovery did, for the service log and the CLI; none when there was nothing to do. */
export function describeRecovery(r: RecoveryReport): string[] {
  const lines = r.failed.map(
    (u) =>
      `upload #${u.id} (${u.fileName}) was left processing by a process that died: marked failed with ${u.journaled ? '' : 'at least '}${n(u.accepted)} row(s) stored, ` +
      `sessions of ${n(u.conversations)} conversation(s) rebuilt; import the file again to finish it`,
  );
  if (r.indexesRebuilt.length > 0) {
    lines.push(`built again ${r.indexesRebuilt.length} index(es) a stopped import had dropped for its load: ${r.indexesRebuilt.join(', ')}`);
  }
  if (r.sessionsRepaired > 0) lines.push(`built the missing sessions of ${n(r.sessionsRepaired)} conversation(s) that had messages but no session`);
  if (r.sessionsRefreshed > 0) lines.push(`rebuilt the sessions of ${n(r.sessionsRefreshed)} conversation(s) whose newest messages no session covered (a rebuild a stopped process never ran)`);
  return lines;
}
