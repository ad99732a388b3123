// Glue between the Kafka front-end and the core coordinators: the version rule of the
// PRODUCER_FENCED error, the consumer protocol's subscription format (which the core does not
// know), and the producer-state hook of the Produce path (sequence checks, transaction
// verification, the partitions a transactions-v2 Produce adds to its transaction, the refusal of
// client control batches, and Kafka's translation of those errors into Produce errors).
import type { Coordinators } from '../core/coordinators/index.js';
import type { CoordinatorErrorCode } from '../core/coordinators/errors.js';
import { CoordinatorError } from '../core/coordinators/errors.js';
import type { AppendOutcome, Log } from '../core/log/index.js';
import type { ProducerBatch, ProducerCheck, ProducerStateHook, TransactionalWrite } from './context.js';
import { ErrorCode, errorCode } from './errors.js';
import { decodeConsumerProtocolSubscription } from './protocol/messages/consumer-protocol-subscription.js';
import { Reader } from './protocol/reader.js';

/**
 * PRODUCER_FENCED (KIP-588) exists for clients from InitProducerId v4, AddPartitionsToTxn v2,
 * AddOffsetsToTxn v2, EndTxn v2 and TxnOffsetCommit v3; older versions get INVALID_PRODUCER_EPOCH.
 */
export function fencedForVersion(code: CoordinatorErrorCode | null, version: number, firstVersionWithFenced: number): ErrorCode {
  if (code === 'PRODUCER_FENCED' && version < firstVersionWithFenced) return ErrorCode.INVALID_PRODUCER_EPOCH;
  return errorCode(code);
}

/** Topics of a consumer-protocol subscription (ConsumerProtocolSubscription v0-3), or null. */
export function decodeSubscriptionTopics(protocolType: string, _protocolName: string, metadata: Buffer): string[] | null {
  if (protocolType !== 'consumer') return null;
  try {
    if (metadata.length < 2) return null;
    const r = new Reader(metadata);
    const version = r.int16();
    const sub = decodeConsumerProtocolSubscription(r, Math.min(Math.max(version, 0), 3));
    return sub.topics;
  } catch {
    return null;
  }
}

/** The Produce path's producer-state hook over the coordinators. */
export function coordinatorProducerHook(log: Log, coordinators: Coordinators): ProducerStateHook {
  return new CoordinatorProducerHook(log, coordinators);
}

/**
 * Verifies that a transactional batch belongs to the producer's ongoing transaction (what
 * KIP-890 part 1 has Kafka check), or, for Produce v12+ (transactions v2), adds its partition to
 * the transaction; then checks epoch and sequence against the partition's producer state. A
 * retry of a batch already appended is answered with its first outcome.
 */
class CoordinatorProducerHook implements ProducerStateHook {
  constructor(
    private readonly log: Log,
    private readonly c: Coordinators,
  ) {}

  check(b: ProducerBatch): ProducerCheck | Promise<ProducerCheck> {
    if (!b.transactional) return this.checkState(b, null);
    const err = this.c.transactions.verifyTransactionalWrite(b.producerId, b.producerEpoch, b.topic, b.partition);
    if (err === null || b.produceVersion < 12 || b.transactionalId === null) return this.checkState(b, err);
    // Transactions v2: the write itself adds the partition to the transaction.
    return this.c.transactions.addPartitions(b.transactionalId, b.producerId, b.producerEpoch, [{ topic: b.topic, partition: b.partition }]).then((added) => {
      if (added !== null) return reject(addPartitionsError(added), `${b.topic}-${b.partition} could not join the transaction of producer ${b.producerId}: ${added}`);
      return this.checkState(b, this.c.transactions.verifyTransactionalWrite(b.producerId, b.producerEpoch, b.topic, b.partition));
    });
  }

  async addToTransaction(w: TransactionalWrite): Promise<void> {
    const missing = w.partitions.filter((p) => this.c.transactions.verifyTransactionalWrite(w.producerId, w.producerEpoch, p.topic, p.partition) !== null);
    if (missing.length > 0) await this.c.transactions.addPartitions(w.transactionalId, w.producerId, w.producerEpoch, missing);
  }

  /** The partition's side, once the transaction check said `txnError` (null: the write belongs to the transaction). */
  private checkState(b: ProducerBatch, txnError: CoordinatorErrorCode | null): ProducerCheck | Promise<ProducerCheck> {
    const pid = b.producerId;
    const part = this.log.partition(b.topic, b.partition);
    const state = this.c.producers.of(part);
    const info = { producerId: pid, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, lastOffsetDelta: b.lastOffsetDelta, transactional: b.transactional };
    let decision;
    try {
      if (txnError !== null) {
        // A retry of a batch that made it before the transaction moved on is still a duplicate.
        const dup = b.control ? null : state.findDuplicate(info);
        if (dup === null) return reject(verificationError(txnError, b.produceVersion), `transactional write of producer ${pid} (epoch ${b.producerEpoch}) to ${b.topic}-${b.partition} is not part of an ongoing transaction`);
        decision = dup;
      } else if (b.control) {
        // Kafka refuses control records from clients after the transaction check and before
        // the sequence check (LogValidator runs between them): a COMMIT or ABORT marker from a
        // client would end the producer's transaction without the coordinator.
        return { action: 'refuse-control' };
      } else {
        decision = state.check(info);
      }
    } catch (e) {
      if (e instanceof CoordinatorError) return reject(e.code, e.message);
      throw e;
    }
    if (decision.action === 'append') return { action: 'append' };
    const outcome = decision.outcome;
    if (!(outcome instanceof Promise)) return { action: 'duplicate', outcome };
    return outcome.then((o: AppendOutcome | null): ProducerCheck =>
      o === null ? { action: 'reject', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, message: 'the first attempt of this batch failed; retry' } : { action: 'duplicate', outcome: o },
    );
  }

  failed(b: ProducerBatch): void {
    try {
      const part = this.log.partition(b.topic, b.partition);
      this.c.producers.of(part).failed({ producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, lastOffsetDelta: b.lastOffsetDelta, transactional: b.transactional });
    } catch {
      // the partition is gone
    }
  }
}

function reject(code: CoordinatorErrorCode | ErrorCode, message: string): ProducerCheck {
  return { action: 'reject', errorCode: typeof code === 'number' ? code : ErrorCode[code], message };
}

/**
 * A transactional write outside the producer's transaction: Produce v11+ answers
 * TRANSACTION_ABORTABLE (the client aborts and goes on), older versions INVALID_TXN_STATE.
 */
function verificationError(code: CoordinatorErrorCode, produceVersion: number): CoordinatorErrorCode {
  return code === 'INVALID_TXN_STATE' && produceVersion >= 11 ? 'TRANSACTION_ABORTABLE' : code;
}

/**
 * Kafka's translation of what adding a partition to the transaction answered into a Produce
 * error: a fenced epoch is INVALID_PRODUCER_EPOCH there, and the coordinator's retriable errors
 * become NOT_ENOUGH_REPLICAS, which every client retries without refreshing metadata.
 */
function addPartitionsError(code: CoordinatorErrorCode): ErrorCode {
  switch (code) {
    case 'PRODUCER_FENCED':
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case 'CONCURRENT_TRANSACTIONS':
    case 'COORDINATOR_LOAD_IN_PROGRESS':
    case 'COORDINATOR_NOT_AVAILABLE':
    case 'NOT_COORDINATOR':
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default:
      return ErrorCode[code];
  }
}
