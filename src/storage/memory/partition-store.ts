// A partition of the in-memory engine: the PartitionStore contract without a disk. Appends
// stamp offsets in place and keep the batches (a compact copy when the caller's buffer is a
// view into a much larger allocation, such as a request frame), and are acknowledged in the
// order they were called. The durability policy has nothing to wait for: an acknowledged
// append is as durable as this engine gets (it lives as long as the volume), so the durable
// end is the acknowledged end. Units roll and retention frees them by the same rules as the
// local engine's segments (units.ts), the unit appended to included; compaction rewrites sealed
// units only.
import type {
  AppendResult,
  BatchRewrite,
  PartitionRef,
  PartitionStorageSettings,
  PartitionStore,
  ReadResult,
  RetentionRule,
  RewriteResult,
  TimestampLookup,
} from '../engine.js';
import { LogError } from '../../core/records/errors.js';
import { batchBaseOffset, batchLastOffsetDelta, batchMaxTimestamp, batchSize, stampBaseOffset } from '../../core/records/batch.js';
import { Mutex } from '../../util/mutex.js';
import { needsNewUnit, renumberedAppend, rewriteSealedUnits, unitsFreedByRetention } from '../units.js';
import { MemoryUnit, type MemoryPartitionData, type MemoryVolume } from './volume.js';

/** Extra backing bytes a kept view may pin before it is copied (the size of Node's buffer pool). */
const PINNED_SLACK = 8 * 1024;

/** A batch Buffer that pins no more memory than it holds (give or take the pool's slack). */
function compact(buf: Buffer): Buffer {
  return buf.buffer.byteLength > buf.length + PINNED_SLACK ? Buffer.from(buf) : buf;
}

export interface MemoryStoreLimits {
  /** Bytes the whole volume may hold; an append past it fails as a full disk would. */
  maxBytes: number;
}

export class MemoryPartitionStore implements PartitionStore {
  private closed = false;
  private readonly maintenanceLock = new Mutex();

  constructor(
    readonly ref: PartitionRef,
    private readonly data: MemoryPartitionData,
    private settings: PartitionStorageSettings,
    private readonly volume: MemoryVolume,
    private readonly limits: MemoryStoreLimits,
    private readonly onClose: () => void,
  ) {
    data.open = true;
  }

  get logStartOffset(): number {
    return this.data.logStartOffset;
  }
  get endOffset(): number {
    return this.data.endOffset;
  }
  get acknowledgedEnd(): number {
    return this.data.endOffset;
  }
  get durableEnd(): number {
    return this.data.endOffset;
  }
  get sizeBytes(): number {
    let n = 0;
    for (const u of this.data.units) n += u.size;
    return n;
  }
  /** A memory partition has no disk to fail: it never goes offline. */
  get failure(): LogError | null {
    return null;
  }
  /** Number of units (tests; not part of the engine interface). */
  get unitCount(): number {
    return this.data.units.length;
  }
  private get active(): MemoryUnit {
    return this.data.units[this.data.units.length - 1]!;
  }

  configure(settings: PartitionStorageSettings): void {
    this.settings = settings;
  }

  private unavailable(): LogError | null {
    return this.closed ? new LogError('NOT_LEADER_OR_FOLLOWER', `partition ${this.ref.topic}-${this.ref.partition} is closed`) : null;
  }

  append(batches: Buffer, lastOffsetDeltas: readonly number[], maxTimestamps: readonly number[], expectBase = -1): Promise<AppendResult> {
    const unavailable = this.unavailable();
    if (unavailable) return Promise.reject(unavailable);
    if (expectBase >= 0 && expectBase !== this.data.endOffset) return Promise.reject(renumberedAppend(this.ref, expectBase, this.data.endOffset));
    if (this.volume.bytes + batches.length > this.limits.maxBytes) {
      return Promise.reject(
        new LogError('KAFKA_STORAGE_ERROR', `append to ${this.ref.topic}-${this.ref.partition} failed: the memory engine's limit of ${this.limits.maxBytes} bytes is reached (memory full)`),
      );
    }
    const now = Date.now();
    let span = 0;
    for (const d of lastOffsetDeltas) span += d + 1;
    let unit = this.active;
    if (needsNewUnit(this.settings, unit, 0, batches.length, now, this.data.endOffset, span)) unit = this.roll(now);
    if (unit.size === 0) unit.createdAt = now;
    const baseOffset = this.data.endOffset;
    // Offsets are stamped into the caller's buffer (the log hands it on to its readers and
    // listeners); what is kept is that buffer, or a compact copy of it.
    let pos = 0;
    let end = baseOffset;
    for (let i = 0; i < lastOffsetDeltas.length; i++) {
      stampBaseOffset(batches, pos, end);
      end += lastOffsetDeltas[i]! + 1;
      pos += batchSize(batches, pos);
    }
    const kept = compact(batches);
    pos = 0;
    let base = baseOffset;
    for (let i = 0; i < lastOffsetDeltas.length; i++) {
      const size = batchSize(kept, pos);
      const last = base + lastOffsetDeltas[i]!;
      unit.batches.push(kept.subarray(pos, pos + size));
      unit.bases.push(base);
      unit.lasts.push(last);
      unit.size += size;
      if (maxTimestamps[i]! > unit.maxTimestamp) unit.maxTimestamp = maxTimestamps[i]!;
      base = last + 1;
      pos += size;
    }
    unit.nextOffset = end;
    this.data.endOffset = end;
    this.volume.account(batches.length);
    return Promise.resolve({ baseOffset, lastOffset: end - 1 });
  }

