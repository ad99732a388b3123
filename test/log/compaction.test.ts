// Log compaction: the latest record per key survives with its offset, older ones go,
// tombstones go after delete.retention.ms, young records are left alone, appends go on while
// compaction runs, and compressed batches are recompressed with their codec.
// Runs against every storage engine: both rewrite only sealed units of storage.
import assert from 'node:assert/strict';
import { engineTest, keyed, readAll } from '../storage/helpers.js';
import { buildRecordBatch, buildRecordBatchAsync, batchCompression, decodeRecordsAsync } from '../../src/core/records/batch.js';
import { CompressionType } from '../../src/core/records/compression.js';
import { splitBatches } from '../support/records.js';

const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0.01' };

engineTest('compaction keeps the latest record per key at its offset (property, random workload)', async (place) => {
  const log = await place.open();
  await log.createTopic('c', { configs: { ...COMPACT, 'delete.retention.ms': '86400000' } });
  const p = log.partition('c', 0);
  const latest = new Map<string, { offset: number; value: string | null }>();
  const old = Date.now() - 1000;
  for (let i = 0; i < 600; i++) {
    const key = `k${Math.floor(Math.random() * 40)}`;
    const value = Math.random() < 0.1 ? null : `v${i}`;
    const r = await p.append(keyed(key, value, old));
    latest.set(key, { offset: r.baseOffset, value });
  }
  const hw = p.highWatermark;
  const sizeBefore = p.sizeBytes;
  await log.runMaintenance();
  assert.ok(p.sizeBytes < sizeBefore / 2, `compaction freed too little: ${p.sizeBytes} of ${sizeBefore}`);
  assert.equal(p.highWatermark, hw);
  const recs = await readAll(log, 'c');
  // Offsets strictly increase; at most one record per key in the compacted part.
  for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.offset > recs[i - 1]!.offset);
  const byKey = new Map<string, { offset: number; value: string | null }>();
  for (const r of recs) byKey.set(r.key!, { offset: r.offset, value: r.value });
  assert.deepEqual(byKey, latest, 'the latest record of every key survives, at its original offset');
  // Reads from inside a compacted-away range land on the next surviving batch.
  const r = await p.read(1, 100);
  assert.ok(r.bytes > 0);
  await log.close();
  // And the compacted log survives a restart intact.
  const again = await place.open();
  assert.deepEqual(await readAll(again, 'c'), recs);
  await again.close();
});

engineTest('tombstones are removed once older than delete.retention.ms; young records wait for min.compaction.lag.ms', async (place) => {
  const log = await place.open();
  await log.createTopic('c', { configs: { ...COMPACT, 'delete.retention.ms': '60000', 'min.compaction.lag.ms': '30000' } });
  const p = log.partition('c', 0);
  const now = Date.now();
  const t0 = now - 120_000;
  for (let i = 0; i < 40; i++) await p.append(keyed(`gone${i % 4}`, `x${i}`, t0));
  for (let i = 0; i < 4; i++) await p.append(keyed(`gone${i}`, null, t0)); // old tombstones
  for (let i = 0; i < 40; i++) await p.append(keyed(`young${i % 2}`, `y${i}`, now)); // younger than the lag
  for (let i = 0; i < 30; i++) await p.append(keyed(`pad${i}`, 'z'.repeat(60), now)); // push the rest out of the active segment
  await log.runMaintenance(now);
  const recs = await readAll(log, 'c');
  assert.equal(recs.filter((r) => r.key!.startsWith('gone')).length, 0, 'superseded records and expired tombstones are gone');
  assert.equal(recs.filter((r) => r.key!.startsWith('young')).length, 40, 'records younger than min.compaction.lag.ms stay');
  await log.close();
});

engineTest('recent tombstones stay, and appends carry on while compaction runs', async (place) => {
  const log = await place.open();
  await log.createTopic('c', { configs: COMPACT });
  const p = log.partition('c', 0);
  for (let i = 0; i < 300; i++) await p.append(keyed(`k${i % 10}`, `v${i}`));
  await p.append(keyed('k0', null));
  let appended = 0;
  const compaction = log.runMaintenance();
  while (appended < 50) {
    await p.append(keyed(`k${appended % 10}`, `late${appended}`));
    appended++;
  }
  await compaction;
  const recs = await readAll(log, 'c');
  assert.equal(recs.filter((r) => r.value?.startsWith('late')).length, 50);
  assert.equal(p.highWatermark, 351);
  await log.runMaintenance();
  const after = await readAll(log, 'c');
  const latestK0 = after.filter((r) => r.key === 'k0').pop()!;
  assert.equal(latestK0.value, 'late40');
  await log.close();
});

engineTest('compressed batches are filtered and recompressed with their codec', async (place) => {
  const log = await place.open();
  await log.createTopic('c', { configs: COMPACT });
  const p = log.partition('c', 0);
  for (let i = 0; i < 60; i++) {
    const records = Array.from({ length: 5 }, (_, j) => ({ key: `k${(i * 5 + j) % 7}`, value: `v${i * 5 + j}-${'q'.repeat(40)}` }));
    await p.append(buildRecordBatch({ records, compression: CompressionType.Gzip }));
  }
  await log.runMaintenance();
  const r = await p.read(0, 1 << 20);
  for (const chunk of r.chunks) for (const b of splitBatches(chunk)) assert.equal(batchCompression(b), CompressionType.Gzip);
  const recs = await readAll(log, 'c');
  const keys = recs.map((x) => x.key);
  assert.ok(recs.length < 300);
  assert.equal(new Set(keys).size, 7);
  await log.close();
});

engineTest('batches of an asynchronous codec (zstd, on the thread pool) are compacted too', async (place) => {
  const log = await place.open();
  await log.createTopic('c', { configs: COMPACT });
  const p = log.partition('c', 0);
  for (let i = 0; i < 60; i++) {
    const records = Array.from({ length: 4 }, (_, j) => ({ key: `k${(i * 4 + j) % 5}`, value: `v${i * 4 + j}-${'w'.repeat(40)}` }));
    await p.append(await buildRecordBatchAsync({ records, compression: CompressionType.Zstd }));
  }
  await log.runMaintenance();
  const r = await p.read(0, 1 << 20);
  const all = [];
  for (const chunk of r.chunks) {
    for (const b of splitBatches(chunk)) {
      assert.equal(batchCompression(b), CompressionType.Zstd);
      all.push(...(await decodeRecordsAsync(b)));
    }
  }
  assert.ok(all.length < 240 && all.length >= 5, `${all.length} records after compaction`);
  assert.equal(new Set(all.map((x) => x.key!.toString())).size, 5);
  await log.close();
});
