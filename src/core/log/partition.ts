// A partition as the broker sees it: validates what producers hand in, appends through the
// storage engine, and serves reads from the hot tail or the engine. Offsets, high watermark,
// log start offset and (a placeholder for) the last stable offset live here; bytes and
// durability live in the engine. Front-ends of either protocol call this, so nothing here
// assumes Kafka producers: a NATS publish stored as a record arrives as a batch like any other.
import type { Logger } from '../../log.js';
import type { BatchRewrite, OffsetRange, PartitionStore, RewriteResult, SalvageFacts } from '../../storage/engine.js';

const NO_RANGES: readonly OffsetRange[] = [];
const NOTHING_SALVAGED: SalvageFacts = { ranges: 0, offsets: 0, bytes: 0 };
import { LogError } from '../records/errors.js';
import { HotTail } from './hot-tail.js';
import type { ReadBuffers } from '../../util/buffer-pool.js';
import {
  batchBaseOffset,
  batchDefect,
  batchMaxTimestamp,
  batchRecordsCount,
  batchCompression,
  batchIsControl,
  batchLastOffsetDelta,
  batchSize,
  canDecodeSync,
  decodeRecords,
  decodeRecordsAsync,
  setLogAppendTime,
  validateIncomingBatches,
} from '../records/batch.js';
import { compressionCodec } from '../records/compression.js';
import type { TopicSettings } from './topic-config.js';

export interface AppendOutcome {
  baseOffset: number;
  lastOffset: number;
  /** The broker's timestamp when the topic uses LogAppendTime, else -1. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface ReadOptions {
  /** Do not return batches at or after this offset. */
  maxOffset?: number;
  /** read_committed stops at the last stable offset. */
  isolation?: 'read_uncommitted' | 'read_committed';
  /** Where bytes read from storage go (see PartitionStore.read); the hot tail never uses it. */
  buffers?: ReadBuffers;
}

export interface PartitionReadResult {
  /** Whole stored batches as stored; send them as they are (concatenated, in order). */
  chunks: Buffer[];
  bytes: number;
  /** Offset after the last batch returned (the offset to read next). */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
  /** read_committed reads: the aborted transactions overlapping the batches returned (Fetch's list). */
  abortedTransactions?: AbortedTransaction[];
}

function readResult(chunks: Buffer[], bytes: number, nextOffset: number, highWatermark: number, logStartOffset: number, lastStableOffset: number): PartitionReadResult {
  return { chunks, bytes, nextOffset, highWatermark, logStartOffset, lastStableOffset };
}

/** A transaction that ended with an ABORT marker: its records in [firstOffset, lastOffset] are to be skipped by read_committed consumers. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
}

/**
 * The transaction view of a partition, kept by the producer-state manager of the coordinators
 * (core/coordinators/producer-state.ts): open transactions give the last stable offset, ended
 * aborted ones the aborted-transactions index. It sees every acknowledged append before
 * readers are woken, so the LSO a reader sees never includes an open transaction.
 */
export interface PartitionTransactionState {
  /** First offset of the oldest open transaction, or null when none is open. */
  firstUnstableOffset(): number | null;
  /** Aborted transactions with lastOffset >= from and firstOffset < to. */
  abortedTransactions(from: number, to: number): AbortedTransaction[];
  /** Called for every acknowledged append (offsets stamped), before readers are woken. */
  onAppended(batches: Buffer, baseOffset: number, lastOffset: number): void;
}

/**
 * A check of a producer's batch before it is appended, installed per partition by a core
 * service that gives the topic a meaning of its own (a JetStream stream: keys must be subjects
 * it captures, discard-new limits, max_msg_size). The Kafka Produce path calls it after the
 * producer-state check and before append(), in the producer's order; a LogError refuses the
 * batch. It may be asynchronous (records of a compressed batch must be decompressed to be seen).
 */
