// What the in-memory engine stores, kept apart from the engine so that it can outlive one:
// a test or an application closes its log and opens a new one on the same volume, as a broker
// restarts on the same data directory. Nothing here touches a disk; the data lives as long as
// the volume object does (at most as long as the process).
//
// A partition is a list of units (the memory counterpart of segments), each a list of whole
// stored batches with their offsets. The bytes held are the batches' bytes plus a few numbers
// per batch, so memory is bounded by what is stored, and retention frees it a unit at a time.
import type { StoredTopic } from '../engine.js';
import type { UnitFacts } from '../units.js';

/** One unit of a partition: whole batches, in offset order. */
export class MemoryUnit implements UnitFacts {
  /** The stored batches (offsets stamped), each its own Buffer. */
  batches: Buffer[] = [];
  /** Base and last offset of each batch. */
  bases: number[] = [];
  lasts: number[] = [];
  size = 0;
  maxTimestamp = -1;
  sealed = false;
  /** Offset after the last batch stored here. */
  nextOffset: number;

  constructor(
    readonly baseOffset: number,
    public createdAt: number,
  ) {
    this.nextOffset = baseOffset;
  }

  /** Index of the first batch whose last offset is >= `offset` (batches.length when none is). */
  firstEndingAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.lasts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lasts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the batches from index `from` on; returns the bytes freed. */
  cutFrom(from: number): number {
    let freed = 0;
    for (let i = from; i < this.batches.length; i++) freed += this.batches[i]!.length;
    this.batches.length = this.bases.length = this.lasts.length = from;
    this.size -= freed;
    this.nextOffset = from > 0 ? this.lasts[from - 1]! + 1 : this.baseOffset;
    return freed;
  }

  /** Drops the first `count` batches; returns the bytes freed. */
  dropFirst(count: number): number {
    let freed = 0;
    for (let i = 0; i < count; i++) freed += this.batches[i]!.length;
    this.batches.splice(0, count);
    this.bases.splice(0, count);
    this.lasts.splice(0, count);
    this.size -= freed;
    return freed;
  }
}

/** The stored state of one partition. */
export class MemoryPartitionData {
  units: MemoryUnit[];
  logStartOffset = 0;
  endOffset = 0;
  /** Whether a partition store has it open (one at a time). */
  open = false;

  constructor(now: number) {
    this.units = [new MemoryUnit(0, now)];
  }
}

/** Everything one memory engine stores. Pass the same volume to a new engine to find it again. */
export class MemoryVolume {
  /** Committed topics, by topic id. */
  readonly topics = new Map<string, StoredTopic>();
  /** Partitions by `${topicId}/${partition}`. */
  readonly partitions = new Map<string, MemoryPartitionData>();
  readonly metadata = new Map<string, string>();
  /** Whether an engine has the volume open (one at a time, like the data-directory lock). */
  inUse = false;
  private _bytes = 0;

  /** Bytes of record batches held across all partitions. */
  get bytes(): number {
    return this._bytes;
  }

  /** Accounts bytes stored (positive) or freed (negative). */
  account(delta: number): void {
    this._bytes += delta;
  }
}

export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}/${partition}`;
}
