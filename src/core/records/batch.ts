// The Kafka v2 record batch (magic 2, KIP-98): Wharf's storage format and data plane, whichever
// protocol wrote the records, and the one place that knows its layout. Two faces:
//  - a header view for the append and read paths: field accessors on a Buffer and a position,
//    validation (sizes, magic, CRC-32C), base-offset stamping in place, walking the batches of a
//    buffer. Nothing there allocates or touches the records.
//  - records and a decoded form for compaction, coordinators, tests and tools: decode a batch's
//    records, or the whole batch into its header and records; build a batch from records.
// Control records (transaction markers) are in control.ts, codecs in compression.ts.
//
// Layout (big-endian), offsets from the start of the batch:
//   0 baseOffset int64 | 8 batchLength int32 (bytes after this field) | 12 partitionLeaderEpoch int32
//   16 magic int8 | 17 crc uint32 (CRC-32C of bytes 21..end) | 21 attributes int16
//   23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64 | 43 producerId int64
//   51 producerEpoch int16 | 53 baseSequence int32 | 57 recordsCount int32 | 61 records
// Attributes: bits 0-2 codec, 3 timestamp type (LogAppendTime), 4 transactional, 5 control,
// 6 delete horizon set. The records follow, compressed as a whole unless the codec is none.
// baseOffset and partitionLeaderEpoch sit outside the CRC so a broker can assign them without
// recomputing it.
//
// Record: varint length, int8 attributes (unused), varint timestampDelta, varint offsetDelta,
// varint key length (-1 = null) + key, varint value length (-1 = null) + value, varint header
// count, then per header varint key length + UTF-8 key, varint value length (-1 = null) + value.
// 64-bit fields are JS numbers here, exact up to 2^53, which offsets, timestamps and producer
// ids stay under.
import { compressionCodec, compressionName } from './compression.js';
import { crc32c } from './crc32c.js';
import { LogError } from './errors.js';
import { readVarint, varintSize, writeVarint } from './varint.js';

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
  return batchStoredCrc(buf, pos) === computeBatchCrc(buf, pos, size);
}

/** Rewrites the stored CRC after a change of the covered bytes (attributes, timestamps, records). */
export function updateBatchCrc(buf: Buffer, pos = 0): void {
  buf.writeUInt32BE(computeBatchCrc(buf, pos), pos + OFFSET_CRC);
}

/** Assigns the partition leader epoch in place (as a leader does on append); the CRC does not cover it. */
export function stampLeaderEpoch(buf: Buffer, pos: number, leaderEpoch: number): void {
  buf.writeInt32BE(leaderEpoch, pos + OFFSET_LEADER_EPOCH);
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
  const magic = batchMagic(buf, pos);
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
// Records and the decoded form. Used by compaction, the coordinators, tests and tools, and by
// whatever needs to build a batch (e.g. a NATS publish turned into a record): not on the append
// or read paths.

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  /** The record's timestamp (for LogAppendTime batches, the batch's maxTimestamp). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** The record's encoded bytes (length prefix included), valid inside its own batch. */
  raw: Buffer;
}

/** The header fields of a batch as read, for tests and tools (the hot paths use the accessors). */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** A whole batch decoded: its header and its records. */
export interface DecodedBatch extends BatchHeader {
  records: DecodedRecord[];
}

/** Reads the header of the batch at `pos` into an object. Checks the size and magic, not the CRC. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_SIZE) throw new LogError('CORRUPT_MESSAGE', `incomplete batch header (${buf.length - pos} bytes)`);
  const magic = batchMagic(buf, pos);
  if (magic !== CURRENT_MAGIC) throw new LogError('CORRUPT_MESSAGE', `unsupported magic ${magic} (only record batch v2 is accepted)`);
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) throw new LogError('CORRUPT_MESSAGE', `invalid batch length ${batchLength}`);
  return {
    baseOffset: batchBaseOffset(buf, pos),
    batchLength,
    partitionLeaderEpoch: batchPartitionLeaderEpoch(buf, pos),
    magic,
    crc: batchStoredCrc(buf, pos),
    attributes: batchAttributes(buf, pos),
    lastOffsetDelta: batchLastOffsetDelta(buf, pos),
    baseTimestamp: batchBaseTimestamp(buf, pos),
    maxTimestamp: batchMaxTimestamp(buf, pos),
    producerId: batchProducerId(buf, pos),
    producerEpoch: batchProducerEpoch(buf, pos),
    baseSequence: batchBaseSequence(buf, pos),
    recordsCount: batchRecordsCount(buf, pos),
  };
}

function codecFor(compression: number) {
  const codec = compressionCodec(compression);
  if (!codec) throw new LogError('INVALID_RECORD', `no codec registered for ${compressionName(compression)} compression`);
  return codec;
}

function notSync(compression: number): LogError {
  return new LogError('INVALID_RECORD', `the ${compressionName(compression)} codec is asynchronous; use the async variant`);
}

function undecompressable(compression: number, e: unknown): LogError {
  if (e instanceof LogError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new LogError('CORRUPT_MESSAGE', `${compressionName(compression)}: cannot decompress the records (${why})`, { cause: e });
}

/** The concatenated records of a batch, decompressed if needed (synchronous codecs only). */
export function batchRecordsData(batch: Buffer): Buffer {
  const data = batch.subarray(BATCH_HEADER_SIZE, batchSize(batch));
  const compression = batchCompression(batch);
  if (compression === 0) return data;
  const codec = codecFor(compression);
  if (codec.sync !== true) throw notSync(compression);
  let out: Buffer | Promise<Buffer>;
  try {
    out = codec.decompress(data);
  } catch (e) {
    throw undecompressable(compression, e);
  }
  if (out instanceof Promise) throw notSync(compression);
  return out;
}

