// The transaction coordinator: producer ids (idempotent and transactional producers), the state
// machine of each transactional id, COMMIT/ABORT markers on every partition of a transaction,
// transaction timeouts and zombie fencing. Its state is in the compacted internal topic
// `__transaction_state` (Wharf's own JSON records, see internal-topic.ts):
//   ["t", transactionalId] -> { v, producerId, producerEpoch, lastProducerId, lastProducerEpoch,
//                               nextProducerId, timeoutMs, state, partitions: [[topic, partition]...],
//                               floors: [[topic, partition, offset]...], groups, startTimestamp,
//                               updateTimestamp }
//   (floors: each partition's next offset when it joined the transaction; absent in older records)
//   ["pid-block"]          -> { v, end }: producer ids below `end` may have been handed out
//
// Transactions v2 (KIP-890 part 2, EndTxn v5+): every EndTxn bumps the producer epoch; the
// markers carry the bumped epoch and the client continues with the one EndTxn answers. When the
// epoch is exhausted the transaction also moves to a new producer id (nextProducerId while it
// completes). A retry of an EndTxn whose answer was lost names the epoch before the bump and is
// recognized as such, as Kafka 4.4 decides it (endTransaction's table for Empty, CompleteCommit
// and CompleteAbort). The Produce and TxnOffsetCommit paths add partitions and groups to the
// transaction themselves (addPartitions/addOffsets, called by the front-end for v12+/v5+).
//
// A transaction's decision is durable when its PrepareCommit/PrepareAbort record is; the
// markers, the transactional offsets and the Complete* record follow. After a restart, every
// transaction found in a Prepare* state is completed again (markers are idempotent), Ongoing
// ones keep their start time and time out as before, and open transactions that the log holds
// but no ongoing transaction accounts for are ended, so no partition's LSO can hang: with the
// marker of the decision __transaction_state holds for those records (the Prepare* record of
// that producer id naming the partition with the highest floor at or below the records' first
// offset; their marker was lost to a salvaged range or a cut tail), else aborted.
import type { Logger } from '../../log.js';
import type { Log } from '../log/index.js';
import { Mutex } from '../../util/mutex.js';
import { buildTxnMarkerBatch } from '../records/control.js';
import { CoordinatorError, type CoordinatorErrorCode } from './errors.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { InternalTopic, type InternalKey, type InternalRecordCodec } from './internal-topic.js';
import type { ProducerStateManager } from './producer-state.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export type TransactionState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort' | 'Dead' | 'PrepareEpochFence';

export interface TransactionCoordinatorConfig {
  /** transaction.max.timeout.ms */
  maxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutIntervalMs: number;
  /** transactional.id.expiration.ms (may change at run time: a dynamic broker config in Kafka). */
  transactionalIdExpirationMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms: how often idle transactional ids are looked for. */
  removeExpiredIntervalMs: number;
  /** Producer ids reserved per record in __transaction_state. */
  producerIdBlockSize: number;
}

export const DEFAULT_TRANSACTION_CONFIG: Readonly<TransactionCoordinatorConfig> = Object.freeze({
  maxTimeoutMs: 900_000,
  abortTimedOutIntervalMs: 10_000,
  transactionalIdExpirationMs: 7 * 24 * 3_600_000,
  removeExpiredIntervalMs: 3_600_000,
  producerIdBlockSize: 1_000,
});

/** Epochs are int16; Kafka stops one short of the maximum and moves to a new producer id. */
const MAX_EPOCH = 32_766;
const COORDINATOR_EPOCH = 0;

interface TxnMetadata {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  lastProducerId: number;
  lastProducerEpoch: number;
  /** The producer id the transaction moves to once it completes (v2, epoch exhausted), else -1. */
  nextProducerId: number;
  timeoutMs: number;
  state: TransactionState;
  /** topic\0partition */
  partitions: Set<string>;
  /**
   * topic\0partition -> the partition's next offset when it joined this transaction: every record
   * of the transaction there is at or above it, every record of the producer's earlier
   * transactions (and their markers) below it. What ties a decision to the records it decided.
   */
  floors: Map<string, number>;
  groups: Set<string>;
  startTimestamp: number;
  updateTimestamp: number;
  /** Markers of a Prepare* state still to be written (set while completing). */
  completing: Promise<void> | null;
}

export interface InitProducerIdResult {
  error: CoordinatorErrorCode | null;
  producerId: number;
  producerEpoch: number;
}

/** What EndTxn answers: with transactions v2, the producer id and epoch the client goes on with. */
export interface EndTxnResult {
  error: CoordinatorErrorCode | null;
  producerId: number;
  producerEpoch: number;
}

