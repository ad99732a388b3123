// The Kafka v2 record batch: Wharf's storage format and data plane, whichever protocol wrote
// the records. This module is deliberately small: header field access, validation (sizes,
// magic, CRC-32C), base-offset stamping in place, walking the batches of a buffer, and record
// decoding/encoding for compaction and tests. The append and read paths touch only headers.
//
// Layout (big-endian), offsets from the start of the batch:
//   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32
//   16 magic int8 | 17 crc uint32 (CRC-32C of bytes 21..end) | 21 attributes int16
//   23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64 | 43 producerId int64
//   51 producerEpoch int16 | 53 baseSequence int32 | 57 recordsCount int32 | 61 records
// baseOffset and partitionLeaderEpoch sit outside the CRC so a broker can assign them without
// recomputing it.
import { crc32c } from '@node-rs/crc32';
import { compressionCodec, compressionName } from './compression.js';
import { LogError } from './errors.js';

export const OFFSET_BASE_OFFSET = 0;
export const OFFSET_BATCH_LENGTH = 8;
export const OFFSET_LEADER_EPOCH = 12;
export const OFFSET_MAGIC = 16;
export const OFFSET_CRC = 17;
export const OFFSET_ATTRIBUTES = 21;
export const OFFSET_LAST_OFFSET_DELTA = 23;
export const OFFSET_BASE_TIMESTAMP = 27;
export const OFFSET_MAX_TIMESTAMP = 35;
export const OFFSET_PRODUCER_ID = 43;
export const OFFSET_PRODUCER_EPOCH = 51;
export const OFFSET_BASE_SEQUENCE = 53;
export const OFFSET_RECORDS_COUNT = 57;
/** Size of the batch header; records (or the compressed records) follow. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the part of the header not counted by batchLength. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08; // set: LogAppendTime
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

const TWO_32 = 4_294_967_296;

/** Reads a signed int64 as a JS number (exact up to 2^53, which offsets and timestamps stay under). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * TWO_32, pos + 4);
}

// Header accessors; `pos` is the start of a batch inside `buf`.
export const batchBaseOffset = (buf: Buffer, pos = 0): number => readInt64(buf, pos + OFFSET_BASE_OFFSET);
/** Total size of the batch in bytes, header included. */
export const batchSize = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + OFFSET_BATCH_LENGTH) + LOG_OVERHEAD;
export const batchLastOffsetDelta = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
export const batchLastOffset = (buf: Buffer, pos = 0): number => batchBaseOffset(buf, pos) + batchLastOffsetDelta(buf, pos);
export const batchAttributes = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + OFFSET_ATTRIBUTES);
export const batchBaseTimestamp = (buf: Buffer, pos = 0): number => readInt64(buf, pos + OFFSET_BASE_TIMESTAMP);
export const batchMaxTimestamp = (buf: Buffer, pos = 0): number => readInt64(buf, pos + OFFSET_MAX_TIMESTAMP);
export const batchPartitionLeaderEpoch = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + OFFSET_LEADER_EPOCH);
export const batchMagic = (buf: Buffer, pos = 0): number => buf.readInt8(pos + OFFSET_MAGIC);
/** The CRC-32C the batch carries (not recomputed: see batchCrcValid). */
export const batchStoredCrc = (buf: Buffer, pos = 0): number => buf.readUInt32BE(pos + OFFSET_CRC);
export const batchProducerId = (buf: Buffer, pos = 0): number => readInt64(buf, pos + OFFSET_PRODUCER_ID);
export const batchProducerEpoch = (buf: Buffer, pos = 0): number => buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH);
export const batchBaseSequence = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE);
export const batchRecordsCount = (buf: Buffer, pos = 0): number => buf.readInt32BE(pos + OFFSET_RECORDS_COUNT);
export const batchCompression = (buf: Buffer, pos = 0): number => batchAttributes(buf, pos) & ATTR_COMPRESSION_MASK;
export const batchIsControl = (buf: Buffer, pos = 0): boolean => (batchAttributes(buf, pos) & ATTR_CONTROL) !== 0;
export const batchIsTransactional = (buf: Buffer, pos = 0): boolean => (batchAttributes(buf, pos) & ATTR_TRANSACTIONAL) !== 0;
/** True when the broker set the timestamps (LogAppendTime): every record's timestamp is maxTimestamp. */
export const batchIsLogAppendTime = (buf: Buffer, pos = 0): boolean => (batchAttributes(buf, pos) & ATTR_TIMESTAMP_TYPE) !== 0;

