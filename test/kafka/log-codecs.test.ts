// The Kafka front-end hands its snappy, lz4 and zstd codecs to the log when it starts, so that
// compacted topics compact batches in every codec a producer may send, and the key check of
// compacted topics sees inside snappy batches at append time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import { CompressionType, encodeRecordBatch } from '../../src/kafka/records/index.js';
import { decodeRecordsAsync, splitBatches } from '../../src/core/records/batch.js';
import { isLogError } from '../../src/core/records/errors.js';

const CODECS = [CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

test('compacted topics keep the latest record per key in snappy, lz4 and zstd batches', async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
  try {
    await broker.log.createTopic('latest', { configs: { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01' } });
    const p = broker.log.partition('latest', 0);
    for (let round = 0; round < 6; round++) {
      for (const compression of CODECS) {
        const records = ['a', 'b', 'c'].map((k) => ({ key: Buffer.from(k), value: Buffer.from(`${k}-${round}-${compression}-${'p'.repeat(60)}`) }));
        await p.append(await encodeRecordBatch({ records, compression }));
      }
    }
    await broker.log.runMaintenance();
    const seen = new Map<string, string>();
    let total = 0;
    let offset = p.logStartOffset;
    while (offset < p.highWatermark) {
      const r = await p.read(offset, 1 << 20);
      for (const chunk of r.chunks) {
        for (const b of splitBatches(chunk)) {
          for (const rec of await decodeRecordsAsync(b)) {
            if (rec.offset < offset) continue;
            total++;
            seen.set(rec.key!.toString(), rec.value!.toString());
          }
        }
      }
      offset = r.nextOffset;
    }
    assert.ok(total < 6 * 3 * 3, `compaction removed superseded records (${total} left of 54)`);
    for (const k of ['a', 'b', 'c']) assert.match(seen.get(k)!, new RegExp(`^${k}-5-${CompressionType.Zstd}-`), `latest value of ${k}`);
  } finally {
    await broker.close();
  }
});

test('a keyless record inside a snappy batch is refused on a compacted topic', async () => {
  const broker = await startTestBroker({ kafkaPort: 0, fsync: 'never' });
  try {
    await broker.log.createTopic('keyed', { configs: { 'cleanup.policy': 'compact' } });
    const batch = await encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v') }], compression: CompressionType.Snappy });
    await assert.rejects(broker.log.partition('keyed', 0).append(batch), (e: unknown) => isLogError(e) && e.code === 'INVALID_RECORD');
  } finally {
    await broker.close();
  }
});
