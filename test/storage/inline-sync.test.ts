// The local engine's fdatasync on the event loop (src/storage/local/inline-sync.ts) and its point
// reads (partition-store.ts POINT_READ): a lone writer at fsync=always syncs inline, partitions
// appending at once keep their fsyncs on the thread pool, a slow disk turns inline syncs off (and
// the thread pool's round trips alone do not), and a one-message read of a batch larger than a
// point read's first read still returns it whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchOf, openTestLog, silentLogger, tempDir } from './helpers.js';
import { openLog } from '../../src/core/log/index.js';
import { createStorageEngine } from '../../src/storage/index.js';
import { InlineSyncPolicy, INLINE_MAX_MS } from '../../src/storage/local/inline-sync.js';
import type { LocalPartitionStore } from '../../src/storage/local/partition-store.js';
import { splitBatches } from '../support/records.js';
import { readRecords } from '../../src/core/streams/record-codec.js';
import { BATCH_HEADER_SIZE } from '../../src/core/records/batch.js';

test('a lone writer at fsync=always syncs each group inline; two partitions appending at once do not', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // No fsync-time limit: a loaded machine's slow fsyncs would otherwise (rightly) turn inline syncs off.
    const engine = await createStorageEngine({ kind: 'local', dataDir: dir, logger: silentLogger, inlineSyncMaxMs: Infinity });
    const log = await openLog({ engine, fsync: 'always', fsyncInterval: 1000, logger: silentLogger, maintenanceIntervalMs: 0 });
    await log.createTopic('t', { partitions: 2 });
    const p0 = log.partition('t', 0);
    const p1 = log.partition('t', 1);
    const s0 = p0.engineStore as LocalPartitionStore;
    const s1 = p1.engineStore as LocalPartitionStore;
    // One append in flight at a time, as js pub sync does.
    for (let i = 0; i < 20; i++) await p0.append(batchOf(`one${i}`));
    assert.equal(s0.stats.syncs, 20);
    assert.equal(s0.stats.inlineSyncs, 20, 'a lone writer syncs on the event loop');
    assert.equal(p0.durableOffset, 20);
    // Both partitions at once, as a produce request to two partitions: both fsyncs go to the pool.
    const before = s0.stats.inlineSyncs + s1.stats.inlineSyncs;
    for (let i = 0; i < 10; i++) await Promise.all([p0.append(batchOf(`a${i}`)), p1.append(batchOf(`b${i}`))]);
    assert.equal(s0.stats.inlineSyncs + s1.stats.inlineSyncs, before, 'concurrent writers keep their fsyncs on the thread pool');
    assert.equal(p0.durableOffset, 30);
    assert.equal(p1.durableOffset, 10);
    await log.close();
  } finally {
    cleanup();
  }
});

test('inline fsyncs stop while the recent ones are slow, and come back when they are fast again', () => {
  const policy = new InlineSyncPolicy();
  policy.enter();
  assert.equal(policy.inline(), true);
  for (let i = 0; i < 3; i++) policy.record(INLINE_MAX_MS * 10);
  assert.equal(policy.inline(), false, 'a slow disk keeps fsyncs off the event loop');
  for (let i = 0; i < 40; i++) policy.record(INLINE_MAX_MS / 10);
  assert.equal(policy.inline(), true);
  policy.enter();
  assert.equal(policy.inline(), false, 'two writers: not inline');
  policy.leave();
  policy.leave();
});

test('pool fsync times, round trip included, can bring inline fsyncs back but never keep them away', () => {
  const policy = new InlineSyncPolicy();
  policy.enter();
  for (let i = 0; i < 3; i++) policy.record(INLINE_MAX_MS * 10);
  assert.equal(policy.inline(), false, 'slow inline fsyncs send the syncs to the pool');
  // On a busy machine the pool's round trip comes on top of a fast fsync, often past the limit.
  for (let i = 0; i < 20; i++) {
    policy.recordPooled(INLINE_MAX_MS / 2);
    policy.recordPooled(INLINE_MAX_MS * 3);
  }
  assert.equal(policy.inline(), true, 'the fast ones show the disk is fast: inline again');
  for (let i = 0; i < 20; i++) policy.recordPooled(INLINE_MAX_MS * 10);
  assert.equal(policy.inline(), true, 'slow pool times alone say nothing about the disk');
  policy.leave();
});

test('a one-message read of a batch larger than a point read returns the whole batch', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await openTestLog(dir, { hotTailBytes: 0 });
    await log.createTopic('t');
    const p = log.partition('t', 0);
    await p.append(batchOf('small', 3));
    const big = Buffer.alloc(200 * 1024, 7);
    await p.append(batchOf('big', 1, { value: big }));
    await p.append(batchOf('after', 2));
    const r = await p.read(3, 1);
    const batches = r.chunks.flatMap((c) => splitBatches(c));
    assert.equal(batches.length, 1);
    const recs = readRecords(batches[0]!, batches[0]!.subarray(BATCH_HEADER_SIZE));
    assert.equal(recs[0]!.offset, 3);
    assert.deepEqual(recs[0]!.value, big);
    await log.close();
  } finally {
    cleanup();
  }
});
