// A partition on local disk: an ordered list of segments, the last one active. Appends go
// through a queue drained by one writer loop, which is where group commit happens: every
// append that arrives while a write+fsync is in flight joins the next group, and the whole
// group is written with one writev and made durable with one fdatasync. Offsets are assigned
// when a group is taken, so a failed group (disk full, I/O error) is cut from the file and
// rejected without leaving holes, and the appends queued behind it simply go next.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { DamageRecoveryMode } from '../../config.js';
import type {
  AppendResult,
  BatchRewrite,
  PartitionRef,
  PartitionStorageSettings,
  PartitionStore,
  OffsetRange,
  ReadResult,
  SalvageFacts,
  RetentionRule,
  RewriteResult,
  StorageObserver,
  TimestampLookup,
} from '../engine.js';
import { LogError, StorageCorruptionError } from '../../core/records/errors.js';
import {
  BATCH_HEADER_SIZE,
  CURRENT_MAGIC,
  OFFSET_MAGIC,
  batchBaseOffset,
  batchCrcValid,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchSize,
  stampBaseOffset,
} from '../../core/records/batch.js';
import { CLEANED_SUFFIX, Segment, segmentFileName } from './segment.js';
import type { SegmentIndex } from './segment-index.js';
import { recoverSegments, scanSegment } from './recovery.js';
import { Mutex } from '../../util/mutex.js';
import type { ReadBuffers } from '../../util/buffer-pool.js';
import { needsNewUnit, renumberedAppend, rewriteSealedUnits, unitsFreedByRetention } from '../units.js';
import { storageError, unlinkIfExists, writeFileAtomic } from './fs-util.js';
import { IndexBudget } from './index-budget.js';
import { InlineSyncPolicy } from './inline-sync.js';

interface PendingAppend {
  buf: Buffer;
  lastOffsetDeltas: readonly number[];
  maxTimestamps: readonly number[];
  baseOffset: number;
  lastOffset: number;
  /** The base offset the caller numbered it with (-1: none): see PartitionStore.append. */
  expectBase: number;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

export interface LocalStoreOptions {
  logger: Logger;
  /** Check the CRC of batches read from files before serving them (cheap with hardware CRC-32C). */
  verifyReads: boolean;
  /** Measures fsyncs and group commits for the monitor, when it is set. */
  observer?: StorageObserver | null;
  /** Memory budget of segment indexes, shared by the engine's partitions (unbounded when absent). */
  indexBudget?: IndexBudget;
  /** Shared by the engine's partitions: whether an append group may fsync on the event loop. */
  inlineSync?: InlineSyncPolicy;
  /**
   * What recovery does with damage followed by valid batches in a user topic: cut the damaged
   * bytes out and keep the rest ('salvage', the default), or take the partition offline.
   * Internal topics (names starting with `__`) always go offline: a record lost there silently
   * could bring back a revoked ACL or a stale transaction.
   */
  damageRecovery?: DamageRecovery;
}

export type DamageRecovery = DamageRecoveryMode;

const STATE_FILE = 'partition.json';
/** Minimum bytes read from a file per read call, so that small fetches do not cost a syscall each batch. */
const MIN_READ = 64 * 1024;
/**
 * What a point read (maxBytes below this: one message, as a JetStream direct get or KV get asks)
 * reads past the index entry: a typical batch. A larger batch is read again at its size. Reading
 * MIN_READ for each of them cost a 64 KiB buffer and copy per get (KV get at 20 000 keys: 259 µs
 * of broker CPU per get, a quarter of it in the garbage collector).
 */
const POINT_READ = 4 * 1024;
const REWRITE_CHUNK = 1024 * 1024;

export class LocalPartitionStore implements PartitionStore {
  private segments: Segment[] = [];
  private queue: PendingAppend[] = [];
  private writer: Promise<void> | null = null;
  private writeLock = new Mutex();
  private maintenanceLock = new Mutex();
  private syncTimer: NodeJS.Timeout | null = null;
  private _logStartOffset = 0;
  private _endOffset = 0;
  private _ackedEnd = 0;
  private _durableEnd = 0;
  private _failure: LogError | null = null;
  /** Offset ranges salvage dropped, at or above the log start offset (persisted in partition.json). */
  private lost: OffsetRange[] = [];
  private _salvaged: SalvageFacts = { ranges: 0, offsets: 0, bytes: 0 };
  private closed = false;
  private readonly log: Logger;
  private readonly budget: IndexBudget;
  private readonly inlineSync: InlineSyncPolicy;
  /** Counters for tests and metrics: groups written and fdatasyncs issued by the append path (and how many of those ran inline). */
  readonly stats = { groups: 0, appends: 0, syncs: 0, inlineSyncs: 0 };

