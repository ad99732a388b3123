// The record-batch module (src/core/records) as a Kafka client sees its bytes: the decoded form
// round-trips in every codec, the byte layout and the header view agree with Kafka's format,
// the CRC covers what KIP-98 says, transaction markers, hostile lengths, and the compression
// framings Kafka's clients write (xerial snappy, LZ4 frames, streamed zstd).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  OFFSET_BASE_OFFSET,
  OFFSET_CRC,
  OFFSET_LEADER_EPOCH,
  OFFSET_MAGIC,
  OFFSET_RECORDS_COUNT,
  batchAttributes,
  batchBaseSequence,
  batchCompression,
  batchCrcValid,
  batchIsControl,
  batchIsLogAppendTime,
  batchIsTransactional,
  batchMagic,
  batchPartitionLeaderEpoch,
  batchProducerEpoch,
  batchProducerId,
  batchStoredCrc,
  buildRecordBatch,
  buildRecordBatchAsync,
  decodeBatch,
  decodeBatchAsync,
  encodeRecord,
  frameBatch,
  readBatchHeader,
  setLogAppendTime,
  type RecordInput,
} from '../../src/core/records/batch.js';
import { compressionCodec, CompressionType } from '../../src/core/records/compression.js';
import { batchTxnMarker, buildTxnMarkerBatch, ControlRecordType, controlRecordType, decodeTxnMarker, encodeControlKey } from '../../src/core/records/control.js';
import { crc32c } from '../../src/core/records/crc32c.js';
import { isLogError } from '../../src/core/records/errors.js';
import { splitBatchesWithTail } from '../support/records.js';

const CODECS = [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];
const T0 = 1_700_000_000_000;
const corrupt = (e: unknown) => isLogError(e, 'CORRUPT_MESSAGE');

function sampleRecords(): RecordInput[] {
  return [
    { key: Buffer.from('k1'), value: Buffer.from('hello'), timestamp: T0 },
    { key: null, value: Buffer.from('no key'), timestamp: T0 + 5, headers: [{ key: 'trace', value: Buffer.from('abc') }] },
    { key: Buffer.from('k3'), value: null, timestamp: T0 + 3, headers: [{ key: 'ünïcode', value: null }, { key: '', value: Buffer.alloc(0) }] },
    // Larger than one xerial snappy block (32 KiB) and one lz4 block (64 KiB).
    { key: Buffer.alloc(0), value: Buffer.from('wharf '.repeat(20000)), timestamp: T0 + 1_000_000_000_000 },
  ];
}

async function codec(type: number) {
  const c = compressionCodec(type);
  assert.ok(c, `codec ${type} registered`);
  return { compress: async (d: Buffer) => c.compress(d), decompress: async (d: Buffer) => c.decompress(d) };
}

describe('CRC-32C', () => {
  test('standard check values, and chaining', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    // 32 bytes of zeros: test vector from RFC 3720 (iSCSI), appendix B.4.
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from('56789'), crc32c(Buffer.from('1234'))), 0xe3069283);
  });
});