export interface PartitionAppendCheck {
  check(batch: Buffer): LogError | null | Promise<LogError | null>;
}

export interface AppendOptions {
  /**
   * The buffer is one batch without records that only takes offsets (lastOffsetDelta + 1 of
   * them): a filler that a mirror appends for the sequences its origin does not have. Kafka
   * consumers step over such batches as over a compacted-away range.
   */
  filler?: boolean;
  /**
   * The buffer is a copy of a stream's stored batches being restored from a snapshot (STREAM.RESTORE):
   * whole batches as another partition stored them, so a batch may have offset gaps inside (records
   * erased or compacted away) or no records at all (a filler), and its LogAppendTime is kept as it
   * is (the restored messages keep their times). Structure and CRC are still checked.
   */
  restored?: boolean;
  /**
   * The buffer was framed by the broker itself a moment ago (a stream's BatchBuilder: whole v2
   * batches, records counted, CRC written): its structure and CRC are not checked again. The
   * check cost a JetStream publish a CRC-32C pass and a walk of the header on the way to its
   * PubAck (~0.7 µs of ~21 in the broker, docs/jetstream.md 1.21). Never for bytes from a client.
   */
  built?: boolean;
}

/**
 * Sees every append of one partition as it is issued and as it completes, synchronously and
 * in offset order: what a core service needs to keep an in-memory view of the partition in
 * step with the log, appends in flight included (a JetStream stream: docs/jetstream.md 1.3,
 * 1.4). Installed by that service with LogPartition.setAppendObserver.
 */
export interface AppendObserver {
  /** An append is about to take its offsets (the observer may append what it holds first). */
  beforeAppend(batches: Buffer): void;
  /** The append will get offsets [baseOffset, lastOffset]; called before the engine writes it. */
  issued(batches: Buffer, baseOffset: number, lastOffset: number): void;
  /** The append is acknowledged, before readers are woken. */
  acknowledged(batches: Buffer, baseOffset: number, lastOffset: number): void;
  /** An append failed: every offset at and after `acknowledgedEnd` is gone (appends behind it fail too). */
  failed(acknowledgedEnd: number, error: unknown): void;
  /** DeleteRecords moved the log start offset (over Kafka, or by the observer itself). */
  trimmed?(logStartOffset: number): void;
}

export type AppendListener = (partition: LogPartition, batches: Buffer, baseOffset: number, lastOffset: number) => void;

/** What a partition needs from its topic; the topic's settings can change while it runs. */
export interface TopicView {
  readonly name: string;
  readonly topicId: string;
  readonly settings: TopicSettings;
}

/**
 * A long poll registered on a partition with addWaiter: `wake(true)` is called once, synchronously,
 * by the acknowledged append that moves the high watermark past `offset` (after the transaction
 * state and the append observer saw it), `wake(false)` when the partition goes away; either way
 * the partition has forgotten the waiter before calling it. A plain callback, so that a wait costs
 * no promise, timer or event listener per partition: a Fetch long poll registers one waiter per
 * partition it waits on and keeps its own single timer (kafka/apis/fetch.ts).
 */
export interface DataWaiter {
  readonly offset: number;
  wake(available: boolean): void;
}

export class LogPartition {
  private readonly tail: HotTail;
  private tailEnd = -1;
  private readonly waiters = new Set<DataWaiter>();
  private removed: LogError | null = null;
  /** Bytes stored right after the last compaction (for min.cleanable.dirty.ratio). */
  cleanBytes = 0;
  /**
   * Traffic counters the monitor reads at scrape time (/metrics, the console): bytes of
   * acknowledged appends, and bytes and offsets handed to readers (Kafka Fetch, JetStream and
   * NATS deliveries, the console's browser).
   */
  readonly traffic = { appendedBytes: 0, readBytes: 0, readOffsets: 0 };

