/**
 * Record batch v2 (magic 2), the only message format Wharf accepts (KIP-98 layout):
 *
 *   offset size field
 *        0    8 baseOffset
 *        8    4 batchLength            bytes after this field
 *       12    4 partitionLeaderEpoch
 *       16    1 magic (2)
 *       17    4 crc                    CRC-32C of bytes 21..end
 *       21    2 attributes             0-2 codec, 3 timestamp type, 4 transactional,
 *                                      5 control, 6 delete horizon set
 *       23    4 lastOffsetDelta
 *       27    8 baseTimestamp
 *       35    8 maxTimestamp
 *       43    8 producerId
 *       51    2 producerEpoch
 *       53    4 baseSequence
 *       57    4 recordsCount
 *       61      records, compressed as a whole when the codec is not none
 *
 * The CRC starts at attributes so that the broker can stamp baseOffset and
 * partitionLeaderEpoch in place without recomputing it.
 *
 * Record: varint length, int8 attributes (unused), varlong timestampDelta, varint offsetDelta,
 * varint key length (-1 = null) + key, varint value length (-1 = null) + value, varint header
 * count, then per header varint key length + UTF-8 key, varint value length (-1 = null) + value.
 *
 * Offsets and timestamps at batch level are bigint (64-bit exact); per-record deltas are
 * numbers (see protocol/reader.ts for why).
 */
import { KafkaCodecError } from '../protocol/errors.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import { compress, CompressionType, decompress } from './compression.js';
import { crc32c } from './crc32c.js';

export const RECORD_BATCH_MAGIC = 2;
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the part of the header not counted in batchLength. */
export const BATCH_LOG_OVERHEAD = 12;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  /** Unused by Kafka so far; kept so that a re-encode is exact. */
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** The fixed 61-byte header, readable without touching (or decompressing) the records. */
export interface RecordBatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export interface RecordBatch extends RecordBatchHeader {
  records: KafkaRecord[];
}

export const compressionOf = (attributes: number) => (attributes & ATTR_COMPRESSION_MASK) as CompressionType;
export const isTransactional = (attributes: number) => (attributes & ATTR_TRANSACTIONAL) !== 0;
export const isControl = (attributes: number) => (attributes & ATTR_CONTROL) !== 0;
export const timestampTypeOf = (attributes: number) => ((attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0 ? 1 : 0) as TimestampType;

/** Reads the batch header at `offset`. Checks the size and magic, not the CRC. */
export function readBatchHeader(buf: Buffer, offset = 0): RecordBatchHeader {
  if (buf.length - offset < BATCH_HEADER_SIZE) throw new KafkaCodecError(`record batch: ${buf.length - offset} bytes is shorter than a header`);
  const magic = buf.readInt8(offset + 16);
  if (magic !== RECORD_BATCH_MAGIC) throw new KafkaCodecError(`record batch: unsupported magic ${magic}`);
  const batchLength = buf.readInt32BE(offset + 8);
  if (batchLength < BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD) throw new KafkaCodecError(`record batch: batchLength ${batchLength} too small`);
  return {
    baseOffset: buf.readBigInt64BE(offset),
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(offset + 12),
    magic,
    crc: buf.readUInt32BE(offset + 17),
    attributes: buf.readInt16BE(offset + 21),
    lastOffsetDelta: buf.readInt32BE(offset + 23),
    baseTimestamp: buf.readBigInt64BE(offset + 27),
    maxTimestamp: buf.readBigInt64BE(offset + 35),
    producerId: buf.readBigInt64BE(offset + 43),
    producerEpoch: buf.readInt16BE(offset + 51),
    baseSequence: buf.readInt32BE(offset + 53),
    recordsCount: buf.readInt32BE(offset + 57),
  };
}

/** CRC-32C over attributes..end of one batch (buf holds exactly that batch). */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(ATTRIBUTES_OFFSET));
}

/** True when the stored CRC matches the contents. */
export function verifyBatchCrc(batch: Buffer): boolean {
  return batch.length >= BATCH_HEADER_SIZE && batch.readUInt32BE(CRC_OFFSET) === computeBatchCrc(batch);
}

/**
 * Splits a records blob (one partition's `records` field) into whole batches, as views.
 * A Fetch response may end in a partial batch when the size limit cut it; that tail is
 * reported, not an error. A produce request must have none (the caller decides).
 */
