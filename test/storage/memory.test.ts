// What is the memory engine's own: memory bounded by what is stored (batches that are views
// into larger buffers are kept as compact copies; retention, DeleteRecords, truncation,
// compaction and topic deletion give the bytes back), an optional byte limit, and a volume
// that a later engine in the same process opens again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchOf, keyed, silentLogger } from './helpers.js';
import { openLog } from '../../src/core/log/log-manager.js';
import { createStorageEngine, MemoryVolume } from '../../src/storage/index.js';
import { isLogError } from '../../src/core/records/errors.js';

async function memoryLog(volume: MemoryVolume, maxBytes?: number) {
  const engine = await createStorageEngine({ kind: 'memory', logger: silentLogger, volume, ...(maxBytes === undefined ? {} : { maxBytes }) });
  return openLog({ engine, fsync: 'always', fsyncInterval: 1000, logger: silentLogger, maintenanceIntervalMs: 0, hotTailBytes: 0 });
}

test('memory use is what the partitions store, and retention, DeleteRecords, truncation, compaction and deletes give it back', async () => {
  const volume = new MemoryVolume();
  const log = await memoryLog(volume);
  await log.createTopic('t', { configs: { 'segment.bytes': '2048', 'retention.bytes': '4096' } });
  await log.createTopic('c', { configs: { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' } });
  const p = log.partition('t', 0);
  let stored = 0;
  for (let i = 0; i < 100; i++) {
    const b = batchOf(`m${i}`, 2, { value: `m${i}-${'x'.repeat(100)}` });
    stored += b.length;
    await p.append(b);
  }
  assert.equal(volume.bytes, stored);
  assert.equal(p.sizeBytes, stored);
  await log.runMaintenance();
  assert.ok(p.sizeBytes <= 4096 + 2048, `retention left ${p.sizeBytes} bytes`);
  assert.equal(volume.bytes, p.sizeBytes);
  await p.deleteRecordsBefore(p.highWatermark - 2);
  assert.ok(volume.bytes < 400, `DeleteRecords left ${volume.bytes} bytes`);
  await p.truncateTo(p.highWatermark - 1);
  assert.equal(volume.bytes, 0, 'truncation frees the batch it removes');
  const c = log.partition('c', 0);
  for (let i = 0; i < 200; i++) await c.append(keyed(`k${i % 5}`, `v${i}-${'y'.repeat(40)}`, Date.now() - 60_000));
  const before = volume.bytes;
  await log.runMaintenance();
  assert.ok(volume.bytes < before / 2, `compaction freed too little: ${volume.bytes} of ${before}`);
  assert.equal(volume.bytes, c.sizeBytes);
  await log.deleteTopic('c');
  assert.equal(volume.bytes, 0);
  await log.close();
});

test('a batch that is a view into a large request frame is kept as a compact copy, not the whole frame', async () => {
  const volume = new MemoryVolume();
  const log = await memoryLog(volume);
  await log.createTopic('t');
  const frame = Buffer.alloc(1024 * 1024);
  const batch = batchOf('framed', 3);
  batch.copy(frame, 4096);
  const view = frame.subarray(4096, 4096 + batch.length);
  const r = await log.partition('t', 0).append(view);
  assert.equal(r.baseOffset, 0);
  const read = await log.partition('t', 0).read(0, 1 << 20);
  assert.equal(read.bytes, batch.length);
  for (const chunk of read.chunks) assert.ok(chunk.buffer.byteLength < 64 * 1024, 'the stored batch pins the 1 MiB frame');
  assert.equal(volume.bytes, batch.length);
  await log.close();
});

test('maxBytes bounds the volume: an append past it fails as on a full disk, and fits again once retention freed room', async () => {
  const volume = new MemoryVolume();
  const log = await memoryLog(volume, 8 * 1024);
  await log.createTopic('t', { configs: { 'segment.bytes': '1024' } });
  const p = log.partition('t', 0);
  let refused: unknown = null;
  for (let i = 0; i < 200 && !refused; i++) await p.append(batchOf(`f${i}`, 1, { value: 'z'.repeat(200) })).catch((e: unknown) => (refused = e));
  assert.ok(isLogError(refused, 'KAFKA_STORAGE_ERROR') && /memory full/.test((refused as Error).message), String(refused));
  assert.ok(volume.bytes <= 8 * 1024);
  const end = p.highWatermark;
  await log.alterTopicConfigs('t', { 'retention.bytes': '2048' });
  await log.runMaintenance();
  assert.equal((await p.append(batchOf('fits'))).baseOffset, end, 'no hole where the refused append was');
  await log.close();
});

test('a volume outlives its engine: a new log in the same process finds the topics, data and cluster id', async () => {
  const volume = new MemoryVolume();
  let log = await memoryLog(volume);
  const clusterId = log.clusterId;
  await log.createTopic('kept', { partitions: 2, configs: { 'retention.ms': '60000' } });
  await log.partition('kept', 1).append(batchOf('v', 3));
  await assert.rejects(memoryLog(volume), /memory volume: is already open/);
  await log.close();
  log = await memoryLog(volume);
  assert.equal(log.clusterId, clusterId);
  assert.deepEqual(log.describeTopic('kept').configs, { 'retention.ms': '60000' });
  assert.equal(log.partition('kept', 1).highWatermark, 3);
  await log.close();
  // A fresh volume is a fresh cluster.
  const other = await memoryLog(new MemoryVolume());
  assert.notEqual(other.clusterId, clusterId);
  assert.equal(other.listTopics().length, 0);
  await other.close();
});
