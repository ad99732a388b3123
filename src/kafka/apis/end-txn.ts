// EndTxn (26): commits or aborts the producer's transaction: COMMIT/ABORT markers on every
// partition of the transaction, its offsets committed or dropped. Versions 0-3 (KIP-890 part 2
// with v5's per-transaction epoch bump is not served).
// Authorization, as Kafka: WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import { transactionalIdResource } from '../authorization.js';
import { fencedForVersion } from '../coordination.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { defineHandler } from './types.js';

export const endTxn = defineHandler(ApiKey.EndTxn, {
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    if (!ctx.authorize('WRITE', transactionalIdResource(req.transactionalId))) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    try {
      const err = await ctx.coordinators.transactions.endTxn(req.transactionalId, Number(req.producerId), req.producerEpoch, req.committed);
      return { throttleTimeMs: 0, errorCode: fencedForVersion(err, ctx.header.apiVersion, 2) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toKafkaError(e).code };
    }
  },
});
