import { describe, expect, it } from 'vitest';
import { parallelWorkersPerGather, sharedBuffersMb, walSettings } from '../src/db/embedded.ts';

// The embedded server's settings that depend on the machine.

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
});
