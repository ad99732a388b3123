// The byte-level store under every typed store: ordered by the keys' bytes (as RocksDB and LMDB
// order them), so that range and prefix scans of window and session stores work the same over
// the in-memory and the persistent engine.
//
// The in-memory engine keeps a Map for point lookups and a sorted key index that is brought up
// to date only when a scan needs it: a count() store that is never scanned pays nothing for order.

export interface BytesStore {
  readonly persistent: boolean;
  get(key: Buffer): Buffer | undefined;
  put(key: Buffer, value: Buffer): void;
  delete(key: Buffer): void;
  /** Entries with from <= key < to in byte order (null bounds are open). */
  range(from: Buffer | null, to: Buffer | null): Iterable<[Buffer, Buffer]>;
  count(): number;
  /** Makes writes durable (persistent engines); a no-op in memory. */
  flush(): void;
  /** The changelog offsets this store's content corresponds to, if the engine keeps them. */
  readCheckpoint(): Map<string, number>;
  writeCheckpoint(offsets: Map<string, number>): void;
  /** Removes every entry and the checkpoint. */
  wipe(): void;
  close(): void;
}

/** Latin-1 maps each byte to one UTF-16 unit, so string order is byte order and keys are cheap. */
export function bytesKey(b: Buffer): string {
  return b.toString('latin1');
}

export class InMemoryBytesStore implements BytesStore {
  readonly persistent = false;
  private readonly map = new Map<string, [Buffer, Buffer]>();
  private sorted: string[] = [];
  private added: string[] = [];
  private removed = 0;

  get(key: Buffer): Buffer | undefined {
    return this.map.get(bytesKey(key))?.[1];
  }

  put(key: Buffer, value: Buffer): void {
    const k = bytesKey(key);
    const had = this.map.has(k);
    this.map.set(k, [key, value]);
    if (!had) this.added.push(k);
  }

  delete(key: Buffer): void {
    if (this.map.delete(bytesKey(key))) this.removed++;
  }

  count(): number {
    return this.map.size;
  }

  *range(from: Buffer | null, to: Buffer | null): Iterable<[Buffer, Buffer]> {
    const index = this.index();
    const lo = from === null ? 0 : lowerBound(index, bytesKey(from));
    const hi = to === null ? null : bytesKey(to);
    for (let i = lo; i < index.length; i++) {
      const k = index[i]!;
      if (hi !== null && k >= hi) return;
      const e = this.map.get(k);
      if (e) yield e;
    }
  }

  private index(): string[] {
    if (this.removed > 0) {
      this.sorted = this.sorted.filter((k) => this.map.has(k));
      this.removed = 0;
    }
    if (this.added.length > 0) {
      const fresh = this.added.filter((k) => this.map.has(k));
      this.added = [];
      if (fresh.length * 8 > this.sorted.length) {
        this.sorted = [...new Set([...this.sorted, ...fresh])].sort();
      } else {
        for (const k of fresh) {
          const at = lowerBound(this.sorted, k);
          if (this.sorted[at] !== k) this.sorted.splice(at, 0, k);
        }
      }
    }
    return this.sorted;
  }

  flush(): void {}

  readCheckpoint(): Map<string, number> {
    return new Map();
  }

  writeCheckpoint(): void {}

  wipe(): void {
    this.map.clear();
    this.sorted = [];
    this.added = [];
    this.removed = 0;
  }

  close(): void {}
}

function lowerBound(a: string[], k: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest key greater than every key that starts with `prefix` (null: none exists). */
export function prefixEnd(prefix: Buffer): Buffer | null {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return null;
}
