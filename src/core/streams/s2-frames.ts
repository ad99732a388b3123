// The S2 stream framing (klauspost/compress s2, a superset of Snappy's framing format) that a
// JetStream snapshot travels in: natscli writes the bytes it receives to `stream.tar.s2` and
// reads them through an S2 reader while the backup runs, so whatever a server sends must be a
// valid S2 stream. Wharf writes the S2 stream identifier, then chunks of at most 64 KiB of
// input, each a Snappy block (chunk type 0x00, which S2 readers decode) or, when compression
// does not pay, the bytes as they are (type 0x01), each with the masked CRC-32C of its input.
// The reader takes S2 and Snappy streams (s2-block.ts decodes both block formats), so it reads
// nats-server's snapshots too.
import { createRequire } from 'node:module';
import { crc32c } from '../records/crc32c.js';
import { decodeS2Block } from './s2-block.js';

type Snappy = typeof import('snappy');
let snappyModule: Snappy | null = null;
const snappy = (): Snappy => (snappyModule ??= createRequire(import.meta.url)('snappy') as Snappy);

const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_PADDING = 0xfe;
const CHUNK_STREAM_ID = 0xff;
/** The largest input of one chunk: Snappy's limit, which every S2 reader accepts. */
export const S2_MAX_CHUNK_INPUT = 64 * 1024;
const S2_IDENTIFIER = Buffer.from([CHUNK_STREAM_ID, 6, 0, 0, ...Buffer.from('S2sTwO', 'latin1')]);
const SNAPPY_IDENTIFIER = Buffer.from([CHUNK_STREAM_ID, 6, 0, 0, ...Buffer.from('sNaPpY', 'latin1')]);

/** The framing's checksum: CRC-32C rotated right by 15 bits plus a constant. */
function maskedCrc(data: Uint8Array): number {
  const c = crc32c(data) >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function chunkHeader(type: number, length: number, crc: number): Buffer {
  const h = Buffer.allocUnsafe(8);
  h[0] = type;
  h.writeUIntLE(length, 1, 3);
  h.writeUInt32LE(crc, 4);
  return h;
}

/** Encodes input into S2 frames; the first call's output starts with the stream identifier. */
export class S2FrameWriter {
  private started = false;

  /** The frames of `input` (any length: cut into chunks of at most 64 KiB). */
  encode(input: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      out.push(S2_IDENTIFIER);
    }
    for (let pos = 0; pos < input.length; pos += S2_MAX_CHUNK_INPUT) {
      const part = input.subarray(pos, Math.min(input.length, pos + S2_MAX_CHUNK_INPUT));
      const crc = maskedCrc(part);
      const packed = snappy().compressSync(part);
      if (packed.length < part.length - part.length / 8) {
        out.push(chunkHeader(CHUNK_COMPRESSED, packed.length + 4, crc), packed);
      } else {
        out.push(chunkHeader(CHUNK_UNCOMPRESSED, part.length + 4, crc), Buffer.from(part));
      }
    }
    return out;
  }

  /** The frames of an empty stream (the identifier alone), when nothing was encoded. */
  finish(): Buffer[] {
    if (this.started) return [];
    this.started = true;
    return [S2_IDENTIFIER];
  }
}

/** Decodes an S2 (or Snappy) framed stream piece by piece, as it arrives; throws on anything that is not one. */
export class S2FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private identified = false;

  /** The decoded bytes of the whole chunks now available (a chunk split across pushes waits). */
  push(input: Buffer): Buffer[] {
    const data = this.pending.length === 0 ? input : Buffer.concat([this.pending, input]);
    const parts: Buffer[] = [];
    let pos = 0;
    while (data.length - pos >= 4) {
      const type = data[pos]!;
      const len = data.readUIntLE(pos + 1, 3);
      const body = pos + 4;
      if (body + len > data.length) break;
      pos = body + len;
      if (type === CHUNK_STREAM_ID) {
        const id = data.subarray(body - 4, pos);
        if (!id.equals(S2_IDENTIFIER) && !id.equals(SNAPPY_IDENTIFIER)) throw new Error('not an S2 stream (unknown stream identifier)');
        this.identified = true;
        continue;
      }
      if (!this.identified) throw new Error('not an S2 stream (no stream identifier)');
      if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
        if (len < 4) throw new Error('S2 chunk too short');
        const crc = data.readUInt32LE(body);
        const payload = data.subarray(body + 4, body + len);
        const plain = type === CHUNK_UNCOMPRESSED ? Buffer.from(payload) : decodeS2Block(payload);
        if (maskedCrc(plain) !== crc) throw new Error('S2 chunk checksum mismatch');
        parts.push(plain);
        continue;
      }
      if (type === CHUNK_PADDING || (type >= 0x80 && type <= 0xfd)) continue;
      throw new Error(`S2 chunk type 0x${type.toString(16)} is not readable`);
    }
    this.pending = Buffer.from(data.subarray(pos));
    return parts;
  }

  /** Checks the stream ended on a chunk boundary after its identifier. */
  end(): void {
    if (this.pending.length > 0) throw new Error('truncated S2 stream');
    if (!this.identified) throw new Error('not an S2 stream (empty)');
  }
}

/** Decodes a whole S2 (or Snappy) framed stream; throws on anything that is not one. */
export function decodeS2Frames(data: Buffer): Buffer {
  const d = new S2FrameDecoder();
  const parts = d.push(data);
  d.end();
  return Buffer.concat(parts);
}