export interface DescribedTransaction {
  transactionalId: string;
  error: CoordinatorErrorCode | null;
  state: string;
  timeoutMs: number;
  startTimestamp: number;
  producerId: number;
  producerEpoch: number;
  partitions: Array<{ topic: string; partitions: number[] }>;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * EndTxn in a state that ends nothing: the same request while the decision is being completed
 * is CONCURRENT_TRANSACTIONS (retry), the other decision, or any other state, INVALID_TXN_STATE.
 */
function otherStateError(state: TransactionState, commit: boolean): CoordinatorErrorCode {
  if (state === 'PrepareCommit') return commit ? 'CONCURRENT_TRANSACTIONS' : 'INVALID_TXN_STATE';
  if (state === 'PrepareAbort') return commit ? 'INVALID_TXN_STATE' : 'CONCURRENT_TRANSACTIONS';
  return 'INVALID_TXN_STATE';
}
const splitTp = (key: string): [string, number] => {
  const i = key.lastIndexOf('\u0000');
  return [key.slice(0, i), Number(key.slice(i + 1))];
};

export interface TransactionCoordinatorOptions {
  log: Log;
  logger: Logger;
  groups: GroupCoordinator;
  producers: ProducerStateManager;
  config?: Partial<TransactionCoordinatorConfig>;
  /** The record schema of `__transaction_state` (Kafka's); without one, Wharf's JSON records. */
  recordCodec?: InternalRecordCodec;
}

export class TransactionCoordinator {
  readonly config: TransactionCoordinatorConfig;
  private readonly txns = new Map<string, TxnMetadata>();
  private readonly byProducerId = new Map<number, TxnMetadata>();
  private readonly locks = new Map<string, Mutex>();
  private readonly pidMutex = new Mutex();
  private nextPid = 0;
  private blockEnd = 0;
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly log: Log;
  private readonly logger: Logger;
  private readonly groups: GroupCoordinator;
  private readonly producers: ProducerStateManager;
  /**
   * Filled while __transaction_state is replayed, dropped after recovery: producer id\0topic\0partition
   * -> the decisions (PrepareCommit/PrepareAbort records) of that producer id's transactions that
   * named the partition, by the partition's floor in each (see TxnMetadata.floors). A restart
   * ends a partition's open transaction that the log holds no marker for (a salvage or a cut
   * tail took it) by the decision whose floor is the highest at or below its first record.
   */
  private decided: Map<string, Map<number, { commit: boolean; epoch: number }>> | null = new Map();

  private constructor(
    private readonly topic: InternalTopic,
    opts: TransactionCoordinatorOptions,
    logger: Logger,
  ) {
    this.config = { ...DEFAULT_TRANSACTION_CONFIG, ...(opts.config ?? {}) };
    this.log = opts.log;
    this.logger = logger;
    this.groups = opts.groups;
    this.producers = opts.producers;
  }

  /** Opens `__transaction_state`, restores every transactional id and finishes interrupted transactions. */
  static async open(opts: TransactionCoordinatorOptions): Promise<TransactionCoordinator> {
    const logger = opts.logger.child({ component: 'txn-coordinator' });
    const topic = await InternalTopic.open(opts.log, TRANSACTION_STATE_TOPIC, logger, opts.recordCodec);
    const tc = new TransactionCoordinator(topic, opts, logger);
    const started = Date.now();
    const n = await topic.replay((key, value) => tc.replayRecord(key, value));
    let maxPid = Math.max(opts.producers.maxProducerIdSeen, tc.blockEnd - 1);
    for (const m of tc.txns.values()) maxPid = Math.max(maxPid, m.producerId, m.lastProducerId);
    tc.nextPid = Math.max(tc.blockEnd, maxPid + 1);
    tc.blockEnd = tc.nextPid; // a fresh block is reserved before the first id is handed out
    if (topic.failure === null) {
      await tc.recover();
      logger.info({ records: n, transactionalIds: tc.txns.size, ms: Date.now() - started }, 'transactions loaded');
    } else {
      // The state is incomplete: completing or aborting from it could abort a transaction whose
      // commit was acknowledged, so nothing is completed; open transactions stay open (their
      // partitions' last stable offset waits) until the topic is repaired, as in Kafka when a
      // coordinator partition cannot load.
      logger.error({ recordsRead: n, err: topic.failure }, 'transaction coordinator not available: __transaction_state is damaged; transactional producers get COORDINATOR_NOT_AVAILABLE, idempotent ones still get producer ids');
    }
    tc.decided = null; // needed only by recover()
    const interval = tc.config.abortTimedOutIntervalMs;
    if (interval > 0) {
      tc.timer = setInterval(() => void tc.abortTimedOut().catch((e) => logger.error({ err: e }, 'transaction timeout check failed')), interval);
      tc.timer.unref();
    }
    const expiry = tc.config.removeExpiredIntervalMs;
    if (expiry > 0) {
      tc.expiryTimer = setInterval(() => void tc.removeExpired().catch((e) => logger.error({ err: e }, 'transactional id expiration failed')), expiry);
      tc.expiryTimer.unref();
    }
    return tc;
  }

