// Topics and partitions as the broker sees them: lifecycle, persistence of metadata and
// configs, validation of what producers send, long polls, DeleteRecords and append events.
// Runs against every storage engine (engineTest): a "restart" closes the log and opens a new
// one on the same data directory or memory volume.
import assert from 'node:assert/strict';
import { batchOf, engineTest, keyed, readAll } from '../storage/helpers.js';
import { isLogError } from '../../src/core/records/errors.js';
import { batchBaseOffset, buildRecordBatch } from '../../src/core/records/batch.js';

engineTest('create, list, add partitions, alter configs, delete and re-create topics; all persisted', async (place) => {
  let log = await place.open();
  const a = await log.createTopic('orders', { partitions: 3, configs: { 'retention.ms': '1000', 'cleanup.policy': 'delete' } });
  await log.createTopic('__consumer_offsets', { partitions: 2, configs: { 'cleanup.policy': 'compact' } });
  await assert.rejects(log.createTopic('orders'), (e) => isLogError(e, 'TOPIC_ALREADY_EXISTS'));
  await assert.rejects(log.createTopic('bad/name'), (e) => isLogError(e, 'INVALID_TOPIC_EXCEPTION'));
  await assert.rejects(log.createTopic('x', { partitions: 0 }), (e) => isLogError(e, 'INVALID_PARTITIONS'));
  await assert.rejects(log.createTopic('x', { configs: { 'retention.ms': 'soon' } }), (e) => isLogError(e, 'INVALID_CONFIG'));
  await assert.rejects(log.createTopic('x', { configs: { 'no.such.config': '1' } }), (e) => isLogError(e, 'INVALID_CONFIG'));
  assert.equal(log.hasTopic('x'), false);
  await log.partition('orders', 2).append(batchOf('o', 2));
  await log.createPartitions('orders', 5);
  await assert.rejects(log.createPartitions('orders', 4), (e) => isLogError(e, 'INVALID_PARTITIONS'));
  await log.partition('orders', 4).append(batchOf('new', 1));
  await log.alterTopicConfigs('orders', { 'retention.ms': null, 'segment.bytes': '65536' });
  assert.throws(() => log.partition('orders', 5), (e) => isLogError(e, 'UNKNOWN_TOPIC_OR_PARTITION'));
  await log.close();

  log = await place.open();
  assert.deepEqual(log.listTopics().map((t) => [t.name, t.partitions, t.internal]), [['__consumer_offsets', 2, true], ['orders', 5, false]]);
  const d = log.describeTopic('orders');
  assert.equal(d.topicId, a.topicId);
  assert.deepEqual(d.configs, { 'cleanup.policy': 'delete', 'segment.bytes': '65536' });
  assert.equal(d.effectiveConfigs.find((c) => c.name === 'retention.ms')!.value, '604800000');
  assert.equal(d.effectiveConfigs.find((c) => c.name === 'wharf.fsync')!.value, 'always');
  assert.equal(d.partitionInfo[2]!.highWatermark, 2);
  assert.equal(d.partitionInfo[4]!.highWatermark, 1);

  const held = log.partition('orders', 2);
  const waiting = held.waitForData(2, 10_000);
  await log.deleteTopic('orders');
  assert.equal(await waiting, false, 'a long poll on a deleted topic ends');
  await assert.rejects(held.append(batchOf('late')), (e) => isLogError(e, 'UNKNOWN_TOPIC_OR_PARTITION'));
  const b = await log.createTopic('orders', { partitions: 1 });
  assert.notEqual(b.topicId, a.topicId);
  assert.equal(log.partition('orders', 0).highWatermark, 0, 'a re-created topic starts empty');
  await log.close();
  log = await place.open();
  assert.equal(log.describeTopic('orders').partitions, 1);
  await log.close();
});

engineTest('producer input is validated: oversized, corrupt and keyless-on-compacted batches are refused and nothing is stored', async (place) => {
  const log = await place.open();
  await log.createTopic('t', { configs: { 'max.message.bytes': '2000' } });
  await log.createTopic('c', { configs: { 'cleanup.policy': 'compact' } });
  const p = log.partition('t', 0);
  await assert.rejects(p.append(batchOf('big', 1, { value: 'x'.repeat(3000) })), (e) => isLogError(e, 'MESSAGE_TOO_LARGE'));
  const bad = batchOf('crc');
  bad[bad.length - 2]! ^= 0xff;
  await assert.rejects(p.append(bad), (e) => isLogError(e, 'CORRUPT_MESSAGE'));
  await assert.rejects(p.append(Buffer.from('hello world, not a batch at all......................................')), (e) => isLogError(e, 'CORRUPT_MESSAGE'));
  assert.equal(p.highWatermark, 0);
  await assert.rejects(log.partition('c', 0).append(batchOf('nokey')), (e) => isLogError(e, 'INVALID_RECORD'));
  await log.partition('c', 0).append(keyed('k', 'v'));
  await p.append(batchOf('fine'));
  assert.equal(p.highWatermark, 1);
  await assert.rejects(p.read(5, 100), (e) => isLogError(e, 'OFFSET_OUT_OF_RANGE'));
  await log.close();
});

