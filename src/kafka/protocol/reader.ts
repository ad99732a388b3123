/**
 * Cursor reader over one Kafka frame.
 *
 * Number representation (deliberate):
 *  - int8/int16/int32/uint16/uint32/float64 are JS numbers (exact).
 *  - int64 is a bigint. Offsets, producer ids and timestamps are 64-bit on the wire and
 *    sentinels such as Long.MAX_VALUE exist; a number would silently round above 2^53. In the
 *    message codecs int64 fields sit at partition level (not per record), so the cost of a
 *    bigint is a handful of allocations per request, not per message.
 *  - Inside record batches the per-record deltas (varint offset delta, varlong timestamp delta)
 *    are numbers: deltas beyond 2^53 ms do not occur, and these are per-record hot fields.
 *  - uuid is Kafka's own text form (base64url of the 16 bytes, no padding, 22 chars), so ids
 *    print the same way Kafka's tools print them and work as Map keys.
 *
 * Bytes, records and unknown tagged fields are returned as subarrays of the input (no copy):
 * they stay valid as long as the frame buffer is not reused, which the frame splitter
 * guarantees by handing out frames it never writes into again.
 *
 * Fixed-size reads rely on Buffer's own bounds checks (RangeError, turned into KafkaCodecError
 * at the top-level decode); variable-size reads check lengths explicitly because
 * Buffer#toString and #subarray clamp silently instead of throwing.
 */
import { KafkaCodecError } from './errors.js';

/** A tagged field whose tag this codec does not know; kept so it can be re-encoded verbatim. */
export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

export class Reader {
  buf: Buffer;
  pos: number;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || n > this.buf.length - this.pos) {
      throw new KafkaCodecError(`${what}: length ${n} exceeds the ${this.buf.length - this.pos} bytes left`);
    }
  }

  skip(n: number): void {
    this.need(n, 'skip');
    this.pos += n;
  }

  int8(): number {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }

  bool(): boolean {
    const v = this.buf.readUInt8(this.pos);
    this.pos += 1;
    return v !== 0;
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  uuid(): string {
    this.need(16, 'uuid');
    const s = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }

  /** Unsigned LEB128 of at most 32 bits (5 bytes), as used for compact lengths and tags. */
  uvarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new KafkaCodecError('varint: truncated input');
      const b = buf[pos++]!;
      if (shift === 28) {
        // Fifth byte: only 4 bits fit in 32; more means a corrupt or hostile length.
        if (b > 0x0f) throw new KafkaCodecError('varint: value exceeds 32 bits');
        result += b * 0x10000000;
        break;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        result >>>= 0;
        break;
      }
      shift += 7;
    }
    this.pos = pos;
    return result;
  }

  /** Zigzag signed varint, 32-bit (record fields: lengths, offset delta, header count). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag signed varlong as a bigint (exact for all 64-bit values). */
  varlong(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (pos >= buf.length) throw new KafkaCodecError('varlong: truncated input');
      if (i === 10) throw new KafkaCodecError('varlong: more than 10 bytes');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    this.pos = pos;
    return (result >> 1n) ^ -(result & 1n);
  }

  /**
   * Zigzag signed varlong as a number. Exact while |value| < 2^53 (timestamp deltas always
   * are); avoids a bigint per record on the hot path. Larger values throw rather than round.
   */
  varlongNumber(): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0; // first 28 bits via bit ops, the rest by multiplication (bit ops are 32-bit)
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new KafkaCodecError('varlong: truncated input');
      const b = buf[pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else hi += (b & 0x7f) * 2 ** (shift - 28);
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new KafkaCodecError('varlong: more than 10 bytes');
    }
    this.pos = pos;
    if (hi >= 2 ** 25) throw new KafkaCodecError('varlong: value too large for a number');
    const u = hi * 0x10000000 + lo; // unsigned zigzag value, < 2^53
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  // ---- strings ----

  private utf8(len: number): string {
    this.need(len, 'string');
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** STRING: int16 length; -1 is not allowed here. */
  string(): string {
    const len = this.int16();
    if (len < 0) throw new KafkaCodecError('non-nullable string is null');
    return this.utf8(len);
  }

  /** NULLABLE_STRING: int16 length, -1 is null. */
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new KafkaCodecError(`invalid string length ${len}`);
    return this.utf8(len);
  }

  /** COMPACT_STRING: unsigned varint length + 1. */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new KafkaCodecError('non-nullable compact string is null');
    return this.utf8(n - 1);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.utf8(n - 1);
  }

  // ---- bytes ----

  /** Raw bytes of a known length, as a view into the frame. */
  raw(len: number): Buffer {
    this.need(len, 'bytes');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** BYTES: int32 length. */
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new KafkaCodecError('non-nullable bytes are null');
    return this.raw(len);
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new KafkaCodecError(`invalid bytes length ${len}`);
    return this.raw(len);
  }

  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new KafkaCodecError('non-nullable compact bytes are null');
    return this.raw(n - 1);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.raw(n - 1);
  }

  // ---- arrays ----

  /**
   * Element count of an ARRAY (int32, -1 = null) or COMPACT_ARRAY (uvarint count + 1, 0 = null).
   * Every element occupies at least one byte, so a count above the bytes left is a lie: reject
   * it before a caller loops or allocates for it.
   */
  arrayLength(compact: boolean): number {
    let n: number;
    if (compact) {
      n = this.uvarint() - 1;
    } else {
      n = this.int32();
      if (n < -1) throw new KafkaCodecError(`invalid array length ${n}`);
    }
    if (n > this.buf.length - this.pos) {
      throw new KafkaCodecError(`array length ${n} exceeds the ${this.buf.length - this.pos} bytes left`);
    }
    return n;
  }

  // ---- tagged fields ----

  /** Reads a tagged-field section and keeps every field raw (used where no tag is known). */
  rawTaggedFields(): RawTaggedField[] | undefined {
    const n = this.uvarint();
    if (n === 0) return undefined;
    const out: RawTaggedField[] = [];
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      out.push({ tag, data: this.raw(size) });
    }
    return out;
  }
}