/** The concatenated records of a batch, decompressed with any registered codec. */
export async function batchRecordsDataAsync(batch: Buffer): Promise<Buffer> {
  const data = batch.subarray(BATCH_HEADER_SIZE, batchSize(batch));
  const compression = batchCompression(batch);
  if (compression === 0) return data;
  const codec = codecFor(compression);
  try {
    return await codec.decompress(data);
  } catch (e) {
    throw undecompressable(compression, e);
  }
}

/** Whether the records of this batch can be read synchronously (uncompressed, or a sync codec). */
export function canDecodeSync(batch: Buffer): boolean {
  const compression = batchCompression(batch);
  if (compression === 0) return true;
  const codec = compressionCodec(compression);
  return codec?.sync === true;
}

function readBytes(buf: Buffer, cursor: { pos: number }, what: string): Buffer | null {
  const len = readVarint(buf, cursor);
  if (len < 0) return null;
  if (len > buf.length - cursor.pos) throw new LogError('CORRUPT_MESSAGE', `record ${what} overruns its record`);
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

/** The smallest record: length, attributes, timestamp and offset deltas, key, value, header count. */
const MIN_RECORD_SIZE = 7;

function parseRecords(batch: Buffer, data: Buffer): DecodedRecord[] {
  const baseOffset = batchBaseOffset(batch);
  const baseTimestamp = batchBaseTimestamp(batch);
  const logAppendTime = batchIsLogAppendTime(batch);
  const maxTimestamp = batchMaxTimestamp(batch);
  const count = batchRecordsCount(batch);
  // A count the data cannot hold is rejected before anything is allocated for it.
  if (count < 0 || count * MIN_RECORD_SIZE > data.length) {
    throw new LogError('CORRUPT_MESSAGE', `record count ${count} does not fit in ${data.length} bytes of records`);
  }
  const records: DecodedRecord[] = [];
  const cursor = { pos: 0 };
  for (let i = 0; i < count; i++) {
    const start = cursor.pos;
    const length = readVarint(data, cursor);
    const bodyStart = cursor.pos;
    if (length < 0 || length > data.length - bodyStart) throw new LogError('CORRUPT_MESSAGE', `record length ${length} overruns its batch`);
    const end = bodyStart + length;
    const body = data.subarray(0, end);
    cursor.pos++; // attributes (unused)
    const timestampDelta = readVarint(body, cursor);
    const offsetDelta = readVarint(body, cursor);
    const key = readBytes(body, cursor, 'key');
    const value = readBytes(body, cursor, 'value');
    const headerCount = readVarint(body, cursor);
    if (headerCount < 0 || headerCount * 2 > end - cursor.pos) throw new LogError('CORRUPT_MESSAGE', `invalid record header count ${headerCount}`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = readBytes(body, cursor, 'header key');
      if (hk === null) throw new LogError('CORRUPT_MESSAGE', 'null record header key');
      headers.push({ key: hk.toString('utf8'), value: readBytes(body, cursor, 'header value') });
    }
    if (cursor.pos !== end) throw new LogError('CORRUPT_MESSAGE', `record length ${length} but its fields took ${length + cursor.pos - end}`);
    records.push({
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      raw: data.subarray(start, end),
    });
  }
  if (cursor.pos !== data.length) throw new LogError('CORRUPT_MESSAGE', `${data.length - cursor.pos} bytes after the last record`);
  return records;
}

export interface DecodeBatchOptions {
  /** Check the CRC-32C (default true). */
  verifyCrc?: boolean;
}

function checkWholeBatch(batch: Buffer, opts: DecodeBatchOptions): BatchHeader {
  const defect = batchDefect(batch, 0, batch.length, opts.verifyCrc !== false);
  if (defect) throw new LogError('CORRUPT_MESSAGE', `invalid record batch: ${defect}`);
  if (batchSize(batch) !== batch.length) {
    throw new LogError('CORRUPT_MESSAGE', `batch length ${batchSize(batch) - LOG_OVERHEAD} does not match the ${batch.length - LOG_OVERHEAD} bytes given`);
  }
  return readBatchHeader(batch);
}

/** Decodes one whole batch (exactly its bytes) into its header and records; synchronous codecs only. */
export function decodeBatch(batch: Buffer, opts: DecodeBatchOptions = {}): DecodedBatch {
  const header = checkWholeBatch(batch, opts);
  return { ...header, records: decodeRecords(batch) };
}

/** decodeBatch with any registered codec. */
export async function decodeBatchAsync(batch: Buffer, opts: DecodeBatchOptions = {}): Promise<DecodedBatch> {
  const header = checkWholeBatch(batch, opts);
  return { ...header, records: await decodeRecordsAsync(batch) };
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
  /** Defaults to -1 (unknown), as producers send it. */
  partitionLeaderEpoch?: number;
  /** Defaults to the first record's timestamp, else now. */
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

/** The header fields a writer chooses; batchLength, magic, CRC and the record count follow from the records. */
export interface BatchHeaderInput {
  baseOffset: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch?: number;
}

const toBuf = (v: Buffer | string | null | undefined): Buffer | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : v;

/** Encodes one record (length prefix included) as it sits inside an uncompressed batch. */
export function encodeRecord(r: RecordInput, index: number, baseTimestamp: number): Buffer {
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
 * encodeRecord), compressing them with the batch's codec (synchronous codecs only), and
 * computes its CRC.
 */
export function assembleBatch(header: BatchHeaderInput, records: Buffer[], recordsCount: number): Buffer {
  const data = records.length === 1 ? records[0]! : Buffer.concat(records);
  const compression = header.attributes & ATTR_COMPRESSION_MASK;
  if (compression === 0 || recordsCount === 0) return frameBatch(header, data, recordsCount);
  const codec = codecFor(compression);
  if (codec.sync !== true) throw notSync(compression);
  const out = codec.compress(data);
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

/**
 * The same batch with only `records` (raw encoded records of it, in order): its header kept
 * (base offset, last offset delta, timestamps, producer id, epoch and sequence, leader epoch),
 * its codec kept, the CRC computed again. An emptied batch keeps its header and drops its
 * codec. Compaction and JetStream's erase remove records from a batch this way, so that the
 * other records keep their offsets and a producer's sequence numbers stay where they were.
 */
export function rebuildBatchAsync(batch: Buffer, records: Buffer[]): Promise<Buffer> {
  const attributes = records.length === 0 ? batchAttributes(batch) & ~ATTR_COMPRESSION_MASK : batchAttributes(batch);
  return assembleBatchAsync(
    {
      baseOffset: batchBaseOffset(batch),
      attributes,
      lastOffsetDelta: batchLastOffsetDelta(batch),
      baseTimestamp: batchBaseTimestamp(batch),
      maxTimestamp: batchMaxTimestamp(batch),
      producerId: batchProducerId(batch),
      producerEpoch: batch.readInt16BE(OFFSET_PRODUCER_EPOCH),
      baseSequence: batch.readInt32BE(OFFSET_BASE_SEQUENCE),
      partitionLeaderEpoch: batch.readInt32BE(OFFSET_LEADER_EPOCH),
    },
    records,
    records.length,
  );
}

/**
 * Writes the header around a records section exactly as given (already compressed when the
 * attributes name a codec) and computes the CRC. The lowest-level encoder: tools use it to
 * frame payloads other encoders produced.
 */
export function frameBatch(header: BatchHeaderInput, records: Buffer, recordsCount: number): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + records.length);
  writeInt64(out, OFFSET_BASE_OFFSET, header.baseOffset);
  out.writeInt32BE(BATCH_HEADER_SIZE + records.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
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
  records.copy(out, BATCH_HEADER_SIZE);
  updateBatchCrc(out);
  return out;
}

/** The header and encoded records of a batch to build from plain records. */
function prepareBatch(input: BatchInput): { header: BatchHeaderInput; records: Buffer[] } {
  if (input.records.length === 0 && input.lastOffsetDelta === undefined) throw new RangeError('a batch needs at least one record');
  const baseTimestamp = input.baseTimestamp ?? input.records[0]?.timestamp ?? Date.now();
  let maxTimestamp = -1;
  let lastDelta = 0;
  const records = input.records.map((r, i) => {
    maxTimestamp = Math.max(maxTimestamp, r.timestamp ?? baseTimestamp);
    lastDelta = r.offsetDelta ?? i;
    return encodeRecord(r, i, baseTimestamp);
  });
  if (maxTimestamp < 0) maxTimestamp = baseTimestamp;
  const attributes =
    ((input.compression ?? 0) & ATTR_COMPRESSION_MASK) | (input.transactional ? ATTR_TRANSACTIONAL : 0) | (input.control ? ATTR_CONTROL : 0);
  const header: BatchHeaderInput = {
    baseOffset: input.baseOffset ?? 0,
    attributes,
    lastOffsetDelta: input.lastOffsetDelta ?? lastDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: input.producerId ?? -1,
    producerEpoch: input.producerEpoch ?? -1,
    baseSequence: input.baseSequence ?? -1,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
  };
  return { header, records };
}

/** Builds a complete v2 batch (base offset 0 unless given) from plain records; synchronous codecs only. */
export function buildRecordBatch(input: BatchInput): Buffer {
  const { header, records } = prepareBatch(input);
  return assembleBatch(header, records, records.length);
}

/** buildRecordBatch with any registered codec. */
export async function buildRecordBatchAsync(input: BatchInput): Promise<Buffer> {
  const { header, records } = prepareBatch(input);
  return assembleBatchAsync(header, records, records.length);
}
