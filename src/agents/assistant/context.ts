import type pg from 'pg';
import type { AfterQaChange } from '../../db/qa-repo.ts';
import type { Role } from '../../domain/access.ts';
import { parsePeriod, periodBetween, type Period } from '../../domain/periods.ts';

/** What the assistant's tools need: the data, the business timezone and a clock. */
export interface ToolContext {
  /** the application's pool, used only by the fixed, parameterised read queries of the tools */
  pool: pg.Pool;
  /** a pulse_agent login pool for sql_query; absent when that role cannot be used */
  agentPool?: pg.Pool;
  /** why agentPool is absent, told to whoever asks for SQL */
  agentUnavailable?: string;
  timeZone: string;
  now: () => Date;
  /** sql_query row cap and statement timeout */
  rowCap?: number;
  timeoutMs?: number;
  /** the workspace's minimum role for analytics questions; unset = everyone (src/domain/access.ts) */
  analyticsMinRole?: Role;
  /** qa_update: runs inside each QA change's transaction (the notification hook, src/jobs/notifications/qa-notify.ts) */
  qaAfter?: AfterQaChange;
}

export interface RecordedQuery {
  text: string;
  values: unknown[];
}

/**
 * A pool facade that remembers the statements a tool ran, so every answer can show its SQL
 * on request. The tools only call `query`, so nothing else needs forwarding.
 */
export function recordingPool(pool: pg.Pool, log: RecordedQuery[]): pg.Pool {
  const query = (text: unknown, values?: unknown) => {
    const sql = typeof text === 'string' ? text : (text as { text: string }).text;
    log.push({ text: sql.replace(/\s+/g, ' ').trim(), values: Array.isArray(values) ? values : [] });
    return (pool.query as (t: unknown, v?: unknown) => Promise<unknown>)(text, values);
  };
  return { query } as unknown as pg.Pool;
}

const EXPLICIT_RANGE = /^\s*(\d{4}-\d{2}-\d{2})\s*(?:to|–|-|\.\.)\s*(\d{4}-\d{2}-\d{2})\s*$/;
const ISO_DAY = /^\s*(\d{4}-\d{2}-\d{2})\s*$/;

/**
 * A tool's period argument: a phrase in the business timezone ("last week", "Q3") or two ISO
 * days. Two days that span a calendar unit keep it, so "the period before" stays meaningful.
 */
export function resolvePeriod(text: string | undefined, ctx: ToolContext, fallback = 'last 7 days'): Period {
  const phrase = text?.trim() || fallback;
  const range = EXPLICIT_RANGE.exec(phrase) ?? ISO_DAY.exec(phrase);
  if (range) {
    const from = range[1]!;
    const to = range[2] ?? from;
    if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)) || to < from) {
      throw new ToolInputError(`"${phrase}" is not a valid date range (YYYY-MM-DD to YYYY-MM-DD, start first)`);
    }
    return periodBetween(from, to);
  }
  const period = parsePeriod(phrase, ctx.now(), ctx.timeZone);
  if (!period) {
    throw new ToolInputError(
      `cannot read the period "${phrase}"; use e.g. "yesterday", "last week", "this month", "last 30 days", "Q3", "2026-10-01 to 2026-10-31"`,
    );
  }
  return period;
}

/** Bad tool arguments: reported back to the model as an error it can correct. */
export class ToolInputError extends Error {}

/** A page named by (part of) its name; an ambiguous or unknown name is an input error. */
export async function resolvePage(pool: pg.Pool, name: string | undefined): Promise<{ id: number; name: string } | undefined> {
  if (!name?.trim()) return undefined;
  const pattern = `%${name.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await pool.query<{ id: number; name: string }>('SELECT id, name FROM pages WHERE name ILIKE $1 ORDER BY name LIMIT 10', [pattern]);
  const exact = rows.find((r) => r.name.toLowerCase() === name.trim().toLowerCase());
  if (exact) return exact;
  if (rows.length === 1) return rows[0];
  if (rows.length === 0) {
    const all = await pool.query<{ name: string }>('SELECT name FROM pages ORDER BY name LIMIT 20');
    throw new ToolInputError(`no page matches "${name}"; pages: ${all.rows.map((r) => r.name).join(', ') || 'none'}`);
  }
  throw new ToolInputError(`"${name}" matches several pages: ${rows.map((r) => r.name).join(', ')}`);
}
