// A bounded pool of large read buffers, lent per request. A Kafka Fetch reads up to a
// partition's max bytes (1 MiB for the Java clients, librdkafka and kafkajs) from a segment into
// a buffer that the response then references until the socket has written it. Allocated fresh
// per read, those buffers are external memory to V8, and megabytes of it per fetch made V8 run a
// full mark-compact every few dozen fetches although the JS heap stayed at 15 MB: perf put 30 %
// of a 1 KB consumer's broker CPU in the major collector (docs/benchmarks.md, Kafka consume
// rows). Reusing a few buffers removes that garbage.
//
// Ownership is the whole point: a buffer goes back to the pool only when its lease is released,
// and the lease's holder releases it only when nothing can read the bytes any more (for a
// Fetch: the socket's write callback of the response, or the handler's end when nothing was
// written). A lease that is never released costs nothing but the reuse: its buffers are left to
// the garbage collector.

/** Something that hands out buffers for reads; the storage engine fills them. */
export interface ReadBuffers {
  /** A buffer of exactly `size` bytes, valid until its lender says otherwise. */
  alloc(size: number): Buffer;
}

export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param bufferSize each pooled buffer's size; larger requests get a buffer of their own.
   * @param maxFree how many buffers the pool keeps between uses (the memory it may retain).
   */
  constructor(
    readonly bufferSize: number,
    readonly maxFree: number,
  ) {}

  /** Buffers kept for reuse now (tests, metrics). */
  get freeCount(): number {
    return this.free.length;
  }

  /** A new lease: buffers taken through it come back together on release(). */
  lease(): BufferLease {
    return new BufferLease(this);
  }

  /** @internal A whole pooled buffer (BufferLease's use). */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferSize);
  }

  /** @internal Returns whole pooled buffers (BufferLease's use). */
  give(buf: Buffer): void {
    if (this.free.length < this.maxFree) this.free.push(buf);
  }
}

export class BufferLease implements ReadBuffers {
  private taken: Buffer[] | null = null;
  private released = false;

  constructor(private readonly pool: BufferPool) {}

  alloc(size: number): Buffer {
    // After release (a read still running when its request was abandoned) or above the pool's
    // size: a buffer of its own, never returned.
    if (this.released || size > this.pool.bufferSize) return Buffer.allocUnsafe(size);
    const whole = this.pool.take();
    (this.taken ??= []).push(whole);
    return whole.subarray(0, size);
  }

  /** Gives every buffer taken back to the pool; their bytes must not be read after this. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const taken = this.taken;
    this.taken = null;
    if (taken !== null) for (const b of taken) this.pool.give(b);
  }
}