  private replayRecord(key: InternalKey, v: Record<string, unknown> | null): void {
    if (key[0] === 'pid-block' && v !== null) {
      if (typeof v.end === 'number') this.blockEnd = Math.max(this.blockEnd, v.end);
      return;
    }
    if (key[0] !== 't' || key.length !== 2) return;
    const id = String(key[1]);
    const old = this.txns.get(id);
    if (old) this.byProducerId.delete(old.producerId);
    if (v === null) {
      this.txns.delete(id);
      return;
    }
    const m: TxnMetadata = {
      transactionalId: id,
      producerId: Number(v.producerId),
      producerEpoch: Number(v.producerEpoch),
      lastProducerId: Number(v.lastProducerId ?? -1),
      lastProducerEpoch: Number(v.lastProducerEpoch ?? -1),
      nextProducerId: Number(v.nextProducerId ?? -1),
      timeoutMs: Number(v.timeoutMs),
      state: v.state as TransactionState,
      partitions: new Set((Array.isArray(v.partitions) ? (v.partitions as Array<[string, number]>) : []).map(([t, p]) => tpKey(t, p))),
      floors: new Map((Array.isArray(v.floors) ? (v.floors as Array<[string, number, number]>) : []).map(([t, p, o]) => [tpKey(t, p), Number(o)] as [string, number])),
      groups: new Set(Array.isArray(v.groups) ? (v.groups as string[]) : []),
      startTimestamp: Number(v.startTimestamp ?? -1),
      updateTimestamp: Number(v.updateTimestamp ?? 0),
      completing: null,
    };
    this.txns.set(id, m);
    this.byProducerId.set(m.producerId, m);
    if (this.decided !== null && (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence')) {
      for (const tp of m.partitions) {
        const floor = m.floors.get(tp);
        if (floor === undefined) continue; // a record from before floors were kept: nothing ties it to offsets
        const key = `${m.producerId}\u0000${tp}`;
        let byFloor = this.decided.get(key);
        if (!byFloor) this.decided.set(key, (byFloor = new Map()));
        byFloor.set(floor, { commit: m.state === 'PrepareCommit', epoch: m.producerEpoch });
      }
    }
  }

  private async recover(): Promise<void> {
    for (const m of this.txns.values()) {
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') {
        if (m.state === 'PrepareEpochFence') m.state = 'PrepareAbort';
        this.logger.info({ transactionalId: m.transactionalId, state: m.state }, 'completing a transaction interrupted by a restart');
        await this.lock(m.transactionalId).run(() => this.complete(m));
      }
    }
    // Offsets pending for producers that have no open transaction any more.
    for (const pid of this.groups.pendingTransactionalProducers()) {
      const m = this.byProducerId.get(pid);
      if (!m || m.state !== 'Ongoing') {
        this.logger.warn({ producerId: pid }, 'aborting transactional offsets without an open transaction');
        await this.groups.completeTransaction(pid, false).catch((e) => this.logger.error({ err: e }, 'could not abort orphan offsets'));
      }
    }
    // Open transactions in partitions that no ongoing transaction includes would hold the LSO
    // forever. One whose decision is durable (its marker was lost: a salvage or a cut tail took
    // it) gets the marker of that decision; the others are aborted. The decision is the one whose
    // floor is the highest at or below the open records' first offset: the transaction that
    // joined the partition before those records were written and after the producer's previous
    // marker there. A later decision with its floor inside the open records means they hold two
    // transactions' records (the earlier one's marker lost in the middle): the outcome of each
    // part is not known from the log, so they are aborted, as before (documented limit).
    const decided = this.decided ?? new Map<string, Map<number, { commit: boolean; epoch: number }>>();
    for (const { partition, state } of this.producers.all()) {
      for (const { producerId, firstOffset, lastOffset } of state.openTransactions()) {
        const m = this.byProducerId.get(producerId);
        const tp = tpKey(partition.topic.name, partition.index);
        if (m && m.state === 'Ongoing' && m.partitions.has(tp)) continue;
        const where = { producerId, topic: partition.topic.name, partition: partition.index };
        const dataEpoch = state.epochOf(producerId) ?? 0;
        let mine: { commit: boolean; epoch: number } | undefined;
        let mineFloor = -1;
        let spans = false;
        for (const [floor, d] of decided.get(`${producerId}\u0000${tp}`) ?? []) {
          if (floor <= firstOffset && floor > mineFloor) {
            mine = d;
            mineFloor = floor;
          } else if (floor > firstOffset && (lastOffset < 0 || floor <= lastOffset)) {
            spans = true;
          }
        }
        if (mine && !spans && mine.epoch >= dataEpoch) {
          const marker = mine.commit ? 'COMMIT' : 'ABORT';
          this.logger.warn({ ...where, epoch: mine.epoch, firstOffset }, `writing the ${marker} marker of an open transaction that __transaction_state holds the decision of (its marker is missing from the partition)`);
          await partition.append(this.markerBatch(producerId, mine.epoch, mine.commit)).catch((e) => this.logger.error({ err: e, ...where }, `could not write ${marker} marker`));
          continue;
        }
        const epoch = Math.max(dataEpoch, m?.producerEpoch ?? 0);
        this.logger.warn(where, 'aborting an open transaction no coordinator state accounts for');
        await partition.append(this.markerBatch(producerId, epoch, false)).catch((e) => this.logger.error({ err: e }, 'could not write abort marker'));
      }
    }
  }

  /** Creates `__transaction_state` if needed (FindCoordinator for a transactional id, as Kafka). */
  ensureTopic(): Promise<void> {
    return this.topic.ensure();
  }

