// EndTxn (26): commits or aborts the producer's transaction: COMMIT/ABORT markers on every
// partition of the transaction, its offsets committed or dropped. v4 only adds the
// TRANSACTION_ABORTABLE error to what the client handles; v5 is transactions v2 (KIP-890 part 2):
// the epoch is bumped by every EndTxn, the markers carry the new epoch, and the answer names the
// producer id and epoch the producer goes on with (a new producer id once the epoch is exhausted).
// Authorization, as Kafka: WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
import { ApiKey } from '../protocol/messages/index.js';
import { transactionalIdResource } from '../authorization.js';
import { fencedForVersion } from '../coordination.js';
import { ErrorCode, toKafkaError } from '../errors.js';
import { defineHandler } from './types.js';

/** The first EndTxn version of transactions v2. */
const EPOCH_BUMP_VERSION = 5;

export const endTxn = defineHandler(ApiKey.EndTxn, {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
    if (!ctx.authorize('WRITE', transactionalIdResource(req.transactionalId))) return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    try {
      const v2 = ctx.header.apiVersion >= EPOCH_BUMP_VERSION;
      const r = await ctx.coordinators.transactions.endTransaction(req.transactionalId, Number(req.producerId), req.producerEpoch, req.committed, v2);
      const errorCode = fencedForVersion(r.error, ctx.header.apiVersion, 2);
      return r.error === null ? { throttleTimeMs: 0, errorCode, producerId: BigInt(r.producerId), producerEpoch: r.producerEpoch } : failed(errorCode);
    } catch (e) {
      return failed(toKafkaError(e).code);
    }
  },
});
