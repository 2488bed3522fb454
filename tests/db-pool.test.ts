import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/db/pool.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';

// A connection cut while a caller holds it between two queries is an 'error' event on the
// client, which the pool does not listen to while the client is checked out: unheard, it would
// end the process (seen in a fresh-clone run when the database stopped under a worker).

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('db_pool');
});
afterAll(async () => {
  await db.drop();
});

describe('createPool', () => {
  it('hears a checked-out connection being cut: the next query fails, the pool discards it and serves a new one', async () => {
    const reported: Error[] = [];
    const pool = createPool(db.url, 2, (err) => reported.push(err));
    try {
      const client = await pool.connect();
      const heard = client.listenerCount('error');
      if (heard === 0) client.release(true);
      expect(heard, 'error listeners on a checked-out client').toBeGreaterThan(0);
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const cut = new Promise<Error>((resolve) => client.once('error', resolve));
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      expect((await cut).message).toMatch(/terminat/i);
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release();
      await waitFor(() => pool.totalCount === 0, { what: 'the broken client removed from the pool' });
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
