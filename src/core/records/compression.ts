// Compression codecs of record batches, by the id stored in bits 0-2 of the batch attributes.
// The log never decompresses on the append or read paths (batches are stored and served as
// received); it needs the codecs only to look inside batches for compaction and to validate
// keys of compacted topics. gzip comes from node:zlib here. snappy, lz4 and zstd need libraries
// with Kafka's framing (xerial snappy, LZ4 frame); the Kafka front-end owns those and registers
// them with registerCompressionCodec() at start-up, so that the core never imports src/kafka.
import { gunzipSync, gzipSync } from 'node:zlib';

export const CompressionType = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;

export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/**
 * A codec may answer synchronously (gzip here) or asynchronously (e.g. zstd on the thread
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
]);

/** Registers (or replaces) the codec for a compression id (2 snappy, 3 lz4, 4 zstd). */
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
