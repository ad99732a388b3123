// The subject index of a stream: what JetStream needs that a Kafka log does not keep (docs/
// jetstream.md 1.16). Per sequence, in typed-array pages of 65 536 sequences: the interned
// subject id, the stored size in nats-server's accounting, the stored time, and the distance to
// the next sequence of the same subject. Per subject: first and last sequence and the live
// count. Deleted sequences that are not a prefix are in a DeletedSet; the prefix is everything
// below `first`. A page is freed when `first` passes it, and grows from a small size, so a
// small stream costs little.
//
// Sequences are indexed in order (add() takes last + 1); appends still in flight are indexed
// too, so the publish checks of the next publish see them, and rolled back with truncate() when
// the append fails.
import { DeletedSet, type DeletedSetPage } from './deleted-set.js';
import type { SubjectFilter } from './types.js';

/** One page of the index as a snapshot holds it (docs/jetstream.md 1.18): the typed arrays themselves. */
export interface IndexPage {
  no: number;
  subject: Uint32Array;
  size: Uint32Array;
  next: Uint32Array;
  time: Float64Array;
}

/** Everything a SubjectIndex holds, for index snapshots (snapshot-codec.ts); arrays are the index's own, not copies. */
export interface SubjectIndexState {
  first: number;
  last: number;
  live: number;
  liveBytes: number;
  subjectsLive: number;
  names: readonly string[];
  firsts: readonly number[];
  lasts: readonly number[];
  counts: readonly number[];
  freeIds: readonly number[];
  pages: IndexPage[];
  deleted: DeletedSetPage[];
}

const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const FIRST_PAGE_LEN = 256;

class Page {
  subject: Uint32Array;
  size: Uint32Array;
  next: Uint32Array;
  time: Float64Array;
  constructor(len: number) {
    this.subject = new Uint32Array(len);
    this.size = new Uint32Array(len);
    this.next = new Uint32Array(len);
    this.time = new Float64Array(len);
  }
  grow(min: number): void {
    let len = this.subject.length;
    while (len <= min) len = Math.min(PAGE_SIZE, len * 2);
    const grow = <A extends Uint32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(len);
      b.set(a);
      return b;
    };
    this.subject = grow(this.subject, (n) => new Uint32Array(n));
    this.size = grow(this.size, (n) => new Uint32Array(n));
    this.next = grow(this.next, (n) => new Uint32Array(n));
    this.time = grow(this.time, (n) => new Float64Array(n));
  }
}

export class SubjectIndex {
  /** First sequence that may be live; everything below is gone. */
  first = 1;
  /** Last sequence indexed (messages and gaps), 0 for none. */
  last = 0;
  readonly deleted = new DeletedSet();
  private readonly pages = new Map<number, Page>();
  private readonly ids = new Map<string, number>();
  /** By subject id (index 0 unused): the subject, its first and last live sequence, its live count. */
  private names: string[] = [''];
  private firsts: number[] = [0];
  private lasts: number[] = [0];
  private counts: number[] = [0];
  private freeIds: number[] = [];
  private live = 0;
  private liveBytes = 0;
  private subjectsLive = 0;

  get messages(): number {
    return this.live;
  }

  get bytes(): number {
    return this.liveBytes;
  }

  get numSubjects(): number {
    return this.subjectsLive;
  }

  private page(seq: number, create: boolean): Page | undefined {
    const idx = seq - 1;
    const p = idx >>> PAGE_BITS;
    let page = this.pages.get(p);
    if (page === undefined && create) this.pages.set(p, (page = new Page(FIRST_PAGE_LEN)));
    if (page !== undefined && create && (idx & (PAGE_SIZE - 1)) >= page.subject.length) page.grow(idx & (PAGE_SIZE - 1));
    return page;
  }

  private slot(seq: number): number {
    return (seq - 1) & (PAGE_SIZE - 1);
  }

