import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeQaStatus, qaState, type QaChangeResult } from '../src/db/qa-repo.ts';
import { createPool } from '../src/db/pool.ts';
import { seedDemoData } from '../src/db/seed/load.ts';
import type { Caller, Role } from '../src/domain/access.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

// changeQaStatus on real Postgres (issue 6, part 1): one transaction per change, a version
// check so concurrent changes lose rather than overwrite, refusals audited.

const NOW = new Date('2026-11-20T12:00:00Z');
let db: TestDatabase;
let sessionIds: number[] = [];
const callers: Partial<Record<Role, Caller>> = {};

const q = async <T>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows as T[];
const events = async (sessionId: number) => q<{ actor_id: number | null; from_status: string; to_status: string; notes: string | null; dev_feedback: string | null }>(
  `SELECT actor_id, from_status::text, to_status::text, notes, dev_feedback FROM qa_events WHERE session_id = $1 ORDER BY id`,
  [sessionId],
);
const audits = async (sessionId: number) =>
  q<{ actor_id: number | null; action: string; details: Record<string, unknown> }>(`SELECT actor_id, action, details FROM audit_logs WHERE target = $1 ORDER BY id`, [`session:${sessionId}`]);
const caller = (role: Role): Caller => callers[role]!;
let next = 0;
/** A seeded session reset to unchecked, version 0, with no QA history. */
const fresh = async (): Promise<number> => {
  const id = sessionIds[next++];
  if (id === undefined) throw new Error('out of seeded sessions');
  await q(`DELETE FROM qa_events WHERE session_id = $1`, [id]);
  await q(`UPDATE sessions SET qa_status = 'unchecked', qa_version = 0, qa_notes = NULL, dev_feedback = NULL, qa_by_id = NULL, qa_at = NULL WHERE id = $1`, [id]);
  return id;
};

beforeAll(async () => {
  db = await createTestDatabase('qarepo');
  await seedDemoData(db.url, { conversations: 40, now: NOW, timezone: 'UTC' });
  sessionIds = (await q<{ id: number }>(`SELECT id FROM sessions ORDER BY id LIMIT 30`)).map((r) => r.id);
  for (const role of ['qa', 'developer', 'agent', 'lead', 'admin'] as const) {
    const [u] = await q<{ id: number }>(`INSERT INTO users (platform, external_id, name, role, updated_at) VALUES ('slack', $1, $2, $3::"UserRole", now()) RETURNING id`, [
      `UT_${role}`,
      `test ${role}`,
      role,
    ]);
    callers[role] = { role, userId: u!.id, name: `UT_${role}` };
  }
});
afterAll(async () => {
  await db?.drop();
});

