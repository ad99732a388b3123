// Glue between the Kafka front-end and the core coordinators: where the API handlers find the
// coordinators, the Kafka numbers of the coordinators' error codes, the consumer protocol's
// subscription format (which the core does not know), and the producer-state hook of the
// Produce path (sequence checks, transaction verification).
import type { Coordinators } from '../core/coordinators/index.js';
import type { CoordinatorErrorCode } from '../core/coordinators/errors.js';
import { CoordinatorError } from '../core/coordinators/errors.js';
import type { AppendOutcome } from '../core/log/index.js';
import type { KafkaBroker, ProducerBatch, ProducerCheck, ProducerStateHook } from './context.js';
import { ErrorCode, KafkaApiError } from './errors.js';
import { decodeConsumerProtocolSubscription } from './protocol/messages/consumer-protocol-subscription.js';
import { Reader } from './protocol/reader.js';

const attached = new WeakMap<KafkaBroker, Coordinators>();

/** Makes the coordinators reachable from the API handlers of this listener. */
export function attachCoordinators(broker: KafkaBroker, c: Coordinators): void {
  attached.set(broker, c);
  broker.producerState = new CoordinatorProducerHook(broker, c);
}

/** The coordinators, or COORDINATOR_NOT_AVAILABLE (an embedding without them). */
export function coordinatorsOf(broker: KafkaBroker): Coordinators {
  const c = attached.get(broker);
  if (!c) throw new KafkaApiError(15 as ErrorCode, 'no coordinator runs in this broker');
  return c;
}

/** Kafka's numbers for the coordinators' error codes. */
export const COORDINATOR_ERROR_CODES: Readonly<Record<CoordinatorErrorCode, number>> = {
  UNKNOWN_SERVER_ERROR: -1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  OFFSET_METADATA_TOO_LARGE: 12,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  UNSTABLE_OFFSET_COMMIT: 88,
  PRODUCER_FENCED: 90,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  TRANSACTION_ABORTABLE: 120,
  INVALID_REGULAR_EXPRESSION: 128,
};

/** Kafka error number of a coordinator result (0 for none). */
export function errorNumber(code: CoordinatorErrorCode | null): number {
  return code === null ? 0 : COORDINATOR_ERROR_CODES[code];
}

/**
 * PRODUCER_FENCED (KIP-588) exists for clients from InitProducerId v4, AddPartitionsToTxn v2,
 * AddOffsetsToTxn v2, EndTxn v2 and TxnOffsetCommit v3; older versions get INVALID_PRODUCER_EPOCH.
 */
export function fencedForVersion(code: CoordinatorErrorCode | null, version: number, firstVersionWithFenced: number): number {
  if (code === 'PRODUCER_FENCED' && version < firstVersionWithFenced) return COORDINATOR_ERROR_CODES.INVALID_PRODUCER_EPOCH;
  return errorNumber(code);
}

/** The Kafka error number of anything a coordinator call threw. */
export function thrownNumber(e: unknown): number {
  if (e instanceof CoordinatorError) return COORDINATOR_ERROR_CODES[e.code];
  if (e instanceof KafkaApiError) return e.code;
  return -1;
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

/**
 * The Produce path's producer-state hook: verifies that a transactional batch belongs to the
 * producer's ongoing transaction (what KIP-890 part 1 has Kafka check), then checks epoch and
 * sequence against the partition's producer state. A retry of a batch already appended is
 * answered with its first outcome.
 */
class CoordinatorProducerHook implements ProducerStateHook {
  constructor(
    private readonly broker: KafkaBroker,
    private readonly c: Coordinators,
  ) {}

  check(b: ProducerBatch): ProducerCheck | Promise<ProducerCheck> {
    const reject = (code: CoordinatorErrorCode, message: string): ProducerCheck => ({ action: 'reject', errorCode: COORDINATOR_ERROR_CODES[code] as ErrorCode, message });
    const pid = Number(b.producerId);
    const part = this.broker.log.partition(b.topic, b.partition);
    const state = this.c.producers.of(part);
    const info = { producerId: pid, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, lastOffsetDelta: b.lastOffsetDelta, transactional: b.transactional };
    let decision;
    try {
      if (b.transactional) {
        const err = this.c.transactions.verifyTransactionalWrite(pid, b.producerEpoch, b.topic, b.partition);
        if (err !== null) {
          // A retry of a batch that made it before the transaction moved on is still a duplicate.
          const dup = state.findDuplicate(info);
          if (dup === null) return reject(err, `transactional write of producer ${pid} (epoch ${b.producerEpoch}) to ${b.topic}-${b.partition} is not part of an ongoing transaction`);
          decision = dup;
        }
      }
      decision ??= state.check(info);
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

  appended(): void {
    // The partition reports every acknowledged append to the producer state itself.
  }

  failed(b: ProducerBatch): void {
    try {
      const part = this.broker.log.partition(b.topic, b.partition);
      this.c.producers.of(part).failed({ producerId: Number(b.producerId), producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, lastOffsetDelta: b.lastOffsetDelta, transactional: b.transactional });
    } catch {
      // the partition is gone
    }
  }
}
