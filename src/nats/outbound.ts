// Per-connection outbound buffer. Deliveries during one read event are copied into a staging
// buffer and written with one socket.write() when the event ends, so a burst of N messages to
// a receiver costs one syscall instead of N.
//
// Staging buffers: a connection starts with a small one (idle connections are many) that doubles
// with its traffic; once it needs the full size it takes full-size buffers from a pool shared by
// all connections, and each goes back to the pool when the socket has written it (the write's
// callback), so a busy connection allocates nothing per event. Allocating a fresh 64 KiB buffer
// per event, as before, was external memory at the rate of the traffic, and external memory is
// what starts V8's full garbage collections (see src/util/shared-read.ts for the read side).
// The pool's buffers are the 128 slots of the byte arena (src/util/byte-arena.ts), which also
// holds the shared read buffer: a payload copied from a read into such a slot costs no object.
import type { Socket } from 'node:net';
import type { ReplyBytes } from '../core/routing/router.js';
import { ARENA_SLOTS, arenaSlot, copyWithinArena, inArena } from '../util/byte-arena.js';
import { decimalDigits, writeDecimal } from '../util/decimal.js';

/** Staging starts small (idle connections are many) and doubles up to this size. */
const FIRST_STAGING = 512;
const MAX_STAGING = 64 * 1024;
const EMPTY = Buffer.alloc(0);
/** Payloads this large are queued by reference instead of copied. */
export const COPY_LIMIT = 16 * 1024;
/** Up to this length a JavaScript loop beats a call into native code. */
const SHORT = 48;
/** A full-size staging buffer of the pool and the callback that gives it back. */
interface PooledStaging {
  readonly buf: Buffer;
  readonly release: () => void;
}

/** Free arena slots (src/util/byte-arena.ts), always given back and always kept. */
const pool: PooledStaging[] = [];
/** Staging slots of the byte arena handed out so far. */
let arenaSlotsTaken = 0;
/**
 * Past the arena's slots (a backed-up receiver holds more than 8 MiB of full staging buffers:
 * `nats bench sub` at 1 KB falls 60 MB behind the publisher on this machine) buffers of their
 * own, reused while the backlog lasts: allocated fresh per event, they were tens of MB of
 * external memory per second, which V8 counts towards the limits that start its full
 * collections (a mark-compact every one or two scavenges on a 12 MB heap, docs/nats-performance.md).
 * What the backlog no longer needs goes: every OVERFLOW_TRIM_MS, the buffers that stayed free
 * through the whole interval are dropped, so the overflow shrinks to nothing within two
 * intervals of the backlog's end.
 */
const overflow: PooledStaging[] = [];
/** The fewest overflow buffers free at any moment since the last trim: unused for that long. */
let overflowLowWater = 0;
const OVERFLOW_TRIM_MS = 1000;
/** Started by the first overflow buffer, never stopped (unref'd; a trim of nothing is free). */
let overflowTimer: NodeJS.Timeout | null = null;

function takeStaging(): PooledStaging {
  const free = pool.pop();
  if (free !== undefined) return free;
  // Copies out of the shared read buffer into an arena slot make no object (byte-arena.ts).
  if (arenaSlotsTaken < ARENA_SLOTS) {
    const entry: PooledStaging = { buf: arenaSlot(arenaSlotsTaken++), release: () => void pool.push(entry) };
    return entry;
  }
  const spare = overflow.pop();
  if (overflow.length < overflowLowWater) overflowLowWater = overflow.length;
  if (spare !== undefined) return spare;
  overflowTimer ??= setInterval(trimOverflow, OVERFLOW_TRIM_MS).unref();
  const entry: PooledStaging = { buf: Buffer.allocUnsafeSlow(MAX_STAGING), release: () => void overflow.push(entry) };
  return entry;
}

/** Drops the overflow buffers no receiver took since the last trim (the timer's; tests call it). */
export function trimOverflow(): void {
  overflow.splice(0, overflowLowWater);
  overflowLowWater = overflow.length;
}

/** Buffers in the pool now (for tests). */
export function pooledStagingCount(): number {
  return pool.length;
}

/** Free overflow buffers now (for tests). */
export function overflowStagingCount(): number {
  return overflow.length;
}

export class Outbound {
  private staging: Buffer = EMPTY;
  /** The pool entry `staging` is, or null when it is a buffer of its own (or EMPTY). */
  private stagingEntry: PooledStaging | null = null;
  /** Pool entries among `queued`, given back once the socket has written them. */
  private queuedEntries: PooledStaging[] = [];
  /** Size of the next staging buffer: grows with the traffic the connection has shown. */
  private nextSize = FIRST_STAGING;
  private len = 0;
  /** Buffers completed during this event, in order, before `staging`. */
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes handed to the socket over the connection's life. */
  bytesWritten = 0;
  /** Whether `staging` is a slot of the byte arena. */
  private stagingInArena = false;
  /** The last source bytes() copied from and whether it is in the byte arena: a read's messages share one source. */
  private lastSource: Buffer = EMPTY;
  private lastSourceInArena = false;