  private lock(transactionalId: string): Mutex {
    let m = this.locks.get(transactionalId);
    if (!m) this.locks.set(transactionalId, (m = new Mutex()));
    return m;
  }

  private check(): void {
    if (this.closed) throw new CoordinatorError('NOT_COORDINATOR', 'the transaction coordinator is shutting down');
    const unavailable = this.topic.unavailable('transaction coordinator');
    if (unavailable !== null) throw unavailable;
  }

  /** Null when the coordinator serves; otherwise the error its requests get (its internal topic is offline). */
  unavailable(): CoordinatorError | null {
    return this.topic.unavailable('transaction coordinator');
  }

  // ------------------------------------------------------------------------------------------
  // Producer ids

  /** A new producer id, from a block reserved durably in __transaction_state. */
  allocateProducerId(): Promise<number> {
    return this.pidMutex.run(async () => {
      this.check();
      if (this.nextPid >= this.blockEnd) {
        const end = this.nextPid + this.config.producerIdBlockSize;
        await this.topic.append([{ key: ['pid-block'], value: { v: 1, end } }]);
        this.blockEnd = end;
      }
      return this.nextPid++;
    });
  }

  /**
   * A producer id for an idempotent producer while __transaction_state is offline (no block can
   * be reserved in it): above every id the partitions' producer state has seen and every id
   * handed out since the start. Not recorded anywhere, and need not be: an idempotent producer's
   * id has state only in the partitions it writes to, so an id handed out again after a restart
   * was never written (Kafka hands out these ids apart from its transaction coordinators too).
   */
  private allocateUnrecordedProducerId(): number {
    this.nextPid = Math.max(this.nextPid, this.producers.maxProducerIdSeen + 1);
    return this.nextPid++;
  }

  // ------------------------------------------------------------------------------------------
  // InitProducerId

  async initProducerId(transactionalId: string | null, timeoutMs: number, expectedProducerId = -1, expectedEpoch = -1): Promise<InitProducerIdResult> {
    const fail = (error: CoordinatorErrorCode): InitProducerIdResult => ({ error, producerId: -1, producerEpoch: -1 });
    if (this.closed) return fail('NOT_COORDINATOR');
    if (transactionalId === null && this.topic.failure !== null) return { error: null, producerId: this.allocateUnrecordedProducerId(), producerEpoch: 0 };
    if (transactionalId === null) {
      try {
        return { error: null, producerId: await this.allocateProducerId(), producerEpoch: 0 };
      } catch (e) {
        return fail(e instanceof CoordinatorError ? e.code : 'COORDINATOR_NOT_AVAILABLE');
      }
    }
    if (transactionalId === '') return fail('INVALID_REQUEST');
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) return fail('INVALID_TRANSACTION_TIMEOUT');
    return this.lock(transactionalId).run(async () => {
      try {
        this.check();
        let m = this.txns.get(transactionalId);
        const now = Date.now();
        if (!m) {
          const pid = await this.allocateProducerId();
          const fresh: TxnMetadata = {
            transactionalId,
            producerId: pid,
            producerEpoch: 0,
            lastProducerId: -1,
            lastProducerEpoch: -1,
            nextProducerId: -1,
            timeoutMs,
            state: 'Empty',
            partitions: new Set(),
            floors: new Map(),
            groups: new Set(),
            startTimestamp: -1,
            updateTimestamp: now,
            completing: null,
          };
          await this.store(fresh);
          this.txns.set(transactionalId, fresh);
          this.byProducerId.set(pid, fresh);
          return { error: null, producerId: pid, producerEpoch: 0 };
        }
        if (m.completing || m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') return fail('CONCURRENT_TRANSACTIONS');
        if (expectedProducerId >= 0) {
          const valid = m.producerId === expectedProducerId || (expectedProducerId === m.lastProducerId && expectedEpoch >= MAX_EPOCH);
          if (!valid) return fail('PRODUCER_FENCED');
        }
        if (m.state === 'Ongoing') {
          // A new incarnation: fence the old one by aborting its transaction with a bumped
          // epoch. The client retries (CONCURRENT_TRANSACTIONS) and then gets a newer epoch.
          await this.fenceAndAbort(m, 'a new producer initialized the transactional id');
          return fail('CONCURRENT_TRANSACTIONS');
        }
        if (m.state === 'Dead') return fail('CONCURRENT_TRANSACTIONS');
        // Empty, CompleteCommit, CompleteAbort: bump the epoch (or move to a new producer id).
        let producerId = m.producerId;
        let epoch: number;
        let lastProducerId = m.lastProducerId;
        let lastEpoch: number;
        if (expectedProducerId >= 0 && expectedEpoch !== m.producerEpoch) {
          if (expectedEpoch === m.lastProducerEpoch && expectedProducerId === m.producerId) {
            // A retry of a bump whose response was lost.
            return { error: null, producerId: m.producerId, producerEpoch: m.producerEpoch };
          }
          return fail('PRODUCER_FENCED');
        }
        if (m.producerEpoch >= MAX_EPOCH) {
          lastProducerId = m.producerId;
          producerId = await this.allocateProducerId();
          epoch = 0;
          lastEpoch = -1;
        } else {
          epoch = m.producerEpoch + 1;
          lastEpoch = expectedProducerId >= 0 ? m.producerEpoch : -1;
        }
        const next: TxnMetadata = { ...m, producerId, producerEpoch: epoch, lastProducerId, lastProducerEpoch: lastEpoch, timeoutMs, state: 'Empty', partitions: new Set(), floors: new Map(), groups: new Set(), startTimestamp: -1, updateTimestamp: now, completing: null };
        await this.store(next);
        this.replace(m, next);
        m = next;
        return { error: null, producerId: m.producerId, producerEpoch: m.producerEpoch };
      } catch (e) {
        if (e instanceof CoordinatorError) return fail(e.code);
        this.logger.warn({ err: e, transactionalId }, 'InitProducerId failed');
        return fail('COORDINATOR_NOT_AVAILABLE');
      }
    });
  }

