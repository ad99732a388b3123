// DescribeProducers (61): the active producers of partitions (Admin.describeProducers,
// kafka-transactions.sh describe-producers, finding hanging transactions): id, epoch, last
// sequence and timestamp, and the first offset of the open transaction, from the partition's
// producer state. Markers are written with coordinator epoch 0 (one coordinator, never moved):
// a producer of a transactional id reports 0, an idempotent one -1, as a single-node Kafka does
// (Kafka reports -1 until the producer's first marker; Wharf's partition state does not record
// which producers have one, so a transactional producer's first transaction already shows 0).
// Errors as Kafka: an unknown topic UNKNOWN_TOPIC_OR_PARTITION with Kafka's message, an unknown
// partition of a known topic the same code without one.
// Authorization, as Kafka: READ on each topic, else TOPIC_AUTHORIZATION_FAILED on its partitions.
import { ApiKey } from '../protocol/messages/index.js';
import type { DescribeProducersResponsePartitionResponse } from '../protocol/messages/describe-producers.js';
import { authorizedTopics } from '../authorization.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { partitionOf } from './topics.js';
import { defineHandler } from './types.js';

const UNKNOWN_TOPIC_MESSAGE = 'This server does not host this topic-partition.';

export const describeProducers = defineHandler(ApiKey.DescribeProducers, {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const { log } = ctx;
    const readable = authorizedTopics(ctx, 'READ', req.topics.map((t) => t.name));
    let transactional: Set<number> | null = null;
    const coordinatorEpoch = (producerId: number): number => {
      transactional ??= new Set(ctx.coordinators.transactions.list().map((t) => t.producerId));
      return transactional.has(producerId) ? 0 : -1;
    };
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index): DescribeProducersResponsePartitionResponse => {
          const failed = (errorCode: number, errorMessage: string | null = null): DescribeProducersResponsePartitionResponse => ({ partitionIndex: index, errorCode, errorMessage, activeProducers: [] });
          if (!readable.has(t.name)) return failed(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          if (!log.hasTopic(t.name)) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_MESSAGE);
          try {
            const partition = partitionOf(log, t.name, index);
            const failure = partition.failure;
            if (failure) throw failure;
            const state = ctx.coordinators.producers.of(partition);
            return {
              partitionIndex: index,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              activeProducers: state.activeProducers().map((p) => ({
                producerId: BigInt(p.producerId),
                producerEpoch: p.epoch,
                lastSequence: p.lastSequence,
                lastTimestamp: BigInt(p.lastTimestamp),
                coordinatorEpoch: coordinatorEpoch(p.producerId),
                currentTxnStartOffset: BigInt(p.txnStartOffset),
              })),
            };
          } catch (e) {
            return failed(toKafkaError(e).code);
          }
        }),
      })),
    };
  },
});
