// Deleted sequences of a stream that are not a prefix (explicit deletes, per-subject limits,
// TTL expiries, rollups of one subject, offsets that are no messages for JetStream: control
// batches, fillers, foreign records). A bitmap per page of 65 536 sequences, allocated only for
// pages that hold a deletion, so a stream without deletes costs nothing and a page with any
// costs 8 KiB (docs/jetstream.md 1.16). Pages below the first sequence are dropped.

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_BYTES = PAGE_SIZE >>> 3;

/** One bitmap page, as an index snapshot holds it. */
export interface DeletedSetPage {
  no: number;
  count: number;
  bits: Uint8Array;
}

export class DeletedSet {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly counts = new Map<number, number>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  has(seq: number): boolean {
    const idx = seq - 1;
    const page = this.pages.get(idx >>> PAGE_BITS);
    if (page === undefined) return false;
    const slot = idx & (PAGE_SIZE - 1);
    return (page[slot >>> 3]! & (1 << (slot & 7))) !== 0;
  }

  /** Marks seq deleted; false when it already was. */
  add(seq: number): boolean {
    const idx = seq - 1;
    const p = idx >>> PAGE_BITS;
    let page = this.pages.get(p);
    if (page === undefined) this.pages.set(p, (page = new Uint8Array(PAGE_BYTES)));
    const slot = idx & (PAGE_SIZE - 1);
    const bit = 1 << (slot & 7);
    if ((page[slot >>> 3]! & bit) !== 0) return false;
    page[slot >>> 3]! |= bit;
    this.counts.set(p, (this.counts.get(p) ?? 0) + 1);
    this.total++;
    return true;
  }

  /** Forgets deletions below `seq` (the first sequence moved past them). */
  dropBelow(seq: number): void {
    if (this.total === 0) return;
    const limit = seq - 1;
    for (const [p, page] of [...this.pages]) {
      const base = p * PAGE_SIZE;
      if (base + PAGE_SIZE <= limit) {
        this.total -= this.counts.get(p) ?? 0;
        this.pages.delete(p);
        this.counts.delete(p);
        continue;
      }
      if (base >= limit) continue;
      let removed = 0;
      for (let slot = 0; slot < limit - base; slot++) {
        const bit = 1 << (slot & 7);
        if ((page[slot >>> 3]! & bit) !== 0) {
          page[slot >>> 3]! &= ~bit;
          removed++;
        }
      }
      if (removed > 0) {
        const left = (this.counts.get(p) ?? 0) - removed;
        this.total -= removed;
        if (left === 0) {
          this.pages.delete(p);
          this.counts.delete(p);
        } else {
          this.counts.set(p, left);
        }
      }
    }
  }

  /** Forgets deletions at or above `seq` (the log was truncated, or an append was rolled back). */
  dropFrom(seq: number): void {
    for (const s of this.list(seq, Number.MAX_SAFE_INTEGER)) {
      const idx = s - 1;
      const p = idx >>> PAGE_BITS;
      const page = this.pages.get(p)!;
      const slot = idx & (PAGE_SIZE - 1);
      page[slot >>> 3]! &= ~(1 << (slot & 7));
      this.total--;
      const left = (this.counts.get(p) ?? 1) - 1;
      if (left === 0) {
        this.pages.delete(p);
        this.counts.delete(p);
      } else {
        this.counts.set(p, left);
      }
    }
  }

  /** Deleted sequences in [from, to], ascending. */
  list(from: number, to: number): number[] {
    const out: number[] = [];
    for (const p of [...this.pages.keys()].sort((a, b) => a - b)) {
      const page = this.pages.get(p)!;
      const base = p * PAGE_SIZE + 1;
      if (base + PAGE_SIZE <= from || base > to) continue;
      for (let byte = 0; byte < PAGE_BYTES; byte++) {
        const b = page[byte]!;
        if (b === 0) continue;
        for (let bit = 0; bit < 8; bit++) {
          if ((b & (1 << bit)) === 0) continue;
          const seq = base + byte * 8 + bit;
          if (seq >= from && seq <= to) out.push(seq);
        }
      }
    }
    return out;
  }

  /** The pages for a snapshot (the set's own bitmaps, not copies). */
  exportPages(): DeletedSetPage[] {
    return [...this.pages.keys()].sort((a, b) => a - b).map((no) => ({ no, count: this.counts.get(no) ?? 0, bits: this.pages.get(no)! }));
  }

  /** Replaces the set with a snapshot's pages (each bitmap PAGE_BYTES long). */
  importPages(pages: readonly DeletedSetPage[]): void {
    this.pages.clear();
    this.counts.clear();
    this.total = 0;
    for (const p of pages) {
      if (p.bits.length !== PAGE_BYTES) throw new Error('deleted set: snapshot page of the wrong size');
      this.pages.set(p.no, p.bits);
      this.counts.set(p.no, p.count);
      this.total += p.count;
    }
  }

  /** Bytes held (monitoring, the memory figures of docs/jetstream.md 1.16). */
  get bytes(): number {
    return this.pages.size * PAGE_BYTES;
  }
}