  private replace(old: TxnMetadata, next: TxnMetadata): void {
    this.txns.set(next.transactionalId, next);
    if (this.byProducerId.get(old.producerId) === old) this.byProducerId.delete(old.producerId);
    this.byProducerId.set(next.producerId, next);
  }

  private store(m: TxnMetadata): Promise<number> {
    this.check();
    return this.topic.append([
      {
        key: ['t', m.transactionalId],
        value: {
          v: 1,
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          lastProducerId: m.lastProducerId,
          lastProducerEpoch: m.lastProducerEpoch,
          nextProducerId: m.nextProducerId,
          timeoutMs: m.timeoutMs,
          state: m.state,
          partitions: [...m.partitions].map(splitTp),
          floors: [...m.floors].map(([k, o]) => [...splitTp(k), o]),
          groups: [...m.groups],
          startTimestamp: m.startTimestamp,
          updateTimestamp: m.updateTimestamp,
        },
      },
    ]);
  }

  /** Validates the producer of a request against the transactional id's metadata. */
  private validate(transactionalId: string, producerId: number, epoch: number): TxnMetadata {
    if (!transactionalId) throw new CoordinatorError('INVALID_REQUEST', 'empty transactional id');
    const m = this.txns.get(transactionalId);
    if (!m) throw new CoordinatorError('INVALID_PRODUCER_ID_MAPPING', `unknown transactional id ${transactionalId}`);
    if (m.producerId !== producerId) throw new CoordinatorError('INVALID_PRODUCER_ID_MAPPING', `producer id ${producerId} does not own ${transactionalId}`);
    if (m.producerEpoch !== epoch) throw new CoordinatorError('PRODUCER_FENCED', `epoch ${epoch} of producer ${producerId} is fenced (current ${m.producerEpoch})`);
    if (m.completing || m.state === 'PrepareCommit' || m.state === 'PrepareAbort' || m.state === 'PrepareEpochFence') {
      throw new CoordinatorError('CONCURRENT_TRANSACTIONS', `transaction ${transactionalId} is completing`);
    }
    return m;
  }

  // ------------------------------------------------------------------------------------------
  // AddPartitionsToTxn, AddOffsetsToTxn

  /** Adds partitions (which the caller checked exist) to the producer's transaction. */
  addPartitions(transactionalId: string, producerId: number, epoch: number, partitions: Array<{ topic: string; partition: number }>): Promise<CoordinatorErrorCode | null> {
    return this.lock(transactionalId || '\u0000').run(async () => {
      try {
        this.check();
        const m = this.validate(transactionalId, producerId, epoch);
        const keys = partitions.map((p) => tpKey(p.topic, p.partition));
        if (m.state === 'Ongoing' && keys.every((k) => m.partitions.has(k))) return null;
        const now = Date.now();
        const ongoing = m.state === 'Ongoing';
        const floors = new Map(ongoing ? m.floors : []);
        for (const p of partitions) {
          const k = tpKey(p.topic, p.partition);
          if (floors.has(k)) continue;
          try {
            floors.set(k, this.log.partition(p.topic, p.partition).nextOffset);
          } catch {
            // the partition is gone: no floor (a restart then aborts an open transaction there)
          }
        }
        const next: TxnMetadata = {
          ...m,
          state: 'Ongoing',
          partitions: new Set([...(ongoing ? m.partitions : []), ...keys]),
          floors,
          groups: ongoing ? m.groups : new Set(),
          startTimestamp: ongoing ? m.startTimestamp : now,
          updateTimestamp: now,
        };
        await this.store(next);
        this.replace(m, next);
        return null;
      } catch (e) {
        return this.errorCode(e, transactionalId);
      }
    });
  }

  addOffsets(transactionalId: string, producerId: number, epoch: number, groupId: string): Promise<CoordinatorErrorCode | null> {
    return this.lock(transactionalId || '\u0000').run(async () => {
      try {
        this.check();
        const m = this.validate(transactionalId, producerId, epoch);
        if (!groupId) return 'INVALID_GROUP_ID';
        if (m.state === 'Ongoing' && m.groups.has(groupId)) return null;
        const now = Date.now();
        const ongoing = m.state === 'Ongoing';
        const next: TxnMetadata = {
          ...m,
          state: 'Ongoing',
          partitions: ongoing ? m.partitions : new Set(),
          floors: ongoing ? m.floors : new Map(),
          groups: new Set([...(ongoing ? m.groups : []), groupId]),
          startTimestamp: ongoing ? m.startTimestamp : now,
          updateTimestamp: now,
        };
        await this.store(next);
        this.replace(m, next);
        return null;
      } catch (e) {
        return this.errorCode(e, transactionalId);
      }
    });
  }

