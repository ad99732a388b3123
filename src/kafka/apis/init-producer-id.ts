// InitProducerId (22): a producer id for an idempotent producer, or for a transactional id
// (bumping its epoch fences older incarnations; an ongoing transaction is aborted first and the
// client told CONCURRENT_TRANSACTIONS so that it retries). Versions 3+ may name the producer id
// and epoch to resume after INVALID_PRODUCER_EPOCH (KIP-360).
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, fencedForVersion, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const initProducerId: ApiHandler<InitProducerIdRequest, InitProducerIdResponse> = {
  key: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    let tc;
    try {
      tc = coordinatorsOf(ctx.broker).transactions;
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e), producerId: -1n, producerEpoch: -1 };
    }
    const r = await tc.initProducerId(req.transactionalId, req.transactionTimeoutMs, Number(req.producerId ?? -1n), req.producerEpoch ?? -1);
    return { throttleTimeMs: 0, errorCode: fencedForVersion(r.error, ctx.header.apiVersion, 4), producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch };
  },
};
