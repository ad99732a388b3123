import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KafkaCodecError } from '../../src/kafka/protocol/errors.js';
import {
  assembleBatch,
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  compress,
  CompressionType,
  compressionOf,
  ControlRecordType,
  controlRecordType,
  crc32c,
  decodeEndTxnMarker,
  decodeRecordBatch,
  decompress,
  encodeEndTxnMarkerBatch,
  encodeRecordBatch,
  encodeRecords,
  isControl,
  isTransactional,
  readBatchHeader,
  splitBatches,
  verifyBatchCrc,
  type RecordInput,
} from '../../src/kafka/records/index.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

function sampleRecords(): RecordInput[] {
  return [
    { key: Buffer.from('k1'), value: Buffer.from('hello'), timestampDelta: 0 },
    { key: null, value: Buffer.from('no key'), timestampDelta: 5, headers: [{ key: 'trace', value: Buffer.from('abc') }] },
    { key: Buffer.from('k3'), value: null, timestampDelta: 3, headers: [{ key: 'ünïcode', value: null }, { key: '', value: Buffer.alloc(0) }] },
    // Larger than one xerial snappy block (32 KiB) and one lz4 block (64 KiB).
    { key: Buffer.alloc(0), value: Buffer.from('wharf '.repeat(20000)), timestampDelta: 1_000_000_000_000 },
  ];
}

describe('CRC-32C', () => {
  test('standard check value', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    // 32 bytes of zeros: test vector from RFC 3720 (iSCSI), appendix B.4.
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  });
});

describe('record batch v2', () => {
  for (const codec of CODECS) {
    test(`round trip with compression ${codec}`, async () => {
      const records = sampleRecords();
      const batch = await encodeRecordBatch({
        records,
        compression: codec,
        baseOffset: 1234567890123n,
        partitionLeaderEpoch: 7,
        baseTimestamp: 1700000000000n,
        producerId: 42n,
        producerEpoch: 3,
        baseSequence: 100,
      });
      assert.ok(verifyBatchCrc(batch));
      const h = readBatchHeader(batch);
      assert.equal(h.batchLength, batch.length - 12);
      assert.equal(compressionOf(h.attributes), codec);
      assert.equal(h.recordsCount, 4);
      assert.equal(h.lastOffsetDelta, 3);
      assert.equal(h.maxTimestamp, 1700000000000n + 1_000_000_000_000n);
      const d = await decodeRecordBatch(batch);
      assert.equal(d.baseOffset, 1234567890123n);
      assert.equal(d.partitionLeaderEpoch, 7);
      assert.equal(d.producerId, 42n);
      assert.equal(d.producerEpoch, 3);
      assert.equal(d.baseSequence, 100);
      assert.equal(d.records.length, records.length);
      d.records.forEach((r, i) => {
        const want = records[i]!;
        assert.equal(r.offsetDelta, i);
        assert.equal(r.timestampDelta, want.timestampDelta);
        assert.deepEqual(r.key, want.key);
        assert.deepEqual(r.value, want.value);
        assert.deepEqual(r.headers, want.headers ?? []);
      });
      if (codec !== CompressionType.None) assert.ok(batch.length < 20000, 'compressed batch should be small');
    });
  }

  test('known byte layout of an uncompressed one-record batch', async () => {
    const batch = await encodeRecordBatch({
      records: [{ key: null, value: Buffer.from('a'), headers: [{ key: 'h', value: Buffer.from('v') }] }],
      baseTimestamp: 0x0102030405n,
    });
    // Record: body length 11 (zigzag 0x16), attributes 0, timestampDelta 0, offsetDelta 0,
    // key -1 (zigzag 01), value length 1 (02) 'a', 1 header (02): key length 1 'h', value 'v'.
    const record = '16' + '00' + '00' + '00' + '01' + '02' + '61' + '02' + '02' + '68' + '02' + '76';
    const afterCrc =
      '0000' + // attributes
      '00000000' + // lastOffsetDelta
      '0000000102030405' + // baseTimestamp
      '0000000102030405' + // maxTimestamp
      'ffffffffffffffff' + // producerId -1
      'ffff' + // producerEpoch -1
      'ffffffff' + // baseSequence -1
      '00000001' + // records count
      record;
    const crc = crc32c(Buffer.from(afterCrc, 'hex')).toString(16).padStart(8, '0');
    const want =
      '0000000000000000' + // baseOffset
      (49 + 12).toString(16).padStart(8, '0') + // batchLength: 61 - 12 header + 12 record bytes
      'ffffffff' + // partitionLeaderEpoch -1
      '02' + // magic
      crc +
      afterCrc;
    assert.equal(batch.toString('hex'), want);
  });

  test('CRC covers attributes..end, not baseOffset or partitionLeaderEpoch', async () => {
    const batch = await encodeRecordBatch({ records: sampleRecords().slice(0, 2), baseTimestamp: 1n });
    // The broker stamps these in place; the CRC must stay valid.
    batch.writeBigInt64BE(999n, 0);
    batch.writeInt32BE(12, 12);
    assert.ok(verifyBatchCrc(batch));
    const d = await decodeRecordBatch(batch);
    assert.equal(d.baseOffset, 999n);
    // Any change from attributes on is caught.
    for (const at of [21, 40, batch.length - 1]) {
      const bad = Buffer.from(batch);
      bad[at]! ^= 0x01;
      assert.equal(verifyBatchCrc(bad), false, `flip at ${at}`);
      await assert.rejects(decodeRecordBatch(bad), KafkaCodecError);
    }
    await decodeRecordBatch(Buffer.from(batch), { verifyCrc: false });
  });

  test('control batch with a transaction marker', async () => {
    for (const type of [ControlRecordType.Commit, ControlRecordType.Abort]) {
      const batch = await encodeEndTxnMarkerBatch({ marker: { type, coordinatorEpoch: 5 }, producerId: 77n, producerEpoch: 2, timestamp: 10n });
      const d = await decodeRecordBatch(batch);
      assert.ok(isControl(d.attributes));
      assert.ok(isTransactional(d.attributes));
      assert.equal(d.attributes, ATTR_CONTROL | ATTR_TRANSACTIONAL);
      assert.equal(d.producerId, 77n);
      assert.equal(d.records.length, 1);
      assert.equal(controlRecordType(d.records[0]!), type);
      assert.deepEqual(decodeEndTxnMarker(d.records[0]!), { type, coordinatorEpoch: 5 });
      // key = version 0, type; value = version 0, coordinator epoch
      assert.equal(d.records[0]!.key!.toString('hex'), `0000000${type}`);
      assert.equal(d.records[0]!.value!.toString('hex'), '000000000005');
    }
  });

  test('splitBatches finds whole batches and a partial tail', async () => {
    const a = await encodeRecordBatch({ records: [{ value: Buffer.from('1') }], baseTimestamp: 0n });
    const b = await encodeRecordBatch({ records: [{ value: Buffer.from('2') }], baseTimestamp: 0n, compression: CompressionType.Gzip });
    const all = Buffer.concat([a, b, b.subarray(0, 30)]);
    const { batches, partialTail } = splitBatches(all);
    assert.equal(batches.length, 2);
    assert.ok(batches[0]!.equals(a));
    assert.ok(batches[1]!.equals(b));
    assert.equal(partialTail, 30);
  });

  test('hostile lengths are rejected without allocating', async () => {
    const batch = await encodeRecordBatch({ records: [{ value: Buffer.from('x') }], baseTimestamp: 0n });
    const lie = Buffer.from(batch);
    lie.writeInt32BE(0x7fffffff, 57); // records count
    lie.writeUInt32BE(crc32c(lie.subarray(21)), 17);
    await assert.rejects(decodeRecordBatch(lie), KafkaCodecError);
    const lie2 = Buffer.from(batch);
    lie2[BATCH_HEADER_SIZE] = 0x7e; // record length 63 > bytes left
    lie2.writeUInt32BE(crc32c(lie2.subarray(21)), 17);
    await assert.rejects(decodeRecordBatch(lie2), KafkaCodecError);
    assert.throws(() => readBatchHeader(batch.subarray(0, 60)), KafkaCodecError);
    const oldMagic = Buffer.from(batch);
    oldMagic[16] = 1;
    assert.throws(() => readBatchHeader(oldMagic), /magic/);
  });
});