  /** For TxnOffsetCommit: the producer must own the transactional id with this epoch. */
  validateTxnOffsetCommit(transactionalId: string, producerId: number, epoch: number): CoordinatorErrorCode | null {
    if (this.topic.failure !== null) return 'COORDINATOR_NOT_AVAILABLE';
    const m = this.txns.get(transactionalId);
    if (!m || m.producerId !== producerId) return 'INVALID_PRODUCER_ID_MAPPING';
    if (m.producerEpoch !== epoch) return 'PRODUCER_FENCED';
    if (m.state !== 'Ongoing') return 'INVALID_TXN_STATE';
    return null;
  }

  private errorCode(e: unknown, transactionalId: string): CoordinatorErrorCode {
    if (e instanceof CoordinatorError) return e.code;
    this.logger.warn({ err: e, transactionalId }, 'transaction operation failed');
    return 'COORDINATOR_NOT_AVAILABLE';
  }

  // ------------------------------------------------------------------------------------------
  // EndTxn

  /** EndTxn below v5 (transactions v1): the error only. */
  async endTxn(transactionalId: string, producerId: number, epoch: number, commit: boolean): Promise<CoordinatorErrorCode | null> {
    return (await this.endTransaction(transactionalId, producerId, epoch, commit, false)).error;
  }

  /**
   * Commits or aborts the producer's transaction. `bumpEpoch` is transactions v2 (EndTxn v5+):
   * the epoch is bumped by every call and the answer names the producer id and epoch to go on
   * with; a retry of a call whose answer was lost (the epoch before the bump) is answered again.
   */
  endTransaction(transactionalId: string, producerId: number, epoch: number, commit: boolean, bumpEpoch: boolean): Promise<EndTxnResult> {
    const failed = (error: CoordinatorErrorCode): EndTxnResult => ({ error, producerId: -1, producerEpoch: -1 });
    return this.lock(transactionalId || '\u0000').run(async () => {
      try {
        this.check();
        if (!transactionalId) return failed('INVALID_REQUEST');
        const m = this.txns.get(transactionalId);
        if (!m) return failed('INVALID_PRODUCER_ID_MAPPING');
        const done = (): EndTxnResult => ({ error: null, producerId: m.producerId, producerEpoch: m.producerEpoch });
        if (!bumpEpoch) {
          if (m.producerId !== producerId) return failed('INVALID_PRODUCER_ID_MAPPING');
          if (m.producerEpoch !== epoch) return failed('PRODUCER_FENCED');
          switch (m.state) {
            case 'Ongoing':
              return await this.prepareEnd(m, commit, false, false);
            case 'CompleteCommit':
              return commit ? done() : failed('INVALID_TXN_STATE');
            case 'CompleteAbort':
              return commit ? failed('INVALID_TXN_STATE') : done();
            default:
              return failed(otherStateError(m.state, commit));
          }
        }
        // Transactions v2. A retry names the epoch before the bump, or the last epoch of the
        // previous producer id when the bump moved the transaction to a new one.
        const retryOnOverflow = m.lastProducerId === producerId && epoch === MAX_EPOCH && m.producerEpoch === 0;
        const retryOnEpochBump = m.producerEpoch === epoch + 1;
        const isRetry = retryOnEpochBump || retryOnOverflow;
        let validEpoch: boolean;
        switch (m.state) {
          case 'PrepareCommit':
          case 'PrepareAbort':
            validEpoch = retryOnEpochBump;
            break;
          case 'CompleteCommit':
          case 'CompleteAbort':
            validEpoch = isRetry || epoch === m.producerEpoch;
            break;
          default:
            validEpoch = epoch === m.producerEpoch;
        }
        if (m.producerId !== producerId && !retryOnOverflow) return failed('INVALID_PRODUCER_ID_MAPPING');
        if (!validEpoch) return failed('PRODUCER_FENCED');
        if (m.completing) return failed('CONCURRENT_TRANSACTIONS');
        switch (m.state) {
          case 'Ongoing':
            return await this.prepareEnd(m, commit, true, false);
          case 'CompleteCommit':
            if (commit) return isRetry ? done() : failed('INVALID_TXN_STATE');
            return isRetry ? failed('INVALID_TXN_STATE') : await this.prepareEnd(m, false, true, true);
          case 'CompleteAbort':
            if (commit) return failed('INVALID_TXN_STATE');
            return isRetry ? done() : await this.prepareEnd(m, false, true, true);
          case 'Empty':
            // v2 lets a producer abort a transaction it cannot tell was started (the first
            // Produce may have added partitions or not): the epoch is bumped all the same.
            return commit ? failed('INVALID_TXN_STATE') : await this.prepareEnd(m, false, true, true);
          default:
            return failed(otherStateError(m.state, commit));
        }
      } catch (e) {
        return failed(this.errorCode(e, transactionalId));
      }
    });
  }