/** Computes the CRC-32C a batch should carry. */
export function computeBatchCrc(buf: Buffer, pos = 0, size = batchSize(buf, pos)): number {
  return crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + size));
}

export function batchCrcValid(buf: Buffer, pos = 0, size = batchSize(buf, pos)): boolean {
  return buf.readUInt32BE(pos + OFFSET_CRC) === computeBatchCrc(buf, pos, size);
}

/** Rewrites the stored CRC after a change of the covered bytes (attributes, timestamps, records). */
export function updateBatchCrc(buf: Buffer, pos = 0): void {
  buf.writeUInt32BE(computeBatchCrc(buf, pos), pos + OFFSET_CRC);
}

/** Assigns the base offset in place; the CRC does not cover it. */
export function stampBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64(buf, pos + OFFSET_BASE_OFFSET, baseOffset);
}

/**
 * Why the bytes at `pos` are not a complete, valid batch, or null if they are. Checks the
 * length against `end`, the magic byte, and (unless `checkCrc` is false) the CRC.
 */
export function batchDefect(buf: Buffer, pos: number, end: number, checkCrc = true): string | null {
  if (end - pos < BATCH_HEADER_SIZE) return `incomplete batch header (${end - pos} bytes)`;
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return `invalid batch length ${batchLength}`;
  const magic = buf.readInt8(pos + OFFSET_MAGIC);
  if (magic !== CURRENT_MAGIC) return `unsupported magic ${magic} (only record batch v2 is accepted)`;
  if (batchLength + LOG_OVERHEAD > end - pos) return `batch length ${batchLength} overruns the ${end - pos - LOG_OVERHEAD} bytes available`;
  if (buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) < 0) return 'negative lastOffsetDelta';
  if (buf.readInt32BE(pos + OFFSET_RECORDS_COUNT) < 0) return 'negative record count';
  if (checkCrc && !batchCrcValid(buf, pos, batchLength + LOG_OVERHEAD)) return 'CRC-32C mismatch';
  return null;
}

/** Summary of one validated incoming batch, read from its header. */
export interface BatchInfo {
  position: number;
  size: number;
  lastOffsetDelta: number;
  recordsCount: number;
  maxTimestamp: number;
  attributes: number;
  producerId: number;
}

/**
 * Validates a producer's buffer of one or more complete batches as the log requires before
 * storing it: every batch well formed with a valid CRC, record count matching the offset
 * span, no batch over `maxBatchBytes`. Throws LogError; never modifies the buffer.
 */
export function validateIncomingBatches(buf: Buffer, maxBatchBytes: number): BatchInfo[] {
  if (buf.length === 0) throw new LogError('CORRUPT_MESSAGE', 'empty record set');
  const out: BatchInfo[] = [];
  let pos = 0;
  while (pos < buf.length) {
    // Structure first (garbage is corrupt, not large), then the size limit, then the CRC.
    const defect = batchDefect(buf, pos, buf.length, false);
    if (defect) throw new LogError('CORRUPT_MESSAGE', `invalid record batch at byte ${pos}: ${defect}`);
    const size = batchSize(buf, pos);
    if (size > maxBatchBytes) {
      throw new LogError('MESSAGE_TOO_LARGE', `record batch of ${size} bytes exceeds max.message.bytes ${maxBatchBytes}`);
    }
    if (!batchCrcValid(buf, pos, size)) throw new LogError('CORRUPT_MESSAGE', `invalid record batch at byte ${pos}: CRC-32C mismatch`);
    const lastOffsetDelta = batchLastOffsetDelta(buf, pos);
    const recordsCount = batchRecordsCount(buf, pos);
    if (recordsCount === 0 || lastOffsetDelta !== recordsCount - 1) {
      throw new LogError('CORRUPT_MESSAGE', `record batch at byte ${pos}: ${recordsCount} records but lastOffsetDelta ${lastOffsetDelta}`);
    }
    out.push({
      position: pos,
      size,
      lastOffsetDelta,
      recordsCount,
      maxTimestamp: batchMaxTimestamp(buf, pos),
      attributes: batchAttributes(buf, pos),
      producerId: batchProducerId(buf, pos),
    });
    pos += size;
  }
  return out;
}