  constructor(
    readonly topic: TopicView,
    readonly index: number,
    private readonly store: PartitionStore | null,
    private readonly openFailure: LogError | null,
    tailBytes: number,
    private readonly onAppend: (p: LogPartition, batches: Buffer, base: number, last: number) => void,
    private readonly log: Logger,
  ) {
    this.tail = new HotTail(tailBytes);
  }

  /** Null while the partition serves; the reason when it is offline (corruption, disk failure) or deleted. */
  get failure(): LogError | null {
    return this.removed ?? this.openFailure ?? this.store?.failure ?? null;
  }

  get online(): boolean {
    return this.failure === null;
  }

  get highWatermark(): number {
    return this.store?.acknowledgedEnd ?? 0;
  }

  get logStartOffset(): number {
    return this.store?.logStartOffset ?? 0;
  }

  /**
   * Offset below which no transaction is still open (the high watermark when none is open):
   * read_committed readers stop here.
   */
  get lastStableOffset(): number {
    const hw = this.highWatermark;
    const unstable = this.txnState?.firstUnstableOffset() ?? null;
    return unstable === null ? hw : Math.min(unstable, hw);
  }

  private txnState: PartitionTransactionState | null = null;
  private check: PartitionAppendCheck | null = null;
  private observer: AppendObserver | null = null;
  /** Offset the next append will get (appends in flight included), -1 when it is the engine's end. */
  private issuedEnd = -1;
  /**
   * Failures reported to the observer so far. An append issued before the latest one and still
   * in flight was numbered as if the failed append had taken its offsets: the engine refuses it
   * (expectBase), and the observer, told already that everything from the failure on is gone,
   * is not told again (it may have numbered new appends since).
   */
  private failures = 0;

  /** Installs (or with null removes) the append observer (see AppendObserver). */
  setAppendObserver(observer: AppendObserver | null): void {
    this.observer = observer;
  }

  /** Offset the next append will get: the end of the log with the appends in flight. */
  get nextOffset(): number {
    return this.issuedEnd >= 0 ? this.issuedEnd : (this.store?.endOffset ?? 0);
  }

  /** Installs (or with null removes) the check of producers' batches (see PartitionAppendCheck). */
  setAppendCheck(check: PartitionAppendCheck | null): void {
    this.check = check;
  }

  /** The check producers' batches must pass before append(), or null. */
  get appendCheck(): PartitionAppendCheck | null {
    return this.check;
  }

  /** Installs the transaction view (the producer-state manager does, once per partition). */
  attachTransactionState(state: PartitionTransactionState): void {
    this.txnState = state;
  }

  get transactionState(): PartitionTransactionState | null {
    return this.txnState;
  }

  /** Aborted transactions overlapping [from, to) (Fetch in read_committed). */
  abortedTransactions(from: number, to: number): AbortedTransaction[] {
    return this.txnState?.abortedTransactions(from, to) ?? [];
  }

  /** Bytes stored by the engine for this partition. */
  get sizeBytes(): number {
    return this.store?.sizeBytes ?? 0;
  }

  /** Offset ranges recovery dropped as damaged (docs/storage.md, "Recovery"); readers skip them as compaction gaps. */
  get lostRanges(): readonly OffsetRange[] {
    return this.store?.lostRanges ?? NO_RANGES;
  }

  /** What recovery salvaged from this partition at this start. */
  get salvaged(): SalvageFacts {
    return this.store?.salvaged ?? NOTHING_SALVAGED;
  }

  /** Offset up to which data is known to be on stable storage (fsynced). */
  get durableOffset(): number {
    return this.store?.durableEnd ?? 0;
  }

  private usable(): PartitionStore {
    const failure = this.failure;
    if (failure) throw failure;
    return this.store!;
  }

