import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { createPool } from '../db/pool.js';
import { importPath, parseMapOptions, readUpload, type ImportResult } from '../import/index.js';
import { insertUpload, finishUpload } from '../import/uploads.js';

// POST /api/uploads takes a chat export as multipart (field `file`, optional `owner` and
// `map`), streams it to disk, answers 202 with the upload id at once and imports in the
// background; GET /api/uploads/:id reports progress and the outcome.

export interface UploadsDeps {
  databaseUrl: string;
  dataDir: string;
  maxBytes: number;
  afterImport: (url: string, r: ImportResult) => Promise<void>;
  timezone: string;
}

const MAX_ID = 2 ** 31 - 1;

const fail = (reply: FastifyReply, status: number, error: string, message: string) => reply.status(status).send({ error, message });

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

export function uploadsRoutes(deps: UploadsDeps): FastifyPluginAsync {
  return async (app) => {
    const uploadDir = path.join(deps.dataDir, 'uploads');
    const pool = createPool(deps.databaseUrl, 2, (err) => app.log.warn({ err }, 'uploads: idle database connection lost'));
    const running = new Set<Promise<void>>();
    // Shutdown waits for imports in flight: each batch is a transaction, but the upload row
    // should not be left saying "processing" by a clean stop.
    app.addHook('onClose', async () => {
      await Promise.allSettled([...running]);
      await pool.end();
    });
    if (!app.hasRequestDecorator('parts')) await app.register(multipart);

    app.post('/api/uploads', async (req, reply) => {
      if (!req.isMultipart()) return fail(reply, 415, 'NOT_MULTIPART', 'send the file as multipart/form-data with the file in the "file" field');
      await mkdir(uploadDir, { recursive: true });
      let saved: { file: string; name: string; size: number } | undefined;
      const fields: Record<'owner' | 'map', string[]> = { owner: [], map: [] };
      try {
        for await (const part of req.parts({ limits: { fileSize: deps.maxBytes, files: 1, fields: 20 } })) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file' || saved) {
              part.file.resume();
              continue;
            }
            const file = path.join(uploadDir, `${Date.now()}-${randomBytes(4).toString('hex')}-${diskName(part.filename)}`);
            // Some browsers send a client-side path (C:\fakepath\x.csv): keep the name a person would recognise.
            saved = { file, name: part.filename.split(/[\\/]/).pop() || 'upload', size: 0 };
            await pipeline(part.file, createWriteStream(file));
            saved.size = (await stat(file)).size;
          } else if (part.fieldname === 'owner' || part.fieldname === 'map') {
            fields[part.fieldname].push(String(part.value));
          }
        }
      } catch (err) {
        if (saved) await rm(saved.file, { force: true });
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          return fail(reply, 413, 'FILE_TOO_LARGE', `the file is larger than the upload limit of ${deps.maxBytes.toLocaleString('en-US')} bytes; split it, or import it with \`pulse import\``);
        }
        throw err;
      }
      if (!saved) return fail(reply, 400, 'NO_FILE', 'no file: send it in the multipart field "file"');
      let map: Record<string, string>;
      try {
        map = parseMapField(fields.map);
      } catch (err) {
        await rm(saved.file, { force: true });
        return fail(reply, 400, 'BAD_MAP', `map: ${(err as Error).message}`);
      }

      const uploadId = await insertUpload(pool, saved.name, saved.size);
      const { file } = saved;
      const owner = fields.owner[0]?.trim() || undefined;
      const job = (async () => {
        try {
          const result = await importPath(deps.databaseUrl, file, { uploadId, owner, map, timezone: deps.timezone });
          // The data is in the database now; keeping customers' chats on disk as well serves no one.
          await rm(file, { force: true });
          await deps.afterImport(deps.databaseUrl, result).catch((err: unknown) => req.log.error({ err, uploadId }, 'after-import step failed'));
        } catch (err) {
          // importPath records its own failures; this covers a failure to even reach the database.
          req.log.warn({ err, uploadId }, 'import failed');
          const row = await readUpload(pool, uploadId).catch(() => null);
          if (row && row.status !== 'failed') {
            await finishUpload(pool, uploadId, { status: 'failed', accepted: row.rowsAccepted, rejected: row.rowsRejected, errors: [...row.errors, { line: row.fileName, reason: `import failed: ${(err as Error).message}` }] }).catch(() => {});
          }
        }
      })();
      running.add(job);
      void job.finally(() => running.delete(job));
      return reply.status(202).send({ uploadId, status: 'pending' });
    });

    app.get<{ Params: { id: string } }>('/api/uploads/:id', async (req, reply) => {
      const { id } = req.params;
      if (!/^\d{1,10}$/.test(id) || Number(id) > MAX_ID) return fail(reply, 400, 'BAD_REQUEST', `upload id must be a positive integer, got "${id}"`);
      const upload = await readUpload(pool, Number(id));
      if (!upload) return fail(reply, 404, 'NOT_FOUND', `no upload ${id}`);
      return upload;
    });
  };
}
