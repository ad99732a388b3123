/**
 * Splits a Kafka byte stream into frames: a 4-byte big-endian size, then that many bytes.
 *
 * Memory is bounded by what the peer actually sent, never by what its size prefix claims: the
 * splitter keeps received chunks in a list and only assembles a frame once all of its bytes
 * are there. A size above maxFrameSize (Kafka's socket.request.max.bytes, 100 MiB by default)
 * or below zero is a protocol error, reported before any byte of the body is buffered.
 *
 * Frames are handed out without the size prefix. A frame that lies within one received chunk is
 * a view of that chunk (no copy); Node allocates a fresh Buffer per socket read, so nothing
 * writes into it afterwards. A consumer that keeps a small piece of a frame for long (a stored
 * batch) should copy it, or it retains the whole chunk.
 */
import { KafkaCodecError } from './errors.js';

export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

export class FrameTooLargeError extends KafkaCodecError {
  override name = 'FrameTooLargeError';
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds the limit of ${max}`);
  }
}

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being assembled, or -1 while its prefix is incomplete. */
  private need = -1;

  constructor(readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  /** Bytes received but not yet handed out as frames. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Feeds received bytes; calls onFrame for each complete frame, in order. Throws
   * FrameTooLargeError on a bad size; the connection should then be closed.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    if (chunk.length === 0) return;
    // Fast path: nothing buffered, parse frames straight out of this chunk.
    if (this.buffered === 0) {
      let pos = 0;
      while (chunk.length - pos >= 4) {
        const size = chunk.readInt32BE(pos);
        this.check(size);
        if (chunk.length - pos - 4 < size) break;
        onFrame(chunk.subarray(pos + 4, pos + 4 + size));
        pos += 4 + size;
      }
      if (pos === chunk.length) return;
      chunk = chunk.subarray(pos);
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) return;
        const size = this.take(4).readInt32BE(0);
        this.check(size);
        this.need = size;
      }
      if (this.buffered < this.need) return;
      const frame = this.take(this.need);
      this.need = -1;
      onFrame(frame);
    }
  }

  private check(size: number): void {
    if (size < 0 || size > this.maxFrameSize) throw new FrameTooLargeError(size, this.maxFrameSize);
  }

  /** Removes n buffered bytes (n <= buffered), copying only when they span chunks. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY; // a zero-size frame may arrive with nothing buffered behind it
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