describe('changeQaStatus', () => {
  it('writes the session QA fields and exactly one QaEvent', async () => {
    const id = await fresh();
    const before = Date.now();
    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: ' wrong refund policy ', source: 'test' });
    expect(r).toMatchObject({ ok: true, from: 'unchecked', session: { id, qaStatus: 'issue', qaVersion: 1, qaNotes: 'wrong refund policy', qaById: caller('qa').userId } });
    const s = await qaState(db.pool, id);
    expect(s).toMatchObject({ qaStatus: 'issue', qaVersion: 1, qaNotes: 'wrong refund policy', devFeedback: null, qaById: caller('qa').userId });
    expect(s!.qaAt!.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(await events(id)).toEqual([{ actor_id: caller('qa').userId, from_status: 'unchecked', to_status: 'issue', notes: 'wrong refund policy', dev_feedback: null }]);
    expect(r.ok && (await q<{ id: number }>(`SELECT id FROM qa_events WHERE session_id = $1`, [id]))[0]!.id).toBe(r.ok && r.eventId);

    const fixed = await changeQaStatus(db.pool, { sessionId: id, to: 'fixed', actor: caller('developer'), devFeedback: 'refund intent hands off', source: 'test' });
    expect(fixed).toMatchObject({ ok: true, from: 'issue', session: { qaStatus: 'fixed', qaVersion: 2, qaNotes: 'wrong refund policy', devFeedback: 'refund intent hands off' } });
    expect(await events(id)).toHaveLength(2);
    expect(await audits(id)).toEqual([]);
  });

  it('concurrent changes without a version: they serialise, never overwrite; QaEvents equal successful changes (10 attempts, 5 rounds)', async () => {
    // Without the version the actor saw, a change that reads after another committed is a
    // later change, not a concurrent one (passed → issue is a legal reopen), so how many win
    // depends on timing. What must hold: every success is one QaEvent, one version step, and
    // continues from the state the previous success left.
    const wide = createPool(db.url, 10);
    try {
      for (let round = 0; round < 5; round++) {
        const id = await fresh();
        const attempts = Array.from({ length: 10 }, (_, i) =>
          changeQaStatus(wide, { sessionId: id, to: i % 2 ? 'passed' : 'issue', actor: caller(i % 3 ? 'qa' : 'admin'), notes: `attempt ${i}`, source: 'test' }),
        );
        const results: QaChangeResult[] = await Promise.all(attempts);
        const won = results.filter((r) => r.ok);
        expect(won.length, `round ${round}`).toBeGreaterThanOrEqual(1);
        for (const r of results.filter((x) => !x.ok)) expect(['conflict', 'invalid_transition']).toContain(r.ok ? '' : r.kind);
        const evs = await events(id);
        expect(evs).toHaveLength(won.length);
        const s = await qaState(db.pool, id);
        expect(s!.qaVersion).toBe(won.length);
        expect(evs[0]!.from_status).toBe('unchecked');
        for (let i = 1; i < evs.length; i++) expect(evs[i]!.from_status).toBe(evs[i - 1]!.to_status);
        expect(evs.at(-1)!.to_status).toBe(s!.qaStatus);
      }
    } finally {
      await wide.end();
    }
  });

  it('concurrent changes to the same state without a version: exactly one succeeds whatever the timing (10 attempts, 5 rounds)', async () => {
    // a loser either raced the winner (conflict) or read after it (passed → passed is no move)
    const wide = createPool(db.url, 10);
    try {
      for (let round = 0; round < 5; round++) {
        const id = await fresh();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => changeQaStatus(wide, { sessionId: id, to: 'passed', actor: caller('qa'), notes: `n${i}`, source: 'test' })),
        );
        expect(results.filter((r) => r.ok), `round ${round}`).toHaveLength(1);
        for (const r of results.filter((x) => !x.ok)) expect(['conflict', 'invalid_transition']).toContain(r.ok ? '' : r.kind);
        expect(await events(id)).toHaveLength(1);
        expect(await qaState(db.pool, id)).toMatchObject({ qaStatus: 'passed', qaVersion: 1 });
      }
    } finally {
      await wide.end();
    }
  });

  it('concurrent changes carrying the version they saw: one wins, the others get conflict', async () => {
    for (let round = 0; round < 3; round++) {
      const id = await fresh();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('qa'), notes: `n${i}`, expectedVersion: 0, source: 'test' })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const kinds = results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.kind));
      expect(kinds).toEqual(Array(9).fill('conflict'));
      expect(await events(id)).toHaveLength(1);
    }
  });

  it('a stale expectedVersion is a conflict and changes nothing', async () => {
    const id = await fresh();
    expect((await changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('qa'), expectedVersion: 0, source: 'test' })).ok).toBe(true);
    const stale = await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'reopen', expectedVersion: 0, source: 'test' });
    expect(stale).toMatchObject({ ok: false, kind: 'conflict', session: { qaStatus: 'passed', qaVersion: 1 } });
    expect(stale.ok ? '' : stale.reason).toBe(`someone else changed session ${id} first; it is now passed. Look at it again before changing it`);
    expect(await qaState(db.pool, id)).toMatchObject({ qaStatus: 'passed', qaVersion: 1, qaNotes: null });
    expect(await events(id)).toHaveLength(1);
    // with the current version it goes through
    expect(await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'reopen', expectedVersion: 1, source: 'test' })).toMatchObject({ ok: true });
  });

  it('forbidden (an agent setting fixed): the session is unchanged and one audit_logs row says why', async () => {
    const id = await fresh();
    await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'bad answer', source: 'test' });
    const before = await qaState(db.pool, id);
    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'fixed', actor: caller('agent'), devFeedback: 'I fixed it', source: 'slack' });
    expect(r).toMatchObject({ ok: false, kind: 'forbidden', reason: 'only developers or admins can mark a session fixed; you are a support agent' });
    expect(await qaState(db.pool, id)).toEqual(before);
    expect(await events(id)).toHaveLength(1);
    const a = await audits(id);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({
      actor_id: caller('agent').userId,
      action: 'qa.refused',
      details: { from: 'issue', to: 'fixed', source: 'slack', role: 'agent', actor: 'UT_agent', reason: 'only developers or admins can mark a session fixed; you are a support agent' },
    });
  });

  it('a lead may not pass a session (read only), audited; invalid moves and missing notes are refused without an audit row', async () => {
    const id = await fresh();
    expect(await changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('lead'), source: 'assistant' })).toMatchObject({ ok: false, kind: 'forbidden' });
    expect(await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), source: 'test' })).toMatchObject({ ok: false, kind: 'missing_notes' });
    expect(await changeQaStatus(db.pool, { sessionId: id, to: 'fixed', actor: caller('developer'), devFeedback: 'x', source: 'test' })).toMatchObject({ ok: false, kind: 'invalid_transition' });
    expect(await qaState(db.pool, id)).toMatchObject({ qaStatus: 'unchecked', qaVersion: 0 });
    expect(await events(id)).toEqual([]);
    expect((await audits(id)).map((a) => a.action)).toEqual(['qa.refused']);
  });

  it('not found: a session that does not exist', async () => {
    const r = await changeQaStatus(db.pool, { sessionId: 99_999_999, to: 'passed', actor: caller('qa'), source: 'test' });
    expect(r).toEqual({ ok: false, kind: 'not_found', reason: 'there is no session 99999999' });
    expect((await q(`SELECT 1 FROM qa_events WHERE session_id = 99999999`)).length).toBe(0);
  });

  it('a soft-deleted session is not found for QA changes and keeps its state', async () => {
    const id = await fresh();
    await q(`UPDATE sessions SET deleted_at = now() WHERE id = ${id}`);
    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('qa'), source: 'test' });
    expect(r).toMatchObject({ ok: false, kind: 'not_found' });
    expect(await qaState(db.pool, id)).toMatchObject({ qaStatus: 'unchecked', qaVersion: 0, deleted: true });
    expect(await events(id)).toEqual([]);
  });

  it('the after hook runs inside the transaction: its failure undoes the change, its writes commit with it', async () => {
    const id = await fresh();
    await expect(
      changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('qa'), source: 'test' }, async () => {
        throw new Error('hook broke');
      }),
    ).rejects.toThrow('hook broke');
    expect(await qaState(db.pool, id)).toMatchObject({ qaStatus: 'unchecked', qaVersion: 0 });
    expect(await events(id)).toEqual([]);

    const r = await changeQaStatus(db.pool, { sessionId: id, to: 'passed', actor: caller('qa'), source: 'test' }, async (client, change) => {
      await client.query(`INSERT INTO audit_logs (action, target) VALUES ('hook.ran', $1)`, [`session:${change.session.id}`]);
    });
    expect(r.ok).toBe(true);
    expect((await audits(id)).map((a) => a.action)).toEqual(['hook.ran']);
  });

  it('atomic: when the QaEvent insert fails, the session keeps its QA fields and version', async () => {
    const id = await fresh();
    // a constraint only this note breaks: the update succeeds, the audit row after it fails
    await q(`ALTER TABLE qa_events ADD CONSTRAINT qa_events_refuse_test CHECK (notes IS DISTINCT FROM 'refused by the test') NOT VALID`);
    try {
      await expect(changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'refused by the test', source: 'test' })).rejects.toThrow(
        /qa_events_refuse_test/,
      );
    } finally {
      await q(`ALTER TABLE qa_events DROP CONSTRAINT qa_events_refuse_test`);
    }
    expect(await qaState(db.pool, id)).toMatchObject({ qaStatus: 'unchecked', qaVersion: 0, qaNotes: null, qaById: null, qaAt: null });
    expect(await events(id)).toEqual([]);
    // and the session is free for the next change (no lock or version left behind)
    expect(await changeQaStatus(db.pool, { sessionId: id, to: 'issue', actor: caller('qa'), notes: 'accepted', source: 'test', expectedVersion: 0 })).toMatchObject({
      ok: true, session: { qaVersion: 1, qaNotes: 'accepted' },
    });
  });
});
