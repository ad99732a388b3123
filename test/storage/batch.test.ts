// The record-batch helper: header access, validation, stamping, varints and records round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchBaseOffset,
  batchCrcValid,
  batchLastOffset,
  buildRecordBatch,
  decodeRecords,
  readInt64,
  setLogAppendTime,
  stampBaseOffset,
  validateIncomingBatches,
  writeInt64,
} from '../../src/core/records/batch.js';
import { readUnsignedVarint, readVarint, varintSize, writeUnsignedVarint, writeVarint } from '../../src/core/records/varint.js';
import { CompressionType } from '../../src/core/records/compression.js';
import { isLogError } from '../../src/core/records/errors.js';

test('int64 and varint encodings round-trip (property)', () => {
  const buf = Buffer.alloc(16);
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor((Math.random() - 0.5) * 2 ** (1 + Math.floor(Math.random() * 52)));
    writeInt64(buf, 0, n);
    assert.equal(readInt64(buf, 0), n);
    assert.equal(buf.readBigInt64BE(0), BigInt(n));
    const end = writeVarint(buf, 0, n);
    assert.equal(end, varintSize(n));
    const c = { pos: 0 };
    assert.equal(readVarint(buf, c), n);
    assert.equal(c.pos, end);
    const u = Math.abs(n);
    writeUnsignedVarint(buf, 0, u);
    assert.equal(readUnsignedVarint(buf, { pos: 0 }), u);
  }
});

test('built batches validate, decode, and keep their CRC when stamped', () => {
  const ts = 1_700_000_000_000;
  const b = buildRecordBatch({
    records: [
      { key: 'a', value: 'one', timestamp: ts, headers: [{ key: 'subject', value: 'orders.eu' }] },
      { key: null, value: null, timestamp: ts + 5 },
      { key: 'c', value: Buffer.alloc(3000, 1), timestamp: ts - 10 },
    ],
    baseTimestamp: ts,
  });
  const [info] = validateIncomingBatches(b, 1 << 20);
  assert.equal(info!.recordsCount, 3);
  assert.equal(info!.lastOffsetDelta, 2);
  assert.equal(info!.maxTimestamp, ts + 5);
  stampBaseOffset(b, 0, 1234567890123);
  assert.ok(batchCrcValid(b));
  assert.equal(batchBaseOffset(b), 1234567890123);
  assert.equal(batchLastOffset(b), 1234567890125);
  const recs = decodeRecords(b);
  assert.deepEqual(recs.map((r) => r.offset), [1234567890123, 1234567890124, 1234567890125]);
  assert.equal(recs[0]!.headers[0]!.key, 'subject');
  assert.equal(recs[0]!.headers[0]!.value!.toString(), 'orders.eu');
  assert.equal(recs[1]!.key, null);
  assert.equal(recs[1]!.value, null);
  assert.equal(recs[2]!.timestamp, ts - 10);
  assert.equal(recs[2]!.value!.length, 3000);
});

test('gzip batches decode through the codec registry', () => {
  const b = buildRecordBatch({ records: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100) })), compression: CompressionType.Gzip });
  assert.ok(b.length < 50 * 100);
  validateIncomingBatches(b, 1 << 20);
  const recs = decodeRecords(b);
  assert.equal(recs.length, 50);
  assert.equal(recs[49]!.key!.toString(), 'k49');
});

test('validation rejects bad CRC, bad magic, truncation, miscounted records and oversized batches', () => {
  const good = buildRecordBatch({ records: [{ value: 'x' }, { value: 'y' }] });
  const flip = Buffer.from(good);
  flip[flip.length - 1]! ^= 1;
  assert.throws(() => validateIncomingBatches(flip, 1 << 20), (e) => isLogError(e, 'CORRUPT_MESSAGE') && /CRC/.test((e as Error).message));
  const magic = Buffer.from(good);
  magic[16] = 1;
  assert.throws(() => validateIncomingBatches(magic, 1 << 20), /magic/);
  assert.throws(() => validateIncomingBatches(good.subarray(0, good.length - 1), 1 << 20), (e) => isLogError(e, 'CORRUPT_MESSAGE'));
  assert.throws(() => validateIncomingBatches(Buffer.concat([good, good.subarray(0, 20)]), 1 << 20), (e) => isLogError(e, 'CORRUPT_MESSAGE'));
  assert.throws(() => validateIncomingBatches(good, good.length - 1), (e) => isLogError(e, 'MESSAGE_TOO_LARGE'));
  assert.throws(() => validateIncomingBatches(Buffer.alloc(0), 100), (e) => isLogError(e, 'CORRUPT_MESSAGE'));
  const miscounted = buildRecordBatch({ records: [{ value: 'x' }], lastOffsetDelta: 4 });
  assert.throws(() => validateIncomingBatches(miscounted, 1 << 20), /lastOffsetDelta/);
  // Several batches in one buffer are fine.
  assert.equal(validateIncomingBatches(Buffer.concat([good, good]), 1 << 20).length, 2);
});

test('LogAppendTime sets the timestamp type and max timestamp and keeps the CRC valid', () => {
  const b = buildRecordBatch({ records: [{ value: 'x', timestamp: 5 }] });
  setLogAppendTime(b, 0, 99_999);
  assert.ok(batchCrcValid(b));
  assert.equal(decodeRecords(b)[0]!.timestamp, 99_999);
});
