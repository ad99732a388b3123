// Compression codecs of record batches, by the id stored in bits 0-2 of the batch attributes:
// the one CompressionType and the registry every reader of batches goes through. The log never
// decompresses on the append or read paths (batches are stored and served as received); it
// opens batches only for compaction and for the key check of compacted topics, and front-ends
// open them when they translate records (a NATS subscriber of a topic a Kafka producer writes).
// gzip comes from node:zlib; snappy, lz4 and zstd (codecs.ts) are registered here too and load
// their native modules on first use. registerCompressionCodec() replaces one (tests, or a
// front-end with a better implementation).
import { gunzipSync, gzipSync } from 'node:zlib';
import { lz4Codec, snappyCodec, zstdCodec } from './codecs.js';

export const CompressionType = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/**
 * A codec may answer synchronously (gzip, snappy) or asynchronously (lz4 and zstd on the thread
 * pool). Compaction awaits either; the append path looks inside batches (the key check of
 * compacted topics) only with synchronous codecs, since it must not reorder appends.
 */
export interface CompressionCodec {
  /** True when compress/decompress return Buffers, not Promises. */
  readonly sync?: boolean;
  compress(data: Buffer): Buffer | Promise<Buffer>;
  decompress(data: Buffer): Buffer | Promise<Buffer>;
}

const codecs = new Map<number, CompressionCodec>([
  [CompressionType.Gzip, { sync: true, compress: (d) => gzipSync(d), decompress: (d) => gunzipSync(d) }],
  [CompressionType.Snappy, snappyCodec],
  [CompressionType.Lz4, lz4Codec],
  [CompressionType.Zstd, zstdCodec],
]);

/** Registers (or replaces) the codec for a compression id (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
export function registerCompressionCodec(type: number, codec: CompressionCodec): void {
  if (!Number.isInteger(type) || type < 1 || type > 7) throw new RangeError(`invalid compression type ${type}`);
  codecs.set(type, codec);
}

/** The codec for a compression id, or undefined when none is registered (never for 0). */
export function compressionCodec(type: number): CompressionCodec | undefined {
  return codecs.get(type);
}

export function compressionName(type: number): string {
  return COMPRESSION_NAMES[type] ?? `unknown(${type})`;
}
