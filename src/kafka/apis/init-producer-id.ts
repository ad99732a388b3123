// InitProducerId (22): a producer id for an idempotent producer, or for a transactional id
// (bumping its epoch fences older incarnations; an ongoing transaction is aborted first and the
// client told CONCURRENT_TRANSACTIONS so that it retries). Versions 3+ may name the producer id
// and epoch to resume after INVALID_PRODUCER_EPOCH (KIP-360).
//
// Authorization, as Kafka: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer needs IDEMPOTENT_WRITE on the
// cluster (else CLUSTER_AUTHORIZATION_FAILED). Kafka also lets through a principal that may
// WRITE some topic; that needs a query by resource type the authorizer will get with ACLs.
import { ApiKey, type InitProducerIdResponse } from '../protocol/messages/index.js';
import { CLUSTER, transactionalIdResource } from '../authorization.js';
import { fencedForVersion } from '../coordination.js';
import { ErrorCode } from '../errors.js';
import { defineHandler } from './types.js';

export const initProducerId = defineHandler(ApiKey.InitProducerId, {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const failed = (code: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode: code, producerId: -1n, producerEpoch: -1 });
    if (req.transactionalId !== null) {
      if (!ctx.authorize('WRITE', transactionalIdResource(req.transactionalId))) return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    } else if (!ctx.authorize('IDEMPOTENT_WRITE', CLUSTER)) {
      return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    const r = await ctx.coordinators.transactions.initProducerId(req.transactionalId, req.transactionTimeoutMs, Number(req.producerId ?? -1n), req.producerEpoch ?? -1);
    return { throttleTimeMs: 0, errorCode: fencedForVersion(r.error, ctx.header.apiVersion, 4), producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch };
  },
});