  private constructor(
    readonly ref: PartitionRef,
    readonly dir: string,
    private settings: PartitionStorageSettings,
    private readonly opts: LocalStoreOptions,
  ) {
    this.log = opts.logger.child({ topic: ref.topic, partition: ref.partition });
    this.budget = opts.indexBudget ?? new IndexBudget(Infinity);
    this.inlineSync = opts.inlineSync ?? new InlineSyncPolicy();
  }

  /** Opens (recovering) or creates the partition in `dir`. */
  static async open(ref: PartitionRef, dir: string, settings: PartitionStorageSettings, opts: LocalStoreOptions): Promise<LocalPartitionStore> {
    const store = new LocalPartitionStore(ref, dir, settings, opts);
    await store.recover();
    return store;
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }
  get endOffset(): number {
    return this._endOffset;
  }
  get acknowledgedEnd(): number {
    return this._ackedEnd;
  }
  get durableEnd(): number {
    return this._durableEnd;
  }
  get failure(): LogError | null {
    return this._failure;
  }
  get lostRanges(): readonly OffsetRange[] {
    return this.lost;
  }
  get salvaged(): SalvageFacts {
    return this._salvaged;
  }
  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }
  /** Number of segment files (tests and metrics; not part of the engine interface). */
  get segmentCount(): number {
    return this.segments.length;
  }
  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  configure(settings: PartitionStorageSettings): void {
    this.settings = settings;
  }

  private async recover(): Promise<void> {
    const started = Date.now();
    const state = await readState(join(this.dir, STATE_FILE));
    this._logStartOffset = state.logStartOffset;
    this.lost = state.lostRanges;
    const salvage = (this.opts.damageRecovery ?? 'salvage') === 'salvage' && !this.ref.topic.startsWith('__');
    const { segments, rebuilt, truncatedBytes, damaged } = await recoverSegments(this.dir, {
      indexInterval: this.settings.indexIntervalBytes,
      logger: this.log,
      salvage,
      lostRanges: this.lost,
      recordLost: async (ranges) => {
        this.lost = mergeRanges([...this.lost, ...ranges]);
        await this.persistState();
      },
    });
    for (const d of damaged) {
      this._salvaged.ranges++;
      this._salvaged.bytes += d.toByte - d.fromByte;
      if (d.lost !== null) this._salvaged.offsets += d.lost.to - d.lost.from + 1;
    }
    this.segments = segments;
    this._logStartOffset = Math.max(state.logStartOffset, segments[0]?.baseOffset ?? 0);
    // Segments wholly below the log start offset were being deleted when the broker stopped.
    while (this.segments.length > 1 && this.segments[0]!.nextOffset <= this._logStartOffset) {
      const seg = this.segments.shift()!;
      await seg.close();
      await seg.deleteFiles();
    }
    if (this.segments.length === 0) {
      this.segments.push(await Segment.create(this.dir, this._logStartOffset, Date.now()));
    }
    for (const seg of this.segments) {
      if (seg !== this.active) this.sealedIndex(seg);
    }
    this.budget.activate(this.active);
    this._endOffset = this._ackedEnd = this._durableEnd = this.active.nextOffset;
    if (this._logStartOffset > this._endOffset) this._logStartOffset = this._endOffset;
    if (rebuilt > 0 || truncatedBytes > 0 || damaged.length > 0) {
      this.log.info({ segments: this.segments.length, rebuilt, truncatedBytes, salvagedRanges: damaged.length, lostOffsets: this._salvaged.offsets, ms: Date.now() - started, endOffset: this._endOffset }, 'partition recovered');
    }
  }