  /**
   * Stores the PrepareCommit/PrepareAbort decision and completes it. With `bumpEpoch` (v2) the
   * decision carries the next epoch (and the next producer id when the epoch is exhausted); the
   * answer is what the producer continues with. Runs under the id's lock.
   */
  private async prepareEnd(m: TxnMetadata, commit: boolean, bumpEpoch: boolean, noPartitionAdded: boolean): Promise<EndTxnResult> {
    const now = Date.now();
    const nextProducerId = bumpEpoch && m.producerEpoch >= MAX_EPOCH ? await this.allocateProducerId() : -1;
    const prepared: TxnMetadata = {
      ...m,
      state: commit ? 'PrepareCommit' : 'PrepareAbort',
      producerEpoch: bumpEpoch ? m.producerEpoch + 1 : m.producerEpoch,
      lastProducerEpoch: bumpEpoch ? m.producerEpoch : m.lastProducerEpoch,
      nextProducerId,
      startTimestamp: noPartitionAdded ? now : m.startTimestamp,
      updateTimestamp: now,
    };
    await this.store(prepared);
    this.replace(m, prepared);
    await this.complete(prepared);
    return nextProducerId >= 0 ? { error: null, producerId: nextProducerId, producerEpoch: 0 } : { error: null, producerId: prepared.producerId, producerEpoch: prepared.producerEpoch };
  }