  private idOf(subject: string): number {
    let id = this.ids.get(subject);
    if (id !== undefined) return id;
    id = this.freeIds.pop();
    if (id === undefined) {
      id = this.names.length;
      this.names.push(subject);
      this.firsts.push(0);
      this.lasts.push(0);
      this.counts.push(0);
    } else {
      this.names[id] = subject;
      this.firsts[id] = 0;
      this.lasts[id] = 0;
      this.counts[id] = 0;
    }
    this.ids.set(subject, id);
    return id;
  }

  /** Sets where the stream starts when it is empty (a new stream, first_seq, a purge of everything). */
  reset(first: number): void {
    this.pages.clear();
    this.ids.clear();
    this.names = [''];
    this.firsts = [0];
    this.lasts = [0];
    this.counts = [0];
    this.freeIds = [];
    this.live = 0;
    this.liveBytes = 0;
    this.subjectsLive = 0;
    this.deleted.dropBelow(Number.MAX_SAFE_INTEGER);
    this.first = first;
    this.last = first - 1;
  }

  /** Indexes message `seq` (must be last + 1). */
  add(seq: number, subject: string, size: number, time: number): void {
    if (seq !== this.last + 1) throw new Error(`subject index: sequence ${seq} after ${this.last}`);
    const id = this.idOf(subject);
    const page = this.page(seq, true)!;
    const slot = this.slot(seq);
    page.subject[slot] = id;
    page.size[slot] = size;
    page.time[slot] = time;
    page.next[slot] = 0;
    const prev = this.lasts[id]!;
    if (this.counts[id]! > 0 && prev >= this.first) {
      const pp = this.page(prev, false);
      if (pp !== undefined) pp.next[this.slot(prev)] = seq - prev;
    } else {
      this.firsts[id] = seq;
      this.subjectsLive++;
    }
    this.lasts[id] = seq;
    this.counts[id]!++;
    this.live++;
    this.liveBytes += size;
    this.last = seq;
  }

  /** Indexes sequences that are no messages (control batches, fillers, foreign records): deleted. */
  addGap(from: number, to: number, time: number): void {
    if (from !== this.last + 1) throw new Error(`subject index: gap ${from} after ${this.last}`);
    for (let s = from; s <= to; s++) {
      const page = this.page(s, true)!;
      const slot = this.slot(s);
      page.subject[slot] = 0;
      page.size[slot] = 0;
      page.time[slot] = time;
      page.next[slot] = 0;
      this.deleted.add(s);
    }
    this.last = to;
  }

  isLive(seq: number): boolean {
    if (seq < this.first || seq > this.last || this.deleted.has(seq)) return false;
    const page = this.page(seq, false);
    return page !== undefined && page.subject[this.slot(seq)]! !== 0;
  }

  private idAt(seq: number): number {
    const page = this.page(seq, false);
    return page === undefined ? 0 : page.subject[this.slot(seq)]!;
  }

  subjectOf(seq: number): string | null {
    if (!this.isLive(seq)) return null;
    return this.names[this.idAt(seq)]!;
  }

  /** Subject of an indexed message sequence, deleted or not (null for gaps and below first). */
  subjectOfAny(seq: number): string | null {
    if (seq < this.first || seq > this.last) return null;
    const id = this.idAt(seq);
    return id === 0 ? null : (this.names[id] ?? null);
  }

  sizeOf(seq: number): number {
    if (!this.isLive(seq)) return 0;
    return this.page(seq, false)!.size[this.slot(seq)]!;
  }

  /** Sets the stored time of the indexed sequences from..to (the time the log stamped into their batch). */
  retime(from: number, to: number, time: number): void {
    for (let seq = Math.max(from, this.first); seq <= Math.min(to, this.last); seq++) {
      const page = this.page(seq, false);
      if (page !== undefined) page.time[this.slot(seq)] = time;
    }
  }

  /** Stored time of an indexed sequence (live or not, above first), else 0. */
  timeOf(seq: number): number {
    if (seq < this.first || seq > this.last) return 0;
    const page = this.page(seq, false);
    return page === undefined ? 0 : page.time[this.slot(seq)]!;
  }

  /** The live count of a literal subject. */
  countOf(subject: string): number {
    const id = this.ids.get(subject);
    return id === undefined ? 0 : this.counts[id]!;
  }