describe('record batch v2', () => {
  for (const type of CODECS) {
    test(`round trip with compression ${type}`, async () => {
      const records = sampleRecords();
      const batch = await buildRecordBatchAsync({
        records,
        compression: type,
        baseOffset: 1234567890123,
        partitionLeaderEpoch: 7,
        baseTimestamp: T0,
        producerId: 42,
        producerEpoch: 3,
        baseSequence: 100,
      });
      assert.ok(batchCrcValid(batch));
      const h = readBatchHeader(batch);
      assert.equal(h.batchLength, batch.length - 12);
      assert.equal(batchCompression(batch), type);
      assert.equal(h.recordsCount, 4);
      assert.equal(h.lastOffsetDelta, 3);
      assert.equal(h.maxTimestamp, T0 + 1_000_000_000_000);
      const d = await decodeBatchAsync(batch);
      assert.equal(d.baseOffset, 1234567890123);
      assert.equal(d.partitionLeaderEpoch, 7);
      assert.equal(d.producerId, 42);
      assert.equal(d.producerEpoch, 3);
      assert.equal(d.baseSequence, 100);
      assert.equal(d.records.length, records.length);
      d.records.forEach((r, i) => {
        const want = records[i]!;
        assert.equal(r.offset, 1234567890123 + i);
        assert.equal(r.timestamp, want.timestamp);
        assert.deepEqual(r.key, want.key);
        assert.deepEqual(r.value, want.value);
        assert.deepEqual(r.headers, want.headers ?? []);
      });
      if (type !== CompressionType.None) assert.ok(batch.length < 20000, 'compressed batch should be small');
    });
  }

  test('the synchronous API opens gzip and snappy batches and refuses the asynchronous codecs', async () => {
    for (const type of [CompressionType.Gzip, CompressionType.Snappy]) {
      const batch = buildRecordBatch({ records: sampleRecords(), compression: type });
      assert.equal(decodeBatch(batch).records[3]!.value!.length, 6 * 20000);
    }
    for (const type of [CompressionType.Lz4, CompressionType.Zstd]) {
      assert.throws(() => buildRecordBatch({ records: sampleRecords(), compression: type }), (e) => isLogError(e, 'INVALID_RECORD') && /asynchronous/.test((e as Error).message));
      const batch = await buildRecordBatchAsync({ records: sampleRecords(), compression: type });
      assert.throws(() => decodeBatch(batch), (e) => isLogError(e, 'INVALID_RECORD') && /asynchronous/.test((e as Error).message));
    }
  });

  test('known byte layout of an uncompressed one-record batch, read back through the header view', () => {
    const batch = buildRecordBatch({
      records: [{ key: null, value: Buffer.from('a'), headers: [{ key: 'h', value: Buffer.from('v') }] }],
      baseTimestamp: 0x0102030405,
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
    assert.equal(batchStoredCrc(batch), parseInt(crc, 16));
    assert.equal(batchMagic(batch), 2);
    assert.equal(batchPartitionLeaderEpoch(batch), -1);
    assert.equal(batchProducerId(batch), -1);
    assert.equal(batchProducerEpoch(batch), -1);
    assert.equal(batchBaseSequence(batch), -1);
    assert.equal(encodeRecord({ key: null, value: 'a', headers: [{ key: 'h', value: 'v' }] }, 0, 0).toString('hex'), record);
  });

  test('the header view reads each field at a position inside a larger buffer', () => {
    const other = buildRecordBatch({ records: [{ value: 'first' }] });
    const b = buildRecordBatch({
      records: [{ value: 'x' }],
      partitionLeaderEpoch: 9,
      producerId: 2 ** 40 + 3,
      producerEpoch: 17,
      baseSequence: 2 ** 31 - 1,
      transactional: true,
    });
    const buf = Buffer.concat([other, b]);
    const pos = other.length;
    assert.equal(batchPartitionLeaderEpoch(buf, pos), 9);
    assert.equal(batchProducerId(buf, pos), 2 ** 40 + 3);
    assert.equal(batchProducerEpoch(buf, pos), 17);
    assert.equal(batchBaseSequence(buf, pos), 2 ** 31 - 1);
    assert.equal(batchIsTransactional(buf, pos), true);
    assert.equal(batchIsTransactional(buf, 0), false);
    assert.equal(batchIsLogAppendTime(buf, pos), false);
    setLogAppendTime(buf, pos, 5);
    assert.equal(batchIsLogAppendTime(buf, pos), true);
    assert.equal(batchIsLogAppendTime(buf, 0), false);
    assert.equal(batchStoredCrc(buf, pos), crc32c(buf.subarray(pos + 21)));
  });

  test('CRC covers attributes..end, not baseOffset or partitionLeaderEpoch', () => {
    const batch = buildRecordBatch({ records: sampleRecords().slice(0, 2), baseTimestamp: 1 });
    // The broker stamps these in place; the CRC must stay valid.
    batch.writeBigInt64BE(999n, OFFSET_BASE_OFFSET);
    batch.writeInt32BE(12, OFFSET_LEADER_EPOCH);
    assert.ok(batchCrcValid(batch));
    assert.equal(decodeBatch(batch).baseOffset, 999);
    // Any change from attributes on is caught.
    for (const at of [21, 40, batch.length - 1]) {
      const bad = Buffer.from(batch);
      bad[at]! ^= 0x01;
      assert.equal(batchCrcValid(bad), false, `flip at ${at}`);
      assert.throws(() => decodeBatch(bad), (e) => corrupt(e) && /CRC/.test((e as Error).message), `flip at ${at}`);
    }
    const bad = Buffer.from(batch);
    bad[batch.length - 1]! ^= 0x01;
    assert.equal(decodeBatch(bad, { verifyCrc: false }).records.length, 2);
  });

  test('control batch with a transaction marker', () => {
    for (const commit of [true, false]) {
      const batch = buildTxnMarkerBatch({ marker: { commit, coordinatorEpoch: 5 }, producerId: 77, producerEpoch: 2, timestamp: 10 });
      const d = decodeBatch(batch);
      assert.ok(batchIsControl(batch));
      assert.ok(batchIsTransactional(batch));
      assert.equal(d.attributes, ATTR_CONTROL | ATTR_TRANSACTIONAL);
      assert.equal(batchAttributes(batch), ATTR_CONTROL | ATTR_TRANSACTIONAL);
      assert.equal(d.producerId, 77);
      assert.equal(d.producerEpoch, 2);
      assert.equal(d.baseSequence, -1);
      assert.equal(d.baseTimestamp, 10);
      assert.equal(d.maxTimestamp, 10);
      assert.equal(d.records.length, 1);
      const type = commit ? ControlRecordType.Commit : ControlRecordType.Abort;
      assert.equal(controlRecordType(d.records[0]!), type);
      assert.deepEqual(decodeTxnMarker(d.records[0]!), { commit, coordinatorEpoch: 5 });
      assert.deepEqual(batchTxnMarker(batch), { commit, coordinatorEpoch: 5 });
      // key = version 0, type; value = version 0, coordinator epoch
      assert.equal(d.records[0]!.key!.toString('hex'), `0000000${type}`);
      assert.equal(d.records[0]!.value!.toString('hex'), '000000000005');
    }
    assert.equal(batchTxnMarker(buildRecordBatch({ records: [{ key: encodeControlKey(ControlRecordType.Commit), value: Buffer.alloc(6) }] })), null, 'not a control batch');
    const leaderChange = buildRecordBatch({ control: true, records: [{ key: encodeControlKey(ControlRecordType.LeaderChange), value: Buffer.alloc(8) }] });
    assert.equal(batchTxnMarker(leaderChange), null, 'another control record');
    assert.throws(() => decodeTxnMarker({ key: encodeControlKey(ControlRecordType.Abort), value: Buffer.alloc(3) }), corrupt);
    assert.throws(() => controlRecordType({ key: Buffer.from([0, 1, 0, 0]) }), (e) => corrupt(e) && /key version 1/.test((e as Error).message));
    assert.throws(() => batchTxnMarker(buildRecordBatch({ control: true, records: [{ key: null, value: null }] })), corrupt);
  });

  test('whole batches and a partial tail are found in a buffer', () => {
    const a = buildRecordBatch({ records: [{ value: '1' }], baseTimestamp: 0 });
    const b = buildRecordBatch({ records: [{ value: '2' }], baseTimestamp: 0, compression: CompressionType.Gzip });
    const { batches, partialTail } = splitBatchesWithTail(Buffer.concat([a, b, b.subarray(0, 30)]));
    assert.equal(batches.length, 2);
    assert.ok(batches[0]!.equals(a));
    assert.ok(batches[1]!.equals(b));
    assert.equal(partialTail, 30);
  });

  test('hostile lengths are rejected without allocating', () => {
    const batch = buildRecordBatch({ records: [{ value: 'x' }], baseTimestamp: 0 });
    const fixCrc = (b: Buffer) => b.writeUInt32BE(crc32c(b.subarray(21)), OFFSET_CRC);
    const lie = Buffer.from(batch);
    lie.writeInt32BE(0x7fffffff, OFFSET_RECORDS_COUNT);
    fixCrc(lie);
    assert.throws(() => decodeBatch(lie), (e) => corrupt(e) && /record count/.test((e as Error).message));
    const lie2 = Buffer.from(batch);
    lie2[BATCH_HEADER_SIZE] = 0x7e; // record length 63 > bytes left
    fixCrc(lie2);
    assert.throws(() => decodeBatch(lie2), (e) => corrupt(e) && /overruns/.test((e as Error).message));
    const trailing = Buffer.concat([batch, Buffer.alloc(1)]);
    trailing.writeInt32BE(trailing.length - 12, 8);
    fixCrc(trailing);
    assert.throws(() => decodeBatch(trailing), (e) => corrupt(e) && /after the last record/.test((e as Error).message));
    assert.throws(() => decodeBatch(Buffer.concat([batch, batch])), (e) => corrupt(e) && /does not match/.test((e as Error).message));
    assert.throws(() => readBatchHeader(batch.subarray(0, 60)), corrupt);
    const oldMagic = Buffer.from(batch);
    oldMagic[OFFSET_MAGIC] = 1;
    assert.throws(() => readBatchHeader(oldMagic), /magic/);
  });
});

describe('compression formats', () => {
  const text = Buffer.from('wharf '.repeat(1000));

  for (const type of CODECS.slice(1)) {
    test(`codec ${type} round trip, empty input too`, async () => {
      const c = await codec(type);
      assert.deepEqual(await c.decompress(await c.compress(text)), text);
      assert.deepEqual(await c.decompress(await c.compress(Buffer.alloc(0))), Buffer.alloc(0));
    });
  }

  test('snappy: xerial framing written, bare snappy block read too (librdkafka)', async () => {
    const snappy = await codec(CompressionType.Snappy);
    const framed = await snappy.compress(text);
    assert.equal(framed.subarray(0, 16).toString('hex'), '82534e41505059000000000100000001');
    const { compressSync } = await import('snappy');
    assert.deepEqual(await snappy.decompress(compressSync(text)), text);
    // A batch whose records were compressed with bare snappy.
    const payload = compressSync(encodeRecord({ value: 'bare' }, 0, 0));
    const header = { baseOffset: 0, attributes: CompressionType.Snappy, lastOffsetDelta: 0, baseTimestamp: 0, maxTimestamp: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 };
    const d = decodeBatch(frameBatch(header, payload, 1));
    assert.equal(d.records[0]!.value!.toString(), 'bare');
  });

  test('lz4: frame format with 64 KiB independent blocks; reads frames from the lz4 CLI', async () => {
    const lz4 = await codec(CompressionType.Lz4);
    const f = await lz4.compress(text);
    assert.equal(f.readUInt32LE(0), 0x184d2204, 'LZ4 frame magic');
    assert.equal(f[4]! & 0xe0, 0x60, 'version 01, block independence');
    assert.equal(f[5], 0x40, 'block max size 64 KiB');
    // `printf 'wharf lz4 frame' | lz4 -c`: content checksum on, stored (uncompressed) block.
    const cli = Buffer.from('04224d186440a70f0000807768617266206c7a34206672616d6500000000ea67449f', 'hex');
    assert.equal((await lz4.decompress(cli)).toString(), 'wharf lz4 frame');
  });

  test('zstd: reads a streamed frame without content size', async () => {
    // `printf 'wharf zstd stream wharf zstd stream' | zstd -c`
    const cli = Buffer.from('28b52ffd0458c50000907768617266207a7374642073747265616d2001006a9e6115c6c821', 'hex');
    assert.equal((await (await codec(CompressionType.Zstd)).decompress(cli)).toString(), 'wharf zstd stream wharf zstd stream');
  });

  test('a batch whose records do not decompress is a CORRUPT_MESSAGE', async () => {
    for (const type of CODECS.slice(1)) {
      const header = { baseOffset: 0, attributes: type, lastOffsetDelta: 0, baseTimestamp: 0, maxTimestamp: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 };
      const batch = frameBatch(header, Buffer.from('definitely not compressed data'), 1);
      await assert.rejects(decodeBatchAsync(batch), (e) => corrupt(e) && /cannot decompress/.test((e as Error).message), `codec ${type}`);
    }
    const xerialTruncated = Buffer.concat([Buffer.from('82534e41505059000000000100000001', 'hex'), Buffer.from([0, 0])]);
    await assert.rejects((await codec(CompressionType.Snappy)).decompress(xerialTruncated), corrupt);
  });
});
