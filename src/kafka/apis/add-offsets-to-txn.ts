// AddOffsetsToTxn (25): the group's offsets will be committed with the producer's transaction.
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../protocol/messages/index.js';
import { coordinatorsOf, fencedForVersion, thrownNumber } from '../coordination.js';
import type { ApiHandler } from './types.js';

export const addOffsetsToTxn: ApiHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  key: 25,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    try {
      const tc = coordinatorsOf(ctx.broker).transactions;
      const err = await tc.addOffsets(req.transactionalId, Number(req.producerId), req.producerEpoch, req.groupId);
      return { throttleTimeMs: 0, errorCode: fencedForVersion(err, ctx.header.apiVersion, 2) };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: thrownNumber(e) };
    }
  },
};