  /** Bytes waiting in this buffer (not yet handed to the socket). */
  get buffered(): number {
    return this.len + this.queuedBytes;
  }

  private ensure(n: number): void {
    if (this.staging.length - this.len >= n) return;
    // A connection that filled its staging buffer shows the traffic for a bigger one.
    if (this.staging.length > 0) this.nextSize = Math.min(MAX_STAGING, this.nextSize * 2);
    this.retireStaging();
    if (this.nextSize === MAX_STAGING && n <= MAX_STAGING) {
      const entry = takeStaging();
      this.stagingEntry = entry;
      this.staging = entry.buf;
      this.stagingInArena = inArena(entry.buf);
    } else {
      this.staging = Buffer.allocUnsafeSlow(Math.max(this.nextSize, n));
      this.stagingInArena = false;
    }
    this.len = 0;
  }

  /** Queues what staging holds (its pool entry with it) and leaves staging EMPTY. */
  private retireStaging(): void {
    const entry = this.stagingEntry;
    if (this.len > 0) {
      this.queued.push(this.staging.subarray(0, this.len));
      this.queuedBytes += this.len;
      if (entry !== null) this.queuedEntries.push(entry);
    } else if (entry !== null) {
      entry.release();
    }
    this.stagingEntry = null;
    this.staging = EMPTY;
    this.stagingInArena = false;
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
    this.len = writeDecimal(this.staging, this.len, n, decimalDigits(n));
  }

  /** Appends a reply subject that writes its own bytes (a JetStream ack subject). */
  reply(r: ReplyBytes): void {
    this.ensure(r.length);
    this.len = r.writeTo(this.staging, this.len);
  }

  crlf(): void {
    this.ensure(2);
    this.staging[this.len++] = 13;
    this.staging[this.len++] = 10;
  }

  bytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    if (n >= COPY_LIMIT) {
      // Large payload: keep a reference. The caller guarantees it does not change until written
      // (a stored message, or a publish copied out of the shared read buffer: NatsConnection).
      if (this.len > 0) this.retireStaging();
      this.queued.push(start === 0 && end === src.length ? src : src.subarray(start, end));
      this.queuedBytes += n;
      return;
    }
    this.ensure(n);
    if (n > SHORT) {
      if (src !== this.lastSource) {
        this.lastSource = src;
        this.lastSourceInArena = inArena(src);
      }
      // Buffer#copy of a range would make a view of it per call; within the arena no object.
      if (this.stagingInArena && this.lastSourceInArena) copyWithinArena(this.staging, this.len, src, start, end);
      else src.copy(this.staging, this.len, start, end);
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
    this.lastSource = EMPTY;
    const total = this.buffered;
    if (total === 0) return;
    this.bytesWritten += total;
    if (this.queued.length === 0) {
      const entry = this.stagingEntry;
      if (entry !== null) {
        // A pool buffer goes back when the socket is done with it; the next event takes another.
        socket.write(this.staging.subarray(0, this.len), entry.release);
        this.stagingEntry = null;
        this.staging = EMPTY;
      } else {
        socket.write(this.staging.subarray(0, this.len));
        // A synchronous, complete write leaves nothing queued in the socket: staging is free again.
        if (socket.writableLength !== 0) this.staging = EMPTY;
      }
      this.len = 0;
      return;
    }
    if (this.len > 0) this.retireStaging();
    const entries = this.queuedEntries;
    const queued = this.queued;
    this.queued = [];
    this.queuedEntries = [];
    this.queuedBytes = 0;
    socket.cork();
    const last = queued.length - 1;
    for (let i = 0; i < last; i++) socket.write(queued[i]!);
    // Writes complete in order: the last one's callback means every pool buffer is written.
    if (entries.length === 0) socket.write(queued[last]!);
    else
      socket.write(queued[last]!, () => {
        for (const e of entries) e.release();
      });
    socket.uncork();
  }

  /** Drops what was not written (the connection is closing). */
  discard(): void {
    for (const e of this.queuedEntries) e.release();
    this.stagingEntry?.release();
    this.stagingEntry = null;
    this.staging = EMPTY;
    this.queuedEntries = [];
    this.queued = [];
    this.queuedBytes = 0;
    this.len = 0;
  }
}
