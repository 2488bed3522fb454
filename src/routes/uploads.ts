import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { auditTokenUse } from '../db/tokens-repo.js';
import type { Role } from '../domain/access.js';
import type { ErrorCode } from '../errors.js';
import { importPath, parseMapOptions, readUpload, type ImportResult } from '../import/index.js';
import { insertUpload, insertUploadOnce, finishUpload } from '../import/uploads.js';
import { allowRoles, callerOf } from './auth.js';
import { RATE_LIMIT, guardApi } from './guard.js';
import { idempotencyKeyOf, requestFingerprint } from './idempotency.js';
import { inputProblem } from './input-check.js';
import { idParams, type FieldProblem } from './openapi.js';
import { AppError } from '../errors.js';
import { sendError } from './send-error.js';

// POST /api/uploads takes a chat export as multipart (field `file`, optional `owner` and
// `map`), streams it to disk, answers 202 with the upload id at once and imports in the
// background; GET /api/uploads/:id reports progress and the outcome. Both for admins and team
// leads with an API token. An upload writes messages into existing conversations and creates
// pages, and each holds a file of up to UPLOAD_MAX_MB on disk while it runs: so uploads are
// rate-limited per token and only UPLOAD_CONCURRENCY run at once, and no file outlives its import.
// With an Idempotency-Key header, the same file sent again by the same token is not imported again:
// the answer is the first upload (200, its id and current status); another file under the key is a 422.

export interface UploadsDeps {
  /** the requests' pool: token checks, upload rows, status reads */
  pool: pg.Pool;
  /** the imports' pool: IMPORT_CONNECTIONS for each of `concurrency` imports (its owner closes it) */
  importPool: pg.Pool;
  dataDir: string;
  maxBytes: number;
  afterImport: (r: ImportResult) => Promise<void>;
  timezone: string;
  /** UPLOADS_PER_MINUTE: uploads a minute per token (or address before a token is verified) */
  uploadsPerMinute?: number;
  /** UPLOAD_CONCURRENCY: uploads received or imported at once; more answer 429 UPLOADS_BUSY */
  concurrency?: number;
  /** requests a minute per token for the status reads; default RATE_LIMIT.max */
  rateLimitMax?: number;
}

export const UPLOAD_ROLES: readonly Role[] = ['admin', 'lead'];
export const UPLOAD_DEFAULTS = { uploadsPerMinute: 10, concurrency: 2 } as const;

/** What a refused upload is told to wait: imports of a few MB take seconds. */
const BUSY_RETRY_SECONDS = 10;

/** Safe on disk whatever the client sent as a name: no separators, no dot files, bounded length. */
const diskName = (name: string) => name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(-100) || 'upload';

function parseMapField(values: string[]): Record<string, string> {
  // One `column=field` per field occurrence or per line; a JSON object is accepted too.
  const entries: string[] = [];
  for (const v of values) {
    const t = v.trim();
    if (t.startsWith('{')) {
      const obj = JSON.parse(t) as Record<string, unknown>;
      for (const [k, f] of Object.entries(obj)) entries.push(`${k}=${String(f)}`);
    } else entries.push(...t.split(/\r?\n/).map((s) => s.trim()).filter(Boolean));
  }
  return parseMapOptions(entries);
}

type Received =
  | { ok: true; file: string; name: string; size: number; sha256: string | undefined; owner: string | undefined; map: Record<string, string> }
  | { ok: false; code: ErrorCode; message: string; fields?: FieldProblem[] };

/**
 * Streams the request's parts to disk (with the file's SHA-256 when `hash`: an Idempotency-Key
 * compares files by it); on any refusal or error the file written so far is removed.
 */
