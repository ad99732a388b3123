/**
 * Growable writer for Kafka frames. Number representation matches reader.ts (int64 = bigint,
 * uuid = base64url string).
 *
 * Large byte blobs (record batches in Fetch responses) are not copied: `bytesRef` closes the
 * current segment and keeps a reference to the caller's Buffer, so a response is a list of
 * chunks for a vectored socket write. The broker stores batches as received and hands them back
 * unchanged; copying megabytes per fetch into a response buffer would be wasted work.
 */
import { KafkaCodecError } from './errors.js';
import type { RawTaggedField } from './reader.js';

/** Blobs at least this large are referenced instead of copied (below it a copy is cheaper). */
const REF_THRESHOLD = 4096;

export class Writer {
  /** Current backing buffer; bytes [segStart, pos) are the open segment. */
  buf: Buffer;
  pos: number;
  private segStart: number;
  /** Finished chunks before the open segment (only non-empty after bytesRef). */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.pos = 0;
    this.segStart = 0;
  }

  /** Total bytes written so far, including referenced chunks. */
  get length(): number {
    return this.chunkBytes + (this.pos - this.segStart);
  }

  /** Makes room for n more bytes in the open segment. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.segStart;
    let size = Math.max(this.buf.length * 2, 256);
    while (size < used + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.segStart, this.pos);
    this.buf = next;
    this.segStart = 0;
    this.pos = used;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uuid(v: string): void {
    this.ensure(16);
    // base64url decoding ignores junk silently, so check the result length explicitly.
    const n = this.buf.write(v, this.pos, 16, 'base64url');
    if (n !== 16 || v.length !== 22) throw new KafkaCodecError(`invalid uuid ${JSON.stringify(v)}`);
    this.pos += 16;
  }

  uvarint(v: number): void {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new KafkaCodecError(`uvarint out of range: ${v}`);
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128); // not >>> 7: v may exceed 2^31 before the first shift
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** Zigzag signed varint (32-bit). */
  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Zigzag signed varlong from a bigint. */
  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (u >= 0x80n) {
      buf[pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    buf[pos++] = Number(u);
    this.pos = pos;
  }

  /** Zigzag signed varlong from a number (|v| < 2^53), avoiding bigint on the record hot path. */
  varlongNumber(v: number): void {
    if (!Number.isSafeInteger(v)) throw new KafkaCodecError(`varlong out of safe range: ${v}`);
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (u >= 0x80) {
      buf[pos++] = (u % 128) | 0x80;
      u = Math.floor(u / 128);
    }
    buf[pos++] = u;
    this.pos = pos;
  }

  // ---- strings ----

  private utf8(s: string, len: number): void {
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  string(s: string): void {
    if (s === null || s === undefined) throw new KafkaCodecError('non-nullable string is null');
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new KafkaCodecError(`string too long: ${len} bytes`);
    this.int16(len);
    this.utf8(s, len);
  }

  nullableString(s: string | null): void {
    if (s === null || s === undefined) return this.int16(-1);
    this.string(s);
  }

  compactString(s: string): void {
    if (s === null || s === undefined) throw new KafkaCodecError('non-nullable string is null');
    const len = Buffer.byteLength(s, 'utf8');
    this.uvarint(len + 1);
    this.utf8(s, len);
  }

  compactNullableString(s: string | null): void {
    if (s === null || s === undefined) return this.uvarint(0);
    this.compactString(s);
  }

  // ---- bytes ----

  /** Appends raw bytes: copied when small, referenced when large (see bytesRef). */
  raw(b: Uint8Array): void {
    if (b.length >= REF_THRESHOLD) return this.bytesRef(b);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends b by reference: b must not change until the output has been written out. */
  bytesRef(b: Uint8Array): void {
    if (this.pos > this.segStart) {
      this.chunks.push(this.buf.subarray(this.segStart, this.pos));
      this.chunkBytes += this.pos - this.segStart;
    }
    const ref = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
    this.chunks.push(ref);
    this.chunkBytes += ref.length;
    // Keep writing after the closed segment in the same backing buffer.
    this.segStart = this.pos;
  }

  bytes(b: Uint8Array): void {
    if (b === null || b === undefined) throw new KafkaCodecError('non-nullable bytes are null');
    this.int32(b.length);
    this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): void {
    if (b === null || b === undefined) return this.int32(-1);
    this.bytes(b);
  }

  compactBytes(b: Uint8Array): void {
    if (b === null || b === undefined) throw new KafkaCodecError('non-nullable bytes are null');
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null || b === undefined) return this.uvarint(0);
    this.compactBytes(b);
  }

  // ---- arrays ----

  /** Writes an array length; null (-1) only where the caller allows it. */
  arrayLength(n: number, compact: boolean): void {
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
  }

  // ---- tagged fields ----

  /**
   * Starts a length-prefixed region (a tagged field value). The caller writes the value and
   * calls endSized(mark), which inserts the uvarint size in front. The value is shifted by the
   * 1-5 size bytes: tagged values are small and rare, so this beats a two-pass size computation.
   */
  beginSized(): number {
    // A logical offset, not this.pos: ensure() may move the segment to a new buffer meanwhile.
    return this.length;
  }

  endSized(mark: number): void {
    const size = this.length - mark;
    if (size > this.pos - this.segStart) throw new KafkaCodecError('sized region spans a referenced chunk');
    const prefix = size < 0x80 ? 1 : size < 0x4000 ? 2 : size < 0x200000 ? 3 : size < 0x10000000 ? 4 : 5;
    this.ensure(prefix);
    // ensure() may have moved the segment to a new buffer: re-base mark.
    const base = this.pos - size;
    this.buf.copyWithin(base + prefix, base, this.pos);
    const end = this.pos + prefix;
    this.pos = base;
    this.uvarint(size);
    this.pos = end;
  }

  /** Writes unknown tagged fields kept from a decode, verbatim. */
  rawTaggedField(f: RawTaggedField): void {
    this.uvarint(f.tag);
    this.uvarint(f.data.length);
    this.raw(f.data);
  }

  // ---- output ----

  /** The output as chunks, for socket.cork()/write()/uncork() or writev. */
  finishChunks(): Buffer[] {
    const out = this.chunks;
    if (this.pos > this.segStart) out.push(this.buf.subarray(this.segStart, this.pos));
    this.chunks = [];
    this.chunkBytes = 0;
    this.segStart = this.pos;
    return out;
  }

  /** The output as one Buffer (concatenates only when chunks were referenced). */
  finish(): Buffer {
    const chunks = this.finishChunks();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks);
  }
}