  /**
   * Validates and appends a buffer of one or more whole v2 record batches (as a producer sent
   * them). The log takes ownership of `batches`: it stamps offsets (and LogAppendTime) into it
   * in place and may keep it in memory, so the caller must not reuse it. Resolves once the
   * append is acknowledged under the topic's durability policy.
   */
  async append(batches: Buffer, opts: AppendOptions = {}): Promise<AppendOutcome> {
    const store = this.usable();
    const settings = this.topic.settings;
    const infos = opts.restored === true ? restoredInfo(batches) : opts.filler === true ? fillerInfo(batches) : opts.built === true ? builtInfo(batches) : validateIncomingBatches(batches, settings.maxMessageBytes);
    if (settings.compactPolicy && opts.restored !== true) this.checkKeys(batches);
    let logAppendTime = -1;
    if (settings.logAppendTime && opts.restored !== true) {
      logAppendTime = Date.now();
      for (const info of infos) setLogAppendTime(batches, info.position, logAppendTime);
    }
    const deltas = infos.map((i) => i.lastOffsetDelta);
    const maxTimestamps = infos.map((i) => (logAppendTime >= 0 ? logAppendTime : i.maxTimestamp));
    const observer = this.observer;
    if (observer !== null) observer.beforeAppend(batches);
    const issuedBase = this.nextOffset;
    let span = 0;
    for (const d of deltas) span += d + 1;
    this.issuedEnd = issuedBase + span;
    if (observer !== null) observer.issued(batches, issuedBase, issuedBase + span - 1);
    const failuresBefore = this.failures;
    let result: { baseOffset: number; lastOffset: number };
    try {
      // An observer numbered these batches from issuedBase: they are stored there or not at all.
      result = await store.append(batches, deltas, maxTimestamps, observer !== null ? issuedBase : undefined);
    } catch (e) {
      if (this.failures !== failuresBefore) throw e; // refused behind a failure already reported
      this.failures++;
      // What is still in flight was issued before this failure and is refused (when numbered)
      // or stored after it: the next append is numbered from the engine's end again.
      this.issuedEnd = -1;
      if (observer !== null && this.observer === observer) {
        try {
          observer.failed(store.acknowledgedEnd, e);
        } catch (err) {
          this.log.error({ err }, 'append observer failed');
        }
      }
      throw e;
    }
    const { baseOffset, lastOffset } = result;
    if (this.issuedEnd === lastOffset + 1 || this.issuedEnd < 0) this.issuedEnd = -1;
    this.acknowledged(batches, baseOffset, lastOffset);
    return { baseOffset, lastOffset, logAppendTime, logStartOffset: store.logStartOffset };
  }

  /** Compacted topics need a key on every record (Kafka rejects keyless records there too). */
  private checkKeys(batches: Buffer): void {
    let pos = 0;
    while (pos < batches.length) {
      const size = batchSize(batches, pos);
      const batch = batches.subarray(pos, pos + size);
      pos += size;
      if (batchIsControl(batch)) continue;
      // Without a synchronous codec the batch cannot be opened here without reordering appends.
      if (!canDecodeSync(batch)) continue;
      for (const r of decodeRecords(batch)) {
        if (r.key === null) throw new LogError('INVALID_RECORD', `compacted topic ${this.topic.name} does not accept records without a key`);
      }
    }
  }

  private acknowledged(batches: Buffer, base: number, last: number): void {
    // The tail must stay contiguous: a reader served from it must never skip an offset.
    if (this.tailEnd !== base) this.tail.clear();
    this.tail.push(batches, base, last);
    this.tailEnd = last + 1;
    this.traffic.appendedBytes += batches.length;
    if (this.txnState) {
      try {
        this.txnState.onAppended(batches, base, last);
      } catch (e) {
        this.log.error({ err: e }, 'transaction state update failed');
      }
    }
    if (this.observer !== null) {
      try {
        this.observer.acknowledged(batches, base, last);
      } catch (e) {
        this.log.error({ err: e }, 'append observer failed');
      }
    }
    this.wake();
    try {
      this.onAppend(this, batches, base, last);
    } catch (e) {
      this.log.error({ err: e }, 'append listener failed');
    }
  }

