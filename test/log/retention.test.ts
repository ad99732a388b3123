// Retention by time and by bytes deletes whole segments, oldest first, and moves the log start
// offset; the active segment goes too once all of it is due (Kafka rolls it, then deletes it).
// Runs against every storage engine: units of storage are segment files on disk and lists of
// batches in memory, and both engines cut and free them by the same rules (storage/units.ts).
import assert from 'node:assert/strict';
import { engineTest, readAll, unitCount } from '../storage/helpers.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';

engineTest('retention.bytes keeps the partition under the limit by deleting the oldest segments', async (place) => {
  const log = await place.open();
  await log.createTopic('t', { configs: { 'segment.bytes': '2048', 'retention.bytes': '6000' } });
  const p = log.partition('t', 0);
  for (let i = 0; i < 100; i++) await p.append(buildRecordBatch({ records: [{ value: `b${i}-${'x'.repeat(100)}` }] }));
  const before = p.sizeBytes;
  assert.ok(before > 12000);
  await log.runMaintenance();
  assert.ok(p.sizeBytes <= 6000 + 2048, `size ${p.sizeBytes}`);
  assert.ok(p.sizeBytes >= 6000 - 2048);
  assert.ok(p.logStartOffset > 0);
  const recs = await readAll(log, 't');
  assert.equal(recs[0]!.offset, p.logStartOffset);
  assert.equal(recs[recs.length - 1]!.offset, 99);
  assert.ok(unitCount(p.engineStore) <= 5);
  await log.close();
});

engineTest('retention.ms deletes segments whose newest record is older than the limit, and the start offset survives a restart', async (place) => {
  let log = await place.open();
  await log.createTopic('t', { configs: { 'segment.bytes': '1024', 'retention.ms': '3600000' } });
  const p = log.partition('t', 0);
  const now = Date.now();
  // 30 old records (two hours ago), then 30 fresh ones.
  for (let i = 0; i < 60; i++) {
    const ts = i < 30 ? now - 7_200_000 : now;
    await p.append(buildRecordBatch({ records: [{ value: `r${i}-${'y'.repeat(50)}`, timestamp: ts }] }));
  }
  const segsBefore = unitCount(p.engineStore);
  await log.runMaintenance(now);
  assert.ok(p.logStartOffset > 0 && p.logStartOffset <= 30, `start ${p.logStartOffset}`);
  assert.ok(unitCount(p.engineStore) < segsBefore);
  const start = p.logStartOffset;
  // Nothing fresh was deleted.
  const recs = await readAll(log, 't');
  assert.ok(recs.filter((r) => r.timestamp === now).length === 30);
  assert.ok(start > 0);
  // Once everything is old, the active segment goes too: the log starts again at its end.
  await log.runMaintenance(now + 10 * 3_600_000);
  assert.equal(p.highWatermark, 60);
  assert.equal(p.logStartOffset, 60);
  assert.equal(p.sizeBytes, 0);
  assert.equal(unitCount(p.engineStore), 1, 'one empty unit at the end');
  assert.deepEqual(await readAll(log, 't'), []);
  await log.close();
  log = await place.open();
  assert.equal(log.partition('t', 0).logStartOffset, 60);
  assert.equal(log.partition('t', 0).highWatermark, 60);
  assert.equal((await log.partition('t', 0).append(buildRecordBatch({ records: [{ value: 'next' }] }))).baseOffset, 60);
  await log.close();
});

engineTest('an empty cleanup.policy (Kafka 4.2+) keeps everything, whatever retention.ms and retention.bytes say', async (place) => {
  const log = await place.open();
  await log.createTopic('keep', { configs: { 'cleanup.policy': '', 'segment.bytes': '1024', 'retention.ms': '1', 'retention.bytes': '1024' } });
  const p = log.partition('keep', 0);
  for (let i = 0; i < 40; i++) await p.append(buildRecordBatch({ records: [{ value: `k${i}-${'z'.repeat(80)}`, timestamp: Date.now() - 86_400_000 }] }));
  await log.runMaintenance(Date.now() + 86_400_000);
  assert.equal(p.logStartOffset, 0);
  assert.equal((await readAll(log, 'keep')).length, 40);
  await log.alterTopicConfigs('keep', { 'cleanup.policy': 'delete' });
  await log.runMaintenance(Date.now() + 86_400_000);
  assert.ok(p.logStartOffset > 0, 'switching back to delete applies retention');
  await log.close();
});
