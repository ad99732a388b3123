// Glue between the Kafka front-end and the core coordinators: the version rule of the
// PRODUCER_FENCED error, the consumer protocol's subscription format (which the core does not
// know), and the producer-state hook of the Produce path (sequence checks, transaction
// verification).
import type { Coordinators } from '../core/coordinators/index.js';
import type { CoordinatorErrorCode } from '../core/coordinators/errors.js';
import { CoordinatorError } from '../core/coordinators/errors.js';
import type { AppendOutcome, Log } from '../core/log/index.js';
import type { ProducerBatch, ProducerCheck, ProducerStateHook } from './context.js';
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
 * KIP-890 part 1 has Kafka check), then checks epoch and sequence against the partition's
 * producer state. A retry of a batch already appended is answered with its first outcome.
 */
class CoordinatorProducerHook implements ProducerStateHook {
  constructor(
    private readonly log: Log,
    private readonly c: Coordinators,
  ) {}

  check(b: ProducerBatch): ProducerCheck | Promise<ProducerCheck> {
    const reject = (code: CoordinatorErrorCode, message: string): ProducerCheck => ({ action: 'reject', errorCode: ErrorCode[code], message });
    const pid = b.producerId;
    const part = this.log.partition(b.topic, b.partition);
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

  failed(b: ProducerBatch): void {
    try {
      const part = this.log.partition(b.topic, b.partition);
      this.c.producers.of(part).failed({ producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, lastOffsetDelta: b.lastOffsetDelta, transactional: b.transactional });
    } catch {
      // the partition is gone
    }
  }
}
