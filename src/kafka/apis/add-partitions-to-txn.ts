// AddPartitionsToTxn (24), client versions 0-3: partitions join the producer's transaction
// before it writes to them. Unknown partitions fail the request (UNKNOWN_TOPIC_OR_PARTITION on
// them, OPERATION_NOT_ATTEMPTED on the others), as in Kafka.
// Authorization, as Kafka: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every partition), and WRITE on each topic (else
// TOPIC_AUTHORIZATION_FAILED on its partitions, which fails the request like an unknown one).
import { ApiKey, type AddPartitionsToTxnResponse } from '../protocol/messages/index.js';
import { authorizedTopics, transactionalIdResource } from '../authorization.js';
import { fencedForVersion } from '../coordination.js';
import { ErrorCode } from '../errors.js';
import { partitionCount } from './topics.js';
import { defineHandler } from './types.js';

export const addPartitionsToTxn = defineHandler(ApiKey.AddPartitionsToTxn, {
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const { log } = ctx;
    const topics = req.v3AndBelowTopics ?? [];
    const transactionalId = req.v3AndBelowTransactionalId ?? '';
    const respond = (code: (topic: string, partition: number) => number): AddPartitionsToTxnResponse => ({
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) })),
    });
    if (!ctx.authorize('WRITE', transactionalIdResource(transactionalId))) return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const writable = authorizedTopics(ctx, 'WRITE', topics.map((t) => t.name));
    const refusal = (topic: string, p: number): ErrorCode | null => {
      if (!writable.has(topic)) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      return p >= 0 && p < partitionCount(log, topic) ? null : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    };
    if (topics.some((t) => t.partitions.some((p) => refusal(t.name, p) !== null))) {
      return respond((t, p) => refusal(t, p) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
    }
    const err = await ctx.coordinators.transactions.addPartitions(
      transactionalId,
      Number(req.v3AndBelowProducerId ?? -1n),
      req.v3AndBelowProducerEpoch ?? -1,
      topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))),
    );
    const code = fencedForVersion(err, ctx.header.apiVersion, 2);
    return respond(() => code);
  },
});