  /**
   * Reads whole batches from `offset` with a byte budget (at least one batch is returned even
   * if larger). Served from the hot tail when the reader is caught up, otherwise by the engine.
   * Throws OFFSET_OUT_OF_RANGE below the log start offset or above the high watermark.
   */
  async read(offset: number, maxBytes: number, opts: ReadOptions = {}): Promise<PartitionReadResult> {
    const cached = this.readCached(offset, maxBytes, opts);
    if (cached !== null) return cached;
    // readCached checked the offset and found neither an empty range nor the hot tail's bytes.
    const store = this.usable();
    const hw = store.acknowledgedEnd;
    const start = store.logStartOffset;
    const lso = this.lastStableOffset;
    let limit = opts.isolation === 'read_committed' ? lso : hw;
    if (opts.maxOffset !== undefined) limit = Math.min(limit, opts.maxOffset);
    const r = await store.read(offset, maxBytes, limit, opts.buffers);
    this.traffic.readBytes += r.bytes;
    this.traffic.readOffsets += r.nextOffset - offset;
    return this.withAborted(readResult(r.chunks, r.bytes, r.nextOffset, hw, start, lso), offset, opts);
  }

  /**
   * read() when the hot tail can serve it, synchronously: null when the storage engine would have
   * to be read (and then read() does). Throws as read() does.
   */
  readCached(offset: number, maxBytes: number, opts: ReadOptions = {}): PartitionReadResult | null {
    const store = this.usable();
    const hw = store.acknowledgedEnd;
    const start = store.logStartOffset;
    if (!Number.isSafeInteger(offset) || offset < start || offset > hw) {
      throw new LogError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${start}, ${hw}] of ${this.topic.name}-${this.index}`);
    }
    const lso = this.lastStableOffset;
    let limit = opts.isolation === 'read_committed' ? lso : hw;
    if (opts.maxOffset !== undefined) limit = Math.min(limit, opts.maxOffset);
    // Results are built as literals of one shape (no spreads): object spreads made a new hidden
    // class per read, which cost a map transition here and an inline-cache miss in every reader
    // (5 % of a KV get's CPU, docs/jetstream.md 1.21).
    if (offset >= limit) return readResult([], 0, offset, hw, start, lso);
    const fromTail = this.tail.read(offset, maxBytes, limit);
    if (!fromTail || fromTail.bytes === 0) return null;
    this.traffic.readBytes += fromTail.bytes;
    this.traffic.readOffsets += fromTail.nextOffset - offset;
    return this.withAborted(readResult(fromTail.chunks, fromTail.bytes, fromTail.nextOffset, hw, start, lso), offset, opts);
  }

  private withAborted(r: PartitionReadResult, from: number, opts: ReadOptions): PartitionReadResult {
    if (opts.isolation === 'read_committed' && this.txnState && r.bytes > 0) r.abortedTransactions = this.txnState.abortedTransactions(from, r.nextOffset);
    return r;
  }

  /**
   * Long poll: resolves true as soon as the high watermark passes `offset`, false on timeout,
   * abort, or when the partition goes away. Resolves at once when data is already there.
   */
  waitForData(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.highWatermark > offset) return Promise.resolve(true);
    if (this.failure || signal?.aborted || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        this.removeWaiter(w);
        w.wake(false);
      };
      const timer = setTimeout(onAbort, timeoutMs);
      const w: DataWaiter = {
        offset,
        wake: (available) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(available);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(w);
    });
  }

  /**
   * Registers a long poll (see DataWaiter). Returns false, registering nothing, when there is
   * no need to wait: the high watermark is already past `w.offset`, or the partition is offline.
   */
  addWaiter(w: DataWaiter): boolean {
    if (this.highWatermark > w.offset || this.failure) return false;
    this.waiters.add(w);
    return true;
  }

  /** Forgets a waiter that was not woken (its long poll ended otherwise); no-op once woken. */
  removeWaiter(w: DataWaiter): void {
    this.waiters.delete(w);
  }

  /** Long polls registered now (tests, monitoring). */
  get waiterCount(): number {
    return this.waiters.size;
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const hw = this.highWatermark;
    let ready: DataWaiter[] | null = null;
    for (const w of this.waiters) {
      if (w.offset < hw) {
        this.waiters.delete(w);
        (ready ??= []).push(w);
      }
    }
    if (ready !== null) for (const w of ready) this.wakeOne(w, true);
  }

  private wakeOne(w: DataWaiter, available: boolean): void {
    try {
      w.wake(available);
    } catch (e) {
      this.log.error({ err: e }, 'long poll wake failed');
    }
  }

  /** DeleteRecords: makes offsets below `offset` unreadable (-1 means the high watermark). Returns the new log start offset. */
  async deleteRecordsBefore(offset: number): Promise<number> {
    const store = this.usable();
    const target = offset === -1 ? store.acknowledgedEnd : offset;
    if (!Number.isSafeInteger(target) || target < 0 || target > store.acknowledgedEnd) {
      throw new LogError('OFFSET_OUT_OF_RANGE', `cannot delete records before ${offset}: the high watermark is ${store.acknowledgedEnd}`);
    }
    await store.deleteBefore(target);
    this.tail.dropBelow(store.logStartOffset);
    if (this.observer?.trimmed !== undefined) {
      try {
        this.observer.trimmed(store.logStartOffset);
      } catch (e) {
        this.log.error({ err: e }, 'append observer failed');
      }
    }
    return store.logStartOffset;
  }

  /**
   * Rewrites the sealed storage of [from, upTo) through `fn` (a stream erasing deleted records:
   * docs/jetstream.md 1.5), crash-safe in the engine, offsets of kept records unchanged; the
   * hot tail forgets what was rewritten. Data still being appended to is not rewritten: the
   * result says how far it went.
   */
  async rewriteSealed(from: number, upTo: number, fn: BatchRewrite): Promise<RewriteResult> {
    const store = this.usable();
    const r = await store.rewrite(Math.min(upTo, store.acknowledgedEnd), fn, from);
    this.afterCompaction(r.rewrittenUpTo);
    return r;
  }

  /**
   * ListOffsets by timestamp: the first record whose timestamp is >= `timestamp`, or null.
   * -1 (latest) gives the high watermark and -2 (earliest) the log start offset.
   */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    const store = this.usable();
    if (timestamp === -1) return { offset: store.acknowledgedEnd, timestamp: -1 };
    if (timestamp === -2) return { offset: store.logStartOffset, timestamp: -1 };
    const found = await store.offsetForTimestamp(timestamp);
    if (!found) return null;
    // The engine answers per batch; look inside the batch for the exact record when we can.
    try {
      const r = await this.read(found.offset, 1);
      const chunk = r.chunks[0];
      if (chunk && batchBaseOffset(chunk) <= found.offset && found.offset <= batchBaseOffset(chunk) + batchLastOffsetDelta(chunk)) {
        const batch = chunk.subarray(0, batchSize(chunk));
        if (compressionCodec(batchCompression(batch)) || batchCompression(batch) === 0) {
          for (const rec of await decodeRecordsAsync(batch)) {
            if (rec.offset >= found.offset && rec.timestamp >= timestamp) return { offset: rec.offset, timestamp: rec.timestamp };
          }
        }
      }
    } catch (e) {
      this.log.debug({ err: e }, 'could not refine timestamp lookup to a record');
    }
    return found;
  }

  /** Removes records at and after `offset` (e.g. for a future follower truncation). */
  async truncateTo(offset: number): Promise<void> {
    const store = this.usable();
    await store.truncateTo(offset);
    this.issuedEnd = -1;
    this.tail.clear();
    this.tailEnd = -1;
  }

  /** Called by the log's maintenance after retention moved the log start offset. */
  afterRetention(): void {
    if (this.store) this.tail.dropBelow(this.store.logStartOffset);
  }

  /** Called after compaction rewrote everything below `offset`: the tail must not serve the old copies. */
  afterCompaction(offset: number): void {
    this.tail.dropBelow(offset);
  }

  /** The storage engine's handle, for the log's maintenance jobs only. */
  get engineStore(): PartitionStore | null {
    return this.store;
  }

  setTailBytes(bytes: number): void {
    this.tail.setLimit(bytes);
  }

  /** Bytes the hot tail holds now (monitoring, tests). */
  get tailBytesHeld(): number {
    return this.tail.bytes;
  }

  /** Marks the partition as gone (topic deleted, log closed) and wakes every waiter. */
  markRemoved(reason: LogError): void {
    this.removed = reason;
    this.tail.clear();
    const all = [...this.waiters];
    this.waiters.clear();
    for (const w of all) this.wakeOne(w, false);
  }
}

/** The header facts of restored batches (see AppendOptions.restored): whole, valid batches, offset gaps allowed. */
function restoredInfo(buf: Buffer): Array<{ position: number; lastOffsetDelta: number; maxTimestamp: number }> {
  const out: Array<{ position: number; lastOffsetDelta: number; maxTimestamp: number }> = [];
  let pos = 0;
  while (pos < buf.length) {
    const defect = batchDefect(buf, pos, buf.length);
    if (defect !== null) throw new LogError('CORRUPT_MESSAGE', `invalid restored batch at byte ${pos}: ${defect}`);
    const size = batchSize(buf, pos);
    const lastOffsetDelta = batchLastOffsetDelta(buf, pos);
    if (lastOffsetDelta < 0 || lastOffsetDelta < batchRecordsCount(buf, pos) - 1) {
      throw new LogError('CORRUPT_MESSAGE', `restored batch at byte ${pos}: ${batchRecordsCount(buf, pos)} records but lastOffsetDelta ${lastOffsetDelta}`);
    }
    out.push({ position: pos, lastOffsetDelta, maxTimestamp: batchMaxTimestamp(buf, pos) });
    pos += size;
  }
  if (out.length === 0) throw new LogError('CORRUPT_MESSAGE', 'empty record set');
  return out;
}

/** The header facts of a filler batch (see AppendOptions.filler): one batch, no records. */
/** The offsets and times of batches the broker framed itself (AppendOptions.built): read, not checked. */
function builtInfo(buf: Buffer): Array<{ position: number; lastOffsetDelta: number; maxTimestamp: number }> {
  const out: Array<{ position: number; lastOffsetDelta: number; maxTimestamp: number }> = [];
  let pos = 0;
  while (pos < buf.length) {
    out.push({ position: pos, lastOffsetDelta: batchLastOffsetDelta(buf, pos), maxTimestamp: batchMaxTimestamp(buf, pos) });
    pos += batchSize(buf, pos);
  }
  if (out.length === 0) throw new LogError('CORRUPT_MESSAGE', 'empty record set');
  return out;
}

function fillerInfo(buf: Buffer): Array<{ position: number; lastOffsetDelta: number; maxTimestamp: number }> {
  const defect = batchDefect(buf, 0, buf.length);
  if (defect !== null) throw new LogError('CORRUPT_MESSAGE', `invalid filler batch: ${defect}`);
  if (batchSize(buf) !== buf.length || batchRecordsCount(buf) !== 0 || batchLastOffsetDelta(buf) < 0) {
    throw new LogError('CORRUPT_MESSAGE', 'a filler is one batch without records');
  }
  return [{ position: 0, lastOffsetDelta: batchLastOffsetDelta(buf), maxTimestamp: batchMaxTimestamp(buf) }];
}