/** Sets LogAppendTime on a batch (attributes bit 3, maxTimestamp) and fixes its CRC. */
export function setLogAppendTime(buf: Buffer, pos: number, now: number): void {
  buf.writeInt16BE(batchAttributes(buf, pos) | ATTR_TIMESTAMP_TYPE, pos + OFFSET_ATTRIBUTES);
  writeInt64(buf, pos + OFFSET_MAX_TIMESTAMP, now);
  updateBatchCrc(buf, pos);
}

/**
 * Calls `fn(position, size)` for each complete batch in buf[start, end) and returns the position
 * after the last one. Stops at the first incomplete or malformed header (no CRC check).
 */
export function forEachBatch(buf: Buffer, fn: (pos: number, size: number) => void | false, start = 0, end = buf.length): number {
  let pos = start;
  while (end - pos >= BATCH_HEADER_SIZE) {
    const size = batchSize(buf, pos);
    if (size < BATCH_HEADER_SIZE || size > end - pos) break;
    if (fn(pos, size) === false) return pos + size;
    pos += size;
  }
  return pos;
}

// ---------------------------------------------------------------------------------------------
// Varints (protobuf style, zigzag for signed values), as used inside records.

export function zigzagDecode(n: number): number {
  // n is a non-negative integer possibly above 2^31, so no bit operations.
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

export function zigzagEncode(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

/** Decodes an unsigned varint at `pos`; returns the value and stores the next position in cursor. */
export function readUnsignedVarint(buf: Buffer, cursor: { pos: number }): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (cursor.pos >= buf.length) throw new LogError('CORRUPT_MESSAGE', 'truncated varint');
    const b = buf[cursor.pos++]!;
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
  throw new LogError('CORRUPT_MESSAGE', 'varint longer than 10 bytes');
}

export const readVarint = (buf: Buffer, cursor: { pos: number }): number => zigzagDecode(readUnsignedVarint(buf, cursor));

export function unsignedVarintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

export function writeUnsignedVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

export const varintSize = (n: number): number => unsignedVarintSize(zigzagEncode(n));
export const writeVarint = (buf: Buffer, pos: number, n: number): number => writeUnsignedVarint(buf, pos, zigzagEncode(n));

// ---------------------------------------------------------------------------------------------
// Records. Used by compaction, by tests, and by whatever needs to build a batch (e.g. a NATS
// publish turned into a record): not on the append or read paths.

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The record's encoded bytes (length prefix included), valid inside its own batch. */
  raw: Buffer;
}

function codecFor(compression: number) {
  const codec = compressionCodec(compression);
  if (!codec) throw new LogError('INVALID_RECORD', `no codec registered for ${compressionName(compression)} compression`);
  return codec;
}

function notSync(compression: number): LogError {
  return new LogError('INVALID_RECORD', `the ${compressionName(compression)} codec is asynchronous; use the async variant`);
}

/** The concatenated records of a batch, decompressed if needed (synchronous codecs only). */
export function batchRecordsData(batch: Buffer): Buffer {
  const data = batch.subarray(BATCH_HEADER_SIZE, batchSize(batch));
  const compression = batchCompression(batch);
  if (compression === 0) return data;
  const out = codecFor(compression).decompress(data);
  if (out instanceof Promise) throw notSync(compression);
  return out;
}

export async function batchRecordsDataAsync(batch: Buffer): Promise<Buffer> {
  const data = batch.subarray(BATCH_HEADER_SIZE, batchSize(batch));
  const compression = batchCompression(batch);
  return compression === 0 ? data : await codecFor(compression).decompress(data);
}

/** Whether the records of batches with this compression can be read synchronously. */
export function canDecodeSync(batch: Buffer): boolean {
  const compression = batchCompression(batch);
  if (compression === 0) return true;
  const codec = compressionCodec(compression);
  return codec?.sync === true;
}

