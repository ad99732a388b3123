// Varints as records inside a v2 batch use them: protobuf-style base-128 unsigned varints, and
// zigzag-mapped signed ones. Values are JS numbers, exact up to 2^53 (record fields are int32,
// timestamp deltas int64 but far below that), so no bit operations above 2^31.
import { LogError } from './errors.js';

export function zigzagDecode(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

export function zigzagEncode(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

/** Decodes an unsigned varint at `cursor.pos` and moves the cursor past it. */
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

/** Writes an unsigned varint at `pos`; returns the position after it. */
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