export function splitBatches(records: Buffer): { batches: Buffer[]; partialTail: number } {
  const batches: Buffer[] = [];
  let pos = 0;
  while (records.length - pos >= BATCH_LOG_OVERHEAD) {
    const size = BATCH_LOG_OVERHEAD + records.readInt32BE(pos + 8);
    if (size < BATCH_HEADER_SIZE) throw new KafkaCodecError(`record batch: batchLength ${size - BATCH_LOG_OVERHEAD} too small`);
    if (records.length - pos < size) break;
    batches.push(records.subarray(pos, pos + size));
    pos += size;
  }
  return { batches, partialTail: records.length - pos };
}

function readRecord(r: Reader): KafkaRecord {
  const length = r.varint();
  if (length < 0 || length > r.remaining) throw new KafkaCodecError(`record: length ${length} exceeds the ${r.remaining} bytes left`);
  const end = r.pos + length;
  const attributes = r.int8();
  const timestampDelta = r.varlongNumber();
  const offsetDelta = r.varint();
  const keyLen = r.varint();
  const key = keyLen < 0 ? null : r.raw(keyLen);
  const valueLen = r.varint();
  const value = valueLen < 0 ? null : r.raw(valueLen);
  const headerCount = r.varint();
  if (headerCount < 0 || headerCount > end - r.pos) throw new KafkaCodecError(`record: invalid header count ${headerCount}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const hk = r.varint();
    if (hk < 0) throw new KafkaCodecError('record: null header key');
    const hkey = r.raw(hk).toString('utf8');
    const hv = r.varint();
    headers.push({ key: hkey, value: hv < 0 ? null : r.raw(hv) });
  }
  if (r.pos !== end) throw new KafkaCodecError(`record: length says ${length} bytes, fields took ${length + r.pos - end}`);
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}

/** Parses `count` records from an uncompressed records section. */
export function decodeRecords(data: Buffer, count: number): KafkaRecord[] {
  const r = new Reader(data);
  // Every record takes at least 7 bytes; a larger count is a lie, rejected before looping.
  if (count < 0 || count > data.length) throw new KafkaCodecError(`record batch: invalid record count ${count}`);
  const out: KafkaRecord[] = [];
  try {
    for (let i = 0; i < count; i++) out.push(readRecord(r));
  } catch (err) {
    if (err instanceof RangeError) throw new KafkaCodecError(`record: truncated (${err.message})`);
    throw err;
  }
  if (r.remaining !== 0) throw new KafkaCodecError(`record batch: ${r.remaining} bytes after the last record`);
  return out;
}

export interface DecodeBatchOptions {
  /** Check the CRC (default true). */
  verifyCrc?: boolean;
}

/** Decodes one batch (exactly its bytes, e.g. from splitBatches), decompressing its records. */
export async function decodeRecordBatch(batch: Buffer, opts: DecodeBatchOptions = {}): Promise<RecordBatch> {
  const h = readBatchHeader(batch);
  if (h.batchLength + BATCH_LOG_OVERHEAD !== batch.length) {
    throw new KafkaCodecError(`record batch: batchLength ${h.batchLength} does not match the ${batch.length - BATCH_LOG_OVERHEAD} bytes given`);
  }
  if (opts.verifyCrc !== false && computeBatchCrc(batch) !== h.crc) throw new KafkaCodecError('record batch: CRC-32C mismatch');
  const payload = await decompress(compressionOf(h.attributes), batch.subarray(BATCH_HEADER_SIZE));
  return { ...h, records: decodeRecords(payload, h.recordsCount) };
}

// ---------------------------------------------------------------- encoding

export interface RecordInput {
  /** Default: the record's index in the batch. */
  offsetDelta?: number;
  /** Default 0. */
  timestampDelta?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: RecordHeader[];
  attributes?: number;
}

export interface RecordBatchInput {
  records: RecordInput[];
  /** Default 0n: the broker stamps the real one on append. */
  baseOffset?: bigint;
  /** Default -1 (unknown, as producers send it). */
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  timestampType?: TimestampType;
  transactional?: boolean;
  control?: boolean;
  /** Extra attribute bits (e.g. ATTR_DELETE_HORIZON) OR-ed in. */
  extraAttributes?: number;
  /** Default: now. */
  baseTimestamp?: bigint;
  /** Default: baseTimestamp + the largest timestampDelta. */
  maxTimestamp?: bigint;
  /** Default -1n / -1 / -1: not idempotent. */
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Default: the last record's offset delta (records.length - 1 for an empty-gap batch). */
  lastOffsetDelta?: number;
}

function writeRecord(w: Writer, rec: RecordInput, index: number, scratch: Writer): void {
  // The record's length prefix is a varint of the body size: encode the body into a reused
  // scratch writer, then copy it after its length.
  scratch.pos = 0;
  scratch.int8(rec.attributes ?? 0);
  scratch.varlongNumber(rec.timestampDelta ?? 0);
  scratch.varint(rec.offsetDelta ?? index);
  const key = rec.key ?? null;
  if (key === null) scratch.varint(-1);
  else {
    scratch.varint(key.length);
    scratch.ensure(key.length);
    scratch.buf.set(key, scratch.pos);
    scratch.pos += key.length;
  }
  const value = rec.value ?? null;
  if (value === null) scratch.varint(-1);
  else {
    scratch.varint(value.length);
    scratch.ensure(value.length);
    scratch.buf.set(value, scratch.pos);
    scratch.pos += value.length;
  }
  const headers = rec.headers ?? [];
  scratch.varint(headers.length);
  for (const h of headers) {
    const klen = Buffer.byteLength(h.key, 'utf8');
    scratch.varint(klen);
    scratch.ensure(klen);
    scratch.buf.write(h.key, scratch.pos, klen, 'utf8');
    scratch.pos += klen;
    if (h.value === null) scratch.varint(-1);
    else {
      scratch.varint(h.value.length);
      scratch.ensure(h.value.length);
      scratch.buf.set(h.value, scratch.pos);
      scratch.pos += h.value.length;
    }
  }
  w.varint(scratch.pos);
  w.ensure(scratch.pos);
  scratch.buf.copy(w.buf, w.pos, 0, scratch.pos);
  w.pos += scratch.pos;
}

/** Encodes the records section (uncompressed). */
export function encodeRecords(records: RecordInput[]): Buffer {
  const w = new Writer(64 + records.length * 32);
  const scratch = new Writer(256);
  for (let i = 0; i < records.length; i++) writeRecord(w, records[i]!, i, scratch);
  // Copy out: the writer's backing buffer is larger than its content.
  return Buffer.from(w.finish());
}

/**
 * Builds a batch from its header fields and an already encoded (and compressed) records
 * section, filling batchLength and the CRC.
 */
export function assembleBatch(input: Omit<RecordBatchInput, 'records'> & { recordsCount: number; lastOffsetDelta: number; maxTimestamp: bigint; baseTimestamp: bigint }, payload: Buffer): Buffer {
  const attributes =
    (input.compression ?? CompressionType.None) |
    (input.timestampType === TimestampType.LogAppendTime ? ATTR_TIMESTAMP_LOG_APPEND : 0) |
    (input.transactional ? ATTR_TRANSACTIONAL : 0) |
    (input.control ? ATTR_CONTROL : 0) |
    (input.extraAttributes ?? 0);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length);
  out.writeBigInt64BE(input.baseOffset ?? 0n, 0);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, 8);
  out.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(RECORD_BATCH_MAGIC, 16);
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(input.lastOffsetDelta, 23);
  out.writeBigInt64BE(input.baseTimestamp, 27);
  out.writeBigInt64BE(input.maxTimestamp, 35);
  out.writeBigInt64BE(input.producerId ?? -1n, 43);
  out.writeInt16BE(input.producerEpoch ?? -1, 51);
  out.writeInt32BE(input.baseSequence ?? -1, 53);
  out.writeInt32BE(input.recordsCount, 57);
  payload.copy(out, BATCH_HEADER_SIZE);
  out.writeUInt32BE(computeBatchCrc(out), CRC_OFFSET);
  return out;
}

/** Encodes a complete batch, compressing its records with input.compression. */
export async function encodeRecordBatch(input: RecordBatchInput): Promise<Buffer> {
  const recs = input.records;
  let maxDelta = 0;
  for (const r of recs) if ((r.timestampDelta ?? 0) > maxDelta) maxDelta = r.timestampDelta ?? 0;
  const baseTimestamp = input.baseTimestamp ?? BigInt(Date.now());
  const last = recs.length === 0 ? 0 : (recs[recs.length - 1]!.offsetDelta ?? recs.length - 1);
  const payload = await compress(input.compression ?? CompressionType.None, encodeRecords(recs));
  return assembleBatch(
    {
      ...input,
      recordsCount: recs.length,
      lastOffsetDelta: input.lastOffsetDelta ?? last,
      baseTimestamp,
      maxTimestamp: input.maxTimestamp ?? baseTimestamp + BigInt(maxDelta),
    },
    payload,
  );
}