function readBytes(buf: Buffer, cursor: { pos: number }): Buffer | null {
  const len = readVarint(buf, cursor);
  if (len < 0) return null;
  if (cursor.pos + len > buf.length) throw new LogError('CORRUPT_MESSAGE', 'record field overruns its batch');
  const out = buf.subarray(cursor.pos, cursor.pos + len);
  cursor.pos += len;
  return out;
}

/** Decodes the records of one batch (the batch starts at byte 0 of `batch`); synchronous codecs only. */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  return parseRecords(batch, batchRecordsData(batch));
}

/** Decodes the records of one batch, with any registered codec. */
export async function decodeRecordsAsync(batch: Buffer): Promise<DecodedRecord[]> {
  return parseRecords(batch, await batchRecordsDataAsync(batch));
}

function parseRecords(batch: Buffer, data: Buffer): DecodedRecord[] {
  const baseOffset = batchBaseOffset(batch);
  const baseTimestamp = batchBaseTimestamp(batch);
  const logAppendTime = (batchAttributes(batch) & ATTR_TIMESTAMP_TYPE) !== 0;
  const maxTimestamp = batchMaxTimestamp(batch);
  const count = batchRecordsCount(batch);
  const records: DecodedRecord[] = [];
  const cursor = { pos: 0 };
  for (let i = 0; i < count; i++) {
    const start = cursor.pos;
    const length = readVarint(data, cursor);
    const bodyStart = cursor.pos;
    if (length < 0 || bodyStart + length > data.length) throw new LogError('CORRUPT_MESSAGE', 'record length overruns its batch');
    const body = data.subarray(0, bodyStart + length);
    cursor.pos++; // attributes (unused)
    const timestampDelta = readVarint(body, cursor);
    const offsetDelta = readVarint(body, cursor);
    const key = readBytes(body, cursor);
    const value = readBytes(body, cursor);
    const headerCount = readVarint(body, cursor);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = readBytes(body, cursor);
      headers.push({ key: hk ? hk.toString('utf8') : '', value: readBytes(body, cursor) });
    }
    cursor.pos = bodyStart + length;
    records.push({
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      raw: data.subarray(start, cursor.pos),
    });
  }
  return records;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Array<{ key: string; value: Buffer | string | null }>;
  /** Milliseconds since the epoch; defaults to the batch's baseTimestamp. */
  timestamp?: number;
  /** Offset delta inside the batch; defaults to the record's index (compaction leaves gaps). */
  offsetDelta?: number;
}

export interface BatchInput {
  records: RecordInput[];
  baseOffset?: number;
  baseTimestamp?: number;
  compression?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** Defaults to the offset delta of the last record. */
  lastOffsetDelta?: number;
}

const toBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;

function encodeRecord(r: RecordInput, index: number, baseTimestamp: number): Buffer {
  const key = toBuf(r.key);
  const value = toBuf(r.value);
  const headers = (r.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuf(h.value) }));
  const tsDelta = (r.timestamp ?? baseTimestamp) - baseTimestamp;
  const offsetDelta = r.offsetDelta ?? index;
  const fieldSize = (b: Buffer | null) => (b === null ? varintSize(-1) : varintSize(b.length) + b.length);
  let bodySize = 1 + varintSize(tsDelta) + varintSize(offsetDelta) + fieldSize(key) + fieldSize(value) + varintSize(headers.length);
  for (const h of headers) bodySize += fieldSize(h.key) + fieldSize(h.value);
  const out = Buffer.allocUnsafe(varintSize(bodySize) + bodySize);
  let pos = writeVarint(out, 0, bodySize);
  out[pos++] = 0;
  pos = writeVarint(out, pos, tsDelta);
  pos = writeVarint(out, pos, offsetDelta);
  const writeField = (b: Buffer | null) => {
    if (b === null) {
      pos = writeVarint(out, pos, -1);
    } else {
      pos = writeVarint(out, pos, b.length);
      pos += b.copy(out, pos);
    }
  };
  writeField(key);
  writeField(value);
  pos = writeVarint(out, pos, headers.length);
  for (const h of headers) {
    writeField(h.key);
    writeField(h.value);
  }
  return out;
}

/**
 * Assembles a batch around already-encoded records (as kept by compaction or built by
 * encodeRecord), compressing them with the given codec, and computes its CRC.
 */
type BatchHeaderInput = {
  baseOffset: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch?: number;
};