describe('compression formats', () => {
  const text = Buffer.from('wharf '.repeat(1000));

  for (const codec of CODECS) {
    test(`codec ${codec} round trip, empty input too`, async () => {
      assert.deepEqual(await decompress(codec, await compress(codec, text)), text);
      assert.deepEqual(await decompress(codec, await compress(codec, Buffer.alloc(0))), Buffer.alloc(0));
    });
  }

  test('snappy: xerial framing written, bare snappy block read too (librdkafka)', async () => {
    const framed = await compress(CompressionType.Snappy, text);
    assert.equal(framed.subarray(0, 16).toString('hex'), '82534e41505059000000000100000001');
    const { compressSync } = await import('snappy');
    assert.deepEqual(await decompress(CompressionType.Snappy, compressSync(text)), text);
    // A batch whose records were compressed with bare snappy.
    const payload = compressSync(encodeRecords([{ value: Buffer.from('bare') }]));
    const batch = assembleBatch({ recordsCount: 1, lastOffsetDelta: 0, baseTimestamp: 0n, maxTimestamp: 0n, compression: CompressionType.Snappy }, payload);
    const d = await decodeRecordBatch(batch);
    assert.equal(d.records[0]!.value!.toString(), 'bare');
  });

  test('lz4: frame format with 64 KiB independent blocks; reads frames from the lz4 CLI', async () => {
    const f = await compress(CompressionType.Lz4, text);
    assert.equal(f.readUInt32LE(0), 0x184d2204, 'LZ4 frame magic');
    assert.equal(f[4]! & 0xe0, 0x60, 'version 01, block independence');
    assert.equal(f[5], 0x40, 'block max size 64 KiB');
    // `printf 'wharf lz4 frame' | lz4 -c`: content checksum on, stored (uncompressed) block.
    const cli = Buffer.from('04224d186440a70f0000807768617266206c7a34206672616d6500000000ea67449f', 'hex');
    assert.equal((await decompress(CompressionType.Lz4, cli)).toString(), 'wharf lz4 frame');
  });

  test('zstd: reads a streamed frame without content size', async () => {
    // `printf 'wharf zstd stream wharf zstd stream' | zstd -c`
    const cli = Buffer.from('28b52ffd0458c50000907768617266207a7374642073747265616d2001006a9e6115c6c821', 'hex');
    assert.equal((await decompress(CompressionType.Zstd, cli)).toString(), 'wharf zstd stream wharf zstd stream');
  });

  test('corrupt input is a KafkaCodecError', async () => {
    for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      await assert.rejects(decompress(codec, Buffer.from('definitely not compressed data')), KafkaCodecError, `codec ${codec}`);
    }
  });
});