  /** Writes the markers and offsets of a prepared transaction and records its completion. Retries in the background on failure. */
  private async complete(m: TxnMetadata): Promise<void> {
    const commit = m.state === 'PrepareCommit';
    try {
      await Promise.all(
        [...m.partitions].map(async (k) => {
          const [topic, p] = splitTp(k);
          if (!this.log.hasTopic(topic)) return;
          let part;
          try {
            part = this.log.partition(topic, p);
          } catch {
            return; // the partition is gone
          }
          await part.append(this.markerBatch(m.producerId, m.producerEpoch, commit));
        }),
      );
      await this.groups.completeTransaction(m.producerId, commit);
      // A v2 transaction whose epoch was exhausted continues under its next producer id.
      const rotate = m.nextProducerId >= 0;
      const done: TxnMetadata = {
        ...m,
        state: commit ? 'CompleteCommit' : 'CompleteAbort',
        producerId: rotate ? m.nextProducerId : m.producerId,
        producerEpoch: rotate ? 0 : m.producerEpoch,
        lastProducerId: rotate ? m.producerId : m.lastProducerId,
        nextProducerId: -1,
        partitions: new Set(),
        floors: new Map(),
        groups: new Set(),
        updateTimestamp: Date.now(),
        completing: null,
      };
      await this.store(done);
      if (this.txns.get(m.transactionalId) === m) this.replace(m, done);
    } catch (e) {
      if (this.closed) return;
      this.logger.warn({ err: e, transactionalId: m.transactionalId }, 'could not complete the transaction; retrying');
      m.completing ??= new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          m.completing = null;
          if (this.closed || this.txns.get(m.transactionalId) !== m) return resolve();
          void this.lock(m.transactionalId)
            .run(() => this.complete(m))
            .finally(resolve);
        }, 1_000);
        t.unref();
      });
    }
  }

  private markerBatch(producerId: number, epoch: number, commit: boolean): Buffer {
    return buildTxnMarkerBatch({ marker: { commit, coordinatorEpoch: COORDINATOR_EPOCH }, producerId, producerEpoch: epoch });
  }

  /** Aborts an ongoing transaction with a bumped epoch, fencing its producer. Runs under the id's lock. */
  private async fenceAndAbort(m: TxnMetadata, reason: string): Promise<void> {
    const epoch = m.producerEpoch >= MAX_EPOCH ? m.producerEpoch : m.producerEpoch + 1;
    this.logger.info({ transactionalId: m.transactionalId, producerId: m.producerId, epoch, reason }, 'aborting transaction');
    const prepared: TxnMetadata = { ...m, producerEpoch: epoch, lastProducerEpoch: -1, state: 'PrepareAbort', updateTimestamp: Date.now() };
    await this.store(prepared);
    this.replace(m, prepared);
    await this.complete(prepared);
  }

  /** Aborts transactions open longer than their timeout (the timer runs this; tests call it). */
  async abortTimedOut(now = Date.now()): Promise<number> {
    if (this.topic.failure !== null) return 0; // its state is incomplete: nothing to decide from
    let n = 0;
    for (const m of [...this.txns.values()]) {
      if (this.closed) break;
      if (m.state === 'Ongoing' && m.startTimestamp >= 0 && now > m.startTimestamp + m.timeoutMs) {
        await this.lock(m.transactionalId).run(async () => {
          const cur = this.txns.get(m.transactionalId);
          if (!cur || cur.state !== 'Ongoing' || cur.producerId !== m.producerId || cur.producerEpoch !== m.producerEpoch) return;
          await this.fenceAndAbort(cur, `transaction timed out after ${cur.timeoutMs} ms`);
          n++;
        });
      }
    }
    return n;
  }

  /**
   * Forgets the transactional ids idle for transactional.id.expiration.ms (Kafka's shouldExpire:
   * Empty, CompleteCommit or CompleteAbort, last updated that long ago) with a tombstone, so a
   * restart does not bring them back. Their producer ids are then unknown to EndTxn and
   * AddPartitionsToTxn (INVALID_PRODUCER_ID_MAPPING); InitProducerId starts them afresh. The
   * timer (transaction.remove.expired.transaction.cleanup.interval.ms) runs this; tests call it.
   */
  async removeExpired(now = Date.now()): Promise<number> {
    if (this.topic.failure !== null) return 0;
    let n = 0;
    for (const m of [...this.txns.values()]) {
      if (this.closed) break;
      if (!(m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort')) continue;
      if (m.completing !== null || m.updateTimestamp > now - this.config.transactionalIdExpirationMs) continue;
      await this.lock(m.transactionalId).run(async () => {
        if (this.txns.get(m.transactionalId) !== m) return;
        await this.topic.append([{ key: ['t', m.transactionalId], value: null }]);
        this.txns.delete(m.transactionalId);
        if (this.byProducerId.get(m.producerId) === m) this.byProducerId.delete(m.producerId);
        n++;
      });
    }
    if (n > 0) this.logger.info({ expired: n, expirationMs: this.config.transactionalIdExpirationMs }, 'expired idle transactional ids');
    return n;
  }

  /** How many transactional ids the coordinator holds (metrics, tests). */
  get transactionalIdCount(): number {
    return this.txns.size;
  }

  // ------------------------------------------------------------------------------------------
  // The produce path

  /**
   * A transactional batch may only go to a partition of the producer's ongoing transaction
   * (what KIP-890 part 1 verifies): a late write of an aborted or fenced transaction would
   * otherwise open a transaction no marker ever closes.
   */
  verifyTransactionalWrite(producerId: number, epoch: number, topic: string, partition: number): CoordinatorErrorCode | null {
    // No transaction can be ended while the coordinator is offline: a write would only hold the LSO.
    if (this.topic.failure !== null) return 'INVALID_TXN_STATE';
    const m = this.byProducerId.get(producerId);
    if (!m) return 'INVALID_PRODUCER_ID_MAPPING';
    if (epoch < m.producerEpoch) return 'INVALID_PRODUCER_EPOCH';
    if (epoch > m.producerEpoch) return 'INVALID_PRODUCER_EPOCH';
    if (m.state !== 'Ongoing' || !m.partitions.has(tpKey(topic, partition))) return 'INVALID_TXN_STATE';
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // DescribeTransactions, ListTransactions

  describe(transactionalId: string): DescribedTransaction {
    if (this.topic.failure !== null) return { transactionalId, error: 'COORDINATOR_NOT_AVAILABLE', state: '', timeoutMs: 0, startTimestamp: -1, producerId: -1, producerEpoch: -1, partitions: [] };
    const m = this.txns.get(transactionalId);
    if (!m) return { transactionalId, error: 'TRANSACTIONAL_ID_NOT_FOUND', state: '', timeoutMs: 0, startTimestamp: -1, producerId: -1, producerEpoch: -1, partitions: [] };
    const byTopic = new Map<string, number[]>();
    for (const k of m.partitions) {
      const [t, p] = splitTp(k);
      let a = byTopic.get(t);
      if (!a) byTopic.set(t, (a = []));
      a.push(p);
    }
    return {
      transactionalId,
      error: null,
      state: m.state,
      timeoutMs: m.timeoutMs,
      startTimestamp: m.state === 'Ongoing' || m.state.startsWith('Prepare') ? m.startTimestamp : -1,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      partitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
    };
  }

  list(filter: { states?: string[]; producerIds?: number[]; durationMs?: number; pattern?: string | null } = {}): Array<{ transactionalId: string; producerId: number; state: string }> {
    const states = new Set(filter.states ?? []);
    const pids = new Set(filter.producerIds ?? []);
    const now = Date.now();
    let re: RegExp | null = null;
    if (filter.pattern) re = new RegExp(filter.pattern);
    const out: Array<{ transactionalId: string; producerId: number; state: string }> = [];
    for (const m of this.txns.values()) {
      if (states.size > 0 && !states.has(m.state)) continue;
      if (pids.size > 0 && !pids.has(m.producerId)) continue;
      if (filter.durationMs !== undefined && filter.durationMs >= 0 && !(m.state === 'Ongoing' && now - m.startTimestamp > filter.durationMs)) continue;
      if (re && !re.test(m.transactionalId)) continue;
      out.push({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state });
    }
    return out;
  }

  /** For tests: the state of a transactional id. */
  inspect(transactionalId: string): { state: TransactionState; producerId: number; producerEpoch: number; partitions: string[] } | null {
    const m = this.txns.get(transactionalId);
    return m ? { state: m.state, producerId: m.producerId, producerEpoch: m.producerEpoch, partitions: [...m.partitions].map((k) => k.replace('\u0000', '-')) } : null;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
  }
}
