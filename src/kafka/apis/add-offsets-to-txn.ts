// AddOffsetsToTxn (25): the group's offsets will be committed with the producer's transaction.
// v4 only adds TRANSACTION_ABORTABLE to what the client handles (KIP-890); transactions v2
// clients add the group with TxnOffsetCommit v5 instead.
// Authorization, as Kafka: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group (else GROUP_AUTHORIZATION_FAILED).
import { ApiKey } from '../protocol/messages/index.js';
import { groupResource, transactionalIdResource } from '../authorization.js';
import { fencedForVersion } from '../coordination.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { defineHandler } from './types.js';

export const addOffsetsToTxn = defineHandler(ApiKey.AddOffsetsToTxn, {
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    if (!ctx.authorize('WRITE', transactionalIdResource(req.transactionalId))) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!ctx.authorize('READ', groupResource(req.groupId))) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    try {
      const err = await ctx.coordinators.transactions.addOffsets(req.transactionalId, Number(req.producerId), req.producerEpoch, req.groupId);
      return { throttleTimeMs: 0, errorCode: fencedForVersion(err, ctx.header.apiVersion, 2) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toKafkaError(e).code };
    }
  },
});