  /** First live sequence of a literal subject, or 0. */
  firstOf(subject: string): number {
    const id = this.ids.get(subject);
    return id === undefined || this.counts[id] === 0 ? 0 : this.firsts[id]!;
  }

  /** Last live sequence of a literal subject, or 0. */
  lastOf(subject: string): number {
    const id = this.ids.get(subject);
    return id === undefined || this.counts[id] === 0 ? 0 : this.lasts[id]!;
  }

  /** The live sequence of the same subject after `seq` (a live one), or 0. */
  nextOfSubject(seq: number): number {
    let s = seq;
    for (;;) {
      const page = this.page(s, false);
      if (page === undefined) return 0;
      const d = page.next[this.slot(s)]!;
      if (d === 0) return 0;
      s += d;
      if (s > this.last) return 0;
      if (this.isLive(s)) return s;
    }
  }

  /** Every subject with live messages, and its live count (iteration order: by subject id). */
  *liveSubjects(): IterableIterator<[string, number]> {
    for (let id = 1; id < this.names.length; id++) {
      const c = this.counts[id]!;
      if (c > 0) yield [this.names[id]!, c];
    }
  }

  /** The first live sequence at or after `seq` whose subject passes `filter` (null = any), or 0. */
  nextLive(seq: number, filter: SubjectFilter | null): number {
    let s = Math.max(seq, this.first);
    if (filter !== null && filter.literalOnly && filter.subjects.length === 1) {
      const subject = filter.subjects[0]!;
      const id = this.ids.get(subject);
      if (id === undefined || this.counts[id] === 0) return 0;
      if (s <= this.firsts[id]!) return this.firsts[id]!;
      if (s > this.lasts[id]!) return 0;
    }
    for (; s <= this.last; s++) {
      if (this.deleted.has(s)) continue;
      const id = this.idAt(s);
      if (id === 0) continue;
      if (filter === null || filter.matches(this.names[id]!)) return s;
    }
    return 0;
  }

  /**
   * Live messages at or after `from` passing `filter`; with `lastPerSubject`, the matching
   * subjects whose last live message is at or after `from`.
   */
  count(from: number, filter: SubjectFilter | null, lastPerSubject: boolean): number {
    const start = Math.max(from, this.first);
    let n = 0;
    // Literal filters look their subjects up; others go over the subjects (not the messages).
    // (Each subject once: a list may name one twice, which nats-server refuses for consumers only.)
    const ids = filter !== null && filter.literalOnly ? [...new Set(filter.subjects.map((f) => this.ids.get(f) ?? 0))].filter((id) => id > 0) : null;
    const total = ids === null ? this.names.length - 1 : ids.length;
    const counts = this.counts;
    const names = this.names;
    for (let k = 0; k < total; k++) {
      const id = ids === null ? k + 1 : ids[k]!;
      const c = counts[id]!;
      if (c === 0) continue;
      if (ids === null && filter !== null && !filter.matches(names[id]!)) continue;
      if (lastPerSubject) {
        if (this.lasts[id]! >= start) n++;
        continue;
      }
      if (this.firsts[id]! >= start) n += c;
      else if (this.lasts[id]! >= start) {
        // Part of the subject is below `start`: count along its chain.
        let k = 0;
        for (let s = this.firsts[id]!; s !== 0; s = this.nextOfSubject(s)) if (s >= start) k++;
        n += k;
      }
    }
    return n;
  }

  /** Removes one live message (not a prefix removal); false when it was not live. */
  remove(seq: number): boolean {
    if (!this.isLive(seq)) return false;
    const id = this.idAt(seq);
    this.deleted.add(seq);
    this.unlink(id, seq);
    return true;
  }

  private unlink(id: number, seq: number): void {
    const size = this.page(seq, false)!.size[this.slot(seq)]!;
    this.live--;
    this.liveBytes -= size;
    const c = --this.counts[id]!;
    if (c === 0) {
      this.subjectsLive--;
      this.ids.delete(this.names[id]!);
      this.freeIds.push(id);
      this.firsts[id] = 0;
      this.lasts[id] = 0;
      return;
    }
    if (this.firsts[id] === seq) this.firsts[id] = this.nextOfSubject(seq);
    if (this.lasts[id] === seq) {
      let s = this.firsts[id]!;
      let last = s;
      while (s !== 0 && s < seq) {
        last = s;
        s = this.nextOfSubject(s);
      }
      this.lasts[id] = last;
    }
  }