engineTest('a batch the broker framed itself (built: true) is stored without the producer checks, a producer batch is still checked', async (place) => {
  // A stream's BatchBuilder frames its batches a moment before appending them: the log reads
  // their offsets and times and does not verify the CRC again (docs/jetstream.md 1.21).
  const log = await place.open();
  await log.createTopic('t');
  const p = log.partition('t', 0);
  const odd = batchOf('built');
  odd[odd.length - 2]! ^= 0xff; // a CRC that no longer matches: proof that it was not checked
  await assert.rejects(p.append(Buffer.from(odd)), (e) => isLogError(e, 'CORRUPT_MESSAGE'));
  const r = await p.append(odd, { built: true });
  assert.equal(r.baseOffset, 0);
  assert.equal(p.highWatermark, 1);
  await log.close();
});

engineTest('long polls wake when data arrives, time out, and abort', async (place) => {
  const log = await place.open();
  await log.createTopic('t');
  const p = log.partition('t', 0);
  const t0 = Date.now();
  const woke = p.waitForData(0, 5000);
  setTimeout(() => void p.append(batchOf('wake')), 30);
  assert.equal(await woke, true);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(await p.waitForData(0, 5000), true, 'data already there');
  const t1 = Date.now();
  assert.equal(await p.waitForData(1, 60), false);
  assert.ok(Date.now() - t1 >= 55);
  const ac = new AbortController();
  const aborted = p.waitForData(1, 5000, ac.signal);
  ac.abort();
  assert.equal(await aborted, false);
  await log.close();
});

engineTest('LogAppendTime topics stamp the broker time; append listeners see every acknowledged append', async (place) => {
  const log = await place.open();
  await log.createTopic('t', { configs: { 'message.timestamp.type': 'LogAppendTime' } });
  const seen: Array<[string, number, number]> = [];
  const off = log.onAppend((part, batches, base, last) => {
    assert.equal(batchBaseOffset(batches), base);
    seen.push([part.topic.name, base, last]);
  });
  const before = Date.now();
  const r = await log.partition('t', 0).append(buildRecordBatch({ records: [{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }] }));
  assert.ok(r.logAppendTime >= before);
  const recs = await readAll(log, 't');
  assert.deepEqual(recs.map((x) => x.timestamp), [r.logAppendTime, r.logAppendTime]);
  off();
  await log.partition('t', 0).append(batchOf('unseen'));
  assert.deepEqual(seen, [['t', 0, 1]]);
  await log.close();
});

engineTest('DeleteRecords moves the log start offset, mid-segment, durably', async (place) => {
  let log = await place.open();
  await log.createTopic('t', { configs: { 'segment.bytes': '1024' } });
  const p = log.partition('t', 0);
  for (let i = 0; i < 40; i++) await p.append(batchOf(`d${i}`));
  assert.equal(await p.deleteRecordsBefore(13), 13);
  await assert.rejects(p.read(12, 100), (e) => isLogError(e, 'OFFSET_OUT_OF_RANGE'));
  await assert.rejects(p.deleteRecordsBefore(41), (e) => isLogError(e, 'OFFSET_OUT_OF_RANGE'));
  const recs = await readAll(log, 't');
  assert.equal(recs[0]!.offset, 13);
  await log.close();
  log = await place.open();
  assert.equal(log.partition('t', 0).logStartOffset, 13);
  assert.equal((await readAll(log, 't'))[0]!.value, 'd13-0');
  assert.equal(await log.partition('t', 0).deleteRecordsBefore(-1), 40);
  assert.equal((await log.partition('t', 0).append(batchOf('after'))).baseOffset, 40);
  await log.close();
});

engineTest('hot tails share a bounded budget across partitions and never pin a larger buffer', async (place) => {
  const log = await place.open({ fsync: 'never', hotTailBytes: 1024 * 1024, hotTailTotalBytes: 4 * 1024 * 1024 });
  await log.createTopic('many', { partitions: 32 });
  // A 1 MiB "request frame" holding a small batch: the tail must not keep the whole frame alive.
  const frame = Buffer.alloc(1024 * 1024);
  const batch = buildRecordBatch({ records: [{ value: 'x'.repeat(100) }] });
  batch.copy(frame, 4096);
  for (let p = 0; p < 32; p++) {
    const part = log.partition('many', p);
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(buildRecordBatch({ records: [{ value: 'y'.repeat(1000) }] }));
      await part.append(b);
    }
    await part.append(frame.subarray(4096, 4096 + batch.length));
  }
  // 32 partitions share 4 MiB: each keeps 128 KiB, not its 1 MiB maximum.
  for (let p = 0; p < 32; p++) assert.ok(log.partition('many', p).tailBytesHeld <= 128 * 1024, `partition ${p}`);
  const r = await log.partition('many', 0).read(200, 1 << 20);
  const held = r.chunks[r.chunks.length - 1]!;
  assert.ok(held.buffer.byteLength < 64 * 1024, 'the batch appended from a large frame is held as a compact copy');
  await log.close();
});
