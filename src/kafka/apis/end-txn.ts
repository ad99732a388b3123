// EndTxn (26): commits or aborts the producer's transaction: COMMIT/ABORT markers on every
// partition of the transaction, its offsets committed or dropped. Versions 0-3 (KIP-890 part 2
// with v5's per-transaction epoch bump is not served).
import type { EndTxnRequest, EndTxnResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, fencedForVersion, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const endTxn: ApiHandler<EndTxnRequest, EndTxnResponse> = {
  key: 26,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    try {
      const tc = coordinatorsOf(ctx.broker).transactions;
      const err = await tc.endTxn(req.transactionalId, Number(req.producerId), req.producerEpoch, req.committed);
      return { throttleTimeMs: 0, errorCode: fencedForVersion(err, ctx.header.apiVersion, 2) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e) };
    }
  },
};