/**
 * Assembles a batch around already-encoded records (as kept by compaction or built by
 * encodeRecord), compressing them with the batch's codec (synchronous codecs only), and
 * computes its CRC.
 */
export function assembleBatch(header: BatchHeaderInput, records: Buffer[], recordsCount: number): Buffer {
  const data = records.length === 1 ? records[0]! : Buffer.concat(records);
  const compression = header.attributes & ATTR_COMPRESSION_MASK;
  if (compression === 0 || recordsCount === 0) return frameBatch(header, data, recordsCount);
  const out = codecFor(compression).compress(data);
  if (out instanceof Promise) throw notSync(compression);
  return frameBatch(header, out, recordsCount);
}

/** assembleBatch with any registered codec. */
export async function assembleBatchAsync(header: BatchHeaderInput, records: Buffer[], recordsCount: number): Promise<Buffer> {
  const data = records.length === 1 ? records[0]! : Buffer.concat(records);
  const compression = header.attributes & ATTR_COMPRESSION_MASK;
  if (compression === 0 || recordsCount === 0) return frameBatch(header, data, recordsCount);
  return frameBatch(header, await codecFor(compression).compress(data), recordsCount);
}

function frameBatch(header: BatchHeaderInput, data: Buffer, recordsCount: number): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + data.length);
  writeInt64(out, OFFSET_BASE_OFFSET, header.baseOffset);
  out.writeInt32BE(BATCH_HEADER_SIZE + data.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  out.writeInt32BE(header.partitionLeaderEpoch ?? -1, OFFSET_LEADER_EPOCH);
  out.writeInt8(CURRENT_MAGIC, OFFSET_MAGIC);
  out.writeInt16BE(header.attributes, OFFSET_ATTRIBUTES);
  out.writeInt32BE(header.lastOffsetDelta, OFFSET_LAST_OFFSET_DELTA);
  writeInt64(out, OFFSET_BASE_TIMESTAMP, header.baseTimestamp);
  writeInt64(out, OFFSET_MAX_TIMESTAMP, header.maxTimestamp);
  writeInt64(out, OFFSET_PRODUCER_ID, header.producerId);
  out.writeInt16BE(header.producerEpoch, OFFSET_PRODUCER_EPOCH);
  out.writeInt32BE(header.baseSequence, OFFSET_BASE_SEQUENCE);
  out.writeInt32BE(recordsCount, OFFSET_RECORDS_COUNT);
  data.copy(out, BATCH_HEADER_SIZE);
  updateBatchCrc(out);
  return out;
}

/** Builds a complete v2 batch (base offset 0 unless given) from plain records. */
export function buildRecordBatch(input: BatchInput): Buffer {
  if (input.records.length === 0 && input.lastOffsetDelta === undefined) throw new RangeError('a batch needs at least one record');
  const baseTimestamp = input.baseTimestamp ?? input.records[0]?.timestamp ?? Date.now();
  let maxTimestamp = -1;
  let lastDelta = 0;
  const encoded = input.records.map((r, i) => {
    maxTimestamp = Math.max(maxTimestamp, r.timestamp ?? baseTimestamp);
    lastDelta = r.offsetDelta ?? i;
    return encodeRecord(r, i, baseTimestamp);
  });
  if (maxTimestamp < 0) maxTimestamp = baseTimestamp;
  const attributes =
    ((input.compression ?? 0) & ATTR_COMPRESSION_MASK) | (input.transactional ? ATTR_TRANSACTIONAL : 0) | (input.control ? ATTR_CONTROL : 0);
  return assembleBatch(
    {
      baseOffset: input.baseOffset ?? 0,
      attributes,
      lastOffsetDelta: input.lastOffsetDelta ?? lastDelta,
      baseTimestamp,
      maxTimestamp,
      producerId: input.producerId ?? -1,
      producerEpoch: input.producerEpoch ?? -1,
      baseSequence: input.baseSequence ?? -1,
    },
    encoded,
    encoded.length,
  );
}

/** Splits a buffer of stored batches into one Buffer view per batch (tests, tools). */
export function splitBatches(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  forEachBatch(buf, (pos, size) => {
    out.push(buf.subarray(pos, pos + size));
  });
  return out;
}