async function receive(req: FastifyRequest, uploadDir: string, maxBytes: number, hash: boolean): Promise<Received> {
  await mkdir(uploadDir, { recursive: true });
  let saved: { file: string; name: string; size: number; sha256: string | undefined } | undefined;
  const fields: Record<'owner' | 'map', string[]> = { owner: [], map: [] };
  const refuse = async (code: ErrorCode, message: string, fieldProblems?: FieldProblem[]): Promise<Received> => {
    if (saved) await rm(saved.file, { force: true });
    return { ok: false, code, message, ...(fieldProblems ? { fields: fieldProblems } : {}) };
  };
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || saved) {
          part.file.resume();
          continue;
        }
        const file = path.join(uploadDir, `${Date.now()}-${randomBytes(4).toString('hex')}-${diskName(part.filename)}`);
        // Some browsers send a client-side path (C:\fakepath\x.csv): keep the name a person would recognise.
        saved = { file, name: part.filename.split(/[\\/]/).pop() || 'upload', size: 0, sha256: undefined };
        const digest = hash ? createHash('sha256') : undefined;
        if (digest) part.file.on('data', (chunk: Buffer) => digest.update(chunk));
        await pipeline(part.file, createWriteStream(file));
        saved.size = (await stat(file)).size;
        saved.sha256 = digest?.digest('hex');
      } else if (part.fieldname === 'owner' || part.fieldname === 'map') {
        fields[part.fieldname].push(String(part.value));
      }
    }
  } catch (err) {
    const e = err as { code?: unknown; errno?: unknown; statusCode?: unknown; message?: unknown };
    if (e.code === 'FST_REQ_FILE_TOO_LARGE') {
      return refuse('FILE_TOO_LARGE', `the file is larger than the upload limit of ${maxBytes.toLocaleString('en-US')} bytes; split it, or import it with \`pulse import\``);
    }
    // The multipart parser's own complaints (no boundary, the body cut short) are plain errors:
    // the client sent a body that is not the multipart it says. Disk errors carry an errno, the
    // plugin's limits a status; those keep their way.
    if (e.errno === undefined && e.statusCode === undefined && e.code === undefined) {
      return refuse('BAD_REQUEST', `the multipart body cannot be read: ${String(e.message)}`);
    }
    await refuse('INTERNAL', 'upload interrupted');
    throw err;
  }
  // The owner becomes a page name: PostgreSQL stores no NUL character (a 500 with database text otherwise).
  for (const name of ['owner', 'map'] as const) {
    for (const value of fields[name]) {
      const problem = inputProblem(value, name);
      if (problem) return refuse('BAD_REQUEST', `${problem.field} ${problem.problem}`, [problem]);
    }
  }
  if (!saved) return refuse('NO_FILE', 'no file: send it in the multipart field "file"');
  try {
    return { ok: true, ...saved, owner: fields.owner[0]?.trim() || undefined, map: parseMapField(fields.map) };
  } catch (err) {
    return refuse('BAD_MAP', `map: ${(err as Error).message}`);
  }
}

