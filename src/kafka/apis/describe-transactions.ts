// DescribeTransactions (65): state, timeout, producer and partitions of transactional ids.
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, errorNumber, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const describeTransactions: ApiHandler<DescribeTransactionsRequest, DescribeTransactionsResponse> = {
  key: 65,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    let tc;
    try {
      tc = coordinatorsOf(ctx.broker).transactions;
    } catch (e) {
      const n = thrownNumber(e);
      return { throttleTimeMs: 0, transactionStates: req.transactionalIds.map((transactionalId) => ({ errorCode: n, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] })) };
    }
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id) => {
        const d = tc.describe(id);
        return {
          errorCode: errorNumber(d.error),
          transactionalId: id,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: BigInt(d.startTimestamp),
          producerId: BigInt(d.producerId),
          producerEpoch: d.producerEpoch,
          topics: d.partitions,
        };
      }),
    };
  },
};
