// DescribeTransactions (65): state, timeout, producer and partitions of transactional ids.
// Authorization, as Kafka: DESCRIBE on each transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED for it); topics the principal may not DESCRIBE are left
// out of the partitions listed.
import { ApiKey } from '../protocol/messages/index.js';
import { topicResource, transactionalIdResource } from '../authorization.js';
import { ErrorCode, errorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const describeTransactions = defineHandler(ApiKey.DescribeTransactions, {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const tc = ctx.coordinators.transactions;
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id) => {
        if (!ctx.authorize('DESCRIBE', transactionalIdResource(id))) {
          return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
        }
        const d = tc.describe(id);
        return {
          errorCode: errorCode(d.error),
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: BigInt(d.startTimestamp),
          producerId: BigInt(d.producerId),
          producerEpoch: d.producerEpoch,
          topics: d.partitions.filter((t) => ctx.authorize('DESCRIBE', topicResource(t.topic), false)),
        };
      }),
    };
  },
});