export function uploadsRoutes(deps: UploadsDeps): FastifyPluginAsync {
  const concurrency = deps.concurrency ?? UPLOAD_DEFAULTS.concurrency;
  const perMinute = deps.uploadsPerMinute ?? UPLOAD_DEFAULTS.uploadsPerMinute;
  return async (app) => {
    const uploadDir = path.join(deps.dataDir, 'uploads');
    const { pool } = deps;
    const running = new Set<Promise<void>>();
    // Uploads being received or imported: a slot is taken before the body is read and given
    // back when the request is refused or its import has ended.
    let busy = 0;
    // Shutdown waits for imports in flight: each batch is a transaction, but the upload row
    // should not be left saying "processing" by a clean stop.
    app.addHook('onClose', async () => {
      await Promise.allSettled([...running]);
    });
    if (!app.hasRequestDecorator('parts')) await app.register(multipart);
    await guardApi(app, { pool, max: deps.rateLimitMax ?? RATE_LIMIT.max });

    /** Imports in the background; the file is removed whatever the outcome (a failed import's too). */
    const startImport = (req: FastifyRequest, uploadId: number, r: Extract<Received, { ok: true }>) => {
      const job = (async () => {
        let result: ImportResult | undefined;
        try {
          result = await importPath(deps.importPool, r.file, { uploadId, owner: r.owner, map: r.map, timezone: deps.timezone });
        } catch (err) {
          // importPath records its own failures; this covers a failure to even reach the database.
          req.log.warn({ err, uploadId }, 'import failed');
          const row = await readUpload(pool, uploadId).catch(() => null);
          if (row && row.status !== 'failed') {
            await finishUpload(pool, uploadId, { status: 'failed', accepted: row.rowsAccepted, rejected: row.rowsRejected, errors: [...row.errors, { line: row.fileName, reason: `import failed: ${(err as Error).message}` }] }).catch(() => {});
          }
        } finally {
          // The data is in the database now (or never will be): keeping customers' chats on disk as well serves no one.
          await rm(r.file, { force: true }).catch((err: unknown) => req.log.warn({ err, uploadId }, 'could not remove the uploaded file'));
        }
        if (result) await deps.afterImport(result).catch((err: unknown) => req.log.error({ err, uploadId }, 'after-import step failed'));
      })();
      running.add(job);
      void job.finally(() => {
        running.delete(job);
        busy--;
      });
    };

    app.post('/api/uploads', {
      preParsing: allowRoles(UPLOAD_ROLES, 'uploading chat logs', pool),
      config: { rateLimit: { max: perMinute, timeWindow: '1 minute' }, accepts: 'multipart/form-data' },
    }, async (req, reply) => {
      if (!req.isMultipart()) return sendError(req, reply, 'NOT_MULTIPART', 'send the file as multipart/form-data with the file in the "file" field');
      const key = idempotencyKeyOf(req);
      if (busy >= concurrency) {
        reply.header('retry-after', String(BUSY_RETRY_SECONDS));
        return sendError(req, reply, 'UPLOADS_BUSY', `${concurrency} uploads are being received or imported already (UPLOAD_CONCURRENCY); try again when one has finished`);
      }
      busy++;
      let started = false;
      try {
        const received = await receive(req, uploadDir, deps.maxBytes, key !== undefined);
        if (!received.ok) return sendError(req, reply, received.code, received.message, received.fields ? { fields: received.fields } : {});
        const caller = callerOf(req);
        let uploadId: number;
        try {
          if (key === undefined) {
            uploadId = await insertUpload(pool, received.name, received.size);
          } else {
            const requestHash = requestFingerprint({ sha256: received.sha256, name: received.name, owner: received.owner ?? null, map: received.map });
            const stored = await insertUploadOnce(pool, { fileName: received.name, sizeBytes: received.size, tokenId: caller.tokenId, key, requestHash });
            if (stored.kind !== 'inserted') {
              // the first upload under this key is imported (or being imported) already: this copy is not needed
              await rm(received.file, { force: true });
              if (stored.kind === 'mismatch') {
                throw new AppError('IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was sent before with another file (upload ${stored.id}); use a new key for a new upload`);
              }
              return reply.status(200).send({ uploadId: stored.id, status: stored.status });
            }
            uploadId = stored.id;
          }
        } catch (err) {
          await rm(received.file, { force: true });
          throw err;
        }
        startImport(req, uploadId, received);
        started = true;
        await auditTokenUse(pool, caller, 'upload.create', `upload:${uploadId}`, { fileName: received.name, sizeBytes: received.size });
        return reply.status(202).send({ uploadId, status: 'pending' });
      } finally {
        if (!started) busy--;
      }
    });

    app.get<{ Params: { id: number } }>('/api/uploads/:id', { preParsing: allowRoles(UPLOAD_ROLES, 'reading uploads'), schema: { params: idParams } }, async (req, reply) => {
      const { id } = req.params;
      const upload = await readUpload(pool, id);
      if (!upload) return sendError(req, reply, 'NOT_FOUND', `no upload ${id}`);
      return upload;
    });
  };
}
