// The memory budget of segment indexes across every partition of a local engine. Without it the
// sparse indexes of all segments stay in memory for as long as the broker runs, about 0.6 % of
// every byte ever written (24 bytes per 4 KiB) however little of it is still read.
//
// Half of the budget goes to the active segments, shared equally: each one's index thins
// itself when it reaches its share (segment-index.ts). The other half is a cache of sealed
// segments' indexes, least recently used first out: an evicted index is read back from its
// `.index` file (written when the segment was sealed) by the next lookup that needs it.
// Indexes only speed lookups up, so nothing is lost by evicting one; a segment whose file is
// unreadable is scanned from its start instead.
import type { Segment } from './segment.js';

/**
 * The smallest share of an active segment, whatever the partition count: the bound holds up to
 * (bound / 2) / 256 partitions (32,768 at the default 16 MiB).
 */
const MIN_ACTIVE_SHARE = 256;

export class IndexBudget {
  /** Sealed segments with their index in memory, least recently used first, with their bytes. */
  private readonly sealed = new Map<Segment, number>();
  private sealedBytes = 0;
  private readonly active = new Set<Segment>();
  /** Every segment of the engine's open partitions, whatever state its index is in. */
  private readonly all = new Set<Segment>();
  private share = Infinity;

  constructor(readonly maxBytes: number) {}

  /** Bytes of every index in memory now, as the segments hold them (not this class's bookkeeping). */
  get bytes(): number {
    let n = 0;
    for (const s of this.all) n += s.indexBytes;
    return n;
  }

  /** Bytes of the cached indexes of sealed segments. */
  get cachedBytes(): number {
    return this.sealedBytes;
  }

  /** The byte limit of each active segment's index now. */
  get activeShare(): number {
    return this.share;
  }

  /** A segment became the active one of its partition (created, recovered or reopened by truncation). */
  activate(seg: Segment): void {
    this.drop(seg);
    this.all.add(seg);
    this.active.add(seg);
    this.reshare();
    seg.limitIndex(this.share);
  }

  /** A segment was sealed, or its index was loaded or used: it becomes the most recently used. */
  touch(seg: Segment): void {
    if (this.active.delete(seg)) this.reshare();
    this.all.add(seg);
    const held = this.sealed.get(seg);
    if (held !== undefined) {
      this.sealed.delete(seg);
      this.sealedBytes -= held;
    }
    // An index larger than the whole cache is thinned to fit (a sparser index is still correct).
    if (seg.indexBytes > this.maxBytes / 2) seg.limitIndex(this.maxBytes / 2);
    const bytes = seg.indexBytes;
    if (bytes === 0) return;
    this.sealed.set(seg, bytes);
    this.sealedBytes += bytes;
    this.evict(seg);
  }

  /** The segment left its partition (deleted, replaced, closed). */
  forget(seg: Segment): void {
    this.drop(seg);
    this.all.delete(seg);
    if (this.active.delete(seg)) this.reshare();
  }

  private drop(seg: Segment): void {
    const held = this.sealed.get(seg);
    if (held === undefined) return;
    this.sealed.delete(seg);
    this.sealedBytes -= held;
  }

  private evict(keep: Segment): void {
    const limit = this.maxBytes / 2;
    for (const [seg, bytes] of this.sealed) {
      if (this.sealedBytes <= limit) break;
      // The one just used stays, even alone over the limit: its lookup is about to run.
      if (seg === keep) continue;
      this.sealed.delete(seg);
      this.sealedBytes -= bytes;
      seg.evictIndex();
    }
  }

  private reshare(): void {
    const share = Math.max(MIN_ACTIVE_SHARE, Math.floor(this.maxBytes / 2 / Math.max(1, this.active.size)));
    if (share === this.share) return;
    this.share = share;
    for (const s of this.active) s.limitIndex(share);
  }
}
