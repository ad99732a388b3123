/**
 * The five record batch compression codecs (attributes bits 0-2), through maintained native
 * libraries that ship prebuilt binaries on npm.
 *
 * Formats, as Kafka's Java client writes them:
 *  - gzip: a gzip member (RFC 1952), zlib from Node.
 *  - snappy: xerial snappy-java's stream framing: an 8-byte magic (0x82 "SNAPPY" 0), int32
 *    version 1, int32 minimum compatible version 1, then blocks of int32 length + raw snappy.
 *    librdkafka and some others send a bare snappy block instead, so both are read.
 *  - lz4: the LZ4 frame format (not a bare block), 64 KiB independent blocks; lz4-napi writes
 *    exactly that header by default.
 *  - zstd: a zstd frame; frames without a content size (streamed by zstd-jni) are read too.
 *
 * All functions are async: zstd runs on the libuv pool, and the others must not make callers
 * care which codec they hold.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import { registerCompressionCodec } from '../../core/records/compression.js';
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { KafkaCodecError } from '../protocol/errors.js';

export const CompressionType = {
  None: 0,
  Gzip: 1,
  Snappy: 2,
  Lz4: 3,
  Zstd: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const compressionNames: Record<CompressionType, string> = { 0: 'none', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size: the unit the Java client compresses at a time. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function xerialEncode(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let off = 0; off < data.length; off += XERIAL_BLOCK_SIZE) {
    const block = snappyCompress(data.subarray(off, off + XERIAL_BLOCK_SIZE));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, 8).equals(XERIAL_MAGIC);
}

function xerialDecode(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (data.length - pos < 4) throw new KafkaCodecError('snappy: truncated xerial block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) throw new KafkaCodecError('snappy: xerial block exceeds the input');
    parts.push(snappyUncompress(data.subarray(pos, pos + len)) as Buffer);
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export async function compress(type: CompressionType, data: Buffer): Promise<Buffer> {
  switch (type) {
    case CompressionType.None:
      return data;
    case CompressionType.Gzip:
      return gzip(data);
    case CompressionType.Snappy:
      return xerialEncode(data);
    case CompressionType.Lz4:
      return lz4CompressFrame(data);
    case CompressionType.Zstd:
      return zstdCompress(data, 3);
    default:
      throw new KafkaCodecError(`unknown compression type ${type as number}`);
  }
}

export async function decompress(type: CompressionType, data: Buffer): Promise<Buffer> {
  try {
    switch (type) {
      case CompressionType.None:
        return data;
      case CompressionType.Gzip:
        return await gunzip(data);
      case CompressionType.Snappy:
        return isXerial(data) ? xerialDecode(data) : (snappyUncompress(data) as Buffer);
      case CompressionType.Lz4:
        return await lz4DecompressFrame(data);
      case CompressionType.Zstd:
        return await zstdDecompress(data);
      default:
        throw new KafkaCodecError(`unknown compression type ${type as number}`);
    }
  } catch (err) {
    if (err instanceof KafkaCodecError) throw err;
    throw new KafkaCodecError(`${compressionNames[type] ?? type}: cannot decompress (${(err as Error).message})`);
  }
}

/**
 * Hands the codecs only this front-end carries to the log, which needs them to look inside
 * batches for compaction and for the key check of compacted topics (the core never imports
 * src/kafka). snappy is synchronous, so the append-time key check covers it too.
 */
export function registerLogCodecs(): void {
  registerCompressionCodec(CompressionType.Snappy, {
    sync: true,
    compress: (d) => xerialEncode(d),
    decompress: (d) => (isXerial(d) ? xerialDecode(d) : (snappyUncompress(d) as Buffer)),
  });
  registerCompressionCodec(CompressionType.Lz4, { compress: (d) => compress(CompressionType.Lz4, d), decompress: (d) => decompress(CompressionType.Lz4, d) });
  registerCompressionCodec(CompressionType.Zstd, { compress: (d) => compress(CompressionType.Zstd, d), decompress: (d) => decompress(CompressionType.Zstd, d) });
}