  // ------------------------------------------------------------------------------------------
  // Appends and group commit

  append(batches: Buffer, lastOffsetDeltas: readonly number[], maxTimestamps: readonly number[], expectBase = -1): Promise<AppendResult> {
    const unavailable = this.unavailable();
    if (unavailable) return Promise.reject(unavailable);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ buf: batches, lastOffsetDeltas, maxTimestamps, baseOffset: -1, lastOffset: -1, expectBase, resolve, reject });
      if (!this.writer) this.writer = this.drain();
    });
  }

  private unavailable(): LogError | null {
    if (this._failure) return this._failure;
    if (this.closed) return new LogError('NOT_LEADER_OR_FOLLOWER', `partition ${this.ref.topic}-${this.ref.partition} is closed`);
    return null;
  }

  private async drain(): Promise<void> {
    this.inlineSync.enter();
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.queue.length);
        await this.writeLock.run(() => this.writeGroup(group));
      }
    } finally {
      this.inlineSync.leave();
      this.writer = null;
    }
  }

  private async writeGroup(all: PendingAppend[]): Promise<void> {
    // Appends queued before close() still go in; only a failed partition refuses them.
    const failure = this._failure;
    if (failure) {
      for (const p of all) p.reject(failure);
      return;
    }
    const group = this.refuseRenumbered(all);
    if (group.length === 0) return;
    const firstIndex = this.segments.length - 1;
    const mark = this.active.mark();
    const endBefore = this._endOffset;
    const now = Date.now();
    let seg = this.active;
    let run: Buffer[] = [];
    let runBytes = 0;
    try {
      for (const p of group) {
        const span = p.lastOffsetDeltas.reduce((a, d) => a + d + 1, 0);
        if (needsNewUnit(this.settings, seg, runBytes, p.buf.length, now, this._endOffset, span)) {
          if (runBytes > 0) await seg.write(run, runBytes);
          run = [];
          runBytes = 0;
          seg = await this.roll(seg, now);
        }
        if (seg.size + runBytes === 0) seg.createdAt = now;
        let pos = 0;
        for (let i = 0; i < p.lastOffsetDeltas.length; i++) {
          const size = batchSize(p.buf, pos);
          const base = this._endOffset;
          stampBaseOffset(p.buf, pos, base);
          const last = base + p.lastOffsetDeltas[i]!;
          seg.track(seg.size + runBytes + pos, size, base, last, p.maxTimestamps[i]!, this.settings.indexIntervalBytes);
          if (i === 0) p.baseOffset = base;
          p.lastOffset = last;
          this._endOffset = last + 1;
          pos += size;
        }
        run.push(p.buf);
        runBytes += p.buf.length;
      }
      if (runBytes > 0) await seg.write(run, runBytes);
      const observer = this.opts.observer ?? null;
      if (this.settings.durability === 'always') {
        const started = performance.now();
        if (this.inlineSync.inline()) {
          this.inlineSync.syncInline(seg.fd);
          this.stats.inlineSyncs++;
        } else {
          await seg.datasync();
          this.inlineSync.recordPooled(performance.now() - started);
        }
        this.stats.syncs++;
        if (observer !== null) observer.fsync((performance.now() - started) / 1_000);
      }
      this.stats.groups++;
      this.stats.appends += group.length;
      if (observer !== null) {
        let bytes = 0;
        for (const p of group) bytes += p.buf.length;
        observer.groupCommit(group.length, bytes);
      }
    } catch (e) {
      const err = storageError(`append to ${this.ref.topic}-${this.ref.partition} failed`, e);
      this.log.error({ err: e }, 'append failed; cutting the partial write from the log');
      await this.rollbackGroup(firstIndex, mark, endBefore, err);
      for (const p of group) p.reject(err);
      return;
    }
    for (let i = firstIndex; i < this.segments.length; i++) this.segments[i]!.readable = this.segments[i]!.size;
    this._ackedEnd = this._endOffset;
    if (this.settings.durability === 'always') this._durableEnd = this._ackedEnd;
    else if (this.settings.durability === 'interval') this.scheduleSync();
    for (const p of group) p.resolve({ baseOffset: p.baseOffset, lastOffset: p.lastOffset });
  }

  /**
   * Refuses, unwritten, the appends of a group that would not get the base offset their caller
   * numbered them with (an append before them failed and took no offsets back); the others
   * keep their order and get consecutive offsets.
   */
  private refuseRenumbered(group: PendingAppend[]): PendingAppend[] {
    let end = this._endOffset;
    let kept: PendingAppend[] | null = null;
    for (let i = 0; i < group.length; i++) {
      const p = group[i]!;
      if (p.expectBase >= 0 && p.expectBase !== end) {
        kept ??= group.slice(0, i);
        p.reject(renumberedAppend(this.ref, p.expectBase, end));
        continue;
      }
      for (const d of p.lastOffsetDeltas) end += d + 1;
      kept?.push(p);
    }
    return kept ?? group;
  }

  /** Seals `seg` (fsync + index) and starts the next segment at its end. */
  private async roll(seg: Segment, now: number): Promise<Segment> {
    await seg.seal();
    this._durableEnd = Math.max(this._durableEnd, Math.min(this._ackedEnd, seg.nextOffset));
    const next = await Segment.create(this.dir, seg.nextOffset, now);
    this.segments.push(next);
    this.sealedIndex(seg);
    this.budget.activate(next);
    return next;
  }

  /** A sealed segment's index joins the budget's cache (which may evict it or others). */
  private sealedIndex(seg: Segment): void {
    seg.index.compact();
    this.budget.touch(seg);
  }

  /** The index of `seg` for a lookup, read back if it was evicted; a sealed one counts as used. */
  private async indexOf(seg: Segment): Promise<SegmentIndex> {
    const index = await seg.lookupIndex();
    if (seg.sealed) this.budget.touch(seg);
    return index;
  }

  /** A segment leaves the partition: its handle closes once unused, its index leaves the budget. */
  private retire(seg: Segment): void {
    this.budget.forget(seg);
    seg.retire();
  }

  /** Undoes a failed group: removes segments it created, cuts its bytes, restores the end offset. */
  private async rollbackGroup(firstIndex: number, mark: ReturnType<Segment['mark']>, endBefore: number, cause: LogError): Promise<void> {
    try {
      for (const s of this.segments.splice(firstIndex + 1)) {
        this.budget.forget(s);
        await s.close();
        await s.deleteFiles();
      }
      const seg = this.segments[firstIndex]!;
      // Sealed by the failed group, its index may have been evicted since: it is written again.
      await seg.lookupIndex();
      seg.sealed = false;
      this.budget.activate(seg);
      await unlinkIfExists(seg.indexPath);
      await seg.rollback(mark);
      this._endOffset = endBefore;
    } catch (e) {
      this.goOffline(storageError(`could not roll back a failed append (${cause.message})`, e));
    }
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      if (this.closed) return; // close() fsyncs everything itself
      void this.syncNow().catch((e) => this.goOffline(storageError(`fsync of ${this.ref.topic}-${this.ref.partition} failed`, e)));
    }, this.settings.durabilityIntervalMs);
    this.syncTimer.unref();
  }

  /** fsyncs what has been acknowledged so far (the 'interval' policy's timer, and checkpoints). */
  private async syncNow(): Promise<void> {
    const target = this._ackedEnd;
    if (target <= this._durableEnd) return;
    // Data before the active segment was fsynced when that segment was sealed.
    const seg = this.active;
    seg.acquire();
    const observer = this.opts.observer ?? null;
    const started = observer !== null ? performance.now() : 0;
    try {
      await seg.datasync();
    } finally {
      seg.release();
    }
    if (observer !== null) observer.fsync((performance.now() - started) / 1_000);
    this._durableEnd = Math.max(this._durableEnd, target);
  }

  private goOffline(err: LogError): void {
    if (this._failure) return;
    this._failure = err;
    this.log.error({ err }, 'partition taken offline');
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  async read(offset: number, maxBytes: number, maxOffset?: number, buffers?: ReadBuffers): Promise<ReadResult> {
    const unavailable = this.unavailable();
    if (unavailable) throw unavailable;
    const limit = Math.min(maxOffset ?? Infinity, this._ackedEnd);
    if (offset >= limit) return { chunks: [], bytes: 0, nextOffset: offset };
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.nextOffset <= offset) continue;
      seg.acquire();
      try {
        const r = await this.readSegment(seg, offset, maxBytes, limit, buffers);
        if (r) return r;
      } finally {
        seg.release();
      }
    }
    return { chunks: [], bytes: 0, nextOffset: offset };
  }

  /** Index of the last segment whose base offset is <= offset (0 when none is). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private async readSegment(seg: Segment, offset: number, maxBytes: number, limit: number, buffers: ReadBuffers | undefined): Promise<ReadResult | null> {
    const end = seg.readable;
    let pos = (await this.indexOf(seg)).positionForOffset(offset);
    let prevEnd = seg.baseOffset;
    const budget = (maxBytes < POINT_READ ? POINT_READ : Math.max(maxBytes, MIN_READ)) + this.settings.indexIntervalBytes;
    let want = budget;
    while (pos < end) {
      const expect = Math.min(want, end - pos);
      const buf = await seg.read(pos, expect, buffers);
      if (buf.length < expect) throw this.corruption(seg, pos + buf.length, 'file is shorter than its acknowledged data');
      let p = 0;
      let first = -1;
      let firstEnd = -1;
      let nextOffset = offset;
      let done = false;
      while (buf.length - p >= BATCH_HEADER_SIZE) {
        const size = batchSize(buf, p);
        if (size < BATCH_HEADER_SIZE || buf[p + OFFSET_MAGIC] !== CURRENT_MAGIC) throw this.corruption(seg, pos + p, 'invalid batch header');
        if (p + size > buf.length) {
          want = Math.max(budget, size);
          break;
        }
        const base = batchBaseOffset(buf, p);
        const last = base + batchLastOffsetDelta(buf, p);
        // The base offset is outside the CRC: check it against its neighbours instead.
        if (base < prevEnd || last >= seg.nextOffset) throw this.corruption(seg, pos + p, `batch offsets ${base}-${last} out of order`);
        prevEnd = last + 1;
        if (base >= limit) {
          done = true;
          break;
        }
        if (last >= offset) {
          if (first >= 0 && p + size - first > maxBytes) {
            done = true;
            break;
          }
          if (this.opts.verifyReads && !batchCrcValid(buf, p, size)) throw this.corruption(seg, pos + p, 'CRC-32C mismatch');
          if (first < 0) first = p;
          firstEnd = p + size;
          nextOffset = last + 1;
        }
        p += size;
      }
      if (first >= 0) {
        const chunk = buf.subarray(first, firstEnd);
        return { chunks: [chunk], bytes: chunk.length, nextOffset };
      }
      // The next batch is past the limit: so is everything in later segments.
      if (done) return { chunks: [], bytes: 0, nextOffset: offset };
      if (buf.length - p < BATCH_HEADER_SIZE && pos + buf.length >= end && p < buf.length) {
        throw this.corruption(seg, pos + p, 'incomplete batch at the end of acknowledged data');
      }
      pos += p;
    }
    return null;
  }

  private corruption(seg: Segment, position: number, what: string): StorageCorruptionError {
    const err = new StorageCorruptionError(`corrupt data in ${seg.logPath} at byte ${position}: ${what}`, seg.logPath, position);
    this.goOffline(err);
    return err;
  }

  async offsetForTimestamp(timestamp: number): Promise<TimestampLookup | null> {
    const unavailable = this.unavailable();
    if (unavailable) throw unavailable;
    for (const seg of this.segments) {
      if (seg.maxTimestamp < timestamp || seg.nextOffset <= this._logStartOffset) continue;
      seg.acquire();
      try {
        let pos = (await this.indexOf(seg)).positionForTimestamp(timestamp);
        const end = seg.readable;
        while (pos < end) {
          const buf = await seg.read(pos, Math.min(end - pos, MIN_READ * 4));
          let p = 0;
          while (buf.length - p >= BATCH_HEADER_SIZE) {
            const size = batchSize(buf, p);
            if (size < BATCH_HEADER_SIZE) throw this.corruption(seg, pos + p, 'invalid batch header');
            if (p + size > buf.length) {
              if (p === 0) {
                // A batch larger than the read: its header is all that is needed.
                p = size;
                const ts0 = batchMaxTimestamp(buf, 0);
                const base0 = batchBaseOffset(buf, 0);
                if (ts0 >= timestamp && base0 + batchLastOffsetDelta(buf, 0) >= this._logStartOffset) {
                  return { offset: Math.max(base0, this._logStartOffset), timestamp: ts0 };
                }
              }
              break;
            }
            const ts = batchMaxTimestamp(buf, p);
            const base = batchBaseOffset(buf, p);
            if (base >= this._ackedEnd) return null;
            if (ts >= timestamp && base + batchLastOffsetDelta(buf, p) >= this._logStartOffset) {
              return { offset: Math.max(base, this._logStartOffset), timestamp: ts };
            }
            p += size;
          }
          if (p === 0) break;
          pos += p;
        }
      } finally {
        seg.release();
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Log start offset, retention, truncation

  deleteBefore(offset: number): Promise<void> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      const target = Math.min(offset, this._ackedEnd);
      if (target <= this._logStartOffset) return;
      this._logStartOffset = target;
      await this.persistState();
      await this.dropWhollyBelowStart();
    });
  }

  applyRetention(rule: RetentionRule): Promise<number> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      let n = this.freedByRetention(rule);
      if (n === 0) return this._logStartOffset;
      if (n === this.segments.length) {
        // The active segment goes too (Kafka's roll then delete): a new one starts at the end of
        // the log first, between appends, and the decision is taken again there, since appends
        // may have come in meanwhile.
        n = await this.writeLock.run(async () => {
          const again = this.freedByRetention(rule);
          if (again === this.segments.length && !this._failure) {
            const seg = this.active;
            try {
              await this.roll(seg, Date.now());
            } catch (e) {
              // Still the segment appended to (no new one was created): open it for appends again.
              if (this.active === seg) seg.sealed = false;
              throw storageError(`rolling ${this.ref.topic}-${this.ref.partition} for retention failed`, e);
            }
          }
          return again;
        });
        if (n === 0 || this._failure) return this._logStartOffset;
      }
      const newStart = Math.max(this._logStartOffset, this.segments[n]!.baseOffset);
      if (newStart > this._logStartOffset) {
        this._logStartOffset = newStart;
        await this.persistState();
      }
      await this.dropWhollyBelowStart();
      return this._logStartOffset;
    });
  }

  private freedByRetention(rule: RetentionRule): number {
    return unitsFreedByRetention(this.segments, rule, this._logStartOffset, this._ackedEnd);
  }

  /** Deletes sealed segments that hold nothing at or above the log start offset. */
  private async dropWhollyBelowStart(): Promise<void> {
    while (this.segments.length > 1 && this.segments[0]!.sealed && this.segments[0]!.nextOffset <= this._logStartOffset) {
      const seg = this.segments.shift()!;
      this.retire(seg);
      await seg.deleteFiles();
      this.log.debug({ file: seg.logPath }, 'deleted segment below the log start offset');
    }
  }

  private async persistState(): Promise<void> {
    // Lost ranges wholly below the log start offset are gone with the data around them.
    this.lost = this.lost.filter((r) => r.to >= this._logStartOffset);
    const state: { logStartOffset: number; lostRanges?: Array<[number, number]> } = { logStartOffset: this._logStartOffset };
    if (this.lost.length > 0) state.lostRanges = this.lost.map((r) => [r.from, r.to]);
    await writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify(state) + '\n', this.dir);
  }

  truncateTo(offset: number): Promise<void> {
    return this.maintenanceLock.run(() =>
      this.writeLock.run(async () => {
        const unavailable = this.unavailable();
        if (unavailable) throw unavailable;
        if (offset >= this._endOffset) return;
        while (this.segments.length > 1 && this.active.baseOffset >= offset) {
          const seg = this.segments.pop()!;
          this.retire(seg);
          await seg.deleteFiles();
        }
        const seg = this.active;
        // Find the first batch that ends at or after `offset`; everything from it on goes.
        let cut = seg.size;
        let pos = (await seg.lookupIndex()).positionForOffset(offset);
        this.budget.activate(seg);
        outer: while (pos < seg.size) {
          const buf = await seg.read(pos, Math.min(seg.size - pos, MIN_READ * 4));
          let p = 0;
          while (buf.length - p >= BATCH_HEADER_SIZE) {
            const size = batchSize(buf, p);
            if (batchBaseOffset(buf, p) + batchLastOffsetDelta(buf, p) >= offset) {
              cut = pos + p;
              break outer;
            }
            if (p + size > buf.length) break;
            p += size;
          }
          if (p === 0) p = batchSize(buf, 0);
          pos += p;
        }
        await seg.truncateFile(cut);
        seg.resetFacts();
        await scanSegment(seg, 0, this.settings.indexIntervalBytes);
        await seg.datasync();
        seg.readable = seg.size;
        seg.sealed = false;
        this._endOffset = this._ackedEnd = seg.nextOffset;
        this._durableEnd = Math.min(this._durableEnd, this._endOffset);
        // Lost ranges at or past the new end are offsets the next appends take again.
        const end = this._endOffset;
        const lostBefore = this.lost.length;
        const clipped = this.lost.some((r) => r.to >= end);
        if (clipped) this.lost = this.lost.filter((r) => r.from < end).map((r) => ({ from: r.from, to: Math.min(r.to, end - 1) }));
        if (this._logStartOffset > this._endOffset || clipped || this.lost.length !== lostBefore) {
          this._logStartOffset = Math.min(this._logStartOffset, this._endOffset);
          await this.persistState();
        }
      }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Compaction

  rewrite(upTo: number, fn: BatchRewrite, from = 0): Promise<RewriteResult> {
    return this.maintenanceLock.run(async () => {
      const unavailable = this.unavailable();
      if (unavailable) throw unavailable;
      return rewriteSealedUnits(this.segments, upTo, (seg) => this.rewriteSegment(seg, fn), () => this.closed, from);
    });
  }

  /** Writes a filtered copy of a sealed segment and swaps it in; returns its size. */
  private async rewriteSegment(seg: Segment, fn: BatchRewrite): Promise<number> {
    const tmpPath = join(this.dir, segmentFileName(seg.baseOffset, CLEANED_SUFFIX));
    await unlinkIfExists(tmpPath);
    const out = await open(tmpPath, 'wx');
    let outSize = 0;
    let changed = false;
    seg.acquire();
    try {
      let pos = 0;
      let want = REWRITE_CHUNK;
      while (pos < seg.size) {
        const buf = await seg.read(pos, Math.min(want, seg.size - pos));
        let p = 0;
        const kept: Buffer[] = [];
        let keptBytes = 0;
        want = REWRITE_CHUNK;
        while (buf.length - p >= BATCH_HEADER_SIZE) {
          const size = batchSize(buf, p);
          if (size < BATCH_HEADER_SIZE) throw this.corruption(seg, pos + p, 'invalid batch header');
          if (p + size > buf.length) {
            if (p === 0) want = size;
            break;
          }
          const batch = buf.subarray(p, p + size);
          const result = await fn(batch);
          if (result !== batch) changed = true;
          if (result) {
            kept.push(result);
            keptBytes += result.length;
          }
          p += size;
        }
        if (p === 0 && want === REWRITE_CHUNK) throw this.corruption(seg, pos, 'incomplete batch');
        if (keptBytes > 0) {
          await out.writev(kept, outSize);
          outSize += keptBytes;
        }
        pos += p;
      }
      if (!changed) {
        await out.close();
        await unlinkIfExists(tmpPath);
        return seg.size;
      }
      await out.datasync();
      await out.close();
    } catch (e) {
      await out.close().catch(() => {});
      await unlinkIfExists(tmpPath);
      throw e;
    } finally {
      seg.release();
    }
    const i = this.segments.indexOf(seg);
    if (i < 0) {
      await unlinkIfExists(tmpPath);
      return 0;
    }
    if (outSize === 0) {
      // Everything in the segment was compacted away.
      this.segments.splice(this.segments.indexOf(seg), 1);
      this.retire(seg);
      await seg.deleteFiles();
      await unlinkIfExists(tmpPath);
      return 0;
    }
    await seg.replaceWith(tmpPath);
    const fresh = await Segment.open(this.dir, seg.baseOffset);
    const scan = await scanSegment(fresh, 0, this.settings.indexIntervalBytes);
    if (scan.defect) throw new StorageCorruptionError(`compacted copy of ${seg.logPath} is invalid: ${scan.defect}`, seg.logPath, scan.validEnd);
    fresh.createdAt = seg.createdAt;
    fresh.keptCopies = seg.keptCopies;
    fresh.readable = fresh.size;
    fresh.sealed = true;
    await fresh.writeIndex();
    this.segments[this.segments.indexOf(seg)] = fresh;
    this.retire(seg);
    this.sealedIndex(fresh);
    return fresh.size;
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  async checkpoint(): Promise<void> {
    await this.writer;
    await this.writeLock.run(async () => {
      if (this._failure) return;
      const seg = this.active;
      await seg.datasync();
      this._durableEnd = this._ackedEnd;
      await seg.writeIndex();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Refuse new appends, let the queued ones finish.
    this.closed = true;
    while (this.writer) await this.writer;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    await this.maintenanceLock.run(async () => {});
    if (!this._failure) {
      try {
        await this.writeLock.run(async () => {
          await this.active.datasync();
          this._durableEnd = this._ackedEnd;
          await this.active.writeIndex();
        });
      } catch (e) {
        this.log.error({ err: e }, 'could not checkpoint partition at close');
      }
    }
    for (const s of this.segments) this.budget.forget(s);
    await Promise.all(this.segments.map((s) => s.close()));
  }
}

async function readState(path: string): Promise<{ logStartOffset: number; lostRanges: OffsetRange[] }> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { logStartOffset?: unknown; lostRanges?: unknown };
    const lso = parsed.logStartOffset;
    if (typeof lso !== 'number' || !Number.isSafeInteger(lso) || lso < 0) throw new Error('bad logStartOffset');
    const lostRanges: OffsetRange[] = [];
    if (parsed.lostRanges !== undefined) {
      if (!Array.isArray(parsed.lostRanges)) throw new Error('bad lostRanges');
      for (const r of parsed.lostRanges as unknown[]) {
        if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) || r[1] < r[0]) throw new Error('bad lostRanges');
        lostRanges.push({ from: r[0] as number, to: r[1] as number });
      }
    }
    return { logStartOffset: lso, lostRanges };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { logStartOffset: 0, lostRanges: [] };
    throw new StorageCorruptionError(`unreadable partition state ${path}: ${(e as Error).message}`, path);
  }
}

/** Sorted, overlapping and adjacent ranges joined. */
function mergeRanges(ranges: OffsetRange[]): OffsetRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: OffsetRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev !== undefined && r.from <= prev.to + 1) prev.to = Math.max(prev.to, r.to);
    else out.push({ ...r });
  }
  return out;
}
