// Producer state per partition: for each producer id, its epoch, the sequences and offsets of
// its last five batches (so that a retried batch is answered with its original offsets and a gap
// is refused with OUT_OF_ORDER_SEQUENCE_NUMBER), and its open transaction. From the open
// transactions comes the partition's last stable offset; from the ABORT markers the
// aborted-transactions index that read_committed consumers get with their fetches.
//
// The state is derived from the log only: on open every partition's batch headers are scanned
// (no snapshot files), and afterwards the partition reports every acknowledged append
// (PartitionTransactionState.onAppended), whichever path appended it. check() is the producer
// side: it runs before an append and reserves the batch's sequence range so that pipelined
// batches of one producer validate against each other; onAppended fills in the offsets.
//
// The state is bounded as Kafka bounds it: a producer id idle for producer.id.expiration.ms
// (its last batch's max timestamp that long ago, as Kafka measures it), with no open transaction
// and nothing in flight, is forgotten at the next check (producer.id.expiration.check.interval.ms).
// The same rule runs at load, so a restart does not bring back producers that had expired or
// went idle while the broker was down. A producer that goes on writing with a forgotten id is
// accepted with whatever sequence it sends, as Kafka 4.4 accepts it (ProducerAppendInfo: no
// entry, no epoch to compare), and starts a fresh entry.
import type { Logger } from '../../log.js';
import type { AbortedTransaction, AppendOutcome, Log, LogPartition, PartitionTransactionState } from '../log/index.js';
import {
  batchBaseOffset,
  batchBaseSequence,
  batchIsControl,
  batchIsLogAppendTime,
  batchIsTransactional,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  forEachBatch,
} from '../records/batch.js';
import { batchTxnMarker, type TxnMarker } from '../records/control.js';
import { CoordinatorError } from './errors.js';

/** How many batches per producer and partition are remembered for deduplication (Kafka's 5). */
export const PRODUCER_BATCH_WINDOW = 5;
const INT32_MAX = 2_147_483_647;

/** Header facts of a producer's batch, as check() needs them. */
export interface ProducerBatchInfo {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  transactional: boolean;
}

interface BatchMeta {
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  /** -1 while the append is in flight. */
  baseOffset: number;
  lastOffset: number;
  logAppendTime: number;
  /** Waiters of retries that arrived while the batch was in flight. */
  waiters: Array<(o: AppendOutcome | null) => void> | null;
  /** This batch opened the producer's transaction (undone if its append fails). */
  openedTxn: boolean;
}

interface ProducerEntry {
  producerId: number;
  epoch: number;
  batches: BatchMeta[];
  /** First offset of the open transaction in this partition, or null. */
  txnFirstOffset: number | null;
  /** txnFirstOffset is an estimate (the high watermark when the first batch was checked). */
  txnProvisional: boolean;
  /** Max timestamp of the producer's last batch or marker (Kafka's ProducerStateEntry.lastTimestamp). */
  lastTimestamp: number;
}

/** Kafka's producer.id.expiration.ms and producer.id.expiration.check.interval.ms. */
export interface ProducerExpirationConfig {
  producerIdExpirationMs: number;
  checkIntervalMs: number;
}

export const DEFAULT_PRODUCER_EXPIRATION: Readonly<ProducerExpirationConfig> = Object.freeze({ producerIdExpirationMs: 86_400_000, checkIntervalMs: 600_000 });

/** Decision of check(): append, or answer a retry with the earlier outcome. */
export type ProducerCheckResult = { action: 'append' } | { action: 'duplicate'; outcome: Promise<AppendOutcome | null> | AppendOutcome };

export const nextSequence = (seq: number, delta: number): number => (seq > INT32_MAX - delta ? delta - (INT32_MAX - seq) - 1 : seq + delta);
const inSequence = (lastSeq: number, nextSeq: number): boolean => nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);

export class PartitionProducerState implements PartitionTransactionState {
  private readonly producers = new Map<number, ProducerEntry>();
  /** producer id -> first offset of its open transaction */
  private readonly open = new Map<number, number>();
  /** Sorted by lastOffset. */
  private aborted: AbortedTransaction[] = [];

