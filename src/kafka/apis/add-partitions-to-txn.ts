// AddPartitionsToTxn (24), client versions 0-3: partitions join the producer's transaction
// before it writes to them. Unknown partitions fail the request (UNKNOWN_TOPIC_OR_PARTITION on
// them, OPERATION_NOT_ATTEMPTED on the others), as in Kafka.
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, fencedForVersion, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

const UNKNOWN_TOPIC_OR_PARTITION = 3;
const OPERATION_NOT_ATTEMPTED = 55;

export const addPartitionsToTxn: ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  key: 24,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const topics = req.v3AndBelowTopics ?? [];
    const respond = (code: (topic: string, partition: number) => number): AddPartitionsToTxnResponse => ({
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) })),
    });
    let tc;
    try {
      tc = coordinatorsOf(ctx.broker).transactions;
    } catch (e) {
      const n = thrownNumber(e);
      return respond(() => n);
    }
    const log = ctx.broker.log;
    const exists = (topic: string, p: number): boolean => {
      if (!log.hasTopic(topic)) return false;
      return p >= 0 && p < log.describeTopic(topic).partitions;
    };
    if (topics.some((t) => t.partitions.some((p) => !exists(t.name, p)))) {
      return respond((t, p) => (exists(t, p) ? OPERATION_NOT_ATTEMPTED : UNKNOWN_TOPIC_OR_PARTITION));
    }
    const err = await tc.addPartitions(
      req.v3AndBelowTransactionalId ?? '',
      Number(req.v3AndBelowProducerId ?? -1n),
      req.v3AndBelowProducerEpoch ?? -1,
      topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))),
    );
    const n = fencedForVersion(err, ctx.header.apiVersion, 2);
    return respond(() => n);
  },
};
