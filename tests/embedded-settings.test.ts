import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { parallelWorkersPerGather, sharedBuffersMb, walSettings } from '../src/db/embedded.ts';

// The embedded server's settings that depend on the machine, and those of a new cluster (the
// test run's server is one, started by startEmbedded in a fresh data dir).

describe('embedded PostgreSQL settings', () => {
  it('starts no parallel workers under 4 cores (the service needs them), then a quarter of the cores', () => {
    expect([1, 2, 3, 4, 8, 16].map(parallelWorkersPerGather)).toEqual([0, 0, 0, 1, 2, 4]);
  });

  it('gives shared_buffers an eighth of memory, between 128 MB and 1 GB', () => {
    const gib = 1024 ** 3;
    expect([0.5 * gib, 4 * gib, 24 * gib].map(sharedBuffersMb)).toEqual([128, 512, 1024]);
  });

  it('sizes the WAL for bulk imports: wal_buffers 1/16 of shared_buffers within 16–64 MB, max_wal_size 2 GB', () => {
    expect([128, 512, 1024].map(walSettings)).toEqual([
      ['wal_buffers=16MB', 'max_wal_size=2GB'],
      ['wal_buffers=32MB', 'max_wal_size=2GB'],
      ['wal_buffers=64MB', 'max_wal_size=2GB'],
    ]);
  });

  it('creates WAL files without zero-filling them, with max_wal_size 2 GB (walSettings) and the default min_wal_size 80 MB', async () => {
    const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
        `SELECT name, setting, unit FROM pg_settings WHERE name IN ('wal_init_zero', 'max_wal_size', 'min_wal_size') ORDER BY name`,
      );
      expect(rows).toEqual([
        { name: 'max_wal_size', setting: '2048', unit: 'MB' },
        { name: 'min_wal_size', setting: '80', unit: 'MB' },
        { name: 'wal_init_zero', setting: 'off', unit: null },
      ]);
    } finally {
      await client.end();
    }
  });
});
