// The snappy, lz4 and zstd codecs of record batches, in the framings Kafka's clients write, over
// maintained native libraries that ship prebuilt binaries on npm. They live in the core so that
// every front-end and the log can open any stored batch (a NATS subscriber reads the lz4 batch
// a Kafka producer wrote; compaction rewrites zstd batches). Each native module is loaded on the
// first use of its codec, so a broker that never meets a compressed batch never loads one.
//
// Formats:
//  - snappy: xerial snappy-java's stream framing: an 8-byte magic (0x82 "SNAPPY" 0), int32
//    version 1, int32 minimum compatible version 1, then blocks of int32 length + raw snappy.
//    librdkafka and some others send a bare snappy block instead, so both are read.
//  - lz4: the LZ4 frame format (not a bare block), 64 KiB independent blocks, as lz4-napi writes
//    it by default.
//  - zstd: a zstd frame; frames without a content size (streamed by zstd-jni) are read too.
//
// snappy is synchronous (the append-time key check of compacted topics may open its batches
// without reordering appends), so its module is loaded with a synchronous require on first use;
// lz4 and zstd are asynchronous (they run on the libuv thread pool) and load with import().
import { createRequire } from 'node:module';
import type { CompressionCodec } from './compression.js';
import { LogError } from './errors.js';

type Snappy = typeof import('snappy');
type Lz4 = typeof import('lz4-napi');
type Zstd = typeof import('@mongodb-js/zstd');

let snappyModule: Snappy | null = null;
let lz4Module: Promise<Lz4> | null = null;
let zstdModule: Promise<Zstd> | null = null;

const snappy = (): Snappy => (snappyModule ??= createRequire(import.meta.url)('snappy') as Snappy);
const lz4 = (): Promise<Lz4> => (lz4Module ??= import('lz4-napi'));
const zstd = (): Promise<Zstd> => (zstdModule ??= import('@mongodb-js/zstd'));

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size: the unit the Java client compresses at a time. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function xerialEncode(data: Buffer): Buffer {
  const { compressSync } = snappy();
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let off = 0; off < data.length; off += XERIAL_BLOCK_SIZE) {
    const block = compressSync(data.subarray(off, off + XERIAL_BLOCK_SIZE));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

function snappyDecode(data: Buffer): Buffer {
  const { uncompressSync } = snappy();
  const bare = data.length < XERIAL_HEADER_SIZE || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
  if (bare) return asBuffer(uncompressSync(data));
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (data.length - pos < 4) throw new LogError('CORRUPT_MESSAGE', 'snappy: truncated xerial block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) throw new LogError('CORRUPT_MESSAGE', 'snappy: xerial block exceeds the input');
    parts.push(asBuffer(uncompressSync(data.subarray(pos, pos + len))));
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** snappy's uncompress is typed string | Buffer (a string only when asked for one). */
function asBuffer(out: string | Buffer): Buffer {
  return typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
}

export const snappyCodec: CompressionCodec = { sync: true, compress: xerialEncode, decompress: snappyDecode };

export const lz4Codec: CompressionCodec = {
  compress: async (data) => (await lz4()).compressFrame(data),
  decompress: async (data) => (await lz4()).decompressFrame(data),
};

export const zstdCodec: CompressionCodec = {
  compress: async (data) => (await zstd()).compress(data, 3),
  decompress: async (data) => (await zstd()).decompress(data),
};
