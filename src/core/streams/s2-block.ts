// Decoding of one S2 block (klauspost/compress s2): Snappy's block format plus S2's repeat
// copies (a 1-byte-offset copy with offset 0 repeats the last offset, with longer lengths). A
// Snappy block is a valid S2 block, so this reads what Wharf writes (snappy-compressed chunks)
// and what nats-server writes (S2 chunks of its snapshot archives) alike.
const TAG_LITERAL = 0;
const TAG_COPY1 = 1;
const TAG_COPY2 = 2;

function corrupt(what: string): Error {
  return new Error(`corrupt S2 block: ${what}`);
}

/** The decoded bytes of an S2 (or Snappy) block; throws on corrupt input. */
export function decodeS2Block(src: Buffer): Buffer {
  // The decoded length, a uvarint of at most 5 bytes.
  let dLen = 0;
  let s = 0;
  for (let shift = 0; ; shift += 7) {
    if (s >= src.length || s >= 5) throw corrupt('length');
    const b = src[s++]!;
    dLen += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (dLen > 0xffffffff) throw corrupt('length');
  const dst = Buffer.allocUnsafe(dLen);
  let d = 0;
  let offset = 0;
  const need = (n: number): void => {
    if (s + n > src.length) throw corrupt('truncated');
  };
  while (s < src.length) {
    const tag = src[s]!;
    let length: number;
    switch (tag & 0x03) {
      case TAG_LITERAL: {
        let x = tag >> 2;
        if (x < 60) s += 1;
        else {
          const n = x - 59;
          need(1 + n);
          x = src.readUIntLE(s + 1, n);
          s += 1 + n;
        }
        length = x + 1;
        if (length > dLen - d || s + length > src.length) throw corrupt('literal length');
        src.copy(dst, d, s, s + length);
        d += length;
        s += length;
        continue;
      }
      case TAG_COPY1: {
        need(2);
        const toffset = ((tag & 0xe0) << 3) | src[s + 1]!;
        length = (tag >> 2) & 0x7;
        s += 2;
        if (toffset === 0) {
          // A repeat of the last offset; lengths 5, 6, 7 take 1, 2, 3 more bytes.
          if (length === 5) {
            need(1);
            length = src[s]! + 4;
            s += 1;
          } else if (length === 6) {
            need(2);
            length = src.readUInt16LE(s) + (1 << 8);
            s += 2;
          } else if (length === 7) {
            need(3);
            length = src.readUIntLE(s, 3) + (1 << 16);
            s += 3;
          }
        } else {
          offset = toffset;
        }
        length += 4;
        break;
      }
      case TAG_COPY2:
        need(3);
        offset = src.readUInt16LE(s + 1);
        length = 1 + (tag >> 2);
        s += 3;
        break;
      default:
        need(5);
        offset = src.readUInt32LE(s + 1);
        length = 1 + (tag >> 2);
        s += 5;
    }
    if (offset <= 0 || d < offset || length > dLen - d) throw corrupt('copy');
    if (offset >= length) {
      dst.copy(dst, d, d - offset, d - offset + length);
      d += length;
    } else {
      for (let i = 0; i < length; i++) dst[d + i] = dst[d - offset + i]!;
      d += length;
    }
  }
  if (d !== dLen) throw corrupt('short output');
  return dst;
}
