// Per-connection outbound buffer. Deliveries during one read event are copied into a staging
// buffer and written with one socket.write() when the event ends, so a burst of N messages to
// a receiver costs one syscall instead of N. When the kernel took the whole write at once the
// staging buffer is reused; otherwise the socket still references it and a fresh one is taken.
import type { Socket } from 'node:net';

/** Staging starts small (idle connections are many) and doubles up to this size. */
const FIRST_STAGING = 512;
const MAX_STAGING = 64 * 1024;
const EMPTY = Buffer.alloc(0);
/** Payloads this large are queued by reference instead of copied. */
const COPY_LIMIT = 16 * 1024;
/** Up to this length a JavaScript loop beats a call into native code. */
const SHORT = 48;

export class Outbound {
  private staging: Buffer = EMPTY;
  /** Size of the next staging buffer: grows with the traffic the connection has shown. */
  private nextSize = FIRST_STAGING;
  private len = 0;
  /** Buffers completed during this event, in order, before `staging`. */
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes handed to the socket over the connection's life. */
  bytesWritten = 0;

  /** Bytes waiting in this buffer (not yet handed to the socket). */
  get buffered(): number {
    return this.len + this.queuedBytes;
  }

  private ensure(n: number): void {
    if (this.staging.length - this.len >= n) return;
    if (this.len > 0) {
      this.queued.push(this.staging.subarray(0, this.len));
      this.queuedBytes += this.len;
    }
    if (this.staging.length > 0) this.nextSize = Math.min(MAX_STAGING, this.nextSize * 2);
    this.staging = Buffer.allocUnsafeSlow(Math.max(this.nextSize, n));
    this.len = 0;
  }

  /** Appends a latin1 string (protocol lines, subjects); short ones without a native call. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    if (n > SHORT) {
      this.len += this.staging.write(s, this.len, 'latin1');
      return;
    }
    const b = this.staging;
    let at = this.len;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.len = at;
  }

  /** Appends a non-negative integer in decimal, without building a string. */
  decimal(n: number): void {
    this.ensure(16);
    const b = this.staging;
    if (n < 10) {
      b[this.len++] = 48 + n;
      return;
    }
    let digits = 0;
    for (let v = n; v > 0; v = Math.floor(v / 10)) digits++;
    let at = this.len + digits;
    this.len = at;
    for (let v = n; v > 0; v = Math.floor(v / 10)) b[--at] = 48 + (v % 10);
  }

  crlf(): void {
    this.ensure(2);
    this.staging[this.len++] = 13;
    this.staging[this.len++] = 10;
  }

  bytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    if (n >= COPY_LIMIT) {
      // Large payload: keep a reference (the source is a read buffer we never reuse).
      if (this.len > 0) {
        this.queued.push(this.staging.subarray(0, this.len));
        this.queuedBytes += this.len;
        this.staging = EMPTY;
        this.len = 0;
      }
      this.queued.push(start === 0 && end === src.length ? src : src.subarray(start, end));
      this.queuedBytes += n;
      return;
    }
    this.ensure(n);
    if (n > SHORT) {
      src.copy(this.staging, this.len, start, end);
      this.len += n;
      return;
    }
    const b = this.staging;
    let at = this.len;
    for (let i = start; i < end; i++) b[at++] = src[i]!;
    this.len = at;
  }

  /** Hands everything buffered to the socket in one write (or one corked writev). */
  flush(socket: Socket): void {
    const total = this.buffered;
    if (total === 0) return;
    this.bytesWritten += total;
    if (this.queued.length === 0) {
      socket.write(this.staging.subarray(0, this.len));
    } else {
      socket.cork();
      for (const b of this.queued) socket.write(b);
      if (this.len > 0) socket.write(this.staging.subarray(0, this.len));
      socket.uncork();
      this.queued = [];
      this.queuedBytes = 0;
    }
    // A synchronous, complete write leaves nothing queued in the socket: staging is free again.
    if (socket.writableLength !== 0) this.staging = EMPTY;
    this.len = 0;
  }

  /** Drops what was not written (the connection is closing). */
  discard(): void {
    this.queued = [];
    this.queuedBytes = 0;
    this.len = 0;
  }
}