  constructor(readonly partition: LogPartition) {}

  // ------------------------------------------------------------------------------------------
  // PartitionTransactionState

  firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const o of this.open.values()) if (min === null || o < min) min = o;
    return min;
  }

  abortedTransactions(from: number, to: number): AbortedTransaction[] {
    this.pruneAborted();
    const out: AbortedTransaction[] = [];
    // aborted is sorted by lastOffset: skip those ending before `from`.
    let lo = 0;
    let hi = this.aborted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.aborted[mid]!.lastOffset < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.aborted.length; i++) {
      const a = this.aborted[i]!;
      if (a.firstOffset < to) out.push(a);
    }
    return out;
  }

  onAppended(batches: Buffer, _base: number, _last: number): void {
    forEachBatch(batches, (pos, size) => this.observe(batches.subarray(pos, pos + size)));
  }

  private pruneAborted(): void {
    const start = this.partition.logStartOffset;
    if (this.aborted.length > 0 && this.aborted[0]!.lastOffset < start) this.aborted = this.aborted.filter((a) => a.lastOffset >= start);
  }

  // ------------------------------------------------------------------------------------------
  // The log side: every stored batch, in offset order

  /** Takes one stored batch (offsets stamped) into account: at load, and after each append. */
  observe(batch: Buffer): void {
    const pid = batchProducerId(batch);
    if (pid < 0) return;
    const epoch = batchProducerEpoch(batch);
    const base = batchBaseOffset(batch);
    const last = base + batchLastOffsetDelta(batch);
    let entry = this.producers.get(pid);
    if (batchIsControl(batch)) {
      let marker: TxnMarker | null;
      try {
        marker = batchTxnMarker(batch);
      } catch {
        marker = null; // an unreadable control batch ends no transaction
      }
      if (!marker) return;
      if (!entry) {
        entry = this.newEntry(pid, epoch);
      } else if (epoch > entry.epoch) {
        entry.epoch = epoch;
        entry.batches = [];
      }
      entry.lastTimestamp = batchMaxTimestamp(batch);
      this.endTransaction(entry, marker.commit, last);
      return;
    }
    const firstSeq = batchBaseSequence(batch);
    const lastSeq = nextSequence(firstSeq, batchLastOffsetDelta(batch));
    const logAppendTime = batchIsLogAppendTime(batch) ? batchMaxTimestamp(batch) : -1;
    if (!entry) entry = this.newEntry(pid, epoch);
    else if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = entry.batches.filter((b) => b.baseOffset < 0 && b.epoch === epoch);
    }
    entry.lastTimestamp = batchMaxTimestamp(batch);
    const pending = entry.batches.find((b) => b.baseOffset < 0 && b.epoch === epoch && b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (pending) {
      pending.baseOffset = base;
      pending.lastOffset = last;
      pending.logAppendTime = logAppendTime;
      const waiters = pending.waiters;
      pending.waiters = null;
      if (waiters) {
        const outcome = this.outcomeOf(pending);
        for (const w of waiters) w(outcome);
      }
    } else {
      entry.batches.push({ epoch, firstSeq, lastSeq, baseOffset: base, lastOffset: last, logAppendTime, waiters: null, openedTxn: false });
      if (entry.batches.length > PRODUCER_BATCH_WINDOW) entry.batches.splice(0, entry.batches.length - PRODUCER_BATCH_WINDOW);
    }
    if (batchIsTransactional(batch)) {
      if (entry.txnFirstOffset === null || entry.txnProvisional) {
        entry.txnProvisional = false;
        entry.txnFirstOffset = base;
        this.open.set(pid, base);
      }
    }
  }

  private newEntry(pid: number, epoch: number): ProducerEntry {
    const e: ProducerEntry = { producerId: pid, epoch, batches: [], txnFirstOffset: null, txnProvisional: false, lastTimestamp: Date.now() };
    this.producers.set(pid, e);
    return e;
  }

  private endTransaction(entry: ProducerEntry, commit: boolean, markerOffset: number): void {
    const first = entry.txnFirstOffset;
    entry.txnFirstOffset = null;
    entry.txnProvisional = false;
    this.open.delete(entry.producerId);
    if (!commit && first !== null) {
      const a: AbortedTransaction = { producerId: entry.producerId, firstOffset: first, lastOffset: markerOffset };
      const n = this.aborted.length;
      if (n === 0 || this.aborted[n - 1]!.lastOffset <= markerOffset) this.aborted.push(a);
      else {
        this.aborted.push(a);
        this.aborted.sort((x, y) => x.lastOffset - y.lastOffset);
      }
    }
  }

  private outcomeOf(b: BatchMeta): AppendOutcome {
    return { baseOffset: b.baseOffset, lastOffset: b.lastOffset, logAppendTime: b.logAppendTime, logStartOffset: this.partition.logStartOffset };
  }

  // ------------------------------------------------------------------------------------------
  // The producer side

  /** The earlier outcome if this batch is a retry of one of the producer's last batches here, else null. */
  findDuplicate(b: ProducerBatchInfo): ProducerCheckResult | null {
    const entry = this.producers.get(b.producerId);
    if (!entry) return null;
    const lastSeq = nextSequence(b.baseSequence, b.lastOffsetDelta);
    const dup = entry.batches.find((m) => m.epoch === b.producerEpoch && m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
    if (!dup) return null;
    if (dup.baseOffset >= 0) return { action: 'duplicate', outcome: this.outcomeOf(dup) };
    return { action: 'duplicate', outcome: new Promise<AppendOutcome | null>((resolve) => (dup.waiters ??= []).push(resolve)) };
  }

  /**
   * Validates a producer's batch before it is appended and reserves its sequence range. Throws
   * CoordinatorError (INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_TXN_STATE).
   */
  check(b: ProducerBatchInfo): ProducerCheckResult {
    const lastSeq = nextSequence(b.baseSequence, b.lastOffsetDelta);
    let entry = this.producers.get(b.producerId);
    if (entry) {
      if (b.producerEpoch < entry.epoch) {
        throw new CoordinatorError('INVALID_PRODUCER_EPOCH', `epoch ${b.producerEpoch} of producer ${b.producerId} is older than the current ${entry.epoch} on ${this.name()}`);
      }
      const dup = this.findDuplicate(b);
      if (dup) return dup;
      if (b.producerEpoch > entry.epoch) {
        if (b.baseSequence !== 0) {
          throw new CoordinatorError('OUT_OF_ORDER_SEQUENCE_NUMBER', `the first sequence of epoch ${b.producerEpoch} of producer ${b.producerId} must be 0, got ${b.baseSequence} on ${this.name()}`);
        }
      } else if (entry.epoch >= 0) {
        const current = entry.batches.length > 0 ? entry.batches[entry.batches.length - 1]!.lastSeq : -1;
        if (!inSequence(current, b.baseSequence)) {
          throw new CoordinatorError('OUT_OF_ORDER_SEQUENCE_NUMBER', `out of order sequence ${b.baseSequence} of producer ${b.producerId} (epoch ${b.producerEpoch}) on ${this.name()}: expected ${nextSequence(current, 1)}`);
        }
      }
      if (!b.transactional && entry.txnFirstOffset !== null && b.producerEpoch === entry.epoch) {
        throw new CoordinatorError('INVALID_TXN_STATE', `producer ${b.producerId} has a transaction open on ${this.name()}: non-transactional writes are refused`);
      }
    } else {
      entry = this.newEntry(b.producerId, b.producerEpoch);
    }
    if (b.producerEpoch > entry.epoch) {
      entry.epoch = b.producerEpoch;
      entry.batches = entry.batches.filter((m) => m.baseOffset < 0);
    }
    let openedTxn = false;
    if (b.transactional && entry.txnFirstOffset === null) {
      // Until the append tells the real offset, the open transaction starts no later than the
      // current end of the log: readers in read_committed stop there meanwhile.
      entry.txnFirstOffset = this.partition.highWatermark;
      entry.txnProvisional = true;
      this.open.set(b.producerId, entry.txnFirstOffset);
      openedTxn = true;
    }
    entry.batches.push({ epoch: b.producerEpoch, firstSeq: b.baseSequence, lastSeq, baseOffset: -1, lastOffset: -1, logAppendTime: -1, waiters: null, openedTxn });
    if (entry.batches.length > PRODUCER_BATCH_WINDOW) entry.batches.splice(0, entry.batches.length - PRODUCER_BATCH_WINDOW);
    return { action: 'append' };
  }

  /** The append of a checked batch failed: release its sequence range (and the transaction it opened). */
  failed(b: ProducerBatchInfo): void {
    const entry = this.producers.get(b.producerId);
    if (!entry) return;
    const lastSeq = nextSequence(b.baseSequence, b.lastOffsetDelta);
    const i = entry.batches.findIndex((m) => m.baseOffset < 0 && m.epoch === b.producerEpoch && m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
    if (i < 0) return;
    const [m] = entry.batches.splice(i, 1);
    if (m!.openedTxn && entry.txnProvisional) {
      entry.txnFirstOffset = null;
      entry.txnProvisional = false;
      this.open.delete(b.producerId);
    }
    for (const w of m!.waiters ?? []) w(null);
  }

  /** Current epoch of a producer on this partition, or null if it never wrote here. */
  epochOf(producerId: number): number | null {
    return this.producers.get(producerId)?.epoch ?? null;
  }

  hasOpenTransaction(producerId: number): boolean {
    return this.open.has(producerId);
  }

  /** Open transactions: producer id, first offset and the offset of the producer's newest batch here (-1 if unknown). */
  openTransactions(): Array<{ producerId: number; firstOffset: number; lastOffset: number }> {
    return [...this.open].map(([producerId, firstOffset]) => {
      const batches = this.producers.get(producerId)?.batches ?? [];
      return { producerId, firstOffset, lastOffset: batches.length > 0 ? batches[batches.length - 1]!.lastOffset : -1 };
    });
  }

  /** Producers active on this partition (DescribeProducers). */
  activeProducers(): Array<{ producerId: number; epoch: number; lastSequence: number; lastTimestamp: number; txnStartOffset: number }> {
    return [...this.producers.values()].map((e) => ({
      producerId: e.producerId,
      epoch: e.epoch,
      lastSequence: e.batches.length > 0 ? e.batches[e.batches.length - 1]!.lastSeq : -1,
      lastTimestamp: e.lastTimestamp,
      txnStartOffset: e.txnFirstOffset ?? -1,
    }));
  }

  /** How many producer ids this partition holds state for (Kafka's ProducerIdCount). */
  get producerCount(): number {
    return this.producers.size;
  }

  /**
   * Forgets the producers idle for at least `expirationMs` at `now`, as Kafka's
   * isProducerExpired decides (no open transaction); one with a batch in flight is kept too.
   * Returns how many were forgotten.
   */
  removeExpired(now: number, expirationMs: number): number {
    let removed = 0;
    for (const [pid, e] of this.producers) {
      if (e.txnFirstOffset !== null || this.open.has(pid)) continue;
      if (now - e.lastTimestamp < expirationMs) continue;
      if (e.batches.some((b) => b.baseOffset < 0)) continue;
      this.producers.delete(pid);
      removed++;
    }
    return removed;
  }

  maxProducerId(): number {
    let max = -1;
    for (const id of this.producers.keys()) if (id > max) max = id;
    return max;
  }

  private name(): string {
    return `${this.partition.topic.name}-${this.partition.index}`;
  }
}

const READ_CHUNK = 4 * 1024 * 1024;

/** Producer state of every partition of the log. */
export class ProducerStateManager {
  private readonly states = new Map<LogPartition, PartitionProducerState>();
  private maxPid = -1;
  private timer: NodeJS.Timeout | null = null;
  /** producer.id.expiration.ms and its check interval; the expiration may change at run time (a dynamic broker config in Kafka). */
  readonly expiration: ProducerExpirationConfig;

  constructor(
    private readonly log: Log,
    private readonly logger: Logger,
    expiration: Partial<ProducerExpirationConfig> = {},
  ) {
    this.expiration = { ...DEFAULT_PRODUCER_EXPIRATION, ...expiration };
  }

  /** Starts the periodic expiry check (producer.id.expiration.check.interval.ms). */
  startExpiryCheck(): void {
    if (this.timer !== null || this.expiration.checkIntervalMs <= 0) return;
    this.timer = setInterval(() => {
      try {
        this.removeExpired();
      } catch (e) {
        this.logger.error({ err: e }, 'producer id expiry check failed');
      }
    }, this.expiration.checkIntervalMs);
    this.timer.unref();
  }

  /** Forgets every partition's producers idle longer than producer.id.expiration.ms (the timer runs this; tests call it). */
  removeExpired(now = Date.now()): number {
    let removed = 0;
    for (const { state } of this.all()) removed += state.removeExpired(now, this.expiration.producerIdExpirationMs);
    if (removed > 0) this.logger.debug({ removed, expirationMs: this.expiration.producerIdExpirationMs }, 'expired idle producer ids');
    return removed;
  }

  /** Producer ids held across all partitions (a producer writing to n partitions counts n times, as Kafka's ProducerIdCount per log). */
  producerIdCount(): number {
    let n = 0;
    for (const { state } of this.all()) n += state.producerCount;
    return n;
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Scans every partition's batches (headers; markers decoded) to rebuild the state. */
  async load(): Promise<void> {
    const started = Date.now();
    let partitions = 0;
    let batches = 0;
    let expired = 0;
    for (const t of this.log.listTopics()) {
      // The coordinators' own topics hold no producer batches.
      if (t.name === '__consumer_offsets' || t.name === '__transaction_state') continue;
      for (let p = 0; p < t.partitions; p++) {
        const part = this.log.partition(t.name, p);
        if (!part.online) continue;
        const state = this.attach(part);
        const end = part.highWatermark;
        let offset = part.logStartOffset;
        try {
          while (offset < end) {
            const r = await part.read(offset, READ_CHUNK, { maxOffset: end });
            if (r.bytes === 0) break;
            for (const chunk of r.chunks) {
              forEachBatch(chunk, (pos, size) => {
                batches++;
                state.observe(chunk.subarray(pos, pos + size));
              });
            }
            offset = r.nextOffset;
          }
        } catch (e) {
          this.logger.error({ err: e, topic: t.name, partition: p }, 'could not scan partition for producer state');
        }
        this.maxPid = Math.max(this.maxPid, state.maxProducerId());
        // What had expired before the restart (or went idle while the broker was down) stays gone.
        expired += state.removeExpired(Date.now(), this.expiration.producerIdExpirationMs);
        partitions++;
      }
    }
    this.logger.info({ partitions, batches, expired, ms: Date.now() - started }, 'producer state loaded');
  }

  /** The state of a partition, created (empty) on first use of a partition made after load(). */
  of(partition: LogPartition): PartitionProducerState {
    return this.states.get(partition) ?? this.attach(partition);
  }

  /** Every partition's state (partitions of deleted topics are dropped on the way). */
  all(): Array<{ partition: LogPartition; state: PartitionProducerState }> {
    const out: Array<{ partition: LogPartition; state: PartitionProducerState }> = [];
    for (const [partition, state] of this.states) {
      if (partition.failure?.code === 'UNKNOWN_TOPIC_OR_PARTITION') this.states.delete(partition);
      else out.push({ partition, state });
    }
    return out;
  }

  private attach(partition: LogPartition): PartitionProducerState {
    const s = new PartitionProducerState(partition);
    this.states.set(partition, s);
    partition.attachTransactionState(s);
    return s;
  }

  /** Largest producer id seen in any partition at load (producer ids handed out must be above it). */
  get maxProducerIdSeen(): number {
    return this.maxPid;
  }
}