  private roll(now: number): MemoryUnit {
    this.active.sealed = true;
    const next = new MemoryUnit(this.data.endOffset, now);
    this.data.units.push(next);
    return next;
  }

  /** Index of the last unit whose base offset is <= offset (0 when none is). */
  private unitIndexFor(offset: number): number {
    const units = this.data.units;
    let lo = 0;
    let hi = units.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (units[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  async read(offset: number, maxBytes: number, maxOffset?: number): Promise<ReadResult> {
    const unavailable = this.unavailable();
    if (unavailable) throw unavailable;
    const limit = Math.min(maxOffset ?? Infinity, this.data.endOffset);
    const chunks: Buffer[] = [];
    let bytes = 0;
    let nextOffset = offset;
    if (offset >= limit) return { chunks, bytes, nextOffset };
    const units = this.data.units;
    for (let u = this.unitIndexFor(offset); u < units.length; u++) {
      const unit = units[u]!;
      for (let i = unit.firstEndingAtOrAfter(offset); i < unit.batches.length; i++) {
        const batch = unit.batches[i]!;
        if (unit.bases[i]! >= limit || (chunks.length > 0 && bytes + batch.length > maxBytes)) return { chunks, bytes, nextOffset };
        chunks.push(batch);
        bytes += batch.length;
        nextOffset = unit.lasts[i]! + 1;
      }
    }
    return { chunks, bytes, nextOffset };
  }

  async offsetForTimestamp(timestamp: number): Promise<TimestampLookup | null> {
    const unavailable = this.unavailable();
    if (unavailable) throw unavailable;
    const start = this.data.logStartOffset;
    for (const unit of this.data.units) {
      if (unit.maxTimestamp < timestamp || unit.nextOffset <= start) continue;
      for (let i = 0; i < unit.batches.length; i++) {
        const ts = batchMaxTimestamp(unit.batches[i]!);
        if (ts >= timestamp && unit.lasts[i]! >= start) return { offset: Math.max(unit.bases[i]!, start), timestamp: ts };
      }
    }
    return null;
  }

  deleteBefore(offset: number): Promise<void> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      const target = Math.min(offset, this.data.endOffset);
      if (target <= this.data.logStartOffset) return;
      this.data.logStartOffset = target;
      this.freeBelowStart();
    });
  }

  applyRetention(rule: RetentionRule): Promise<number> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      const units = this.data.units;
      const n = unitsFreedByRetention(units, rule, this.data.logStartOffset, this.data.endOffset);
      if (n === 0) return this.data.logStartOffset;
      // The unit appended to goes too (Kafka's roll then delete): a new one starts at the end.
      if (n === units.length) this.roll(Date.now());
      this.data.logStartOffset = Math.max(this.data.logStartOffset, units[n]!.baseOffset);
      this.freeBelowStart();
      return this.data.logStartOffset;
    });
  }

  /** Frees every batch that ends below the log start offset, and the units left empty (never the last). */
  private freeBelowStart(): void {
    const start = this.data.logStartOffset;
    const units = this.data.units;
    while (units.length > 0) {
      const unit = units[0]!;
      const below = unit.firstEndingAtOrAfter(start);
      if (below > 0) this.volume.account(-unit.dropFirst(below));
      if (unit.batches.length > 0 || units.length === 1) break;
      units.shift();
    }
  }

  truncateTo(offset: number): Promise<void> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      if (offset >= this.data.endOffset) return;
      const units = this.data.units;
      while (units.length > 1 && this.active.baseOffset >= offset) this.volume.account(-units.pop()!.size);
      const unit = this.active;
      this.volume.account(-unit.cutFrom(unit.firstEndingAtOrAfter(offset)));
      unit.sealed = false;
      this.data.endOffset = unit.nextOffset;
      if (this.data.logStartOffset > this.data.endOffset) this.data.logStartOffset = this.data.endOffset;
    });
  }

  rewrite(upTo: number, fn: BatchRewrite, from = 0): Promise<RewriteResult> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      return rewriteSealedUnits(this.data.units, upTo, (unit) => this.rewriteUnit(unit, fn), () => this.closed, from);
    });
  }

  /** Filters the batches of a sealed unit through `fn`, swaps the result in; returns its size. */
  private async rewriteUnit(unit: MemoryUnit, fn: BatchRewrite): Promise<number> {
    const batches: Buffer[] = [];
    const bases: number[] = [];
    const lasts: number[] = [];
    let size = 0;
    let changed = false;
    for (let i = 0; i < unit.batches.length; i++) {
      const batch = unit.batches[i]!;
      const result = await fn(batch);
      if (result !== batch) changed = true;
      if (!result) continue;
      const kept = result === batch ? batch : compact(result);
      const base = batchBaseOffset(kept);
      batches.push(kept);
      bases.push(base);
      lasts.push(base + batchLastOffsetDelta(kept));
      size += kept.length;
    }
    if (!changed) return unit.size;
    this.volume.account(size - unit.size);
    if (batches.length === 0) {
      // Everything in the unit was compacted away (a sealed unit is never the last one).
      this.data.units.splice(this.data.units.indexOf(unit), 1);
      return 0;
    }
    unit.batches = batches;
    unit.bases = bases;
    unit.lasts = lasts;
    unit.size = size;
    return size;
  }

  /** Nothing is pending and nothing goes to disk: an acknowledged append is already all it will be. */
  async checkpoint(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.maintenanceLock.run(async () => {});
    this.data.open = false;
    this.onClose();
  }
}
