// The hot tail of a partition: the most recently acknowledged batches, kept in memory as the
// very Buffers that were appended (offsets stamped), so that consumers that are caught up are
// served without touching the storage engine. Bounded in bytes; oldest entries go first.
// The bound counts memory, not payload: a batch is held as a compact copy of its own unless the
// view it came in pins little more than itself, and then the whole backing store it pins counts.
import { batchBaseOffset, batchLastOffsetDelta, batchSize } from '../records/batch.js';

export interface TailRead {
  chunks: Buffer[];
  bytes: number;
  nextOffset: number;
}

/** Extra backing bytes a held view may pin before it is copied instead. */
const PINNED_SLACK = 4 * 1024;

const EMPTY = Buffer.alloc(0);

export class HotTail {
  private bufs: Buffer[] = [];
  private bases: number[] = [];
  private lasts: number[] = [];
  /** Bytes each entry is accounted for (its backing store when it is a view). */
  private costs: number[] = [];
  private head = 0;
  private _bytes = 0;

  constructor(private maxBytes: number) {}

  get bytes(): number {
    return this._bytes;
  }

  /** Base offset of the oldest batch held, or Infinity when empty. */
  get firstOffset(): number {
    return this.head < this.bases.length ? this.bases[this.head]! : Infinity;
  }

  setLimit(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.evict();
  }

  /** Adds an acknowledged buffer of one or more batches covering [base, last]. */
  push(buf: Buffer, base: number, last: number): void {
    if (this.maxBytes <= 0) return;
    // A batch that is a view into a larger allocation (a whole request frame, a socket read)
    // would pin all of it while it stays here; the tail accounts bytes it holds, so it keeps
    // a compact copy instead.
    // a compact copy instead, in memory of its own (Buffer.from would put a small one in Node's
    // shared 8 KiB pool, pinning the pool's slab again).
    if (buf.buffer.byteLength > buf.length + Math.min(PINNED_SLACK, buf.length)) {
      const copy = Buffer.allocUnsafeSlow(buf.length);
      buf.copy(copy);
      buf = copy;
    }
    const cost = buf.buffer.byteLength;
    this.bufs.push(buf);
    this.bases.push(base);
    this.lasts.push(last);
    this.costs.push(cost);
    this._bytes += cost;
    this.evict();
  }

  private evict(): void {
    while (this.head < this.bufs.length && (this._bytes > this.maxBytes || this.maxBytes <= 0)) this.dropHead();
    this.shrink();
  }

  private dropHead(): void {
    this._bytes -= this.costs[this.head]!;
    // The slot lets go of the buffer now: only the bookkeeping arrays wait for shrink().
    this.bufs[this.head] = EMPTY;
    this.head++;
  }

  private shrink(): void {
    if (this.head > 1024 && this.head * 2 > this.bufs.length) {
      this.bufs = this.bufs.slice(this.head);
      this.bases = this.bases.slice(this.head);
      this.lasts = this.lasts.slice(this.head);
      this.costs = this.costs.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops everything; used after truncation or when the partition goes away. */
  clear(): void {
    this.bufs = [];
    this.bases = [];
    this.lasts = [];
    this.costs = [];
    this.head = 0;
    this._bytes = 0;
  }

  /** Drops entries that end before `offset` (the log start offset moved). */
  dropBelow(offset: number): void {
    while (this.head < this.bufs.length && this.lasts[this.head]! < offset) this.dropHead();
    this.shrink();
  }

  /**
   * Whole batches from the one containing `offset` (or the next), up to `maxBytes` but at least
   * one, stopping before `limit`. Null when `offset` is older than what the tail holds.
   */
  read(offset: number, maxBytes: number, limit: number): TailRead | null {
    if (offset < this.firstOffset) return null;
    // First entry that ends at or after offset.
    let lo = this.head;
    let hi = this.lasts.length - 1;
    let i = this.lasts.length;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lasts[mid]! >= offset) {
        i = mid;
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    let nextOffset = offset;
    for (; i < this.bufs.length; i++) {
      if (this.bases[i]! >= limit) break;
      const buf = this.bufs[i]!;
      const single = batchSize(buf, 0) === buf.length;
      if (single && this.lasts[i]! < limit) {
        if (bytes > 0 && bytes + buf.length > maxBytes) break;
        chunks.push(buf);
        bytes += buf.length;
        nextOffset = this.lasts[i]! + 1;
        continue;
      }
      // Several batches in one append: take them one by one.
      let pos = 0;
      while (pos < buf.length) {
        const size = batchSize(buf, pos);
        const base = batchBaseOffset(buf, pos);
        const last = base + batchLastOffsetDelta(buf, pos);
        if (base >= limit) return { chunks, bytes, nextOffset };
        if (last >= offset) {
          if (bytes > 0 && bytes + size > maxBytes) return { chunks, bytes, nextOffset };
          chunks.push(buf.subarray(pos, pos + size));
          bytes += size;
          nextOffset = last + 1;
        }
        pos += size;
      }
    }
    return { chunks, bytes, nextOffset };
  }
}