  /**
   * Moves the first sequence to `seq` (everything below leaves: purge, limits, DeleteRecords).
   * Calls `removed` for each live sequence that leaves. Returns how many left.
   */
  advanceFirst(seq: number, removed?: (seq: number) => void): number {
    if (seq <= this.first) return 0;
    const to = Math.min(seq, this.last + 1);
    let n = 0;
    for (let s = this.first; s < to; s++) {
      if (this.deleted.has(s)) continue;
      const id = this.idAt(s);
      if (id === 0) continue;
      // Unlinking the subject's first message moves its first along the chain.
      this.deleted.add(s);
      this.unlink(id, s);
      removed?.(s);
      n++;
    }
    this.first = seq;
    if (this.last < seq - 1) this.last = seq - 1;
    this.deleted.dropBelow(seq);
    for (const p of [...this.pages.keys()]) if ((p + 1) * PAGE_SIZE < seq) this.pages.delete(p);
    return n;
  }

  /** Forgets sequences at and after `seq` (a failed append rolled back). */
  truncate(seq: number): void {
    while (this.last >= seq) {
      const s = this.last;
      if (this.isLive(s)) {
        const id = this.idAt(s);
        this.deleted.add(s);
        this.unlink(id, s);
        // The previous message of the subject pointed at s: cut the link.
        const prev = this.lastOf(this.names[id]!) ;
        if (prev !== 0) this.page(prev, false)!.next[this.slot(prev)] = 0;
      }
      this.last = s - 1;
    }
    this.deleted.dropFrom(seq);
  }

  /** The index's state for a snapshot: views of its own arrays (encode before the next change). */
  exportState(): SubjectIndexState {
    const pages: IndexPage[] = [];
    for (const [no, p] of [...this.pages].sort((a, b) => a[0] - b[0])) pages.push({ no, subject: p.subject, size: p.size, next: p.next, time: p.time });
    return {
      first: this.first,
      last: this.last,
      live: this.live,
      liveBytes: this.liveBytes,
      subjectsLive: this.subjectsLive,
      names: this.names,
      firsts: this.firsts,
      lasts: this.lasts,
      counts: this.counts,
      freeIds: this.freeIds,
      pages,
      deleted: this.deleted.exportPages(),
    };
  }

  /** Replaces the index with a snapshot's state (taken by exportState; the arrays are kept, not copied). */
  importState(st: SubjectIndexState): void {
    this.reset(st.first);
    this.last = st.last;
    this.live = st.live;
    this.liveBytes = st.liveBytes;
    this.subjectsLive = st.subjectsLive;
    this.names = [...st.names];
    this.firsts = [...st.firsts];
    this.lasts = [...st.lasts];
    this.counts = [...st.counts];
    this.freeIds = [...st.freeIds];
    const free = new Set(st.freeIds);
    for (let id = 1; id < this.names.length; id++) if (!free.has(id)) this.ids.set(this.names[id]!, id);
    for (const pg of st.pages) {
      const page = new Page(1);
      page.subject = pg.subject;
      page.size = pg.size;
      page.next = pg.next;
      page.time = pg.time;
      this.pages.set(pg.no, page);
    }
    this.deleted.importPages(st.deleted);
  }

  /** Deleted sequences between first and last, ascending (deleted_details). */
  deletedList(): number[] {
    return this.deleted.list(this.first, this.last);
  }

  /** Approximate bytes held by the index (monitoring; docs/jetstream.md 1.16). */
  get memoryBytes(): number {
    let b = this.deleted.bytes;
    for (const p of this.pages.values()) b += p.subject.byteLength + p.size.byteLength + p.next.byteLength + p.time.byteLength;
    b += this.ids.size * 90;
    return b;
  }
}
